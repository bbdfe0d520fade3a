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

/** NHWC conv, stride 1, `pad` zero padding, `dil` dilation: `x` `[n,h,w,ci]`, `k` `[kh,kw,ci,co]`. */
export function conv2dRef(
  x: ArrayLike<number>,
  [n, h, w, ci]: readonly number[],
  k: ArrayLike<number>,
  [kh, kw, , co]: readonly number[],
  bias: ArrayLike<number>,
  pad: number,
  dil: number,
  relu: boolean,
): Float64Array {
  const y = new Float64Array(n * h * w * co);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < h; oy++)
      for (let ox = 0; ox < w; ox++)
        for (let o = 0; o < co; o++) {
          let s = bias[o];
          for (let dy = 0; dy < kh; dy++) {
            const iy = oy + dy * dil - pad;
            if (iy < 0 || iy >= h) continue;
            for (let dx = 0; dx < kw; dx++) {
              const ix = ox + dx * dil - pad;
              if (ix < 0 || ix >= w) continue;
              for (let c = 0; c < ci; c++)
                s += x[((b * h + iy) * w + ix) * ci + c] * k[((dy * kw + dx) * ci + c) * co + o];
            }
          }
          y[((b * h + oy) * w + ox) * co + o] = relu ? Math.max(0, s) : s;
        }
  return y;
}

/**
 * 2×2 stride-2 transposed conv + ReLU in NHWC: `x` `[n,h,w,ci]`, `k` `[2,2,co,ci]` (the tfjs
 * layout), output `[n,2h,2w,co]` with `y[2i+a, 2j+b, o] = Σ_c x[i,j,c]·k[a,b,o,c] + bias[o]`.
 */
export function deconv2x2Ref(
  x: ArrayLike<number>,
  [n, h, w, ci]: readonly number[],
  k: ArrayLike<number>,
  co: number,
  bias: ArrayLike<number>,
): Float64Array {
  const y = new Float64Array(n * 4 * h * w * co);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let a = 0; a < 2; a++)
          for (let bb = 0; bb < 2; bb++)
            for (let o = 0; o < co; o++) {
              let s = bias[o];
              for (let c = 0; c < ci; c++)
                s += x[((b * h + i) * w + j) * ci + c] * k[((a * 2 + bb) * co + o) * ci + c];
              y[((b * 2 * h + 2 * i + a) * 2 * w + 2 * j + bb) * co + o] = Math.max(0, s);
            }
  return y;
}
