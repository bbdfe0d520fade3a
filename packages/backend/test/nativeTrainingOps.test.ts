import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, initBackend, nativeKernelsActive, nativeKernelsStatus } from '../src/index';
import { nativeAddon, nativeAddonStatus } from '../src/kernels/nativeAddon';
import { onCpuThenWasm } from './helpers/onCpuThenWasm';
import { maxAbs, maxAbsDiff, randomValues } from './helpers/reference';

const status = nativeKernelsStatus();
if (!status.available) {
  console.warn(
    `\n!!! SKIPPING the native Sum / MaxPoolGrad / elementwise tests: ${status.reason} (looked for ${nativeAddonStatus().path}).\n`,
  );
}
const describeNative = status.available ? describe : describe.skip;

const errors = new Map<string, number>();
function record(kernel: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 2e-6): void {
  expect(got.length).toBe(want.length);
  const rel = maxAbsDiff(got, want) / Math.max(maxAbs(want), 1e-30);
  errors.set(kernel, Math.max(errors.get(kernel) ?? 0, rel));
  expect(rel).toBeLessThan(tol);
}

/** Float64 sum of x (row-major `shape`) over `axes`, keeping the other axes in order. */
function refSum(x: Float64Array, shape: number[], axes: number[]): Float64Array {
  const keep = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const out = new Float64Array(keep.reduce((p, i) => p * shape[i], 1));
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < x.length; flat++) {
    let o = 0;
    for (const i of keep) o = o * shape[i] + index[i];
    out[o] += x[flat];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

interface PoolCase {
  name: string;
  x: [number, number, number, number];
  size: number;
  stride: number;
  pad: 'same' | 'valid' | number;
  /** Integer-valued x (many ties). */
  ties?: boolean;
}

/** Float64 max-pool gradient: dy of each window to its first maximum (row-major, strict >). */
function refMaxPoolGrad(
  c: PoolCase,
  x: Float64Array,
  dy: Float64Array,
  outH: number,
  outW: number,
  pads: [number, number],
) {
  const [n, h, w, ch] = c.x;
  const dx = new Float64Array(x.length);
  for (let b = 0; b < n; b++)
    for (let yr = 0; yr < outH; yr++)
      for (let yc = 0; yc < outW; yc++)
        for (let d = 0; d < ch; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let r = yr * c.stride - pads[0]; r < yr * c.stride - pads[0] + c.size; r++)
            for (let q = yc * c.stride - pads[1]; q < yc * c.stride - pads[1] + c.size; q++) {
              if (r < 0 || r >= h || q < 0 || q >= w) continue;
              const i = ((b * h + r) * w + q) * ch + d;
              if (x[i] > best) {
                best = x[i];
                at = i;
              }
            }
          if (at >= 0) dx[at] += dy[((b * outH + yr) * outW + yc) * ch + d];
        }
  return dx;
}

const poolCases: PoolCase[] = [
  { name: '3x3 s2 pad 1 (ResNet stem), batch 2, 13 channels', x: [2, 11, 9, 13], size: 3, stride: 2, pad: 1 },
  { name: '3x3 s2 same, odd sizes', x: [1, 10, 7, 9], size: 3, stride: 2, pad: 'same' },
  { name: '2x2 s2 valid', x: [2, 8, 9, 16], size: 2, stride: 2, pad: 'valid' },
  { name: '3x3 s1 same, ties', x: [1, 7, 8, 10], size: 3, stride: 1, pad: 'same', ties: true },
  { name: '3x3 s2 pad 1, ties', x: [2, 9, 9, 5], size: 3, stride: 2, pad: 1, ties: true },
];

function poolInputs(c: PoolCase, seed: number) {
  const x = randomValues(
    c.x.reduce((p, v) => p * v, 1),
    seed,
  ).map((v) => (c.ties ? Math.round(v * 2) : v));
  const outShape = tf.tidy(() => tf.maxPool(tf.zeros(c.x) as tf.Tensor4D, c.size, c.stride, c.pad).shape);
  const dy = randomValues(
    outShape.reduce((p, v) => p * v, 1),
    seed + 1,
  );
  return { x, dy, outShape };
}

/** dx of sum(maxPool(x) * dy) on the current backend. */
function poolGrad(c: PoolCase, x: Float64Array, dy: Float64Array, outShape: number[]): Float32Array {
  return tf.tidy(() => {
    const r = tf.tensor(Float32Array.from(dy), outShape);
    const g = tf.grad((xt: tf.Tensor) =>
      tf.sum(tf.mul(tf.maxPool(xt as tf.Tensor4D, c.size, c.stride, c.pad), r)),
    );
    return g(tf.tensor4d(Float32Array.from(x), c.x)).dataSync() as Float32Array;
  });
}

