import { InputError, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';

/** Keypoint training targets from {@link keypointsToHeatmap}. */
export interface KeypointTargets {
  /** `[P,K]` index `y·m + x` of each keypoint's heatmap cell (0 where not valid). */
  readonly targets: Int32Array;
  /** `[P,K]` 1 where the keypoint is visible and falls inside its RoI, else 0. */
  readonly valid: Uint8Array;
}

const f32 = Math.fround;

/** Read `[count·width]` float values from a tensor or typed array, naming `name` on bad shapes. */
export function readFloatRows(
  name: string,
  input: tf.Tensor | Float32Array,
  width: number,
  count: number | null,
): Float32Array {
  const data = input instanceof tf.Tensor ? Float32Array.from(input.dataSync()) : input;
  const shape = input instanceof tf.Tensor ? input.shape : [data.length];
  if (data.length % width !== 0 || (count != null && data.length !== count * width)) {
    throw new ShapeError(name, count == null ? `[N·${width}]` : `[${count}·${width}]`, shape);
  }
  return data;
}

/**
 * The keypoint head's targets as torchvision's `keypoints_to_heatmap`: each keypoint becomes the
 * index of the one cell of an m×m grid over its RoI that holds it (`floor((x − x1)·m/(x2 − x1))`,
 * likewise y; a keypoint exactly on the RoI's right or bottom edge goes to the last cell). The
 * one-hot m×m mask of the paper is this index. A keypoint is valid when visible (v > 0) and inside
 * the grid. Arithmetic is float32, as torchvision's.
 *
 * @param keypoints `[P,K,3]` `(x, y, visibility)` of the ground truth matched to each RoI, image pixels.
 * @param rois `[P,4]` `(x1, y1, x2, y2)` positive RoIs (proposals), image pixels.
 * @param heatmapSize m, the side of the heatmap (56 for the paper's head).
 */
export function keypointsToHeatmap(
  keypoints: tf.Tensor | Float32Array,
  rois: tf.Tensor | Float32Array,
  heatmapSize: number,
): KeypointTargets {
  if (!Number.isInteger(heatmapSize) || heatmapSize < 1) {
    throw new InputError('heatmapSize', `expected a positive integer, got ${heatmapSize}`);
  }
  const boxes = readFloatRows('rois', rois, 4, null);
  const p = boxes.length / 4;
  const kps = readFloatRows('keypoints', keypoints, 3, null);
  if (p === 0 ? kps.length !== 0 : kps.length % (3 * p) !== 0) {
    throw new ShapeError('keypoints', `[${p},K,3]`, [kps.length], 'one keypoint set per RoI');
  }
  const k = p === 0 ? 0 : kps.length / (3 * p);
  const m = heatmapSize;
  const targets = new Int32Array(p * k);
  const valid = new Uint8Array(p * k);
  for (let i = 0; i < p; i++) {
    const [x1, y1, x2, y2] = [boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]];
    const scaleX = f32(m / f32(x2 - x1));
    const scaleY = f32(m / f32(y2 - y1));
    for (let j = 0; j < k; j++) {
      const o = (i * k + j) * 3;
      const [x, y, v] = [kps[o], kps[o + 1], kps[o + 2]];
      const cx = x === x2 ? m - 1 : Math.floor(f32(f32(x - x1) * scaleX));
      const cy = y === y2 ? m - 1 : Math.floor(f32(f32(y - y1) * scaleY));
      if (v > 0 && cx >= 0 && cy >= 0 && cx < m && cy < m) {
        targets[i * k + j] = cy * m + cx;
        valid[i * k + j] = 1;
      }
    }
  }
  return { targets, valid };
}
