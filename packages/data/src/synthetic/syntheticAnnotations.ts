import { encode, toCompressed, toUncompressed } from '@rcnn/eval';
import type { CocoAnnotation } from '../cocoFormat';
import type { SyntheticSample } from './generateSyntheticImage';

/**
 * COCO annotations for one synthetic sample, ids `firstId, firstId + 1, ...`. Segmentations are
 * written as COCO does: a polygon when the outline describes the visible mask exactly,
 * uncompressed RLE for crowd regions, compressed RLE (string counts) for everything else
 * (occluded or truncated shapes, rings, person figures). `area` and `bbox` are those of the
 * visible mask; persons carry `keypoints` and `num_keypoints`.
 */
export function syntheticAnnotations(
  sample: SyntheticSample,
  imageId: number,
  firstId: number,
): CocoAnnotation[] {
  const { width, height } = sample.image;
  return sample.instances.map((inst, k): CocoAnnotation => {
    const segmentation =
      inst.polygon != null
        ? [inst.polygon.slice()]
        : inst.isCrowd
          ? toUncompressed(encode(inst.mask, height, width))
          : toCompressed(encode(inst.mask, height, width));
    const ann: CocoAnnotation = {
      id: firstId + k,
      image_id: imageId,
      category_id: inst.categoryId,
      segmentation,
      area: inst.area,
      bbox: [...inst.bbox],
      iscrowd: inst.isCrowd ? 1 : 0,
    };
    if (inst.keypoints != null) {
      ann.keypoints = inst.keypoints.slice();
      ann.num_keypoints = inst.numKeypoints;
    }
    return ann;
  });
}
