import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { conv2dGrouped, expectNoLeaks, initBackend } from '../src/index';
import { maxAbs, maxAbsDiff, type RefConv, randomValues, refConv, refConvGrads } from './helpers/reference';

type Case = RefConv & { name: string };
const conv = (
  name: string,
  xShape: Case['xShape'],
  wShape: Case['wShape'],
  s: number,
  pad: Case['pad'],
): Case => ({
  name,
  xShape,
  wShape,
  stride: [s, s],
  dilation: [1, 1],
  pad,
  groups: 1,
});

const convCases: Case[] = [
  conv('3x3 stride 1 same, batch 2, odd', [2, 7, 9, 3], [3, 3, 3, 5], 1, 'same'),
  conv('3x3 stride 2 same', [1, 8, 8, 4], [3, 3, 4, 6], 2, 'same'),
  conv('3x3 stride 2 valid, batch 2, odd', [2, 9, 7, 3], [3, 3, 3, 4], 2, 'valid'),
  conv('1x1 stride 2', [1, 7, 7, 2], [1, 1, 2, 3], 2, 'valid'),
  conv('1x1 stride 1 (pointwise), batch 2', [2, 5, 6, 4], [1, 1, 4, 3], 1, 'valid'),
  conv('3x2 stride 1 explicit', [1, 9, 8, 3], [3, 2, 3, 2], 1, [
    [1, 2],
    [0, 1],
  ]),
  conv('5x5 stride 2 explicit', [1, 10, 9, 2], [5, 5, 2, 3], 2, [
    [2, 1],
    [3, 0],
  ]),
  conv('7x7 stride 2 same (stem)', [1, 11, 11, 3], [7, 7, 3, 4], 2, 'same'),
  conv(
    '3x3 stride 2 same, larger map, batch 2 (phase convolutions)',
    [2, 16, 15, 3],
    [3, 3, 3, 4],
    2,
    'same',
  ),
  conv('3x3 stride 2 valid, larger odd map', [1, 17, 13, 2], [3, 3, 2, 3], 2, 'valid'),
  conv('5x5 stride 2 explicit, larger map', [1, 20, 17, 2], [5, 5, 2, 3], 2, [
    [2, 1],
    [3, 0],
  ]),
  { ...conv('3x3 strides [2, 1] same', [1, 14, 9, 2], [3, 3, 2, 3], 1, 'same'), stride: [2, 1] },
  conv('3x3 stride 1 same, small map, many channels', [2, 3, 3, 24], [3, 3, 24, 8], 1, 'same'),
  conv('1x1 stride 1, small map (W·dyᵀ product)', [1, 2, 3, 40], [1, 1, 40, 16], 1, 'valid'),
];

const depthwiseCases: Case[] = [
  { ...conv('depthwise 3x3 stride 1 same, batch 2', [2, 7, 6, 3], [3, 3, 1, 6], 1, 'same'), groups: 3 },
  { ...conv('depthwise 3x3 stride 2 valid', [1, 9, 9, 4], [3, 3, 1, 4], 2, 'valid'), groups: 4 },
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

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Depthwise filter `[kh,kw,C,mult]` equals the grouped filter `[kh,kw,1,C*mult]` in memory. */
function depthwiseShape(c: Case): [number, number, number, number] {
  const C = c.xShape[3];
  return [c.wShape[0], c.wShape[1], C, c.wShape[3] / C];
}

/** Run tfjs' own conv2d / depthwiseConv2d and their gradients (which call the kernels under test). */
async function gradients(backend: string, c: Case, depthwise: boolean) {
  // The JS kernels built on wasm's BatchMatMul (native ones: nativeKernels.test.ts).
  await initBackend({ backend, native: false });
  const x = Float32Array.from(randomValues(size(c.xShape), 11));
  const w = Float32Array.from(randomValues(size(c.wShape), 12));
  return expectNoLeaks(() => {
    const xt = tf.tensor4d(x, c.xShape);
    const wt = depthwise ? tf.tensor4d(w, depthwiseShape(c)) : tf.tensor4d(w, c.wShape);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      depthwise
        ? tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, tfPad(c))
        : tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, tfPad(c));
    const y = f(xt, wt);
    const dy = tf.tensor(Float32Array.from(randomValues(y.size, 13)), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), dy)))([xt, wt]);
    const out = { dy: dy.dataSync().slice(), dx: dx.dataSync().slice(), dw: dw.dataSync().slice(), x, w };
    tf.dispose([xt, wt, y, dy, dx, dw]);
    return out;
  }, `${c.name} on ${backend}`);
}

