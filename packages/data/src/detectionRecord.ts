import type { RgbImage } from './image';

/**
 * One training/evaluation example as plain typed arrays, the form every loader, augmentation and
 * model input transform in rcnn.ts exchanges. `N` is the number of annotations, `H`/`W` the image
 * size, `K` the keypoints per instance.
 */
export interface DetectionRecord {
  /** The dataset's image id (COCO `images[].id`). */
  readonly imageId: number;
  /** RGB pixels, HWC uint8. */
  readonly image: RgbImage;
  /** `[N,4]` `(x1, y1, x2, y2)` in pixels of `image` (pixel i spans [i, i+1)), row-major. */
  readonly boxes: Float32Array;
  /** `[N]` contiguous class ids 1..numClasses (0 is background and never appears). */
  readonly classIds: Int32Array;
  /** `[N]` 1 for crowd regions (COCO `iscrowd`), else 0. */
  readonly isCrowd: Uint8Array;
  /** `[N]` segmentation area in pixels of `image` (COCO `area`, scaled with the image). */
  readonly areas: Float32Array;
  /** `[N]` COCO annotation ids, to map predictions back. */
  readonly annotationIds: Int32Array;
  /** `[N,H,W]` binary masks, row-major, or `null` when the dataset has no segmentations. */
  readonly masks: Uint8Array | null;
  /** `[N,K,3]` `(x, y, visibility)` in COCO order, or `null` when no category has keypoints. */
  readonly keypoints: Float32Array | null;
}

/** Number of annotations in a record. */
export function recordSize(record: DetectionRecord): number {
  return record.classIds.length;
}
