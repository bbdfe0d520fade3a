import type { Backbone, FeatureSpec } from '@rcnn/backbones';
import { ConfigError, Linear, Module, type SeededRandom, ShapeError } from '@rcnn/core';
import type { BoxHead } from '@rcnn/heads';
import type { RoiPooler } from '@rcnn/roi-ops';
import * as tf from '@tensorflow/tfjs-core';
import type { RegionWarpConfig } from '../config/detectorConfig';

/** Name of the single "feature map" R-CNN's RoI stage reads: the normalised input image. */
export const IMAGE_FEATURE = 'image';

/**
 * R-CNN's stand-in for a backbone: the normalised image itself is the only feature map (stride
 * 1, 3 channels), because R-CNN runs its CNN on each warped region, not on the whole image.
 * It has no weights.
 */
export class ImageAsFeatures extends Module implements Backbone {
  readonly outputs: Readonly<Record<string, FeatureSpec>> = { [IMAGE_FEATURE]: { channels: 3, stride: 1 } };
  readonly sizeDivisibility = 0;
  readonly config = { kind: 'image' } as const;

  /** `images` `[N,H,W,3]` → `{ image: images }` (a new handle the caller disposes). */
  apply(images: tf.Tensor4D): Record<string, tf.Tensor4D> {
    return { [IMAGE_FEATURE]: tf.clone(images) };
  }
}

/** Check a {@link RegionWarpConfig}, naming the field at fault. */
export function checkRegionWarp(config: RegionWarpConfig): void {
  if (!Number.isInteger(config.size) || config.size < 2) {
    throw new ConfigError('regionWarp.size', `expected an integer >= 2, got ${config.size}`);
  }
  if (!(config.contextPadding >= 0) || 2 * config.contextPadding >= config.size) {
    throw new ConfigError(
      'regionWarp.contextPadding',
      `expected 0 <= padding < size / 2 (${config.size / 2}), got ${config.contextPadding}`,
    );
  }
  if (!Number.isInteger(config.inferenceBatch) || config.inferenceBatch < 1) {
    throw new ConfigError(
      'regionWarp.inferenceBatch',
      `expected an integer >= 1, got ${config.inferenceBatch}`,
    );
  }
}

/**
 * R-CNN's region warp as a RoI "pooler" over the image: each RoI `(b, x1, y1, x2, y2)` (input
 * pixels, pixel i spanning [i, i+1)) is enlarged about its centre by `size / (size − 2·padding)`
 * so that `padding` warped pixels of context surround it, then resampled bilinearly to
 * `size × size` regardless of its aspect ratio ("warp" in Girshick et al. 2014, appendix A).
 * The `size` samples per side sit at the centres of `size` equal cells spanning the enlarged box;
 * samples outside the image read 0, the image mean after normalisation (R-CNN pads with the mean).
 * No gradient flows to the image.
 */
export class RegionWarpPooler implements RoiPooler {
  readonly outputSize: [number, number];
  readonly config: RegionWarpConfig;

  constructor(config: RegionWarpConfig) {
    checkRegionWarp(config);
    this.config = config;
    this.outputSize = [config.size, config.size];
  }

