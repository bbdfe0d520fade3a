// The inner loops of every RoI kernel. Features are NHWC, so one (pixel, all channels) read is a
// contiguous run of C floats: each loop walks channels innermost and reuses a tap's offset and
// weight across all of them.

/** `acc[c] = Σ_t w[t] · f[off[t] + c]` for `c < C` (acc is overwritten). */
export function weightedSum(
  f: Float32Array,
  off: Int32Array,
  w: Float64Array,
  n: number,
  acc: Float64Array,
  C: number,
): void {
  acc.fill(0, 0, C);
  let t = 0;
  // Eight taps per pass over the channels: fewer read-modify-writes of acc per tap.
  for (; t + 7 < n; t += 8) {
    const o0 = off[t];
    const o1 = off[t + 1];
    const o2 = off[t + 2];
    const o3 = off[t + 3];
    const o4 = off[t + 4];
    const o5 = off[t + 5];
    const o6 = off[t + 6];
    const o7 = off[t + 7];
    const w0 = w[t];
    const w1 = w[t + 1];
    const w2 = w[t + 2];
    const w3 = w[t + 3];
    const w4 = w[t + 4];
    const w5 = w[t + 5];
    const w6 = w[t + 6];
    const w7 = w[t + 7];
    for (let c = 0; c < C; c++) {
      acc[c] +=
        w0 * f[o0 + c] +
        w1 * f[o1 + c] +
        w2 * f[o2 + c] +
        w3 * f[o3 + c] +
        w4 * f[o4 + c] +
        w5 * f[o5 + c] +
        w6 * f[o6 + c] +
        w7 * f[o7 + c];
    }
  }
  for (; t + 3 < n; t += 4) {
    const o0 = off[t];
    const o1 = off[t + 1];
    const o2 = off[t + 2];
    const o3 = off[t + 3];
    const w0 = w[t];
    const w1 = w[t + 1];
    const w2 = w[t + 2];
    const w3 = w[t + 3];
    for (let c = 0; c < C; c++) {
      acc[c] += w0 * f[o0 + c] + w1 * f[o1 + c] + w2 * f[o2 + c] + w3 * f[o3 + c];
    }
  }
  for (; t < n; t++) {
    const o = off[t];
    const wt = w[t];
    for (let c = 0; c < C; c++) acc[c] += wt * f[o + c];
  }
}

/** `g[off[t] + c] += w[t] · dy[dyBase + c]` for every tap t and `c < C`. */
export function weightedScatter(
  g: Float32Array,
  off: Int32Array,
  w: Float64Array,
  n: number,
  dy: Float32Array,
  dyBase: number,
  C: number,
): void {
  let t = 0;
  for (; t + 3 < n; t += 4) {
    const o0 = off[t];
    const o1 = off[t + 1];
    const o2 = off[t + 2];
    const o3 = off[t + 3];
    const w0 = w[t];
    const w1 = w[t + 1];
    const w2 = w[t + 2];
    const w3 = w[t + 3];
    for (let c = 0; c < C; c++) {
      const d = dy[dyBase + c];
      g[o0 + c] += w0 * d;
      g[o1 + c] += w1 * d;
      g[o2 + c] += w2 * d;
      g[o3 + c] += w3 * d;
    }
  }
  for (; t < n; t++) {
    const o = off[t];
    const wt = w[t];
    for (let c = 0; c < C; c++) g[o + c] += wt * dy[dyBase + c];
  }
}

/**
 * Max over bilinear samples: sample s reads 4 taps `off[4s..4s+3]` with weights `w[4s..4s+3]`;
 * `best[c]` gets the largest sample value and `arg[c]` its index (first one on ties). Needs
 * `n >= 1`.
 */
export function maxOverSamples(
  f: Float32Array,
  off: Int32Array,
  w: Float64Array,
  n: number,
  best: Float64Array,
  arg: Int32Array,
  C: number,
): void {
  for (let s = 0; s < n; s++) {
    const k = 4 * s;
    const o0 = off[k];
    const o1 = off[k + 1];
    const o2 = off[k + 2];
    const o3 = off[k + 3];
    const w0 = w[k];
    const w1 = w[k + 1];
    const w2 = w[k + 2];
    const w3 = w[k + 3];
    if (s === 0) {
      for (let c = 0; c < C; c++) {
        best[c] = w0 * f[o0 + c] + w1 * f[o1 + c] + w2 * f[o2 + c] + w3 * f[o3 + c];
        arg[c] = 0;
      }
    } else {
      for (let c = 0; c < C; c++) {
        const v = w0 * f[o0 + c] + w1 * f[o1 + c] + w2 * f[o2 + c] + w3 * f[o3 + c];
        if (v > best[c]) {
          best[c] = v;
          arg[c] = s;
        }
      }
    }
  }
}

/**
 * Max over whole pixels (RoIPool): `best[c]` starts at `-FLT_MAX` as in torchvision and `arg[c]`
 * gets the winning pixel's offset (first one on ties, -1 when nothing beats `-FLT_MAX`).
 */
export function maxOverPixels(
  f: Float32Array,
  rowBegin: number,
  rowEnd: number,
  colBegin: number,
  colEnd: number,
  imageBase: number,
  W: number,
  best: Float64Array,
  arg: Int32Array,
  C: number,
): void {
  best.fill(-3.4028234663852886e38, 0, C);
  arg.fill(-1, 0, C);
  for (let h = rowBegin; h < rowEnd; h++) {
    for (let x = colBegin; x < colEnd; x++) {
      const o = (imageBase + h * W + x) * C;
      for (let c = 0; c < C; c++) {
        const v = f[o + c];
        if (v > best[c]) {
          best[c] = v;
          arg[c] = o;
        }
      }
    }
  }
}
