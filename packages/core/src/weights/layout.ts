import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../nn/module';

/** The shape a tensor of `layout` with our shape `shape` has in PyTorch. */
export function torchShapeOf(shape: readonly number[], layout: TensorLayout): number[] {
  if (layout === 'same') return [...shape];
  if (layout === 'conv2d' || layout === 'convTranspose2d') return [shape[3], shape[2], shape[0], shape[1]];
  if (layout === 'linear') return [shape[1], shape[0]];
  return [shape[1], shape[0]];
}

/**
 * Convert a float32 tensor from PyTorch's layout to ours (see {@link TensorLayout}):
 * conv `[O,I,kh,kw]` → `[kh,kw,I,O]`, transposed conv `[I,O,kh,kw]` → `[kh,kw,O,I]`, linear
 * `[out,in]` → `[in,out]`, and the CHW-flattened linear `[out,C·H·W]` → `[H·W·C,out]`.
 */
export function fromTorchLayout(
  data: Float32Array,
  torchShape: readonly number[],
  layout: TensorLayout,
): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(data, [...torchShape], 'float32');
    if (layout === 'same') return t;
    if (layout === 'conv2d' || layout === 'convTranspose2d') return tf.transpose(t, [2, 3, 1, 0]);
    if (layout === 'linear') return tf.transpose(t, [1, 0]);
    const { channels, height, width } = layout;
    const out = torchShape[0];
    return tf.reshape(tf.transpose(tf.reshape(t, [out, channels, height, width]), [2, 3, 1, 0]), [
      height * width * channels,
      out,
    ]);
  });
}

/** Inverse of {@link fromTorchLayout}: our tensor → PyTorch's layout (a new tensor). */
export function toTorchLayout(t: tf.Tensor, layout: TensorLayout): tf.Tensor {
  return tf.tidy(() => {
    if (layout === 'same') return tf.clone(t);
    if (layout === 'conv2d' || layout === 'convTranspose2d') return tf.transpose(t, [3, 2, 0, 1]);
    if (layout === 'linear') return tf.transpose(t, [1, 0]);
    const { channels, height, width } = layout;
    const out = t.shape[1] as number;
    return tf.reshape(tf.transpose(tf.reshape(t, [height, width, channels, out]), [3, 2, 0, 1]), [
      out,
      channels * height * width,
    ]);
  });
}
