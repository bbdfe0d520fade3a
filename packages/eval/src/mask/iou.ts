import { MaskInputError } from '../errors';
import { area } from './area';
import type { Rle } from './rle';
import { toBbox } from './toBbox';

/** A COCO box `[x, y, width, height]` in pixels. */
export type XywhBox = readonly [number, number, number, number] | readonly number[];

/**
 * IoU of every detection box with every ground-truth box, into `out[d * n + g]` (`m` detections,
 * `n` ground truths). Boxes are flat `[x, y, w, h]` quadruples. For a crowd ground truth the
 * union is the detection's area alone (maskApi.c's `bbIou`). Non-overlapping pairs get 0.
 */
export function bboxIouInto(
  dt: ArrayLike<number>,
  gt: ArrayLike<number>,
  iscrowd: ArrayLike<number | boolean> | null,
  out: Float64Array,
): void {
  const m = dt.length >> 2;
  const n = gt.length >> 2;
  for (let g = 0; g < n; g++) {
    const gx = gt[4 * g];
    const gy = gt[4 * g + 1];
    const gw = gt[4 * g + 2];
    const gh = gt[4 * g + 3];
    const ga = gw * gh;
    const crowd = iscrowd !== null && !!iscrowd[g];
    for (let d = 0; d < m; d++) {
      const dx = dt[4 * d];
      const dy = dt[4 * d + 1];
      const dw = dt[4 * d + 2];
      const dh = dt[4 * d + 3];
      const o = d * n + g;
      out[o] = 0;
      const iw = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (iw <= 0) continue;
      const ih = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
      if (ih <= 0) continue;
      const i = iw * ih;
      const da = dw * dh;
      out[o] = i / (crowd ? da : da + ga - i);
    }
  }
}

/**
 * Mask IoU of every detection RLE with every ground-truth RLE, into `out[d * n + g]`, exactly as
 * maskApi.c's `rleIou`: pairs whose boxes do not overlap get 0 without touching the runs, a size
 * mismatch gives -1, and for a crowd ground truth the union is the detection's area.
 *
 * @param dtBoxes optional precomputed {@link toBbox} of `dt` as flat `[x, y, w, h]` (saves work
 *   when the same detections are compared many times); likewise `gtBoxes`.
 */
export function rleIouInto(
  dt: readonly Rle[],
  gt: readonly Rle[],
  iscrowd: ArrayLike<number | boolean> | null,
  out: Float64Array,
  dtBoxes?: ArrayLike<number>,
  gtBoxes?: ArrayLike<number>,
): void {
  const m = dt.length;
  const n = gt.length;
  bboxIouInto(dtBoxes ?? boxesOf(dt), gtBoxes ?? boxesOf(gt), iscrowd, out);
  for (let g = 0; g < n; g++) {
    const G = gt[g];
    const crowd = iscrowd !== null && !!iscrowd[g];
    const gc = G.counts;
    const kb = gc.length;
    for (let d = 0; d < m; d++) {
      const o = d * n + g;
      if (!(out[o] > 0)) continue;
      const D = dt[d];
      if (D.h !== G.h || D.w !== G.w) {
        out[o] = -1;
        continue;
      }
      const dc = D.counts;
      const ka = dc.length;
      let ca = dc[0];
      let cb = gc[0];
      let va = 0;
      let vb = 0;
      let a = 1;
      let b = 1;
      let inter = 0;
      let uni = 0;
      let ct = 1;
      while (ct > 0) {
        const c = Math.min(ca, cb);
        if (va || vb) {
          uni += c;
          if (va && vb) inter += c;
        }
        ct = 0;
        ca -= c;
        if (!ca && a < ka) {
          ca = dc[a++];
          va ^= 1;
        }
        ct += ca;
        cb -= c;
        if (!cb && b < kb) {
          cb = gc[b++];
          vb ^= 1;
        }
        ct += cb;
      }
      if (inter === 0) uni = 1;
      else if (crowd) uni = area(D);
      out[o] = inter / uni;
    }
  }
}

function boxesOf(rles: readonly Rle[]): Float64Array {
  const out = new Float64Array(rles.length * 4);
  for (let i = 0; i < rles.length; i++) out.set(toBbox(rles[i]), 4 * i);
  return out;
}

function isRle(x: unknown): x is Rle {
  return typeof x === 'object' && x !== null && 'counts' in x && 'h' in x && 'w' in x;
}

/**
 * IoU between detections and ground truths, like `pycocotools.mask.iou(dt, gt, iscrowd)`: both
 * lists must be RLEs, or both `[x, y, w, h]` boxes. `iscrowd[g]` makes ground truth `g` a crowd
 * region (the union becomes the detection's area, so a detection inside a crowd scores 1).
 *
 * @returns `m` rows (one per detection), each a `Float64Array` of `n` IoUs; `[]` when either list
 *   is empty, as pycocotools returns.
 */
export function iou(
  dt: readonly Rle[] | readonly XywhBox[],
  gt: readonly Rle[] | readonly XywhBox[],
  iscrowd: ArrayLike<number | boolean>,
): Float64Array[] {
  const m = dt.length;
  const n = gt.length;
  if (m === 0 || n === 0) return [];
  if (iscrowd.length !== n) {
    throw new MaskInputError('iou(iscrowd)', `has ${iscrowd.length} flags for ${n} ground truths`);
  }
  const out = new Float64Array(m * n);
  const dtRle = dt.every(isRle);
  const gtRle = gt.every(isRle);
  if (dtRle && gtRle) {
    rleIouInto(dt as readonly Rle[], gt as readonly Rle[], iscrowd, out);
  } else if (!dtRle && !gtRle) {
    const flat = (boxes: readonly XywhBox[], name: string): Float64Array => {
      const f = new Float64Array(boxes.length * 4);
      boxes.forEach((b, i) => {
        if (b?.length !== 4) throw new MaskInputError(`iou(${name}[${i}])`, 'expected [x, y, w, h]');
        f.set(b as ArrayLike<number>, 4 * i);
      });
      return f;
    };
    bboxIouInto(flat(dt as readonly XywhBox[], 'dt'), flat(gt as readonly XywhBox[], 'gt'), iscrowd, out);
  } else {
    throw new MaskInputError('iou(dt, gt)', 'dt and gt must both be RLEs or both be [x, y, w, h] boxes');
  }
  const rows: Float64Array[] = [];
  for (let d = 0; d < m; d++) rows.push(out.slice(d * n, d * n + n));
  return rows;
}
