import type { Rle } from './rle';

/**
 * Foreground pixel count of an RLE, like `pycocotools.mask.area` (the sum of the odd runs).
 */
export function area(rle: Rle): number {
  const c = rle.counts;
  let a = 0;
  for (let j = 1; j < c.length; j += 2) a += c[j];
  return a;
}
