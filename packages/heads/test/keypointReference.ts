/** Float64 plain-loop references for the keypoint head's tests. */

/**
 * Transposed conv in NHWC, torch's definition: `x` `[n,h,w,ci]`, `k` `[kh,kw,co,ci]` (the tfjs
 * layout), stride `s`, padding `p`: `y[i·s + a − p, j·s + b − p, o] += x[i,j,c]·k[a,b,o,c]`.
 */
export function deconvRef(
  x: ArrayLike<number>,
  [n, h, w, ci]: readonly number[],
  k: ArrayLike<number>,
  [kh, kw, co]: readonly number[],
  bias: ArrayLike<number>,
  s: number,
  p: number,
): { y: Float64Array; oh: number; ow: number } {
  const oh = (h - 1) * s - 2 * p + kh;
  const ow = (w - 1) * s - 2 * p + kw;
  const y = new Float64Array(n * oh * ow * co);
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < oh * ow; q++) for (let o = 0; o < co; o++) y[(b * oh * ow + q) * co + o] = bias[o];
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let a = 0; a < kh; a++) {
          const oy = i * s + a - p;
          if (oy < 0 || oy >= oh) continue;
          for (let d = 0; d < kw; d++) {
            const ox = j * s + d - p;
            if (ox < 0 || ox >= ow) continue;
            for (let o = 0; o < co; o++)
              for (let c = 0; c < ci; c++)
                y[((b * oh + oy) * ow + ox) * co + o] +=
                  x[((b * h + i) * w + j) * ci + c] * k[((a * kw + d) * co + o) * ci + c];
          }
        }
  }
  return { y, oh, ow };
}

/** torch's 2× bilinear upsampling with `align_corners=False` in NHWC. */
export function bilinearUp2Ref(x: ArrayLike<number>, [n, h, w, c]: readonly number[]): Float64Array {
  const src = (o: number, size: number) => {
    const real = Math.max((o + 0.5) / 2 - 0.5, 0);
    const i0 = Math.floor(real);
    return { i0, i1: Math.min(i0 + 1, size - 1), t: real - i0 };
  };
  const y = new Float64Array(n * 4 * h * w * c);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < 2 * h; oy++)
      for (let ox = 0; ox < 2 * w; ox++) {
        const sy = src(oy, h);
        const sx = src(ox, w);
        for (let k = 0; k < c; k++) {
          const at = (yy: number, xx: number) => x[((b * h + yy) * w + xx) * c + k];
          const top = at(sy.i0, sx.i0) * (1 - sx.t) + at(sy.i0, sx.i1) * sx.t;
          const bot = at(sy.i1, sx.i0) * (1 - sx.t) + at(sy.i1, sx.i1) * sx.t;
          y[((b * 2 * h + oy) * 2 * w + ox) * c + k] = top * (1 - sy.t) + bot * sy.t;
        }
      }
  return y;
}

/**
 * torchvision's `heatmaps_to_keypoints` written out directly: bicubic resize (a = −0.75) of each
 * `[m,m]` map to `ceil(max(w,1))` × `ceil(max(h,1))` with 16 clamped taps per pixel, first argmax,
 * cell centre mapped to the image. `maps` `[R,m,m,K]`, `rois` `[R,4]`.
 */
export function heatmapsToKeypointsRef(
  maps: ArrayLike<number>,
  [r, m, , k]: readonly number[],
  rois: ArrayLike<number>,
): { keypoints: Float64Array; scores: Float64Array } {
  const a = -0.75;
  const cubic = (t: number) => {
    const x = Math.abs(t);
    if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    return 0;
  };
  const keypoints = new Float64Array(r * k * 3);
  const scores = new Float64Array(r * k);
  for (let i = 0; i < r; i++) {
    const [x1, y1, x2, y2] = [rois[4 * i], rois[4 * i + 1], rois[4 * i + 2], rois[4 * i + 3]];
    const bw = Math.max(x2 - x1, 1);
    const bh = Math.max(y2 - y1, 1);
    const ow = Math.ceil(bw);
    const oh = Math.ceil(bh);
    for (let kp = 0; kp < k; kp++) {
      let best = Number.NEGATIVE_INFINITY;
      let bx = 0;
      let by = 0;
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const ry = ((oy + 0.5) * m) / oh - 0.5;
          const rx = ((ox + 0.5) * m) / ow - 0.5;
          const fy = Math.floor(ry);
          const fx = Math.floor(rx);
          let v = 0;
          for (let dy = -1; dy <= 2; dy++)
            for (let dx = -1; dx <= 2; dx++) {
              const yy = Math.min(Math.max(fy + dy, 0), m - 1);
              const xx = Math.min(Math.max(fx + dx, 0), m - 1);
              v += cubic(ry - (fy + dy)) * cubic(rx - (fx + dx)) * maps[((i * m + yy) * m + xx) * k + kp];
            }
          if (v > best) {
            best = v;
            bx = ox;
            by = oy;
          }
        }
      keypoints.set([((bx + 0.5) * bw) / ow + x1, ((by + 0.5) * bh) / oh + y1, 1], (i * k + kp) * 3);
      scores[i * k + kp] = best;
    }
  }
  return { keypoints, scores };
}
