import * as tf from '@tensorflow/tfjs-core';

/**
 * How an element-wise loss is reduced, as in PyTorch: `'mean'` over all elements, `'sum'`, or
 * `'none'` (the element-wise loss, same shape as the input).
 */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * Reduce an element-wise loss. A `'mean'` over zero elements is 0 (PyTorch gives NaN), so an
 * image without samples contributes nothing instead of poisoning a training step.
 */
export function reduceLoss(loss: tf.Tensor, reduction: Reduction): tf.Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return tf.sum(loss);
  if (loss.size === 0) return tf.mul(tf.sum(loss), 0);
  return tf.mean(loss);
}
