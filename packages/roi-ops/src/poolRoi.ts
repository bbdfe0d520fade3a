import { maxOverPixels, maxOverSamples, weightedScatter, weightedSum } from './channelLoops';
import type { FeatureMap } from './featureMap';
import { bilinearAxisBox, bilinearAxisTaps, quantisedAxisBins } from './roiGeometry';
import type { RoiOpParams } from './roiOpParams';
import type { RoiScratch } from './roiScratch';

/** Per-axis bilinear sample taps of one RoI, plus the same taps merged per bin (for averaging). */
interface AxisPlan {
  grid: number;
  low: Int32Array;
  high: Int32Array;
  wLow: Float64Array;
  wHigh: Float64Array;
  /** Bin p's distinct pixels are `pix[binStart[p] .. binStart[p+1])` with summed weights `pixW`. */
  binStart: Int32Array;
  pix: Int32Array;
  pixW: Float64Array;
}

function planAxis(
  lo: number,
  hi: number,
  scale: number,
  bins: number,
  extent: number,
  p: RoiOpParams,
  s: RoiScratch,
  axis: string,
  merge: boolean,
): AxisPlan {
  const box = bilinearAxisBox(lo, hi, scale, bins, p);
  const n = bins * box.grid;
  const low = s.int32(`${axis}low`, n);
  const high = s.int32(`${axis}high`, n);
  const wLow = s.float64(`${axis}wLow`, n);
  const wHigh = s.float64(`${axis}wHigh`, n);
  bilinearAxisTaps(box, bins, extent, low, high, wLow, wHigh);
  const binStart = s.int32(`${axis}binStart`, bins + 1);
  const pix = s.int32(`${axis}pix`, 2 * n);
  const pixW = s.float64(`${axis}pixW`, 2 * n);
  if (merge) {
    // Weights are separable (w(y, x) = wy(y) · wx(x)), so summing each axis' weights per pixel
    // first turns a bin's 4·gh·gw taps into (distinct rows) × (distinct columns) taps.
    const dense = s.zeroedFloat64(`${axis}dense`, Math.max(extent, 1));
    let m = 0;
    for (let b = 0; b < bins; b++) {
      binStart[b] = m;
      let first = extent;
      let last = -1;
      for (let i = b * box.grid; i < (b + 1) * box.grid; i++) {
        if (wLow[i] !== 0) {
          dense[low[i]] += wLow[i];
          if (low[i] < first) first = low[i];
          if (low[i] > last) last = low[i];
        }
        if (wHigh[i] !== 0) {
          dense[high[i]] += wHigh[i];
          if (high[i] < first) first = high[i];
          if (high[i] > last) last = high[i];
        }
      }
      for (let q = first; q <= last; q++) {
        if (dense[q] !== 0) {
          pix[m] = q;
          pixW[m] = dense[q];
          m++;
          dense[q] = 0;
        }
      }
    }
    binStart[bins] = m;
  }
  return { grid: box.grid, low, high, wLow, wHigh, binStart, pix, pixW };
}

/** Offsets and weights of all taps of bin (ph, pw) when averaging; returns the tap count. */
function averageTaps(
  y: AxisPlan,
  x: AxisPlan,
  ph: number,
  pw: number,
  imageBase: number,
  W: number,
  C: number,
  norm: number,
  off: Int32Array,
  w: Float64Array,
): number {
  let n = 0;
  for (let i = y.binStart[ph]; i < y.binStart[ph + 1]; i++) {
    const rowBase = imageBase + y.pix[i] * W;
    const wy = y.pixW[i] * norm;
    for (let j = x.binStart[pw]; j < x.binStart[pw + 1]; j++) {
      off[n] = (rowBase + x.pix[j]) * C;
      w[n] = wy * x.pixW[j];
      n++;
    }
  }
  return n;
}

/** The 4 taps of every sample of bin (ph, pw), sample-major, for max aggregation; returns samples. */
function sampleTaps(
  y: AxisPlan,
  x: AxisPlan,
  ph: number,
  pw: number,
  imageBase: number,
  W: number,
  C: number,
  off: Int32Array,
  w: Float64Array,
): number {
  let k = 0;
  for (let iy = ph * y.grid; iy < (ph + 1) * y.grid; iy++) {
    const rl = imageBase + y.low[iy] * W;
    const rh = imageBase + y.high[iy] * W;
    for (let ix = pw * x.grid; ix < (pw + 1) * x.grid; ix++) {
      off[k] = (rl + x.low[ix]) * C;
      w[k++] = y.wLow[iy] * x.wLow[ix];
      off[k] = (rl + x.high[ix]) * C;
      w[k++] = y.wLow[iy] * x.wHigh[ix];
      off[k] = (rh + x.low[ix]) * C;
      w[k++] = y.wHigh[iy] * x.wLow[ix];
      off[k] = (rh + x.high[ix]) * C;
      w[k++] = y.wHigh[iy] * x.wHigh[ix];
    }
  }
  return k / 4;
}

