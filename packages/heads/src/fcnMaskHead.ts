import { Module, type SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { MaskRcnnHeads } from './maskRcnnHeads';
import { MaskRcnnPredictor } from './maskRcnnPredictor';
import type { MaskHead } from './types';

/** Options of {@link FcnMaskHead}. */
export interface FcnMaskHeadOptions {
  /** Channels of the pooled features (256 for FPN). */
  readonly inChannels: number;
  /** Number of classes K+1, background included. */
  readonly numClasses: number;
  /** 3×3 conv widths. Default `[256, 256, 256, 256]` (the paper's Table 2e FCN). */
  readonly layers?: readonly number[];
  readonly dilation?: number;
  /** Deconv width. Default 256. */
  readonly dimReduced?: number;
  /** One mask for all classes. Default false (class-specific, as the paper). */
  readonly classAgnostic?: boolean;
  readonly rng: SeededRandom;
}

/**
 * The FPN mask branch: {@link MaskRcnnHeads} then {@link MaskRcnnPredictor}, registered as
 * `mask_head` and `mask_predictor` so names match torchvision's `roi_heads.mask_head.*` and
 * `roi_heads.mask_predictor.*` under a `roi_heads.` prefix. 14×14 pooled features give 28×28
 * logits.
 */
export class FcnMaskHead extends Module implements MaskHead {
  readonly numMaskClasses: number;
  readonly maskHead: MaskRcnnHeads;
  readonly maskPredictor: MaskRcnnPredictor;

  constructor(options: FcnMaskHeadOptions) {
    super();
    const { rng } = options;
    this.maskHead = this.addModule(
      'mask_head',
      new MaskRcnnHeads({
        inChannels: options.inChannels,
        layers: options.layers,
        dilation: options.dilation,
        rng,
      }),
    );
    this.maskPredictor = this.addModule(
      'mask_predictor',
      new MaskRcnnPredictor({
        inChannels: this.maskHead.outChannels,
        dimReduced: options.dimReduced,
        numClasses: options.numClasses,
        classAgnostic: options.classAgnostic,
        rng,
      }),
    );
    this.numMaskClasses = this.maskPredictor.numMaskClasses;
  }

  /** `pooled` `[R,h,w,C]` → mask logits `[R,2h,2w,K]`. */
  apply(pooled: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.maskPredictor.apply(this.maskHead.apply(pooled)));
  }
}
