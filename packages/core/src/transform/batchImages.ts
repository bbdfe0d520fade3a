import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, InputError, ShapeError } from '../errors';

/**
 * Pad images to a common size that is a multiple of `sizeDivisibility` and stack them, as
 * torchvision's `batch_images`: each image sits at the top-left, the rest is 0.
 *
 * @param images `[H_i,W_i,C]` float32 images (same `C`).
 * @param sizeDivisibility the padded height and width are multiples of this (e.g. 32 for FPN).
 * @returns `[N,H,W,C]` with `H = ceil(max H_i / d)·d`, `W` likewise (the caller disposes it).
 */
export function batchImages(images: readonly tf.Tensor3D[], sizeDivisibility = 32): tf.Tensor4D {
  if (images.length === 0) throw new InputError('images', 'expected at least one image');
  if (!Number.isInteger(sizeDivisibility) || sizeDivisibility < 1) {
    throw new ConfigError('sizeDivisibility', `must be a positive integer, got ${sizeDivisibility}`);
  }
  const c = images[0].shape[2];
  images.forEach((im, i) => {
    if (im.rank !== 3 || im.shape[2] !== c) throw new ShapeError(`images[${i}]`, [null, null, c], im.shape);
  });
  const maxH = Math.max(...images.map((im) => im.shape[0]));
  const maxW = Math.max(...images.map((im) => im.shape[1]));
  const h = Math.ceil(maxH / sizeDivisibility) * sizeDivisibility;
  const w = Math.ceil(maxW / sizeDivisibility) * sizeDivisibility;
  return tf.tidy(() =>
    tf.stack(
      images.map((im) =>
        tf.pad(
          im,
          [
            [0, h - im.shape[0]],
            [0, w - im.shape[1]],
            [0, 0],
          ],
          0,
        ),
      ),
    ),
  ) as tf.Tensor4D;
}
