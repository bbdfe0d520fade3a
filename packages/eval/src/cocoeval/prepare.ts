import { CocoEvalError } from '../errors';
import { annToRle } from '../mask/annToRle';
import { area as rleArea } from '../mask/area';
import type { Rle } from '../mask/rle';
import { toBbox } from '../mask/toBbox';
import { defaultParams } from './params';
import type { CocoDataset, CocoResult, EvalParams, EvaluateOptions, IouType } from './types';

/**
 * Annotations (ground truths or detections) of the evaluated images and categories, as flat
 * arrays, grouped by (image, category) in compressed-row form: group `g`'s members are
 * `index[start[g] .. start[g + 1])`, in the order pycocotools visits them.
 */
export interface AnnotationTable {
  /** `id` field (ground truth) or `results index + 1` (detections, as `loadRes` numbers them). */
  id: Float64Array;
  /** Area in pixels² used for the area ranges. */
  area: Float64Array;
  /** Detection score (detections only). */
  score: Float64Array;
  /** `iscrowd` (ground truth only). */
  crowd: Uint8Array;
  /** pycocotools' `ignore` (ground truth only): crowd, or no labelled keypoint for keypoints. */
  ignore: Uint8Array;
  /** `[x, y, w, h]` per annotation (bbox and keypoints evaluation). */
  box: Float64Array;
  /** Masks (segm evaluation). */
  rle: Rle[];
  /** `[x, y, v] × K` per annotation (keypoints evaluation). */
  keypoints: Float64Array;
  start: Int32Array;
  index: Int32Array;
}

/** Validated inputs of one evaluation, ready for matching. */
export interface PreparedEvaluation {
  iouType: IouType;
  params: EvalParams;
  /** Number of category groups: `params.catIds.length`, or 1 when categories are pooled. */
  numGroups: number;
  gt: AnnotationTable;
  dt: AnnotationTable;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);

function sortedUnique(ids: number[], culprit: string): number[] {
  for (const v of ids)
    if (!isNum(v)) throw new CocoEvalError(culprit, `expected numeric ids, got ${JSON.stringify(v)}`);
  return [...new Set(ids)].sort((a, b) => a - b);
}

function numberList(v: unknown, len: number, culprit: string): number[] {
  if (!Array.isArray(v) || v.length !== len || !v.every(isNum)) {
    throw new CocoEvalError(culprit, `expected ${len} numbers, got ${JSON.stringify(v)?.slice(0, 80)}`);
  }
  return v;
}

function resolveParams(gt: CocoDataset, options: EvaluateOptions): EvalParams {
  const { iouType } = options;
  if (iouType !== 'bbox' && iouType !== 'segm' && iouType !== 'keypoints') {
    throw new CocoEvalError(
      'options.iouType',
      `must be 'bbox', 'segm' or 'keypoints', got ${JSON.stringify(iouType)}`,
    );
  }
  const p = defaultParams(iouType);
  const merged: EvalParams = {
    imgIds: options.imgIds ?? gt.images.map((im) => im.id),
    catIds: options.catIds ?? gt.categories.map((c) => c.id),
    iouThrs: options.iouThrs ?? p.iouThrs,
    recThrs: options.recThrs ?? p.recThrs,
    maxDets: options.maxDets ?? p.maxDets,
    areaRng: options.areaRng ?? p.areaRng,
    areaRngLbl: options.areaRngLbl ?? p.areaRngLbl,
    useCats: options.useCats ?? p.useCats,
    kptOksSigmas: options.kptOksSigmas ?? p.kptOksSigmas,
  };
  merged.imgIds = sortedUnique(merged.imgIds, 'options.imgIds');
  merged.catIds = sortedUnique(merged.catIds, 'options.catIds');
  for (const key of ['iouThrs', 'recThrs', 'maxDets', 'kptOksSigmas'] as const) {
    if (!Array.isArray(merged[key]) || !merged[key].every(isNum)) {
      throw new CocoEvalError(`options.${key}`, 'expected an array of numbers');
    }
  }
  merged.maxDets = [...merged.maxDets].sort((a, b) => a - b);
  if (merged.maxDets.length === 0) throw new CocoEvalError('options.maxDets', 'needs at least one value');
  if (merged.areaRng.length !== merged.areaRngLbl.length) {
    throw new CocoEvalError(
      'options.areaRng',
      `has ${merged.areaRng.length} ranges for ${merged.areaRngLbl.length} labels`,
    );
  }
  merged.areaRng.forEach((r, i) => {
    numberList(r, 2, `options.areaRng[${i}]`);
  });
  return merged;
}

