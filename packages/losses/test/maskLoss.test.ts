import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { InputError, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { multinomialMaskLoss, sigmoidMaskLoss } from '../src/index';
import fixture from './fixtures/losses.json';
import {
  f32,
  finiteDifference,
  maxAbsDiff,
  multinomialMaskRef,
  randomArray,
  sigmoidMaskRef,
} from './reference';

const f = fixture.maskRcnn;
const shape = f.shape as [number, number, number, number];

describe.each(['cpu', 'wasm'])('mask losses on %s', (backend) => {
  it("sigmoidMaskLoss matches torchvision's maskrcnn_loss and its gradient", async () => {
    await initBackend({ backend });
    const logits = tf.tensor4d(f.maskLogits, shape);
    const targets = tf.tensor3d(f.maskTargets, shape.slice(0, 3) as [number, number, number]);
    await expectNoLeaks(() => {
      const loss = sigmoidMaskLoss(logits, f.labels, targets);
      expect(Math.abs(loss.dataSync()[0] - f.loss)).toBeLessThan(1e-5);
      expect(
        Math.abs(sigmoidMaskRef(Float64Array.from(f.maskLogits), shape, f.labels, f.maskTargets) - f.loss),
      ).toBeLessThan(1e-12);
      const g = tf.grad((x: tf.Tensor) => sigmoidMaskLoss(x as tf.Tensor4D, f.labels, targets))(logits);
      expect(maxAbsDiff(g.dataSync(), f.gradMaskLogits)).toBeLessThan(1e-7);
      tf.dispose([loss, g]);
    });
    tf.dispose([logits, targets]);
  });

  it('sigmoidMaskLoss: class-agnostic masks and the empty case', async () => {
    await initBackend({ backend });
    const s: [number, number, number, number] = [2, 3, 3, 1];
    const x = randomArray(18, 5, -3, 3);
    const z = randomArray(18, 6, 0, 1);
    const logits = tf.tensor4d(f32(x), s);
    const targets = tf.tensor3d(f32(z), [2, 3, 3]);
    const empty = tf.zeros([0, 3, 3, 4]) as tf.Tensor4D;
    const emptyTargets = tf.zeros([0, 3, 3]) as tf.Tensor3D;
    await expectNoLeaks(() => {
      const loss = sigmoidMaskLoss(logits, [7, 9], targets);
      expect(Math.abs(loss.dataSync()[0] - sigmoidMaskRef(x, s, [0, 0], z))).toBeLessThan(1e-5);
      const g = tf.grad((t: tf.Tensor) => sigmoidMaskLoss(t as tf.Tensor4D, [0, 0], targets))(logits);
      expect(
        maxAbsDiff(
          g.dataSync(),
          finiteDifference((p) => sigmoidMaskRef(p, s, [0, 0], z), x),
        ),
      ).toBeLessThan(1e-6);
      const e = sigmoidMaskLoss(empty, [], emptyTargets);
      expect(e.dataSync()[0]).toBe(0);
      tf.dispose([loss, g, e]);
    });
    tf.dispose([logits, targets, empty, emptyTargets]);
  });

  it('multinomialMaskLoss: float64 reference and finite-difference gradient', async () => {
    await initBackend({ backend });
    const s: [number, number, number, number] = [3, 4, 4, 3];
    const labels = [1, 2, 2];
    const x = randomArray(3 * 16 * 3, 8, -3, 3);
    const z = Float64Array.from(randomArray(48, 9, 0, 1), (v, i) => (i % 5 === 0 ? v : Math.round(v)));
    const logits = tf.tensor4d(f32(x), s);
    const targets = tf.tensor3d(f32(z), [3, 4, 4]);
    await expectNoLeaks(() => {
      const loss = multinomialMaskLoss(logits, labels, targets);
      expect(Math.abs(loss.dataSync()[0] - multinomialMaskRef(x, s, labels, z))).toBeLessThan(1e-5);
      const g = tf.grad((t: tf.Tensor) => multinomialMaskLoss(t as tf.Tensor4D, labels, targets))(logits);
      const fd = finiteDifference((p) => multinomialMaskRef(p, s, labels, z), x);
      expect(maxAbsDiff(g.dataSync(), fd)).toBeLessThan(1e-6);
      tf.dispose([loss, g]);
    });
    tf.dispose([logits, targets]);
  });
});

describe('mask loss input checks', () => {
  it('name the tensor at fault', async () => {
    await initBackend({ backend: 'cpu' });
    const logits = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    const targets = tf.zeros([2, 4, 4]) as tf.Tensor3D;
    const bad = tf.zeros([2, 5, 4]) as tf.Tensor3D;
    expect(() => sigmoidMaskLoss(logits, [1, 3], targets)).toThrow(InputError);
    expect(() => sigmoidMaskLoss(logits, [1, 2], bad)).toThrow(ShapeError);
    expect(() => sigmoidMaskLoss(logits, [1, 2], bad)).toThrow(/maskTargets/);
    expect(() => multinomialMaskLoss(logits, [0, 2], targets)).toThrow(/labels/);
    const one = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    expect(() => multinomialMaskLoss(one, [1, 1], targets)).toThrow(/maskLogits/);
    tf.dispose([logits, targets, bad, one]);
  });
});
