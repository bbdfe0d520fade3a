import { ConfigError } from '@rcnn/core';
import { heatmapsToKeypoints, type KeypointRcnnHead } from '@rcnn/heads';
import { keypointRcnnLoss } from '@rcnn/losses';
import type { RoiPooler } from '@rcnn/roi-ops';
import * as tf from '@tensorflow/tfjs-core';
import type { SampledRois } from './roiTargets';
import type { FeatureMaps, ImageDetections, ImageTargets } from './types';

/**
 * The keypoint branch of Keypoint R-CNN (Mask R-CNN §5; torchvision's keypoint path of
 * `RoIHeads`): RoI features pooled by its own pooler (14×14), the keypoint head's `[R,m,m,K]`
 * heatmap logits (m = 56), trained on the positive RoIs against one-hot targets of their matched
 * ground truth's visible keypoints, decoded at inference by {@link heatmapsToKeypoints} for the
 * final detections.
 */
export class KeypointBranch {
  constructor(
    readonly pooler: RoiPooler,
    readonly head: KeypointRcnnHead,
  ) {}

  /** Keypoint types K. */
  get numKeypoints(): number {
    return this.head.numKeypoints;
  }

  /**
   * The keypoint loss over the positive RoIs of a batch (a scalar inside the caller's tidy).
   *
   * @param samples per image the sampled RoIs (positives have a label > 0).
   * @param targets per image ground truth with `[G,K,3]` keypoints in input pixels.
   * @param batchRois per-image boxes → `[R,5]` `(batchIndex, x1, y1, x2, y2)` RoIs.
   */
  loss(
    features: FeatureMaps,
    samples: readonly SampledRois[],
    targets: readonly ImageTargets[],
    batchRois: (boxes: readonly Float32Array[]) => tf.Tensor2D,
  ): tf.Scalar {
    const k = this.numKeypoints;
    const posBoxes: Float32Array[] = [];
    const matchedKeypoints: number[] = [];
    samples.forEach((s, img) => {
      const idx: number[] = [];
      s.labels.forEach((l, r) => {
        if (l > 0) idx.push(r);
      });
      const gt = targets[img].keypoints;
      if (idx.length > 0 && gt == null) {
        throw new ConfigError(`targets[${img}].keypoints`, 'a keypoint head needs ground-truth keypoints');
      }
      const g = targets[img].labels.length;
      if (gt != null && gt.length !== g * k * 3) {
        throw new ConfigError(
          `targets[${img}].keypoints`,
          `expected ${g}×${k}×3 values (K = ${k} keypoints), got ${gt.length}`,
        );
      }
      const boxes = new Float32Array(idx.length * 4);
      idx.forEach((r, j) => {
        boxes.set(s.boxes.subarray(r * 4, r * 4 + 4), j * 4);
        const m = s.matchedIndex[r];
        for (let q = 0; q < k * 3; q++) matchedKeypoints.push((gt as Float32Array)[m * k * 3 + q]);
      });
      posBoxes.push(boxes);
    });
    const flat = new Float32Array(posBoxes.reduce((n, b) => n + b.length, 0));
    let o = 0;
    for (const b of posBoxes) {
      flat.set(b, o);
      o += b.length;
    }
    const logits = this.head.apply(this.pooler.apply(features, batchRois(posBoxes)));
    return keypointRcnnLoss(logits, flat, Float32Array.from(matchedKeypoints));
  }

  /**
   * Keypoints of the final detections, in the same pixels as their boxes.
   *
   * @returns per image `[D,K,3]` keypoints and `[D,K]` scores added to its detections.
   */
  detect(
    features: FeatureMaps,
    detections: readonly ImageDetections[],
    batchRois: (boxes: readonly Float32Array[]) => tf.Tensor2D,
  ): ImageDetections[] {
    const k = this.numKeypoints;
    const total = detections.reduce((n, d) => n + d.labels.length, 0);
    if (total === 0) {
      return detections.map((d) => ({
        ...d,
        keypoints: new Float32Array(0),
        keypointScores: new Float32Array(0),
      }));
    }
    const logits = tf.tidy(() =>
      this.head.apply(this.pooler.apply(features, batchRois(detections.map((d) => d.boxes)))),
    );
    const boxes = new Float32Array(total * 4);
    let o = 0;
    for (const d of detections) {
      boxes.set(d.boxes, o);
      o += d.boxes.length;
    }
    let decoded: ReturnType<typeof heatmapsToKeypoints>;
    try {
      decoded = heatmapsToKeypoints(logits, boxes);
    } finally {
      logits.dispose();
    }
    let r = 0;
    return detections.map((d) => {
      const n = d.labels.length;
      const out = {
        ...d,
        keypoints: decoded.keypoints.slice(r * k * 3, (r + n) * k * 3),
        keypointScores: decoded.scores.slice(r * k, (r + n) * k),
      };
      r += n;
      return out;
    });
  }
}
