import { frPoly } from '@rcnn/eval';

/**
 * Pixels inside a polygon with holes, as row-major indices `y * width + x`, rasterised exactly as
 * COCO rasterises polygon annotations (`frPoly`), so a polygon written to `annotations.json`
 * decodes to precisely the pixels that were painted. Parts outside the image are clipped.
 */
export function polygonPixels(
  outer: readonly number[],
  holes: readonly (readonly number[])[],
  width: number,
  height: number,
): Int32Array {
  const inside = rlePixels(frPoly(outer, height, width).counts, width, height);
  if (holes.length === 0) return inside;
  const hole = new Uint8Array(width * height);
  for (const h of holes)
    for (const i of rlePixels(frPoly(h, height, width).counts, width, height)) hole[i] = 1;
  return inside.filter((i) => hole[i] === 0);
}

/** Foreground pixels of column-major COCO runs as row-major indices. */
function rlePixels(counts: ArrayLike<number>, width: number, height: number): Int32Array {
  let total = 0;
  for (let j = 1; j < counts.length; j += 2) total += counts[j];
  const out = new Int32Array(total);
  let p = 0;
  let k = 0;
  for (let j = 0; j < counts.length; j++) {
    const c = counts[j];
    if (j & 1) {
      for (let q = p; q < p + c; q++) {
        const x = Math.floor(q / height);
        out[k++] = (q - x * height) * width + x;
      }
    }
    p += c;
  }
  return out;
}

/**
 * Pixels whose centres lie within distance `r` of the segment `(ax, ay)–(bx, by)` (a capsule), as
 * row-major indices, clipped to the image. The radius is at least half a pixel so that thin
 * limbs of small figures stay connected.
 */
export function capsulePixels(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  r: number,
  width: number,
  height: number,
): Int32Array {
  r = Math.max(r, 0.6);
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + r));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + r));
  const out: number[] = [];
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy || 1;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - ax;
      const py = y + 0.5 - ay;
      let t = (px * dx + py * dy) / len2;
      t = t < 0 ? 0 : Math.min(t, 1);
      const ex = px - t * dx;
      const ey = py - t * dy;
      if (ex * ex + ey * ey <= r * r) out.push(y * width + x);
    }
  }
  return Int32Array.from(out);
}

/** Pixels whose centres lie in the ellipse with semi-axes `rx`, `ry` rotated by `angle` (radians). */
export function ellipsePixels(
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  angle: number,
  width: number,
  height: number,
): Int32Array {
  rx = Math.max(rx, 0.6);
  ry = Math.max(ry, 0.6);
  const r = Math.max(rx, ry);
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(width - 1, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(height - 1, Math.ceil(cy + r));
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const out: number[] = [];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      const u = (c * px + s * py) / rx;
      const v = (-s * px + c * py) / ry;
      if (u * u + v * v <= 1) out.push(y * width + x);
    }
  }
  return Int32Array.from(out);
}
