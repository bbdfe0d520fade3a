import * as tf from '@tensorflow/tfjs-core';

/**
 * `[outSize, inSize]` matrix of torch's linear interpolation with `align_corners=False`: source
 * coordinate `(o + 0.5)·in/out − 0.5`, clamped at 0 below, the upper neighbour clamped to the
 * last sample.
 */
function interpolationMatrix(inSize: number, outSize: number): tf.Tensor2D {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const real = Math.max((o + 0.5) * scale - 0.5, 0);
    const i0 = Math.min(Math.floor(real), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const t = real - i0;
    m[o * inSize + i0] += 1 - t;
    m[o * inSize + i1] += t;
  }
  return tf.tensor2d(m, [outSize, inSize]);
}

/**
 * Bilinear resize of NHWC maps as torch's `F.interpolate(mode="bilinear", align_corners=False)`,
 * written as two matrix products so its gradient is exact on every backend (tfjs 4.22's
 * `ResizeBilinearGrad` ignores `halfPixelCenters`, so `tf.image.resizeBilinear` cannot be
 * trained with torch's convention).
 *
 * @param x `[N,H,W,C]`.
 * @param size `[H', W']` output size in pixels.
 * @returns `[N,H',W',C]`.
 */
export function upsampleBilinear(x: tf.Tensor4D, [outH, outW]: readonly [number, number]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const rowsFirst = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c]);
    const alongH = tf.reshape(tf.matMul(interpolationMatrix(h, outH), rowsFirst), [outH, n, w, c]);
    const colsFirst = tf.reshape(tf.transpose(alongH, [2, 1, 0, 3]), [w, n * outH * c]);
    const alongW = tf.reshape(tf.matMul(interpolationMatrix(w, outW), colsFirst), [outW, n, outH, c]);
    return tf.transpose(alongW, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}