describe.each([
  ['Conv2DBackpropInput / Conv2DBackpropFilter', convCases, false],
  ['DepthwiseConv2dNativeBackpropInput / Filter', depthwiseCases, true],
] as const)('wasm %s', (_label, cases, depthwise) => {
  it.each(cases)('match cpu and the float64 reference: $name', async (c) => {
    const onWasm = await gradients('wasm', c, depthwise);
    const onCpu = await gradients('cpu', c, depthwise);
    const ref = refConvGrads(
      c,
      Float64Array.from(onWasm.x),
      Float64Array.from(onWasm.w),
      Float64Array.from(onWasm.dy),
    );
    const tolX = 1e-4 * Math.max(1, maxAbs(ref.dx));
    const tolW = 1e-4 * Math.max(1, maxAbs(ref.dw));
    expect(maxAbsDiff(onWasm.dx, onCpu.dx)).toBeLessThan(tolX);
    expect(maxAbsDiff(onWasm.dw, onCpu.dw)).toBeLessThan(tolW);
    expect(maxAbsDiff(onWasm.dx, ref.dx)).toBeLessThan(tolX);
    expect(maxAbsDiff(onWasm.dw, ref.dw)).toBeLessThan(tolW);
    // The reference itself is a true convolution.
    expect(refConv(c, Float64Array.from(onWasm.x), Float64Array.from(onWasm.w)).y.length).toBe(
      onWasm.dy.length,
    );
  });
});

describe('random convolution shapes, wasm vs cpu', () => {
  it('agree on 12 random geometries', async () => {
    const rand = randomValues(12 * 8, 99);
    const pick = (i: number, options: readonly number[]) =>
      options[Math.floor(((rand[i] + 1) / 2) * options.length)];
    for (let k = 0; k < 12; k++) {
      const r = k * 8;
      const kh = pick(r, [1, 3, 5]);
      const s = pick(r + 1, [1, 2]);
      const pad = pick(r + 2, [0, 1, 2]);
      const c: Case = conv(
        `random ${k}`,
        [pick(r + 3, [1, 2]), pick(r + 4, [5, 6, 7, 9]), pick(r + 5, [5, 8, 11]), pick(r + 6, [1, 3, 4])],
        [kh, kh, 0, pick(r + 7, [2, 5])],
        s,
        (
          [
            'same',
            'valid',
            [
              [1, 0],
              [0, 2],
            ],
          ] as const
        )[pad] as Case['pad'],
      );
      c.wShape[2] = c.xShape[3];
      const onWasm = await gradients('wasm', c, false);
      const onCpu = await gradients('cpu', c, false);
      expect(maxAbsDiff(onWasm.dx, onCpu.dx), c.name).toBeLessThan(1e-4 * Math.max(1, maxAbs(onCpu.dx)));
      expect(maxAbsDiff(onWasm.dw, onCpu.dw), c.name).toBeLessThan(1e-4 * Math.max(1, maxAbs(onCpu.dw)));
    }
  });
});

describe('random grouped convolution shapes, wasm vs cpu', () => {
  async function grouped(backend: string, c: Case) {
    // The JS kernels built on wasm's BatchMatMul (native ones: nativeKernels.test.ts).
    await initBackend({ backend, native: false });
    const x = Float32Array.from(randomValues(size(c.xShape), 31));
    const w = Float32Array.from(randomValues(size(c.wShape), 32));
    return expectNoLeaks(() =>
      tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          conv2dGrouped(a as tf.Tensor4D, b as tf.Tensor4D, {
            strides: c.stride,
            dilations: c.dilation,
            pad: tfPad(c),
            groups: c.groups,
          });
        const xt = tf.tensor4d(x, c.xShape);
        const wt = tf.tensor4d(w, c.wShape);
        const y = f(xt, wt);
        const dy = tf.tensor(Float32Array.from(randomValues(y.size, 33)), y.shape);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), dy)))([xt, wt]);
        return [y.dataSync().slice(), dx.dataSync().slice(), dw.dataSync().slice()];
      }),
    );
  }

  it('agree on 10 random geometries (groups, strides, dilations, padding)', async () => {
    const rand = randomValues(10 * 8, 77);
    const pick = (i: number, options: readonly number[]) =>
      options[Math.floor(((rand[i] + 1) / 2) * options.length)];
    for (let k = 0; k < 10; k++) {
      const r = k * 8;
      const groups = pick(r, [1, 2, 3, 4]);
      const kh = pick(r + 1, [1, 3]);
      const c: Case = {
        name: `grouped random ${k}`,
        xShape: [
          pick(r + 2, [1, 2]),
          pick(r + 3, [5, 7, 8]),
          pick(r + 4, [6, 9]),
          groups * pick(r + 5, [1, 2, 3]),
        ],
        wShape: [kh, kh, 0, groups * pick(r + 6, [1, 2])],
        stride: [pick(r + 7, [1, 2]), pick(r + 7, [1, 2])],
        dilation: [pick(r + 1, [1, 2]), pick(r + 1, [1, 2])],
        pad: (['same', 'valid'] as const)[k % 2],
        groups,
      };
      c.wShape[2] = c.xShape[3] / groups;
      const onWasm = await grouped('wasm', c);
      const onCpu = await grouped('cpu', c);
      for (let i = 0; i < 3; i++) {
        expect(maxAbsDiff(onWasm[i], onCpu[i]), `${c.name} output ${i}`).toBeLessThan(
          1e-4 * Math.max(1, maxAbs(onCpu[i])),
        );
      }
    }
  });
});
