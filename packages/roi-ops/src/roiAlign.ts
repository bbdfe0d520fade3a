import type { Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { RoiAlignKernel } from './kernelNames';
import {
  checkAggregation,
  checkFeatureTensor,
  checkRoiTensor,
  checkSamplingRatio,
  checkSpatialScale,
  ensureKernel,
  type OutputSize,
  resolveOutputSize,
} from './roiOpOptions';
import type { Aggregation } from './roiOpParams';

/** Options of {@link roiAlign}. */
export interface RoiAlignOptions {
  /** Bins per RoI: `n` (n×n) or `[height, width]`. */
  outputSize: OutputSize;
  /** Feature pixels per input pixel: `1 / stride` (1/16 for C4, 1/4 for P2). */
  spatialScale: number;
  /**
   * Sample points per bin side; `<= 0` (default -1) means adaptive, `ceil(roiSize / bins)` per
   * RoI and axis, as in torchvision.
   */
  samplingRatio?: number;
  /**
   * `true` (detectron2's choice): shift the box by -0.5 feature pixel so that sample points sit
   * on pixel centres. `false` (default, torchvision's and its Mask R-CNN's): no shift, and RoI
   * sides shorter than one feature pixel are stretched to one.
   */
  aligned?: boolean;
  /**
   * `'avg'` (default): the mean of the bin's sample points, exactly `torchvision.ops.roi_align`.
   * `'max'`: the largest of the same sample values (the paper's "max" row; torchvision has no
   * such mode). Samples beyond the border count as 0 in both; a bin without sample points gives 0.
   */
  aggregation?: Aggregation;
}

/**
 * RoIAlign (Mask R-CNN, §3): each RoI is divided into `outputSize` bins without rounding, each bin
 * is sampled at a regular grid of points by bilinear interpolation, and the points are averaged
 * (or maxed). With `aggregation: 'avg'` this equals `torchvision.ops.roi_align`, including its
 * border rule (a point less than one pixel outside the map reads the border pixel, one further
 * out reads 0). Differentiable with respect to `features` (the gradient w.r.t. `rois` is zero).
 * Needs {@link registerRoiOps}.
 *
 * @param features `[B,H,W,C]` float32 feature map.
 * @param rois `[R,5]` `(batchIndex, x1, y1, x2, y2)` in input-image pixels; batch indices must be
 *   whole numbers in `[0, B)`, coordinates finite.
 * @returns `[R, outH, outW, C]`, RoIs in input order (`[0, outH, outW, C]` for no RoIs).
 */
export function roiAlign(features: Tensor4D, rois: Tensor2D, options: RoiAlignOptions): Tensor4D {
  checkFeatureTensor(features, 'features');
  checkRoiTensor(rois);
  const attrs = {
    outputSize: resolveOutputSize(options.outputSize),
    spatialScale: checkSpatialScale(options.spatialScale),
    samplingRatio: checkSamplingRatio(options.samplingRatio),
    aligned: options.aligned ?? false,
    aggregation: checkAggregation(options.aggregation),
  };
  ensureKernel(RoiAlignKernel);
  return tf.engine().runKernel(RoiAlignKernel, { features, rois }, attrs) as Tensor4D;
}
