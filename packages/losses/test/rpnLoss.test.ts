import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { InputError, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { rpnLoss } from '../src/index';
import fixture from './fixtures/losses.json';
import { f32, finiteDifference, maxAbsDiff, randomArray, rpnRef } from './reference';

const f = fixture.rpn;
const A = f.numAnchors;

describe.each(['cpu', 'wasm'])('rpnLoss on %s', (backend) => {
  it("matches torchvision's RPN compute_loss values and gradients", async () => {
    await initBackend({ backend });
    const obj = tf.tensor2d(f.objectness, [A, 1]);
    const deltas = tf.tensor2d(f.deltas, [A, 4]);
    const targets = tf.tensor2d(f.regressionTargets, [A, 4]);
    await expectNoLeaks(() => {
      const out = rpnLoss(obj, deltas, targets, f.sampledPositive, f.sampledNegative);
      expect(Math.abs(out.objectness.dataSync()[0] - f.objectnessLoss)).toBeLessThan(1e-6);
      expect(Math.abs(out.boxRegression.dataSync()[0] - f.boxRegressionLoss)).toBeLessThan(1e-6);
      const ref = rpnRef(
        Float64Array.from(f.objectness),
        Float64Array.from(f.deltas),
        f.regressionTargets,
        f.sampledPositive,
        f.sampledNegative,
      );
      expect(Math.abs(ref[0] - f.objectnessLoss)).toBeLessThan(1e-12);
      expect(Math.abs(ref[1] - f.boxRegressionLoss)).toBeLessThan(1e-12);
      const [go, gd] = tf.grads((o: tf.Tensor, d: tf.Tensor) => {
        const l = rpnLoss(o as tf.Tensor2D, d as tf.Tensor2D, targets, f.sampledPositive, f.sampledNegative);
        return tf.add(l.objectness, l.boxRegression);
      })([obj, deltas]);
      expect(maxAbsDiff(go.dataSync(), f.gradObjectness)).toBeLessThan(1e-7);
      expect(maxAbsDiff(gd.dataSync(), f.gradDeltas)).toBeLessThan(1e-7);
      tf.dispose([out.objectness, out.boxRegression, go, gd]);
    });
    tf.dispose([obj, deltas, targets]);
  });

  it('has the finite-difference gradient of the float64 reference; no samples gives 0', async () => {
    await initBackend({ backend });
    const a = 12;
    const ov = randomArray(a, 21, -4, 4);
    const dv = randomArray(a * 4, 22, -1, 1);
    const tv = randomArray(a * 4, 23, -1, 1);
    const pos = Int32Array.from([1, 5]);
    const neg = [0, 2, 9, 11];
    const obj = tf.tensor1d(f32(ov));
    const deltas = tf.tensor2d(f32(dv), [a, 4]);
    const targets = tf.tensor2d(f32(tv), [a, 4]);
    await expectNoLeaks(() => {
      const go = tf.grad((o: tf.Tensor) => rpnLoss(o as tf.Tensor1D, deltas, targets, pos, neg).objectness)(
        obj,
      );
      const gd = tf.grad((d: tf.Tensor) => rpnLoss(obj, d as tf.Tensor2D, targets, pos, neg).boxRegression)(
        deltas,
      );
      expect(
        maxAbsDiff(
          go.dataSync(),
          finiteDifference((p) => rpnRef(p, dv, tv, pos, neg)[0], ov),
        ),
      ).toBeLessThan(1e-6);
      expect(
        maxAbsDiff(
          gd.dataSync(),
          finiteDifference((p) => rpnRef(ov, p, tv, pos, neg)[1], dv),
        ),
      ).toBeLessThan(1e-5);
      const none = rpnLoss(obj, deltas, targets, [], []);
      expect(none.objectness.dataSync()[0]).toBe(0);
      expect(none.boxRegression.dataSync()[0]).toBe(0);
      tf.dispose([go, gd, none.objectness, none.boxRegression]);
    });
    tf.dispose([obj, deltas, targets]);
  });
});

describe('rpnLoss input checks', () => {
  it('names the tensor or index list at fault', async () => {
    await initBackend({ backend: 'cpu' });
    const obj = tf.zeros([4]) as tf.Tensor1D;
    const d = tf.zeros([4, 4]) as tf.Tensor2D;
    const bad = tf.zeros([3, 4]) as tf.Tensor2D;
    expect(() => rpnLoss(obj, bad, d, [0], [1])).toThrow(ShapeError);
    expect(() => rpnLoss(obj, d, bad, [0], [1])).toThrow(/regressionTargets/);
    expect(() => rpnLoss(obj, d, d, [4], [1])).toThrow(/sampledPositive/);
    expect(() => rpnLoss(obj, d, d, [0], [0])).toThrow(InputError);
    expect(() => rpnLoss(obj, d, d, [0], [0])).toThrow(/sampledNegative/);
    tf.dispose([obj, d, bad]);
  });
});
