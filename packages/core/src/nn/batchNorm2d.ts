import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../errors';
import { batchNormScaleAndShift, checkBatchNormInput, checkBatchNormOptions } from './batchNormAffine';
import { Module } from './module';

/** Options of {@link BatchNorm2d}; names and defaults follow `torch.nn.BatchNorm2d`. */
export interface BatchNorm2dOptions {
  readonly numFeatures: number;
  /** Added to the variance. Default 1e-5. */
  readonly eps?: number;
  /** Weight of the new batch statistic in the running averages. Default 0.1. */
  readonly momentum?: number;
}

/**
 * Trainable batch normalisation over the channel axis of NHWC input (torch's `BatchNorm2d`).
 * Parameters `weight`, `bias` and buffers `running_mean`, `running_var`, each `[numFeatures]`.
 *
 * In training mode it normalises with the batch mean and biased variance over N, H, W and
 * updates the running averages with the unbiased variance, as torch does; in inference mode it
 * uses the running statistics.
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly weight: tf.Variable<tf.Rank.R1>;
  readonly bias: tf.Variable<tf.Rank.R1>;
  readonly runningMean: tf.Variable<tf.Rank.R1>;
  readonly runningVar: tf.Variable<tf.Rank.R1>;

  constructor(options: BatchNorm2dOptions) {
    super();
    const { numFeatures } = options;
    const eps = options.eps ?? 1e-5;
    const momentum = options.momentum ?? 0.1;
    checkBatchNormOptions(numFeatures, eps);
    if (!(momentum >= 0 && momentum <= 1))
      throw new ConfigError('momentum', `expected a number in [0, 1], got ${momentum}`);
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = this.addParameter('weight', tf.ones([numFeatures])) as tf.Variable<tf.Rank.R1>;
    this.bias = this.addParameter('bias', tf.zeros([numFeatures])) as tf.Variable<tf.Rank.R1>;
    this.runningMean = this.addBuffer('running_mean', tf.zeros([numFeatures])) as tf.Variable<tf.Rank.R1>;
    this.runningVar = this.addBuffer('running_var', tf.ones([numFeatures])) as tf.Variable<tf.Rank.R1>;
  }

  /**
   * The per-channel affine map of inference mode, `{ scale, shift }` from the running statistics,
   * each `[numFeatures]` (differentiable with respect to `weight` and `bias`).
   */
  scaleAndShift(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    return batchNormScaleAndShift(this.weight, this.bias, this.runningMean, this.runningVar, this.eps);
  }

  /**
   * `x` `[N,H,W,numFeatures]` → same shape. With `training` true, normalises by batch statistics
   * and updates `running_mean` / `running_var` (needs more than one value per channel).
   */
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    checkBatchNormInput(x, this.numFeatures, 'BatchNorm2d');
    if (!training) {
      return tf.tidy(() => {
        const { scale, shift } = this.scaleAndShift();
        return tf.add(tf.mul(x, scale), shift);
      });
    }
    const count = x.shape[0] * x.shape[1] * x.shape[2];
    if (count < 2) {
      throw new ShapeError(
        'x',
        '[N,H,W,C] with N·H·W > 1',
        x.shape,
        'BatchNorm2d needs more than one value per channel to train',
      );
    }
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      const y = tf.add(
        tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps))), this.weight),
        this.bias,
      ) as tf.Tensor4D;
      const m = this.momentum;
      const unbiased = tf.mul(variance, count / (count - 1));
      // The variables keep the new values' data when tidy disposes these handles.
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)) as tf.Tensor1D);
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)) as tf.Tensor1D);
      return y;
    });
  }
}
