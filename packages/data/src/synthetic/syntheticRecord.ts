import type { DetectionRecord } from '../detectionRecord';
import { syntheticCategories } from './categories';
import { generateSyntheticImage } from './generateSyntheticImage';
import type { SyntheticConfig } from './syntheticConfig';

/**
 * Image `index` of the synthetic dataset as a {@link DetectionRecord} straight from the generator,
 * without writing files: the same pixels and annotations as the COCO files written by
 * `writeSyntheticDataset`, with class ids contiguous in category-id order (person = 1). Image id
 * is `index + 1` and annotation ids count from 1 within the image.
 */
export function syntheticRecord(index: number, options: Partial<SyntheticConfig> = {}): DetectionRecord {
  const sample = generateSyntheticImage(index, options);
  const classOf = new Map(syntheticCategories().map((c, i) => [c.id, i + 1]));
  const { width, height } = sample.image;
  const list = sample.instances;
  const n = list.length;
  const boxes = new Float32Array(n * 4);
  const masks = new Uint8Array(n * width * height);
  const keypoints = new Float32Array(n * 17 * 3);
  list.forEach((inst, i) => {
    const [x, y, w, h] = inst.bbox;
    boxes.set([x, y, x + w, y + h], 4 * i);
    masks.set(inst.mask, i * width * height);
    if (inst.keypoints != null) keypoints.set(inst.keypoints, i * 51);
  });
  return {
    imageId: index + 1,
    image: sample.image,
    boxes,
    classIds: Int32Array.from(list, (inst) => classOf.get(inst.categoryId)!),
    isCrowd: Uint8Array.from(list, (inst) => (inst.isCrowd ? 1 : 0)),
    areas: Float32Array.from(list, (inst) => inst.area),
    annotationIds: Int32Array.from(list, (_, i) => i + 1),
    masks,
    keypoints,
  };
}
