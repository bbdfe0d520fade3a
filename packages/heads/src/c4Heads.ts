import { Module, type SeededRandom, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { MaskRcnnPredictor } from './maskRcnnPredictor';
import type { BoxHead, MaskHead } from './types';

/**
 * What the C4 heads need of ResNet's res5 stage (from `@rcnn/backbones`): a module mapping
 * pooled RoI features `[R,14,14,1024]` to `[R,7,7,2048]` (its first block has stride 2).
 */
export interface Res5Stage extends Module {
  readonly outChannels: number;
  apply(x: tf.Tensor4D, training?: boolean): tf.Tensor4D;
}

/** Options of {@link C4BoxHead}. */
export interface C4BoxHeadOptions {
  /** The res5 stage; the head owns it (registered as child `res5`, disposed with the head). */
  readonly res5: Res5Stage;
}

/**
 * The box head of ResNet-C4 detectors (Faster R-CNN's and Mask R-CNN's Fig. 4 left): res5 on the
 * pooled RoI features, then global average pooling, giving a 2048-vector per RoI.
 * {@link C4BoxHead.features} exposes the res5 output, which the C4 mask head shares.
 */
export class C4BoxHead extends Module implements BoxHead {
  readonly outFeatures: number;
  readonly res5: Res5Stage;

  constructor(options: C4BoxHeadOptions) {
    super();
    this.res5 = this.addModule('res5', options.res5);
    this.outFeatures = options.res5.outChannels;
  }

  /** `pooled` `[R,h,w,C]` → res5 features `[R,h/2,w/2,2048]`. */
  features(pooled: tf.Tensor4D, training = false): tf.Tensor4D {
    return this.res5.apply(pooled, training);
  }

  /** `pooled` `[R,h,w,C]` → `[R,2048]`, the spatial mean of the res5 features. */
  apply(pooled: tf.Tensor4D, training = false): tf.Tensor2D {
    return tf.tidy(() => tf.mean(this.features(pooled, training), [1, 2]) as tf.Tensor2D);
  }
}

/** Options of {@link C4MaskHead}. */
export interface C4MaskHeadOptions {
  /** The C4 box head whose res5 the mask branch shares (not owned: disposing this head keeps it). */
  readonly boxHead: C4BoxHead;
  /** Number of classes K+1, background included. */
  readonly numClasses: number;
  /** Deconv width. Default 256 (Fig. 4 left: 7×7×2048 → 14×14×256 → 14×14×K). */
  readonly dimReduced?: number;
  readonly classAgnostic?: boolean;
  readonly rng: SeededRandom;
}

/**
 * The mask head of ResNet-C4 Mask R-CNN (the paper's Fig. 4 left): the box head's res5 features
 * (7×7×2048), a 2×2 deconv to 14×14×256 and a 1×1 conv to K mask logits, registered as
 * `mask_predictor`. The res5 weights are the box head's, shared, not copied.
 */
export class C4MaskHead extends Module implements MaskHead {
  readonly numMaskClasses: number;
  readonly boxHead: C4BoxHead;
  readonly maskPredictor: MaskRcnnPredictor;

  constructor(options: C4MaskHeadOptions) {
    super();
    this.boxHead = options.boxHead;
    this.maskPredictor = this.addModule(
      'mask_predictor',
      new MaskRcnnPredictor({
        inChannels: options.boxHead.outFeatures,
        dimReduced: options.dimReduced,
        numClasses: options.numClasses,
        classAgnostic: options.classAgnostic,
        rng: options.rng,
      }),
    );
    this.numMaskClasses = this.maskPredictor.numMaskClasses;
  }

  /**
   * Mask logits from the shared res5 features (when training, reuse the box head's
   * {@link C4BoxHead.features} of the positive RoIs): `[R,7,7,2048]` → `[R,14,14,K]`.
   */
  applyToFeatures(res5Features: tf.Tensor4D): tf.Tensor4D {
    if (res5Features.rank !== 4 || res5Features.shape[3] !== this.boxHead.outFeatures) {
      throw new ShapeError('res5Features', [null, null, null, this.boxHead.outFeatures], res5Features.shape);
    }
    return this.maskPredictor.apply(res5Features);
  }

  /** `pooled` `[R,14,14,1024]` → mask logits `[R,14,14,K]` (res5 run on these RoIs). */
  apply(pooled: tf.Tensor4D, training = false): tf.Tensor4D {
    return tf.tidy(() => this.applyToFeatures(this.boxHead.features(pooled, training)));
  }
}
