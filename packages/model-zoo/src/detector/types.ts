import type * as tf from '@tensorflow/tfjs-core';

/** `[height, width]` in pixels. */
export type Size = readonly [number, number];

/**
 * Ground truth of one image for training, in pixels of the model's input image (after the
 * resize of the input transform, before padding).
 */
export interface ImageTargets {
  /** `[G,4]` `(x1, y1, x2, y2)`. */
  readonly boxes: Float32Array;
  /** `[G]` contiguous class ids `1..K` (0 is background). */
  readonly labels: Int32Array;
  /** `[G,H,W]` binary masks at the input image size, row-major; required by mask heads. */
  readonly masks?: Uint8Array | Float32Array | null;
  /** `[G,K,3]` `(x, y, visibility)` keypoints in input pixels; required by keypoint heads. */
  readonly keypoints?: Float32Array | null;
}

/** Detections of one image, best first. */
export interface ImageDetections {
  /** `[D,4]` `(x1, y1, x2, y2)` in pixels of the image they refer to. */
  readonly boxes: Float32Array;
  /** `[D]` class probabilities. */
  readonly scores: Float32Array;
  /** `[D]` contiguous class ids `1..K`. */
  readonly labels: Int32Array;
  /**
   * Mask probabilities: `[D,m,m]` per RoI inside the RoI heads, `[D,H,W]` pasted into the image
   * after post-processing. Absent for detectors without a mask branch.
   */
  readonly masks?: Float32Array;
  /** Side of the per-RoI masks (`m`), or the image size `[H,W]` once pasted. */
  readonly maskShape?: readonly number[];
  /** `[D,K,3]` `(x, y, 1)` keypoints in pixels of the image the boxes refer to (keypoint heads). */
  readonly keypoints?: Float32Array;
  /** `[D,K]` keypoint scores: the heatmap logit at each keypoint (torchvision's `keypoints_scores`). */
  readonly keypointScores?: Float32Array;
}

/** Feature maps by name, `[N,H,W,C]` each. */
export type FeatureMaps = Record<string, tf.Tensor4D>;
