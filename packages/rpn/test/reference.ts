/** Float64 plain-loop references for the RPN tests. */

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** NHWC 2-D convolution, stride 1, zero padding `pad`: `x` `[n,h,w,ci]`, `k` `[kh,kw,ci,co]`. */
export function conv2dRef(
  x: ArrayLike<number>,
  [n, h, w, ci]: number[],
  k: ArrayLike<number>,
  [kh, kw, , co]: number[],
  bias: ArrayLike<number>,
  pad: number,
  relu: boolean,
): Float64Array {
  const y = new Float64Array(n * h * w * co);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < h; oy++)
      for (let ox = 0; ox < w; ox++)
        for (let o = 0; o < co; o++) {
          let s = bias[o];
          for (let dy = 0; dy < kh; dy++) {
            const iy = oy + dy - pad;
            if (iy < 0 || iy >= h) continue;
            for (let dx = 0; dx < kw; dx++) {
              const ix = ox + dx - pad;
              if (ix < 0 || ix >= w) continue;
              for (let c = 0; c < ci; c++)
                s += x[((b * h + iy) * w + ix) * ci + c] * k[((dy * kw + dx) * ci + c) * co + o];
            }
          }
          y[((b * h + oy) * w + ox) * co + o] = relu ? Math.max(0, s) : s;
        }
  return y;
}

/** IoU of two (x1, y1, x2, y2) boxes in float64. */
export function iouRef(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const w = Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]);
  const h = Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]);
  const inter = w > 0 && h > 0 ? w * h : 0;
  const area = (x: ArrayLike<number>, k: number) => (x[4 * k + 2] - x[4 * k]) * (x[4 * k + 3] - x[4 * k + 1]);
  return inter / (area(a, i) + area(b, j) - inter);
}

/**
 * The proposal filter written out with plain loops in float64: per-level top-n, sigmoid, clip,
 * min size, score threshold, greedy NMS per level (strictly greater IoU suppresses), top-n.
 */
export function filterProposalsRef(
  proposals: ArrayLike<number>,
  logits: ArrayLike<number>,
  t: number,
  img: number,
  [height, width]: readonly number[],
  levels: readonly number[],
  pre: number,
  post: number,
  nmsThresh: number,
  scoreThresh: number,
  minSize: number,
): { boxes: number[]; scores: number[] } {
  type Cand = { box: number[]; score: number; level: number; order: number };
  const cands: Cand[] = [];
  let offset = img * t;
  levels.forEach((len, level) => {
    const idx = Array.from({ length: len }, (_, i) => offset + i).sort(
      (a, b) => logits[b] - logits[a] || a - b,
    );
    for (const i of idx.slice(0, pre)) {
      const p = img * t * 4 + (i - img * t) * 4;
      const box = [
        Math.min(Math.max(proposals[p], 0), width),
        Math.min(Math.max(proposals[p + 1], 0), height),
        Math.min(Math.max(proposals[p + 2], 0), width),
        Math.min(Math.max(proposals[p + 3], 0), height),
      ];
      const score = 1 / (1 + Math.exp(-logits[i]));
      if (box[2] - box[0] < minSize || box[3] - box[1] < minSize || score < scoreThresh) continue;
      cands.push({ box, score, level, order: cands.length });
    }
    offset += len;
  });
  cands.sort((a, b) => b.score - a.score || a.order - b.order);
  const kept: Cand[] = [];
  for (const c of cands) {
    const flat = [...c.box];
    const suppressed = kept.some((k) => k.level === c.level && iouRef(k.box, 0, flat, 0) > nmsThresh);
    if (!suppressed) kept.push(c);
  }
  const top = kept.slice(0, post);
  return { boxes: top.flatMap((k) => k.box), scores: top.map((k) => k.score) };
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
