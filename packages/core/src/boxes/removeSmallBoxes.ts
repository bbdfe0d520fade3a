import { type BoxesInput, readBoxes } from './boxInput';

const f32 = Math.fround;

/**
 * Indices of the boxes whose width and height are both at least `minSize` pixels, like
 * torchvision's `remove_small_boxes` (so zero-area boxes go when `minSize > 0`, and boxes with
 * NaN sides always go).
 *
 * @param boxes `N` (x1, y1, x2, y2) boxes in pixels.
 * @returns ascending kept indices.
 */
export function removeSmallBoxes(boxes: BoxesInput, minSize: number): Int32Array {
  const b = readBoxes('boxes', boxes);
  const n = b.length / 4;
  const keep = new Int32Array(n);
  const min = f32(minSize);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (f32(b[4 * i + 2] - b[4 * i]) >= min && f32(b[4 * i + 3] - b[4 * i + 1]) >= min) keep[k++] = i;
  }
  return keep.slice(0, k);
}
