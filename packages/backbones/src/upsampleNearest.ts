import * as tf from '@tensorflow/tfjs-core';

/**
 * Nearest-neighbour resize of `x` `[N,h,w,C]` to `[N,height,width,C]` with torch's rule
 * (`F.interpolate(mode='nearest', size=...)`: source index `floor(dst·in/out)`). When the target is
 * the ×2 size a stride-2 layer came from (`in = ceil(out/2)`, FPN's top-down path) that rule is
 * `floor(dst/2)`, computed by broadcasting, which differentiates on every backend.
 */
export function upsampleNearest(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (h === height && w === width) return tf.clone(x);
  if (h === Math.ceil(height / 2) && w === Math.ceil(width / 2)) {
    return tf.tidy(() => {
      // Duplicate columns, then rows, with rank-4 broadcasts (tfjs differentiates those).
      const cols = tf.reshape(tf.broadcastTo(tf.reshape(x, [n * h, w, 1, c]), [n * h, w, 2, c]), [
        n,
        h,
        1,
        2 * w * c,
      ]);
      const big = tf.reshape(tf.broadcastTo(cols, [n, h, 2, 2 * w * c]), [n, 2 * h, 2 * w, c]) as tf.Tensor4D;
      return 2 * h === height && 2 * w === width ? big : tf.slice(big, [0, 0, 0, 0], [n, height, width, c]);
    });
  }
  return tf.image.resizeNearestNeighbor(x, [height, width], false, false);
}
