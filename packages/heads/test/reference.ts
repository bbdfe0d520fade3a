/** Float64 plain-loop references for the heads' tests. */

/** `x` `[n,in]` · `w` `[in,out]` + `b`, optionally ReLU. */
export function linearRef(
  x: ArrayLike<number>,
  n: number,
  w: ArrayLike<number>,
  inF: number,
  outF: number,
  b: ArrayLike<number> | null,
  relu: boolean,
): Float64Array {
  const y = new Float64Array(n * outF);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let k = 0; k < inF; k++) s += x[i * inF + k] * w[k * outF + o];
      y[i * outF + o] = relu ? Math.max(s, 0) : s;
    }
  }
  return y;
}

/** torch's flatten of NHWC data in C,H,W order: `[n,h,w,c]` → `[n, c·h·w]`. */
export function flattenChw(x: ArrayLike<number>, n: number, h: number, w: number, c: number): Float64Array {
  const y = new Float64Array(n * c * h * w);
  for (let i = 0; i < n; i++)
    for (let yy = 0; yy < h; yy++)
      for (let xx = 0; xx < w; xx++)
        for (let cc = 0; cc < c; cc++)
          y[i * c * h * w + cc * h * w + yy * w + xx] = x[((i * h + yy) * w + xx) * c + cc];
  return y;
}

/** Central finite differences of a scalar float64 function. */
export function finiteDifference(
  f: (x: Float64Array) => number,
  x: ArrayLike<number>,
  eps = 1e-6,
): Float64Array {
  const p = Float64Array.from(x);
  const g = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    p[i] = v + eps;
    const hi = f(p);
    p[i] = v - eps;
    const lo = f(p);
    p[i] = v;
    g[i] = (hi - lo) / (2 * eps);
  }
  return g;
}

/** Deterministic pseudo-random values in [lo, hi) (an LCG; tests only). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 4294967296;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
