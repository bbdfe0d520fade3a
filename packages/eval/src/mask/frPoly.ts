import { MaskInputError } from '../errors';
import type { Rle } from './rle';

/**
 * C's `(int)v` on x86-64 (`cvttsd2si`): truncation toward zero, and INT_MIN for NaN or out of
 * range. NaN arises in maskApi.c when a polygon repeats a point (a 0/0 slope); mimicking the C
 * value keeps every intermediate point identical to pycocotools'.
 */
function cInt(v: number): number {
  if (!(v > -2147483649 && v < 2147483648)) return -2147483648;
  return Math.trunc(v);
}

/**
 * Rasterise a polygon to an RLE exactly as `pycocotools.mask.frPyObjects([poly], h, w)` does
 * (maskApi.c's `rleFrPoly`): the boundary is walked on a 5× upsampled integer grid, and a pixel
 * is inside when its centre lies inside that traced boundary. Reproduces pycocotools' integer
 * truncations, so the masks (and hence segm IoUs and areas) match bit for bit.
 *
 * @param poly flat `[x0, y0, x1, y1, ...]` in pixel coordinates (pixel `i` spans `[i, i+1)`);
 *   at least one point. The polygon is closed implicitly.
 * @param h image height in pixels.
 * @param w image width in pixels.
 */
export function frPoly(poly: ArrayLike<number>, h: number, w: number): Rle {
  if (poly.length < 2 || poly.length % 2 !== 0) {
    throw new MaskInputError(
      'frPoly(poly)',
      `needs an even, non-zero number of coordinates, got ${poly.length}`,
    );
  }
  const k = poly.length >> 1;
  const scale = 5;
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) x[j] = cInt(scale * poly[2 * j] + 0.5);
  for (let j = 0; j < k; j++) y[j] = cInt(scale * poly[2 * j + 1] + 0.5);
  x[k] = x[0];
  y[k] = y[0];
  let total = 0;
  for (let j = 0; j < k; j++) total += Math.max(Math.abs(x[j] - x[j + 1]), Math.abs(y[j] - y[j + 1])) + 1;
  const u = new Int32Array(total);
  const v = new Int32Array(total);
  let m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j];
    let xe = x[j + 1];
    let ys = y[j];
    let ye = y[j + 1];
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      let t = xs;
      xs = xe;
      xe = t;
      t = ys;
      ys = ye;
      ye = t;
    }
    if (dx >= dy) {
      const s = (ye - ys) / dx;
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = cInt(ys + s * t + 0.5);
        m++;
      }
    } else {
      const s = (xe - xs) / dy;
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = cInt(xs + s * t + 0.5);
        m++;
      }
    }
  }
  // Keep the points where the boundary crosses a pixel-centre column, downsampled.
  const kk = m;
  const bx = new Int32Array(kk);
  const by = new Int32Array(kk);
  m = 0;
  for (let j = 1; j < kk; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = Math.min(v[j], v[j - 1]);
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    bx[m] = xd;
    by[m] = yd;
    m++;
  }
  // Boundary points as column-major flat indices; sorted, their gaps are the runs.
  const n = m + 1;
  const a = new Float64Array(n);
  for (let j = 0; j < m; j++) a[j] = bx[j] * h + by[j];
  a[m] = h * w;
  a.sort();
  let p = 0;
  for (let j = 0; j < n; j++) {
    const t = a[j];
    a[j] -= p;
    p = t;
  }
  const b = new Uint32Array(n);
  let j = 0;
  let q = 0;
  b[q++] = a[j++];
  while (j < n) {
    if (a[j] > 0) b[q++] = a[j++];
    else {
      j++;
      if (j < n) b[q - 1] += a[j++];
    }
  }
  return { h, w, counts: b.slice(0, q) };
}
