import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors';
import type { SeededRandom } from '../rng';

/**
 * How to initialise a weight tensor, following `torch.nn.init`. `fanIn` / `fanOut` are computed
 * as torch does (`fanIn = inputs per output × kernel area`). `a` is the negative slope of the
 * leaky ReLU gain `sqrt(2 / (1 + a²))`; torch's default layers use `kaimingUniform` with
 * `a = sqrt(5)`, which gives a bound of `1/sqrt(fanIn)`.
 */
export type WeightInit =
  | { readonly kind: 'kaimingUniform'; readonly a?: number; readonly mode?: 'fanIn' | 'fanOut' }
  | {
      readonly kind: 'kaimingNormal';
      readonly a?: number;
      readonly mode?: 'fanIn' | 'fanOut';
      /** `relu` (gain √2, the default) or `linear` (gain 1). */
      readonly nonlinearity?: 'relu' | 'linear' | 'leakyRelu';
    }
  | { readonly kind: 'normal'; readonly mean?: number; readonly std: number }
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'constant'; readonly value: number };

/**
 * How to initialise a bias: `torchDefault` is `U(-1/sqrt(fanIn), 1/sqrt(fanIn))` as torch's
 * conv and linear layers do; a {@link WeightInit} of kind `constant`, `normal` or `uniform` is
 * also accepted.
 */
export type BiasInit =
  | 'torchDefault'
  | Extract<WeightInit, { kind: 'constant' } | { kind: 'normal' } | { kind: 'uniform' }>;

/** torch's default weight init for conv and linear layers: kaiming uniform with `a = sqrt(5)`. */
export const TORCH_DEFAULT_WEIGHT_INIT: WeightInit = {
  kind: 'kaimingUniform',
  a: Math.sqrt(5),
  mode: 'fanIn',
};

/** Fans of a weight tensor, as torch's `_calculate_fan_in_and_fan_out` computes them. */
export interface Fans {
  readonly fanIn: number;
  readonly fanOut: number;
}

function gain(nonlinearity: 'relu' | 'linear' | 'leakyRelu', a: number): number {
  if (nonlinearity === 'linear') return 1;
  if (nonlinearity === 'relu') return Math.SQRT2;
  return Math.sqrt(2 / (1 + a * a));
}

function fill(size: number, draw: () => number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = draw();
  return out;
}

/**
 * Draw a float32 tensor of `shape` following `init`, with values from `rng` (a fixed seed gives
 * the same tensor every run). `fans` feed the Kaiming rules.
 */
export function initTensor(shape: number[], init: WeightInit, fans: Fans, rng: SeededRandom): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  let values: Float32Array;
  switch (init.kind) {
    case 'constant':
      values = new Float32Array(size).fill(init.value);
      break;
    case 'uniform':
      values = fill(size, () => rng.uniform(init.low, init.high));
      break;
    case 'normal':
      values = fill(size, () => rng.normal(init.mean ?? 0, init.std));
      break;
    case 'kaimingUniform': {
      const a = init.a ?? 0;
      const fan = init.mode === 'fanOut' ? fans.fanOut : fans.fanIn;
      const bound = gain('leakyRelu', a) * Math.sqrt(3 / Math.max(fan, 1));
      values = fill(size, () => rng.uniform(-bound, bound));
      break;
    }
    case 'kaimingNormal': {
      const a = init.a ?? 0;
      const fan = init.mode === 'fanOut' ? fans.fanOut : fans.fanIn;
      const std = gain(init.nonlinearity ?? 'relu', a) / Math.sqrt(Math.max(fan, 1));
      values = fill(size, () => rng.normal(0, std));
      break;
    }
    default:
      throw new ConfigError('init', `unknown initialiser ${JSON.stringify(init)}`);
  }
  return tf.tensor(values, shape, 'float32');
}

/** Draw a bias of `size` values following `init` (see {@link BiasInit}). */
export function initBias(size: number, init: BiasInit, fanIn: number, rng: SeededRandom): tf.Tensor1D {
  if (init === 'torchDefault') {
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    return tf.tensor1d(fill(size, () => rng.uniform(-bound, bound)));
  }
  return initTensor([size], init, { fanIn, fanOut: size }, rng) as tf.Tensor1D;
}
