import { IGNORED, MATCHED } from './matchImage';

/** `np.spacing(1)`, added to precision denominators as pycocotools does. */
const EPS = 2.220446049250313e-16;

/** One category group's detections over all images, as {@link matchImage} flagged them. */
export interface CategoryDetections {
  /** Number of detections (each image's first `max(maxDets)` in score order, images in order). */
  n: number;
  score: Float64Array;
  /** Position of each detection in its image's score order. */
  rank: Int32Array;
  /** `[A, T, n]` flags ({@link MATCHED}, {@link IGNORED}). */
  flags: Uint8Array;
  /** Per area range, the ground truths that count. */
  npig: Float64Array;
}

/** Where {@link accumulateCategory} writes: COCOeval's `eval` arrays and their shape. */
export interface AccumulateTarget {
  precision: Float64Array;
  recall: Float64Array;
  scores: Float64Array;
  T: number;
  R: number;
  K: number;
  A: number;
  M: number;
}

/**
 * pycocotools' `accumulate` for category group `k`: for each area range, maxDets and threshold,
 * the detections of all images are ranked by score (stable: image order, then the image's own
 * order, as numpy's mergesort keeps them), cumulative TP/FP give precision and recall, precision
 * is made monotone, and read at the recall points (first index with recall >= the point; points
 * beyond the reached recall get 0). Cells of an area range with no counting ground truth stay -1.
 */
export function accumulateCategory(
  cat: CategoryDetections,
  k: number,
  iouThrsCount: number,
  recThrs: readonly number[],
  maxDets: readonly number[],
  out: AccumulateTarget,
): void {
  const { T, R, K, A, M } = out;
  const { n, score, rank, flags } = cat;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const sorted = Array.from(idx).sort((a, b) => {
    const sa = score[a];
    const sb = score[b];
    return sb > sa ? 1 : sb < sa ? -1 : a - b;
  });
  const sub = new Int32Array(n);
  const rc = new Float64Array(n);
  const pr = new Float64Array(n);
  for (let m = 0; m < M; m++) {
    const maxDet = maxDets[m];
    let nd = 0;
    for (let i = 0; i < n; i++) if (rank[sorted[i]] < maxDet) sub[nd++] = sorted[i];
    for (let a = 0; a < A; a++) {
      const npig = cat.npig[a];
      if (npig === 0) continue;
      for (let t = 0; t < iouThrsCount; t++) {
        const fo = (a * T + t) * n;
        let tp = 0;
        let fp = 0;
        for (let i = 0; i < nd; i++) {
          const f = flags[fo + sub[i]];
          if (!(f & IGNORED)) {
            if (f & MATCHED) tp++;
            else fp++;
          }
          rc[i] = tp / npig;
          pr[i] = tp / (fp + tp + EPS);
        }
        out.recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1] : 0;
        for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
        const cell = (r: number): number => (((t * R + r) * K + k) * A + a) * M + m;
        for (let r = 0; r < R; r++) {
          out.precision[cell(r)] = 0;
          out.scores[cell(r)] = 0;
        }
        for (let r = 0; r < R; r++) {
          // np.searchsorted(rc, recThr, side='left'): first i with rc[i] >= recThr.
          const x = recThrs[r];
          let lo = 0;
          let hi = nd;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (rc[mid] < x) lo = mid + 1;
            else hi = mid;
          }
          if (lo >= nd) break;
          out.precision[cell(r)] = pr[lo];
          out.scores[cell(r)] = score[sub[lo]];
        }
      }
    }
  }
}
