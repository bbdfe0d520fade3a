import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, initBackend, nativeKernelsActive, nativeKernelsStatus } from '../src/index';
import { nativeAddon, nativeAddonStatus } from '../src/kernels/nativeAddon';
import { onCpuThenWasm } from './helpers/onCpuThenWasm';
import { maxAbs, maxAbsDiff, type RefConv, randomValues, refConv, refConvGrads } from './helpers/reference';

const addonFile = fileURLToPath(new URL('../native/build/rcnn_native.node', import.meta.url));
const built = existsSync(addonFile);
const status = nativeKernelsStatus();
if (!status.available) {
  console.warn(
    `\n!!! SKIPPING the native kernel tests: ${status.reason} (looked for ${nativeAddonStatus().path}).\n`,
  );
}
const describeNative = status.available ? describe : describe.skip;

type Case = RefConv & { name: string };
function conv(
  name: string,
  xShape: Case['xShape'],
  wShape: Case['wShape'],
  s: number,
  pad: Case['pad'],
  d = 1,
): Case {
  return { name, xShape, wShape, stride: [s, s], dilation: [d, d], pad, groups: 1 };
}

const convCases: Case[] = [
  conv('3x3 s1 same, batch 2, odd sizes', [2, 9, 11, 5], [3, 3, 5, 7], 1, 'same'),
  conv('3x3 s2 valid, batch 2', [2, 10, 9, 6], [3, 3, 6, 4], 2, 'valid'),
  conv('7x7 s2 same (stem)', [1, 13, 12, 3], [7, 7, 3, 8], 2, 'same'),
  conv('1x1 s1, batch 2', [2, 8, 7, 16], [1, 1, 16, 20], 1, 'same'),
  conv('1x1 s2 valid (downsample)', [2, 9, 9, 8], [1, 1, 8, 6], 2, 'valid'),
  conv('3x3 s1 dilation 2 same', [1, 12, 10, 4], [3, 3, 4, 5], 1, 'same', 2),
  conv('3x3 s1 dilation 2 valid, batch 2', [2, 11, 13, 3], [3, 3, 3, 6], 1, 'valid', 2),
  conv('3x3 s1 explicit', [2, 11, 9, 3], [3, 3, 3, 17], 1, [
    [1, 2],
    [0, 1],
  ]),
  conv('3x3 s2 explicit', [1, 10, 10, 7], [3, 3, 7, 5], 2, [
    [2, 1],
    [1, 2],
  ]),
  // K = 360 > one 256-deep block, M = 196 > one 120-row block, N = 20 not a multiple of 16.
  conv('3x3 s1 same, several GEMM blocks', [1, 14, 14, 40], [3, 3, 40, 20], 1, 'same'),
  // Filter gradient over M = 312 pixels: two 256-deep K slices.
  conv('3x3 s1 same, batch 2, two K slices of the filter gradient', [2, 13, 12, 6], [3, 3, 6, 5], 1, 'same'),
  // K = 3105 > one 3072-column panel, the second panel starting inside a tap.
  conv('3x3 s1 same, two column panels of patches', [1, 5, 4, 345], [3, 3, 345, 3], 1, 'same'),
  // Filter gradients over ≥ 4096 pixels with few outputs are split over pixels: 2 slices crossing
  // the image boundary, and 8 slices (the last one short) of a 1×1 convolution.
  conv('3x3 s1 same, batch 2, filter gradient in 2 pixel slices', [2, 48, 45, 3], [3, 3, 3, 5], 1, 'same'),
  conv('1x1 s1, filter gradient in 8 pixel slices', [1, 128, 130, 8], [1, 1, 8, 16], 1, 'valid'),
  // Winograd F(2x2, 3x3) (3x3 stride 1, >= 16 channels, >= 48 2x2 tiles): odd maps (partial
  // tiles), batch 2, channel tails (20 = 8·2 + 4 inputs, 21 outputs: a scalar tail and a padded
  // 16-wide sliver), explicit asymmetric padding, 272 input channels (two 256-deep blocks), and
  // 360 tiles (the filter gradient's sum over two 256-tile blocks).
  conv('Winograd 3x3 s1 same, batch 2, odd map, channel tails', [2, 21, 19, 20], [3, 3, 20, 21], 1, 'same'),
  conv('Winograd 3x3 s1 explicit asymmetric padding', [1, 30, 31, 16], [3, 3, 16, 17], 1, [
    [1, 2],
    [0, 1],
  ]),
  conv('Winograd 3x3 s1 valid, 272 input channels', [1, 30, 30, 272], [3, 3, 272, 16], 1, 'valid'),
  conv('Winograd 3x3 s1 same, 360 tiles', [1, 40, 36, 16], [3, 3, 16, 24], 1, 'same'),
  // 9 tiles: below both thresholds (48 tiles forward, 16 for the filter gradient).
  conv('3x3 s1 same, 6x6 map (direct)', [1, 6, 6, 32], [3, 3, 32, 32], 1, 'same'),
];
const directSmallMap = convCases[convCases.length - 1];
const winogradCases = convCases.filter((c) => c.name.startsWith('Winograd'));

