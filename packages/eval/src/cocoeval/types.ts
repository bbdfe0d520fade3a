import type { Rle, Segmentation } from '../mask/rle';

/** Which COCO metric to compute: box IoU, mask IoU, or keypoint OKS. */
export type IouType = 'bbox' | 'segm' | 'keypoints';

/** A COCO `images` entry; `height`/`width` (pixels) are needed to rasterise polygons. */
export interface CocoImage {
  id: number;
  height?: number;
  width?: number;
  [key: string]: unknown;
}

/** A COCO `categories` entry. */
export interface CocoCategory {
  id: number;
  name?: string;
  [key: string]: unknown;
}

/**
 * A COCO ground-truth annotation. `bbox` is `[x, y, w, h]` in pixels, `area` in pixels² (the
 * stored value, as pycocotools uses it for the area ranges), `keypoints` is `[x, y, v] × K`.
 */
export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  area: number;
  bbox?: number[];
  iscrowd?: number | boolean;
  segmentation?: Segmentation | Rle;
  keypoints?: number[];
  num_keypoints?: number;
  [key: string]: unknown;
}

/** A COCO dataset object (the parsed `instances_*.json` / `person_keypoints_*.json`). */
export interface CocoDataset {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
  [key: string]: unknown;
}

/**
 * One entry of a COCO results array, as torchvision's and detectron2's evaluators write them:
 * `bbox` `[x, y, w, h]` pixels, `segmentation` a compressed RLE, `keypoints` `[x, y, score] × K`.
 */
export interface CocoResult {
  image_id: number;
  category_id: number;
  score: number;
  bbox?: number[];
  segmentation?: Segmentation | Rle;
  keypoints?: number[];
  [key: string]: unknown;
}

/** COCOeval's `Params`, camel-cased. Every field has pycocotools' default for the `iouType`. */
export interface EvalParams {
  /** Images to evaluate; default all images of the ground truth. */
  imgIds: number[];
  /** Categories to evaluate; default all categories of the ground truth. */
  catIds: number[];
  /** IoU (or OKS) thresholds; default `.50:.05:.95` (10 values, computed like `np.linspace`). */
  iouThrs: number[];
  /** Recall points; default `0:.01:1` (101 values). */
  recThrs: number[];
  /** Detections kept per image; default `[1, 10, 100]`, keypoints `[20]`. */
  maxDets: number[];
  /** Area ranges `[min, max]` in pixels², inclusive at both ends. */
  areaRng: [number, number][];
  /** Names of the area ranges (`all`, `small`, `medium`, `large`). */
  areaRngLbl: string[];
  /** Evaluate per category (true) or pool all categories (false). */
  useCats: boolean;
  /** Per-keypoint OKS sigmas (keypoints only); default the 17 COCO sigmas. */
  kptOksSigmas: number[];
}

/** Options of {@link evaluate}: the IoU type plus any {@link EvalParams} overrides. */
export interface EvaluateOptions extends Partial<EvalParams> {
  iouType: IouType;
}

/** AP of one category at IoU .50:.95, all areas, the largest maxDets; -1 when it has no ground truth. */
export interface CategoryAp {
  categoryId: number;
  name?: string;
  ap: number;
}

/**
 * What {@link evaluate} returns: COCOeval's `stats`, its accumulated `eval` arrays and the
 * per-category AP. The arrays are flat, in numpy's C order, with -1 where pycocotools leaves -1
 * (no ground truth for the cell).
 */
export interface CocoEvalResult {
  iouType: IouType;
  /** The parameters actually used (defaults filled in, ids sorted and deduplicated). */
  params: EvalParams;
  /** 12 numbers for bbox/segm, 10 for keypoints, in `COCOeval.stats` order. */
  stats: number[];
  /** Per evaluated category (in `params.catIds` order). */
  perCategoryAp: CategoryAp[];
  /** `[T, R, K, A, M]`: thresholds, recall points, categories, area ranges, maxDets. */
  counts: [number, number, number, number, number];
  /** Interpolated precision, `[T, R, K, A, M]`. */
  precision: Float64Array;
  /** Recall, `[T, K, A, M]`. */
  recall: Float64Array;
  /** Score at each precision cell, `[T, R, K, A, M]`. */
  scores: Float64Array;
}
