import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors';

/** An image size `[height, width]` in pixels. */
export type ImageSize = readonly [height: number, width: number];

/**
 * Clip (x1, y1, x2, y2) boxes to an image, like torchvision's `clip_boxes_to_image`: x to
 * `[0, width]`, y to `[0, height]` (pixel edges, so a box may end at `width`).
 *
 * @param boxes `[N,4]` or `[N,K,4]` (any rank ending in 4) float32 boxes in pixels.
 * @param imageSize `[height, width]` in pixels.
 * @returns a new tensor of the same shape (the caller disposes it).
 */
export function clipBoxesToImage<T extends tf.Tensor>(boxes: T, imageSize: ImageSize): T {
  if (boxes.rank < 1 || boxes.shape[boxes.rank - 1] !== 4) {
    throw new ShapeError('boxes', '[...,4]', boxes.shape);
  }
  const [height, width] = imageSize;
  return tf.tidy(() => {
    // Full-shape bounds: tfjs' Maximum/Minimum gradients do not reduce broadcast dimensions.
    const limits = tf.broadcastTo(tf.tensor1d([width, height, width, height]), boxes.shape);
    return tf.minimum(tf.maximum(boxes, tf.zerosLike(boxes)), limits) as T;
  });
}
