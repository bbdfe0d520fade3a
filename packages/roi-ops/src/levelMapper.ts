const f32 = Math.fround;

/** Settings of the FPN level mapper (Feature Pyramid Networks, eq. 1; torchvision `LevelMapper`). */
export interface LevelMapperOptions {
  /** Pyramid level of the first (finest) feature map, `log2(stride)`: 2 for P2 (stride 4). */
  minLevel: number;
  /** Pyramid level of the last (coarsest) feature map: 5 for P5 (stride 32). */
  maxLevel: number;
  /** RoI side, in input pixels, that maps to `canonicalLevel`. Default 224 (ImageNet size). */
  canonicalScale?: number;
  /** Level a `canonicalScale`-sized RoI is pooled from. Default 4. */
  canonicalLevel?: number;
  /** Added before the floor so that exact powers of two land on their level. Default 1e-6. */
  eps?: number;
}

/**
 * Assign each RoI of a flat `[R,5]` table `(batchIndex, x1, y1, x2, y2)` (input pixels) to a
 * pyramid level: `floor(canonicalLevel + log2(sqrt(area) / canonicalScale) + eps)` clamped to
 * `[minLevel, maxLevel]`, with `area = (x2 - x1) · (y2 - y1)`. Computed in float32 steps like
 * torchvision so that RoIs on a level boundary go the same way. A RoI with a negative area (one
 * side reversed) goes to `minLevel`.
 *
 * @returns for each RoI, its level minus `minLevel` (an index into the feature list).
 */
export function assignFpnLevels(rois: ArrayLike<number>, options: LevelMapperOptions): Int32Array {
  const { minLevel, maxLevel } = options;
  const s0 = options.canonicalScale ?? 224;
  const l0 = options.canonicalLevel ?? 4;
  const eps = f32(options.eps ?? 1e-6);
  const count = Math.floor(rois.length / 5);
  const levels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const w = f32(rois[r * 5 + 3] - rois[r * 5 + 1]);
    const h = f32(rois[r * 5 + 4] - rois[r * 5 + 2]);
    const side = f32(Math.sqrt(f32(w * h)));
    const raw = Math.floor(f32(f32(l0 + f32(Math.log2(f32(side / s0)))) + eps));
    const level = Number.isNaN(raw) ? minLevel : Math.min(Math.max(raw, minLevel), maxLevel);
    levels[r] = level - minLevel;
  }
  return levels;
}
