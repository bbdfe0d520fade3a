import { describe, expect, it } from 'vitest';
import {
  COLOR_BINS,
  convertColorSpace,
  felzenszwalbSegmentation,
  hierarchicalGrouping,
  initialRegions,
  type SimilarityCombination,
  TEXTURE_BINS,
  textureBins,
} from '../src/index';
import { lcg } from './reference';

/**
 * Selective search's grouping written plainly: regions are pixel lists, every histogram and the
 * adjacency are recomputed from the pixels at every step, and all adjacent pairs are scored.
 */
function groupingRef(
  labels: Int32Array,
  w: number,
  h: number,
  color: Float32Array,
  c: number,
  texture: Uint8Array,
  measures: SimilarityCombination,
): number[][] {
  const n = Math.max(...labels) + 1;
  const regions: number[][] = Array.from({ length: n }, () => []);
  labels.forEach((l, p) => {
    regions[l].push(p);
  });
  const owner = Int32Array.from(labels);
  const alive = new Set(regions.keys());
  const box = (px: number[]) => {
    const xs = px.map((p) => p % w);
    const ys = px.map((p) => Math.floor(p / w));
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs) + 1, Math.max(...ys) + 1];
  };
  const colorHist = (px: number[]) => {
    const hist = new Float64Array(c * COLOR_BINS);
    for (const p of px)
      for (let ch = 0; ch < c; ch++) {
        const v = color[p * c + ch];
        hist[ch * COLOR_BINS + Math.min(COLOR_BINS - 1, Math.max(0, Math.floor((v * COLOR_BINS) / 256)))] +=
          1 / (c * px.length);
      }
    return hist;
  };
  const per = texture.length / (w * h);
  const textureHist = (px: number[]) => {
    const hist = new Float64Array(per * TEXTURE_BINS);
    for (const p of px)
      for (let j = 0; j < per; j++) hist[j * TEXTURE_BINS + texture[p * per + j]] += 1 / (per * px.length);
    return hist;
  };
  const inter = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + Math.min(v, b[i]), 0);
  const sim = (a: number, b: number) => {
    let s = 0;
    const [ra, rb] = [regions[a], regions[b]];
    if (measures.includes('color')) s += inter(colorHist(ra), colorHist(rb));
    if (measures.includes('texture')) s += inter(textureHist(ra), textureHist(rb));
    if (measures.includes('size')) s += 1 - (ra.length + rb.length) / (w * h);
    if (measures.includes('fill')) {
      const bb = box([...ra, ...rb]);
      s += 1 - ((bb[2] - bb[0]) * (bb[3] - bb[1]) - ra.length - rb.length) / (w * h);
    }
    return s;
  };
  const out = regions.map(box);
  while (alive.size > 1) {
    const pairs = new Set<string>();
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const a = owner[y * w + x];
        const nbs = [
          x < w - 1 ? y * w + x + 1 : -1,
          y < h - 1 ? (y + 1) * w + x : -1,
          x < w - 1 && y < h - 1 ? (y + 1) * w + x + 1 : -1,
          x < w - 1 && y > 0 ? (y - 1) * w + x + 1 : -1,
        ];
        for (const q of nbs)
          if (q >= 0 && owner[q] !== a) pairs.add([Math.min(a, owner[q]), Math.max(a, owner[q])].join());
      }
    let best = [-1, -1];
    let bestSim = Number.NEGATIVE_INFINITY;
    for (const key of pairs) {
      const [a, b] = key.split(',').map(Number);
      const s = sim(a, b);
      if (s > bestSim) {
        bestSim = s;
        best = [a, b];
      }
    }
    const t = regions.length;
    regions.push([...regions[best[0]], ...regions[best[1]]]);
    for (const p of regions[t]) owner[p] = t;
    alive.delete(best[0]);
    alive.delete(best[1]);
    alive.add(t);
    out.push(box(regions[t]));
  }
  return out;
}

describe('hierarchicalGrouping', () => {
  it.each([
    [['color', 'texture', 'size', 'fill']],
    [['texture', 'size', 'fill']],
    [['color']],
  ] as SimilarityCombination[][])('merges in the order of the plain reference (%j)', (measures) => {
    const [w, h] = [36, 28];
    const rand = lcg(21);
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const cell = Math.floor(x / 9) * 7 + Math.floor(y / 7) * 3;
        for (let ch = 0; ch < 3; ch++)
          rgb[(y * w + x) * 3 + ch] = ((cell * (ch + 5) * 37) % 200) + rand() * 40;
      }
    const color = convertColorSpace({ width: w, height: h, data: rgb }, 'hsv');
    const texture = textureBins(color);
    const seg = felzenszwalbSegmentation(color, { k: 60, sigma: 0.5, minSize: 10 });
    expect(seg.numSegments).toBeGreaterThan(5);
    const { table, neighbours } = initialRegions(seg, color, texture);
    const boxes = hierarchicalGrouping(table, neighbours, measures, w * h);
    const ref = groupingRef(seg.labels, w, h, color.data, 3, texture, measures);
    expect(boxes.length / 4).toBe(2 * seg.numSegments - 1);
    expect(Array.from(boxes)).toEqual(ref.flat());
    expect(Array.from(boxes.subarray(boxes.length - 4))).toEqual([0, 0, w, h]);
    // The table is left as it was, so another similarity can group the same segments.
    expect(table.count).toBe(seg.numSegments);
  });

  it('textureBins sees a dark-to-bright vertical edge at 0° and not at 180°', () => {
    const [w, h] = [12, 6];
    const data = Float32Array.from({ length: w * h }, (_, p) => (p % w < 6 ? 10 : 200));
    const bins = textureBins({ width: w, height: h, channels: 1, data });
    const at = (x: number, o: number) => bins[(3 * w + x) * 8 + o];
    expect(at(5, 0)).toBe(TEXTURE_BINS - 1);
    expect(at(6, 0)).toBe(TEXTURE_BINS - 1);
    expect(at(5, 4)).toBe(0);
    expect(at(0, 0)).toBe(0);
  });
});
