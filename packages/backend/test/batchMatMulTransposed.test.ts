import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, initBackend } from '../src/index';

function plainMatMul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = s;
    }
  return out;
}

describe('wasm BatchMatMul with transpose flags', () => {
  it.each([
    [false, true],
    [true, false],
    [true, true],
  ])('transposeA=%s transposeB=%s equals a float64 loop, batched and not, without leaks', async (ta, tb) => {
    await initBackend({ backend: 'wasm', native: false }); // the transposing wrapper, not the native kernel
    const [m, k, n] = [7, 5, 3];
    const a = tf.randomNormal(ta ? [k, m] : [m, k], 0, 1, 'float32', 1);
    const b = tf.randomNormal(tb ? [n, k] : [k, n], 0, 1, 'float32', 2);
    const ref = plainMatMul(a.dataSync() as Float32Array, b.dataSync() as Float32Array, m, k, n, ta, tb);
    await expectNoLeaks(() => {
      const got = tf.matMul(a, b, ta, tb);
      const batched = tf.tidy(() =>
        tf.matMul(tf.stack([a, a]) as tf.Tensor3D, tf.stack([b, b]) as tf.Tensor3D, ta, tb),
      );
      const g = got.dataSync();
      const gb = batched.dataSync();
      for (let i = 0; i < ref.length; i++) {
        expect(Math.abs(g[i] - ref[i])).toBeLessThan(1e-4);
        expect(Math.abs(gb[ref.length + i] - ref[i])).toBeLessThan(1e-4);
      }
      tf.dispose([got, batched]);
    });
    tf.dispose([a, b]);
  });
});
