// Float64 plain-loop references of the RoI ops, written straight from their definitions (one
// sample at a time, no precomputation), to check the kernels against.

export interface RefFeatures {
  data: Float64Array;
  shape: [number, number, number, number];
}

export interface RefOptions {
  outputSize: [number, number];
  spatialScale: number;
  samplingRatio?: number;
  aligned?: boolean;
  aggregation?: 'avg' | 'max';
}

/** torchvision's bilinear read with its border rule, one channel. */
function bilinear(f: RefFeatures, b: number, y: number, x: number, c: number): number {
  const [, H, W, C] = f.shape;
  if (y < -1 || y > H || x < -1 || x > W) return 0;
  if (y <= 0) y = 0;
  if (x <= 0) x = 0;
  let y0 = Math.floor(y);
  let x0 = Math.floor(x);
  let y1: number;
  let x1: number;
  if (y0 >= H - 1) {
    y0 = y1 = H - 1;
    y = y0;
  } else y1 = y0 + 1;
  if (x0 >= W - 1) {
    x0 = x1 = W - 1;
    x = x0;
  } else x1 = x0 + 1;
  const ly = y - y0;
  const lx = x - x0;
  const at = (yy: number, xx: number) => f.data[((b * H + yy) * W + xx) * C + c];
  return (
    (1 - ly) * (1 - lx) * at(y0, x0) +
    (1 - ly) * lx * at(y0, x1) +
    ly * (1 - lx) * at(y1, x0) +
    ly * lx * at(y1, x1)
  );
}

/** Bilinear bin pooling of boxes given in feature index coordinates (start, size per axis). */
function bilinearPool(
  f: RefFeatures,
  boxes: Array<{ b: number; sx: number; sy: number; w: number; h: number }>,
  o: RefOptions,
): Float64Array {
  const [oh, ow] = o.outputSize;
  const C = f.shape[3];
  const out = new Float64Array(boxes.length * oh * ow * C);
  const sr = o.samplingRatio ?? -1;
  boxes.forEach(({ b, sx, sy, w, h }, r) => {
    const bh = h / oh;
    const bw = w / ow;
    const gh = Math.max(sr > 0 ? sr : Math.ceil(h / oh), 0);
    const gw = Math.max(sr > 0 ? sr : Math.ceil(w / ow), 0);
    for (let ph = 0; ph < oh; ph++) {
      for (let pw = 0; pw < ow; pw++) {
        for (let c = 0; c < C; c++) {
          let sum = 0;
          let max = -Infinity;
          for (let iy = 0; iy < gh; iy++) {
            for (let ix = 0; ix < gw; ix++) {
              const y = sy + ph * bh + ((iy + 0.5) * bh) / gh;
              const x = sx + pw * bw + ((ix + 0.5) * bw) / gw;
              const v = bilinear(f, b, y, x, c);
              sum += v;
              max = Math.max(max, v);
            }
          }
          const idx = ((r * oh + ph) * ow + pw) * C + c;
          if (o.aggregation === 'max') out[idx] = gh * gw > 0 ? max : 0;
          else out[idx] = sum / Math.max(gh * gw, 1);
        }
      }
    }
  });
  return out;
}

function rows(rois: ArrayLike<number>): number[][] {
  const out: number[][] = [];
  for (let i = 0; i + 4 < rois.length; i += 5) out.push(Array.from({ length: 5 }, (_, k) => rois[i + k]));
  return out;
}

/** RoIAlign: torchvision `roi_align` for 'avg', the max of the same samples for 'max'. */
export function refRoiAlign(f: RefFeatures, rois: ArrayLike<number>, o: RefOptions): Float64Array {
  const off = o.aligned ? 0.5 : 0;
  const boxes = rows(rois).map(([b, x1, y1, x2, y2]) => {
    const sx = x1 * o.spatialScale - off;
    const sy = y1 * o.spatialScale - off;
    let w = x2 * o.spatialScale - off - sx;
    let h = y2 * o.spatialScale - off - sy;
    if (!o.aligned) {
      w = Math.max(w, 1);
      h = Math.max(h, 1);
    }
    return { b, sx, sy, w, h };
  });
  return bilinearPool(f, boxes, o);
}

const roundAway = (v: number) => Math.sign(v) * Math.round(Math.abs(v));

/** RoIWarp: the RoIPool-quantised box [q1, q2 + 1) sampled like aligned RoIAlign. */
export function refRoiWarp(f: RefFeatures, rois: ArrayLike<number>, o: RefOptions): Float64Array {
  const boxes = rows(rois).map(([b, x1, y1, x2, y2]) => {
    const qx1 = roundAway(x1 * o.spatialScale);
    const qy1 = roundAway(y1 * o.spatialScale);
    const w = Math.max(roundAway(x2 * o.spatialScale) - qx1 + 1, 1);
    const h = Math.max(roundAway(y2 * o.spatialScale) - qy1 + 1, 1);
    return { b, sx: qx1 - 0.5, sy: qy1 - 0.5, w, h };
  });
  return bilinearPool(f, boxes, o);
}

/** RoIPool: torchvision `roi_pool`. */
export function refRoiPool(f: RefFeatures, rois: ArrayLike<number>, o: RefOptions): Float64Array {
  const [oh, ow] = o.outputSize;
  const [, H, W, C] = f.shape;
  const all = rows(rois);
  const out = new Float64Array(all.length * oh * ow * C);
  all.forEach(([b, x1, y1, x2, y2], r) => {
    const sx = roundAway(x1 * o.spatialScale);
    const sy = roundAway(y1 * o.spatialScale);
    const w = Math.max(roundAway(x2 * o.spatialScale) - sx + 1, 1);
    const h = Math.max(roundAway(y2 * o.spatialScale) - sy + 1, 1);
    const clip = (v: number, n: number) => Math.min(Math.max(v, 0), n);
    for (let ph = 0; ph < oh; ph++) {
      const hs = clip(Math.floor((ph * h) / oh) + sy, H);
      const he = clip(Math.ceil(((ph + 1) * h) / oh) + sy, H);
      for (let pw = 0; pw < ow; pw++) {
        const ws = clip(Math.floor((pw * w) / ow) + sx, W);
        const we = clip(Math.ceil(((pw + 1) * w) / ow) + sx, W);
        for (let c = 0; c < C; c++) {
          let m = hs < he && ws < we ? -Infinity : 0;
          for (let y = hs; y < he; y++) {
            for (let x = ws; x < we; x++) m = Math.max(m, f.data[((b * H + y) * W + x) * C + c]);
          }
          out[((r * oh + ph) * ow + pw) * C + c] = m;
        }
      }
    }
  });
  return out;
}

/** FPN level of each RoI: floor(4 + log2(sqrt(area) / s0) + 1e-6) clamped, minus minLevel. */
export function refLevels(rois: ArrayLike<number>, minLevel: number, maxLevel: number, s0 = 224): number[] {
  return rows(rois).map(([, x1, y1, x2, y2]) => {
    const s = Math.sqrt((x2 - x1) * (y2 - y1));
    const k = Math.floor(4 + Math.log2(s / s0) + 1e-6);
    return Math.min(Math.max(Number.isNaN(k) ? minLevel : k, minLevel), maxLevel) - minLevel;
  });
}
