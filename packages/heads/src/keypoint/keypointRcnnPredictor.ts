import { ConvTranspose2d, Module, type SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { positiveInt } from '../checks';
import { upsampleBilinear } from './upsampleBilinear';

/** Options of {@link KeypointRcnnPredictor}. */
export interface KeypointRcnnPredictorOptions {
  /** Channels of the keypoint features (512 after the paper's conv stack). */
  readonly inChannels: number;
  /** Number of keypoint types K. Default 17 (COCO person). */
  readonly numKeypoints?: number;
  readonly rng: SeededRandom;
}

/**
 * The keypoint predictor (torchvision's `KeypointRCNNPredictor`): a 4×4 stride-2 deconv with
 * padding 1 (`kps_score_lowres`, 14 → 28) straight to one logit map per keypoint, then a bilinear
 * 2× upsampling (half-pixel centres, torch's `align_corners=False`; 28 → 56). Parameters
 * `kps_score_lowres.weight` `[4,4,K,in]` (the tfjs `conv2dTranspose` layout; torch
 * `[in,K,4,4]`) and `kps_score_lowres.bias` `[K]`. Init as torchvision: Kaiming normal (fan out,
 * ReLU gain), zero bias.
 */
export class KeypointRcnnPredictor extends Module {
  readonly inChannels: number;
  readonly numKeypoints: number;
  readonly kpsScoreLowres: ConvTranspose2d;

  constructor(options: KeypointRcnnPredictorOptions) {
    super();
    this.inChannels = positiveInt('inChannels', options.inChannels);
    this.numKeypoints = positiveInt('numKeypoints', options.numKeypoints ?? 17);
    this.kpsScoreLowres = this.addModule(
      'kps_score_lowres',
      new ConvTranspose2d({
        inChannels: this.inChannels,
        outChannels: this.numKeypoints,
        kernelSize: 4,
        stride: 2,
        padding: 1,
        weightInit: { kind: 'kaimingNormal', mode: 'fanOut', nonlinearity: 'relu' },
        biasInit: { kind: 'constant', value: 0 },
        rng: options.rng,
      }),
    );
  }

  /** `features` `[R,h,w,in]` → keypoint heatmap logits `[R,4h,4w,K]`. */
  apply(features: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const low = this.kpsScoreLowres.apply(features);
      const [, h, w] = low.shape;
      return upsampleBilinear(low, [2 * h, 2 * w]);
    });
  }
}
