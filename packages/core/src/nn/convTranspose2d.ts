import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../errors';
import type { SeededRandom } from '../rng';
import { type BiasInit, initBias, initTensor, TORCH_DEFAULT_WEIGHT_INIT, type WeightInit } from './init';
import { Module } from './module';
import { type Pair, toPair } from './pair';

/** Options of {@link ConvTranspose2d}; names and defaults follow `torch.nn.ConvTranspose2d`. */
export interface ConvTranspose2dOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: Pair;
  readonly stride?: Pair;
  /** Zero padding torch removes from both sides of the output. Default 0. */
  readonly padding?: Pair;
  /** Extra rows/columns added to one side of the output; must be below the stride. Default 0. */
  readonly outputPadding?: Pair;
  readonly bias?: boolean;
  readonly weightInit?: WeightInit;
  readonly biasInit?: BiasInit;
  readonly rng: SeededRandom;
}

/**
 * Transposed 2-D convolution ("deconvolution") over NHWC images, as used by mask heads. Output
 * size `H' = (H − 1)·s − 2·p + k + outputPadding`. Parameters: `weight` `[kh,kw,outChannels,inChannels]`
 * (the filter layout of `tf.conv2dTranspose`; torch's is `[in,out,kh,kw]`) and optional `bias`
 * `[outChannels]`. Groups and dilation are not supported.
 */
export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly outputPadding: readonly [number, number];
  readonly weight: tf.Variable<tf.Rank.R4>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(options: ConvTranspose2dOptions) {
    super();
    const { inChannels, outChannels, rng } = options;
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ConfigError(name, `expected a positive integer, got ${v}`);
    }
    const [kh, kw] = toPair(options.kernelSize, 'kernelSize', 1);
    this.stride = toPair(options.stride ?? 1, 'stride', 1);
    this.padding = toPair(options.padding ?? 0, 'padding', 0);
    this.outputPadding = toPair(options.outputPadding ?? 0, 'outputPadding', 0);
    if (this.outputPadding[0] >= this.stride[0] || this.outputPadding[1] >= this.stride[1]) {
      throw new ConfigError(
        'outputPadding',
        `must be smaller than the stride ${JSON.stringify(this.stride)}`,
      );
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = [kh, kw];
    // torch computes the fans of a transposed conv from its [in,out,kh,kw] weight: fanIn = out·k².
    const fans = { fanIn: outChannels * kh * kw, fanOut: inChannels * kh * kw };
    this.weight = this.addParameter(
      'weight',
      initTensor(
        [kh, kw, outChannels, inChannels],
        options.weightInit ?? TORCH_DEFAULT_WEIGHT_INIT,
        fans,
        rng,
      ),
      'convTranspose2d',
    ) as tf.Variable<tf.Rank.R4>;
    this.bias =
      options.bias === false
        ? null
        : (this.addParameter(
            'bias',
            initBias(outChannels, options.biasInit ?? 'torchDefault', fans.fanIn, rng),
          ) as tf.Variable<tf.Rank.R1>);
  }

  /** `x` `[N,H,W,inChannels]` → `[N,H',W',outChannels]`, with an optional ReLU. */
  apply(x: tf.Tensor4D, activation: 'linear' | 'relu' = 'linear'): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new ShapeError('x', [null, null, null, this.inChannels], x.shape, 'input of ConvTranspose2d');
    }
    const [n, h, w] = x.shape;
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const outH = (h - 1) * sh - 2 * ph + kh + this.outputPadding[0];
    const outW = (w - 1) * sw - 2 * pw + kw + this.outputPadding[1];
    const pad: number | tf.backend_util.ExplicitPadding =
      ph === pw
        ? ph
        : [
            [0, 0],
            [ph, ph],
            [pw, pw],
            [0, 0],
          ];
    return tf.tidy(() => {
      let y: tf.Tensor4D = tf.conv2dTranspose(
        x,
        this.weight,
        [n, outH, outW, this.outChannels],
        [sh, sw],
        pad,
      );
      if (this.bias != null) y = tf.add(y, this.bias);
      return activation === 'relu' ? tf.relu(y) : y;
    });
  }
}
