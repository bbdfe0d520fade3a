import * as tf from '@tensorflow/tfjs-core';
import type { ImageSize } from '../boxes/clipBoxes';
import { ConfigError, InputError, ShapeError } from '../errors';
import type { SeededRandom } from '../rng';
import { batchImages } from './batchImages';
import { normalizeImage } from './normalizeImage';
import { resizeImage, resizeMasks } from './resizeImage';
import { resizedImageSize } from './resizeRule';
import { resizeBoxes, resizeKeypoints } from './resizeTargets';

/** Options of {@link ImageTransform}; each model config owns its values. */
export interface ImageTransformOptions {
  /**
   * Shorter-side target(s) in pixels. With several, training picks one at random per image and
   * inference uses the last, as torchvision does.
   */
  minSize: number | readonly number[];
  /** Cap on the longer side in pixels. */
  maxSize: number;
  /** Per-channel mean, in the units of the input pixels (RGB 0..255 in this project). */
  imageMean: readonly number[];
  /** Per-channel standard deviation, same units. */
  imageStd: readonly number[];
  /** Padded batch sides are multiples of this (default 32). */
  sizeDivisibility?: number;
}

/** Per-image annotations (targets) or detections that follow an image through resizing. */
export interface ImageAnnotations {
  /** `[N,4]` (x1, y1, x2, y2) boxes in pixels. */
  boxes?: tf.Tensor2D;
  /** `[N,H,W]` instance masks at the image's resolution (targets only). */
  masks?: tf.Tensor3D;
  /** `[N,K,3]` (x, y, visibility) keypoints in pixels. */
  keypoints?: tf.Tensor3D;
}

/** A batch ready for the backbone. */
export interface TransformedBatch {
  /** `[B,H,W,C]` normalised, resized images, zero-padded to a multiple of `sizeDivisibility`. */
  images: tf.Tensor4D;
  /** `[height, width]` of each resized image before padding. */
  imageSizes: [number, number][];
  /** `[height, width]` of each input image. */
  originalSizes: [number, number][];
  /** The annotations resized with their image (new tensors), when annotations were given. */
  annotations?: ImageAnnotations[];
}

/**
 * torchvision's `GeneralizedRCNNTransform`: normalise each image, resize it by the min/max rule
 * (annotations along with it: boxes and keypoints scaled, masks nearest-resized), then pad and
 * batch. {@link ImageTransform.postprocess} maps detections back to the original images.
 */
export class ImageTransform {
  readonly minSize: readonly number[];
  readonly maxSize: number;
  readonly imageMean: readonly number[];
  readonly imageStd: readonly number[];
  readonly sizeDivisibility: number;

  constructor(options: ImageTransformOptions) {
    const minSize = typeof options.minSize === 'number' ? [options.minSize] : [...options.minSize];
    if (minSize.length === 0 || minSize.some((s) => !(s > 0))) {
      throw new ConfigError('minSize', `expected one or more positive sizes, got [${minSize}]`);
    }
    if (!(options.maxSize > 0)) throw new ConfigError('maxSize', `must be positive, got ${options.maxSize}`);
    if (options.imageMean.length === 0 || options.imageMean.length !== options.imageStd.length) {
      throw new ConfigError('imageStd', 'imageMean and imageStd need one value per channel each');
    }
    if (options.imageStd.some((s) => !(s > 0))) {
      throw new ConfigError('imageStd', `values must be positive, got [${options.imageStd}]`);
    }
    const d = options.sizeDivisibility ?? 32;
    if (!Number.isInteger(d) || d < 1)
      throw new ConfigError('sizeDivisibility', `must be a positive integer, got ${d}`);
    this.minSize = minSize;
    this.maxSize = options.maxSize;
    this.imageMean = [...options.imageMean];
    this.imageStd = [...options.imageStd];
    this.sizeDivisibility = d;
  }

