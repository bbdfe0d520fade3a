import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ConvolutionShapeError, conv2dGrouped, expectNoLeaks, initBackend } from '../src/index';
import { maxAbs, maxAbsDiff, type RefConv, randomValues, refConv, refConvGrads } from './helpers/reference';

const cases: Array<RefConv & { name: string }> = [
  {
    name: 'groups 2, stride 1, same',
    xShape: [2, 7, 9, 4],
    wShape: [3, 3, 2, 6],
    stride: [1, 1],
    dilation: [1, 1],
    pad: 'same',
    groups: 2,
  },
  {
    name: 'groups 4, stride 2, same',
    xShape: [1, 8, 8, 8],
    wShape: [3, 3, 2, 8],
    stride: [2, 2],
    dilation: [1, 1],
    pad: 'same',
    groups: 4,
  },
  {
    name: 'groups 2, dilation 2, same',
    xShape: [1, 9, 9, 4],
    wShape: [3, 3, 2, 4],
    stride: [1, 1],
    dilation: [2, 2],
    pad: 'same',
    groups: 2,
  },
  {
    name: 'groups 3, stride 2, dilation 2, valid, batch 2',
    xShape: [2, 9, 8, 6],
    wShape: [3, 3, 2, 3],
    stride: [2, 2],
    dilation: [2, 2],
    pad: 'valid',
    groups: 3,
  },
  {
    name: 'groups 1, dilation 2, explicit',
    xShape: [1, 8, 7, 3],
    wShape: [3, 2, 3, 2],
    stride: [1, 2],
    dilation: [2, 1],
    pad: [
      [1, 2],
      [0, 1],
    ],
    groups: 1,
  },
  {
    name: 'depthwise-like (groups = C), odd sizes',
    xShape: [1, 7, 5, 4],
    wShape: [3, 3, 1, 8],
    stride: [1, 1],
    dilation: [1, 1],
    pad: 'same',
    groups: 4,
  },
  {
    name: 'groups 2, 1x1, stride 2',
    xShape: [2, 5, 5, 4],
    wShape: [1, 1, 2, 4],
    stride: [2, 2],
    dilation: [1, 1],
    pad: 'valid',
    groups: 2,
  },
];

function tfPad(c: RefConv) {
  if (typeof c.pad === 'string') return c.pad;
  return [[0, 0], c.pad[0], c.pad[1], [0, 0]] as [
    [number, number],
    [number, number],
    [number, number],
    [number, number],
  ];
}

function opOf(c: RefConv) {
  return (x: tf.Tensor, w: tf.Tensor) =>
    conv2dGrouped(x as tf.Tensor4D, w as tf.Tensor4D, {
      strides: c.stride,
      dilations: c.dilation,
      pad: tfPad(c),
      groups: c.groups,
    });
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe.each(['cpu', 'wasm'])('conv2dGrouped on %s', (backend) => {
  it.each(cases)('matches the float64 reference forward and backward: $name', async (c) => {
    await initBackend({ backend });
    const x = randomValues(size(c.xShape), 1);
    const w = randomValues(size(c.wShape), 2);
    const ref = refConv(c, x, w);
    const dy = randomValues(ref.y.length, 3);
    const refGrads = refConvGrads(c, x, w, dy);
    const op = opOf(c);
    const [y, dx, dw] = await expectNoLeaks(() => {
      const xt = tf.tensor4d(Float32Array.from(x), c.xShape);
      const wt = tf.tensor4d(Float32Array.from(w), c.wShape);
      const dyt = tf.tensor(Float32Array.from(dy), ref.shape);
      const out = op(xt, wt);
      const shape = out.shape;
      const values = out.dataSync().slice();
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a, b), dyt)))([xt, wt]);
      const result = [values, grads[0].dataSync().slice(), grads[1].dataSync().slice()] as const;
      expect(shape).toEqual(ref.shape);
      tf.dispose([xt, wt, dyt, out, ...grads]);
      return result;
    });
    expect(maxAbsDiff(y, ref.y)).toBeLessThan(1e-5 * Math.max(1, maxAbs(ref.y)) * 10);
    expect(maxAbsDiff(dx, refGrads.dx)).toBeLessThan(1e-4 * Math.max(1, maxAbs(refGrads.dx)));
    expect(maxAbsDiff(dw, refGrads.dw)).toBeLessThan(1e-4 * Math.max(1, maxAbs(refGrads.dw)));
  });

  it('has gradients that agree with finite differences of the op', async () => {
    await initBackend({ backend });
    const c = cases[3];
    const op = opOf(c);
    const x = Float32Array.from(randomValues(size(c.xShape), 4));
    const w = Float32Array.from(randomValues(size(c.wShape), 5));
    // A nonlinear loss so the check is not trivially exact: sum(tanh(conv)).
    const loss = (xs: Float32Array, ws: Float32Array) =>
      tf.tidy(() => tf.sum(tf.tanh(op(tf.tensor4d(xs, c.xShape), tf.tensor4d(ws, c.wShape)))).dataSync()[0]);
    const [gx, gw] = tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.tanh(op(a, b))))([
        tf.tensor4d(x, c.xShape),
        tf.tensor4d(w, c.wShape),
      ]);
      return [g[0].dataSync().slice(), g[1].dataSync().slice()];
    });
    const eps = 1e-2;
    for (const [values, grad, isX] of [
      [x, gx, true],
      [w, gw, false],
    ] as const) {
      for (const i of [0, 7, Math.floor(values.length / 2), values.length - 1]) {
        const plus = values.slice();
        const minus = values.slice();
        plus[i] += eps;
        minus[i] -= eps;
        const fd = isX
          ? (loss(plus, w) - loss(minus, w)) / (2 * eps)
          : (loss(x, plus) - loss(x, minus)) / (2 * eps);
        expect(Math.abs(fd - grad[i])).toBeLessThan(5e-3 * Math.max(1, Math.abs(grad[i])));
      }
    }
  });
});

describe('conv2dGrouped argument checks', () => {
  it('names the argument at fault', async () => {
    await initBackend({ backend: 'cpu' });
    const x = tf.zeros([1, 4, 4, 6]) as tf.Tensor4D;
    const w = tf.zeros([3, 3, 2, 4]) as tf.Tensor4D;
    expect(() => conv2dGrouped(x, w, { pad: 'same', groups: 4 })).toThrow(ConvolutionShapeError);
    expect(() => conv2dGrouped(x, w, { pad: 'same', groups: 4 })).toThrow(/'groups'/);
    expect(() => conv2dGrouped(x, w, { pad: 'same', groups: 2 })).toThrow(/'filter'/);
    expect(() => conv2dGrouped(x, w, { pad: 'same', groups: 0 })).toThrow(/'groups'/);
    tf.dispose([x, w]);
  });
});