const errors = new Map<string, { abs: number; rel: number }>();
function record(kernel: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 2e-5): void {
  const abs = maxAbsDiff(got, want);
  const rel = abs / Math.max(maxAbs(want), 1e-30);
  const prev = errors.get(kernel) ?? { abs: 0, rel: 0 };
  errors.set(kernel, { abs: Math.max(prev.abs, abs), rel: Math.max(prev.rel, rel) });
  expect(rel).toBeLessThan(tol);
}

function tfPad(pad: RefConv['pad']): 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]] {
  return typeof pad === 'string' ? pad : [[0, 0], pad[0], pad[1], [0, 0]];
}

interface ConvResults {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
}

/** Forward, input and filter gradient on the current backend (dilated ones via Conv2DGrouped). */
function runConv(c: Case, x: Float64Array, w: Float64Array, dy: Float64Array): ConvResults {
  return tf.tidy(() => {
    const xt = tf.tensor4d(Float32Array.from(x), c.xShape);
    const wt = tf.tensor4d(Float32Array.from(w), c.wShape);
    const pad = tfPad(c.pad);
    const y = tf.conv2d(xt, wt, c.stride, pad, 'NHWC', c.dilation);
    const dyt = tf.tensor(Float32Array.from(dy), y.shape);
    const dilated = c.dilation[0] > 1;
    const attrs = { strides: c.stride, pad, dataFormat: 'NHWC', dilations: c.dilation, groups: 1 };
    const dx = tf
      .engine()
      .runKernel(dilated ? 'Conv2DGroupedBackpropInput' : 'Conv2DBackpropInput', { dy: dyt, filter: wt }, {
        ...attrs,
        inputShape: c.xShape,
      } as never) as tf.Tensor;
    const dw = tf
      .engine()
      .runKernel(dilated ? 'Conv2DGroupedBackpropFilter' : 'Conv2DBackpropFilter', { x: xt, dy: dyt }, {
        ...attrs,
        filterShape: c.wShape,
      } as never) as tf.Tensor;
    return {
      y: y.dataSync() as Float32Array,
      dx: dx.dataSync() as Float32Array,
      dw: dw.dataSync() as Float32Array,
    };
  });
}

function convInputs(c: Case, seed: number) {
  const x = randomValues(
    c.xShape.reduce((a, b) => a * b, 1),
    seed,
  );
  const w = randomValues(
    c.wShape.reduce((a, b) => a * b, 1),
    seed + 1,
  );
  const ref = refConv(c, x, w);
  const dy = randomValues(ref.y.length, seed + 2);
  return { x, w, dy, ref, grads: refConvGrads(c, x, w, dy) };
}

