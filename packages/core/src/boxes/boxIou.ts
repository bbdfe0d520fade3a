import * as tf from '@tensorflow/tfjs-core';
import { assertBoxTensor, type BoxesInput, readBoxes } from './boxInput';

const f32 = Math.fround;

/**
 * Pairwise intersection-over-union of two sets of (x1, y1, x2, y2) boxes, like torchvision's
 * `box_iou`: `[N,4]` and `[M,4]` give `[N,M]`. Disjoint boxes give 0; two zero-area boxes give
 * NaN (0/0), as in torchvision.
 *
 * @returns `[N,M]` float32 (the caller disposes it).
 */
export function boxIou(boxes1: tf.Tensor2D, boxes2: tf.Tensor2D): tf.Tensor2D {
  assertBoxTensor('boxes1', boxes1);
  assertBoxTensor('boxes2', boxes2);
  return tf.tidy(() => {
    const [ax1, ay1, ax2, ay2] = tf.unstack(boxes1, 1);
    const [bx1, by1, bx2, by2] = tf.unstack(boxes2, 1);
    const area1 = tf.expandDims(tf.mul(tf.sub(ax2, ax1), tf.sub(ay2, ay1)), 1);
    const area2 = tf.expandDims(tf.mul(tf.sub(bx2, bx1), tf.sub(by2, by1)), 0);
    const n = boxes1.shape[0];
    const m = boxes2.shape[0];
    // Explicit broadcasts: tfjs' Maximum/Minimum gradients do not reduce broadcast dimensions.
    const col = (t: tf.Tensor) => tf.broadcastTo(tf.expandDims(t, 1), [n, m]);
    const row = (t: tf.Tensor) => tf.broadcastTo(tf.expandDims(t, 0), [n, m]);
    const w = tf.relu(tf.sub(tf.minimum(col(ax2), row(bx2)), tf.maximum(col(ax1), row(bx1))));
    const h = tf.relu(tf.sub(tf.minimum(col(ay2), row(by2)), tf.maximum(col(ay1), row(by1))));
    const inter = tf.mul(w, h);
    const union = tf.sub(tf.add(area1, area2), inter);
    return tf.div(inter, union) as tf.Tensor2D;
  });
}

/**
 * {@link boxIou} on typed arrays, in torchvision's float32 arithmetic (every step rounded to
 * float32, so values exactly at a threshold compare as they do in torchvision).
 *
 * @param boxes1 `N` boxes (x1, y1, x2, y2).
 * @param boxes2 `M` boxes (x1, y1, x2, y2).
 * @returns row-major `[N,M]` Float32Array: entry `i*M + j` is IoU(boxes1[i], boxes2[j]).
 */
export function boxIouArray(boxes1: BoxesInput, boxes2: BoxesInput): Float32Array {
  const a = readBoxes('boxes1', boxes1);
  const b = readBoxes('boxes2', boxes2);
  const n = a.length / 4;
  const m = b.length / 4;
  const areaB = new Float32Array(m);
  for (let j = 0; j < m; j++) areaB[j] = f32(f32(b[4 * j + 2] - b[4 * j]) * f32(b[4 * j + 3] - b[4 * j + 1]));
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    const x1 = a[4 * i];
    const y1 = a[4 * i + 1];
    const x2 = a[4 * i + 2];
    const y2 = a[4 * i + 3];
    const areaA = f32(f32(x2 - x1) * f32(y2 - y1));
    for (let j = 0; j < m; j++) {
      const w = f32(Math.min(x2, b[4 * j + 2]) - Math.max(x1, b[4 * j]));
      const h = f32(Math.min(y2, b[4 * j + 3]) - Math.max(y1, b[4 * j + 1]));
      const inter = w > 0 && h > 0 ? f32(w * h) : 0;
      out[i * m + j] = inter / f32(f32(areaA + areaB[j]) - inter);
    }
  }
  return out;
}
