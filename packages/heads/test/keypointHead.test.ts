import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { ConfigError, SeededRandom, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  heatmapsToKeypoints,
  KeypointRcnnHead,
  KeypointRcnnPredictor,
  legacyKeypointHeadName,
} from '../src/index';
import fixture from './fixtures/keypoint.json';
import { bilinearUp2Ref, deconvRef, heatmapsToKeypointsRef } from './keypointReference';
import { conv2dRef, finiteDifference, maxAbsDiff, randomArray } from './reference';
import { loadTorchState, type TorchTensor } from './torchState';

describe.each(['cpu', 'wasm'])('keypoint head on %s', (backend) => {
  it("KeypointRcnnHead reproduces torchvision's KeypointRCNNHeads + KeypointRCNNPredictor", async () => {
    await initBackend({ backend });
    const f = fixture.head;
    const head = new KeypointRcnnHead({
      inChannels: f.channels,
      layers: f.layers,
      numKeypoints: f.numKeypoints,
      rng: new SeededRandom(1),
    });
    expect(head.namedTensors().map((t) => t.name)).toEqual([
      'keypoint_head.0.weight',
      'keypoint_head.0.bias',
      'keypoint_head.2.weight',
      'keypoint_head.2.bias',
      'keypoint_predictor.kps_score_lowres.weight',
      'keypoint_predictor.kps_score_lowres.bias',
    ]);
    loadTorchState(head.keypointHead, f.keypointHead as Record<string, TorchTensor>);
    loadTorchState(head.keypointPredictor, f.keypointPredictor as Record<string, TorchTensor>);
    const m = f.resolution;
    const pooled = tf.tensor4d(f.pooled, [f.numRois, m, m, f.channels]);
    await expectNoLeaks(() => {
      const feats = head.keypointHead.apply(pooled);
      const logits = head.apply(pooled);
      expect(logits.shape).toEqual([f.numRois, 4 * m, 4 * m, f.numKeypoints]);
      expect(maxAbsDiff(feats.dataSync(), f.features)).toBeLessThan(1e-4);
      expect(maxAbsDiff(logits.dataSync(), f.logits)).toBeLessThan(1e-4);
      tf.dispose([feats, logits]);
    });
    pooled.dispose();
    head.dispose();
  });

  it('KeypointRcnnHead equals float64 loops and has their finite-difference gradient', async () => {
    await initBackend({ backend });
    const [n, h, c, k] = [2, 3, 2, 2];
    const head = new KeypointRcnnHead({
      inChannels: c,
      layers: [3],
      numKeypoints: k,
      rng: new SeededRandom(4),
    });
    const [w1, b1, wd, bd] = head
      .namedTensors()
      .map((t) => ({ shape: t.variable.shape, data: t.variable.dataSync() }));
    // Non-zero biases so the reference checks them too.
    head.namedTensors()[1].variable.assign(tf.tensor1d([0.1, -0.2, 0.3]));
    head.namedTensors()[3].variable.assign(tf.tensor1d([0.05, -0.1]));
    const bias1 = [0.1, -0.2, 0.3];
    const biasD = [0.05, -0.1];
    expect(b1.shape).toEqual([3]);
    expect(bd.shape).toEqual([k]);
    const ref = (v: ArrayLike<number>) => {
      const a1 = conv2dRef(v, [n, h, h, c], w1.data, w1.shape, bias1, 1, 1, true);
      const low = deconvRef(a1, [n, h, h, 3], wd.data, wd.shape, biasD, 2, 1);
      expect(low.oh).toBe(2 * h);
      return bilinearUp2Ref(low.y, [n, 2 * h, 2 * h, k]);
    };
    const x = randomArray(n * h * h * c, 17);
    const input = tf.tensor4d(x, [n, h, h, c]);
    const weights = Float64Array.from({ length: n * 16 * h * h * k }, (_, i) => ((i * 5) % 7) - 3);
    const wt = tf.tensor4d(Float32Array.from(weights), [n, 4 * h, 4 * h, k]);
    await expectNoLeaks(() => {
      const y = head.apply(input);
      expect(maxAbsDiff(y.dataSync(), ref(x))).toBeLessThan(1e-5);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(head.apply(v as tf.Tensor4D), wt)))(input);
      const fd = finiteDifference((v) => ref(v).reduce((s, e, i) => s + e * weights[i], 0), x);
      expect(maxAbsDiff(g.dataSync(), fd)).toBeLessThan(1e-4);
      tf.dispose([y, g]);
    });
    tf.dispose([input, wt]);
    head.dispose();
  });

  it.each([0, 1])(
    "heatmapsToKeypoints reproduces torchvision's heatmaps_to_keypoints (case %i)",
    async (index) => {
      await initBackend({ backend });
      const f = fixture.decode[index];
      const shape = [f.numRois, f.size, f.size, f.numKeypoints];
      const maps = tf.tensor4d(f.heatmaps, shape as [number, number, number, number]);
      const rois = Float32Array.from(f.rois);
      await expectNoLeaks(() => {
        const out = heatmapsToKeypoints(maps, rois);
        expect(maxAbsDiff(out.keypoints, f.keypoints)).toBeLessThan(1e-4);
        expect(maxAbsDiff(out.scores, f.scores)).toBeLessThan(1e-4);
        const ref = heatmapsToKeypointsRef(f.heatmaps, shape, rois);
        expect(maxAbsDiff(out.keypoints, ref.keypoints)).toBeLessThan(1e-4);
        expect(maxAbsDiff(out.scores, ref.scores)).toBeLessThan(1e-5);
        const roiTensor = tf.tensor2d(rois, [f.numRois, 4]);
        expect(heatmapsToKeypoints(maps, roiTensor).keypoints).toEqual(out.keypoints);
        roiTensor.dispose();
      });
      maps.dispose();
    },
  );

  it('heatmapsToKeypoints finds a planted peak and rejects bad input', async () => {
    await initBackend({ backend });
    const [m, k] = [8, 2];
    const data = new Float32Array(m * m * k);
    data[(5 * m + 2) * k] = 10; // keypoint 0 at cell (x 2, y 5)
    data[(0 * m + 7) * k + 1] = 10; // keypoint 1 at cell (x 7, y 0)
    const maps = tf.tensor4d(data, [1, m, m, k]);
    // A RoI of exactly m×m pixels makes the resize the identity.
    const { keypoints, scores } = heatmapsToKeypoints(maps, new Float32Array([10, 20, 10 + m, 20 + m]));
    expect(Array.from(keypoints)).toEqual([12.5, 25.5, 1, 17.5, 20.5, 1]);
    expect(Array.from(scores)).toEqual([10, 10]);
    expect(() => heatmapsToKeypoints(maps, new Float32Array(8))).toThrow(/rois/);
    expect(() => heatmapsToKeypoints(maps, new Float32Array([0, 0, Number.NaN, 1]))).toThrow(/rois/);
    const rect = tf.zeros([1, 4, 5, 2]) as tf.Tensor4D;
    expect(() => heatmapsToKeypoints(rect, new Float32Array(4))).toThrow(ShapeError);
    tf.dispose([maps, rect]);
  });
});

