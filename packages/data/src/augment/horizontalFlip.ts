import { ConfigError } from '@rcnn/core';
import { COCO_KEYPOINT_FLIP_MAP } from '../cocoKeypoints';
import type { DetectionRecord } from '../detectionRecord';

/**
 * Mirror a record left–right: pixels and masks are reversed along x, a box `(x1, y1, x2, y2)`
 * becomes `(W - x2, y1, W - x1, y2)`, and keypoints move to `x' = W - x` and swap left/right
 * roles through `flipMap` (the COCO person map by default). Unlabelled keypoints (v = 0) stay
 * `(0, 0, 0)`, as in torchvision's reference transform.
 *
 * @param flipMap keypoint `k` of the result is keypoint `flipMap[k]` of the input; its length must
 *   equal the record's keypoints per instance.
 */
export function horizontalFlip(
  record: DetectionRecord,
  flipMap: readonly number[] = COCO_KEYPOINT_FLIP_MAP,
): DetectionRecord {
  const { width: w, height: h, data } = record.image;
  const image = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const s = (row + x) * 3;
      const d = (row + w - 1 - x) * 3;
      image[d] = data[s];
      image[d + 1] = data[s + 1];
      image[d + 2] = data[s + 2];
    }
  }
  const n = record.classIds.length;
  const boxes = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    boxes[4 * i] = w - record.boxes[4 * i + 2];
    boxes[4 * i + 1] = record.boxes[4 * i + 1];
    boxes[4 * i + 2] = w - record.boxes[4 * i];
    boxes[4 * i + 3] = record.boxes[4 * i + 3];
  }
  let masks: Uint8Array | null = null;
  if (record.masks != null) {
    const src = record.masks;
    masks = new Uint8Array(src.length);
    for (let r = 0; r < n * h; r++) {
      const row = r * w;
      for (let x = 0; x < w; x++) masks[row + w - 1 - x] = src[row + x];
    }
  }
  let keypoints: Float32Array | null = null;
  if (record.keypoints != null) {
    const k = n > 0 ? record.keypoints.length / (3 * n) : flipMap.length;
    if (k !== flipMap.length) {
      throw new ConfigError(
        'flipMap',
        `has ${flipMap.length} entries but records carry ${k} keypoints per instance`,
      );
    }
    const src = record.keypoints;
    keypoints = new Float32Array(src.length);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const s = (i * k + flipMap[j]) * 3;
        const d = (i * k + j) * 3;
        if (src[s + 2] > 0) {
          keypoints[d] = w - src[s];
          keypoints[d + 1] = src[s + 1];
          keypoints[d + 2] = src[s + 2];
        }
      }
    }
  }
  return {
    ...record,
    image: { width: w, height: h, data: image },
    boxes,
    masks,
    keypoints,
    classIds: record.classIds.slice(),
    isCrowd: record.isCrowd.slice(),
    areas: record.areas.slice(),
    annotationIds: record.annotationIds.slice(),
  };
}
