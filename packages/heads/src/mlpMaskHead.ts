import { Linear, Module, type SeededRandom, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { positiveInt, sizePair } from './checks';
import type { MaskHead } from './types';

/** Options of {@link MlpMaskHead}. */
export interface MlpMaskHeadOptions {
  /** Channels C of the pooled features. */
  readonly inChannels: number;
  /** Pooled size `h×w` fed to the first fc (14 in the paper's FPN mask branch). */
  readonly inputResolution: number | readonly [number, number];
  /**
   * Widths of the hidden fc layers. Default `[1024, 1024]` (Table 2e, "fc 1024→1024→80·28²");
   * `[1024, 1024, 1024]` is the deeper variant.
   */
  readonly hiddenSizes?: readonly number[];
  /** Mask side m. Default 28. */
  readonly maskResolution?: number;
  /** Number of classes K+1, background included. */
  readonly numClasses: number;
  /** One mask for all classes. Default false. */
  readonly classAgnostic?: boolean;
  readonly rng: SeededRandom;
}

/**
 * The MLP mask head of the Mask R-CNN paper's Table 2e: flatten the pooled features, hidden fc
 * layers with ReLU, and a last fc to K·m² logits, read as `[m,m,K]` per RoI. It has no
 * torchvision counterpart; parameter names are `fc1.weight`, `fc1.bias`, ..., `fcN.*` for the
 * hidden layers and `mask_fc_logits.*` for the last, torch's default init. The first fc
 * flattens in (y, x, c) order; its weight has the `linearFromChw` layout so a torch export
 * flattening (c, y, x) round-trips. The paper finds it 2.1 AP
 * below the FCN head: an fc layer loses the spatial layout a conv keeps.
 */
export class MlpMaskHead extends Module implements MaskHead {
  readonly numMaskClasses: number;
  readonly maskResolution: number;
  /** The pooled `[h,w,C]` that the first fc flattens. */
  readonly inputShape: readonly [number, number, number];
  readonly layers: readonly Linear[];

  constructor(options: MlpMaskHeadOptions) {
    super();
    const channels = positiveInt('inChannels', options.inChannels);
    const [height, width] = sizePair('inputResolution', options.inputResolution);
    this.inputShape = [height, width, channels];
    this.maskResolution = positiveInt('maskResolution', options.maskResolution ?? 28);
    this.numMaskClasses = options.classAgnostic ? 1 : positiveInt('numClasses', options.numClasses);
    const hidden = options.hiddenSizes ?? [1024, 1024];
    const { rng } = options;
    const layers: Linear[] = [];
    let prev = channels * height * width;
    hidden.forEach((size, i) => {
      const outFeatures = positiveInt(`hiddenSizes[${i}]`, size);
      const chwInput = i === 0 ? { channels, height, width } : undefined;
      const fc = new Linear({ inFeatures: prev, outFeatures, chwInput, rng });
      layers.push(this.addModule(`fc${i + 1}`, fc));
      prev = size;
    });
    const m = this.maskResolution;
    layers.push(
      this.addModule(
        'mask_fc_logits',
        new Linear({ inFeatures: prev, outFeatures: m * m * this.numMaskClasses, rng }),
      ),
    );
    this.layers = layers;
  }

  /** `pooled` `[R,h,w,C]` → mask logits `[R,m,m,K]`. */
  apply(pooled: tf.Tensor4D): tf.Tensor4D {
    const [height, width, channels] = this.inputShape;
    if (
      pooled.rank !== 4 ||
      pooled.shape[1] !== height ||
      pooled.shape[2] !== width ||
      pooled.shape[3] !== channels
    ) {
      throw new ShapeError('pooled', [null, height, width, channels], pooled.shape, 'input of MlpMaskHead');
    }
    const r = pooled.shape[0];
    const m = this.maskResolution;
    return tf.tidy(() => {
      let x = tf.reshape(pooled, [r, -1]) as tf.Tensor2D;
      const last = this.layers.length - 1;
      this.layers.forEach((fc, i) => {
        x = fc.apply(x, i < last ? 'relu' : 'linear');
      });
      return tf.reshape(x, [r, m, m, this.numMaskClasses]);
    });
  }
}
