/**
 * Float64 plain-loop references for the nn layers, written from torch's definitions, and a
 * central-difference gradient helper. Layouts are ours (NHWC, filters `[kh,kw,I/g,O]`).
 */
import { SeededRandom } from '../src/rng';

export interface Geometry {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

export function randomArray(size: number, seed: number, scale = 1): Float64Array {
  const rng = new SeededRandom(seed);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniform(-scale, scale);
  return out;
}

/** Conv2d (cross-correlation) with symmetric zero padding, groups and dilation. */
export function conv2dRef(
  x: Float64Array,
  [n, h, w, c]: number[],
  filter: Float64Array,
  [kh, kw, cg, o]: number[],
  bias: Float64Array | null,
  g: Geometry,
): { data: Float64Array; shape: number[] } {
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const og = o / g.groups;
  const out = new Float64Array(n * oh * ow * o);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let oc = 0; oc < o; oc++) {
          const grp = Math.floor(oc / og);
          let acc = bias ? bias[oc] : 0;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++) {
              const iy = y * sh - ph + i * dh;
              const ix = xo * sw - pw + j * dw;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (let ci = 0; ci < cg; ci++) {
                const cin = grp * cg + ci;
                acc += x[((b * h + iy) * w + ix) * c + cin] * filter[((i * kw + j) * cg + ci) * o + oc];
              }
            }
          out[((b * oh + y) * ow + xo) * o + oc] = acc;
        }
  return { data: out, shape: [n, oh, ow, o] };
}

/**
 * torch's ConvTranspose2d: each input pixel scatters `x·w` to `(y·s − p + i, x·s − p + j)`;
 * filter in our layout `[kh,kw,O,I]`.
 */
export function convTranspose2dRef(
  x: Float64Array,
  [n, h, w, c]: number[],
  filter: Float64Array,
  [kh, kw, o]: number[],
  bias: Float64Array | null,
  stride: [number, number],
  padding: [number, number],
  outputPadding: [number, number],
): { data: Float64Array; shape: number[] } {
  const oh = (h - 1) * stride[0] - 2 * padding[0] + kh + outputPadding[0];
  const ow = (w - 1) * stride[1] - 2 * padding[1] + kw + outputPadding[1];
  const out = new Float64Array(n * oh * ow * o);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let oc = 0; oc < o; oc++) out[((b * oh + y) * ow + xo) * o + oc] = bias ? bias[oc] : 0;
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xi = 0; xi < w; xi++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const ty = y * stride[0] - padding[0] + i;
            const tx = xi * stride[1] - padding[1] + j;
            if (ty < 0 || ty >= oh || tx < 0 || tx >= ow) continue;
            for (let ci = 0; ci < c; ci++) {
              const v = x[((b * h + y) * w + xi) * c + ci];
              for (let oc = 0; oc < o; oc++) {
                out[((b * oh + ty) * ow + tx) * o + oc] += v * filter[((i * kw + j) * o + oc) * c + ci];
              }
            }
          }
  return { data: out, shape: [n, oh, ow, o] };
}

/** `x [R,in] · w [in,out] + b`. */
export function linearRef(
  x: Float64Array,
  rows: number,
  w: Float64Array,
  inF: number,
  outF: number,
  b: Float64Array | null,
) {
  const out = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < outF; j++) {
      let acc = b ? b[j] : 0;
      for (let i = 0; i < inF; i++) acc += x[r * inF + i] * w[i * outF + j];
      out[r * outF + j] = acc;
    }
  return out;
}

/** Per-channel affine BN with given statistics over the last axis. */
export function bnAffineRef(
  x: Float64Array,
  c: number,
  weight: Float64Array,
  bias: Float64Array,
  mean: Float64Array,
  variance: Float64Array,
  eps: number,
): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = i % c;
    out[i] = ((x[i] - mean[k]) / Math.sqrt(variance[k] + eps)) * weight[k] + bias[k];
  }
  return out;
}

/** Batch mean and biased variance per channel (last axis). */
export function batchStats(x: Float64Array, c: number): { mean: Float64Array; variance: Float64Array } {
  const count = x.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c] += x[i] / count;
  for (let i = 0; i < x.length; i++) variance[i % c] += (x[i] - mean[i % c]) ** 2 / count;
  return { mean, variance };
}

/** Central differences of a scalar function of a flat parameter vector. */
export function numericGradient(f: (p: Float64Array) => number, p: Float64Array, h = 1e-5): Float64Array {
  const g = new Float64Array(p.length);
  const q = Float64Array.from(p);
  for (let i = 0; i < p.length; i++) {
    q[i] = p[i] + h;
    const up = f(q);
    q[i] = p[i] - h;
    const down = f(q);
    q[i] = p[i];
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Largest |a − b| / (atol + rtol·|b|) style check result: the maximum absolute error. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
