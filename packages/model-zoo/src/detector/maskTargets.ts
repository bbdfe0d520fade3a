import { ShapeError } from '@rcnn/core';
import { roiAlign } from '@rcnn/roi-ops';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Mask targets as torchvision's `project_masks_on_boxes`: each positive RoI's ground-truth mask,
 * cropped to the RoI and resized to `m×m` with RoIAlign (`aligned = false`, adaptive sampling,
 * spatial scale 1) on the full-resolution binary mask. Values are soft in [0, 1] (the loss uses
 * them as they are, like torchvision).
 *
 * @param gtMasks `[G,H,W]` binary masks of one image, row-major.
 * @param height image height `H`; `width` image width `W`.
 * @param boxes `[P,4]` positive RoIs in image pixels.
 * @param matchedIndex `[P]` index into the G masks of each RoI's ground truth.
 * @returns `[P,m,m]` targets (the caller disposes it).
 */
export function projectMasksOnBoxes(
  gtMasks: Uint8Array | Float32Array,
  height: number,
  width: number,
  boxes: Float32Array,
  matchedIndex: Int32Array,
  m: number,
): tf.Tensor3D {
  const g = gtMasks.length / (height * width);
  if (!Number.isInteger(g)) throw new ShapeError('masks', [null, height, width], [gtMasks.length]);
  const p = matchedIndex.length;
  if (boxes.length !== p * 4) throw new ShapeError('boxes', [p, 4], [boxes.length / 4, 4]);
  if (p === 0) return tf.zeros([0, m, m]);
  return tf.tidy(() => {
    const masks = tf.tensor4d(Float32Array.from(gtMasks), [g, height, width, 1]);
    const rois = new Float32Array(p * 5);
    for (let i = 0; i < p; i++) {
      rois[i * 5] = matchedIndex[i];
      rois.set(boxes.subarray(i * 4, i * 4 + 4), i * 5 + 1);
    }
    const out = roiAlign(masks, tf.tensor2d(rois, [p, 5]), {
      outputSize: m,
      spatialScale: 1,
      samplingRatio: -1,
      aligned: false,
    });
    return tf.reshape(out, [p, m, m]) as tf.Tensor3D;
  });
}
