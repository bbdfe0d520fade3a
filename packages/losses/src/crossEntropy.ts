import * as tf from '@tensorflow/tfjs-core';
import { checkReduction, expectFloat, expectShape, type IndexInput, readIndices } from './checks';
import { type Reduction, reduceLoss } from './reduction';

/** Options of {@link softmaxCrossEntropy}. */
export interface SoftmaxCrossEntropyOptions {
  /** Default `'mean'` over the N rows, as `torch.nn.functional.cross_entropy`. */
  reduction?: Reduction;
}

/**
 * Softmax cross-entropy, `-log softmax(logits)[n, labels[n]]`, as PyTorch's `F.cross_entropy`
 * (the classification term of Fast R-CNN, with class 0 = background).
 *
 * @param logits `[N,C]` unnormalised class scores.
 * @param labels `[N]` class ids in `[0, C)`.
 * @returns a scalar (or `[N]` with `reduction: 'none'`).
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: IndexInput,
  options: SoftmaxCrossEntropyOptions = {},
): tf.Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction(reduction);
  expectShape('logits', logits, [null, null]);
  expectFloat('logits', logits);
  const [n, c] = logits.shape;
  const ids = readIndices('labels', labels, n, 0, c);
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(ids, 'int32'), c);
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), 1);
    return reduceLoss(tf.neg(picked), reduction);
  });
}
