import { InputError, ShapeError } from '@rcnn/core';

/** Options of {@link pasteMasksInImage}. */
export interface PasteMasksOptions {
  /** Zero border added around each m×m mask before resizing, in mask pixels. Default 1 (torchvision). */
  readonly padding?: number;
}

/**
 * Paste per-instance m×m mask probabilities into full images, exactly as torchvision's
 * `paste_masks_in_image`: each mask is zero-padded by `padding` pixels, its box grown about its
 * centre by `(m + 2·padding) / m` so that the padded mask still covers the same region,
 * the grown box truncated to integer pixels (toward zero, torch's `.to(int64)`), the mask resized
 * bilinearly (`align_corners=False`) to `(y2 − y1 + 1) × (x2 − x1 + 1)` and copied into the
 * image where it overlaps.
 *
 * @param masks `[N,m,m]` probabilities, row-major.
 * @param boxes `[N,4]` `(x1, y1, x2, y2)` in pixels of the target image.
 * @param imageHeight target image height in pixels.
 * @param imageWidth target image width in pixels.
 * @returns `[N,imageHeight,imageWidth]` probabilities (threshold at 0.5 for binary masks).
 */
export function pasteMasksInImage(
  masks: Float32Array,
  maskSize: number,
  boxes: ArrayLike<number>,
  imageHeight: number,
  imageWidth: number,
  options: PasteMasksOptions = {},
): Float32Array {
  const padding = options.padding ?? 1;
  if (!Number.isInteger(maskSize) || maskSize < 1)
    throw new InputError('maskSize', `expected a positive integer, got ${maskSize}`);
  if (!Number.isInteger(padding) || padding < 0)
    throw new InputError('padding', `expected an integer >= 0, got ${padding}`);
  for (const [name, v] of [
    ['imageHeight', imageHeight],
    ['imageWidth', imageWidth],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new InputError(name, `expected an integer >= 0, got ${v}`);
  }
  const n = boxes.length / 4;
  if (!Number.isInteger(n)) throw new ShapeError('boxes', [null, 4], [boxes.length]);
  if (masks.length !== n * maskSize * maskSize) {
    throw new ShapeError('masks', [n, maskSize, maskSize], [masks.length]);
  }
  const padded = maskSize + 2 * padding;
  const scale = padded / maskSize;
  const out = new Float32Array(n * imageHeight * imageWidth);
  const src = new Float32Array(padded * padded);
  for (let i = 0; i < n; i++) {
    src.fill(0);
    for (let y = 0; y < maskSize; y++) {
      for (let x = 0; x < maskSize; x++) {
        src[(y + padding) * padded + x + padding] = masks[(i * maskSize + y) * maskSize + x];
      }
    }
    const [bx1, by1, bx2, by2] = [boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3]];
    const wHalf = (bx2 - bx1) * 0.5 * scale;
    const hHalf = (by2 - by1) * 0.5 * scale;
    const xc = (bx2 + bx1) * 0.5;
    const yc = (by2 + by1) * 0.5;
    const x1 = Math.trunc(xc - wHalf);
    const y1 = Math.trunc(yc - hHalf);
    const x2 = Math.trunc(xc + wHalf);
    const y2 = Math.trunc(yc + hHalf);
    const w = Math.max(x2 - x1 + 1, 1);
    const h = Math.max(y2 - y1 + 1, 1);
    const x0 = Math.max(x1, 0);
    const xEnd = Math.min(x2 + 1, imageWidth);
    const y0 = Math.max(y1, 0);
    const yEnd = Math.min(y2 + 1, imageHeight);
    if (xEnd <= x0 || yEnd <= y0) continue;
    const base = i * imageHeight * imageWidth;
    const sy = padded / h;
    const sx = padded / w;
    for (let y = y0; y < yEnd; y++) {
      const [ya, yb, ly] = sourceIndex(y - y1, sy, padded);
      for (let x = x0; x < xEnd; x++) {
        const [xa, xb, lx] = sourceIndex(x - x1, sx, padded);
        const top = src[ya * padded + xa] * (1 - lx) + src[ya * padded + xb] * lx;
        const bottom = src[yb * padded + xa] * (1 - lx) + src[yb * padded + xb] * lx;
        out[base + y * imageWidth + x] = top * (1 - ly) + bottom * ly;
      }
    }
  }
  return out;
}

/** torch's bilinear source index with `align_corners=False`: lower index, upper index, weight. */
function sourceIndex(dst: number, scale: number, size: number): [number, number, number] {
  const s = Math.max(scale * (dst + 0.5) - 0.5, 0);
  const lo = Math.floor(s);
  const hi = lo < size - 1 ? lo + 1 : lo;
  return [lo, hi, s - lo];
}
