import type { DataType, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import {
  _FusedMatMul,
  Add,
  BatchMatMul,
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  FusedConv2D,
  getKernel,
  MaxPoolGrad,
  Multiply,
  Relu,
  Step,
  Sub,
  Sum,
  util,
} from '@tensorflow/tfjs-core';
import { type ConvGeometry, type ConvPadding, convGeometry } from './convGeometry';
import { Conv2DGroupedBackpropFilter, Conv2DGroupedBackpropInput } from './convolutionKernels';
import { type NativeAddon, nativeActivations, nativeAddon } from './nativeAddon';

/** The wasm backend's heap API the native kernels need. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function isHeapBackend(backend: unknown): backend is HeapBackend {
  const b = backend as Partial<HeapBackend>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function';
}

/** Runtime switches of the native kernels (set by `initBackend`). */
export const nativeSettings = {
  /** Native kernels run; false: every wrapped kernel delegates to the one it replaced. */
  enabled: true,
  /** Threads per native call (the caller's thread plus pool threads). */
  threads: 1,
  /** 3×3 stride-1 convolutions with ≥ 16 channels on ≥ 48 2×2 tiles per image (16 in the batch for the filter gradient) use Winograd F(2×2, 3×3). */
  winograd: true,
};

/** Backends whose kernels were replaced by native ones. */
export const nativeInstalled = new Set<string>();

const wrapped = Symbol('rcnn.nativeKernel');
type Wrapped = KernelFunc & { [wrapped]?: KernelFunc };

type Args = Parameters<KernelFunc>[0];

/** Views are taken after the output allocation (it may grow, and so detach, the heap). */
function heapViews(backend: HeapBackend, infos: Array<TensorInfo | undefined>): Array<Float32Array | null> {
  return infos.map((info) => (info == null ? null : (backend.typedArrayFromHeap(info) as Float32Array)));
}

function allFloat32(infos: Array<TensorInfo | undefined>): boolean {
  return infos.every((t) => t == null || t.dtype === 'float32');
}

function nativeGeometry(g: ConvGeometry): number[] {
  return [
    g.batch,
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.outHeight,
    g.outWidth,
    g.outChannels,
    g.filterHeight,
    g.filterWidth,
    g.strideHeight,
    g.strideWidth,
    g.dilationHeight,
    g.dilationWidth,
    g.padTop,
    g.padLeft,
  ];
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: ConvPadding;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: string;
  groups?: number;
  inputShape?: number[];
  filterShape?: number[];
  activation?: string;
}

function geometryOf(op: string, xShape: readonly number[], filterShape: readonly number[], a: ConvAttrs) {
  if (a.dataFormat != null && a.dataFormat !== 'NHWC') return null;
  if ((a.groups ?? 1) !== 1) return null;
  try {
    return convGeometry({
      op,
      xShape,
      filterShape,
      strides: a.strides,
      pad: a.pad,
      dilations: a.dilations ?? 1,
      dimRoundingMode: a.dimRoundingMode,
    });
  } catch {
    return null; // the replaced kernel reports the error
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A per-channel bias: size `n` and last dimension `n` (so it broadcasts along the channels). */
function channelBias(bias: TensorInfo | undefined, n: number): boolean {
  return bias == null || (bias.shape[bias.shape.length - 1] === n && util.sizeFromShape(bias.shape) === n);
}

type NativeRun = (addon: NativeAddon, backend: HeapBackend, args: Args) => TensorInfo | null;

/** Wrap the backend's kernel: run natively when possible, else delegate to the original. */
function nativeKernel(kernelName: string, backendName: string, run: NativeRun): KernelConfig | null {
  const addon = nativeAddon();
  const current = getKernel(kernelName, backendName);
  if (addon == null || current == null) return null;
  const original = ((current.kernelFunc as Wrapped)[wrapped] ?? current.kernelFunc) as KernelFunc;
  const kernelFunc: Wrapped = (args) => {
    if (nativeSettings.enabled && isHeapBackend(args.backend)) {
      const out = run(addon, args.backend, args);
      if (out != null) return out;
    }
    return original(args);
  };
  kernelFunc[wrapped] = original;
  // Kernels that wrap BatchMatMul themselves (transposingBatchMatMulKernel) unwrap `.original`:
  // point it at the backend's own kernel so installing twice does not stack wrappers.
  const inner = (original as { original?: KernelFunc }).original ?? original;
  (kernelFunc as Wrapped & { original?: KernelFunc }).original = inner;
  return { ...current, kernelFunc };
}

function convForward(addon: NativeAddon, backend: HeapBackend, args: Args): TensorInfo | null {
  const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
  const a = args.attrs as unknown as ConvAttrs;
  const activation = nativeActivations[a.activation ?? 'linear'];
  if (x == null || filter == null || preluActivationWeights != null || activation == null) return null;
  if (!allFloat32([x, filter, bias])) return null;
  const g = geometryOf(Conv2D, x.shape, filter.shape, a);
  if (g == null || !channelBias(bias, g.outChannels)) return null;
  const shape = [g.batch, g.outHeight, g.outWidth, g.outChannels];
  if (util.sizeFromShape(shape) === 0 || util.sizeFromShape(x.shape) === 0) return null;
  const out = backend.makeOutput(shape, 'float32');
  const [xv, fv, bv, yv] = heapViews(backend, [x, filter, bias, out]);
  addon.conv2d(nativeSettings.threads, nativeGeometry(g), xv!, fv!, yv!, bv, activation);
  return out;
}

/** tfjs' Conv2DBackpropInput/Filter have no dilations (dilation 1); the grouped kernels do. */
function attrsOf(args: Args, dilated: boolean): ConvAttrs {
  const a = args.attrs as unknown as ConvAttrs;
  return dilated ? a : { ...a, dilations: 1 };
}

const convBackpropInput =
  (dilated: boolean): NativeRun =>
  (addon, backend, args) => {
    const { dy, filter } = args.inputs as Record<string, TensorInfo>;
    const a = attrsOf(args, dilated);
    if (a.inputShape == null || !allFloat32([dy, filter])) return null;
    const g = geometryOf(Conv2DBackpropInput, a.inputShape, filter.shape, a);
    if (g == null) return null;
    if (!sameShape(dy.shape, [g.batch, g.outHeight, g.outWidth, g.outChannels])) return null;
    if (util.sizeFromShape(a.inputShape) === 0 || util.sizeFromShape(dy.shape) === 0) return null;
    const out = backend.makeOutput([...a.inputShape], 'float32');
    const [dyv, fv, dxv] = heapViews(backend, [dy, filter, out]);
    addon.conv2dBackpropInput(nativeSettings.threads, nativeGeometry(g), dyv!, fv!, dxv!);
    return out;
  };

const convBackpropFilter =
  (dilated: boolean): NativeRun =>
  (addon, backend, args) => {
    const { x, dy } = args.inputs as Record<string, TensorInfo>;
    const a = attrsOf(args, dilated);
    if (a.filterShape == null || !allFloat32([x, dy])) return null;
    const g = geometryOf(Conv2DBackpropFilter, x.shape, a.filterShape, a);
    if (g == null) return null;
    if (!sameShape(dy.shape, [g.batch, g.outHeight, g.outWidth, g.outChannels])) return null;
    if (util.sizeFromShape(a.filterShape) === 0 || util.sizeFromShape(dy.shape) === 0) return null;
    const out = backend.makeOutput([...a.filterShape], 'float32');
    const [xv, dyv, dwv] = heapViews(backend, [x, dy, out]);
    addon.conv2dBackpropFilter(nativeSettings.threads, nativeGeometry(g), xv!, dyv!, dwv!);
    return out;
  };

function matMul(addon: NativeAddon, backend: HeapBackend, args: Args): TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
  const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean; activation?: string };
  const activation = nativeActivations[attrs.activation ?? 'linear'];
  if (a == null || b == null || preluActivationWeights != null || activation == null) return null;
  if (!allFloat32([a, b, bias]) || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = attrs.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = attrs.transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = attrs.transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = attrs.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb || !channelBias(bias, n)) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  let outer: number[];
  try {
    outer = backend_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null;
  }
  const batch = util.sizeFromShape(outer);
  const batchA = util.sizeFromShape(outerA);
  const batchB = util.sizeFromShape(outerB);
  // Only broadcasts that repeat a whole operand; others go to the replaced kernel.
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
  if (batch * m * n === 0 || k === 0) return null;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  const [av, bv, biasv, cv] = heapViews(backend, [a, b, bias, out]);
  addon.sgemm(
    nativeSettings.threads,
    attrs.transposeA ? 1 : 0,
    attrs.transposeB ? 1 : 0,
    m,
    n,
    k,
    1,
    av!,
    bv!,
    0,
    cv!,
    batch,
    batchA === 1 ? 0 : m * k,
    batchB === 1 ? 0 : k * n,
    m * n,
    biasv,
    activation,
  );
  return out;
}

/**
 * Sum over leading axes `[0, k)` of a float32 tensor (the gradients of per-channel scales, shifts
 * and biases: `[N,H,W,C]` summed over N, H, W): column sums of the `[rows, cols]` matrix.
 */
function sumLeading(addon: NativeAddon, backend: HeapBackend, args: Args): TensorInfo | null {
  const { x } = args.inputs as Record<string, TensorInfo>;
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims?: boolean };
  if (x == null || x.dtype !== 'float32' || x.shape.length === 0) return null;
  let axes: number[];
  try {
    axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
  } catch {
    return null; // the replaced kernel reports the error
  }
  const k = axes.length;
  if (k === 0 || k === x.shape.length || axes.some((a, i) => a !== i)) return null;
  const rows = util.sizeFromShape(x.shape.slice(0, k));
  const cols = util.sizeFromShape(x.shape.slice(k));
  if (rows * cols === 0) return null;
  const shape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
  const out = backend.makeOutput(shape, 'float32');
  const [xv, yv] = heapViews(backend, [x, out]);
  addon.sumRows(nativeSettings.threads, xv!, rows, cols, yv!);
  return out;
}

