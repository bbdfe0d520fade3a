import type { ChannelImage } from './colorSpace';

/**
 * A normalised 1-D Gaussian of standard deviation `sigma` pixels, radius `ceil(4σ)` (the
 * truncation of Felzenszwalb and Huttenlocher's code); index `radius` is the centre.
 */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.ceil(sigma * 4);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    k[i + radius] = Math.exp(-0.5 * (i / sigma) ** 2);
    sum += k[i + radius];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * The first derivative of the Gaussian, `−x/σ² · g(x)`, on the same support as
 * {@link gaussianKernel} (normalised so a unit ramp gives slope 1). Used for selective search's
 * texture features.
 */
export function gaussianDerivativeKernel(sigma: number): Float64Array {
  const g = gaussianKernel(sigma);
  const radius = (g.length - 1) / 2;
  const k = new Float64Array(g.length);
  let slope = 0;
  for (let i = -radius; i <= radius; i++) {
    // Correlation with a kernel flipped in sign gives d/dx: response(x) = Σ k[i]·f(x + i).
    k[i + radius] = (i / sigma ** 2) * g[i + radius];
    slope += k[i + radius] * i;
  }
  for (let i = 0; i < k.length; i++) k[i] /= slope;
  return k;
}

/**
 * Separable filtering of every channel of `image`: correlate rows with `kx` then columns with `ky`
 * (odd lengths, centred), replicating the border pixels. Returns a new image of the same shape.
 */
export function separableFilter(image: ChannelImage, kx: Float64Array, ky: Float64Array): ChannelImage {
  const { width: w, height: h, channels: c, data } = image;
  const tmp = filterAxis(data, w, h, c, kx, 1, w);
  const out = filterAxis(tmp, w, h, c, ky, w, h);
  return { width: w, height: h, channels: c, data: out };
}

/**
 * Correlate along one axis: `step` is the pixel stride along it (1 for rows, `w` for columns) and
 * `size` its length. Border pixels are replicated through a clamped tap table, so the inner loop
 * has no tests.
 */
function filterAxis(
  data: Float32Array,
  w: number,
  h: number,
  c: number,
  kernel: Float64Array,
  step: number,
  size: number,
): Float32Array {
  const r = (kernel.length - 1) / 2;
  const taps = new Int32Array(size * kernel.length);
  for (let i = 0; i < size; i++) {
    for (let t = -r; t <= r; t++)
      taps[i * kernel.length + t + r] = Math.min(Math.max(i + t, 0), size - 1) * step * c;
  }
  const out = new Float32Array(data.length);
  const len = kernel.length;
  const lines = step === 1 ? h : w;
  const lineStride = step === 1 ? w * c : c;
  for (let line = 0; line < lines; line++) {
    const base = line * lineStride;
    for (let i = 0; i < size; i++) {
      const at = base + i * step * c;
      const tapBase = i * len;
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let t = 0; t < len; t++) s += kernel[t] * data[base + taps[tapBase + t] + ch];
        out[at + ch] = s;
      }
    }
  }
  return out;
}
