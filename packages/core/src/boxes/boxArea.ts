import * as tf from '@tensorflow/tfjs-core';
import { assertBoxTensor } from './boxInput';

/**
 * Areas of `[N,4]` (x1, y1, x2, y2) boxes: `(x2 - x1) * (y2 - y1)` in square pixels, no `+1`.
 * Boxes with x2 < x1 get a negative area, as in torchvision's `box_area`.
 *
 * @returns `[N]` float32 (the caller disposes it).
 */
export function boxArea(boxes: tf.Tensor2D): tf.Tensor1D {
  assertBoxTensor('boxes', boxes);
  return tf.tidy(() => {
    const [x1, y1, x2, y2] = tf.unstack(boxes, 1);
    return tf.mul(tf.sub(x2, x1), tf.sub(y2, y1)) as tf.Tensor1D;
  });
}
