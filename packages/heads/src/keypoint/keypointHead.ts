import { Module, type SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { KeypointRcnnHeads } from './keypointRcnnHeads';
import { KeypointRcnnPredictor } from './keypointRcnnPredictor';

/**
 * A keypoint head: pooled RoI features in, one heatmap of logits per keypoint type out. The
 * spatial softmax over each heatmap is applied by the loss (training) and ignored by the argmax
 * decoding (inference), as in Mask R-CNN.
 */
export interface KeypointHead {
  /** Number of keypoint types K. */
  readonly numKeypoints: number;
  /** `pooled` `[R,h,w,C]` → heatmap logits `[R,m,m,K]` (m = 4h for the paper's head). */
  apply(pooled: tf.Tensor4D, training?: boolean): tf.Tensor4D;
}

/** Options of {@link KeypointRcnnHead}. */
export interface KeypointRcnnHeadOptions {
  /** Channels of the pooled features (256 for FPN). */
  readonly inChannels: number;
  /** Widths of the 3×3 convs. Default eight of 512. */
  readonly layers?: readonly number[];
  /** Number of keypoint types K. Default 17. */
  readonly numKeypoints?: number;
  readonly rng: SeededRandom;
}

/**
 * The Mask R-CNN keypoint head: {@link KeypointRcnnHeads} (8 × conv3×3 512 + ReLU) then
 * {@link KeypointRcnnPredictor} (deconv 4×4/2 + bilinear 2×), so 14×14 pooled RoIs give 56×56
 * heatmaps. Submodules are named as in torchvision's `RoIHeads`: `keypoint_head.*` and
 * `keypoint_predictor.*`.
 */
export class KeypointRcnnHead extends Module implements KeypointHead {
  readonly numKeypoints: number;
  readonly keypointHead: KeypointRcnnHeads;
  readonly keypointPredictor: KeypointRcnnPredictor;

  constructor(options: KeypointRcnnHeadOptions) {
    super();
    const { rng } = options;
    this.keypointHead = this.addModule(
      'keypoint_head',
      new KeypointRcnnHeads({ inChannels: options.inChannels, layers: options.layers, rng }),
    );
    this.keypointPredictor = this.addModule(
      'keypoint_predictor',
      new KeypointRcnnPredictor({
        inChannels: this.keypointHead.outChannels,
        numKeypoints: options.numKeypoints,
        rng,
      }),
    );
    this.numKeypoints = this.keypointPredictor.numKeypoints;
  }

  /** `pooled` `[R,h,w,C]` → heatmap logits `[R,4h,4w,K]`. */
  apply(pooled: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.keypointPredictor.apply(this.keypointHead.apply(pooled)));
  }
}
