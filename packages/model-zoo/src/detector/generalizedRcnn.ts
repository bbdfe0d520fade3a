import type { Backbone } from '@rcnn/backbones';
import { ConfigError, ImageTransform, InputError, Module, type SeededRandom, ShapeError } from '@rcnn/core';
import type { DetectionRecord } from '@rcnn/data';
import type { RegionProposalNetwork } from '@rcnn/rpn';
import * as tf from '@tensorflow/tfjs-core';
import type { DetectorConfig } from '../config/detectorConfig';
import { pasteMasksInImage } from '../inference/pasteMasks';
import type { ExternalProposals } from './externalProposals';
import { rescaleBoxes } from './postprocessDetections';
import type { RoiHeads } from './roiHeads';
import type { FeatureMaps, ImageDetections, ImageTargets, Size } from './types';

/** Loss terms of a training step, named after torchvision's (`loss_classifier` → `lossClassifier`). */
export interface DetectorLosses {
  /** RPN terms; absent for detectors with external proposals (R-CNN, Fast R-CNN). */
  lossObjectness?: tf.Scalar;
  lossRpnBoxReg?: tf.Scalar;
  lossClassifier: tf.Scalar;
  lossBoxReg: tf.Scalar;
  lossMask?: tf.Scalar;
  lossKeypoint?: tf.Scalar;
}

/** Options of {@link GeneralizedRcnn.predict}. */
export interface PredictOptions {
  /** Also return each image's binary masks (probability > `maskThreshold`) as bytes. Default false. */
  readonly binaryMasks?: boolean;
  /** Default 0.5 (the paper and torchvision's examples). */
  readonly maskThreshold?: number;
}

/** Detections in the coordinates of the image given to {@link GeneralizedRcnn.predict}. */
export interface Prediction extends ImageDetections {
  /** `[H,W]` of the image. */
  readonly imageSize: Size;
  /** `[D,H,W]` 0/1 masks when `binaryMasks` was asked for. */
  readonly binaryMasks?: Uint8Array;
}

/** An image for the detector: an HWC RGB tensor with values 0..255, or a record from `@rcnn/data`. */
export type DetectorImage = tf.Tensor3D | DetectionRecord['image'];

/**
 * A two-stage detector as torchvision's `GeneralizedRCNN`: input transform (normalise, resize,
 * pad) → backbone → RPN → RoI heads (box; mask), with torchvision's module names (`backbone`,
 * `rpn`, `roi_heads`) so its state dicts load by name. Inference maps boxes back to each image
 * and pastes the masks into it (`paste_masks_in_image`).
 *
 * R-CNN and Fast R-CNN are the same pipeline with the RPN replaced by external proposals
 * (selective search on the original image, scaled to the input); R-CNN's "backbone" is the image
 * itself and its box head runs the CNN on each warped region.
 */
export class GeneralizedRcnn extends Module {
  readonly config: DetectorConfig;
  readonly transform: ImageTransform;
  readonly backbone: Backbone;
  /** The RPN, or null when proposals come from {@link GeneralizedRcnn.externalProposals}. */
  readonly rpn: RegionProposalNetwork | null;
  /** Selective-search proposals (R-CNN, Fast R-CNN), or null with an RPN. */
  readonly externalProposals: ExternalProposals | null;
  readonly roiHeads: RoiHeads;
  /** The module the trainer updates (this detector). */
  readonly module: Module = this;
  private readonly rpnFeatures: readonly string[];

  constructor(
    config: DetectorConfig,
    parts: {
      backbone: Backbone;
      rpn: RegionProposalNetwork | null;
      externalProposals?: ExternalProposals | null;
      roiHeads: RoiHeads;
      rpnFeatures: readonly string[];
    },
  ) {
    super();
    this.config = config;
    this.transform = new ImageTransform({
      minSize: config.transform.minSize,
      maxSize: config.transform.maxSize,
      imageMean: config.transform.imageMean,
      imageStd: config.transform.imageStd,
      sizeDivisibility: parts.backbone.sizeDivisibility || 1,
    });
    this.backbone = this.addModule('backbone', parts.backbone);
    this.rpn = parts.rpn ? this.addModule('rpn', parts.rpn) : null;
    this.externalProposals = parts.externalProposals ?? null;
    if ((this.rpn === null) === (this.externalProposals === null)) {
      throw new ConfigError('rpn', 'a detector needs either an RPN or external proposals, not both');
    }
    this.roiHeads = this.addModule('roi_heads', parts.roiHeads);
    this.rpnFeatures = parts.rpnFeatures;
  }

