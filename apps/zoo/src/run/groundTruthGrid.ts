import { join } from 'node:path';
import { readCocoDataset } from '@rcnn/data';
import { drawDetections, writePng } from '@rcnn/viz';
import type { DatasetInfo } from './types';

/**
 * Draw the ground truth (masks, boxes, class names) of the first `count` val images as
 * `<dir>/val-<imageId>.png`, the names each variant's predictions use, so the report's grid
 * can show them side by side. Crowd regions are left out.
 */
export async function writeGroundTruthGrid(
  dataset: DatasetInfo,
  count: number,
  dir: string,
): Promise<string[]> {
  const val = await readCocoDataset(dataset.valAnnotations);
  const written: string[] = [];
  for (let i = 0; i < Math.min(count, val.length); i++) {
    const r = await val.get(i);
    const keep = [...r.classIds.keys()].filter((k) => r.isCrowd[k] === 0);
    const hw = r.image.width * r.image.height;
    const masks = r.masks ? new Uint8Array(keep.length * hw) : undefined;
    if (masks && r.masks) {
      for (let j = 0; j < keep.length; j++)
        masks.set(r.masks.subarray(keep[j] * hw, (keep[j] + 1) * hw), j * hw);
    }
    const drawn = drawDetections(
      r.image,
      {
        boxes: Float32Array.from(keep.flatMap((k) => Array.from(r.boxes.subarray(k * 4, k * 4 + 4)))),
        labels: Int32Array.from(keep.map((k) => r.classIds[k])),
        ...(masks ? { masks } : {}),
      },
      { classNames: dataset.classNames },
    );
    const file = join(dir, `val-${r.imageId}.png`);
    await writePng(file, drawn);
    written.push(file);
  }
  return written;
}
