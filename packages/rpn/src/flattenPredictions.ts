import { ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';

/** Per-level RPN outputs concatenated over levels, in anchor order. */
export interface FlatRpnPredictions {
  /** `[N,T]` objectness logits, T = Σ H·W·A over levels. */
  objectness: tf.Tensor2D;
  /** `[N,T,4]` deltas. */
  deltas: tf.Tensor3D;
  /** H·W·A of each level, in level order. */
  numAnchorsPerLevel: number[];
}

/**
 * Concatenate per-level head outputs into one anchor axis, ordered level by level, then row
 * `y`, column `x`, anchor `a` fastest: the order of torchvision's
 * `concat_box_prediction_layers` and of its `AnchorGenerator`'s anchors. In NHWC this is a plain
 * reshape (torchvision needs a permute from NCHW).
 *
 * @param objectness per level `[N,H,W,A]`.
 * @param deltas per level `[N,H,W,4A]`.
 */
export function flattenPredictions(
  objectness: readonly tf.Tensor4D[],
  deltas: readonly tf.Tensor4D[],
): FlatRpnPredictions {
  if (objectness.length !== deltas.length || objectness.length === 0) {
    throw new ShapeError(
      'deltas',
      `${objectness.length} levels`,
      [deltas.length],
      'one tensor per objectness level',
    );
  }
  const n = objectness[0].shape[0];
  const numAnchorsPerLevel = objectness.map((o, i) => {
    const [on, h, w, a] = o.shape;
    const d = deltas[i];
    if (on !== n) throw new ShapeError(`objectness[${i}]`, [n, null, null, null], o.shape, 'batch size');
    if (d.rank !== 4 || d.shape[0] !== n || d.shape[1] !== h || d.shape[2] !== w || d.shape[3] !== 4 * a) {
      throw new ShapeError(`deltas[${i}]`, [n, h, w, 4 * a], d.shape);
    }
    return h * w * a;
  });
  return tf.tidy(() => {
    const flatObj = objectness.map((o) => tf.reshape(o, [n, -1]));
    const flatDel = deltas.map((d) => tf.reshape(d, [n, -1, 4]));
    return {
      objectness: (flatObj.length === 1 ? flatObj[0] : tf.concat(flatObj, 1)) as tf.Tensor2D,
      deltas: (flatDel.length === 1 ? flatDel[0] : tf.concat(flatDel, 1)) as tf.Tensor3D,
      numAnchorsPerLevel,
    };
  });
}
