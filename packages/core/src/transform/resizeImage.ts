import * as tf from '@tensorflow/tfjs-core';
import type { ImageSize } from '../boxes/clipBoxes';
import { ShapeError } from '../errors';

const f32 = Math.fround;

/**
 * Bilinear resize of one image with PyTorch's `align_corners=False` sampling (pixel centres at
 * `i + 0.5`, source clamped at the border), as torchvision resizes detection inputs; no
 * antialiasing.
 *
 * @param image `[H,W,C]` float32 image.
 * @param size `[height, width]` of the output in pixels.
 * @returns `[height,width,C]` float32 (the caller disposes it).
 */
export function resizeImage(image: tf.Tensor3D, size: ImageSize): tf.Tensor3D {
  if (image.rank !== 3) throw new ShapeError('image', [null, null, null], image.shape, 'expected [H,W,C]');
  const [h, w] = size;
  const [inH, inW, c] = image.shape;
  if (h === inH && w === inW) return tf.clone(image);
  // The forward pass is tfjs' kernel (half-pixel centres = PyTorch's align_corners=False). Its
  // registered gradient is wrong for half-pixel centres in tfjs 4.22, so the backward pass is the
  // transpose of the separable interpolation, as two matmuls.
  const resize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.image.resizeBilinear(args[0] as tf.Tensor3D, [h, w], false, true) as tf.Tensor,
    gradFunc: (dy: tf.Tensor) =>
      tf.tidy(() => {
        const ry = tf.tensor2d(bilinearMatrix(inH, h), [h, inH]);
        const rx = tf.tensor2d(bilinearMatrix(inW, w), [w, inW]);
        const alongH = tf.matMul(ry, tf.reshape(dy, [h, w * c]), true); // [inH, w*C]
        const wFirst = tf.reshape(tf.transpose(tf.reshape(alongH, [inH, w, c]), [1, 0, 2]), [w, inH * c]);
        const alongW = tf.matMul(rx, wFirst, true); // [inW, inH*C]
        return tf.transpose(tf.reshape(alongW, [inW, inH, c]), [1, 0, 2]);
      }),
  }));
  return resize(image) as tf.Tensor3D;
}

/**
 * Row-major `[out, in]` matrix of PyTorch's bilinear weights along one axis
 * (`align_corners=False`: source `max((d + 0.5)·in/out − 0.5, 0)`).
 */
function bilinearMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(scale * (d + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    const l1 = src - i0;
    m[d * inSize + i0] += 1 - l1;
    m[d * inSize + i1] += l1;
  }
  return m;
}

/**
 * Source index of each output row/column in PyTorch's legacy `nearest` mode:
 * `min(floor(dst · scale), in − 1)` with `scale = in/out` in float32 (the exact identity and 2×
 * cases are special-cased as in PyTorch).
 */
export function nearestSourceIndex(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  const scale = f32(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    if (outSize === inSize) idx[d] = d;
    else if (outSize === 2 * inSize) idx[d] = d >> 1;
    else idx[d] = Math.min(Math.floor(f32(d * scale)), inSize - 1);
  }
  return idx;
}

/**
 * Nearest-neighbour resize of instance masks, exactly as torchvision resizes target masks
 * (`interpolate(mode='nearest')`, float32 source indices).
 *
 * @param masks `[N,H,W]` masks (any dtype; binary masks stay binary).
 * @param size `[height, width]` of the output in pixels.
 * @returns `[N,height,width]` with the dtype of `masks` (the caller disposes it).
 */
export function resizeMasks(masks: tf.Tensor3D, size: ImageSize): tf.Tensor3D {
  if (masks.rank !== 3) throw new ShapeError('masks', [null, null, null], masks.shape, 'expected [N,H,W]');
  const [n, inH, inW] = masks.shape;
  const [h, w] = size;
  // wasm's GatherV2 returns a wrongly shaped tensor for an empty input, so no instances short-cuts.
  if (n === 0) return tf.zeros([0, h, w], masks.dtype);
  return tf.tidy(() => {
    const rows = tf.tensor1d(nearestSourceIndex(inH, h), 'int32');
    const cols = tf.tensor1d(nearestSourceIndex(inW, w), 'int32');
    return tf.gather(tf.gather(masks, rows, 1), cols, 2) as tf.Tensor3D;
  });
}
