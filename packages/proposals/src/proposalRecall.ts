import { boxIouArray, ConfigError, InputError } from '@rcnn/core';

/** One image for {@link proposalRecall}. */
export interface RecallImage {
  /** `[N,4]` `(x1, y1, x2, y2)` proposals, best first. */
  readonly proposals: Float32Array;
  /** `[G,4]` ground-truth boxes (crowd regions left out by the caller). */
  readonly groundTruth: Float32Array;
}

/** Options of {@link proposalRecall}. */
export interface ProposalRecallOptions {
  /** Use the first `maxProposals` proposals of each image. Default all. */
  readonly maxProposals?: number;
  /** IoU thresholds averaged into AR. Default 0.5, 0.55, ..., 0.95 (COCO's). */
  readonly iouThresholds?: readonly number[];
}

/** Result of {@link proposalRecall}. */
export interface ProposalRecall {
  readonly numGroundTruth: number;
  readonly iouThresholds: readonly number[];
  /** Recall at each threshold: the fraction of ground truths whose matched IoU is ≥ it. */
  readonly recalls: Float64Array;
  /** Mean of `recalls` (AR@maxProposals). */
  readonly averageRecall: number;
  /** `[G_total]` IoU of each ground truth's matched proposal (0 when unmatched), image by image. */
  readonly overlaps: Float32Array;
}

const COCO_THRESHOLDS = Array.from({ length: 10 }, (_, i) => Math.round((0.5 + 0.05 * i) * 100) / 100);

/**
 * Proposal recall and average recall (Hosang et al. 2016; COCO's AR@N) as Detectron's
 * `evaluate_box_proposals`: in each image, ground truths and proposals are matched one-to-one
 * greedily (repeatedly the pair with the largest IoU among the unmatched), then recall at each IoU
 * threshold is pooled over all images' ground truths.
 */
export function proposalRecall(
  images: readonly RecallImage[],
  options: ProposalRecallOptions = {},
): ProposalRecall {
  const maxProposals = options.maxProposals ?? Number.POSITIVE_INFINITY;
  if (!(maxProposals >= 1))
    throw new ConfigError('maxProposals', `expected a number >= 1, got ${maxProposals}`);
  const thresholds = options.iouThresholds ?? COCO_THRESHOLDS;
  if (thresholds.length === 0 || thresholds.some((t) => !(t >= 0 && t <= 1))) {
    throw new ConfigError('iouThresholds', 'expected a non-empty list of numbers in [0, 1]');
  }
  const overlaps: number[] = [];
  images.forEach((image, index) => {
    for (const key of ['proposals', 'groundTruth'] as const) {
      if (!(image[key] instanceof Float32Array) || image[key].length % 4 !== 0) {
        throw new InputError(`images[${index}].${key}`, 'expected a Float32Array of length 4N');
      }
    }
    const p = Math.min(image.proposals.length / 4, maxProposals);
    const g = image.groundTruth.length / 4;
    const iou = boxIouArray(image.proposals.subarray(0, 4 * p), image.groundTruth);
    const matched = new Float32Array(g);
    for (let step = 0; step < Math.min(p, g); step++) {
      let best = -1;
      let bi = -1;
      let bj = -1;
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < g; j++) {
          const v = iou[i * g + j];
          if (v > best) {
            best = v;
            bi = i;
            bj = j;
          }
        }
      }
      if (bi < 0) break;
      matched[bj] = best;
      for (let j = 0; j < g; j++) iou[bi * g + j] = -1;
      for (let i = 0; i < p; i++) iou[i * g + bj] = -1;
    }
    overlaps.push(...matched);
  });
  const recalls = Float64Array.from(thresholds, (t) =>
    overlaps.length === 0 ? 0 : overlaps.filter((o) => o >= t).length / overlaps.length,
  );
  return {
    numGroundTruth: overlaps.length,
    iouThresholds: thresholds,
    recalls,
    averageRecall: recalls.reduce((s, r) => s + r, 0) / recalls.length,
    overlaps: Float32Array.from(overlaps),
  };
}
