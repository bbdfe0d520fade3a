import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { InputError, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fastRcnnLoss } from '../src/index';
import fixture from './fixtures/losses.json';
import { f32, fastRcnnRef, finiteDifference, maxAbsDiff, randomArray } from './reference';

const f = fixture.fastRcnn;
const R = f.numRois;
const C = f.numClasses;

describe.each(['cpu', 'wasm'])('fastRcnnLoss on %s', (backend) => {
  it("matches torchvision's fastrcnn_loss values and gradients", async () => {
    await initBackend({ backend });
    const cls = tf.tensor2d(f.classLogits, [R, C]);
    const box = tf.tensor2d(f.boxRegression, [R, 4 * C]);
    const targets = tf.tensor2d(f.regressionTargets, [R, 4]);
    await expectNoLeaks(() => {
      const out = fastRcnnLoss(cls, box, f.labels, targets);
      expect(Math.abs(out.classification.dataSync()[0] - f.classification)).toBeLessThan(1e-5);
      expect(Math.abs(out.boxRegression.dataSync()[0] - f.boxRegressionLoss)).toBeLessThan(1e-5);
      const ref = fastRcnnRef(
        Float64Array.from(f.classLogits),
        Float64Array.from(f.boxRegression),
        R,
        C,
        f.labels,
        f.regressionTargets,
      );
      expect(Math.abs(ref[0] - f.classification)).toBeLessThan(1e-12);
      expect(Math.abs(ref[1] - f.boxRegressionLoss)).toBeLessThan(1e-12);
      const total = (c: tf.Tensor, b: tf.Tensor) => {
        const l = fastRcnnLoss(c as tf.Tensor2D, b as tf.Tensor2D, f.labels, targets);
        return tf.add(l.classification, l.boxRegression);
      };
      const [gc, gb] = tf.grads(total)([cls, box]);
      expect(maxAbsDiff(gc.dataSync(), f.gradClassLogits)).toBeLessThan(1e-6);
      expect(maxAbsDiff(gb.dataSync(), f.gradBoxRegression)).toBeLessThan(1e-6);
      tf.dispose([out.classification, out.boxRegression, gc, gb]);
    });
    tf.dispose([cls, box, targets]);
  });

  it('class-agnostic deltas: float64 reference and finite-difference gradient', async () => {
    await initBackend({ backend });
    const r = 5;
    const c = 3;
    const labels = [0, 2, 1, 0, 2];
    const clsV = randomArray(r * c, 1);
    const boxV = randomArray(r * 4, 2, -0.5, 0.5);
    const tgtV = randomArray(r * 4, 3, -0.5, 0.5);
    const cls = tf.tensor2d(f32(clsV), [r, c]);
    const box = tf.tensor2d(f32(boxV), [r, 4]);
    const targets = tf.tensor2d(f32(tgtV), [r, 4]);
    await expectNoLeaks(() => {
      const out = fastRcnnLoss(cls, box, Int32Array.from(labels), targets, { beta: 0.05 });
      const ref = fastRcnnRef(clsV, boxV, r, c, labels, tgtV, 0.05);
      expect(Math.abs(out.classification.dataSync()[0] - ref[0])).toBeLessThan(1e-5);
      expect(Math.abs(out.boxRegression.dataSync()[0] - ref[1])).toBeLessThan(1e-5);
      const gb = tf.grad(
        (b: tf.Tensor) => fastRcnnLoss(cls, b as tf.Tensor2D, labels, targets, { beta: 0.05 }).boxRegression,
      )(box);
      const fd = finiteDifference((p) => fastRcnnRef(clsV, p, r, c, labels, tgtV, 0.05)[1], boxV);
      expect(maxAbsDiff(gb.dataSync(), fd)).toBeLessThan(1e-5);
      tf.dispose([out.classification, out.boxRegression, gb]);
    });
    tf.dispose([cls, box, targets]);
  });

  it('ignores non-finite deltas of classes that are not selected', async () => {
    await initBackend({ backend });
    const cls = tf.zeros([2, 3]) as tf.Tensor2D;
    const boxV = new Float32Array(24).fill(0.5);
    boxV[4] = Number.POSITIVE_INFINITY;
    boxV[20] = Number.NaN;
    const box = tf.tensor2d(boxV, [2, 12]);
    const targets = tf.zeros([2, 4]) as tf.Tensor2D;
    const out = fastRcnnLoss(cls, box, [2, 0], targets);
    expect(Number.isFinite(out.boxRegression.dataSync()[0])).toBe(true);
    tf.dispose([cls, box, targets, out.classification, out.boxRegression]);
  });
});

describe('fastRcnnLoss without RoIs', () => {
  it('is 0 for both terms (not NaN) and still differentiable', async () => {
    await initBackend({ backend: 'cpu' });
    const cls = tf.zeros([0, 3]) as tf.Tensor2D;
    const box = tf.zeros([0, 12]) as tf.Tensor2D;
    const t = tf.zeros([0, 4]) as tf.Tensor2D;
    await expectNoLeaks(() => {
      const out = fastRcnnLoss(cls, box, [], t);
      expect(out.classification.dataSync()[0]).toBe(0);
      expect(out.boxRegression.dataSync()[0]).toBe(0);
      const g = tf.grad((b: tf.Tensor) => fastRcnnLoss(cls, b as tf.Tensor2D, [], t).boxRegression)(box);
      expect(g.shape).toEqual([0, 12]);
      tf.dispose([out.classification, out.boxRegression, g]);
    });
    tf.dispose([cls, box, t]);
  });
});

describe('fastRcnnLoss input checks', () => {
  it('names the tensor at fault', async () => {
    await initBackend({ backend: 'cpu' });
    const cls = tf.zeros([2, 3]) as tf.Tensor2D;
    const box = tf.zeros([2, 8]) as tf.Tensor2D;
    const t = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => fastRcnnLoss(cls, box, [0, 1], t)).toThrow(ShapeError);
    expect(() => fastRcnnLoss(cls, box, [0, 1], t)).toThrow(/boxRegression/);
    expect(() => fastRcnnLoss(cls, t, [0, 3], t)).toThrow(InputError);
    expect(() => fastRcnnLoss(cls, t, [0, 1], box)).toThrow(/regressionTargets/);
    tf.dispose([cls, box, t]);
  });
});
