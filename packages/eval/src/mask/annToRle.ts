import { MaskInputError } from '../errors';
import { frCompressed, frUncompressed } from './cocoRle';
import { frBbox } from './frBbox';
import { frPoly } from './frPoly';
import { merge } from './merge';
import type { CompressedRle, Rle, Segmentation, UncompressedRle } from './rle';

function isRle(x: unknown): x is Rle {
  return typeof x === 'object' && x !== null && (x as Rle).counts instanceof Uint32Array;
}

/**
 * Any COCO `segmentation` to one RLE, like pycocotools' `COCO.annToRLE`:
 * - a list of polygons is rasterised with {@link frPoly} (each `[x0, y0, x1, y1, ...]`) and the
 *   parts merged by union; as in `frPyObjects`, a list whose first entry has exactly 4 numbers is
 *   read as `[x, y, w, h]` boxes;
 * - an uncompressed RLE (`counts` a number list) or compressed RLE (`counts` a string) is parsed,
 *   its own `size` kept;
 * - an already decoded {@link Rle} is returned as is.
 *
 * @param h image height in pixels (used for polygons).
 * @param w image width in pixels (used for polygons).
 * @param culprit how to name the segmentation in errors, e.g. `annotations[7].segmentation`.
 */
export function annToRle(segm: Segmentation | Rle, h: number, w: number, culprit = 'segmentation'): Rle {
  if (isRle(segm)) return segm;
  if (Array.isArray(segm)) {
    if (segm.length === 0) throw new MaskInputError(culprit, 'empty polygon list');
    const first = segm[0];
    if (!Array.isArray(first)) throw new MaskInputError(`${culprit}[0]`, 'expected a polygon (number list)');
    if (first.length < 4) {
      throw new MaskInputError(
        `${culprit}[0]`,
        `a polygon needs more than 4 coordinates, got ${first.length}`,
      );
    }
    const asBoxes = first.length === 4;
    const parts = segm.map((p, i) => {
      if (!Array.isArray(p) || !p.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new MaskInputError(`${culprit}[${i}]`, 'expected a list of finite numbers');
      }
      if (asBoxes) {
        if (p.length !== 4) throw new MaskInputError(`${culprit}[${i}]`, 'boxes list: expected [x, y, w, h]');
        return frBbox(p, h, w);
      }
      return frPoly(p, h, w);
    });
    return merge(parts);
  }
  if (typeof segm === 'object' && segm !== null && 'counts' in segm) {
    if (typeof segm.counts === 'string') return frCompressed(segm as CompressedRle, culprit);
    return frUncompressed(segm as UncompressedRle, culprit);
  }
  throw new MaskInputError(culprit, 'expected polygons, an uncompressed RLE or a compressed RLE');
}
