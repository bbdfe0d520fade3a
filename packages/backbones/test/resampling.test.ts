import { expectNoLeaks, initBackend } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { subsampleStride2, upsampleNearest } from '../src/index';

/** torch's nearest rule in float64: out[y][x] = in[floor(y·h/H)][floor(x·w/W)]. */
function nearestRef(x: Float64Array, [n, h, w, c]: number[], H: number, W: number): Float64Array {
  const out = new Float64Array(n * H * W * c);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < H; y++)
      for (let xx = 0; xx < W; xx++)
        for (let k = 0; k < c; k++) {
          const sy = Math.min(h - 1, Math.floor((y * h) / H));
          const sx = Math.min(w - 1, Math.floor((xx * w) / W));
          out[((b * H + y) * W + xx) * c + k] = x[((b * h + sy) * w + sx) * c + k];
        }
  return out;
}

/** `max_pool2d(x, 1, 2, 0)`: rows and columns 0, 2, 4, … */
function subsampleRef(x: Float64Array, [n, h, w, c]: number[]): Float64Array {
  const H = Math.ceil(h / 2);
  const W = Math.ceil(w / 2);
  const out = new Float64Array(n * H * W * c);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < H; y++)
      for (let xx = 0; xx < W; xx++)
        for (let k = 0; k < c; k++)
          out[((b * H + y) * W + xx) * c + k] = x[((b * h + 2 * y) * w + 2 * xx) * c + k];
  return out;
}

function values(n: number, seed: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 3);
}

/** Gradient of sum(r·f(x)) w.r.t. x for a linear resampling f: scatter r back by the reference. */
function linearGradRef(
  forward: (x: Float64Array) => Float64Array,
  size: number,
  r: Float64Array,
): Float64Array {
  const g = new Float64Array(size);
  const e = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    e[i] = 1;
    const y = forward(e);
    let s = 0;
    for (let j = 0; j < y.length; j++) s += y[j] * r[j];
    g[i] = s;
    e[i] = 0;
  }
  return g;
}

describe.each(['cpu', 'wasm'])('FPN resampling on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each([
    [[1, 3, 4, 2], 6, 8],
    [[2, 3, 4, 2], 5, 7],
    [[1, 2, 2, 3], 3, 4],
    [[1, 3, 3, 1], 7, 5],
    [[1, 4, 4, 1], 4, 4],
  ])('upsampleNearest %j → %i×%i matches torch and differentiates', async (shape, H, W) => {
    const n = shape.reduce((a, b) => a * b);
    const x = values(n, 1);
    const xt = tf.tensor4d(Float32Array.from(x), shape as [number, number, number, number]);
    const got = await expectNoLeaks(() => {
      const y = upsampleNearest(xt, H, W);
      const out = { shape: y.shape, data: Array.from(y.dataSync()) };
      y.dispose();
      return out;
    });
    expect(got.shape).toEqual([shape[0], H, W, shape[3]]);
    const want = nearestRef(x, shape, H, W);
    got.data.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i], 5);
    });
    const r = values(want.length, 2);
    const rt = tf.tensor4d(Float32Array.from(r), [shape[0], H, W, shape[3]]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(upsampleNearest(t as tf.Tensor4D, H, W), rt)))(xt);
    const gWant = linearGradRef((e) => nearestRef(e, shape, H, W), n, r);
    Array.from(g.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(gWant[i], 4);
    });
    tf.dispose([xt, rt, g]);
  });

  it.each([[[1, 4, 6, 2]], [[2, 5, 3, 1]], [[1, 1, 1, 3]]])(
    'subsampleStride2 %j matches max_pool2d(x, 1, 2) and differentiates',
    async (shape) => {
      const n = shape.reduce((a, b) => a * b);
      const x = values(n, 3);
      const xt = tf.tensor4d(Float32Array.from(x), shape as [number, number, number, number]);
      const got = await expectNoLeaks(() => {
        const y = subsampleStride2(xt);
        const out = Array.from(y.dataSync());
        y.dispose();
        return out;
      });
      const want = subsampleRef(x, shape);
      expect(got.length).toBe(want.length);
      got.forEach((v, i) => {
        expect(v).toBeCloseTo(want[i], 5);
      });
      const r = values(want.length, 4);
      const outShape = [shape[0], Math.ceil(shape[1] / 2), Math.ceil(shape[2] / 2), shape[3]];
      const rt = tf.tensor(Float32Array.from(r), outShape);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(subsampleStride2(t as tf.Tensor4D), rt)))(xt);
      const gWant = linearGradRef((e) => subsampleRef(e, shape), n, r);
      Array.from(g.dataSync()).forEach((v, i) => {
        expect(v).toBeCloseTo(gWant[i], 4);
      });
      tf.dispose([xt, rt, g]);
    },
  );
});
