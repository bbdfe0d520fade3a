import type { ChannelImage } from './colorSpace';
import { gaussianDerivativeKernel, gaussianKernel, separableFilter } from './gaussianFilter';

/** Orientations of the texture features (every 45°). */
export const TEXTURE_ORIENTATIONS = 8;
/** Histogram bins per channel and orientation. */
export const TEXTURE_BINS = 10;

/**
 * Per-pixel texture bins of selective search (Uijlings et al. 2013, §3.2): Gaussian derivatives
 * (σ = 1) of every channel in 8 orientations θ = 0°, 45°, ..., 315°, the response
 * `max(0, cos θ·∂x + sin θ·∂y)` (opposite orientations keep opposite signs), quantised to 10 bins
 * over `[0, max]` of that channel and orientation in the image.
 *
 * @returns `[H·W, C, 8]` bin indices in `[0, 10)`, row-major.
 */
export function textureBins(image: ChannelImage): Uint8Array {
  const g = gaussianKernel(1);
  const d = gaussianDerivativeKernel(1);
  const gx = separableFilter(image, d, g).data;
  const gy = separableFilter(image, g, d).data;
  const { channels: c } = image;
  const n = image.width * image.height;
  const cos = Array.from({ length: TEXTURE_ORIENTATIONS }, (_, o) => Math.cos((o * Math.PI) / 4));
  const sin = Array.from({ length: TEXTURE_ORIENTATIONS }, (_, o) => Math.sin((o * Math.PI) / 4));
  const max = new Float64Array(c * TEXTURE_ORIENTATIONS);
  const response = new Float32Array(n * c * TEXTURE_ORIENTATIONS);
  for (let p = 0; p < n; p++) {
    for (let ch = 0; ch < c; ch++) {
      const x = gx[p * c + ch];
      const y = gy[p * c + ch];
      for (let o = 0; o < TEXTURE_ORIENTATIONS; o++) {
        const r = Math.max(0, cos[o] * x + sin[o] * y);
        const j = ch * TEXTURE_ORIENTATIONS + o;
        response[p * c * TEXTURE_ORIENTATIONS + j] = r;
        if (r > max[j]) max[j] = r;
      }
    }
  }
  const bins = new Uint8Array(response.length);
  const stride = c * TEXTURE_ORIENTATIONS;
  for (let i = 0; i < response.length; i++) {
    const top = max[i % stride];
    bins[i] = top > 0 ? Math.min(TEXTURE_BINS - 1, Math.floor((response[i] / top) * TEXTURE_BINS)) : 0;
  }
  return bins;
}
