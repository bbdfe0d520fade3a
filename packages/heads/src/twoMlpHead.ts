import { Linear, Module, type SeededRandom, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { positiveInt, sizePair } from './checks';
import type { BoxHead } from './types';

/** Options of {@link TwoMlpHead}. */
export interface TwoMlpHeadOptions {
  /** Channels C of the pooled features (256 for FPN). */
  readonly inChannels: number;
  /** Pooled size `h×w` (7 for Faster/Mask R-CNN FPN). */
  readonly resolution: number | readonly [number, number];
  /** Width of both fc layers. Default 1024, as the paper and torchvision. */
  readonly representationSize?: number;
  readonly rng: SeededRandom;
}

/**
 * The FPN box head: flatten, fc6 + ReLU, fc7 + ReLU (torchvision's `TwoMLPHead`). Parameters
 * `fc6.weight` `[h·w·C, rep]`, `fc6.bias`, `fc7.weight` `[rep, rep]`, `fc7.bias`, torch's default
 * init. The flatten is in (y, x, c) order where torchvision's is (c, y, x), so `fc6.weight` has
 * `@rcnn/core`'s `linearFromChw` layout: `loadStateDict` permutes its rows on import (and
 * `toTorchLayout` back on export).
 */
export class TwoMlpHead extends Module implements BoxHead {
  readonly outFeatures: number;
  /** The pooled `[h,w,C]` that fc6 flattens. */
  readonly inputShape: readonly [number, number, number];
  readonly fc6: Linear;
  readonly fc7: Linear;

  constructor(options: TwoMlpHeadOptions) {
    super();
    const channels = positiveInt('inChannels', options.inChannels);
    const [height, width] = sizePair('resolution', options.resolution);
    const rep = positiveInt('representationSize', options.representationSize ?? 1024);
    this.inputShape = [height, width, channels];
    this.outFeatures = rep;
    const { rng } = options;
    this.fc6 = this.addModule(
      'fc6',
      new Linear({
        inFeatures: channels * height * width,
        outFeatures: rep,
        chwInput: { channels, height, width },
        rng,
      }),
    );
    this.fc7 = this.addModule('fc7', new Linear({ inFeatures: rep, outFeatures: rep, rng }));
  }

  /** `pooled` `[R,h,w,C]` → `[R,representationSize]`. */
  apply(pooled: tf.Tensor4D): tf.Tensor2D {
    const [height, width, channels] = this.inputShape;
    if (
      pooled.rank !== 4 ||
      pooled.shape[1] !== height ||
      pooled.shape[2] !== width ||
      pooled.shape[3] !== channels
    ) {
      throw new ShapeError('pooled', [null, height, width, channels], pooled.shape, 'input of TwoMlpHead');
    }
    return tf.tidy(() => {
      const x = tf.reshape(pooled, [pooled.shape[0], -1]) as tf.Tensor2D;
      return this.fc7.apply(this.fc6.apply(x, 'relu'), 'relu');
    });
  }
}
