import type { ProposalImage } from './proposalImage';

/** Ranked region proposals for one image. */
export interface Proposals {
  /** `[N,4]` `(x1, y1, x2, y2)` in pixels of the input image (pixel i spans [i, i+1)), row-major. */
  readonly boxes: Float32Array;
  /** `[N]` scores, highest first (rank-derived for selective search). */
  readonly scores: Float32Array;
}

/**
 * Something that proposes object regions for an image from outside the detector network (R-CNN,
 * Fast R-CNN). Selective search is one; precomputed proposals read from a file would be another.
 */
export interface ProposalGenerator {
  propose(image: ProposalImage): Proposals;
}
