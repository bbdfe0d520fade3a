import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { conv2dGrouped, expectNoLeaks, initBackend } from '../src/index';
import fixture from './fixtures/grouped_conv.json';
import { maxAbs, maxAbsDiff } from './helpers/reference';

/** torch's grouped Conv2d (float64), exported by tools/reference/engine_grouped_conv.py. */
interface Case {
  name: string;
  stride: number;
  padding: number;
  dilation: number;
  groups: number;
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  yShape: number[];
  x: number[];
  w: number[];
  y: number[];
  dy: number[];
  dx: number[];
  dw: number[];
}

const cases = (fixture as unknown as { cases: Case[] }).cases;

describe.each(['cpu', 'wasm'])('conv2dGrouped parity with torch on %s', (backend) => {
  it.each(cases)('$name', async (c) => {
    await initBackend({ backend });
    const p = c.padding;
    const op = (x: tf.Tensor, w: tf.Tensor) =>
      conv2dGrouped(x as tf.Tensor4D, w as tf.Tensor4D, {
        strides: c.stride,
        dilations: c.dilation,
        groups: c.groups,
        pad: [
          [0, 0],
          [p, p],
          [p, p],
          [0, 0],
        ],
      });
    const [y, dx, dw] = await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = tf.tensor4d(c.x, c.xShape);
        const w = tf.tensor4d(c.w, c.wShape);
        const dy = tf.tensor(c.dy, c.yShape);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a, b), dy)))([x, w]);
        return [op(x, w).dataSync().slice(), g[0].dataSync().slice(), g[1].dataSync().slice()];
      }),
    );
    expect(maxAbsDiff(y, c.y)).toBeLessThan(1e-5 * Math.max(1, maxAbs(c.y)));
    expect(maxAbsDiff(dx, c.dx)).toBeLessThan(1e-5 * Math.max(1, maxAbs(c.dx)));
    expect(maxAbsDiff(dw, c.dw)).toBeLessThan(1e-5 * Math.max(1, maxAbs(c.dw)));
  });
});
