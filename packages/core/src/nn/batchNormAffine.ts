import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../errors';

/** Throws a {@link ConfigError} naming `numFeatures` or `eps` when either is out of range. */
export function checkBatchNormOptions(numFeatures: number, eps: number): void {
  if (!Number.isInteger(numFeatures) || numFeatures < 1) {
    throw new ConfigError('numFeatures', `expected a positive integer, got ${numFeatures}`);
  }
  if (!(eps >= 0)) throw new ConfigError('eps', `expected a number >= 0, got ${eps}`);
}

/**
 * The per-channel affine map of batch norm with fixed statistics, each `[C]`:
 * `scale = weight / sqrt(runningVar + eps)`, `shift = bias − runningMean·scale`.
 */
export function batchNormScaleAndShift(
  weight: tf.Tensor1D,
  bias: tf.Tensor1D,
  runningMean: tf.Tensor1D,
  runningVar: tf.Tensor1D,
  eps: number,
): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  return tf.tidy(() => {
    const scale = tf.mul(weight, tf.rsqrt(tf.add(runningVar, eps))) as tf.Tensor1D;
    const shift = tf.sub(bias, tf.mul(runningMean, scale)) as tf.Tensor1D;
    return { scale, shift };
  });
}

/** Throws a {@link ShapeError} unless `x` is `[N,H,W,numFeatures]`; `layer` names the module. */
export function checkBatchNormInput(x: tf.Tensor, numFeatures: number, layer: string): void {
  if (x.rank !== 4 || x.shape[3] !== numFeatures) {
    throw new ShapeError('x', [null, null, null, numFeatures], x.shape, `input of ${layer}`);
  }
}
