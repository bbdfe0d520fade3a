import type { Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { RoiOptionError, RoiTensorError } from './errors';
import { type MultiLevelRoiKernelAttrs, MultiLevelRoiPoolKernel } from './kernelNames';
import type { RoiOpConfig } from './roiOpConfig';
import {
  checkAggregation,
  checkFeatureTensor,
  checkRoiTensor,
  checkSamplingRatio,
  ensureKernel,
  type OutputSize,
  resolveOutputSize,
} from './roiOpOptions';

/** Options of {@link multiLevelRoiPool}. */
export interface MultiLevelRoiPoolOptions {
  /** Bins per RoI: `n` (n×n) or `[height, width]`. */
  outputSize: OutputSize;
  /**
   * Stride (input pixels per feature pixel) of each feature map, finest first, each twice the
   * previous: `[4, 8, 16, 32]` for P2–P5. Level k has stride 2^k.
   */
  strides: number[];
  /** The op each RoI is pooled with, on its level. */
  op: RoiOpConfig;
  /** RoI side, in input pixels, that maps to `canonicalLevel`. Default 224. */
  canonicalScale?: number;
  /** Pyramid level of a `canonicalScale`-sized RoI. Default 4. */
  canonicalLevel?: number;
}

/** Level range and checked settings shared by the op and the pooler. */
export function multiLevelAttrs(
  levelCount: number,
  options: MultiLevelRoiPoolOptions,
): MultiLevelRoiKernelAttrs {
  const { strides, op } = options;
  if (!Array.isArray(strides) || strides.length !== levelCount || levelCount === 0) {
    throw new RoiOptionError(
      'strides',
      `expected one stride per feature map (${levelCount}), got ${JSON.stringify(strides)}`,
    );
  }
  for (const [i, s] of strides.entries()) {
    if (!(s > 0) || !Number.isFinite(s))
      throw new RoiOptionError('strides', `strides[${i}] = ${s} is not positive`);
    if (levelCount > 1 && (!Number.isInteger(Math.log2(s)) || (i > 0 && s !== 2 * strides[i - 1]))) {
      throw new RoiOptionError(
        'strides',
        `pyramid strides must be powers of two, each twice the previous, got [${strides}]`,
      );
    }
  }
  const kind = op?.kind;
  if (kind !== 'align' && kind !== 'warp' && kind !== 'pool') {
    throw new RoiOptionError('op.kind', `must be 'align', 'warp' or 'pool', got ${String(kind)}`);
  }
  const canonicalScale = options.canonicalScale ?? 224;
  const canonicalLevel = options.canonicalLevel ?? 4;
  if (!(canonicalScale > 0) || !Number.isFinite(canonicalScale)) {
    throw new RoiOptionError('canonicalScale', `must be a positive number, got ${canonicalScale}`);
  }
  if (!Number.isFinite(canonicalLevel)) {
    throw new RoiOptionError('canonicalLevel', `must be a finite number, got ${canonicalLevel}`);
  }
  return {
    kind,
    outputSize: resolveOutputSize(options.outputSize),
    spatialScale: 1 / strides[0],
    samplingRatio: op.kind === 'pool' ? 0 : checkSamplingRatio(op.samplingRatio),
    aligned: op.kind === 'warp' ? true : op.kind === 'align' ? (op.aligned ?? false) : false,
    aggregation: op.kind === 'pool' ? 'max' : checkAggregation(op.aggregation),
    scales: strides.map((s) => 1 / s),
    minLevel: Math.log2(strides[0]),
    canonicalScale,
    canonicalLevel,
    eps: 1e-6,
  };
}

/**
 * Multi-level RoI pooling for FPN (torchvision `MultiScaleRoIAlign`): each RoI goes to level
 * `floor(canonicalLevel + log2(sqrt(area) / canonicalScale) + 1e-6)` clamped to the levels
 * present (`area = (x2 - x1)(y2 - y1)` in input pixels, see {@link assignFpnLevels}) and is pooled
 * from that level's map with `op` at `spatialScale = 1 / stride`. One kernel pools all RoIs, so the
 * output keeps the input order and the gradient reaches every level directly. With
 * `op: { kind: 'align', samplingRatio: 2 }` it equals torchvision's `MultiScaleRoIAlign` (whose
 * `roi_align` runs with `aligned=False`). Needs {@link registerRoiOps}.
 *
 * @param features one `[B,H_l,W_l,C]` float32 map per level, finest first (same B and C).
 * @param rois `[R,5]` `(batchIndex, x1, y1, x2, y2)` in input-image pixels.
 * @returns `[R, outH, outW, C]`.
 */
export function multiLevelRoiPool(
  features: Tensor4D[],
  rois: Tensor2D,
  options: MultiLevelRoiPoolOptions,
): Tensor4D {
  if (!Array.isArray(features) || features.length === 0) {
    throw new RoiTensorError('features', 'expected a non-empty array of [B,H,W,C] maps, finest first');
  }
  features.forEach((f, i) => {
    checkFeatureTensor(f, `features[${i}]`);
    if (f.shape[0] !== features[0].shape[0] || f.shape[3] !== features[0].shape[3]) {
      throw new RoiTensorError(
        `features[${i}]`,
        `batch and channels must match features[0] ([${features[0].shape}]), got [${f.shape}]`,
      );
    }
  });
  checkRoiTensor(rois);
  const attrs = multiLevelAttrs(features.length, options);
  ensureKernel(MultiLevelRoiPoolKernel);
  return tf.engine().runKernel(MultiLevelRoiPoolKernel, [rois, ...features] as unknown as tf.NamedTensorMap, {
    ...attrs,
  }) as Tensor4D;
}
