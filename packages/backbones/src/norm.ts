import { BatchNorm2d, ConfigError, type Conv2d, conv2dNhwc, FrozenBatchNorm2d } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * BatchNorm flavour of a ResNet: `frozen` is torchvision's `FrozenBatchNorm2d` (fixed statistics
 * and affine parameters, what detection fine-tuning uses); `batch` is a trainable `BatchNorm2d`.
 */
export type NormKind = 'frozen' | 'batch';

/** A BatchNorm layer of either kind. */
export type NormLayer = FrozenBatchNorm2d | BatchNorm2d;

/** Build a norm layer over `channels` channels. */
export function makeNorm(kind: NormKind, channels: number, eps: number): NormLayer {
  if (kind === 'frozen') return new FrozenBatchNorm2d({ numFeatures: channels, eps });
  if (kind === 'batch') return new BatchNorm2d({ numFeatures: channels, eps });
  throw new ConfigError('norm', `must be 'frozen' or 'batch', got ${JSON.stringify(kind)}`);
}

/**
 * `act(norm(conv(x)))` over NHWC input. Unless the norm needs batch statistics (a trainable
 * BatchNorm in training mode) its per-channel affine map is folded into the convolution
 * (`filter·scale`, bias `shift`) so the whole step is one fused convolution; the result equals
 * the unfolded computation up to float32 rounding and stays differentiable.
 *
 * @param useBatchStats whether a trainable BatchNorm normalises by batch statistics (and updates
 *   its running averages).
 */
export function convNorm(
  conv: Conv2d,
  norm: NormLayer,
  x: tf.Tensor4D,
  relu: boolean,
  useBatchStats: boolean,
): tf.Tensor4D {
  conv.checkInput(x);
  return tf.tidy(() => {
    if (norm instanceof BatchNorm2d && useBatchStats) {
      const y = norm.apply(conv.apply(x), true);
      return relu ? tf.relu(y) : y;
    }
    const { scale, shift } = norm.scaleAndShift();
    const filter = tf.mul(conv.weight, scale) as tf.Tensor4D;
    const bias = conv.bias ? (tf.add(tf.mul(conv.bias, scale), shift) as tf.Tensor1D) : shift;
    return conv2dNhwc(x, filter, bias, conv.geometry, relu ? 'relu' : 'linear');
  });
}
