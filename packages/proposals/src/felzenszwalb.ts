import { ConfigError } from '@rcnn/core';
import type { ChannelImage } from './colorSpace';
import { gaussianKernel, separableFilter } from './gaussianFilter';
import { sortByWeight } from './sortByWeight';

/** Options of {@link felzenszwalbSegmentation}. */
export interface FelzenszwalbOptions {
  /** Scale `k` of the threshold `τ(C) = k/|C|`: larger gives larger segments. */
  readonly k: number;
  /** Gaussian smoothing (pixels) before building the graph; 0 disables it. Default 0.8. */
  readonly sigma?: number;
  /** Segments smaller than this many pixels are merged into a neighbour afterwards. Default `k`. */
  readonly minSize?: number;
}

/** A segmentation: one label per pixel. */
export interface Segmentation {
  readonly width: number;
  readonly height: number;
  /** `[H·W]` row-major segment ids in `[0, numSegments)`, numbered in raster order of first pixel. */
  readonly labels: Int32Array;
  readonly numSegments: number;
}

function find(parent: Int32Array, x: number): number {
  let r = x;
  while (parent[r] !== r) r = parent[r];
  while (parent[x] !== r) {
    const next = parent[x];
    parent[x] = r;
    x = next;
  }
  return r;
}

/**
 * Felzenszwalb–Huttenlocher graph-based segmentation (IJCV 2004) of a multi-channel image: Gaussian
 * smoothing, an 8-neighbour grid graph weighted by the Euclidean colour distance, edges taken in
 * ascending weight and two components joined when the edge is no heavier than either's internal
 * difference plus `k/size` (union-find), then components below `minSize` pixels merged along the
 * lightest edges.
 *
 * @param image channels in [0, 255] (see `convertColorSpace`).
 */
export function felzenszwalbSegmentation(image: ChannelImage, options: FelzenszwalbOptions): Segmentation {
  const { k } = options;
  const sigma = options.sigma ?? 0.8;
  const minSize = options.minSize ?? k;
  if (!Number.isFinite(k) || k < 0) throw new ConfigError('k', `expected a finite number >= 0, got ${k}`);
  if (!Number.isFinite(sigma) || sigma < 0) {
    throw new ConfigError('sigma', `expected a finite number >= 0, got ${sigma}`);
  }
  if (!Number.isFinite(minSize) || minSize < 0) {
    throw new ConfigError('minSize', `expected a finite number >= 0, got ${minSize}`);
  }
  const { width: w, height: h, channels: c } = image;
  const g = sigma > 0 ? gaussianKernel(sigma) : null;
  const data = g ? separableFilter(image, g, g).data : image.data;

  // Edges to the right, below, below-right and above-right of each pixel.
  const maxEdges = 4 * w * h;
  const from = new Uint32Array(maxEdges);
  const to = new Uint32Array(maxEdges);
  const weight = new Float32Array(maxEdges);
  let m = 0;
  // One pass per direction keeps the inner loops free of boundary tests.
  const directions: [number, number, number, number, number][] = [
    // [dx, dy, first row, last row (exclusive), last column (exclusive)]
    [1, 0, 0, h, w - 1],
    [0, 1, 0, h - 1, w],
    [1, 1, 0, h - 1, w - 1],
    [1, -1, 1, h, w - 1],
  ];
  for (let y = 0; y < h; y++) {
    for (const [dx, dy, y0, y1, x1] of directions) {
      if (y < y0 || y >= y1) continue;
      const shift = dy * w + dx;
      for (let p = y * w, end = y * w + x1; p < end; p++) {
        const q = p + shift;
        let s: number;
        if (c === 3) {
          const d0 = data[3 * p] - data[3 * q];
          const d1 = data[3 * p + 1] - data[3 * q + 1];
          const d2 = data[3 * p + 2] - data[3 * q + 2];
          s = d0 * d0 + d1 * d1 + d2 * d2;
        } else {
          s = 0;
          for (let ch = 0; ch < c; ch++) {
            const d = data[p * c + ch] - data[q * c + ch];
            s += d * d;
          }
        }
        from[m] = p;
        to[m] = q;
        weight[m++] = Math.sqrt(s);
      }
    }
  }
  const order = sortByWeight(weight.subarray(0, m));
  // Edges in sorted order, read sequentially by both passes below.
  const sortedFrom = new Uint32Array(m);
  const sortedTo = new Uint32Array(m);
  const sortedWeight = new Float32Array(m);
  for (let e = 0; e < m; e++) {
    const i = order[e];
    sortedFrom[e] = from[i];
    sortedTo[e] = to[i];
    sortedWeight[e] = weight[i];
  }

  const n = w * h;
  const parent = new Int32Array(n);
  const size = new Int32Array(n).fill(1);
  const threshold = new Float64Array(n).fill(k);
  for (let i = 0; i < n; i++) parent[i] = i;
  // Union by size keeps the trees shallow; returns the new root.
  const join = (a: number, b: number): number => {
    if (size[a] < size[b]) {
      parent[a] = b;
      size[b] += size[a];
      return b;
    }
    parent[b] = a;
    size[a] += size[b];
    return a;
  };
  for (let e = 0; e < m; e++) {
    const a = find(parent, sortedFrom[e]);
    const b = find(parent, sortedTo[e]);
    if (a === b) continue;
    const wt = sortedWeight[e];
    if (wt <= threshold[a] && wt <= threshold[b]) {
      const r = join(a, b);
      threshold[r] = wt + k / size[r];
    }
  }
  for (let e = 0; e < m; e++) {
    const a = find(parent, sortedFrom[e]);
    const b = find(parent, sortedTo[e]);
    if (a !== b && (size[a] < minSize || size[b] < minSize)) join(a, b);
  }

  const labels = new Int32Array(n);
  const ids = new Int32Array(n).fill(-1);
  let numSegments = 0;
  for (let p = 0; p < n; p++) {
    const r = find(parent, p);
    if (ids[r] < 0) ids[r] = numSegments++;
    labels[p] = ids[r];
  }
  return { width: w, height: h, labels, numSegments };
}
