import { ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';

/** The `[h,w,C]` feature shape a fully connected layer flattens. */
export interface FlattenedInput {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

function check(name: string, weight: tf.Tensor2D, s: FlattenedInput): void {
  const rows = s.channels * s.height * s.width;
  if (weight.rank !== 2 || weight.shape[0] !== rows) {
    throw new ShapeError(
      name,
      [rows, null],
      weight.shape,
      `rows must be channels·height·width of ${JSON.stringify(s)}`,
    );
  }
}

/**
 * Reorder the rows of a fully connected weight that follows a flatten of pooled features from
 * torchvision's order to ours. torchvision flattens `[R,C,h,w]` (row index `c·h·w + y·w + x`);
 * here pooled features are `[R,h,w,C]` and flatten to `(y·w + x)·C + c`. Weight import applies
 * this to `fc6.weight` of {@link TwoMlpHead} (and the first fc of an MLP mask head) after the
 * generic `[out,in]` → `[in,out]` transpose.
 *
 * @param weight `[C·h·w, out]`, rows in torch's (c, y, x) order.
 * @returns `[h·w·C, out]`, rows in (y, x, c) order.
 */
export function torchFlattenedRowsToHwc(weight: tf.Tensor2D, input: FlattenedInput): tf.Tensor2D {
  check('weight', weight, input);
  const { channels, height, width } = input;
  return tf.tidy(() =>
    tf.reshape(tf.transpose(tf.reshape(weight, [channels, height, width, -1]), [1, 2, 0, 3]), [
      height * width * channels,
      -1,
    ]),
  );
}

/** The inverse of {@link torchFlattenedRowsToHwc}, for exporting weights to torchvision. */
export function hwcRowsToTorchFlattened(weight: tf.Tensor2D, input: FlattenedInput): tf.Tensor2D {
  check('weight', weight, input);
  const { channels, height, width } = input;
  return tf.tidy(() =>
    tf.reshape(tf.transpose(tf.reshape(weight, [height, width, channels, -1]), [2, 0, 1, 3]), [
      height * width * channels,
      -1,
    ]),
  );
}
