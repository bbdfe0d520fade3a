import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InputError } from '@rcnn/core';
import { type CocoDetectionDataset, type CocoReadOptions, parseCocoDataset } from './cocoDetectionDataset';

/**
 * Read a COCO annotations file (any COCO-format dataset: instances, crowds, polygons,
 * uncompressed or compressed RLE, keypoints) and validate it against its images. Images are
 * decoded lazily by `dataset.get(i)`.
 *
 * @param annotationsPath the `annotations.json` / `instances_*.json` file.
 * @throws InputError naming the file for a missing or unreadable file or malformed JSON, and the
 *   file plus image or annotation id for invalid entries (unless `onInvalid: 'skip'`).
 */
export async function readCocoDataset(
  annotationsPath: string,
  options: CocoReadOptions = {},
): Promise<CocoDetectionDataset> {
  let text: string;
  try {
    text = await readFile(annotationsPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      annotationsPath,
      code === 'ENOENT' ? 'annotations file not found' : `cannot read: ${code}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(annotationsPath, `malformed JSON: ${(err as Error).message}`);
  }
  let imageDir = options.imageDir;
  if (imageDir == null) {
    const beside = join(dirname(annotationsPath), 'images');
    imageDir = existsSync(beside) ? beside : dirname(annotationsPath);
  }
  return parseCocoDataset(json, annotationsPath, { ...options, imageDir });
}