  /**
   * Prepare images (and optionally their annotations) for the model.
   *
   * @param images `[H,W,C]` float32 images (RGB in the units of `imageMean`).
   * @param annotations one entry per image, resized along with it.
   * @param options `training` picks the shorter-side target at random from `minSize` using
   *   `rng` (required then); otherwise the last `minSize` is used.
   * @returns new tensors the caller disposes (`images` and every annotation tensor).
   */
  apply(
    images: readonly tf.Tensor3D[],
    annotations?: readonly ImageAnnotations[],
    options: { training?: boolean; rng?: SeededRandom } = {},
  ): TransformedBatch {
    if (images.length === 0) throw new InputError('images', 'expected at least one image');
    if (annotations && annotations.length !== images.length) {
      throw new ShapeError('annotations', [images.length], [annotations.length], 'one entry per image');
    }
    if (options.training && this.minSize.length > 1 && !options.rng) {
      throw new ConfigError('rng', 'training with several minSize values needs a SeededRandom');
    }
    const c = this.imageMean.length;
    images.forEach((im, i) => {
      if (im.rank !== 3 || im.shape[2] !== c) {
        throw new ShapeError(`images[${i}]`, [null, null, c], im.shape, `${c} channels, as imageMean`);
      }
    });
    const originalSizes: [number, number][] = images.map((im) => [im.shape[0], im.shape[1]]);
    const imageSizes: [number, number][] = [];
    const resized: tf.Tensor3D[] = [];
    const outAnnotations: ImageAnnotations[] = [];
    try {
      images.forEach((im, i) => {
        const minSize =
          options.training && options.rng
            ? options.rng.choice(this.minSize)
            : this.minSize[this.minSize.length - 1];
        const { size } = resizedImageSize(originalSizes[i], minSize, this.maxSize);
        imageSizes.push(size);
        resized.push(tf.tidy(() => resizeImage(normalizeImage(im, this.imageMean, this.imageStd), size)));
        const a = annotations?.[i];
        if (a) outAnnotations.push(this.resizeAnnotations(a, originalSizes[i], size, `annotations[${i}]`));
      });
      const batched = batchImages(resized, this.sizeDivisibility);
      return {
        images: batched,
        imageSizes,
        originalSizes,
        ...(annotations ? { annotations: outAnnotations } : {}),
      };
    } catch (err) {
      for (const a of outAnnotations) tf.dispose([a.boxes, a.masks, a.keypoints].filter((t) => t != null));
      throw err;
    } finally {
      tf.dispose(resized);
    }
  }

  private resizeAnnotations(
    a: ImageAnnotations,
    from: ImageSize,
    to: ImageSize,
    name: string,
  ): ImageAnnotations {
    const out: ImageAnnotations = {};
    if (a.boxes) out.boxes = resizeBoxes(a.boxes, from, to);
    if (a.keypoints) out.keypoints = resizeKeypoints(a.keypoints, from, to);
    if (a.masks) {
      if (a.masks.rank !== 3 || a.masks.shape[1] !== from[0] || a.masks.shape[2] !== from[1]) {
        tf.dispose([out.boxes, out.keypoints].filter((t) => t != null));
        throw new ShapeError(
          `${name}.masks`,
          [null, from[0], from[1]],
          a.masks.shape,
          'masks at image resolution',
        );
      }
      out.masks = resizeMasks(a.masks, to);
    }
    return out;
  }

  /**
   * Map detections on the resized images back to the original images (torchvision's
   * `postprocess`): boxes and keypoints are rescaled. Masks are not handled here: pasting mask
   * probabilities into the image is the mask head's job.
   *
   * @param detections one entry per image, in resized-image pixels.
   * @param imageSizes `[height, width]` of each resized image (from {@link ImageTransform.apply}).
   * @param originalSizes `[height, width]` of each original image.
   * @returns new tensors in original-image pixels (the caller disposes them).
   */
  postprocess(
    detections: readonly ImageAnnotations[],
    imageSizes: readonly ImageSize[],
    originalSizes: readonly ImageSize[],
  ): ImageAnnotations[] {
    if (imageSizes.length !== detections.length || originalSizes.length !== detections.length) {
      throw new ShapeError(
        'imageSizes',
        [detections.length, 2],
        [imageSizes.length, 2],
        'one size per image',
      );
    }
    return detections.map((d, i) => {
      const out: ImageAnnotations = {};
      if (d.boxes) out.boxes = resizeBoxes(d.boxes, imageSizes[i], originalSizes[i]);
      if (d.keypoints) out.keypoints = resizeKeypoints(d.keypoints, imageSizes[i], originalSizes[i]);
      return out;
    });
  }
}
