import { Linear, Module, type SeededRandom, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { positiveInt } from './checks';

/** Options of {@link FastRcnnPredictor}. */
export interface FastRcnnPredictorOptions {
  /** Length of the box head's output vector. */
  readonly inChannels: number;
  /** Number of classes K+1, background (0) included. */
  readonly numClasses: number;
  /**
   * Predict one set of deltas shared by all classes (`bbox_pred` outputs 4) instead of one per
   * class (4·(K+1), the paper's and torchvision's default). Default false.
   */
  readonly classAgnosticBoxes?: boolean;
  readonly rng: SeededRandom;
}

/** Outputs of {@link FastRcnnPredictor.apply}. */
export interface FastRcnnPrediction {
  /** `[R,K+1]` class logits. */
  classLogits: tf.Tensor2D;
  /** `[R,4·(K+1)]` (or `[R,4]` class-agnostic) deltas `(dx, dy, dw, dh)` per class. */
  boxDeltas: tf.Tensor2D;
}

/**
 * The box predictor (torchvision's `FastRCNNPredictor`): `cls_score` (K+1 logits) and
 * `bbox_pred` (class-specific deltas), both linear on the box head's output. Parameter names
 * `cls_score.weight` `[in,K+1]`, `cls_score.bias`, `bbox_pred.weight` `[in,4(K+1)]`,
 * `bbox_pred.bias`; torch's default init.
 */
export class FastRcnnPredictor extends Module {
  readonly inChannels: number;
  readonly numClasses: number;
  readonly classAgnosticBoxes: boolean;
  readonly clsScore: Linear;
  readonly bboxPred: Linear;

  constructor(options: FastRcnnPredictorOptions) {
    super();
    this.inChannels = positiveInt('inChannels', options.inChannels);
    this.numClasses = positiveInt('numClasses', options.numClasses);
    this.classAgnosticBoxes = options.classAgnosticBoxes ?? false;
    const { rng } = options;
    this.clsScore = this.addModule(
      'cls_score',
      new Linear({ inFeatures: this.inChannels, outFeatures: this.numClasses, rng }),
    );
    this.bboxPred = this.addModule(
      'bbox_pred',
      new Linear({
        inFeatures: this.inChannels,
        outFeatures: this.classAgnosticBoxes ? 4 : 4 * this.numClasses,
        rng,
      }),
    );
  }

  /** `x` `[R,in]` (or `[R,1,1,in]`, as after C4's average pool) → logits and deltas. */
  apply(x: tf.Tensor2D | tf.Tensor4D): FastRcnnPrediction {
    const ok =
      (x.rank === 2 || (x.rank === 4 && x.shape[1] === 1 && x.shape[2] === 1)) &&
      x.shape[x.rank - 1] === this.inChannels;
    if (!ok)
      throw new ShapeError(
        'x',
        `[R,${this.inChannels}] or [R,1,1,${this.inChannels}]`,
        x.shape,
        'input of FastRcnnPredictor',
      );
    return tf.tidy(() => {
      const flat = tf.reshape(x, [x.shape[0], this.inChannels]) as tf.Tensor2D;
      return { classLogits: this.clsScore.apply(flat), boxDeltas: this.bboxPred.apply(flat) };
    });
  }
}
