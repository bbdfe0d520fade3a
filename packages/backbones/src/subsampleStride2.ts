import * as tf from '@tensorflow/tfjs-core';

/**
 * Every second row and column of `x` `[N,H,W,C]` starting at 0 → `[N,ceil(H/2),ceil(W/2),C]`:
 * torchvision's `LastLevelMaxPool` (`max_pool2d(x, 1, 2, 0)`, a 1×1 window). Built from pad,
 * reshape and slice so its gradient exists on every backend.
 */
export function subsampleStride2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const oh = Math.ceil(h / 2);
  const ow = Math.ceil(w / 2);
  return tf.tidy(() => {
    const padded =
      h % 2 || w % 2
        ? tf.pad(x, [
            [0, 0],
            [0, h % 2],
            [0, w % 2],
            [0, 0],
          ])
        : x;
    const grid = tf.reshape(padded, [n, oh, 2, ow, 2, c]);
    return tf.reshape(tf.slice(grid, [0, 0, 0, 0, 0, 0], [n, oh, 1, ow, 1, c]), [
      n,
      oh,
      ow,
      c,
    ]) as tf.Tensor4D;
  });
}
