/** Float64 plain-loop references for the tests; no tfjs inside. */

/** Deterministic uniform values in [-1, 1) (mulberry32). */
export function randomValues(n: number, seed: number): Float64Array {
  let a = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export type RefPad = 'same' | 'valid' | [[number, number], [number, number]];

export interface RefConv {
  xShape: [number, number, number, number];
  /** `[kh, kw, C/groups, O]`. */
  wShape: [number, number, number, number];
  stride: [number, number];
  dilation: [number, number];
  pad: RefPad;
  groups: number;
}

export interface RefGeometry {
  Ho: number;
  Wo: number;
  padTop: number;
  padLeft: number;
}

function axis(size: number, k: number, s: number, d: number, pad: RefPad, which: 0 | 1) {
  const span = (k - 1) * d + 1;
  if (pad === 'same') {
    const out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + span - size, 0);
    return { out, before: Math.floor(total / 2) };
  }
  if (pad === 'valid') return { out: Math.floor((size - span) / s) + 1, before: 0 };
  const [before, after] = pad[which];
  return { out: Math.floor((size + before + after - span) / s) + 1, before };
}

export function refGeometry(c: RefConv): RefGeometry {
  const [, H, W] = c.xShape;
  const [kh, kw] = c.wShape;
  const y = axis(H, kh, c.stride[0], c.dilation[0], c.pad, 0);
  const x = axis(W, kw, c.stride[1], c.dilation[1], c.pad, 1);
  return { Ho: y.out, Wo: x.out, padTop: y.before, padLeft: x.before };
}

/** Visit every (output, tap, input) triple of a grouped convolution. */
function forEachTap(
  c: RefConv,
  visit: (outIndex: number, xIndex: number, wIndex: number) => void,
): RefGeometry {
  const g = refGeometry(c);
  const [N, H, W, C] = c.xShape;
  const [kh, kw, Cg, O] = c.wShape;
  const Og = O / c.groups;
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < g.Ho; oy++)
      for (let ox = 0; ox < g.Wo; ox++)
        for (let o = 0; o < O; o++) {
          const grp = Math.floor(o / Og);
          const outIndex = ((n * g.Ho + oy) * g.Wo + ox) * O + o;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * c.stride[0] + ky * c.dilation[0] - g.padTop;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * c.stride[1] + kx * c.dilation[1] - g.padLeft;
              if (ix < 0 || ix >= W) continue;
              for (let ci = 0; ci < Cg; ci++) {
                visit(
                  outIndex,
                  ((n * H + iy) * W + ix) * C + grp * Cg + ci,
                  ((ky * kw + kx) * Cg + ci) * O + o,
                );
              }
            }
          }
        }
  return g;
}

/** Grouped convolution forward, NHWC, float64. */
export function refConv(c: RefConv, x: Float64Array, w: Float64Array): { y: Float64Array; shape: number[] } {
  const g = refGeometry(c);
  const shape = [c.xShape[0], g.Ho, g.Wo, c.wShape[3]];
  const y = new Float64Array(shape.reduce((a, b) => a * b, 1));
  forEachTap(c, (o, xi, wi) => {
    y[o] += x[xi] * w[wi];
  });
  return { y, shape };
}

/** Gradients of `sum(dy * conv(x, w))` w.r.t. x and w, float64. */
export function refConvGrads(
  c: RefConv,
  x: Float64Array,
  w: Float64Array,
  dy: Float64Array,
): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  forEachTap(c, (o, xi, wi) => {
    dx[xi] += dy[o] * w[wi];
    dw[wi] += dy[o] * x[xi];
  });
  return { dx, dw };
}

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
