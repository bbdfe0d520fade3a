import type { Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { RoiPoolKernel } from './kernelNames';
import {
  checkFeatureTensor,
  checkRoiTensor,
  checkSpatialScale,
  ensureKernel,
  type OutputSize,
  resolveOutputSize,
} from './roiOpOptions';

/** Options of {@link roiPool}. */
export interface RoiPoolOptions {
  /** Bins per RoI: `n` (n×n) or `[height, width]`. */
  outputSize: OutputSize;
  /** Feature pixels per input pixel: `1 / stride`. */
  spatialScale: number;
}

/**
 * RoIPool (Fast R-CNN): the RoI is snapped to the feature grid (`round` half away from zero of
 * `coordinate · spatialScale`, end pixel inclusive, sides at least one pixel), split into
 * `outputSize` bins with floor/ceil whole-pixel bounds clipped to the map, and each bin takes the
 * max over its pixels; an empty bin gives 0. Equals `torchvision.ops.roi_pool`; the gradient goes
 * to the winning pixel of each bin (the first one on ties). Needs {@link registerRoiOps}.
 *
 * @param features `[B,H,W,C]` float32 feature map.
 * @param rois `[R,5]` `(batchIndex, x1, y1, x2, y2)` in input-image pixels.
 * @returns `[R, outH, outW, C]`, RoIs in input order.
 */
export function roiPool(features: Tensor4D, rois: Tensor2D, options: RoiPoolOptions): Tensor4D {
  checkFeatureTensor(features, 'features');
  checkRoiTensor(rois);
  const attrs = {
    outputSize: resolveOutputSize(options.outputSize),
    spatialScale: checkSpatialScale(options.spatialScale),
    samplingRatio: 0,
    aligned: false,
    aggregation: 'max',
  };
  ensureKernel(RoiPoolKernel);
  return tf.engine().runKernel(RoiPoolKernel, { features, rois }, attrs) as Tensor4D;
}
