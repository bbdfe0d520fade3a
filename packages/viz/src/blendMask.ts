import { InputError } from '@rcnn/core';
import type { RgbImage } from '@rcnn/data';
import { blendPixel } from './canvas';
import type { Rgb } from './color';

/**
 * Tint the pixels of one instance mask (in place). `mask` is `[H,W]` row-major at the image's
 * size, binary (0/1) or probabilities (foreground where `> threshold`); `alpha` is the tint's
 * opacity, 0..1. With `outline`, the mask's boundary pixels are painted fully opaque.
 */
export function blendMask(
  image: RgbImage,
  mask: ArrayLike<number>,
  color: Rgb,
  options: { alpha?: number; threshold?: number; outline?: boolean; offset?: number } = {},
): void {
  const { width: w, height: h } = image;
  const offset = options.offset ?? 0;
  if (offset < 0 || mask.length < offset + w * h) {
    throw new InputError(
      'mask',
      `expected ${w * h} values (${h}×${w}) from offset ${offset}, got ${mask.length - offset}`,
    );
  }
  const alpha = options.alpha ?? 0.45;
  const threshold = options.threshold ?? 0.5;
  const on = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < w && y < h && mask[offset + y * w + x] > threshold;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!on(x, y)) continue;
      const edge = options.outline && (!on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1));
      blendPixel(image, x, y, color, edge ? 1 : alpha);
    }
  }
}