/** MaxPoolGrad (NHWC, float32): dx of tf.maxPool from its input and dy. */
function maxPoolGrad(addon: NativeAddon, backend: HeapBackend, args: Args): TensorInfo | null {
  const { dy, input } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: ConvPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (dy == null || input == null || !allFloat32([dy, input]) || input.shape.length !== 4) return null;
  let info: backend_util.Conv2DInfo;
  try {
    info = backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      a.filterSize,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
  } catch {
    return null;
  }
  if (!sameShape(dy.shape, info.outShape)) return null;
  if (util.sizeFromShape(input.shape) === 0 || util.sizeFromShape(dy.shape) === 0) return null;
  const out = backend.makeOutput([...input.shape], 'float32');
  const [xv, dyv, dxv] = heapViews(backend, [input, dy, out]);
  const geometry = [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
  addon.maxPoolGrad(nativeSettings.threads, geometry, xv!, dyv!, dxv!);
  return out;
}

/** `t` broadcasts along the last axis of `over`: size C = over's last dimension, other axes 1. */
function channelOperand(t: TensorInfo, over: TensorInfo): boolean {
  const r = over.shape.length;
  const c = over.shape[r - 1];
  return (
    r > 0 &&
    t.shape.length > 0 &&
    t.shape.length <= r &&
    t.shape[t.shape.length - 1] === c &&
    util.sizeFromShape(t.shape) === c
  );
}

/** Add / Sub / Multiply of float32 operands of one shape, or of `[..., C]` and a per-channel `[C]`. */
const binaryOp =
  (op: number): NativeRun =>
  (addon, backend, args) => {
    const { a, b } = args.inputs as Record<string, TensorInfo>;
    if (a == null || b == null || !allFloat32([a, b])) return null;
    let broadcast: number;
    let shape: number[];
    if (sameShape(a.shape, b.shape)) {
      broadcast = 0;
      shape = a.shape;
    } else if (channelOperand(b, a)) {
      broadcast = 1;
      shape = a.shape;
    } else if (channelOperand(a, b)) {
      broadcast = 2;
      shape = b.shape;
    } else {
      return null;
    }
    const n = util.sizeFromShape(shape);
    if (n === 0) return null;
    const out = backend.makeOutput([...shape], 'float32');
    const [av, bv, yv] = heapViews(backend, [a, b, out]);
    addon.binary(nativeSettings.threads, op, broadcast, av!, bv!, yv!, n, shape[shape.length - 1] ?? 1);
    return out;
  };

/** Relu (op 0) and Step (op 1, attr alpha) of a float32 tensor. */
const unaryOp =
  (op: number): NativeRun =>
  (addon, backend, args) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    if (x == null || x.dtype !== 'float32') return null;
    const n = util.sizeFromShape(x.shape);
    if (n === 0) return null;
    const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0;
    const out = backend.makeOutput([...x.shape], 'float32');
    const [xv, yv] = heapViews(backend, [x, out]);
    addon.unary(nativeSettings.threads, op, alpha, xv!, yv!, n);
    return out;
  };

