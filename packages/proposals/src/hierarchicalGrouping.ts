import { PairHeap } from './pairHeap';
import type { RegionTable } from './regionTable';
import { histogramIntersection, type SimilarityCombination } from './similarity';

/**
 * Selective search's hierarchical grouping (Uijlings et al. 2013, Algorithm 1) on one
 * segmentation: repeatedly merge the most similar pair of neighbouring regions (the merged
 * region's histograms are the size-weighted means, its box the union) until one region is left.
 * `table` and `neighbours` are not modified.
 *
 * @param table the initial segments (see `initialRegions`).
 * @param neighbours adjacency of the initial segments.
 * @param similarity the measures summed into the similarity.
 * @param imageArea pixels in the image (normalises the size and fill measures).
 * @returns `[T,4]` boxes of all regions in creation order: the initial segments, then each merge
 *   (the last one is the whole image when the segments are connected).
 */
export function hierarchicalGrouping(
  table: RegionTable,
  neighbours: ReadonlyArray<ReadonlySet<number>>,
  similarity: SimilarityCombination,
  imageArea: number,
): Float64Array {
  const n = table.count;
  const sizes = table.sizes.slice();
  const boxes = table.boxes.slice();
  const colorHist = similarity.includes('color') ? table.colorHist.slice() : null;
  const textureHist = similarity.includes('texture') ? table.textureHist.slice() : null;
  const { colorLength, textureLength } = table;
  const useSize = similarity.includes('size');
  const useFill = similarity.includes('fill');
  const adjacency = neighbours.map((s) => new Set(s));
  const alive = new Uint8Array(Math.max(2 * n - 1, 1));
  alive.fill(1, 0, n);

  const score = (a: number, b: number): number => {
    let s = 0;
    if (colorHist) s += histogramIntersection(colorHist, a, b, colorLength);
    if (textureHist) s += histogramIntersection(textureHist, a, b, textureLength);
    if (useSize) s += 1 - (sizes[a] + sizes[b]) / imageArea;
    if (useFill) {
      const w = Math.max(boxes[4 * a + 2], boxes[4 * b + 2]) - Math.min(boxes[4 * a], boxes[4 * b]);
      const h = Math.max(boxes[4 * a + 3], boxes[4 * b + 3]) - Math.min(boxes[4 * a + 1], boxes[4 * b + 1]);
      s += 1 - (w * h - sizes[a] - sizes[b]) / imageArea;
    }
    return s;
  };

  const heap = new PairHeap();
  for (let a = 0; a < n; a++) for (const b of adjacency[a]) if (a < b) heap.push(score(a, b), a, b);

  let count = n;
  while (heap.size > 0) {
    const [i, j] = heap.pop();
    if (!alive[i] || !alive[j]) continue;
    const t = count++;
    const si = sizes[i];
    const sj = sizes[j];
    sizes[t] = si + sj;
    boxes[4 * t] = Math.min(boxes[4 * i], boxes[4 * j]);
    boxes[4 * t + 1] = Math.min(boxes[4 * i + 1], boxes[4 * j + 1]);
    boxes[4 * t + 2] = Math.max(boxes[4 * i + 2], boxes[4 * j + 2]);
    boxes[4 * t + 3] = Math.max(boxes[4 * i + 3], boxes[4 * j + 3]);
    const wi = si / (si + sj);
    const wj = sj / (si + sj);
    if (colorHist) {
      for (let k = 0; k < colorLength; k++) {
        colorHist[t * colorLength + k] =
          wi * colorHist[i * colorLength + k] + wj * colorHist[j * colorLength + k];
      }
    }
    if (textureHist) {
      for (let k = 0; k < textureLength; k++) {
        textureHist[t * textureLength + k] =
          wi * textureHist[i * textureLength + k] + wj * textureHist[j * textureLength + k];
      }
    }
    alive[i] = 0;
    alive[j] = 0;
    alive[t] = 1;
    const merged = new Set<number>();
    for (const source of [i, j]) {
      for (const nb of adjacency[source]) {
        if (nb === i || nb === j) continue;
        merged.add(nb);
        adjacency[nb].delete(source);
        adjacency[nb].add(t);
      }
      adjacency[source].clear();
    }
    adjacency[t] = merged;
    for (const nb of merged) heap.push(score(t, nb), t, nb);
  }
  return boxes.slice(0, 4 * count);
}
