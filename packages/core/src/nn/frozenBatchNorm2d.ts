import * as tf from '@tensorflow/tfjs-core';
import { batchNormScaleAndShift, checkBatchNormInput, checkBatchNormOptions } from './batchNormAffine';
import { Module } from './module';

/** Options of {@link FrozenBatchNorm2d}. */
export interface FrozenBatchNorm2dOptions {
  readonly numFeatures: number;
  /**
   * Added to the running variance. Default 1e-5 as torchvision's `FrozenBatchNorm2d`;
   * checkpoints converted from Caffe2/Detectron use 0.
   */
  readonly eps?: number;
}

/**
 * BatchNorm with fixed statistics and affine parameters (torchvision's `FrozenBatchNorm2d`):
 * `y = x·scale + shift` with `scale = weight / sqrt(running_var + eps)` and
 * `shift = bias − running_mean·scale`, over the channel axis of NHWC input. All four tensors
 * (`weight`, `bias`, `running_mean`, `running_var`, each `[numFeatures]`) are buffers: never
 * trained. Initialised to the identity (weight 1, bias 0, mean 0, var 1).
 */
export class FrozenBatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly weight: tf.Variable<tf.Rank.R1>;
  readonly bias: tf.Variable<tf.Rank.R1>;
  readonly runningMean: tf.Variable<tf.Rank.R1>;
  readonly runningVar: tf.Variable<tf.Rank.R1>;

  constructor(options: FrozenBatchNorm2dOptions) {
    super();
    const { numFeatures } = options;
    const eps = options.eps ?? 1e-5;
    checkBatchNormOptions(numFeatures, eps);
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.weight = this.addBuffer('weight', tf.ones([numFeatures])) as tf.Variable<tf.Rank.R1>;
    this.bias = this.addBuffer('bias', tf.zeros([numFeatures])) as tf.Variable<tf.Rank.R1>;
    this.runningMean = this.addBuffer('running_mean', tf.zeros([numFeatures])) as tf.Variable<tf.Rank.R1>;
    this.runningVar = this.addBuffer('running_var', tf.ones([numFeatures])) as tf.Variable<tf.Rank.R1>;
  }

  /** The per-channel affine map this layer applies, `{ scale, shift }`, each `[numFeatures]`. */
  scaleAndShift(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    return batchNormScaleAndShift(this.weight, this.bias, this.runningMean, this.runningVar, this.eps);
  }

  /** `x` `[N,H,W,numFeatures]` → same shape. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    checkBatchNormInput(x, this.numFeatures, 'FrozenBatchNorm2d');
    return tf.tidy(() => {
      const { scale, shift } = this.scaleAndShift();
      return tf.add(tf.mul(x, scale), shift);
    });
  }
}
