/** Float64 plain-loop references for the proposals tests. */

/** Deterministic pseudo-random values in [0, 1) (an LCG; tests only). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * Felzenszwalb–Huttenlocher without smoothing, written plainly: all 8-neighbour edges as objects,
 * `Array.prototype.sort` (stable) by float32 weight, parent-pointer union-find; labels renumbered
 * in raster order.
 */
export function felzenszwalbRef(
  data: ArrayLike<number>,
  w: number,
  h: number,
  c: number,
  k: number,
  minSize: number,
): Int32Array {
  const edges: { a: number; b: number; w: number }[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const nbs: number[] = [];
      if (x < w - 1) nbs.push(p + 1);
      if (y < h - 1) nbs.push(p + w);
      if (x < w - 1 && y < h - 1) nbs.push(p + w + 1);
      if (x < w - 1 && y > 0) nbs.push(p - w + 1);
      for (const q of nbs) {
        let s = 0;
        for (let ch = 0; ch < c; ch++) s += (data[p * c + ch] - data[q * c + ch]) ** 2;
        edges.push({ a: p, b: q, w: Math.fround(Math.sqrt(s)) });
      }
    }
  edges.sort((e, f) => e.w - f.w);
  const parent = Array.from({ length: w * h }, (_, i) => i);
  const size = new Array(w * h).fill(1);
  const thr = new Array(w * h).fill(k);
  const find = (x: number): number => (parent[x] === x ? x : find(parent[x]));
  const union = (a: number, b: number) => {
    const [big, small] = size[a] >= size[b] ? [a, b] : [b, a];
    parent[small] = big;
    size[big] += size[small];
    return big;
  };
  for (const e of edges) {
    const a = find(e.a);
    const b = find(e.b);
    if (a !== b && e.w <= thr[a] && e.w <= thr[b]) {
      const r = union(a, b);
      thr[r] = e.w + k / size[r];
    }
  }
  for (const e of edges) {
    const a = find(e.a);
    const b = find(e.b);
    if (a !== b && (size[a] < minSize || size[b] < minSize)) union(a, b);
  }
  const ids = new Map<number, number>();
  return Int32Array.from({ length: w * h }, (_, p) => {
    const r = find(p);
    if (!ids.has(r)) ids.set(r, ids.size);
    return ids.get(r) as number;
  });
}

/** Correlate every channel with a 2-D kernel `ky ⊗ kx`, replicating borders (float64). */
export function filter2dRef(
  data: ArrayLike<number>,
  w: number,
  h: number,
  c: number,
  kx: ArrayLike<number>,
  ky: ArrayLike<number>,
): Float64Array {
  const rx = (kx.length - 1) / 2;
  const ry = (ky.length - 1) / 2;
  const out = new Float64Array(w * h * c);
  const clamp = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let j = -ry; j <= ry; j++)
          for (let i = -rx; i <= rx; i++)
            s += ky[j + ry] * kx[i + rx] * data[(clamp(y + j, h) * w + clamp(x + i, w)) * c + ch];
        out[(y * w + x) * c + ch] = s;
      }
  return out;
}
