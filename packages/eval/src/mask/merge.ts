import type { Rle } from './rle';

/**
 * Union (default) or intersection of several RLEs of the same size, like
 * `pycocotools.mask.merge(rles, intersect)`.
 *
 * Follows maskApi.c exactly: merging no masks gives an empty 0×0 RLE, and a size mismatch between
 * the inputs gives an empty 0×0 RLE rather than an error.
 */
export function merge(rles: readonly Rle[], intersect = false): Rle {
  if (rles.length === 0) return { h: 0, w: 0, counts: new Uint32Array(0) };
  let { h, w } = rles[0];
  if (rles.length === 1) return { h, w, counts: rles[0].counts.slice() };
  let acc: Uint32Array = rles[0].counts;
  let m = acc.length;
  let buf = new Uint32Array(h * w + 1);
  let next = new Uint32Array(h * w + 1);
  for (let i = 1; i < rles.length; i++) {
    const B = rles[i];
    if (B.h !== h || B.w !== w) {
      h = 0;
      w = 0;
      m = 0;
      break;
    }
    const A = acc;
    const am = m;
    const bc = B.counts;
    const bm = bc.length;
    let ca = am > 0 ? A[0] : 0;
    let cb = bm > 0 ? bc[0] : 0;
    let v = 0;
    let va = 0;
    let vb = 0;
    let a = 1;
    let b = 1;
    let cc = 0;
    let ct = 1;
    m = 0;
    while (ct > 0) {
      const c = Math.min(ca, cb);
      cc += c;
      ct = 0;
      ca -= c;
      if (!ca && a < am) {
        ca = A[a++];
        va ^= 1;
      }
      ct += ca;
      cb -= c;
      if (!cb && b < bm) {
        cb = bc[b++];
        vb ^= 1;
      }
      ct += cb;
      const vp = v;
      v = intersect ? va & vb : va | vb;
      if (v !== vp || ct === 0) {
        next[m++] = cc;
        cc = 0;
      }
    }
    acc = next;
    const t = buf;
    buf = next;
    next = t;
  }
  return { h, w, counts: acc.slice(0, m) };
}
