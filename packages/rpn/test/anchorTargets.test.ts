import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { BalancedPositiveNegativeSampler, InputError, SeededRandom, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { assignAnchorTargets, rpnTrainingLoss } from '../src/index';
import fixture from './fixtures/rpn.json';
import { maxAbsDiff } from './reference';

const f = fixture.assign;
const anchors = Float32Array.from(f.anchors);
const gt = Float32Array.from(f.gtBoxes);
const numAnchors = anchors.length / 4;

function bce(x: number, z: number): number {
  return Math.max(x, 0) - x * z + Math.log1p(Math.exp(-Math.abs(x)));
}

function smoothL1(d: number, beta: number): number {
  const a = Math.abs(d);
  return a < beta ? (0.5 * a * a) / beta : a - 0.5 * beta;
}

describe('assignAnchorTargets', () => {
  it("matches torchvision's assign_targets_to_anchors (with ties and an image without boxes)", () => {
    const withGt = assignAnchorTargets(anchors, gt);
    expect(Array.from(withGt.labels)).toEqual(f.labels[0]);
    expect(maxAbsDiff(withGt.matchedGtBoxes, f.matchedGtBoxes[0])).toBe(0);
    const empty = assignAnchorTargets(anchors, new Float32Array(0));
    expect(Array.from(empty.labels)).toEqual(f.labels[1]);
    expect(maxAbsDiff(empty.matchedGtBoxes, f.matchedGtBoxes[1])).toBe(0);
    expect(() => assignAnchorTargets(anchors, new Float32Array(3))).toThrow(InputError);
  });
});

describe.each(['cpu', 'wasm'])('rpnTrainingLoss on %s', (backend) => {
  it('equals the float64 loss over all labelled anchors when fewer than 256 are labelled', async () => {
    await initBackend({ backend });
    const n = 2;
    const objV = Float32Array.from({ length: n * numAnchors }, (_, i) => Math.sin(i * 0.37) * 3);
    const delV = Float32Array.from({ length: n * numAnchors * 4 }, (_, i) => Math.cos(i * 0.11) * 0.8);
    const obj = tf.tensor2d(objV, [n, numAnchors]);
    const del = tf.tensor3d(delV, [n, numAnchors, 4]);
    // Every labelled anchor is sampled (7 positives ≤ 128; 212 and 240 negatives ≤ 256 − positives),
    // so the loss does not depend on the draw and torchvision's targets give the reference.
    let objSum = 0;
    let boxSum = 0;
    let count = 0;
    for (let img = 0; img < n; img++) {
      for (let i = 0; i < numAnchors; i++) {
        const label = f.labels[img][i];
        if (label < 0) continue;
        count++;
        objSum += bce(objV[img * numAnchors + i], label);
        if (label === 1) {
          for (let c = 0; c < 4; c++) {
            boxSum += smoothL1(delV[(img * numAnchors + i) * 4 + c] - f.regressionTargets[i * 4 + c], 1 / 9);
          }
        }
      }
    }
    await expectNoLeaks(() => {
      const out = rpnTrainingLoss({
        objectness: obj,
        deltas: del,
        anchors,
        gtBoxes: [gt, new Float32Array(0)],
        rng: new SeededRandom(3),
      });
      expect(out.numPositive).toBe(7);
      expect(out.numNegative).toBe(212 + 240);
      expect(Math.abs(out.objectness.dataSync()[0] - objSum / count)).toBeLessThan(1e-5);
      expect(Math.abs(out.boxRegression.dataSync()[0] - boxSum / count)).toBeLessThan(1e-6);
      const gd = tf.grad((d: tf.Tensor) => {
        const l = rpnTrainingLoss({
          objectness: obj,
          deltas: d as tf.Tensor3D,
          anchors,
          gtBoxes: [gt, new Float32Array(0)],
          rng: new SeededRandom(3),
        });
        tf.dispose(l.objectness);
        return l.boxRegression;
      })(del);
      const g = gd.dataSync();
      expect(g.every((v) => Number.isFinite(v))).toBe(true);
      const nonzeroRows = new Set<number>();
      g.forEach((v, i) => {
        if (v !== 0) nonzeroRows.add(Math.floor(i / 4));
      });
      expect(Array.from(nonzeroRows).every((r) => r < numAnchors && f.labels[0][r] === 1)).toBe(true);
      tf.dispose([out.objectness, out.boxRegression, gd]);
    });
    tf.dispose([obj, del]);
  });

  it('samples at most 256 anchors per image, half positives at most', async () => {
    await initBackend({ backend });
    const obj = tf.zeros([1, numAnchors]) as tf.Tensor2D;
    const del = tf.zeros([1, numAnchors, 4]) as tf.Tensor3D;
    const sampler = new BalancedPositiveNegativeSampler({ batchSizePerImage: 8, positiveFraction: 0.25 });
    const out = rpnTrainingLoss({
      objectness: obj,
      deltas: del,
      anchors,
      gtBoxes: [gt],
      rng: new SeededRandom(1),
      sampler,
    });
    expect(out.numPositive).toBe(2);
    expect(out.numNegative).toBe(6);
    // all-zero logits: BCE is log 2 for every sampled anchor
    expect(Math.abs(out.objectness.dataSync()[0] - Math.LN2)).toBeLessThan(1e-6);
    expect(() =>
      rpnTrainingLoss({ objectness: obj, deltas: del, anchors, gtBoxes: [], rng: new SeededRandom(1) }),
    ).toThrow(ShapeError);
    tf.dispose([obj, del, out.objectness, out.boxRegression]);
  });
});
