/** Bit set in a detection's flags when it matched a ground truth (with a non-zero id). */
export const MATCHED = 1;
/** Bit set in a detection's flags when it is ignored (matched an ignored ground truth, or out of the area range unmatched). */
export const IGNORED = 2;

/** One (image, category group)'s detections and ground truths, ready for matching. */
export interface ImageGroup {
  /** Detections in evaluation order: area (pixels²) and id (`results index + 1`). */
  dtArea: Float64Array;
  dtId: Float64Array;
  /** Ground truths in dataset order: area, id, crowd and ignore flags. */
  gtArea: Float64Array;
  gtId: Float64Array;
  gtCrowd: Uint8Array;
  gtIgnore: Uint8Array;
  /** `[D, G]` IoU/OKS, or null when pycocotools has none (no detection or no ground truth). */
  ious: Float64Array | null;
}

/**
 * pycocotools' `evaluateImg` for one area range: greedy matching of detections (best score
 * first) to ground truths at every threshold, exactly as COCOeval does it: non-ignored ground
 * truths are tried before ignored ones, a matched non-crowd ground truth is not reused, crowds
 * can match many detections, and among equal IoUs the later ground truth wins.
 *
 * @param thresholds IoU/OKS thresholds (`params.iouThrs`).
 * @param flags receives, for threshold `t` and detection `d`, {@link MATCHED} | {@link IGNORED}
 *   at `flags[offset + t * stride + d]`.
 * @returns the number of ground truths that count (not ignored, inside the area range).
 */
export function matchImage(
  grp: ImageGroup,
  areaLo: number,
  areaHi: number,
  thresholds: readonly number[],
  flags: Uint8Array,
  offset: number,
  stride: number,
): number {
  const D = grp.dtArea.length;
  const G = grp.gtArea.length;
  // Stable sort of ground truths by their ignore flag: the ones that count first.
  const order = new Int32Array(G);
  const ig = new Uint8Array(G);
  let npig = 0;
  for (let j = 0; j < G; j++) {
    const a = grp.gtArea[j];
    ig[j] = grp.gtIgnore[j] || a < areaLo || a > areaHi ? 1 : 0;
    if (!ig[j]) order[npig++] = j;
  }
  for (let j = 0, q = npig; j < G; j++) if (ig[j]) order[q++] = j;
  const sIg = new Uint8Array(G);
  const sCrowd = new Uint8Array(G);
  const sId = new Float64Array(G);
  for (let q = 0; q < G; q++) {
    sIg[q] = ig[order[q]];
    sCrowd[q] = grp.gtCrowd[order[q]];
    sId[q] = grp.gtId[order[q]];
  }
  const used = new Uint8Array(G);
  const ious = grp.ious;
  for (let t = 0; t < thresholds.length; t++) {
    used.fill(0);
    const base = offset + t * stride;
    const thr0 = Math.min(thresholds[t], 1 - 1e-10);
    for (let d = 0; d < D; d++) {
      let f = 0;
      let matchedId = 0;
      if (ious !== null) {
        let best = thr0;
        let m = -1;
        const row = d * G;
        for (let q = 0; q < G; q++) {
          if (used[q] && !sCrowd[q]) continue;
          if (m > -1 && sIg[m] === 0 && sIg[q] === 1) break;
          const v = ious[row + order[q]];
          if (v < best) continue;
          best = v;
          m = q;
        }
        if (m > -1) {
          if (sIg[m]) f |= IGNORED;
          matchedId = sId[m];
          used[m] = 1;
        }
      }
      // pycocotools stores the matched ground truth's id and tests it for truth: id 0 counts as
      // unmatched.
      if (matchedId !== 0) f |= MATCHED;
      else {
        const a = grp.dtArea[d];
        if (a < areaLo || a > areaHi) f |= IGNORED;
      }
      flags[base + d] = f;
    }
  }
  return npig;
}