/**
 * Forward (no `grad`): pool RoI `r` of the flat `[R,5]` table from `map` into `values`
 * (`[outH, outW, C]` starting at `base`). Backward (`grad` given, shaped like `map`): `values`
 * holds the output gradient in that layout, and it is scattered into `grad` with the same
 * weights; the max modes recompute the winning sample from `map.data`.
 */
export function poolRoi(
  map: FeatureMap,
  rois: ArrayLike<number>,
  r: number,
  scale: number,
  p: RoiOpParams,
  s: RoiScratch,
  values: Float32Array,
  base: number,
  grad?: Float32Array,
): void {
  const { height: H, width: W, channels: C } = map;
  const b = rois[r * 5];
  const x1 = rois[r * 5 + 1];
  const y1 = rois[r * 5 + 2];
  const x2 = rois[r * 5 + 3];
  const y2 = rois[r * 5 + 4];
  const imageBase = b * H * W;
  const f = map.data;
  const best = s.float64('best', C);
  const arg = s.int32('arg', C);

  if (p.kind === 'pool') {
    const hBegin = s.int32('hBegin', p.outputHeight);
    const hEnd = s.int32('hEnd', p.outputHeight);
    const wBegin = s.int32('wBegin', p.outputWidth);
    const wEnd = s.int32('wEnd', p.outputWidth);
    quantisedAxisBins(y1, y2, scale, p.outputHeight, H, hBegin, hEnd);
    quantisedAxisBins(x1, x2, scale, p.outputWidth, W, wBegin, wEnd);
    for (let ph = 0; ph < p.outputHeight; ph++) {
      for (let pw = 0; pw < p.outputWidth; pw++) {
        const o = base + (ph * p.outputWidth + pw) * C;
        const empty = hEnd[ph] <= hBegin[ph] || wEnd[pw] <= wBegin[pw];
        if (grad === undefined) {
          if (empty) {
            values.fill(0, o, o + C);
            continue;
          }
          maxOverPixels(f, hBegin[ph], hEnd[ph], wBegin[pw], wEnd[pw], imageBase, W, best, arg, C);
          for (let c = 0; c < C; c++) values[o + c] = best[c];
        } else if (!empty) {
          maxOverPixels(f, hBegin[ph], hEnd[ph], wBegin[pw], wEnd[pw], imageBase, W, best, arg, C);
          for (let c = 0; c < C; c++) if (arg[c] >= 0) grad[arg[c] + c] += values[o + c];
        }
      }
    }
    return;
  }

  const average = p.aggregation === 'avg';
  const y = planAxis(y1, y2, scale, p.outputHeight, H, p, s, 'y', average);
  const x = planAxis(x1, x2, scale, p.outputWidth, W, p, s, 'x', average);
  const maxTaps = average
    ? maxBinSize(y.binStart, p.outputHeight) * maxBinSize(x.binStart, p.outputWidth)
    : 4 * y.grid * x.grid;
  const off = s.int32('tapOff', maxTaps);
  const w = s.float64('tapW', maxTaps);
  const norm = 1 / Math.max(y.grid * x.grid, 1);
  for (let ph = 0; ph < p.outputHeight; ph++) {
    for (let pw = 0; pw < p.outputWidth; pw++) {
      const o = base + (ph * p.outputWidth + pw) * C;
      if (average) {
        const n = averageTaps(y, x, ph, pw, imageBase, W, C, norm, off, w);
        if (grad === undefined) {
          weightedSum(f, off, w, n, best, C);
          for (let c = 0; c < C; c++) values[o + c] = best[c];
        } else {
          weightedScatter(grad, off, w, n, values, o, C);
        }
        continue;
      }
      const n = sampleTaps(y, x, ph, pw, imageBase, W, C, off, w);
      if (n === 0) {
        if (grad === undefined) values.fill(0, o, o + C);
        continue;
      }
      maxOverSamples(f, off, w, n, best, arg, C);
      if (grad === undefined) {
        for (let c = 0; c < C; c++) values[o + c] = best[c];
      } else {
        for (let c = 0; c < C; c++) {
          const k = 4 * arg[c];
          const d = values[o + c];
          grad[off[k] + c] += w[k] * d;
          grad[off[k + 1] + c] += w[k + 1] * d;
          grad[off[k + 2] + c] += w[k + 2] * d;
          grad[off[k + 3] + c] += w[k + 3] * d;
        }
      }
    }
  }
}

function maxBinSize(binStart: Int32Array, bins: number): number {
  let m = 0;
  for (let b = 0; b < bins; b++) m = Math.max(m, binStart[b + 1] - binStart[b]);
  return m;
}