function sumOn(x: Float64Array | Int32Array, shape: number[], axes: number[], keepDims: boolean) {
  return tf.tidy(() => {
    const t = x instanceof Int32Array ? tf.tensor(x, shape, 'int32') : tf.tensor(Float32Array.from(x), shape);
    const s = tf.sum(t, axes, keepDims);
    return { values: s.dataSync(), shape: s.shape, dtype: s.dtype };
  });
}

describeNative('native Sum, MaxPoolGrad and elementwise kernels on wasm', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });
  afterAll(async () => {
    await initBackend({ backend: 'wasm', native: true, threads: status.threads });
    const lines = [...errors].map(([k, e]) => `  ${k}: max rel ${e.toExponential(2)}`);
    console.log(
      `native Sum / MaxPoolGrad / elementwise parity (vs float64 loops and vs cpu):\n${lines.join('\n')}`,
    );
  });

  const sumCases: Array<{ name: string; shape: number[]; axes: number[]; keepDims: boolean }> = [
    { name: 'NHWC over N,H,W', shape: [2, 9, 7, 13], axes: [0, 1, 2], keepDims: false },
    { name: 'NHWC over N,H,W, keepDims', shape: [1, 12, 11, 24], axes: [0, 1, 2], keepDims: true },
    { name: 'axes unordered and negative', shape: [2, 5, 6, 8], axes: [-2, 0, 1], keepDims: false },
    { name: 'rows over 64 chunks', shape: [5000, 3], axes: [0], keepDims: false },
    { name: 'leading two of four axes', shape: [3, 4, 5, 6], axes: [0, 1], keepDims: true },
  ];

  it.each(sumCases)('Sum over leading axes matches float64 and cpu: $name', async (c) => {
    const x = randomValues(
      c.shape.reduce((p, v) => p * v, 1),
      3,
    );
    const norm = c.axes.map((a) => (a < 0 ? a + c.shape.length : a));
    const { cpu, wasm: got } = await onCpuThenWasm(() => sumOn(x, c.shape, c.axes, c.keepDims));
    expect(nativeKernelsActive()).toBe(true);
    expect(got.shape).toEqual(cpu.shape);
    expect(got.dtype).toBe('float32');
    record('Sum vs float64', got.values, refSum(x, c.shape, norm));
    record('Sum vs cpu', got.values, cpu.values);
  });

  it('Sum through tfjs is the addon sum (chunked, float64 across chunks), for any thread count', async () => {
    const addon = nativeAddon();
    if (addon == null) throw new Error('addon expected');
    const rows = 20000;
    const cols = 7;
    const x = Float32Array.from(randomValues(rows * cols, 5), (v) => v + 0.3);
    const direct = new Float32Array(cols);
    addon.sumRows(1, x, rows, cols, direct);
    const threaded = new Float32Array(cols);
    addon.sumRows(3, x, rows, cols, threaded);
    expect(threaded).toEqual(direct);
    const viaTf = tf.tidy(() => tf.sum(tf.tensor2d(x, [rows, cols]), 0).dataSync());
    expect(viaTf).toEqual(direct);
    record('Sum vs float64', direct, refSum(Float64Array.from(x), [rows, cols], [0]));
  });

  it('Sum falls back to the wasm kernel for other axes and dtypes', async () => {
    const shape = [3, 4, 5, 6];
    const x = randomValues(360, 7);
    const ints = Int32Array.from(x, (v) => Math.round(v * 50));
    for (const axes of [[1, 2], [3], [0, 1, 2, 3], [0, 2]]) {
      let got: ReturnType<typeof sumOn> | undefined;
      await expectNoLeaks(() => {
        got = sumOn(x, shape, axes, false);
      });
      record('Sum fallback (other axes) vs float64', got!.values, refSum(x, shape, axes));
    }
    const intSum = sumOn(ints, shape, [0, 1, 2], false);
    expect(intSum.dtype).toBe('int32');
    expect(Array.from(intSum.values)).toEqual(Array.from(refSum(Float64Array.from(ints), shape, [0, 1, 2])));
  });

  it.each(poolCases)('MaxPoolGrad matches float64 and cpu: $name', async (c) => {
    const { x, dy, outShape } = poolInputs(c, 9);
    const pads: [number, number] = tf.tidy(() => {
      const info = tf.backend_util.computePool2DInfo(c.x, c.size, c.stride, 1, c.pad);
      return [info.padInfo.top, info.padInfo.left];
    });
    const want = refMaxPoolGrad(c, x, dy, outShape[1], outShape[2], pads);
    const { cpu, wasm: got } = await onCpuThenWasm(() => poolGrad(c, x, dy, outShape));
    record('MaxPoolGrad vs float64', got, want);
    record('MaxPoolGrad vs cpu', got, cpu);
  });

  it('MaxPoolGrad: the addon equals tfjs on wasm, for any thread count', async () => {
    const addon = nativeAddon();
    if (addon == null) throw new Error('addon expected');
    const c = poolCases[0];
    const { x, dy, outShape } = poolInputs(c, 13);
    const x32 = Float32Array.from(x);
    const dy32 = Float32Array.from(dy);
    const g = [2, 11, 9, 13, outShape[1], outShape[2], 3, 3, 2, 2, 1, 1];
    const one = new Float32Array(x.length).fill(Number.NaN);
    addon.maxPoolGrad(1, g, x32, dy32, one);
    const three = new Float32Array(x.length);
    addon.maxPoolGrad(3, g, x32, dy32, three);
    expect(three).toEqual(one);
    expect(poolGrad(c, x, dy, outShape)).toEqual(one);
  });

  it('MaxPoolGrad agrees with finite differences', () => {
    const c = poolCases[1];
    const { x, dy, outShape } = poolInputs(c, 17);
    const grad = poolGrad(c, x, dy, outShape);
    const f = (v: Float64Array) =>
      tf.tidy(() => {
        const y = tf.maxPool(tf.tensor4d(Float32Array.from(v), c.x), c.size, c.stride, c.pad);
        return tf.sum(tf.mul(y, tf.tensor(Float32Array.from(dy), outShape))).dataSync()[0];
      });
    const eps = 1e-3;
    for (const i of [0, 14, 100, 333, 500, 629]) {
      const up = x.slice();
      up[i] += eps;
      const down = x.slice();
      down[i] -= eps;
      const fd = (f(up) - f(down)) / (2 * eps);
      expect(Math.abs(fd - grad[i])).toBeLessThan(1e-2 * Math.max(1, Math.abs(fd)));
    }
  });

  it('MaxPoolGrad: NaN windows pass no gradient; int32 x goes to the replaced kernel', async () => {
    const addon = nativeAddon();
    if (addon == null) throw new Error('addon expected');
    const dx = new Float32Array(8).fill(7);
    // [1,2,4,1] pooled 2x2 stride 2: windows [NaN NaN / NaN 2] and [NaN 1 / 3 0].
    const xs = new Float32Array([Number.NaN, Number.NaN, Number.NaN, 1, Number.NaN, 2, 3, 0]);
    addon.maxPoolGrad(1, [1, 2, 4, 1, 1, 2, 2, 2, 2, 2, 0, 0], xs, new Float32Array([10, 20]), dx);
    expect(Array.from(dx)).toEqual([0, 0, 0, 0, 0, 10, 20, 0]);
    // int32 input: the replaced wasm kernel runs, native switched on or off alike.
    const viaKernel = () =>
      tf.tidy(() => {
        const ints = tf.tensor4d([1, 5, 3, 2, 0, 4, 6, 7], [1, 2, 4, 1], 'int32');
        const dyt = tf.tensor4d([1, 2], [1, 1, 2, 1]);
        const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
        const out = tf
          .engine()
          .runKernel('MaxPoolGrad', { dy: dyt, input: ints, output: dyt }, attrs) as tf.Tensor;
        return { values: Array.from(out.dataSync()), dtype: out.dtype };
      });
    let on: ReturnType<typeof viaKernel> | undefined;
    await expectNoLeaks(() => {
      on = viaKernel();
    });
    await initBackend({ backend: 'wasm', native: false });
    const off = viaKernel();
    await initBackend({ backend: 'wasm' });
    expect(on).toEqual(off);
    expect(on?.dtype).toBe('int32');
  });

  const binaryCases: Array<{ name: string; a: number[]; b: number[] }> = [
    { name: 'same shape', a: [2, 5, 6, 7], b: [2, 5, 6, 7] },
    { name: 'per-channel [C] b', a: [2, 5, 6, 7], b: [7] },
    { name: 'per-channel [1,1,1,C] b', a: [1, 9, 8, 12], b: [1, 1, 1, 12] },
    { name: 'per-channel [C] a', a: [7], b: [2, 3, 4, 7] },
    { name: '[C] against [1,1,1,C]', a: [1, 1, 1, 5], b: [5] },
    { name: 'large, several blocks', a: [1, 64, 64, 24], b: [24] },
    { name: 'fallback: scalar', a: [2, 3, 4, 5], b: [] },
    { name: 'fallback: broadcast along H', a: [2, 3, 4, 5], b: [2, 1, 4, 5] },
  ];
  const binaryOps = [
    { name: 'Add', op: tf.add, ref: (u: number, v: number) => u + v },
    { name: 'Sub', op: tf.sub, ref: (u: number, v: number) => u - v },
    { name: 'Multiply', op: tf.mul, ref: (u: number, v: number) => u * v },
  ];

  /** Float64 broadcast of a op b (numpy rules). */
  function refBinary(
    a: Float64Array,
    as: number[],
    b: Float64Array,
    bs: number[],
    f: (u: number, v: number) => number,
  ) {
    const r = Math.max(as.length, bs.length);
    const pa = [...new Array(r - as.length).fill(1), ...as];
    const pb = [...new Array(r - bs.length).fill(1), ...bs];
    const shape = pa.map((d, i) => Math.max(d, pb[i]));
    const out = new Float64Array(shape.reduce((p, v) => p * v, 1));
    const idx = new Array<number>(r).fill(0);
    for (let o = 0; o < out.length; o++) {
      let ia = 0;
      let ib = 0;
      for (let d = 0; d < r; d++) {
        ia = ia * pa[d] + (pa[d] === 1 ? 0 : idx[d]);
        ib = ib * pb[d] + (pb[d] === 1 ? 0 : idx[d]);
      }
      out[o] = f(a[ia], b[ib]);
      for (let d = r - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  }

  it.each(binaryCases)('Add, Sub, Multiply match float64 and cpu: $name', async (c) => {
    const a = randomValues(
      c.a.reduce((p, v) => p * v, 1),
      21,
    );
    const b = randomValues(
      c.b.reduce((p, v) => p * v, 1),
      22,
    );
    const run = () =>
      binaryOps.map(({ op }) =>
        tf.tidy(() => {
          const y = op(tf.tensor(Float32Array.from(a), c.a), tf.tensor(Float32Array.from(b), c.b));
          return { values: y.dataSync(), shape: y.shape };
        }),
      );
    const { cpu, wasm: got } = await onCpuThenWasm(run);
    binaryOps.forEach(({ name, ref }, i) => {
      expect(got[i].shape).toEqual(cpu[i].shape);
      record(`${name} vs float64`, got[i].values, refBinary(a, c.a, b, c.b, ref), 1e-7);
      expect(got[i].values).toEqual(cpu[i].values);
    });
  });

  it('Add falls back to the wasm kernel for int32', async () => {
    await expectNoLeaks(() => {
      const y = tf.tidy(() => tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([10, 20, 30], 'int32')));
      expect(y.dtype).toBe('int32');
      expect(Array.from(y.dataSync())).toEqual([11, 22, 33]);
      y.dispose();
    });
  });

  it('Relu and Step (the Relu gradient mask) match cpu, NaN kept, alpha honoured', async () => {
    const x = Float32Array.from(randomValues(70000, 31));
    x[3] = Number.NaN;
    x[5] = 0;
    x[6] = -0;
    const run = () =>
      tf.tidy(() => {
        const t = tf.tensor(x, [1, 100, 100, 7]);
        const step = tf.engine().runKernel('Step', { x: t }, { alpha: 0.25 }) as tf.Tensor;
        const grad = tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.relu(u), 3)))(t);
        return [tf.relu(t).dataSync(), step.dataSync(), tf.step(t).dataSync(), grad.dataSync()];
      });
    const { cpu, wasm: got } = await onCpuThenWasm(run);
    for (let k = 0; k < cpu.length; k++) expect(got[k]).toEqual(cpu[k]);
    expect(Number.isNaN(got![0][3]) && Number.isNaN(got![1][3])).toBe(true);
    expect([got![1][5], got![1][6], got![1][7] > 0 ? 1 : 0.25]).toEqual([0.25, 0.25, got![1][7]]);
    expect(got![3][0]).toBe(x[0] > 0 ? 3 : 0);
  });

  it('reject arrays too short for the shapes', () => {
    const addon = nativeAddon();
    if (addon == null) throw new Error('addon expected');
    expect(() => addon.sumRows(1, new Float32Array(11), 3, 4, new Float32Array(4))).toThrow(
      /'x' holds 11 floats, needs 12/,
    );
    expect(() => addon.sumRows(1, new Float32Array(12), 3, 4, new Float32Array(3))).toThrow(/'y' holds 3/);
    const g = [1, 4, 4, 2, 2, 2, 2, 2, 2, 2, 0, 0];
    expect(() =>
      addon.maxPoolGrad(1, g, new Float32Array(32), new Float32Array(7), new Float32Array(32)),
    ).toThrow(/'dy' holds 7 floats, needs 8/);
    expect(() =>
      addon.maxPoolGrad(1, [1, 2], new Float32Array(32), new Float32Array(8), new Float32Array(32)),
    ).toThrow(/geometry/);
  });
});
