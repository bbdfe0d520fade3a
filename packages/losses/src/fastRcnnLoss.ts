import { ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { expectFloat, expectShape, type IndexInput, readIndices } from './checks';
import { softmaxCrossEntropy } from './crossEntropy';
import { smoothL1Loss } from './smoothL1';

/** Options of {@link fastRcnnLoss}. */
export interface FastRcnnLossOptions {
  /** Smooth-L1 beta of the box term. Default 1/9, as torchvision's `fastrcnn_loss`. */
  beta?: number;
}

/** The two terms of the Fast R-CNN loss, each a scalar tensor the caller disposes. */
export interface FastRcnnLosses {
  classification: tf.Scalar;
  boxRegression: tf.Scalar;
}

/**
 * The Fast R-CNN loss as torchvision's `fastrcnn_loss`: softmax cross-entropy averaged over all
 * sampled RoIs, plus smooth-L1 (beta 1/9) between each positive RoI's deltas for its own class
 * and its regression target, summed and divided by the number of all sampled RoIs (positives and
 * negatives), not by the number of positives.
 *
 * @param classLogits `[R,K+1]` class scores of the sampled RoIs of the whole batch (0 = background).
 * @param boxRegression `[R,4·(K+1)]` class-specific deltas `(dx, dy, dw, dh)` per class, or
 *   `[R,4]` class-agnostic deltas.
 * @param labels `[R]` class id of each RoI in `[0, K]`; RoIs with label > 0 are positives.
 * @param regressionTargets `[R,4]` encoded targets (only positives' rows are read).
 */
export function fastRcnnLoss(
  classLogits: tf.Tensor2D,
  boxRegression: tf.Tensor2D,
  labels: IndexInput,
  regressionTargets: tf.Tensor2D,
  options: FastRcnnLossOptions = {},
): FastRcnnLosses {
  expectShape('classLogits', classLogits, [null, null]);
  const [r, numClasses] = classLogits.shape;
  expectShape('boxRegression', boxRegression, [r, null]);
  expectFloat('boxRegression', boxRegression);
  const groups = boxRegression.shape[1] / 4;
  if (groups !== 1 && groups !== numClasses) {
    throw new ShapeError(
      'boxRegression',
      `[${r},4] or [${r},${4 * numClasses}]`,
      boxRegression.shape,
      'class-agnostic or one group of 4 deltas per class of classLogits',
    );
  }
  expectShape('regressionTargets', regressionTargets, [r, 4]);
  expectFloat('regressionTargets', regressionTargets);
  const ids = readIndices('labels', labels, r, 0, numClasses);

  // The selection is a boolean mask over [R, groups, 4], so no gather is differentiated (its
  // gradient needs UnsortedSegmentSum, which not every backend has) and non-finite values in
  // unselected classes cannot leak into the loss.
  const select = new Uint8Array(r * groups * 4);
  const positive = new Uint8Array(r * 4);
  for (let i = 0; i < r; i++) {
    if (ids[i] <= 0) continue;
    const g = groups === 1 ? 0 : ids[i];
    select.fill(1, (i * groups + g) * 4, (i * groups + g + 1) * 4);
    positive.fill(1, i * 4, i * 4 + 4);
  }
  return tf.tidy(() => {
    const classification = softmaxCrossEntropy(classLogits, ids) as tf.Scalar;
    const deltas3 = tf.reshape(boxRegression, [r, groups, 4]);
    const chosen = tf.sum(
      tf.where(tf.tensor3d(select, [r, groups, 4], 'bool'), deltas3, tf.zerosLike(deltas3)),
      1,
    );
    const pos = tf.tensor2d(positive, [r, 4], 'bool');
    const zeros = tf.zeros([r, 4]);
    const summed = smoothL1Loss(tf.where(pos, chosen, zeros), tf.where(pos, regressionTargets, zeros), {
      beta: options.beta ?? 1 / 9,
      reduction: 'sum',
    });
    const boxLoss = (r === 0 ? tf.mul(summed, 0) : tf.div(summed, r)) as tf.Scalar;
    return { classification, boxRegression: boxLoss };
  });
}
