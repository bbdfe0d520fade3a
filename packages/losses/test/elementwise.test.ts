import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { ConfigError, InputError, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { binaryCrossEntropyWithLogits, l1Loss, smoothL1Loss, softmaxCrossEntropy } from '../src/index';
import fixture from './fixtures/losses.json';
import {
  bceRef,
  crossEntropyRef,
  f32,
  finiteDifference,
  maxAbsDiff,
  mean,
  randomArray,
  smoothL1Ref,
  sum,
} from './reference';

const value = (t: tf.Tensor): number => t.dataSync()[0];

describe.each(['cpu', 'wasm'])('element-wise losses on %s', (backend) => {
  it('softmaxCrossEntropy matches F.cross_entropy and the float64 reference', async () => {
    await initBackend({ backend });
    const f = fixture.crossEntropy;
    await expectNoLeaks(() => {
      const logits = tf.tensor2d(f.logits, f.shape as [number, number]);
      const m = softmaxCrossEntropy(logits, f.labels);
      const s = softmaxCrossEntropy(logits, Int32Array.from(f.labels), { reduction: 'sum' });
      const labelsT = tf.tensor1d(f.labels, 'int32');
      const none = softmaxCrossEntropy(logits, labelsT, { reduction: 'none' });
      expect(Math.abs(value(m) - f.mean)).toBeLessThan(1e-5);
      expect(Math.abs(value(s) - f.sum)).toBeLessThan(1e-4);
      const ref = crossEntropyRef(Float64Array.from(f.logits), 6, 4, f.labels);
      expect(maxAbsDiff(none.dataSync(), ref)).toBeLessThan(1e-5);
      tf.dispose([logits, m, s, labelsT, none]);
    });
  });

  it('softmaxCrossEntropy has the finite-difference gradient', async () => {
    await initBackend({ backend });
    const x = randomArray(15, 3, -3, 3);
    const labels = [2, 0, 4];
    await expectNoLeaks(() => {
      const g = tf.grad((l: tf.Tensor) => softmaxCrossEntropy(l as tf.Tensor2D, labels));
      const input = tf.tensor2d(f32(x), [3, 5]);
      const dx = g(input);
      input.dispose();
      const fd = finiteDifference((p) => mean(crossEntropyRef(p, 3, 5, labels)), x);
      expect(maxAbsDiff(dx.dataSync(), fd)).toBeLessThan(1e-5);
      dx.dispose();
    });
  });

  it('smoothL1Loss and l1Loss match torch for beta 1/9, 1 and 0', async () => {
    await initBackend({ backend });
    const f = fixture.smoothL1;
    await expectNoLeaks(() => {
      const p = tf.tensor2d(f.pred, [5, 4]);
      const t = tf.tensor2d(f.target, [5, 4]);
      const out = [
        smoothL1Loss(p, t, { beta: f.beta, reduction: 'sum' }),
        smoothL1Loss(p, t, { beta: f.beta }),
        smoothL1Loss(p, t),
        l1Loss(p, t),
        l1Loss(p, t, { reduction: 'sum' }),
        smoothL1Loss(p, t, { beta: 0 }),
      ];
      const want = [f.sum, f.mean, f.meanBeta1, f.l1Mean, f.l1Sum, f.l1Mean];
      out.forEach((o, i) => {
        expect(Math.abs(value(o) - want[i])).toBeLessThan(1e-5);
      });
      const none = smoothL1Loss(p, t, { beta: 0.3, reduction: 'none' });
      expect(none.shape).toEqual([5, 4]);
      expect(maxAbsDiff(none.dataSync(), smoothL1Ref(f.pred, f.target, 0.3))).toBeLessThan(1e-6);
      tf.dispose([p, t, none, ...out]);
    });
  });

  it('smoothL1Loss and l1Loss have finite-difference gradients', async () => {
    await initBackend({ backend });
    // Differences kept away from 0 and from ±beta, where the references' derivative has kinks.
    const pred = Float64Array.from([0.05, -0.9, 1.7, 0.02, -0.3, 2.5]);
    const target = new Float64Array(6);
    const beta = 0.25;
    await expectNoLeaks(() => {
      const t = tf.tensor1d(f32(target));
      const gs = tf.grad((p: tf.Tensor) => smoothL1Loss(p, t, { beta, reduction: 'sum' }));
      const gl = tf.grad((p: tf.Tensor) => l1Loss(p, t));
      const input = tf.tensor1d(f32(pred));
      const ds = gs(input);
      const dl = gl(input);
      input.dispose();
      const fds = finiteDifference((p) => sum(smoothL1Ref(p, target, beta)), pred);
      const fdl = finiteDifference((p) => mean(smoothL1Ref(p, target, 0)), pred);
      expect(maxAbsDiff(ds.dataSync(), fds)).toBeLessThan(1e-5);
      expect(maxAbsDiff(dl.dataSync(), fdl)).toBeLessThan(1e-5);
      tf.dispose([t, ds, dl]);
    });
  });

  it('binaryCrossEntropyWithLogits is stable for large logits and has gradient σ(x) − z', async () => {
    await initBackend({ backend });
    const x = Float64Array.from([-80, -3.5, -0.2, 0, 0.7, 4, 90]);
    const z = Float64Array.from([0, 1, 0.3, 1, 0, 0.5, 1]);
    await expectNoLeaks(() => {
      const zt = tf.tensor1d(f32(z));
      const xt = tf.tensor1d(f32(x));
      const none = binaryCrossEntropyWithLogits(xt, zt, { reduction: 'none' });
      const ref = Array.from(x, (v, i) => bceRef(v, z[i]));
      expect(maxAbsDiff(none.dataSync(), ref)).toBeLessThan(1e-4);
      const m = binaryCrossEntropyWithLogits(xt, zt);
      expect(Number.isFinite(value(m))).toBe(true);
      const dx = tf.grad((l: tf.Tensor) => binaryCrossEntropyWithLogits(l, zt, { reduction: 'sum' }))(xt);
      const fd = finiteDifference((p) => sum(Array.from(p, (v, i) => bceRef(v, z[i]))), x);
      expect(maxAbsDiff(dx.dataSync(), fd)).toBeLessThan(1e-5);
      tf.dispose([xt, zt, none, m, dx]);
    });
  });
});

describe('element-wise loss input checks', () => {
  it('name the tensor or option at fault', async () => {
    await initBackend({ backend: 'cpu' });
    const logits = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => softmaxCrossEntropy(logits, [0, 3])).toThrow(InputError);
    expect(() => softmaxCrossEntropy(logits, [0, 3])).toThrow(/labels/);
    expect(() => softmaxCrossEntropy(logits, [0])).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(logits, [0, 1], { reduction: 'avg' as 'mean' })).toThrow(ConfigError);
    expect(() => smoothL1Loss(logits, tf.zeros([3, 2]))).toThrow(/target/);
    expect(() => smoothL1Loss(logits, logits, { beta: -1 })).toThrow(/beta/);
    expect(() => l1Loss(logits, tf.zeros([2, 3], 'int32'))).toThrow(/target.*float32/);
    logits.dispose();
  });

  it('an empty mean is 0, not NaN', async () => {
    await initBackend({ backend: 'cpu' });
    const e = tf.zeros([0, 4]) as tf.Tensor2D;
    const m = softmaxCrossEntropy(e, []);
    expect(value(m)).toBe(0);
    tf.dispose([e, m]);
  });
});
