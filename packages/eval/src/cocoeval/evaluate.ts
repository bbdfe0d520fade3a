import { toBbox } from '../mask/toBbox';
import { type AccumulateTarget, accumulateCategory, type CategoryDetections } from './accumulate';
import { computeIou } from './computeIou';
import { computeOks } from './computeOks';
import { type ImageGroup, matchImage } from './matchImage';
import { prepare } from './prepare';
import { categoryAp, computeStats } from './summarize';
import type { CocoDataset, CocoEvalResult, CocoResult, EvaluateOptions } from './types';

/**
 * COCO evaluation, reproducing pycocotools' `COCOeval` (`evaluate()`, `accumulate()`,
 * `summarize()`) for `bbox`, `segm` and `keypoints`.
 *
 * @param groundTruth a COCO dataset (`images`, `annotations`, `categories`). Boxes are
 *   `[x, y, w, h]` pixels, `area` pixels², segmentations polygons or RLE, keypoints `[x, y, v] × K`.
 * @param detections a COCO results array, as torchvision's or detectron2's evaluators write it
 *   (`image_id`, `category_id`, `score` and `bbox`, `segmentation` or `keypoints`). An empty array
 *   scores 0 wherever there is ground truth (pycocotools cannot load an empty one).
 * @param options `iouType` and any `Params` overrides (image/category subsets, thresholds,
 *   recall points, maxDets, area ranges, `useCats`, OKS sigmas).
 * @returns `stats` in `COCOeval.stats` order, per-category AP, and the `precision`
 *   `[T, R, K, A, M]`, `recall` `[T, K, A, M]` and `scores` arrays with -1 where pycocotools has -1.
 * @throws CocoEvalError naming the dataset field, result or option at fault.
 * @throws MaskInputError for a malformed segmentation.
 */
export function evaluate(
  groundTruth: CocoDataset,
  detections: readonly CocoResult[],
  options: EvaluateOptions,
): CocoEvalResult {
  const prep = prepare(groundTruth, detections, options);
  const { params, gt, dt, iouType } = prep;
  const segm = iouType === 'segm';
  const T = params.iouThrs.length;
  const R = params.recThrs.length;
  const K = prep.numGroups;
  const A = params.areaRng.length;
  const M = params.maxDets.length;
  const maxDetMax = params.maxDets[M - 1];
  const numImgs = params.imgIds.length;
  const numCats = params.catIds.length;
  const out: AccumulateTarget = {
    precision: new Float64Array(T * R * K * A * M).fill(-1),
    recall: new Float64Array(T * K * A * M).fill(-1),
    scores: new Float64Array(T * R * K * A * M).fill(-1),
    T,
    R,
    K,
    A,
    M,
  };
  const boxesOf = (rles: typeof gt.rle): Float64Array => {
    const b = new Float64Array(4 * rles.length);
    for (let i = 0; i < rles.length; i++) b.set(toBbox(rles[i]), 4 * i);
    return b;
  };
  const gtBoxes = segm ? boxesOf(gt.rle) : null;
  const dtBoxes = segm ? boxesOf(dt.rle) : null;
  // pycocotools' computeOks always reads per-category groups, so pooled keypoints never match.
  const noSimilarity = iouType === 'keypoints' && !params.useCats;

  for (let k = 0; k < K; k++) {
    const groupOf = (img: number): number => (params.useCats ? img * numCats + k : img);
    let n = 0;
    for (let img = 0; img < numImgs; img++) {
      const g = groupOf(img);
      n += Math.min(dt.start[g + 1] - dt.start[g], maxDetMax);
    }
    const cat: CategoryDetections = {
      n,
      score: new Float64Array(n),
      rank: new Int32Array(n),
      flags: new Uint8Array(A * T * n),
      npig: new Float64Array(A),
    };
    let base = 0;
    for (let img = 0; img < numImgs; img++) {
      const g = groupOf(img);
      const gts = gt.index.subarray(gt.start[g], gt.start[g + 1]);
      const all = Array.from(dt.index.subarray(dt.start[g], dt.start[g + 1]));
      const G = gts.length;
      if (G === 0 && all.length === 0) continue;
      // Stable sort by descending score, like np.argsort(-score, kind='mergesort').
      all.sort((a, b) => {
        const sa = dt.score[a];
        const sb = dt.score[b];
        return sb > sa ? 1 : sb < sa ? -1 : 0;
      });
      const dts = Int32Array.from(all.length > maxDetMax ? all.slice(0, maxDetMax) : all);
      const D = dts.length;
      let ious: Float64Array | null = null;
      if (D > 0 && G > 0 && !noSimilarity) {
        ious = new Float64Array(D * G);
        if (iouType === 'keypoints') computeOks(params.kptOksSigmas, dt, dts, gt, gts, ious);
        else computeIou(segm, dt, dts, gt, gts, dtBoxes, gtBoxes, ious);
      }
      const grp: ImageGroup = {
        dtArea: new Float64Array(D),
        dtId: new Float64Array(D),
        gtArea: new Float64Array(G),
        gtId: new Float64Array(G),
        gtCrowd: new Uint8Array(G),
        gtIgnore: new Uint8Array(G),
        ious,
      };
      for (let d = 0; d < D; d++) {
        grp.dtArea[d] = dt.area[dts[d]];
        grp.dtId[d] = dt.id[dts[d]];
        cat.score[base + d] = dt.score[dts[d]];
        cat.rank[base + d] = d;
      }
      for (let j = 0; j < G; j++) {
        grp.gtArea[j] = gt.area[gts[j]];
        grp.gtId[j] = gt.id[gts[j]];
        grp.gtCrowd[j] = gt.crowd[gts[j]];
        grp.gtIgnore[j] = gt.ignore[gts[j]];
      }
      for (let a = 0; a < A; a++) {
        const [lo, hi] = params.areaRng[a];
        cat.npig[a] += matchImage(grp, lo, hi, params.iouThrs, cat.flags, a * T * n + base, n);
      }
      base += D;
    }
    accumulateCategory(cat, k, T, params.recThrs, params.maxDets, out);
  }

  const counts: CocoEvalResult['counts'] = [T, R, K, A, M];
  const cats = new Map(groundTruth.categories.map((c) => [c.id, c.name]));
  const groupIds = params.useCats ? params.catIds : [-1];
  return {
    iouType,
    params,
    stats: computeStats(iouType, params, counts, out.precision, out.recall),
    perCategoryAp: groupIds.map((id, k) => {
      const entry = { categoryId: id, ap: categoryAp(counts, out.precision, k) };
      const name = cats.get(id);
      return name === undefined ? entry : { ...entry, name };
    }),
    counts,
    precision: out.precision,
    recall: out.recall,
    scores: out.scores,
  };
}