interface Draft {
  key: Int32Array;
  n: number;
}

/** Counting sort of members by (image, category) group keys, stable in input order. */
function groupIndex(draft: Draft, numKeys: number): { start: Int32Array; index: Int32Array } {
  const start = new Int32Array(numKeys + 1);
  for (let i = 0; i < draft.n; i++) start[draft.key[i] + 1]++;
  for (let g = 0; g < numKeys; g++) start[g + 1] += start[g];
  const fill = start.slice(0, numKeys);
  const index = new Int32Array(draft.n);
  for (let i = 0; i < draft.n; i++) index[fill[draft.key[i]]++] = i;
  return { start, index };
}

function emptyTable(n: number, iouType: IouType, numKpts: number): Omit<AnnotationTable, 'start' | 'index'> {
  return {
    id: new Float64Array(n),
    area: new Float64Array(n),
    score: new Float64Array(n),
    crowd: new Uint8Array(n),
    ignore: new Uint8Array(n),
    box: new Float64Array(iouType === 'segm' ? 0 : 4 * n),
    rle: [],
    keypoints: new Float64Array(iouType === 'keypoints' ? 3 * numKpts * n : 0),
  };
}

/** Which `loadRes` branch a results array takes: decided by its first entry, as in pycocotools. */
type ResultKind = 'bbox' | 'segm' | 'keypoints';

function resultKind(first: CocoResult): ResultKind {
  if ('bbox' in first && !(Array.isArray(first.bbox) && first.bbox.length === 0)) return 'bbox';
  if ('segmentation' in first) return 'segm';
  if ('keypoints' in first) return 'keypoints';
  throw new CocoEvalError('detections[0]', 'has none of bbox, segmentation, keypoints');
}

/**
 * Validate a ground-truth dataset and a results array and lay them out for evaluation, following
 * pycocotools' `COCO.loadRes` and `COCOeval._prepare`:
 * - a result on an image the ground truth lacks is an error (pycocotools asserts);
 * - results and ground truths outside `params.imgIds`/`params.catIds` are dropped;
 * - the `loadRes` branch (and so how a detection's area is computed) is chosen by the first
 *   result: with a `bbox` its area is `w * h`, else with a `segmentation` the mask area, else the
 *   extent of its keypoints;
 * - a ground truth is ignored when crowd (its own `ignore` field is overridden, as in
 *   pycocotools), and for keypoints also when `num_keypoints` is 0.
 */