  /**
   * Training losses for a batch of records (images RGB 0..255 with their annotations in image
   * pixels); implements the trainer's `computeLosses`. The backbone runs in training mode.
   */
  computeLosses(records: readonly DetectionRecord[], rng: SeededRandom): Record<string, tf.Scalar> {
    return this.losses(records, rng) as unknown as Record<string, tf.Scalar>;
  }

  /** {@link GeneralizedRcnn.computeLosses} with typed terms. */
  losses(records: readonly DetectionRecord[], rng: SeededRandom): DetectorLosses {
    if (records.length === 0) throw new InputError('records', 'expected at least one record');
    const withMasks = this.roiHeads.hasMask;
    const numKeypoints = this.roiHeads.keypoint?.numKeypoints ?? 0;
    records = records.map(trainableInstances);
    return tf.tidy(() => {
      const images = records.map((r) => toImageTensor(r.image, 'records[].image'));
      const annotations = records.map((r, i) => {
        const n = r.classIds.length;
        const boxes = tf.tensor2d(r.boxes, [n, 4]);
        const keypoints = numKeypoints > 0 && n > 0 ? recordKeypoints(r, i, numKeypoints) : undefined;
        if (!withMasks) return { boxes, keypoints };
        if (r.masks === null)
          throw new InputError(`records[${i}].masks`, 'Mask R-CNN training needs instance masks');
        // an image without instances has no masks to resize (an empty stack trips the resize)
        if (n === 0) return { boxes };
        return { boxes, keypoints, masks: tf.tensor3d(r.masks, [n, r.image.height, r.image.width], 'int32') };
      });
      const batch = this.transform.apply(images, annotations, { training: true, rng });
      const targets: ImageTargets[] = records.map((r, i) => {
        const a = batch.annotations?.[i];
        return {
          boxes: a?.boxes?.dataSync() as Float32Array,
          labels: r.classIds,
          masks: withMasks ? Uint8Array.from(a?.masks?.dataSync() ?? []) : null,
          keypoints: numKeypoints > 0 ? Float32Array.from(a?.keypoints?.dataSync() ?? []) : null,
        };
      });
      const features = this.backbone.apply(batch.images, true);
      let proposals: Float32Array[];
      const out: Partial<DetectorLosses> = {};
      if (this.rpn !== null) {
        const rpnOut = this.rpn.apply({
          features: this.rpnFeatures.map((n) => features[n]),
          imageTensorSize: [batch.images.shape[1], batch.images.shape[2]],
          imageSizes: batch.imageSizes,
          gtBoxes: targets.map((t) => t.boxes),
          training: true,
          rng,
        });
        proposals = rpnOut.proposals.map((p) => p.boxes.dataSync() as Float32Array);
        out.lossObjectness = rpnOut.losses!.objectness;
        out.lossRpnBoxReg = rpnOut.losses!.boxRegression;
      } else {
        proposals = records.map((r, i) =>
          this.imageProposals(r.image, batch.originalSizes[i], batch.imageSizes[i], true),
        );
      }
      const roi = this.roiHeads.losses(features, proposals, targets, batch.imageSizes, rng);
      out.lossClassifier = roi.lossClassifier;
      out.lossBoxReg = roi.lossBoxReg;
      if (roi.lossMask) out.lossMask = roi.lossMask;
      if (roi.lossKeypoint) out.lossKeypoint = roi.lossKeypoint;
      return out as unknown as tf.TensorContainerObject;
    }) as unknown as DetectorLosses;
  }

