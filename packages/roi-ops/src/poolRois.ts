import type { FeatureMap } from './featureMap';
import { poolRoi } from './poolRoi';
import type { RoiOpParams } from './roiOpParams';
import { RoiScratch } from './roiScratch';

/**
 * Forward pass over all RoIs: RoI r is pooled from `maps[levels[r]]` at `scales[levels[r]]` into
 * `out` `[R, outH, outW, C]` (input order kept).
 */
export function poolRoisForward(
  maps: FeatureMap[],
  scales: number[],
  levels: Int32Array | null,
  rois: ArrayLike<number>,
  p: RoiOpParams,
  out: Float32Array,
): void {
  const s = new RoiScratch();
  const count = Math.floor(rois.length / 5);
  const stride = p.outputHeight * p.outputWidth * (maps[0]?.channels ?? 0);
  for (let r = 0; r < count; r++) {
    const l = levels === null ? 0 : levels[r];
    poolRoi(maps[l], rois, r, scales[l], p, s, out, r * stride);
  }
}

/**
 * Backward pass for one feature map: the gradient of every RoI assigned to `level` (all RoIs when
 * `levels` is null) is scattered into `grad`, which must be zeroed and shaped like `map`.
 */
export function poolRoisBackward(
  map: FeatureMap,
  scale: number,
  levels: Int32Array | null,
  level: number,
  rois: ArrayLike<number>,
  p: RoiOpParams,
  dy: Float32Array,
  grad: Float32Array,
): void {
  const s = new RoiScratch();
  const count = Math.floor(rois.length / 5);
  const stride = p.outputHeight * p.outputWidth * map.channels;
  for (let r = 0; r < count; r++) {
    if (levels !== null && levels[r] !== level) continue;
    poolRoi(map, rois, r, scale, p, s, dy, r * stride, grad);
  }
}
