import { InputError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { bceElementwise } from './binaryCrossEntropy';
import { expectFloat, expectShape, type IndexInput, readIndices } from './checks';
import { smoothL1Loss } from './smoothL1';

/** Options of {@link rpnLoss}. */
export interface RpnLossOptions {
  /** Smooth-L1 beta of the box term. Default 1/9, as torchvision's RPN. */
  beta?: number;
}

/** The two RPN loss terms, scalars the caller disposes. */
export interface RpnLosses {
  objectness: tf.Scalar;
  boxRegression: tf.Scalar;
}

/**
 * The RPN loss as torchvision's `RegionProposalNetwork.compute_loss`: sigmoid binary
 * cross-entropy of the objectness logits of the sampled anchors (target 1 for sampled positives,
 * 0 for sampled negatives), averaged over the sampled anchors; and smooth-L1 (beta 1/9) of the
 * positives' deltas against their targets, summed and divided by the number of sampled anchors.
 * With no sampled anchor both terms are 0.
 *
 * Anchors of all images and levels are flattened into one axis of length A, in the order the
 * targets were built; sampling happens beforehand (see `@rcnn/rpn`), so this is deterministic.
 *
 * @param objectness `[A]` or `[A,1]` objectness logits.
 * @param deltas `[A,4]` predicted `(dx, dy, dw, dh)`.
 * @param regressionTargets `[A,4]` encoded targets (only sampled positives' rows are read).
 * @param sampledPositive indices (into A) of the sampled positive anchors.
 * @param sampledNegative indices of the sampled negative anchors (disjoint from the positives).
 */
export function rpnLoss(
  objectness: tf.Tensor1D | tf.Tensor2D,
  deltas: tf.Tensor2D,
  regressionTargets: tf.Tensor2D,
  sampledPositive: IndexInput,
  sampledNegative: IndexInput,
  options: RpnLossOptions = {},
): RpnLosses {
  expectFloat('objectness', objectness);
  const a = objectness.shape[0];
  if (objectness.rank === 2) expectShape('objectness', objectness, [a, 1]);
  else expectShape('objectness', objectness, [a]);
  expectShape('deltas', deltas, [a, 4]);
  expectFloat('deltas', deltas);
  expectShape('regressionTargets', regressionTargets, [a, 4]);
  expectFloat('regressionTargets', regressionTargets);
  const pos = readIndices('sampledPositive', sampledPositive, null, 0, a);
  const neg = readIndices('sampledNegative', sampledNegative, null, 0, a);

  const sampled = new Uint8Array(a);
  const target = new Float32Array(a);
  const positive4 = new Uint8Array(a * 4);
  for (const i of pos) {
    if (sampled[i]) throw new InputError('sampledPositive', `anchor ${i} is listed twice`);
    sampled[i] = 1;
    target[i] = 1;
    positive4.fill(1, i * 4, i * 4 + 4);
  }
  for (const i of neg) {
    if (sampled[i])
      throw new InputError('sampledNegative', `anchor ${i} is listed twice or is also positive`);
    sampled[i] = 1;
  }
  const numSampled = pos.length + neg.length;
  return tf.tidy(() => {
    const logits = tf.reshape(objectness, [a]);
    const bce = bceElementwise(logits, tf.tensor1d(target));
    const objSum = tf.sum(tf.where(tf.tensor1d(sampled, 'bool'), bce, tf.zerosLike(bce)));
    const posMask = tf.tensor2d(positive4, [a, 4], 'bool');
    const zeros = tf.zeros([a, 4]);
    const boxSum = smoothL1Loss(
      tf.where(posMask, deltas, zeros),
      tf.where(posMask, regressionTargets, zeros),
      {
        beta: options.beta ?? 1 / 9,
        reduction: 'sum',
      },
    );
    const scale = numSampled === 0 ? 0 : 1 / numSampled;
    return {
      objectness: tf.mul(objSum, scale) as tf.Scalar,
      boxRegression: tf.mul(boxSum, scale) as tf.Scalar,
    };
  });
}
