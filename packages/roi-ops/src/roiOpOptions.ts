import type { Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { RoiKernelNotRegisteredError, RoiOptionError, RoiTensorError } from './errors';
import type { Aggregation } from './roiOpParams';

/** Output bins per RoI: `n` for n×n, or `[height, width]`. */
export type OutputSize = number | [number, number];

/** `[height, width]` from an {@link OutputSize}, each a positive whole number. */
export function resolveOutputSize(size: OutputSize | undefined): [number, number] {
  if (size === undefined) throw new RoiOptionError('outputSize', 'is required (e.g. 7 or [7, 7])');
  if (!(typeof size === 'number' || (Array.isArray(size) && size.length === 2))) {
    throw new RoiOptionError(
      'outputSize',
      `expected a number or [height, width], got ${JSON.stringify(size)}`,
    );
  }
  const hw: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  for (const v of hw) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RoiOptionError('outputSize', `bins must be positive whole numbers, got [${hw}]`);
    }
  }
  return hw;
}

/** A positive finite scale (feature pixels per input pixel, e.g. 1/16). */
export function checkSpatialScale(scale: number | undefined, option = 'spatialScale'): number {
  if (scale === undefined) throw new RoiOptionError(option, 'is required (e.g. 1/16 for a stride-16 map)');
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw new RoiOptionError(option, `must be a positive finite number, got ${scale}`);
  }
  return scale;
}

/** A whole-number sampling ratio; anything `<= 0` means adaptive. Default adaptive (-1). */
export function checkSamplingRatio(ratio: number | undefined): number {
  const r = ratio ?? -1;
  if (!Number.isInteger(r)) throw new RoiOptionError('samplingRatio', `must be a whole number, got ${r}`);
  return r;
}

/** `'avg'` (default) or `'max'`. */
export function checkAggregation(aggregation: Aggregation | undefined): Aggregation {
  const a = aggregation ?? 'avg';
  if (a !== 'avg' && a !== 'max') {
    throw new RoiOptionError('aggregation', `must be 'avg' or 'max', got ${String(a)}`);
  }
  return a;
}

/** A float32 `[B,H,W,C]` tensor. */
export function checkFeatureTensor(t: Tensor, name: string): void {
  if (!(t instanceof tf.Tensor)) throw new RoiTensorError(name, 'expected a tf.Tensor');
  if (t.rank !== 4) throw new RoiTensorError(name, `expected rank 4 [B,H,W,C], got shape [${t.shape}]`);
  if (t.dtype !== 'float32') throw new RoiTensorError(name, `expected dtype float32, got ${t.dtype}`);
}

/** A float32 or int32 `[R,5]` tensor. */
export function checkRoiTensor(t: Tensor): void {
  if (!(t instanceof tf.Tensor)) throw new RoiTensorError('rois', 'expected a tf.Tensor');
  if (t.rank !== 2 || t.shape[1] !== 5) {
    throw new RoiTensorError('rois', `expected shape [R,5] (batchIndex, x1, y1, x2, y2), got [${t.shape}]`);
  }
  if (t.dtype !== 'float32' && t.dtype !== 'int32') {
    throw new RoiTensorError('rois', `expected dtype float32 or int32, got ${t.dtype}`);
  }
}

/** Throws a {@link RoiKernelNotRegisteredError} unless `kernel` exists for the active backend. */
export function ensureKernel(kernel: string): void {
  const backend = tf.getBackend();
  if (tf.getKernel(kernel, backend) == null) throw new RoiKernelNotRegisteredError(kernel, backend);
}
