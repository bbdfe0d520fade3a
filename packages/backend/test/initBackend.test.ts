import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, expectNoLeaks, initBackend, TensorLeakError } from '../src/index';

describe('initBackend', () => {
  it('selects cpu and wasm, idempotently, with gradients registered', async () => {
    for (const name of ['cpu', 'wasm', 'wasm', 'cpu']) {
      expect(await initBackend({ backend: name })).toBe(name);
      expect(tf.getBackend()).toBe(name);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)));
      const dx = g(tf.tensor1d([1, 2, 3]));
      expect(Array.from(dx.dataSync())).toEqual([2, 4, 6]);
      tf.dispose(dx);
    }
  });

  it('names the backend when it is unavailable', async () => {
    await expect(initBackend({ backend: 'no-such-backend' })).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend({ backend: 'no-such-backend' })).rejects.toThrow(/no-such-backend/);
  });
});

describe('expectNoLeaks', () => {
  it('passes when tensors are disposed and fails when they leak', async () => {
    await initBackend({ backend: 'cpu' });
    await expectNoLeaks(() => tf.tidy(() => tf.sum(tf.ones([3]))).dispose());
    let leaked: tf.Tensor | undefined;
    await expect(
      expectNoLeaks(() => {
        leaked = tf.ones([2]);
      }),
    ).rejects.toThrow(TensorLeakError);
    leaked?.dispose();
  });
});
