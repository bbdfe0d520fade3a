import type * as tf from '@tensorflow/tfjs-core';

export interface FeatureSummary {
  shape: number[];
  absMax: number;
  mean: number;
  std: number;
  channelMeans: number[];
  samples: Array<[number, number]>;
}

/**
 * Largest deviation of `t` (NHWC) from a torchvision summary (NCHW), relative to the feature's
 * largest magnitude: over the sampled values, the per-channel means, the mean and the std.
 */
export function relativeError(t: tf.Tensor4D, want: FeatureSummary): number {
  const [n, c, h, w] = want.shape;
  if (t.shape.join() !== [n, h, w, c].join()) {
    throw new Error(`shape [${t.shape}] does not match torchvision's NHWC [${[n, h, w, c]}]`);
  }
  const d = t.dataSync();
  let err = 0;
  for (const [flat, v] of want.samples) {
    const ww = flat % w;
    const hh = Math.floor(flat / w) % h;
    const cc = Math.floor(flat / (w * h)) % c;
    const nn = Math.floor(flat / (w * h * c));
    err = Math.max(err, Math.abs(d[((nn * h + hh) * w + ww) * c + cc] - v));
  }
  const sums = new Float64Array(c);
  let total = 0;
  for (let i = 0; i < d.length; i++) {
    sums[i % c] += d[i];
    total += d[i];
  }
  const count = d.length / c;
  for (let k = 0; k < c; k++) err = Math.max(err, Math.abs(sums[k] / count - want.channelMeans[k]));
  const mean = total / d.length;
  let sq = 0;
  for (let i = 0; i < d.length; i++) sq += (d[i] - mean) ** 2;
  err = Math.max(err, Math.abs(mean - want.mean), Math.abs(Math.sqrt(sq / d.length) - want.std));
  return err / want.absMax;
}
