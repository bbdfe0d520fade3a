import type { RgbImage } from '@rcnn/data';
import { blendPixel } from './canvas';
import type { Rgb } from './color';

/**
 * Draw a straight line between pixel centres `(x0, y0)` and `(x1, y1)` (pixels, rounded), with a
 * square pen `thickness` pixels wide. Bresenham's algorithm: every step moves one pixel along the
 * major axis, so the line has no gaps.
 */
export function drawLine(
  image: RgbImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  color: Rgb,
  thickness = 1,
): void {
  let x = Math.round(x0);
  let y = Math.round(y0);
  const xe = Math.round(x1);
  const ye = Math.round(y1);
  const dx = Math.abs(xe - x);
  const dy = -Math.abs(ye - y);
  const sx = x < xe ? 1 : -1;
  const sy = y < ye ? 1 : -1;
  const half = Math.floor((Math.max(1, Math.round(thickness)) - 1) / 2);
  const span = Math.max(1, Math.round(thickness));
  let err = dx + dy;
  for (;;) {
    for (let oy = 0; oy < span; oy++)
      for (let ox = 0; ox < span; ox++) blendPixel(image, x - half + ox, y - half + oy, color);
    if (x === xe && y === ye) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}