  /** `features.image` `[N,H,W,3]`, `rois` `[R,5]` → warped regions `[R,size,size,3]`. */
  apply(features: Record<string, tf.Tensor4D>, rois: tf.Tensor2D): tf.Tensor4D {
    const image = features[IMAGE_FEATURE];
    if (image === undefined || image.rank !== 4) {
      throw new ShapeError(
        'features.image',
        [null, null, null, null],
        image?.shape ?? [],
        'R-CNN input image',
      );
    }
    if (rois.rank !== 2 || rois.shape[1] !== 5) throw new ShapeError('rois', [null, 5], rois.shape);
    const s = this.config.size;
    const r = rois.shape[0];
    if (r === 0) return tf.zeros([0, s, s, image.shape[3]]);
    const [, h, w] = image.shape;
    const scale = s / (s - 2 * this.config.contextPadding);
    const v = rois.dataSync();
    const boxes = new Float32Array(r * 4);
    const index = new Int32Array(r);
    for (let i = 0; i < r; i++) {
      index[i] = v[i * 5];
      const [x1, y1, x2, y2] = [v[i * 5 + 1], v[i * 5 + 2], v[i * 5 + 3], v[i * 5 + 4]];
      const bw = (x2 - x1) * scale;
      const bh = (y2 - y1) * scale;
      // first sample at the centre of the first of s cells, in pixel-index coordinates (centre of
      // pixel i at i); the last at the centre of the last cell
      const ax = (x1 + x2) / 2 - bw / 2 - 0.5 + bw / (2 * s);
      const ay = (y1 + y2) / 2 - bh / 2 - 0.5 + bh / (2 * s);
      const ex = ax + (bw * (s - 1)) / s;
      const ey = ay + (bh * (s - 1)) / s;
      boxes[i * 4] = ay / Math.max(h - 1, 1);
      boxes[i * 4 + 1] = ax / Math.max(w - 1, 1);
      boxes[i * 4 + 2] = ey / Math.max(h - 1, 1);
      boxes[i * 4 + 3] = ex / Math.max(w - 1, 1);
    }
    return tf.tidy(() =>
      tf.image.cropAndResize(
        image,
        tf.tensor2d(boxes, [r, 4]),
        tf.tensor1d(index, 'int32'),
        [s, s],
        'bilinear',
        0,
      ),
    );
  }
}

/** Options of {@link RegionCnnHead}. */
export interface RegionCnnHeadOptions {
  /** The CNN run on each warped region; its last output is averaged over space. */
  readonly body: Backbone;
  readonly representationSize: number;
  /** Regions per CNN batch at inference. */
  readonly inferenceBatch: number;
  readonly rng: SeededRandom;
}

/**
 * R-CNN's per-region feature extractor as a box head: the backbone (registered as `body`) on
 * each warped region `[R,s,s,3]`, global average pooling of its last feature map, then `fc` with
 * ReLU to `[R,representationSize]`. At inference the regions go through the CNN in batches of
 * `inferenceBatch`, so thousands of proposals per image fit in memory: R-CNN is slow because it
 * runs the CNN once per region, and this keeps it at that cost, not more.
 */
export class RegionCnnHead extends Module implements BoxHead {
  readonly outFeatures: number;
  readonly body: Backbone;
  readonly fc: Linear;
  private readonly featureName: string;
  private readonly inferenceBatch: number;

  constructor(options: RegionCnnHeadOptions) {
    super();
    this.body = this.addModule('body', options.body);
    const names = Object.keys(options.body.outputs);
    this.featureName = names[names.length - 1];
    const channels = options.body.outputs[this.featureName].channels;
    this.outFeatures = options.representationSize;
    this.inferenceBatch = options.inferenceBatch;
    this.fc = this.addModule(
      'fc',
      new Linear({ inFeatures: channels, outFeatures: options.representationSize, rng: options.rng }),
    );
  }

  /** `regions` `[R,s,s,3]` (normalised pixels) → `[R,representationSize]`. */
  apply(regions: tf.Tensor4D, training = false): tf.Tensor2D {
    if (regions.rank !== 4 || regions.shape[3] !== 3) {
      throw new ShapeError('regions', [null, null, null, 3], regions.shape, 'input of RegionCnnHead');
    }
    const r = regions.shape[0];
    if (training || r <= this.inferenceBatch) return this.features(regions, training);
    const parts: tf.Tensor2D[] = [];
    try {
      for (let start = 0; start < r; start += this.inferenceBatch) {
        const n = Math.min(this.inferenceBatch, r - start);
        parts.push(tf.tidy(() => this.features(tf.slice(regions, [start, 0, 0, 0], [n, -1, -1, -1]), false)));
      }
      return tf.concat(parts, 0);
    } finally {
      tf.dispose(parts);
    }
  }

  private features(regions: tf.Tensor4D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const maps = this.body.apply(regions, training);
      const pooled = tf.mean(maps[this.featureName], [1, 2]) as tf.Tensor2D;
      return this.fc.apply(pooled, 'relu');
    });
  }
}
