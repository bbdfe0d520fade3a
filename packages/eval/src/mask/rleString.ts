import { MaskInputError } from '../errors';
import type { Rle } from './rle';

/**
 * COCO's compressed `counts` string of an RLE, exactly as maskApi.c's `rleToString`: each count
 * (from the fourth on, as a difference to the count two before) is written as a little-endian
 * sequence of 5-bit groups with a continuation bit, one ASCII character (48..111) per group.
 */
export function rleToString(rle: Rle): string {
  const c = rle.counts;
  const chars: number[] = [];
  for (let i = 0; i < c.length; i++) {
    let x = c[i];
    if (i > 2) x -= c[i - 2];
    let more = true;
    while (more) {
      let ch = x & 0x1f;
      // Floor division keeps the arithmetic shift of a C `long` for counts beyond 32 bits.
      x = Math.floor(x / 32);
      more = ch & 0x10 ? x !== -1 : x !== 0;
      if (more) ch |= 0x20;
      chars.push(ch + 48);
    }
  }
  return String.fromCharCode(...chars);
}

/**
 * Parse a compressed `counts` string (maskApi.c's `rleFrString`) into an RLE of size `h`×`w`.
 *
 * @throws MaskInputError naming `culprit` when the string has a character outside 48..111, ends
 *   inside a count, or its counts do not sum to `h * w`.
 */
export function rleFrString(s: string, h: number, w: number, culprit = 'rleFrString(s)'): Rle {
  const cnts = new Uint32Array(s.length);
  let m = 0;
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let more = true;
    let mul = 1;
    while (more) {
      if (p >= s.length) throw new MaskInputError(culprit, 'string ends inside a count');
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63)
        throw new MaskInputError(culprit, `character ${JSON.stringify(s[p])} at ${p} is outside '0'..'o'`);
      x += (c & 0x1f) * mul;
      mul *= 32;
      more = (c & 0x20) !== 0;
      p++;
      if (!more && c & 0x10) x -= mul;
    }
    if (m > 2) x += cnts[m - 2];
    if (x < 0 || x > 0xffffffff) throw new MaskInputError(culprit, `count ${m} decodes to ${x}`);
    cnts[m++] = x;
  }
  const counts = cnts.slice(0, m);
  let total = 0;
  for (let j = 0; j < m; j++) total += counts[j];
  if (total !== h * w) throw new MaskInputError(culprit, `counts sum to ${total}, expected h*w = ${h}*${w}`);
  return { h, w, counts };
}
