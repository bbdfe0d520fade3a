import { InputError } from '@rcnn/core';
import type { RgbImage } from '@rcnn/data';
import { fillRect } from './canvas';
import type { Rgb } from './color';

/**
 * Outline a box on `image` (in place). `box` is `(x1, y1, x2, y2)` in continuous pixel
 * coordinates (pixel i spans [i, i+1)); the outline covers the pixels the box touches, drawn
 * `thickness` pixels inwards from its edge and clipped to the image.
 */
export function drawBox(image: RgbImage, box: ArrayLike<number>, color: Rgb, thickness = 2): void {
  if (box.length !== 4) throw new InputError('box', `expected (x1, y1, x2, y2), got ${box.length} numbers`);
  const [x1, y1, x2, y2] = [box[0], box[1], box[2], box[3]];
  if (![x1, y1, x2, y2].every(Number.isFinite))
    throw new InputError('box', `non-finite coordinate in [${x1}, ${y1}, ${x2}, ${y2}]`);
  const xa = Math.floor(Math.min(x1, x2));
  const ya = Math.floor(Math.min(y1, y2));
  const xb = Math.max(xa + 1, Math.ceil(Math.max(x1, x2)));
  const yb = Math.max(ya + 1, Math.ceil(Math.max(y1, y2)));
  const t = Math.max(1, Math.round(thickness));
  fillRect(image, xa, ya, xb, Math.min(yb, ya + t), color);
  fillRect(image, xa, Math.max(ya, yb - t), xb, yb, color);
  fillRect(image, xa, ya, Math.min(xb, xa + t), yb, color);
  fillRect(image, Math.max(xa, xb - t), ya, xb, yb, color);
}
