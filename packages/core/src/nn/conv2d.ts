import type * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../errors';
import type { SeededRandom } from '../rng';
import { type Conv2dGeometry, type ConvActivation, conv2dNhwc } from './conv2dOp';
import { type BiasInit, initBias, initTensor, TORCH_DEFAULT_WEIGHT_INIT, type WeightInit } from './init';
import { Module } from './module';
import { type Pair, toPair } from './pair';

/** Options of {@link Conv2d}; names and defaults follow `torch.nn.Conv2d`. */
export interface Conv2dOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: Pair;
  readonly stride?: Pair;
  /** Symmetric zero padding in pixels. Default 0. */
  readonly padding?: Pair;
  readonly dilation?: Pair;
  /** Channel groups; `inChannels` and `outChannels` must both divide by it. Default 1. */
  readonly groups?: number;
  /** Whether the layer has a bias. Default true. */
  readonly bias?: boolean;
  /** Weight initialiser; default torch's (kaiming uniform, `a = sqrt(5)`). */
  readonly weightInit?: WeightInit;
  /** Bias initialiser; default torch's `U(±1/sqrt(fanIn))`. */
  readonly biasInit?: BiasInit;
  /** Source of the initial values. */
  readonly rng: SeededRandom;
}

/**
 * 2-D convolution over NHWC images. Parameters: `weight` `[kh,kw,inChannels/groups,outChannels]`
 * (torch's `[O,I/groups,kh,kw]` transposed, see ARCHITECTURE.md) and optional `bias`
 * `[outChannels]`.
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly geometry: Conv2dGeometry;
  readonly weight: tf.Variable<tf.Rank.R4>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(options: Conv2dOptions) {
    super();
    const { inChannels, outChannels, rng } = options;
    const groups = options.groups ?? 1;
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
      ['groups', groups],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ConfigError(name, `expected a positive integer, got ${v}`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new ConfigError(
        'groups',
        `inChannels (${inChannels}) and outChannels (${outChannels}) must both divide by groups (${groups})`,
      );
    }
    const [kh, kw] = toPair(options.kernelSize, 'kernelSize', 1);
    const stride = toPair(options.stride ?? 1, 'stride', 1);
    const padding = toPair(options.padding ?? 0, 'padding', 0);
    const dilation = toPair(options.dilation ?? 1, 'dilation', 1);
    if ((stride[0] > 1 || stride[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
      throw new ConfigError(
        'dilation',
        'tfjs convolutions take either a stride or a dilation above 1, not both',
      );
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = [kh, kw];
    this.geometry = { stride, padding, dilation, groups };
    const inPerGroup = inChannels / groups;
    const fans = { fanIn: inPerGroup * kh * kw, fanOut: outChannels * kh * kw };
    this.weight = this.addParameter(
      'weight',
      initTensor(
        [kh, kw, inPerGroup, outChannels],
        options.weightInit ?? TORCH_DEFAULT_WEIGHT_INIT,
        fans,
        rng,
      ),
      'conv2d',
    ) as tf.Variable<tf.Rank.R4>;
    this.bias =
      options.bias === false
        ? null
        : (this.addParameter(
            'bias',
            initBias(outChannels, options.biasInit ?? 'torchDefault', fans.fanIn, rng),
          ) as tf.Variable<tf.Rank.R1>);
  }

  /** Check that `x` is `[N,H,W,inChannels]`; `name` labels it in the error. */
  checkInput(x: tf.Tensor, name = 'x'): void {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new ShapeError(name, [null, null, null, this.inChannels], x.shape, `input of ${this.describe()}`);
    }
  }

  /** `x` `[N,H,W,inChannels]` → `[N,H',W',outChannels]`, with an optional fused ReLU. */
  apply(x: tf.Tensor4D, activation: ConvActivation = 'linear'): tf.Tensor4D {
    this.checkInput(x);
    return conv2dNhwc(x, this.weight, this.bias, this.geometry, activation);
  }

  /** A short description such as `Conv2d(64→128, k3, s2, p1)` for messages. */
  describe(): string {
    const g = this.geometry;
    const parts = [`${this.inChannels}→${this.outChannels}`, `k${this.kernelSize.join('x')}`];
    if (g.stride[0] !== 1 || g.stride[1] !== 1) parts.push(`s${g.stride.join('x')}`);
    if (g.padding[0] !== 0 || g.padding[1] !== 0) parts.push(`p${g.padding.join('x')}`);
    if (g.dilation[0] !== 1 || g.dilation[1] !== 1) parts.push(`d${g.dilation.join('x')}`);
    if (g.groups !== 1) parts.push(`g${g.groups}`);
    return `Conv2d(${parts.join(', ')})`;
  }
}
