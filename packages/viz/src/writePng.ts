import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodePng, type RgbImage } from '@rcnn/data';

/**
 * Write `image` (HWC RGB) as a PNG file through `@rcnn/data`'s codec. The bytes go to a
 * temporary sibling first and are renamed into place, so an interrupted write never leaves a
 * truncated file at `path`. Parent folders are created.
 */
export async function writePng(path: string, image: RgbImage): Promise<void> {
  const bytes = encodePng(image);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
