import type { Module } from '@rcnn/core';
import type * as tf from '@tensorflow/tfjs-core';

/** Channels and stride (input pixels per feature cell) of one feature map. */
export interface FeatureSpec {
  readonly channels: number;
  readonly stride: number;
}

/**
 * A feature extractor for detectors (ResNet-C4, ResNet-C5, ResNet-FPN). Heads read channel counts
 * and strides from {@link Backbone.outputs} instead of being told them.
 */
export interface Backbone extends Module {
  /** Feature maps produced by {@link Backbone.apply}, finest first (`res4`; `p2` … `p6`). */
  readonly outputs: Readonly<Record<string, FeatureSpec>>;
  /** Input height and width should be padded to a multiple of this (0 = no constraint). */
  readonly sizeDivisibility: number;
  /** The config that builds this backbone (embedded in checkpoints). */
  readonly config: BackboneConfigLike;
  /**
   * `images` `[N,H,W,3]`, already normalised by the model's pixel mean/std, → feature maps
   * `[N,ceil(H/stride),ceil(W/stride),channels]` keyed as in {@link Backbone.outputs}. With
   * `training` true, trainable BatchNorm layers use and update batch statistics.
   */
  apply(images: tf.Tensor4D, training: boolean): Record<string, tf.Tensor4D>;
}

/** Any serialisable backbone config with its discriminating `kind`. */
export interface BackboneConfigLike {
  readonly kind: string;
}
