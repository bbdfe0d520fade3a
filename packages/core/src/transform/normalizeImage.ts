import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../errors';

/**
 * Per-channel normalisation `(image − mean) / std`, as torchvision's transform normalises
 * (in float32, subtraction then division).
 *
 * @param image `[H,W,C]` or `[N,H,W,C]` float32 pixels.
 * @param mean `C` channel means, in the units of `image` (e.g. 0..255 or 0..1).
 * @param std `C` channel standard deviations, same units, all positive.
 * @returns a tensor of the same shape (the caller disposes it).
 */
export function normalizeImage<T extends tf.Tensor3D | tf.Tensor4D>(
  image: T,
  mean: readonly number[],
  std: readonly number[],
): T {
  const c = image.shape[image.rank - 1];
  if (image.rank !== 3 && image.rank !== 4) {
    throw new ShapeError('image', '[H,W,C] or [N,H,W,C]', image.shape);
  }
  if (mean.length !== c)
    throw new ConfigError('imageMean', `expected ${c} values (one per channel), got ${mean.length}`);
  if (std.length !== c || std.some((s) => !(s > 0))) {
    throw new ConfigError('imageStd', `expected ${c} positive values (one per channel), got [${std}]`);
  }
  return tf.tidy(() => tf.div(tf.sub(image, tf.tensor1d([...mean])), tf.tensor1d([...std])) as T);
}
