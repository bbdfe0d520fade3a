import type { RoiOpParams } from './roiOpParams';

const f32 = Math.fround;

/** Round half away from zero (C's `round`), the quantisation rule of torchvision's `roi_pool`. */
export function roundHalfAwayFromZero(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/**
 * A RoI's sampling box on one axis of the feature map, in feature-pixel index coordinates (the
 * centre of pixel i is at i): bins start at `start` and are `binSize` wide, each sampled at `grid`
 * points. `grid` is 0 when the box is empty (no sample points).
 */
export interface AxisBox {
  start: number;
  binSize: number;
  grid: number;
}

/**
 * The bilinear sampling box of one RoI axis for `'align'` (torchvision `roi_align`) and `'warp'`.
 * Arithmetic is rounded to float32 step by step as torchvision's float kernel does, so the
 * adaptive grid `ceil(size / bins)` flips at exactly the same RoI sizes.
 *
 * `'warp'` first quantises the ends like RoIPool (`round` half away from zero, inclusive end
 * pixel, width at least 1) and then samples that whole-pixel box `[q1, q2 + 1)` exactly as
 * `'align'` with `aligned: true` would.
 */
export function bilinearAxisBox(
  lo: number,
  hi: number,
  scale: number,
  bins: number,
  p: RoiOpParams,
): AxisBox {
  let start: number;
  let size: number;
  if (p.kind === 'warp') {
    const q1 = roundHalfAwayFromZero(f32(lo * scale));
    const q2 = roundHalfAwayFromZero(f32(hi * scale));
    start = q1 - 0.5;
    size = Math.max(q2 - q1 + 1, 1);
  } else {
    const offset = p.aligned ? 0.5 : 0;
    start = f32(f32(lo * scale) - offset);
    const end = f32(f32(hi * scale) - offset);
    size = f32(end - start);
    if (!p.aligned) size = Math.max(size, 1);
  }
  const binSize = f32(size / bins);
  const grid = p.samplingRatio > 0 ? p.samplingRatio : Math.ceil(binSize);
  return { start, binSize, grid: Math.max(grid, 0) };
}

/** Whole-pixel bin bounds of one RoIPool axis: bin p covers `[begin[p], end[p])`, clipped to the map. */
export function quantisedAxisBins(
  lo: number,
  hi: number,
  scale: number,
  bins: number,
  extent: number,
  begin: Int32Array,
  end: Int32Array,
): void {
  const q1 = roundHalfAwayFromZero(f32(lo * scale));
  const q2 = roundHalfAwayFromZero(f32(hi * scale));
  const size = Math.max(q2 - q1 + 1, 1);
  // torchvision divides and multiplies in float32; rounding each step keeps the same bin edges.
  const binSize = f32(size / bins);
  for (let b = 0; b < bins; b++) {
    const s = Math.floor(f32(b * binSize)) + q1;
    const e = Math.ceil(f32((b + 1) * binSize)) + q1;
    begin[b] = Math.min(Math.max(s, 0), extent);
    end[b] = Math.min(Math.max(e, 0), extent);
  }
}

/**
 * Bilinear taps of every sample point along one axis: sample i of bin p reads pixels `low` and
 * `high` with weights `wLow`, `wHigh` (index `p * grid + i`). torchvision's border rule: a sample
 * more than one pixel outside the map (`< -1` or `> extent`) gets zero weights; one inside that
 * margin is clamped onto the border pixel.
 */
export function bilinearAxisTaps(
  box: AxisBox,
  bins: number,
  extent: number,
  low: Int32Array,
  high: Int32Array,
  wLow: Float64Array,
  wHigh: Float64Array,
): void {
  const { start, binSize, grid } = box;
  for (let p = 0; p < bins; p++) {
    const binStart = f32(start + f32(p * binSize));
    for (let i = 0; i < grid; i++) {
      const k = p * grid + i;
      // Same association as torchvision: start + p*bin + (i + 0.5)*bin/grid, each step in float32.
      let v = f32(binStart + f32(f32((i + 0.5) * binSize) / grid));
      if (extent <= 0 || v < -1 || v > extent) {
        low[k] = 0;
        high[k] = 0;
        wLow[k] = 0;
        wHigh[k] = 0;
        continue;
      }
      if (v <= 0) v = 0;
      let l = Math.trunc(v);
      let h: number;
      if (l >= extent - 1) {
        l = extent - 1;
        h = l;
        v = l;
      } else {
        h = l + 1;
      }
      const frac = f32(v - l);
      low[k] = l;
      high[k] = h;
      wLow[k] = f32(1 - frac);
      wHigh[k] = frac;
    }
  }
}
