import * as tf from '@tensorflow/tfjs-core';
import type { ImageSize } from '../boxes/clipBoxes';
import { ShapeError } from '../errors';

const f32 = Math.fround;

/** torchvision's per-axis ratios `new / original`, in float32. */
function ratios(from: ImageSize, to: ImageSize): [rh: number, rw: number] {
  for (const [name, s] of [
    ['originalSize', from],
    ['newSize', to],
  ] as const) {
    if (s?.length !== 2 || !(s[0] > 0 && s[1] > 0))
      throw new ShapeError(name, '[height, width] > 0', [...(s ?? [])]);
  }
  return [f32(f32(to[0]) / f32(from[0])), f32(f32(to[1]) / f32(from[1]))];
}

/**
 * Map (x1, y1, x2, y2) boxes from an image of `originalSize` to one of `newSize`, as
 * torchvision's `resize_boxes` (x scaled by `newW/origW`, y by `newH/origH`, in float32). Used
 * forward on targets and backward (resized → original) on detections.
 *
 * @param boxes `[N,4]` boxes in pixels of the `originalSize` image.
 * @returns `[N,4]` boxes in pixels of the `newSize` image (the caller disposes it).
 */
export function resizeBoxes(boxes: tf.Tensor2D, originalSize: ImageSize, newSize: ImageSize): tf.Tensor2D {
  if (boxes.rank !== 2 || boxes.shape[1] !== 4) throw new ShapeError('boxes', [null, 4], boxes.shape);
  const [rh, rw] = ratios(originalSize, newSize);
  return tf.tidy(() => tf.mul(boxes, tf.tensor1d([rw, rh, rw, rh])) as tf.Tensor2D);
}

/**
 * Map keypoints between image sizes, as torchvision's `resize_keypoints`: x scaled by
 * `newW/origW`, y by `newH/origH` (float32); the visibility column is unchanged.
 *
 * @param keypoints `[N,K,3]` (x, y, visibility) in pixels of the `originalSize` image.
 * @returns `[N,K,3]` in pixels of the `newSize` image (the caller disposes it).
 */
export function resizeKeypoints(
  keypoints: tf.Tensor3D,
  originalSize: ImageSize,
  newSize: ImageSize,
): tf.Tensor3D {
  if (keypoints.rank !== 3 || keypoints.shape[2] !== 3) {
    throw new ShapeError(
      'keypoints',
      [null, null, 3],
      keypoints.shape,
      'expected [N,K,3] (x, y, visibility)',
    );
  }
  const [rh, rw] = ratios(originalSize, newSize);
  return tf.tidy(() => tf.mul(keypoints, tf.tensor1d([rw, rh, 1])) as tf.Tensor3D);
}
