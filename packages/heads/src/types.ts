import type * as tf from '@tensorflow/tfjs-core';

/**
 * A box head: turns pooled RoI features into one feature vector per RoI (FPN's two fc layers,
 * C4's res5 + average pool).
 */
export interface BoxHead {
  /** Length of each RoI's output vector. */
  readonly outFeatures: number;
  /** `pooled` `[R,h,w,C]` (NHWC) → `[R,outFeatures]`. */
  apply(pooled: tf.Tensor4D, training?: boolean): tf.Tensor2D;
}

/**
 * A mask head: turns pooled RoI features into per-class mask logits (FCN convs + deconv + 1×1
 * predictor, or the paper's MLP variants).
 */
export interface MaskHead {
  /** Number of mask channels K: the number of classes, or 1 for class-agnostic masks. */
  readonly numMaskClasses: number;
  /** `pooled` `[R,h,w,C]` → mask logits `[R,m,m,K]`. */
  apply(pooled: tf.Tensor4D, training?: boolean): tf.Tensor4D;
}

/** How mask logits become probabilities (Mask R-CNN paper, Table 2b). */
export type MaskActivation = 'sigmoid' | 'softmax';
