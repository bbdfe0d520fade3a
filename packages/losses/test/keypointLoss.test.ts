import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { InputError, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { keypointRcnnLoss, keypointsToHeatmap } from '../src/index';
import f from './fixtures/keypointLoss.json';
import { finiteDifference, maxAbsDiff, randomArray } from './reference';

const shape: [number, number, number, number] = [f.numRois, f.size, f.size, f.numKeypoints];

/** torchvision's keypoint target and loss in float64 loops over NHWC logits `[P,m,m,K]`. */
function keypointLossRef(
  logits: ArrayLike<number>,
  [p, m, , k]: readonly number[],
  rois: ArrayLike<number>,
  kps: ArrayLike<number>,
): number {
  let total = 0;
  let count = 0;
  for (let i = 0; i < p; i++) {
    const [x1, y1, x2, y2] = [rois[4 * i], rois[4 * i + 1], rois[4 * i + 2], rois[4 * i + 3]];
    for (let j = 0; j < k; j++) {
      const [x, y, v] = [kps[(i * k + j) * 3], kps[(i * k + j) * 3 + 1], kps[(i * k + j) * 3 + 2]];
      const cx = x === x2 ? m - 1 : Math.floor(((x - x1) * m) / (x2 - x1));
      const cy = y === y2 ? m - 1 : Math.floor(((y - y1) * m) / (y2 - y1));
      if (!(v > 0 && cx >= 0 && cy >= 0 && cx < m && cy < m)) continue;
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < m * m; c++) max = Math.max(max, logits[(i * m * m + c) * k + j]);
      let z = 0;
      for (let c = 0; c < m * m; c++) z += Math.exp(logits[(i * m * m + c) * k + j] - max);
      total -= logits[(i * m * m + cy * m + cx) * k + j] - max - Math.log(z);
      count++;
    }
  }
  return count === 0 ? 0 : total / count;
}

describe('keypointsToHeatmap', () => {
  it("matches torchvision's keypoints_to_heatmap, edges and invisible keypoints included", () => {
    const out = keypointsToHeatmap(
      Float32Array.from(f.matchedKeypoints),
      Float32Array.from(f.proposals),
      f.size,
    );
    expect(Array.from(out.valid)).toEqual(f.valid);
    expect(Array.from(out.targets)).toEqual(f.targets.map((t, i) => t * f.valid[i]));
    expect(out.valid.reduce((s, v) => s + v, 0)).toBeGreaterThan(10);
  });

  it('places a keypoint on the right/bottom edge in the last cell and rejects bad input', () => {
    const rois = new Float32Array([10, 10, 20, 30]);
    const kps = new Float32Array([20, 30, 2, 10, 10, 1, 15, 20, 0, 21, 20, 2]);
    const out = keypointsToHeatmap(kps, rois, 4);
    expect(Array.from(out.targets)).toEqual([15, 0, 0, 0]);
    expect(Array.from(out.valid)).toEqual([1, 1, 0, 0]);
    expect(() => keypointsToHeatmap(kps, rois, 0)).toThrow(InputError);
    expect(() => keypointsToHeatmap(kps.subarray(0, 11), rois, 4)).toThrow(/keypoints/);
    expect(() => keypointsToHeatmap(kps, rois.subarray(0, 3), 4)).toThrow(/rois/);
  });
});

describe.each(['cpu', 'wasm'])('keypointRcnnLoss on %s', (backend) => {
  it("matches torchvision's keypointrcnn_loss and its gradient", async () => {
    await initBackend({ backend });
    const logits = tf.tensor4d(f.logits, shape);
    const rois = Float32Array.from(f.proposals);
    const kps = Float32Array.from(f.matchedKeypoints);
    const roiTensor = tf.tensor2d(rois, [f.numRois, 4]);
    await expectNoLeaks(() => {
      const loss = keypointRcnnLoss(logits, rois, kps);
      expect(Math.abs(loss.dataSync()[0] - f.loss)).toBeLessThan(1e-5);
      expect(Math.abs(keypointLossRef(f.logits, shape, rois, kps) - f.loss)).toBeLessThan(1e-5);
      const fromTensor = keypointRcnnLoss(logits, roiTensor, kps);
      expect(fromTensor.dataSync()[0]).toBe(loss.dataSync()[0]);
      const g = tf.grad((x: tf.Tensor) => keypointRcnnLoss(x as tf.Tensor4D, rois, kps))(logits);
      expect(maxAbsDiff(g.dataSync(), f.gradLogits)).toBeLessThan(1e-6);
      tf.dispose([loss, fromTensor, g]);
    });
    tf.dispose([logits, roiTensor]);
  });

  it('has the finite-difference gradient of the float64 reference', async () => {
    await initBackend({ backend });
    // Few positions so the softmax is not flat: take the first two RoIs at a 2×2 heatmap size.
    const [p, m, k] = [2, 2, f.numKeypoints];
    const rois = Float32Array.from(f.proposals.slice(0, 8));
    const kps = Float32Array.from(f.matchedKeypoints.slice(0, p * k * 3));
    const x = randomArray(p * m * m * k, 3);
    const local: [number, number, number, number] = [p, m, m, k];
    const ref = (v: ArrayLike<number>) => keypointLossRef(v, local, rois, kps);
    const input = tf.tensor4d(Float32Array.from(x), local);
    await expectNoLeaks(() => {
      const loss = keypointRcnnLoss(input, rois, kps);
      expect(Math.abs(loss.dataSync()[0] - ref(x))).toBeLessThan(1e-5);
      const g = tf.grad((v: tf.Tensor) => keypointRcnnLoss(v as tf.Tensor4D, rois, kps))(input);
      expect(maxAbsDiff(g.dataSync(), finiteDifference(ref, x))).toBeLessThan(1e-5);
      tf.dispose([loss, g]);
    });
    input.dispose();
  });

  it('is 0 and still connected when no keypoint is valid; rejects bad shapes', async () => {
    await initBackend({ backend });
    const logits = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    const rois = new Float32Array([0, 0, 8, 8, 2, 2, 6, 6]);
    const hidden = new Float32Array(2 * 3 * 3);
    await expectNoLeaks(() => {
      const loss = keypointRcnnLoss(logits, rois, hidden);
      expect(loss.dataSync()[0]).toBe(f.allInvisibleLoss);
      const g = tf.grad((x: tf.Tensor) => keypointRcnnLoss(x as tf.Tensor4D, rois, hidden))(logits);
      expect(g.shape).toEqual([2, 4, 4, 3]);
      expect(Math.max(...Array.from(g.dataSync(), Math.abs))).toBe(0);
      tf.dispose([loss, g]);
    });
    expect(() => keypointRcnnLoss(logits, rois.subarray(0, 4), hidden)).toThrow(/proposals/);
    expect(() => keypointRcnnLoss(logits, rois, hidden.subarray(0, 9))).toThrow(/matchedKeypoints/);
    const rect = tf.zeros([2, 4, 5, 3]) as tf.Tensor4D;
    expect(() => keypointRcnnLoss(rect, rois, hidden)).toThrow(ShapeError);
    tf.dispose([logits, rect]);
  });
});
