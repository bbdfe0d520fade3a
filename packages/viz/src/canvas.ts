import type { RgbImage } from '@rcnn/data';
import type { Rgb } from './color';

/**
 * Blend `color` into pixel `(x, y)` of `image` with opacity `alpha` (0..1); pixels outside the
 * image are ignored, so shapes may be clipped freely.
 */
export function blendPixel(image: RgbImage, x: number, y: number, color: Rgb, alpha = 1): void {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  const o = (y * image.width + x) * 3;
  const d = image.data;
  if (alpha >= 1) {
    d[o] = color[0];
    d[o + 1] = color[1];
    d[o + 2] = color[2];
    return;
  }
  d[o] = Math.round(d[o] * (1 - alpha) + color[0] * alpha);
  d[o + 1] = Math.round(d[o + 1] * (1 - alpha) + color[1] * alpha);
  d[o + 2] = Math.round(d[o + 2] * (1 - alpha) + color[2] * alpha);
}

/** Fill the pixel rectangle `[x0, x1) × [y0, y1)` (clipped to the image). */
export function fillRect(
  image: RgbImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  color: Rgb,
  alpha = 1,
): void {
  const xa = Math.max(0, Math.floor(x0));
  const ya = Math.max(0, Math.floor(y0));
  const xb = Math.min(image.width, Math.ceil(x1));
  const yb = Math.min(image.height, Math.ceil(y1));
  for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) blendPixel(image, x, y, color, alpha);
}

/** A copy of `image` with its own pixel buffer. */
export function cloneImage(image: RgbImage): RgbImage {
  return { width: image.width, height: image.height, data: Uint8Array.from(image.data) };
}
