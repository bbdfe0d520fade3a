import type { ChannelImage } from './colorSpace';
import type { Segmentation } from './felzenszwalb';
import { TEXTURE_BINS, TEXTURE_ORIENTATIONS } from './textureBins';

/** Colour histogram bins per channel (Uijlings et al. 2013). */
export const COLOR_BINS = 25;

/**
 * Regions of a grouping hierarchy, stored column-wise with room for all `2n − 1` regions: the n
 * initial segments, then one per merge. Histograms are L1-normalised per region.
 */
export interface RegionTable {
  count: number;
  /** Pixels per region. */
  readonly sizes: Float64Array;
  /** `[capacity, 4]` `(x1, y1, x2, y2)`, pixel edges (x2 = last column + 1). */
  readonly boxes: Float64Array;
  readonly colorLength: number;
  readonly colorHist: Float32Array;
  readonly textureLength: number;
  readonly textureHist: Float32Array;
}

/**
 * Statistics of the initial segments of `segmentation`, and their adjacency (8-neighbourhood,
 * like the segmentation graph) as a list of unordered pairs `a < b`.
 *
 * @param color the colour-space image the segmentation was computed from (channels in [0, 255]).
 * @param texture per-pixel texture bins from `textureBins(color)`.
 */
export function initialRegions(
  segmentation: Segmentation,
  color: ChannelImage,
  texture: Uint8Array,
): { table: RegionTable; neighbours: Array<Set<number>> } {
  const { width: w, height: h, labels, numSegments: n } = segmentation;
  const c = color.channels;
  const capacity = Math.max(2 * n - 1, 1);
  const colorLength = c * COLOR_BINS;
  const textureLength = c * TEXTURE_ORIENTATIONS * TEXTURE_BINS;
  const table: RegionTable = {
    count: n,
    sizes: new Float64Array(capacity),
    boxes: new Float64Array(capacity * 4),
    colorLength,
    colorHist: new Float32Array(capacity * colorLength),
    textureLength,
    textureHist: new Float32Array(capacity * textureLength),
  };
  const { sizes, boxes, colorHist, textureHist } = table;
  for (let r = 0; r < n; r++) {
    boxes[4 * r] = w;
    boxes[4 * r + 1] = h;
  }
  const perPixelTexture = c * TEXTURE_ORIENTATIONS;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const r = labels[p];
      sizes[r]++;
      const b = 4 * r;
      if (x < boxes[b]) boxes[b] = x;
      if (y < boxes[b + 1]) boxes[b + 1] = y;
      if (x + 1 > boxes[b + 2]) boxes[b + 2] = x + 1;
      if (y + 1 > boxes[b + 3]) boxes[b + 3] = y + 1;
      for (let ch = 0; ch < c; ch++) {
        const v = color.data[p * c + ch];
        const bin = v <= 0 ? 0 : v >= 255 ? COLOR_BINS - 1 : Math.floor((v * COLOR_BINS) / 256);
        colorHist[r * colorLength + ch * COLOR_BINS + bin]++;
      }
      for (let j = 0; j < perPixelTexture; j++) {
        textureHist[r * textureLength + j * TEXTURE_BINS + texture[p * perPixelTexture + j]]++;
      }
    }
  }
  for (let r = 0; r < n; r++) {
    // Each channel contributes |r| counts: dividing by c·|r| makes the whole histogram sum to 1.
    const cs = 1 / (c * sizes[r]);
    for (let i = 0; i < colorLength; i++) colorHist[r * colorLength + i] *= cs;
    const ts = 1 / (perPixelTexture * sizes[r]);
    for (let i = 0; i < textureLength; i++) textureHist[r * textureLength + i] *= ts;
  }
  const neighbours = Array.from({ length: n }, () => new Set<number>());
  const link = (a: number, b: number) => {
    neighbours[a].add(b);
    neighbours[b].add(a);
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const a = labels[p];
      // Set insertions only on segment borders.
      if (x < w - 1 && labels[p + 1] !== a) link(a, labels[p + 1]);
      if (y < h - 1 && labels[p + w] !== a) link(a, labels[p + w]);
      if (x < w - 1 && y < h - 1 && labels[p + w + 1] !== a) link(a, labels[p + w + 1]);
      if (x < w - 1 && y > 0 && labels[p - w + 1] !== a) link(a, labels[p - w + 1]);
    }
  }
  return { table, neighbours };
}
