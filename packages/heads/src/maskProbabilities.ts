import { ConfigError, InputError, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import type { MaskActivation } from './types';

/**
 * Per-RoI mask probabilities of the predicted class, as torchvision's `maskrcnn_inference`
 * (sigmoid of the labelled class's logits) or, with `'softmax'`, the multinomial variant of the
 * paper's Table 2b (softmax across the K channels, channel 0 = background, then the labelled
 * class's probability). With class-agnostic logits (K = 1) the single channel is used and
 * labels are ignored (softmax needs K ≥ 2).
 *
 * @param maskLogits `[R,m,m,K]`.
 * @param labels `[R]` predicted class per RoI, in `[0, K)`.
 * @returns `[R,m,m]` probabilities in [0, 1].
 */
export function maskProbabilities(
  maskLogits: tf.Tensor4D,
  labels: ArrayLike<number> | tf.Tensor1D,
  activation: MaskActivation = 'sigmoid',
): tf.Tensor3D {
  if (maskLogits.rank !== 4) throw new ShapeError('maskLogits', [null, null, null, null], maskLogits.shape);
  if (activation !== 'sigmoid' && activation !== 'softmax') {
    throw new ConfigError('activation', `expected 'sigmoid' or 'softmax', got ${String(activation)}`);
  }
  const [r, h, w, k] = maskLogits.shape;
  if (activation === 'softmax' && k < 2) {
    throw new ConfigError('activation', "'softmax' needs K ≥ 2 mask channels (background included)");
  }
  const ids = labels instanceof tf.Tensor ? labels.dataSync() : labels;
  if (ids.length !== r) throw new ShapeError('labels', [r], [ids.length]);
  const select = new Uint8Array(r * k);
  for (let i = 0; i < r; i++) {
    const c = k === 1 ? 0 : ids[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      throw new InputError('labels', `value ${ids[i]} at index ${i} is not a class in [0, ${k})`);
    }
    select[i * k + c] = 1;
  }
  return tf.tidy(() => {
    const probs = activation === 'sigmoid' ? tf.sigmoid(maskLogits) : tf.softmax(maskLogits);
    const cond = tf.broadcastTo(tf.tensor4d(select, [r, 1, 1, k], 'bool'), [r, h, w, k]);
    return tf.sum(tf.where(cond, probs, tf.zerosLike(probs)), 3) as tf.Tensor3D;
  });
}
