import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../errors';
import type { SeededRandom } from '../rng';
import { type BiasInit, initBias, initTensor, TORCH_DEFAULT_WEIGHT_INIT, type WeightInit } from './init';
import { type LinearFromChwLayout, Module } from './module';

/** Options of {@link Linear}; names and defaults follow `torch.nn.Linear`. */
export interface LinearOptions {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** Whether the layer has a bias. Default true. */
  readonly bias?: boolean;
  /** Weight initialiser; default torch's (kaiming uniform, `a = sqrt(5)`). */
  readonly weightInit?: WeightInit;
  /** Bias initialiser; default torch's `U(±1/sqrt(inFeatures))`. */
  readonly biasInit?: BiasInit;
  /**
   * Set when the input is a flattened `[H,W,C]` feature map that torch flattens as `[C,H,W]`
   * (the first fc after RoI pooling): the weight gets the {@link LinearFromChwLayout} layout, so
   * weight import and export permute its rows. `channels·height·width` must equal `inFeatures`.
   */
  readonly chwInput?: Omit<LinearFromChwLayout, 'kind'>;
  readonly rng: SeededRandom;
}

/**
 * Fully connected layer `y = x·W + b`. Parameters: `weight` `[inFeatures,outFeatures]` (torch's
 * `[out,in]` transposed) and optional `bias` `[outFeatures]`.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: tf.Variable<tf.Rank.R2>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(options: LinearOptions) {
    super();
    const { inFeatures, outFeatures, rng } = options;
    for (const [name, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ConfigError(name, `expected a positive integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const chw = options.chwInput;
    if (chw != null && chw.channels * chw.height * chw.width !== inFeatures) {
      throw new ConfigError(
        'chwInput',
        `channels·height·width (${chw.channels}·${chw.height}·${chw.width}) must equal inFeatures (${inFeatures})`,
      );
    }
    const fans = { fanIn: inFeatures, fanOut: outFeatures };
    this.weight = this.addParameter(
      'weight',
      initTensor([inFeatures, outFeatures], options.weightInit ?? TORCH_DEFAULT_WEIGHT_INIT, fans, rng),
      chw == null ? 'linear' : { kind: 'linearFromChw', ...chw },
    ) as tf.Variable<tf.Rank.R2>;
    this.bias =
      options.bias === false
        ? null
        : (this.addParameter(
            'bias',
            initBias(outFeatures, options.biasInit ?? 'torchDefault', inFeatures, rng),
          ) as tf.Variable<tf.Rank.R1>);
  }

  /** `x` `[..., inFeatures]` → `[..., outFeatures]`, with an optional ReLU. */
  apply<T extends tf.Tensor>(x: T, activation: 'linear' | 'relu' = 'linear'): T {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new ShapeError(
        'x',
        `[...,${this.inFeatures}]`,
        x.shape,
        `input of Linear(${this.inFeatures}→${this.outFeatures})`,
      );
    }
    return tf.tidy(() => {
      const x2 = x.rank === 2 ? (x as unknown as tf.Tensor2D) : tf.reshape(x, [-1, this.inFeatures]);
      const y = tf.fused.matMul({
        a: x2 as tf.Tensor2D,
        b: this.weight,
        bias: this.bias ?? undefined,
        activation,
      });
      return (x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures])) as T;
    });
  }
}
