import { ConfigError, InputError, loadStateDict } from '@rcnn/core';
import { type RgbImage, readImageFile } from '@rcnn/data';
import type { CocoResult } from '@rcnn/eval';
import type * as tf from '@tensorflow/tfjs-core';
import type { DetectorConfig } from '../config/detectorConfig';
import { buildDetector } from '../detector/buildDetector';
import type { GeneralizedRcnn, Prediction, PredictOptions } from '../detector/generalizedRcnn';
import { readTrainingCheckpoint } from '../training/trainingCheckpoint';
import { type CocoResultsOptions, toCocoResults } from './cocoResults';

/** Options of {@link Predictor}. */
export interface PredictorOptions extends PredictOptions {
  /** Images per forward pass. Default 1. */
  readonly batchSize?: number;
}

/**
 * Runs a trained detector on images: tensors, decoded images or PNG/JPEG files, in batches.
 * Build it from a checkpoint ({@link Predictor.fromCheckpoint}: the config is embedded, so
 * nothing else is needed) or around a detector you hold.
 */
export class Predictor {
  readonly batchSize: number;

  constructor(
    readonly model: GeneralizedRcnn,
    private readonly options: PredictorOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new ConfigError('batchSize', `expected a positive integer, got ${this.batchSize}`);
    }
  }

  /**
   * Load a checkpoint written by the trainer (or `saveCheckpoint` of `@rcnn/core`): rebuild the
   * detector from its embedded config and load its weights strictly. Call `initDetectorBackend`
   * first.
   */
  static async fromCheckpoint(path: string, options: PredictorOptions = {}): Promise<Predictor> {
    const ckpt = await readTrainingCheckpoint<DetectorConfig>(path);
    const config = ckpt.config;
    if (
      config === null ||
      typeof config !== 'object' ||
      !('backbone' in config) ||
      !('numClasses' in config)
    ) {
      throw new InputError(path, 'the embedded config is not a detector config');
    }
    const model = buildDetector(config);
    try {
      loadStateDict(model, ckpt.stateDict, { source: path });
    } catch (err) {
      model.dispose();
      throw err;
    }
    return new Predictor(model, options);
  }

  /** Detections for images given as `[H,W,3]` RGB 0..255 tensors or decoded RGB images. */
  async predict(images: ReadonlyArray<tf.Tensor3D | RgbImage>): Promise<Prediction[]> {
    const out: Prediction[] = [];
    for (let i = 0; i < images.length; i += this.batchSize) {
      out.push(...(await this.model.predict(images.slice(i, i + this.batchSize), this.options)));
    }
    return out;
  }

  /** Detections for PNG/JPEG files, decoded with `@rcnn/data`. */
  async predictFiles(paths: readonly string[]): Promise<Prediction[]> {
    const out: Prediction[] = [];
    for (let i = 0; i < paths.length; i += this.batchSize) {
      const images = await Promise.all(paths.slice(i, i + this.batchSize).map((p) => readImageFile(p)));
      out.push(...(await this.model.predict(images, this.options)));
    }
    return out;
  }

  /** COCO results records for predictions of images `imageIds` (see `toCocoResults`). */
  static cocoResults(
    predictions: readonly Prediction[],
    imageIds: readonly number[],
    categoryIds: readonly number[],
    options: CocoResultsOptions = {},
  ): CocoResult[] {
    if (imageIds.length !== predictions.length) {
      throw new InputError(
        'imageIds',
        `expected one id per prediction (${predictions.length}), got ${imageIds.length}`,
      );
    }
    return predictions.flatMap((p, i) => toCocoResults(p, imageIds[i], categoryIds, options));
  }

  /** Free the detector's weights. */
  dispose(): void {
    this.model.dispose();
  }
}