describe('keypoint head construction', () => {
  it('defaults to the paper: 8 × conv3×3 512, 17 keypoints, 14×14 → 56×56', async () => {
    await initBackend({ backend: 'wasm' });
    const head = new KeypointRcnnHead({ inChannels: 256, rng: new SeededRandom(0) });
    expect(head.keypointHead.convs.map((c) => c.outChannels)).toEqual(Array(8).fill(512));
    expect(head.namedTensors().at(-2)?.name).toBe('keypoint_predictor.kps_score_lowres.weight');
    expect(head.namedTensors().at(-2)?.variable.shape).toEqual([4, 4, 17, 512]);
    const pooled = tf.zeros([1, 14, 14, 256]) as tf.Tensor4D;
    await expectNoLeaks(() => {
      const y = head.apply(pooled);
      expect(y.shape).toEqual([1, 56, 56, 17]);
      y.dispose();
    });
    expect(() => head.apply(tf.zeros([1, 14, 14, 3]) as tf.Tensor4D)).toThrow(/pooled/);
    pooled.dispose();
    head.dispose();
  });

  it('maps Detectron conv_fcn names and rejects bad options', () => {
    expect(legacyKeypointHeadName('conv_fcn1.weight')).toBe('0.weight');
    expect(legacyKeypointHeadName('conv_fcn8.bias')).toBe('14.bias');
    expect(legacyKeypointHeadName('kps_score_lowres.weight')).toBe('kps_score_lowres.weight');
    const rng = new SeededRandom(0);
    expect(() => new KeypointRcnnPredictor({ inChannels: 4, numKeypoints: 0, rng })).toThrow(ConfigError);
    expect(() => new KeypointRcnnHead({ inChannels: 4, layers: [8, -1], rng })).toThrow(/layers\[1\]/);
  });
});
