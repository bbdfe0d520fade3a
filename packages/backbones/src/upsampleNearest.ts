import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of the ×2 nearest upsampling cropped to `[height,width]`: each input cell receives
 * the sum of its (up to) 2×2 output cells. Built from pad, reshape and sum (rank ≤ 4).
 */
function upsample2xGrad(dy: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [n, height, width, c] = dy.shape;
  const padded = tf.pad(dy, [
    [0, 0],
    [0, 2 * h - height],
    [0, 2 * w - width],
    [0, 0],
  ]);
  const rows = tf.sum(tf.reshape(padded, [n * h, 2, 2 * w * c]), 1);
  return tf.reshape(tf.sum(tf.reshape(rows, [n * h * w, 2, c]), 1), [n, h, w, c]);
}

/**
 * Nearest-neighbour resize of `x` `[N,h,w,C]` to `[N,height,width,C]` with torch's rule
 * (`F.interpolate(mode='nearest', size=...)`: source index `min(floor(dst·in/out), in−1)`), which
 * is also tfjs' rule without corner alignment or half-pixel centres. The forward pass is tfjs'
 * native kernel (on wasm ~20× faster than building it from broadcasts). For FPN's case, the ×2
 * size a stride-2 layer came from (`h = ceil(height/2)`, `w = ceil(width/2)`), the gradient is
 * computed here exactly: tfjs' cpu `ResizeNearestNeighborGrad` is wrong for odd sizes. Other
 * sizes use tfjs' gradient.
 */
export function upsampleNearest(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h === height && w === width) return tf.clone(x);
  if (h !== Math.ceil(height / 2) || w !== Math.ceil(width / 2)) {
    return tf.image.resizeNearestNeighbor(x, [height, width], false, false);
  }
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.image.resizeNearestNeighbor(inputs[0] as tf.Tensor4D, [height, width], false, false),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => upsample2xGrad(dy as tf.Tensor4D, h, w),
  }));
  return op(x) as tf.Tensor4D;
}