export function prepare(
  gt: CocoDataset,
  detections: readonly CocoResult[],
  options: EvaluateOptions,
): PreparedEvaluation {
  if (!gt || !Array.isArray(gt.images) || !Array.isArray(gt.annotations) || !Array.isArray(gt.categories)) {
    throw new CocoEvalError(
      'groundTruth',
      'expected a COCO dataset with images, annotations and categories arrays',
    );
  }
  if (!Array.isArray(detections)) throw new CocoEvalError('detections', 'expected a COCO results array');
  const params = resolveParams(gt, options);
  const { iouType } = options;
  const numKpts = params.kptOksSigmas.length;

  const images = new Map<number, { h: number; w: number; idx: number }>();
  gt.images.forEach((im, i) => {
    if (!im || !isNum(im.id)) throw new CocoEvalError(`groundTruth.images[${i}].id`, 'expected a number');
    images.set(im.id, { h: im.height ?? Number.NaN, w: im.width ?? Number.NaN, idx: -1 });
  });
  params.imgIds.forEach((id, i) => {
    const im = images.get(id);
    if (im) im.idx = i;
  });
  const catIdx = new Map<number, number>();
  params.catIds.forEach((id, i) => {
    catIdx.set(id, i);
  });
  const numCats = params.catIds.length;
  const numImgs = params.imgIds.length;
  const numKeys = numImgs * numCats;
  const numGroups = params.useCats ? numCats : 1;

  const imageSize = (imageId: number, culprit: string): [number, number] => {
    const im = images.get(imageId)!;
    if (!Number.isInteger(im.h) || !Number.isInteger(im.w)) {
      throw new CocoEvalError(
        culprit,
        `image ${imageId} needs integer height and width to rasterise polygons`,
      );
    }
    return [im.h, im.w];
  };

  // Ground truth.
  const gtSel: number[] = [];
  const gtKeys: number[] = [];
  gt.annotations.forEach((a, i) => {
    if (!a || !isNum(a.image_id) || !isNum(a.category_id)) {
      throw new CocoEvalError(`groundTruth.annotations[${i}]`, 'needs numeric image_id and category_id');
    }
    const im = images.get(a.image_id);
    const c = catIdx.get(a.category_id);
    if (!im || im.idx < 0 || c === undefined) return;
    gtSel.push(i);
    gtKeys.push(im.idx * numCats + c);
  });
  const g = emptyTable(gtSel.length, iouType, numKpts);
  gtSel.forEach((src, j) => {
    const a = gt.annotations[src];
    const at = `groundTruth.annotations[${src}] (id ${a.id})`;
    if (!isNum(a.id)) throw new CocoEvalError(`groundTruth.annotations[${src}].id`, 'expected a number');
    if (!isNum(a.area)) throw new CocoEvalError(`${at}.area`, 'expected a number');
    g.id[j] = a.id;
    g.area[j] = a.area;
    g.crowd[j] = a.iscrowd ? 1 : 0;
    g.ignore[j] = g.crowd[j];
    if (iouType !== 'segm') g.box.set(numberList(a.bbox, 4, `${at}.bbox`), 4 * j);
    if (iouType === 'segm') {
      if (a.segmentation === undefined) throw new CocoEvalError(`${at}.segmentation`, 'missing');
      const [h, w] = Array.isArray(a.segmentation) ? imageSize(a.image_id, `${at}.segmentation`) : [0, 0];
      g.rle.push(annToRle(a.segmentation, h, w, `${at}.segmentation`));
    }
    if (iouType === 'keypoints') {
      const k = numberList(a.keypoints, 3 * numKpts, `${at}.keypoints`);
      g.keypoints.set(k, 3 * numKpts * j);
      let labelled = 0;
      for (let q = 2; q < k.length; q += 3) if (k[q] > 0) labelled++;
      const nk = a.num_keypoints ?? labelled;
      if (!isNum(nk)) throw new CocoEvalError(`${at}.num_keypoints`, 'expected a number');
      if (nk === 0) g.ignore[j] = 1;
    }
  });

  // Detections.
  const kind = detections.length > 0 ? resultKind(detections[0]) : 'bbox';
  const dtSel: number[] = [];
  const dtKeys: number[] = [];
  detections.forEach((r, i) => {
    if (!r || !isNum(r.image_id) || !images.has(r.image_id)) {
      throw new CocoEvalError(
        `detections[${i}].image_id`,
        `${JSON.stringify(r?.image_id)} is not an image of the ground truth`,
      );
    }
    if (!isNum(r.category_id)) throw new CocoEvalError(`detections[${i}].category_id`, 'expected a number');
    if (!isNum(r.score)) throw new CocoEvalError(`detections[${i}].score`, 'expected a number');
    const im = images.get(r.image_id)!;
    const c = catIdx.get(r.category_id);
    if (im.idx < 0 || c === undefined) return;
    dtSel.push(i);
    dtKeys.push(im.idx * numCats + c);
  });
  const d = emptyTable(dtSel.length, iouType, numKpts);
  dtSel.forEach((src, j) => {
    const r = detections[src];
    const at = `detections[${src}]`;
    d.id[j] = src + 1;
    d.score[j] = r.score;
    let box: number[] | undefined;
    let rle: Rle | undefined;
    const needRle = iouType === 'segm' || kind === 'segm';
    if (kind === 'bbox') {
      box = numberList(r.bbox, 4, `${at}.bbox`);
      d.area[j] = box[2] * box[3];
    }
    if (needRle) {
      let seg = r.segmentation;
      if (seg === undefined && kind === 'bbox' && box) {
        const [x1, y1] = box;
        const x2 = box[0] + box[2];
        const y2 = box[1] + box[3];
        seg = [[x1, y1, x1, y2, x2, y2, x2, y1]];
      }
      if (seg === undefined) throw new CocoEvalError(`${at}.segmentation`, 'missing');
      const [h, w] = Array.isArray(seg) ? imageSize(r.image_id, `${at}.segmentation`) : [0, 0];
      rle = annToRle(seg, h, w, `${at}.segmentation`);
    }
    if (kind === 'segm') {
      d.area[j] = rleArea(rle!);
      box = r.bbox !== undefined ? numberList(r.bbox, 4, `${at}.bbox`) : toBbox(rle!);
    }
    if (kind === 'keypoints' || iouType === 'keypoints') {
      const k = r.keypoints;
      if (!Array.isArray(k) || k.length % 3 !== 0 || k.length === 0 || !k.every(isNum)) {
        throw new CocoEvalError(`${at}.keypoints`, 'expected [x, y, score] × K numbers');
      }
      if (kind === 'keypoints') {
        let x0 = Infinity;
        let x1 = -Infinity;
        let y0 = Infinity;
        let y1 = -Infinity;
        for (let q = 0; q < k.length; q += 3) {
          x0 = Math.min(x0, k[q]);
          x1 = Math.max(x1, k[q]);
          y0 = Math.min(y0, k[q + 1]);
          y1 = Math.max(y1, k[q + 1]);
        }
        d.area[j] = (x1 - x0) * (y1 - y0);
        box = [x0, y0, x1 - x0, y1 - y0];
      }
      if (iouType === 'keypoints') {
        if (k.length !== 3 * numKpts)
          throw new CocoEvalError(`${at}.keypoints`, `expected ${3 * numKpts} numbers`);
        d.keypoints.set(k, 3 * numKpts * j);
      }
    }
    if (iouType === 'bbox' || iouType === 'keypoints') {
      if (!box) throw new CocoEvalError(`${at}.bbox`, 'missing');
      d.box.set(box, 4 * j);
    }
    if (iouType === 'segm') d.rle.push(rle!);
  });

  const gtGroups = groupIndex({ key: Int32Array.from(gtKeys), n: gtKeys.length }, numKeys);
  const dtGroups = groupIndex({ key: Int32Array.from(dtKeys), n: dtKeys.length }, numKeys);
  // Pooled categories: an image's group lists its annotations category by category, the fine
  // groups already sit in that order, so only the group boundaries change.
  const coarsen = (start: Int32Array): Int32Array => {
    if (params.useCats) return start;
    const s = new Int32Array(numImgs + 1);
    for (let i = 0; i <= numImgs; i++) s[i] = start[i * numCats];
    return s;
  };
  return {
    iouType,
    params,
    numGroups,
    gt: { ...g, start: coarsen(gtGroups.start), index: gtGroups.index },
    dt: { ...d, start: coarsen(dtGroups.start), index: dtGroups.index },
  };
}
