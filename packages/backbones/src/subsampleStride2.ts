import * as tf from '@tensorflow/tfjs-core';

/** Gradient of {@link subsampleStride2}: `dy` lands on the even rows and columns, zeros elsewhere. */
function subsampleGrad(dy: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [n, oh, ow, c] = dy.shape;
  // Interleave zero columns, then zero rows (rank ≤ 4), and crop to the input size.
  const cols = tf.reshape(tf.concat([tf.reshape(dy, [n * oh, ow, 1, c]), tf.zeros([n * oh, ow, 1, c])], 2), [
    n,
    oh,
    1,
    2 * ow * c,
  ]);
  const full = tf.reshape(tf.concat([cols, tf.zeros([n, oh, 1, 2 * ow * c])], 2), [n, 2 * oh, 2 * ow, c]);
  return tf.slice(full, [0, 0, 0, 0], [n, h, w, c]) as tf.Tensor4D;
}

/**
 * Every second row and column of `x` `[N,H,W,C]` starting at 0 → `[N,ceil(H/2),ceil(W/2),C]`:
 * torchvision's `LastLevelMaxPool` (`max_pool2d(x, 1, 2, 0)`, a 1×1 window). The forward pass is
 * tfjs' max pool; the gradient is computed here (pad and reshape) so it exists on every backend.
 */
export function subsampleStride2(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.maxPool(inputs[0] as tf.Tensor4D, 1, 2, 0),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => subsampleGrad(dy as tf.Tensor4D, h, w),
  }));
  return op(x) as tf.Tensor4D;
}
