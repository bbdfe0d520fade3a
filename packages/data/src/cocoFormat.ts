/**
 * The COCO dataset JSON format (`instances_*.json`, `person_keypoints_*.json`), as read and
 * written by this package. Coordinates are pixels with pixel `i` spanning `[i, i+1)`.
 */

/** COCO's `info` block (all fields optional here). */
export interface CocoInfo {
  description?: string;
  version?: string;
  year?: number;
  contributor?: string;
  date_created?: string;
  [key: string]: unknown;
}

/** One entry of `images`. */
export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  [key: string]: unknown;
}

/** One entry of `categories`; person categories carry `keypoints` names and a 1-based `skeleton`. */
export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
  keypoints?: string[];
  skeleton?: [number, number][];
}

/** Uncompressed RLE as COCO stores crowd regions: `size` is `[height, width]`, runs column-major. */
export interface CocoUncompressedRle {
  size: [number, number];
  counts: number[];
}

/** Compressed RLE: `counts` is pycocotools' LEB128-like string. */
export interface CocoCompressedRle {
  size: [number, number];
  counts: string;
}

/** A segmentation: one or more polygons `[[x0, y0, x1, y1, ...], ...]`, or an RLE. */
export type CocoSegmentation = number[][] | CocoUncompressedRle | CocoCompressedRle;

/** One entry of `annotations`. `bbox` is `[x, y, width, height]`; `area` is the mask area in pixels. */
export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0 | 1;
  segmentation?: CocoSegmentation;
  /** `[x0, y0, v0, x1, y1, v1, ...]`: v = 0 not labelled (x = y = 0), 1 labelled but hidden, 2 visible. */
  keypoints?: number[];
  num_keypoints?: number;
  [key: string]: unknown;
}

/** A whole COCO dataset file. */
export interface CocoDataset {
  info?: CocoInfo;
  licenses?: unknown[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}
