import {
  BalancedPositiveNegativeSampler,
  BoxCoder,
  type Matcher,
  type SeededRandom,
  ShapeError,
} from '@rcnn/core';
import { type RpnLosses, rpnLoss } from '@rcnn/losses';
import * as tf from '@tensorflow/tfjs-core';
import { assignAnchorTargets, rpnMatcher } from './anchorTargets';

/** Inputs of {@link rpnTrainingLoss}. */
export interface RpnTrainingLossInput {
  /** `[N,T]` objectness logits (from {@link flattenPredictions}); gradients flow to them. */
  objectness: tf.Tensor2D;
  /** `[N,T,4]` predicted deltas; gradients flow to them. */
  deltas: tf.Tensor3D;
  /** `[T·4]` anchors of one (padded) image, shared by the batch, in the same order. */
  anchors: Float32Array;
  /** Per image `[G·4]` ground-truth boxes (x1, y1, x2, y2) in input pixels. */
  gtBoxes: readonly Float32Array[];
  /** Draws the sampled anchors; advanced by the call. */
  rng: SeededRandom;
  /** Default: IoU 0.7 / 0.3 with low-quality matches. */
  matcher?: Matcher;
  /** Default: 256 anchors per image at 50% positives. */
  sampler?: BalancedPositiveNegativeSampler;
  /** Default: weights (1, 1, 1, 1), as torchvision's RPN. */
  boxCoder?: BoxCoder;
  /** Smooth-L1 beta. Default 1/9. */
  beta?: number;
}

/** {@link rpnTrainingLoss}'s losses plus what was sampled, for logging. */
export interface RpnTrainingLoss extends RpnLosses {
  /** Sampled positive anchors over the batch. */
  numPositive: number;
  /** Sampled negative anchors over the batch. */
  numNegative: number;
}

/**
 * The RPN training loss as torchvision's `RegionProposalNetwork` computes it: label every
 * anchor per image ({@link assignAnchorTargets}), sample 256 per image at up to 50% positives,
 * encode the matched boxes as regression targets, and apply `@rcnn/losses`' `rpnLoss`
 * (objectness BCE averaged over sampled anchors, smooth-L1 β = 1/9 on positives summed and
 * divided by the sampled count over the whole batch). Call it inside the function an optimizer
 * differentiates; the returned scalars are the caller's to dispose.
 */
export function rpnTrainingLoss(input: RpnTrainingLossInput): RpnTrainingLoss {
  const { objectness, deltas, anchors, gtBoxes, rng } = input;
  const [n, t] = objectness.shape;
  if (objectness.rank !== 2) throw new ShapeError('objectness', [null, null], objectness.shape);
  if (deltas.rank !== 3 || deltas.shape[0] !== n || deltas.shape[1] !== t || deltas.shape[2] !== 4) {
    throw new ShapeError('deltas', [n, t, 4], deltas.shape);
  }
  if (anchors.length !== 4 * t)
    throw new ShapeError('anchors', [t, 4], [anchors.length / 4, 4], 'one per anchor');
  if (gtBoxes.length !== n) throw new ShapeError('gtBoxes', [n], [gtBoxes.length], 'one array per image');
  const matcher = input.matcher ?? rpnMatcher();
  const sampler =
    input.sampler ?? new BalancedPositiveNegativeSampler({ batchSizePerImage: 256, positiveFraction: 0.5 });
  const coder = input.boxCoder ?? new BoxCoder([1, 1, 1, 1]);
  const matched = new Float32Array(n * t * 4);
  const pos: number[] = [];
  const neg: number[] = [];
  gtBoxes.forEach((gt, img) => {
    const targets = assignAnchorTargets(anchors, gt, matcher);
    matched.set(targets.matchedGtBoxes, img * t * 4);
    const s = sampler.sample(targets.labels, rng);
    for (const i of s.positive) pos.push(img * t + i);
    for (const i of s.negative) neg.push(img * t + i);
  });
  return tf.tidy(() => {
    const anchorT = tf.tensor2d(anchors, [t, 4]);
    const allAnchors = n === 1 ? anchorT : (tf.tile(anchorT, [n, 1]) as tf.Tensor2D);
    const targets = coder.encode(tf.tensor2d(matched, [n * t, 4]), allAnchors);
    const losses = rpnLoss(
      tf.reshape(objectness, [n * t]) as tf.Tensor1D,
      tf.reshape(deltas, [n * t, 4]) as tf.Tensor2D,
      targets,
      pos,
      neg,
      {
        beta: input.beta ?? 1 / 9,
      },
    );
    return { ...losses, numPositive: pos.length, numNegative: neg.length };
  });
}
