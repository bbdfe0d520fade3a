import * as tf from '@tensorflow/tfjs-core';
import { bceElementwise } from './binaryCrossEntropy';
import { expectFloat, expectShape, type IndexInput, readIndices } from './checks';

/**
 * Pick each RoI's own class's mask from `[P,m,m,K]` logits with a boolean mask (no differentiated
 * gather). With K = 1 (class-agnostic masks) the single channel is taken.
 */
function pickClassMasks(maskLogits: tf.Tensor4D, ids: Int32Array): tf.Tensor3D {
  const [p, h, w, k] = maskLogits.shape;
  if (k === 1) return tf.reshape(maskLogits, [p, h, w]);
  const select = new Uint8Array(p * k);
  for (let i = 0; i < p; i++) select[i * k + ids[i]] = 1;
  const cond = tf.broadcastTo(tf.tensor4d(select, [p, 1, 1, k], 'bool'), [p, h, w, k]);
  return tf.sum(tf.where(cond, maskLogits, tf.zerosLike(maskLogits)), 3);
}

function checkMaskInputs(
  maskLogits: tf.Tensor4D,
  labels: IndexInput,
  maskTargets: tf.Tensor3D,
  minLabel: number,
): Int32Array {
  expectShape('maskLogits', maskLogits, [null, null, null, null]);
  expectFloat('maskLogits', maskLogits);
  const [p, h, w, k] = maskLogits.shape;
  expectShape('maskTargets', maskTargets, [p, h, w]);
  expectFloat('maskTargets', maskTargets);
  return readIndices('labels', labels, p, k === 1 ? 0 : minLabel, k === 1 ? Number.MAX_SAFE_INTEGER : k);
}

/**
 * The Mask R-CNN mask loss as torchvision's `maskrcnn_loss`: per-pixel sigmoid binary
 * cross-entropy on the ground-truth class's mask only (the other classes' masks get no
 * gradient), averaged over all pixels of all positive RoIs. With no RoIs it is 0 (and still
 * connected to `maskLogits`, as torchvision's `mask_logits.sum() * 0`).
 *
 * @param maskLogits `[P,m,m,K]` mask logits of the P positive RoIs, NHWC (torchvision: `[P,K,m,m]`);
 *   K = number of classes including background for class-specific masks, or 1 for class-agnostic.
 * @param labels `[P]` ground-truth class of each RoI, in `[0, K)` (ignored when K = 1).
 * @param maskTargets `[P,m,m]` targets in [0, 1]: the ground-truth mask cropped to the RoI and
 *   resized to m×m.
 */
export function sigmoidMaskLoss(
  maskLogits: tf.Tensor4D,
  labels: IndexInput,
  maskTargets: tf.Tensor3D,
): tf.Scalar {
  const ids = checkMaskInputs(maskLogits, labels, maskTargets, 0);
  return tf.tidy(() => {
    if (maskLogits.shape[0] === 0) return tf.mul(tf.sum(maskLogits), 0) as tf.Scalar;
    return tf.mean(bceElementwise(pickClassMasks(maskLogits, ids), maskTargets)) as tf.Scalar;
  });
}

/**
 * The multinomial mask loss of the Mask R-CNN paper's Table 2b ("softmax"): a per-pixel softmax
 * across the K mask channels, channel 0 being background, and cross-entropy against the target
 * distribution `t` on the RoI's class and `1 − t` on background, averaged over all pixels of all
 * positive RoIs. Unlike {@link sigmoidMaskLoss} the classes compete, which the paper shows costs
 * 5.5 mask AP. Soft targets (from resampling binary masks) are used as they are.
 *
 * @param maskLogits `[P,m,m,K]` mask logits, K ≥ 2 including the background channel 0.
 * @param labels `[P]` ground-truth class of each RoI, in `[1, K)`.
 * @param maskTargets `[P,m,m]` targets in [0, 1].
 */
export function multinomialMaskLoss(
  maskLogits: tf.Tensor4D,
  labels: IndexInput,
  maskTargets: tf.Tensor3D,
): tf.Scalar {
  if (maskLogits.rank === 4 && maskLogits.shape[3] < 2) {
    expectShape('maskLogits', maskLogits, [null, null, null, 2]);
  }
  const ids = checkMaskInputs(maskLogits, labels, maskTargets, 1);
  return tf.tidy(() => {
    if (maskLogits.shape[0] === 0) return tf.mul(tf.sum(maskLogits), 0) as tf.Scalar;
    const logProbs = tf.logSoftmax(maskLogits) as tf.Tensor4D;
    const [p, h, w] = maskLogits.shape;
    const logForeground = pickClassMasks(logProbs, ids);
    const logBackground = tf.reshape(tf.slice(logProbs, [0, 0, 0, 0], [p, h, w, 1]), [p, h, w]);
    const perPixel = tf.add(
      tf.mul(maskTargets, logForeground),
      tf.mul(tf.sub(1, maskTargets), logBackground),
    );
    return tf.neg(tf.mean(perPixel)) as tf.Scalar;
  });
}
