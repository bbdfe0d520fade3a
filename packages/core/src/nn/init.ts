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

const TWO_POW_32 = 4294967296;

/**
 * `size` draws of `U(low, high)` with 32 random bits each (one generator step per value: weight
 * init draws millions of values, e.g. 88M for ResNeXt-101 32×8d).
 */
function fillUniform(size: number, low: number, high: number, rng: SeededRandom): Float32Array {
  const out = new Float32Array(size);
  const scale = (high - low) / TWO_POW_32;
  for (let i = 0; i < size; i++) out[i] = low + (rng.nextUint32() + 0.5) * scale;
  return out;
}

/** `size` draws of `N(mean, std)` by Box–Muller on 32-bit uniforms, both outputs of each pair used. */
function fillNormal(size: number, mean: number, std: number, rng: SeededRandom): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const u = (rng.nextUint32() + 0.5) / TWO_POW_32;
    const v = rng.nextUint32() / TWO_POW_32;
    const r = std * Math.sqrt(-2 * Math.log(u));
    out[i] = mean + r * Math.cos(2 * Math.PI * v);
    if (i + 1 < size) out[i + 1] = mean + r * Math.sin(2 * Math.PI * v);
  }
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
      values = fillUniform(size, init.low, init.high, rng);
      break;
    case 'normal':
      values = fillNormal(size, init.mean ?? 0, init.std, rng);
      break;
    case 'kaimingUniform': {
      const a = init.a ?? 0;
      const fan = init.mode === 'fanOut' ? fans.fanOut : fans.fanIn;
      const bound = gain('leakyRelu', a) * Math.sqrt(3 / Math.max(fan, 1));
      values = fillUniform(size, -bound, bound, rng);
      break;
    }
    case 'kaimingNormal': {
      const a = init.a ?? 0;
      const fan = init.mode === 'fanOut' ? fans.fanOut : fans.fanIn;
      const std = gain(init.nonlinearity ?? 'relu', a) / Math.sqrt(Math.max(fan, 1));
      values = fillNormal(size, 0, std, rng);
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
    return tf.tensor1d(fillUniform(size, -bound, bound, rng));
  }
  return initTensor([size], init, { fanIn, fanOut: size }, rng) as tf.Tensor1D;
}
