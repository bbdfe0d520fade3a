import { MaskInputError } from '../errors';
import { frPoly } from './frPoly';
import type { Rle } from './rle';

/**
 * Rasterise a box to an RLE like `pycocotools.mask.frBbox` (the box's four corners go through
 * {@link frPoly}).
 *
 * @param bbox `[x, y, width, height]` in pixels.
 * @param h image height in pixels.
 * @param w image width in pixels.
 */
export function frBbox(bbox: ArrayLike<number>, h: number, w: number): Rle {
  if (bbox.length !== 4)
    throw new MaskInputError('frBbox(bbox)', `expected [x, y, w, h], got ${bbox.length} numbers`);
  const xs = bbox[0];
  const ys = bbox[1];
  const xe = xs + bbox[2];
  const ye = ys + bbox[3];
  return frPoly([xs, ys, xs, ye, xe, ye, xe, ys], h, w);
}