  /**
   * Run inference on images (HWC RGB 0..255, any sizes). Each result is in its image's own
   * pixels: boxes `[D,4]`, scores, labels (contiguous ids), for Mask R-CNN mask
   * probabilities `[D,H,W]` pasted into the image, for Keypoint R-CNN keypoints `[D,K,3]`
   * `(x, y, 1)` and their scores `[D,K]`.
   */
  async predict(images: readonly DetectorImage[], options: PredictOptions = {}): Promise<Prediction[]> {
    const raw = this.detectRaw(images);
    const threshold = options.maskThreshold ?? 0.5;
    return raw.detections.map((d, i) => {
      const [h, w] = raw.originalSizes[i];
      const boxes = rescaleBoxes(d.boxes, raw.imageSizes[i], raw.originalSizes[i]);
      const out: { -readonly [K in keyof Prediction]: Prediction[K] } = {
        boxes,
        scores: d.scores,
        labels: d.labels,
        imageSize: [h, w],
      };
      if (d.keypoints !== undefined) {
        out.keypoints = rescaleKeypoints(d.keypoints, raw.imageSizes[i], raw.originalSizes[i]);
        out.keypointScores = d.keypointScores;
      }
      if (d.masks !== undefined && d.maskShape !== undefined) {
        out.masks = pasteMasksInImage(d.masks, d.maskShape[0], boxes, h, w);
        out.maskShape = [h, w];
        if (options.binaryMasks) {
          const bin = new Uint8Array(out.masks.length);
          for (let k = 0; k < bin.length; k++) bin[k] = out.masks[k] > threshold ? 1 : 0;
          out.binaryMasks = bin;
        }
      }
      return out;
    });
  }

  /**
   * External proposals of one image, computed on the original image and scaled to the
   * transformed input (`[h,w]` before padding), clipped to it.
   */
  private imageProposals(
    image: { width: number; height: number; data: Uint8Array },
    originalSize: Size,
    inputSize: Size,
    training: boolean,
  ): Float32Array {
    const boxes = (this.externalProposals as ExternalProposals).propose(image, training);
    const sx = inputSize[1] / originalSize[1];
    const sy = inputSize[0] / originalSize[0];
    const out = new Float32Array(boxes.length);
    for (let i = 0; i < boxes.length; i += 4) {
      out[i] = Math.min(boxes[i] * sx, inputSize[1]);
      out[i + 1] = Math.min(boxes[i + 1] * sy, inputSize[0]);
      out[i + 2] = Math.min(boxes[i + 2] * sx, inputSize[1]);
      out[i + 3] = Math.min(boxes[i + 3] * sy, inputSize[0]);
    }
    return out;
  }

  /**
   * Inference up to the RoI heads' output, in the resized input's pixels (masks m×m per
   * detection), with the proposals and the sizes needed to map back. Mostly for parity checks.
   */
  detectRaw(images: readonly DetectorImage[]): {
    proposals: Float32Array[];
    detections: ImageDetections[];
    imageSizes: Size[];
    originalSizes: Size[];
  } {
    if (images.length === 0) throw new InputError('images', 'expected at least one image');
    const tensors = images.map((im, i) => toImageTensor(im, `images[${i}]`));
    const owned = tensors.filter((t, i) => t !== images[i]);
    let features: FeatureMaps | null = null;
    let batch: ReturnType<ImageTransform['apply']>;
    try {
      batch = this.transform.apply(tensors);
    } catch (err) {
      tf.dispose(owned);
      throw err;
    }
    let external: Float32Array[] | null = null;
    try {
      if (this.rpn === null) {
        external = images.map((im, i) =>
          this.imageProposals(
            proposalImage(im, tensors[i]),
            batch.originalSizes[i],
            batch.imageSizes[i],
            false,
          ),
        );
      }
    } catch (err) {
      batch.images.dispose();
      throw err;
    } finally {
      tf.dispose(owned);
    }
    try {
      features = this.backbone.apply(batch.images, false);
      let proposals: Float32Array[];
      if (this.rpn !== null) {
        const rpnOut = this.rpn.apply({
          features: this.rpnFeatures.map((n) => (features as FeatureMaps)[n]),
          imageTensorSize: [batch.images.shape[1], batch.images.shape[2]],
          imageSizes: batch.imageSizes,
        });
        proposals = rpnOut.proposals.map((p) => {
          const b = p.boxes.dataSync() as Float32Array;
          tf.dispose([p.boxes, p.scores]);
          return b;
        });
      } else {
        proposals = external as Float32Array[];
      }
      const detections = this.roiHeads.detect(features, proposals, batch.imageSizes);
      return { proposals, detections, imageSizes: batch.imageSizes, originalSizes: batch.originalSizes };
    } finally {
      batch.images.dispose();
      if (features) tf.dispose(Object.values(features));
    }
  }
}

