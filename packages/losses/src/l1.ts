import * as tf from '@tensorflow/tfjs-core';
import { checkReduction, expectSameShape } from './checks';
import { type Reduction, reduceLoss } from './reduction';

/** Options of {@link l1Loss}. */
export interface L1Options {
  /** Default `'mean'` over all elements. */
  reduction?: Reduction;
}

/**
 * Element-wise L1 loss `|pred − target|`, as PyTorch's `F.l1_loss`.
 *
 * @param pred any shape.
 * @param target same shape as `pred`.
 */
export function l1Loss(pred: tf.Tensor, target: tf.Tensor, options: L1Options = {}): tf.Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction(reduction);
  expectSameShape(pred, target);
  return tf.tidy(() => reduceLoss(tf.abs(tf.sub(pred, target)), reduction));
}
