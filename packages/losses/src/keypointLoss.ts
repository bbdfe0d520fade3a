import * as tf from '@tensorflow/tfjs-core';
import { expectFloat, expectShape } from './checks';
import { keypointsToHeatmap, readFloatRows } from './keypointTargets';

/**
 * The Mask R-CNN keypoint loss as torchvision's `keypointrcnn_loss`: for every visible keypoint
 * of every positive RoI that lies inside the RoI, cross-entropy of a softmax over the m² heatmap
 * positions against its one-hot target cell (see {@link keypointsToHeatmap}), averaged over
 * those keypoints. With none it is 0, still connected to `keypointLogits` (torchvision's
 * `keypoint_logits.sum() * 0`).
 *
 * @param keypointLogits `[P,m,m,K]` heatmap logits of the P positive RoIs, NHWC (torchvision
 *   `[P,K,m,m]`); the heatmaps must be square.
 * @param proposals `[P,4]` `(x1, y1, x2, y2)` the positive RoIs, image pixels.
 * @param matchedKeypoints `[P,K,3]` `(x, y, visibility)` of the ground truth matched to each RoI.
 */
export function keypointRcnnLoss(
  keypointLogits: tf.Tensor4D,
  proposals: tf.Tensor | Float32Array,
  matchedKeypoints: tf.Tensor | Float32Array,
): tf.Scalar {
  expectShape('keypointLogits', keypointLogits, [null, null, null, null]);
  expectFloat('keypointLogits', keypointLogits);
  const [p, h, w, k] = keypointLogits.shape;
  expectShape('keypointLogits', keypointLogits, [p, h, h, k]);
  const rois = readFloatRows('proposals', proposals, 4, p);
  const keypoints = readFloatRows('matchedKeypoints', matchedKeypoints, 3, p * k);
  const { targets, valid } = keypointsToHeatmap(keypoints, rois, h);
  let count = 0;
  for (let i = 0; i < valid.length; i++) count += valid[i];
  return tf.tidy(() => {
    if (count === 0) return tf.mul(tf.sum(keypointLogits), 0) as tf.Scalar;
    const cells = h * w;
    // Per-keypoint rows over the m² positions: [P,m,m,K] → [P,K,m²].
    const rows = tf.reshape(tf.transpose(keypointLogits, [0, 3, 1, 2]), [p * k, cells]);
    // A weight of 1/count on each valid target cell: a masked mean with no differentiated gather.
    const pick = new Float32Array(p * k * cells);
    for (let r = 0; r < p * k; r++) if (valid[r]) pick[r * cells + targets[r]] = 1 / count;
    const weighted = tf.mul(tf.logSoftmax(rows), tf.tensor2d(pick, [p * k, cells]));
    return tf.neg(tf.sum(weighted)) as tf.Scalar;
  });
}