/** Float64 `op(a)·op(b)` for [batch, ...] operands (batch 1 broadcasts). */
function refMatMul(
  a: Float64Array,
  b: Float64Array,
  dims: { batchA: number; batchB: number; m: number; n: number; k: number; ta: boolean; tb: boolean },
): Float64Array {
  const { m, n, k, ta, tb } = dims;
  const batch = Math.max(dims.batchA, dims.batchB);
  const c = new Float64Array(batch * m * n);
  for (let q = 0; q < batch; q++) {
    const ao = dims.batchA === 1 ? 0 : q * m * k;
    const bo = dims.batchB === 1 ? 0 : q * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++)
          s += a[ao + (ta ? p * m + i : i * k + p)] * b[bo + (tb ? j * k + p : p * n + j)];
        c[q * m * n + i * n + j] = s;
      }
  }
  return c;
}

describeNative('native kernels on wasm', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });
  afterAll(async () => {
    await initBackend({ backend: 'wasm', native: true });
    const lines = [...errors].map(
      ([k, e]) => `  ${k}: max abs ${e.abs.toExponential(2)}, max rel ${e.rel.toExponential(2)}`,
    );
    console.log(`native kernel parity (vs float64 loops and vs cpu):\n${lines.join('\n')}`);
  });

  it('are active when the addon is built', () => {
    expect(built).toBe(true);
    expect(nativeKernelsActive()).toBe(true);
    expect(nativeKernelsStatus()).toMatchObject({ active: true, available: true, enabled: true });
    expect(tf.getKernel('Conv2D', 'wasm')?.kernelFunc).not.toBe(undefined);
  });

  it.each(convCases)('conv forward and gradients match float64 and cpu: $name', async (c) => {
    const { x, w, dy, ref, grads } = convInputs(c, 11);
    const { cpu, wasm: native } = await onCpuThenWasm(() => runConv(c, x, w, dy));
    expect(nativeKernelsActive()).toBe(true);
    record('Conv2D vs float64', native.y, ref.y);
    record('Conv2DBackpropInput vs float64', native.dx, grads.dx);
    record('Conv2DBackpropFilter vs float64', native.dw, grads.dw);
    record('Conv2D vs cpu', native.y, cpu.y);
    record('Conv2DBackpropInput vs cpu', native.dx, cpu.dx);
    record('Conv2DBackpropFilter vs cpu', native.dw, cpu.dw);
  });

  it('fused conv: bias + relu / relu6 natively, other activations through the replaced kernel', async () => {
    const c = conv('fused', [2, 9, 8, 6], [3, 3, 6, 10], 2, 'same');
    const { x, w, ref } = convInputs(c, 21);
    const bias = randomValues(10, 24);
    for (const activation of ['linear', 'relu', 'relu6', 'elu'] as const) {
      const want = ref.y.map((v, i) => {
        const z = (v + bias[i % 10]) * 4;
        if (activation === 'relu') return Math.max(z, 0);
        if (activation === 'relu6') return Math.min(Math.max(z, 0), 6);
        if (activation === 'elu') return z > 0 ? z : Math.expm1(z);
        return z;
      });
      let got: Float32Array | undefined;
      await expectNoLeaks(() => {
        got = tf.tidy(() => {
          const xt = tf.tensor4d(Float32Array.from(x), c.xShape);
          // Scaled by 4 so relu6 clips some outputs.
          const wt = tf.mul(tf.tensor4d(Float32Array.from(w), c.wShape), 4) as tf.Tensor4D;
          const bt = tf.mul(tf.tensor1d(Float32Array.from(bias)), 4);
          return tf.fused
            .conv2d({ x: xt, filter: wt, strides: 2, pad: 'same', bias: bt, activation })
            .dataSync();
        }) as Float32Array;
      });
      record(`FusedConv2D (${activation}) vs float64`, got as Float32Array, want);
    }
  });

  const matCases = [
    { name: '1x1', batchA: 1, batchB: 1, m: 1, n: 1, k: 1, ta: false, tb: false },
    { name: 'odd, no transposes', batchA: 1, batchB: 1, m: 37, n: 29, k: 41, ta: false, tb: false },
    { name: 'transposeA', batchA: 1, batchB: 1, m: 23, n: 18, k: 35, ta: true, tb: false },
    { name: 'transposeB', batchA: 1, batchB: 1, m: 19, n: 33, k: 17, ta: false, tb: true },
    { name: 'both transposed, batch 3', batchA: 3, batchB: 3, m: 13, n: 21, k: 9, ta: true, tb: true },
    { name: 'a broadcast over batch 4', batchA: 1, batchB: 4, m: 7, n: 11, k: 5, ta: false, tb: true },
    { name: 'b broadcast over batch 2', batchA: 2, batchB: 1, m: 9, n: 6, k: 12, ta: true, tb: false },
    { name: 'several blocks', batchA: 1, batchB: 1, m: 130, n: 70, k: 300, ta: false, tb: false },
    { name: 'wide (two column panels)', batchA: 1, batchB: 1, m: 7, n: 3100, k: 5, ta: false, tb: true },
  ];

  it.each(matCases)('matMul matches float64 and cpu: $name', async (d) => {
    const a = randomValues(d.batchA * d.m * d.k, 31);
    const b = randomValues(d.batchB * d.k * d.n, 32);
    const want = refMatMul(a, b, d);
    const shapeA = d.ta ? [d.k, d.m] : [d.m, d.k];
    const shapeB = d.tb ? [d.n, d.k] : [d.k, d.n];
    const run = () =>
      tf.tidy(() => {
        const at = tf.tensor(
          Float32Array.from(a),
          d.batchA > 1 || d.batchB > 1 ? [d.batchA, ...shapeA] : shapeA,
        );
        const bt = tf.tensor(
          Float32Array.from(b),
          d.batchA > 1 || d.batchB > 1 ? [d.batchB, ...shapeB] : shapeB,
        );
        return tf.matMul(at, bt, d.ta, d.tb).dataSync() as Float32Array;
      });
    const { cpu, wasm: got } = await onCpuThenWasm(run);
    record('BatchMatMul vs float64', got, want);
    record('BatchMatMul vs cpu', got, cpu);
  });

  it('fused matMul: bias + relu natively, rank-4 batches', async () => {
    const [m, n, k] = [10, 12, 14];
    const a = randomValues(2 * 3 * m * k, 41);
    const b = randomValues(2 * 3 * n * k, 42);
    const bias = randomValues(n, 43);
    const want = refMatMul(a, b, { batchA: 6, batchB: 6, m, n, k, ta: false, tb: true }).map((v, i) =>
      Math.max(v + bias[i % n], 0),
    );
    let got: Float32Array | undefined;
    await expectNoLeaks(() => {
      got = tf.tidy(() =>
        tf.fused
          .matMul({
            a: tf.tensor4d(Float32Array.from(a), [2, 3, m, k]),
            b: tf.tensor4d(Float32Array.from(b), [2, 3, n, k]),
            transposeB: true,
            bias: tf.tensor1d(Float32Array.from(bias)),
            activation: 'relu',
          })
          .dataSync(),
      ) as Float32Array;
    });
    record('_FusedMatMul (bias, relu) vs float64', got as Float32Array, want);
  });

  it('take the Winograd path where it applies, within float32 error of the direct product', async () => {
    const addon = nativeAddon();
    if (addon == null) throw new Error('no addon');
    for (const c of [...winogradCases, directSmallMap]) {
      const { x, w, dy, ref, grads } = convInputs(c, 41);
      await initBackend({ backend: 'wasm', winograd: false });
      expect(nativeKernelsStatus().winograd).toBe(false);
      const direct = runConv(c, x, w, dy);
      await initBackend({ backend: 'wasm' });
      expect(nativeKernelsStatus().winograd).toBe(true);
      const wino = runConv(c, x, w, dy);
      record('Conv2D (direct) vs float64', direct.y, ref.y);
      record('Conv2DBackpropInput (direct) vs float64', direct.dx, grads.dx);
      record('Conv2DBackpropFilter (direct) vs float64', direct.dw, grads.dw);
      if (c === directSmallMap) {
        // Below the thresholds: the same direct product either way.
        expect(wino.y).toEqual(direct.y);
        expect(wino.dw).toEqual(direct.dw);
      } else {
        // Another algorithm ran (different float32 rounding), as accurate as the direct one.
        expect(wino.y).not.toEqual(direct.y);
        expect(wino.dx).not.toEqual(direct.dx);
        expect(wino.dw).not.toEqual(direct.dw);
        for (const [got, want] of [
          [wino.y, ref.y],
          [wino.dx, grads.dx],
          [wino.dw, grads.dw],
        ] as const) {
          const rel = maxAbsDiff(got, want) / maxAbs(want);
          expect(rel).toBeLessThan(2e-6);
        }
      }
    }
    // The switch is process-wide in the addon and reported back.
    expect(addon.setWinograd(true)).toBe(true);
  });

  it('give each image the same output whatever batch it comes in (Winograd decided per image)', async () => {
    // 36 tiles per image: below the forward's threshold alone, above it (72) for the batch.
    const x = randomValues(2 * 12 * 12 * 32, 71);
    const w = randomValues(9 * 32 * 24, 72);
    await expectNoLeaks(() => {
      tf.tidy(() => {
        const wt = tf.tensor4d(Float32Array.from(w), [3, 3, 32, 24]);
        const both = tf.tensor4d(Float32Array.from(x), [2, 12, 12, 32]);
        const pair = tf.conv2d(both, wt, 1, 'same').dataSync();
        const half = pair.length / 2;
        for (const i of [0, 1]) {
          const one = tf.slice(both, [i, 0, 0, 0], [1, 12, 12, 32]);
          const alone = tf.conv2d(one, wt, 1, 'same').dataSync();
          expect(Array.from(pair.subarray(i * half, (i + 1) * half))).toEqual(Array.from(alone));
        }
      });
    });
  });

  it('gives bit-identical results for any thread count', async () => {
    for (const c of [convCases[9], convCases[13], ...winogradCases]) {
      const { x, w, dy } = convInputs(c, 51);
      await initBackend({ backend: 'wasm', threads: 1 });
      const one = runConv(c, x, w, dy);
      await initBackend({ backend: 'wasm', threads: 3 });
      const three = runConv(c, x, w, dy);
      await initBackend({ backend: 'wasm', threads: status.threads });
      expect({ case: c.name, y: three.y }).toEqual({ case: c.name, y: one.y });
      expect({ case: c.name, dx: three.dx }).toEqual({ case: c.name, dx: one.dx });
      expect({ case: c.name, dw: three.dw }).toEqual({ case: c.name, dw: one.dw });
    }
  });

  it.each([
    { name: 'stride 2 (direct)', x: [2, 7, 6, 3], w: [3, 3, 3, 4], stride: 2, probes: [0, 17, 101, 251] },
    {
      name: 'stride 1, 196 tiles (Winograd)',
      x: [1, 28, 28, 16],
      w: [3, 3, 16, 16],
      stride: 1,
      probes: [0, 999, 5003, 12543],
    },
  ] as const)('conv gradients through tf.grad agree with finite differences: $name', async (c) => {
    const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
    const x = tf.tensor4d(Float32Array.from(randomValues(size(c.x), 61)), [...c.x] as [
      number,
      number,
      number,
      number,
    ]);
    const w = tf.tensor4d(Float32Array.from(randomValues(size(c.w), 62)), [...c.w] as [
      number,
      number,
      number,
      number,
    ]);
    const yShape = tf.tidy(() => tf.conv2d(x, w, c.stride, 'same').shape);
    const r = tf.tensor(Float32Array.from(randomValues(size(yShape), 63)), yShape);
    const f = (xt: tf.Tensor4D, wt: tf.Tensor4D) =>
      tf.sum(tf.mul(tf.relu(tf.conv2d(xt, wt, c.stride, 'same')), r)) as tf.Scalar;
    await expectNoLeaks(() => {
      const [gx, gw] = tf.grads((xt: tf.Tensor, wt: tf.Tensor) => f(xt as tf.Tensor4D, wt as tf.Tensor4D))([
        x,
        w,
      ]);
      const gxv = gx.dataSync();
      const gwv = gw.dataSync();
      tf.dispose([gx, gw]);
      const eps = 1e-2;
      const probe = (t: tf.Tensor4D, i: number, which: 'x' | 'w') => {
        const v = t.dataSync().slice();
        const at = (delta: number) =>
          tf.tidy(() => {
            const u = v.slice();
            u[i] += delta;
            const moved = tf.tensor4d(u, t.shape);
            return which === 'x' ? f(moved, w).dataSync()[0] : f(x, moved).dataSync()[0];
          });
        return (at(eps) - at(-eps)) / (2 * eps);
      };
      for (const i of c.probes) {
        const fd = probe(x, i, 'x');
        expect(Math.abs(fd - gxv[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
      }
      for (const i of [0, 5, 77, 107]) {
        const fd = probe(w, i, 'w');
        expect(Math.abs(fd - gwv[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
      }
    });
    tf.dispose([x, w, r]);
  });

  it('`native: false` falls back to the wasm kernels, and `native: true` returns', async () => {
    const c = convCases[0];
    const { x, w, dy, ref, grads } = convInputs(c, 71);
    await initBackend({ backend: 'wasm', native: false });
    expect(nativeKernelsActive()).toBe(false);
    expect(nativeKernelsStatus()).toMatchObject({ active: false, available: true, enabled: false });
    const wasm = runConv(c, x, w, dy);
    record('wasm kernels (native off) vs float64', wasm.y, ref.y);
    record('wasm kernels (native off) vs float64', wasm.dx, grads.dx);
    record('wasm kernels (native off) vs float64', wasm.dw, grads.dw);
    await initBackend({ backend: 'wasm' });
    expect(nativeKernelsActive()).toBe(true);
  });

  it('are inactive on cpu', async () => {
    await initBackend({ backend: 'cpu' });
    expect(nativeKernelsActive()).toBe(false);
    await initBackend({ backend: 'wasm' });
  });

  it('reject arrays too short for the shapes and bad thread counts', async () => {
    const addon = nativeAddon();
    if (addon == null) throw new Error('addon expected');
    const g = [1, 4, 4, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1];
    expect(() =>
      addon.conv2d(1, g, new Float32Array(31), new Float32Array(54), new Float32Array(48), null, 0),
    ).toThrow(/'x' holds 31 floats, needs 32/);
    expect(() =>
      addon.conv2d(1, g, new Float32Array(32), new Float32Array(54), new Float64Array(48) as never, null, 0),
    ).toThrow(/'y' must be a Float32Array/);
    await expect(initBackend({ backend: 'wasm', threads: 0 })).rejects.toThrow(/'threads'/);
  });
});

describe('native kernel availability', () => {
  it('loads the addon when its file is built, and reports why when it is unavailable', () => {
    const s = nativeKernelsStatus();
    // A built file that fails to load (or a CPU without AVX2/FMA running it) must not pass silently.
    if (built && process.env.RCNN_NATIVE_ADDON == null)
      expect(s).toMatchObject({ available: true, reason: '' });
    expect(s.available).toBe(built && s.reason === '');
    if (!s.available) expect(s.reason.length).toBeGreaterThan(0);
  });
});
