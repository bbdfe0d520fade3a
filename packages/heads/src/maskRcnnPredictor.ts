import { Conv2d, ConvTranspose2d, Module, type SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { positiveInt } from './checks';

/** Options of {@link MaskRcnnPredictor}. */
export interface MaskRcnnPredictorOptions {
  /** Channels of the mask features (256 for FPN, 2048 for C4's res5). */
  readonly inChannels: number;
  /** Channels after the deconv. Default 256. */
  readonly dimReduced?: number;
  /** Number of classes K+1, background included (torchvision keeps a background channel). */
  readonly numClasses: number;
  /** One mask for all classes (the paper's class-agnostic variant). Default false. */
  readonly classAgnostic?: boolean;
  readonly rng: SeededRandom;
}

/**
 * The mask predictor (torchvision's `MaskRCNNPredictor`): a 2×2 stride-2 deconv with ReLU
 * (`conv5_mask`, doubling the size: 14 → 28) and a 1×1 conv to one logit map per class
 * (`mask_fcn_logits`). Parameters `conv5_mask.weight` `[2,2,dimReduced,in]` (the tfjs
 * `conv2dTranspose` layout; torch `[in,dimReduced,2,2]`), `conv5_mask.bias`,
 * `mask_fcn_logits.weight` `[1,1,dimReduced,K]`, `mask_fcn_logits.bias`. Weights init Kaiming
 * normal (fan out, ReLU), biases torch's default, as torchvision.
 */
export class MaskRcnnPredictor extends Module {
  readonly inChannels: number;
  /** Mask channels: `numClasses`, or 1 when class-agnostic. */
  readonly numMaskClasses: number;
  readonly conv5Mask: ConvTranspose2d;
  readonly maskFcnLogits: Conv2d;

  constructor(options: MaskRcnnPredictorOptions) {
    super();
    this.inChannels = positiveInt('inChannels', options.inChannels);
    const dim = positiveInt('dimReduced', options.dimReduced ?? 256);
    const numClasses = positiveInt('numClasses', options.numClasses);
    this.numMaskClasses = options.classAgnostic ? 1 : numClasses;
    const weightInit = { kind: 'kaimingNormal', mode: 'fanOut', nonlinearity: 'relu' } as const;
    const { rng } = options;
    this.conv5Mask = this.addModule(
      'conv5_mask',
      new ConvTranspose2d({
        inChannels: this.inChannels,
        outChannels: dim,
        kernelSize: 2,
        stride: 2,
        weightInit,
        rng,
      }),
    );
    this.maskFcnLogits = this.addModule(
      'mask_fcn_logits',
      new Conv2d({ inChannels: dim, outChannels: this.numMaskClasses, kernelSize: 1, weightInit, rng }),
    );
  }

  /** `features` `[R,h,w,in]` → mask logits `[R,2h,2w,K]`. */
  apply(features: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.maskFcnLogits.apply(this.conv5Mask.apply(features, 'relu')));
  }
}
