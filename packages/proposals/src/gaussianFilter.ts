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
  const rx = (kx.length - 1) / 2;
  const ry = (ky.length - 1) / 2;
  const tmp = new Float32Array(data.length);
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let i = -rx; i <= rx; i++) {
          const xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
          s += kx[i + rx] * data[(row + xx) * c + ch];
        }
        tmp[(row + x) * c + ch] = s;
      }
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let i = -ry; i <= ry; i++) {
          const yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
          s += ky[i + ry] * tmp[(yy * w + x) * c + ch];
        }
        out[(y * w + x) * c + ch] = s;
      }
    }
  }
  return { width: w, height: h, channels: c, data: out };
}
