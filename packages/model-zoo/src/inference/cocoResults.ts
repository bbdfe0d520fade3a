import { ConfigError, InputError } from '@rcnn/core';
import { type CocoResult, encode, toCompressed } from '@rcnn/eval';

/** Options of {@link toCocoResults}. */
export interface CocoResultsOptions {
  /** Pixels with mask probability above this are foreground. Default 0.5. */
  readonly maskThreshold?: number;
  /** Add `segmentation` (compressed RLE) when the prediction has masks. Default true. */
  readonly masks?: boolean;
}

/** What {@link toCocoResults} reads: one image's detections in its own pixels. */
export interface ImagePrediction {
  /** `[D,4]` `(x1, y1, x2, y2)`. */
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
  /** `[D]` contiguous class ids 1..K. */
  readonly labels: Int32Array;
  /** `[D,H,W]` mask probabilities pasted into the image. */
  readonly masks?: Float32Array;
  /** `[D,K,3]` `(x, y, 1)` keypoints in the image's pixels (Keypoint R-CNN). */
  readonly keypoints?: Float32Array;
  /** `[H,W]` of the image. */
  readonly imageSize: readonly [number, number];
}

/**
 * One image's detections as COCO results records (`loadRes` / `evaluate` input): `bbox` as
 * `[x, y, width, height]`, the category id mapped back from the model's contiguous id
 * (`categoryIds[label − 1]`), with masks a compressed RLE of the mask thresholded at 0.5, and
 * with keypoints the flat `[x, y, v] × K` list (OKS evaluation reads x and y).
 *
 * @param categoryIds dataset category id of each contiguous class 1..K, in order.
 */
export function toCocoResults(
  prediction: ImagePrediction,
  imageId: number,
  categoryIds: readonly number[],
  options: CocoResultsOptions = {},
): CocoResult[] {
  const threshold = options.maskThreshold ?? 0.5;
  if (!(threshold >= 0 && threshold < 1))
    throw new ConfigError('maskThreshold', `expected a value in [0, 1), got ${threshold}`);
  const [h, w] = prediction.imageSize;
  const n = prediction.labels.length;
  const withMasks = (options.masks ?? true) && prediction.masks !== undefined;
  if (withMasks && prediction.masks!.length !== n * h * w) {
    throw new InputError(
      'prediction.masks',
      `expected ${n}×${h}×${w} values, got ${prediction.masks!.length}`,
    );
  }
  const kp = prediction.keypoints;
  if (kp !== undefined && (n === 0 ? kp.length !== 0 : kp.length % (3 * n) !== 0)) {
    throw new InputError('prediction.keypoints', `expected ${n}×K×3 values, got ${kp.length}`);
  }
  const kpLen = kp !== undefined && n > 0 ? kp.length / n : 0;
  const out: CocoResult[] = [];
  const bin = new Uint8Array(h * w);
  for (let i = 0; i < n; i++) {
    const label = prediction.labels[i];
    const categoryId = categoryIds[label - 1];
    if (categoryId === undefined) {
      throw new InputError(
        'prediction.labels',
        `label ${label} at ${i} has no entry in categoryIds (${categoryIds.length} classes)`,
      );
    }
    const [x1, y1, x2, y2] = prediction.boxes.subarray(i * 4, i * 4 + 4);
    const record: CocoResult = {
      image_id: imageId,
      category_id: categoryId,
      score: prediction.scores[i],
      bbox: [x1, y1, x2 - x1, y2 - y1],
    };
    if (withMasks) {
      const masks = prediction.masks!;
      for (let k = 0; k < h * w; k++) bin[k] = masks[i * h * w + k] > threshold ? 1 : 0;
      record.segmentation = toCompressed(encode(bin, h, w));
    }
    if (kp !== undefined) record.keypoints = Array.from(kp.subarray(i * kpLen, (i + 1) * kpLen));
    out.push(record);
  }
  return out;
}
