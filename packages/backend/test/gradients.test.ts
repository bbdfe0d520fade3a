import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, initBackend } from '../src/index';
import { maxAbsDiff, randomValues } from './helpers/reference';

/** Central finite difference of a scalar function of one float32 tensor, at a few entries. */
function finiteDifference(
  f: (x: tf.Tensor) => tf.Scalar,
  x: Float32Array,
  shape: number[],
  entries: number[],
) {
  const eps = 1e-2;
  const at = (v: Float32Array) => tf.tidy(() => f(tf.tensor(v, shape)).dataSync()[0]);
  return entries.map((i) => {
    const plus = x.slice();
    const minus = x.slice();
    plus[i] += eps;
    minus[i] -= eps;
    return (at(plus) - at(minus)) / (2 * eps);
  });
}

function gradientOf(f: (x: tf.Tensor) => tf.Scalar, x: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => tf.grad(f)(tf.tensor(x, shape)).dataSync().slice() as Float32Array);
}

describe.each(['cpu', 'wasm'])('gradients tfjs lacks, on %s', (backend) => {
  it('UnsortedSegmentSum matches a plain loop (drops out-of-range ids) and tf.gather has a gradient', async () => {
    await initBackend({ backend });
    const x = Float32Array.from(randomValues(6 * 3, 21));
    const ids = [2, 0, 2, -1, 4, 1];
    const expected = new Float64Array(3 * 3);
    ids.forEach((s, i) => {
      if (s >= 0 && s < 3) for (let j = 0; j < 3; j++) expected[s * 3 + j] += x[i * 3 + j];
    });
    const [sum, gatherGrad] = await expectNoLeaks(() =>
      tf.tidy(() => {
        const s = tf
          .unsortedSegmentSum(tf.tensor2d(x, [6, 3]), tf.tensor1d(ids, 'int32'), 3)
          .dataSync()
          .slice();
        const idx = tf.tensor1d([1, 1, 4, 0], 'int32');
        const g = tf.grad((p: tf.Tensor) =>
          tf.sum(tf.mul(tf.gather(p, idx), tf.reshape(tf.range(1, 13), [4, 3]))),
        );
        return [
          s,
          g(tf.tensor2d(x, [6, 3]))
            .dataSync()
            .slice(),
        ];
      }),
    );
    expect(maxAbsDiff(sum, expected)).toBeLessThan(1e-6);
    // rows 1 (twice: weights 1..3 and 4..6), 4 (7..9), 0 (10..12)
    expect(Array.from(gatherGrad)).toEqual([10, 11, 12, 5, 7, 9, 0, 0, 0, 0, 0, 0, 7, 8, 9, 0, 0, 0]);
  });

  it('GatherNd gradient scatters back and sums repeated indices', async () => {
    await initBackend({ backend });
    const x = Float32Array.from(randomValues(4 * 5, 22));
    const indices = [
      [1, 2],
      [3, 0],
      [1, 2],
    ];
    const weights = [1, 2, 3];
    const f = (p: tf.Tensor) =>
      tf.sum(
        tf.mul(tf.tanh(tf.gatherND(p, tf.tensor2d(indices, [3, 2], 'int32'))), tf.tensor1d(weights)),
      ) as tf.Scalar;
    const g = await expectNoLeaks(() => gradientOf(f, x, [4, 5]));
    const expected = new Float64Array(20);
    indices.forEach(([r, c], k) => {
      const v = Math.tanh(x[r * 5 + c]);
      expected[r * 5 + c] += weights[k] * (1 - v * v);
    });
    expect(maxAbsDiff(g, expected)).toBeLessThan(1e-5);
    const fd = finiteDifference(f, x, [4, 5], [7, 15, 0]);
    expect(maxAbsDiff(fd, [g[7], g[15], g[0]])).toBeLessThan(2e-3);
  });

  it('TopK gradient flows to the selected positions', async () => {
    await initBackend({ backend });
    const x = Float32Array.from(randomValues(3 * 6, 23));
    const f = (p: tf.Tensor) => {
      const { values } = tf.topk(p, 2);
      return tf.sum(tf.mul(tf.square(values), tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]))) as tf.Scalar;
    };
    const g = await expectNoLeaks(() => gradientOf(f, x, [3, 6]));
    const expected = new Float64Array(18);
    for (let r = 0; r < 3; r++) {
      const order = [0, 1, 2, 3, 4, 5].sort((a, b) => x[r * 6 + b] - x[r * 6 + a]);
      for (let k = 0; k < 2; k++) expected[r * 6 + order[k]] = 2 * x[r * 6 + order[k]] * (r * 2 + k + 1);
    }
    expect(maxAbsDiff(g, expected)).toBeLessThan(1e-5);
  });

  it('StridedSlice gradient handles strides, negative strides and shrink masks', async () => {
    await initBackend({ backend });
    const shape = [5, 7];
    const x = Float32Array.from(randomValues(35, 24));
    const f = (p: tf.Tensor) =>
      tf.add(
        tf.sum(tf.square(tf.stridedSlice(p, [1, 0], [5, 7], [2, 3]))),
        tf.sum(tf.mul(tf.stridedSlice(p, [4, 6], [0, 1], [-1, -2]), 3)),
      ) as tf.Scalar;
    const g = await expectNoLeaks(() => gradientOf(f, x, shape));
    const expected = new Float64Array(35);
    for (let r = 1; r < 5; r += 2) for (let c = 0; c < 7; c += 3) expected[r * 7 + c] += 2 * x[r * 7 + c];
    for (let r = 4; r > 0; r--) for (let c = 6; c > 1; c -= 2) expected[r * 7 + c] += 3;
    expect(maxAbsDiff(g, expected)).toBeLessThan(1e-5);
    const shrink = (p: tf.Tensor) =>
      tf.sum(tf.square(tf.stridedSlice(p, [2, 1], [3, 6], [1, 1], 0, 0, 0, 0, 1))) as tf.Scalar;
    const gs = await expectNoLeaks(() => gradientOf(shrink, x, shape));
    const fd = finiteDifference(shrink, x, shape, [15, 14, 3]);
    expect(maxAbsDiff(fd, [gs[15], gs[14], gs[3]])).toBeLessThan(2e-3);
    expect(gs[15]).toBeCloseTo(2 * x[15], 5);
  });
});
