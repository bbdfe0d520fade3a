import * as tf from '@tensorflow/tfjs-core';
import { checkReduction, expectSameShape } from './checks';
import { type Reduction, reduceLoss } from './reduction';

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BinaryCrossEntropyOptions {
  /** Default `'mean'` over all elements, as PyTorch. */
  reduction?: Reduction;
}

/**
 * Element-wise sigmoid binary cross-entropy on logits, as PyTorch's
 * `F.binary_cross_entropy_with_logits`: `−z·log σ(x) − (1−z)·log(1−σ(x))`, computed in the stable
 * form `max(x,0) − x·z + log(1 + e^(−|x|))`. Its gradient is `σ(x) − z` everywhere, x = 0 included.
 *
 * @param logits any shape.
 * @param targets same shape, values in [0, 1] (soft targets allowed).
 */
export function binaryCrossEntropyWithLogits(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: BinaryCrossEntropyOptions = {},
): tf.Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction(reduction);
  expectSameShape(logits, targets, 'logits', 'targets');
  return tf.tidy(() => reduceLoss(bceElementwise(logits, targets), reduction));
}

/** The unreduced stable BCE-with-logits, without checks (callers validate). */
export function bceElementwise(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.softplus(tf.neg(tf.abs(logits))));
}
