import type { Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { RoiWarpKernel } from './kernelNames';
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

/** Options of {@link roiWarp}. */
export interface RoiWarpOptions {
  /** Bins per RoI: `n` (n×n) or `[height, width]`. */
  outputSize: OutputSize;
  /** Feature pixels per input pixel: `1 / stride`. */
  spatialScale: number;
  /** `'max'` or `'avg'` (default) over each bin's sample points. */
  aggregation?: Aggregation;
  /** Sample points per bin side; `<= 0` (default -1) means adaptive `ceil(quantisedSize / bins)`. */
  samplingRatio?: number;
}

/**
 * RoIWarp (MNC; the Mask R-CNN paper's Table 2c middle rows): bilinear sampling like RoIAlign,
 * but on the RoI quantised like RoIPool. Exactly: `q1 = round(x1 · spatialScale)`,
 * `q2 = round(x2 · spatialScale)` (half away from zero), and the box covers the whole feature
 * pixels `q1 .. q2` (`[q1, q2 + 1)` in continuous coordinates, at least one pixel wide); the same
 * for y. That box is split into `outputSize` equal bins, each sampled at `samplingRatio²` bilinear
 * points placed like RoIAlign's (torchvision's border rule), and the points are maxed or averaged.
 * So it equals `roiAlign` with `aligned: true` and `spatialScale: 1` applied to the quantised box
 * `(q1, q2 + 1)`: unlike RoIAlign it loses the sub-pixel position of the RoI, unlike RoIPool it
 * interpolates instead of taking whole pixels. Gradient w.r.t. `features` by the same weights
 * (to the winning sample's 4 pixels for `'max'`). Needs {@link registerRoiOps}.
 *
 * @param features `[B,H,W,C]` float32 feature map.
 * @param rois `[R,5]` `(batchIndex, x1, y1, x2, y2)` in input-image pixels.
 * @returns `[R, outH, outW, C]`, RoIs in input order.
 */
export function roiWarp(features: Tensor4D, rois: Tensor2D, options: RoiWarpOptions): Tensor4D {
  checkFeatureTensor(features, 'features');
  checkRoiTensor(rois);
  const attrs = {
    outputSize: resolveOutputSize(options.outputSize),
    spatialScale: checkSpatialScale(options.spatialScale),
    samplingRatio: checkSamplingRatio(options.samplingRatio),
    aligned: true,
    aggregation: checkAggregation(options.aggregation),
  };
  ensureKernel(RoiWarpKernel);
  return tf.engine().runKernel(RoiWarpKernel, { features, rois }, attrs) as Tensor4D;
}