/** The grouped-convolution gradient kernels with one group (the differentiable dilated conv). */
function groupedOnly(run: NativeRun): NativeRun {
  return (addon, backend, args) =>
    (args.attrs as { groups?: number }).groups === 1 ? run(addon, backend, args) : null;
}

/**
 * Native replacements for one backend's Conv2D, FusedConv2D, Conv2DBackpropInput/Filter,
 * BatchMatMul, _FusedMatMul, the one-group Conv2DGrouped gradients, Sum over leading axes,
 * MaxPoolGrad, Add / Sub / Multiply (same shape or a per-channel operand), Relu and Step. Each
 * falls back to the kernel it replaced for what it does not support (other activations, PReLU
 * weights, non-channel biases, NCHW, other dtypes, other reduction axes or broadcasts, empty
 * tensors, unusual batch broadcasts) and when
 * `nativeSettings.enabled` is false. Empty when the addon is unavailable.
 */
export function nativeKernels(backendName: string): KernelConfig[] {
  const specs: Array<[string, NativeRun]> = [
    [Conv2D, convForward],
    [FusedConv2D, convForward],
    [Conv2DBackpropInput, convBackpropInput(false)],
    [Conv2DBackpropFilter, convBackpropFilter(false)],
    [BatchMatMul, matMul],
    [_FusedMatMul, matMul],
    [Conv2DGroupedBackpropInput, groupedOnly(convBackpropInput(true))],
    [Conv2DGroupedBackpropFilter, groupedOnly(convBackpropFilter(true))],
    [Sum, sumLeading],
    [MaxPoolGrad, maxPoolGrad],
    [Add, binaryOp(0)],
    [Sub, binaryOp(1)],
    [Multiply, binaryOp(2)],
    [Relu, unaryOp(0)],
    [Step, unaryOp(1)],
  ];
  const configs: KernelConfig[] = [];
  for (const [name, run] of specs) {
    const config = nativeKernel(name, backendName, run);
    if (config != null) configs.push(config);
  }
  return configs;
}
