import type { Rle } from './rle';

/**
 * Tight bounding box of an RLE's foreground, like `pycocotools.mask.toBbox`.
 *
 * @returns `[x, y, width, height]` in pixels (COCO's box layout); all zeros for an empty mask.
 *   As in maskApi.c, a foreground run that wraps from one column into the next makes the box
 *   span the full height.
 */
export function toBbox(rle: Rle): [number, number, number, number] {
  const { h, w, counts } = rle;
  const m = counts.length - (counts.length % 2);
  if (m === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += counts[j];
    const t = cc - (j % 2);
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    if (x < xs) xs = x;
    if (x > xe) xe = x;
    if (y < ys) ys = y;
    if (y > ye) ye = y;
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}
