import { MaskInputError } from '../errors';
import type { Rle } from './rle';

function checkSize(h: number, w: number, culprit: string): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0) {
    throw new MaskInputError(culprit, `size must be non-negative integers, got h=${h} w=${w}`);
  }
}

/**
 * Run-length encode a binary mask, like `pycocotools.mask.encode`.
 *
 * @param mask `h * w` bytes in **row-major** order (pixel `(x, y)` at `mask[y * w + x]`, as image
 *   buffers are laid out); any non-zero byte is foreground.
 * @param h mask height in pixels.
 * @param w mask width in pixels.
 * @returns the RLE, whose runs go column-major (see {@link Rle}), byte-for-byte what
 *   pycocotools produces for the same 0/1 mask.
 */
export function encode(mask: ArrayLike<number>, h: number, w: number): Rle {
  checkSize(h, w, 'encode(h, w)');
  if (mask.length !== h * w) {
    throw new MaskInputError('encode(mask)', `length ${mask.length} does not match h*w = ${h}*${w}`);
  }
  const out = new Uint32Array(h * w + 1);
  let k = 0;
  let prev = 0;
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0, i = x; y < h; y++, i += w) {
      const v = mask[i] !== 0 ? 1 : 0;
      if (v !== prev) {
        out[k++] = run;
        run = 0;
        prev = v;
      }
      run++;
    }
  }
  out[k++] = run;
  return { h, w, counts: out.slice(0, k) };
}

/**
 * Encode a mask already laid out **column-major** (pixel `(x, y)` at `mask[x * h + y]`, numpy's
 * Fortran order, which is what `pycocotools.mask.encode` reads). Non-zero bytes are foreground.
 */
export function encodeColumnMajor(mask: ArrayLike<number>, h: number, w: number): Rle {
  checkSize(h, w, 'encodeColumnMajor(h, w)');
  const a = h * w;
  if (mask.length !== a) {
    throw new MaskInputError(
      'encodeColumnMajor(mask)',
      `length ${mask.length} does not match h*w = ${h}*${w}`,
    );
  }
  const out = new Uint32Array(a + 1);
  let k = 0;
  let prev = 0;
  let run = 0;
  for (let j = 0; j < a; j++) {
    const v = mask[j] !== 0 ? 1 : 0;
    if (v !== prev) {
      out[k++] = run;
      run = 0;
      prev = v;
    }
    run++;
  }
  out[k++] = run;
  return { h, w, counts: out.slice(0, k) };
}

function checkRuns(rle: Rle, culprit: string): void {
  let total = 0;
  for (let j = 0; j < rle.counts.length; j++) total += rle.counts[j];
  if (total !== rle.h * rle.w) {
    throw new MaskInputError(culprit, `counts sum to ${total}, expected h*w = ${rle.h}*${rle.w}`);
  }
}

/**
 * Decode an RLE to a binary mask, like `pycocotools.mask.decode`.
 *
 * @returns `h * w` bytes of 0/1 in **row-major** order (pixel `(x, y)` at `[y * w + x]`).
 * @throws MaskInputError when the counts do not sum to `h * w`.
 */
export function decode(rle: Rle): Uint8Array {
  checkRuns(rle, 'decode(rle)');
  const { h, w, counts } = rle;
  const out = new Uint8Array(h * w);
  let p = 0;
  let v = 0;
  for (let j = 0; j < counts.length; j++) {
    const c = counts[j];
    if (v === 1) {
      for (let t = 0; t < c; t++) {
        const q = p + t;
        const x = (q / h) | 0;
        out[(q - x * h) * w + x] = 1;
      }
    }
    p += c;
    v ^= 1;
  }
  return out;
}

/**
 * Decode an RLE to a binary mask in **column-major** order (pixel `(x, y)` at `[x * h + y]`),
 * the layout pycocotools' `decode` returns as a Fortran-ordered array.
 */
export function decodeColumnMajor(rle: Rle): Uint8Array {
  checkRuns(rle, 'decodeColumnMajor(rle)');
  const out = new Uint8Array(rle.h * rle.w);
  let p = 0;
  let v = 0;
  for (let j = 0; j < rle.counts.length; j++) {
    const c = rle.counts[j];
    if (v === 1) out.fill(1, p, p + c);
    p += c;
    v ^= 1;
  }
  return out;
}
