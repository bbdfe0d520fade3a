import type { Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import { RoiOptionError, RoiTensorError } from './errors';
import { multiLevelRoiPool } from './multiLevelRoiPool';
import { roiAlign } from './roiAlign';
import type { RoiOpConfig } from './roiOpConfig';
import { type OutputSize, resolveOutputSize } from './roiOpOptions';
import { roiPool } from './roiPool';
import { roiWarp } from './roiWarp';

/** Cuts fixed-size features for each RoI out of a backbone's named feature maps. */
export interface RoiPooler {
  /** `[height, width]` of each RoI's output. */
  readonly outputSize: [number, number];
  /**
   * @param features the backbone's maps by name (`[B,H,W,C]` float32).
   * @param rois `[R,5]` `(batchIndex, x1, y1, x2, y2)` in input-image pixels.
   * @returns `[R, outH, outW, C]`, RoIs in input order.
   */
  apply(features: Record<string, Tensor4D>, rois: Tensor2D): Tensor4D;
}

/** Options of {@link roiPooler}. */
export interface RoiPoolerOptions {
  /** Feature maps to pool from, finest first: `['res4']` (C4) or `['p2', 'p3', 'p4', 'p5']` (FPN). */
  featureNames: string[];
  /** Stride of each of those maps in input pixels (`[16]`, `[4, 8, 16, 32]`). */
  strides: number[];
  /** Bins per RoI: `n` (n×n) or `[height, width]`. */
  outputSize: OutputSize;
  /** RoIAlign, RoIWarp or RoIPool, with their settings. */
  op: RoiOpConfig;
  /** Multi-level only: RoI side mapped to `canonicalLevel`. Default 224. */
  canonicalScale?: number;
  /** Multi-level only: level of a `canonicalScale`-sized RoI. Default 4. */
  canonicalLevel?: number;
}

/**
 * A {@link RoiPooler}: with one feature map it runs `op` on it; with several it assigns each RoI
 * to a pyramid level ({@link multiLevelRoiPool}, torchvision `MultiScaleRoIAlign` semantics).
 * Swapping RoIAlign for RoIPool is changing `op`.
 */
export function roiPooler(options: RoiPoolerOptions): RoiPooler {
  const { featureNames, strides, op } = options;
  if (!Array.isArray(featureNames) || featureNames.length === 0) {
    throw new RoiOptionError('featureNames', 'expected at least one feature map name');
  }
  if (!Array.isArray(strides) || strides.length !== featureNames.length) {
    throw new RoiOptionError('strides', `expected one stride per feature name (${featureNames.length})`);
  }
  const outputSize = resolveOutputSize(options.outputSize);
  const pick = (features: Record<string, Tensor4D>): Tensor4D[] =>
    featureNames.map((name) => {
      const f = features[name];
      if (f === undefined) {
        throw new RoiTensorError(
          `features.${name}`,
          `missing (got ${Object.keys(features).join(', ') || 'none'})`,
        );
      }
      return f;
    });
  return {
    outputSize,
    apply(features, rois) {
      const maps = pick(features);
      if (maps.length > 1) {
        return multiLevelRoiPool(maps, rois, {
          outputSize,
          strides,
          op,
          canonicalScale: options.canonicalScale,
          canonicalLevel: options.canonicalLevel,
        });
      }
      const spatialScale = 1 / strides[0];
      switch (op.kind) {
        case 'align':
          return roiAlign(maps[0], rois, { ...op, outputSize, spatialScale });
        case 'warp':
          return roiWarp(maps[0], rois, { ...op, outputSize, spatialScale });
        case 'pool':
          return roiPool(maps[0], rois, { outputSize, spatialScale });
        default:
          throw new RoiOptionError(
            'op.kind',
            `must be 'align', 'warp' or 'pool', got ${String((op as { kind: unknown }).kind)}`,
          );
      }
    },
  };
}
