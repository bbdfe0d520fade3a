import { MaskInputError } from '../errors';
import type { CompressedRle, Rle, UncompressedRle } from './rle';
import { rleFrString, rleToString } from './rleString';

function checkSize(size: unknown, culprit: string): [number, number] {
  if (
    !Array.isArray(size) ||
    size.length !== 2 ||
    !size.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)
  ) {
    throw new MaskInputError(
      `${culprit}.size`,
      `expected [height, width] of non-negative integers, got ${JSON.stringify(size)}`,
    );
  }
  return [size[0], size[1]];
}

/** An RLE as COCO's compressed JSON object `{ size: [h, w], counts: string }` (what pycocotools' `encode` returns). */
export function toCompressed(rle: Rle): CompressedRle {
  return { size: [rle.h, rle.w], counts: rleToString(rle) };
}

/** An RLE as COCO's uncompressed JSON object `{ size: [h, w], counts: number[] }`. */
export function toUncompressed(rle: Rle): UncompressedRle {
  return { size: [rle.h, rle.w], counts: Array.from(rle.counts) };
}

/**
 * Parse COCO's compressed RLE object.
 *
 * @param culprit how to name `obj` in errors, e.g. `annotations[12].segmentation`.
 */
export function frCompressed(obj: CompressedRle, culprit = 'frCompressed(obj)'): Rle {
  const [h, w] = checkSize(obj?.size, culprit);
  if (typeof obj.counts !== 'string') throw new MaskInputError(`${culprit}.counts`, 'expected a string');
  return rleFrString(obj.counts, h, w, `${culprit}.counts`);
}

/**
 * Parse COCO's uncompressed RLE object (crowd annotations use it), like pycocotools'
 * `frUncompressedRLE`; the size comes from the object.
 *
 * @throws MaskInputError when a count is not a non-negative integer or the counts do not sum to
 *   `h * w`.
 */
export function frUncompressed(obj: UncompressedRle, culprit = 'frUncompressed(obj)'): Rle {
  const [h, w] = checkSize(obj?.size, culprit);
  const src = obj.counts;
  if (!Array.isArray(src)) throw new MaskInputError(`${culprit}.counts`, 'expected an array of run lengths');
  const counts = new Uint32Array(src.length);
  let total = 0;
  for (let j = 0; j < src.length; j++) {
    const c = src[j];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 0xffffffff) {
      throw new MaskInputError(
        `${culprit}.counts[${j}]`,
        `expected a non-negative integer, got ${JSON.stringify(c)}`,
      );
    }
    counts[j] = c;
    total += c;
  }
  if (total !== h * w)
    throw new MaskInputError(`${culprit}.counts`, `sum to ${total}, expected h*w = ${h}*${w}`);
  return { h, w, counts };
}