/** 8-bit RGB bytes of a detector image for proposal generators (tensors are rounded and clamped). */
function proposalImage(
  image: DetectorImage,
  tensor: tf.Tensor3D,
): { width: number; height: number; data: Uint8Array } {
  if (!(image instanceof tf.Tensor)) return image as { width: number; height: number; data: Uint8Array };
  const [height, width] = tensor.shape;
  return {
    width,
    height,
    data: Uint8Array.from(tensor.dataSync(), (v) => Math.min(255, Math.max(0, Math.round(v)))),
  };
}

/**
 * The instances a detector learns from: crowd regions (`iscrowd`) and boxes thinner than a pixel
 * are dropped, as torchvision's COCO training pipeline and detectron2 do.
 */
export function trainableInstances(record: DetectionRecord): DetectionRecord {
  const keep: number[] = [];
  for (let i = 0; i < record.classIds.length; i++) {
    const [x1, y1, x2, y2] = record.boxes.subarray(i * 4, i * 4 + 4);
    if (record.isCrowd[i] === 0 && x2 - x1 >= 1 && y2 - y1 >= 1) keep.push(i);
  }
  if (keep.length === record.classIds.length) return record;
  const hw = record.image.width * record.image.height;
  const kk = record.keypoints ? record.keypoints.length / Math.max(record.classIds.length, 1) : 0;
  const keypoints = record.keypoints ? new Float32Array(keep.length * kk) : null;
  const boxes = new Float32Array(keep.length * 4);
  const masks = record.masks ? new Uint8Array(keep.length * hw) : null;
  keep.forEach((i, k) => {
    boxes.set(record.boxes.subarray(i * 4, i * 4 + 4), k * 4);
    if (masks && record.masks) masks.set(record.masks.subarray(i * hw, (i + 1) * hw), k * hw);
    if (keypoints && record.keypoints) keypoints.set(record.keypoints.subarray(i * kk, (i + 1) * kk), k * kk);
  });
  const pick = <T extends Int32Array | Uint8Array | Float32Array>(a: T): T =>
    a.filter((_, i) => keep.includes(i)) as T;
  return {
    ...record,
    boxes,
    masks,
    classIds: pick(record.classIds),
    isCrowd: pick(record.isCrowd),
    areas: pick(record.areas),
    annotationIds: pick(record.annotationIds),
    keypoints,
  };
}

/** A record's `[N,K,3]` keypoints as a tensor, checked against the keypoint head's K. */
function recordKeypoints(record: DetectionRecord, i: number, k: number): tf.Tensor3D {
  const n = record.classIds.length;
  if (record.keypoints === null || record.keypoints.length !== n * k * 3) {
    throw new InputError(
      `records[${i}].keypoints`,
      `Keypoint R-CNN training needs ${n}×${k}×3 keypoints, got ${record.keypoints?.length ?? 'none'}`,
    );
  }
  return tf.tensor3d(record.keypoints, [n, k, 3]);
}

/** Scale `[D,K,3]` keypoints from the model input size to the original image (torchvision's `resize_keypoints`). */
export function rescaleKeypoints(keypoints: Float32Array, from: Size, to: Size): Float32Array {
  const ry = Math.fround(to[0] / from[0]);
  const rx = Math.fround(to[1] / from[1]);
  const out = Float32Array.from(keypoints);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = keypoints[i] * rx;
    out[i + 1] = keypoints[i + 1] * ry;
  }
  return out;
}

function toImageTensor(image: DetectorImage, name: string): tf.Tensor3D {
  if (image instanceof tf.Tensor) {
    if (image.rank !== 3 || image.shape[2] !== 3)
      throw new ShapeError(name, [null, null, 3], image.shape, 'HWC RGB');
    return image.dtype === 'float32' ? image : (tf.cast(image, 'float32') as tf.Tensor3D);
  }
  const { width, height, data } = image as { width: number; height: number; data: Uint8Array };
  if (data === undefined || data.length !== width * height * 3) {
    throw new InputError(name, `expected ${width}×${height}×3 RGB bytes`);
  }
  return tf.tidy(() => tf.cast(tf.tensor3d(data, [height, width, 3], 'int32'), 'float32') as tf.Tensor3D);
}

/** Throws unless the detector has a mask branch (for APIs that need masks). */
export function requireMask(detector: GeneralizedRcnn): void {
  if (!detector.roiHeads.hasMask) throw new ConfigError('kind', 'this detector has no mask branch');
}
