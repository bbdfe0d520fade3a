import type { RgbImage } from '@rcnn/data';
import { GLYPH_HEIGHT, GLYPH_SPACING, GLYPH_WIDTH, glyphBitmap } from './bitmapFont';
import { fillRect } from './canvas';
import type { Rgb } from './color';

/** Options of {@link drawText}. */
export interface TextOptions {
  /** Text colour. Default white. */
  readonly color?: Rgb;
  /** Fill behind the text (with a 1-pixel margin); none by default. */
  readonly background?: Rgb;
  /** Integer magnification of the 5×7 font. Default 1. */
  readonly scale?: number;
}

/** Size in pixels of `text` drawn by {@link drawText} at `scale`, margin included. */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  const s = Math.max(1, Math.round(scale));
  const n = [...text].length;
  const width = n === 0 ? 0 : (n * (GLYPH_WIDTH + GLYPH_SPACING) - GLYPH_SPACING) * s + 2;
  return { width, height: GLYPH_HEIGHT * s + 2 };
}

/**
 * Write `text` on `image` (in place) with the built-in 5×7 font, its top-left corner (margin
 * included) at pixel `(x, y)`; clipped to the image.
 */
export function drawText(
  image: RgbImage,
  text: string,
  x: number,
  y: number,
  options: TextOptions = {},
): void {
  const s = Math.max(1, Math.round(options.scale ?? 1));
  const color = options.color ?? [255, 255, 255];
  const x0 = Math.round(x);
  const y0 = Math.round(y);
  if (options.background) {
    const size = measureText(text, s);
    fillRect(image, x0, y0, x0 + size.width, y0 + size.height, options.background);
  }
  let cx = x0 + 1;
  for (const ch of text) {
    const bitmap = glyphBitmap(ch);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (bitmap[r * GLYPH_WIDTH + c])
          fillRect(image, cx + c * s, y0 + 1 + r * s, cx + (c + 1) * s, y0 + 1 + (r + 1) * s, color);
      }
    }
    cx += (GLYPH_WIDTH + GLYPH_SPACING) * s;
  }
}
