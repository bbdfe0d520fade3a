import * as tf from '@tensorflow/tfjs-core';
import { checkBeta, checkReduction, expectSameShape } from './checks';
import { type Reduction, reduceLoss } from './reduction';

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1Options {
  /**
   * Where the loss turns from quadratic to linear. Default 1 (PyTorch's default); torchvision's
   * Fast R-CNN box loss and RPN box loss use 1/9. Below 1e-5 the loss is plain L1, like
   * torchvision's `det_utils.smooth_l1_loss`.
   */
  beta?: number;
  /** Default `'mean'` over all elements. */
  reduction?: Reduction;
}

/**
 * Element-wise smooth-L1 (Huber) loss as PyTorch's `F.smooth_l1_loss`:
 * `0.5·d²/beta` where `d = |pred − target| < beta`, else `d − 0.5·beta`.
 *
 * @param pred any shape, e.g. `[N,4]` box deltas.
 * @param target same shape as `pred`.
 */
export function smoothL1Loss(pred: tf.Tensor, target: tf.Tensor, options: SmoothL1Options = {}): tf.Tensor {
  const beta = options.beta ?? 1;
  const reduction = options.reduction ?? 'mean';
  checkBeta(beta);
  checkReduction(reduction);
  expectSameShape(pred, target);
  return tf.tidy(() => {
    const d = tf.abs(tf.sub(pred, target));
    if (beta < 1e-5) return reduceLoss(d, reduction);
    // 0.5·min(d,β)²/β + (d − min(d,β)) is the same piecewise function without a comparison op
    // on the gradient path (tfjs has no gradient for Less).
    const m = tf.minimum(d, beta);
    return reduceLoss(tf.add(tf.mul(tf.square(m), 0.5 / beta), tf.sub(d, m)), reduction);
  });
}
