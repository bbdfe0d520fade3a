/**
 * Float64 plain-loop references of every loss, and a central finite-difference gradient of any
 * of them. Arrays are row-major, in the layouts the package uses (masks `[P,m,m,K]`).
 */

export function crossEntropyRef(
  logits: Float64Array,
  n: number,
  c: number,
  labels: ArrayLike<number>,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, logits[i * c + j]);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(logits[i * c + j] - max);
    out.push(-(logits[i * c + labels[i]] - max - Math.log(s)));
  }
  return out;
}

export function smoothL1Ref(pred: ArrayLike<number>, target: ArrayLike<number>, beta: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < pred.length; i++) {
    const d = Math.abs(pred[i] - target[i]);
    out.push(beta < 1e-5 ? d : d < beta ? (0.5 * d * d) / beta : d - 0.5 * beta);
  }
  return out;
}

export function bceRef(x: number, z: number): number {
  // log σ(x) and log(1 − σ(x)) written out directly, not in the stable form the package uses.
  const logSig = x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
  const logOneMinus = logSig - x;
  return -(z * logSig + (1 - z) * logOneMinus);
}

export const sum = (a: number[]): number => a.reduce((s, v) => s + v, 0);
export const mean = (a: number[]): number => (a.length === 0 ? 0 : sum(a) / a.length);

export function fastRcnnRef(
  cls: Float64Array,
  box: Float64Array,
  r: number,
  c: number,
  labels: ArrayLike<number>,
  targets: ArrayLike<number>,
  beta = 1 / 9,
): [number, number] {
  const groups = box.length / (4 * r);
  const ce = mean(crossEntropyRef(cls, r, c, labels));
  let boxSum = 0;
  for (let i = 0; i < r; i++) {
    if (labels[i] <= 0) continue;
    const g = groups === 1 ? 0 : labels[i];
    const p = Array.from({ length: 4 }, (_, k) => box[(i * groups + g) * 4 + k]);
    const t = Array.from({ length: 4 }, (_, k) => targets[i * 4 + k]);
    boxSum += sum(smoothL1Ref(p, t, beta));
  }
  return [ce, boxSum / r];
}

export function sigmoidMaskRef(
  logits: Float64Array,
  shape: [number, number, number, number],
  labels: ArrayLike<number>,
  targets: ArrayLike<number>,
): number {
  const [p, h, w, k] = shape;
  let s = 0;
  for (let i = 0; i < p; i++) {
    const ch = k === 1 ? 0 : labels[i];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        s += bceRef(logits[((i * h + y) * w + x) * k + ch], targets[(i * h + y) * w + x]);
      }
    }
  }
  return p === 0 ? 0 : s / (p * h * w);
}

export function multinomialMaskRef(
  logits: Float64Array,
  shape: [number, number, number, number],
  labels: ArrayLike<number>,
  targets: ArrayLike<number>,
): number {
  const [p, h, w, k] = shape;
  let s = 0;
  for (let i = 0; i < p; i++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const base = ((i * h + y) * w + x) * k;
        let max = -Infinity;
        for (let j = 0; j < k; j++) max = Math.max(max, logits[base + j]);
        let z = 0;
        for (let j = 0; j < k; j++) z += Math.exp(logits[base + j] - max);
        const logP = (j: number) => logits[base + j] - max - Math.log(z);
        const t = targets[(i * h + y) * w + x];
        s -= t * logP(labels[i]) + (1 - t) * logP(0);
      }
    }
  }
  return p === 0 ? 0 : s / (p * h * w);
}

export function rpnRef(
  obj: Float64Array,
  deltas: Float64Array,
  targets: ArrayLike<number>,
  pos: ArrayLike<number>,
  neg: ArrayLike<number>,
  beta = 1 / 9,
): [number, number] {
  const n = pos.length + neg.length;
  if (n === 0) return [0, 0];
  let o = 0;
  let b = 0;
  for (let q = 0; q < pos.length; q++) {
    const i = pos[q];
    o += bceRef(obj[i], 1);
    b += sum(
      smoothL1Ref(
        Array.from({ length: 4 }, (_, k) => deltas[i * 4 + k]),
        Array.from({ length: 4 }, (_, k) => targets[i * 4 + k]),
        beta,
      ),
    );
  }
  for (let q = 0; q < neg.length; q++) o += bceRef(obj[neg[q]], 0);
  return [o / n, b / n];
}

/** Central finite differences of a scalar float64 function, step `eps`. */
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

/** Deterministic pseudo-random float64 values in [lo, hi) (a small LCG; tests only). */
export function randomArray(n: number, seed: number, lo = -2, hi = 2): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 4294967296;
  }
  return out;
}

/** Largest absolute difference between two arrays (throws on length mismatch). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Float32 copy for tfjs (which takes no Float64Array). */
export const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);
