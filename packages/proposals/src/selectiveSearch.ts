import { ConfigError, SeededRandom } from '@rcnn/core';
import { COLOR_SPACES, type ColorSpace, convertColorSpace } from './colorSpace';
import { felzenszwalbSegmentation } from './felzenszwalb';
import { gaussianKernel, separableFilter } from './gaussianFilter';
import { hierarchicalGrouping } from './hierarchicalGrouping';
import type { ProposalGenerator, Proposals } from './proposalGenerator';
import { checkProposalImage, type ProposalImage } from './proposalImage';
import { initialRegions } from './regionTable';
import { checkSimilarityCombination, type SimilarityCombination } from './similarity';
import { textureBins } from './textureBins';

/** A diversification strategy set: every combination of colour space × k × similarity is run. */
export interface SelectiveSearchStrategy {
  readonly colorSpaces: readonly ColorSpace[];
  /** Scales `k` of the Felzenszwalb–Huttenlocher segmentation (its `minSize` is `k` too). */
  readonly ks: readonly number[];
  readonly similarities: readonly SimilarityCombination[];
}

const CTSF: SimilarityCombination = ['color', 'texture', 'size', 'fill'];
const TSF: SimilarityCombination = ['texture', 'size', 'fill'];

/**
 * The paper's strategies (Uijlings et al. 2013, §5.2): "single" (HSV, k = 100, C+T+S+F), "fast"
 * (HSV and Lab × k 50, 100 × C+T+S+F and T+S+F: 8 hierarchies, ~2k boxes on PASCAL) and
 * "quality" (HSV, Lab, rgI, H, I × k 50, 100, 150, 300 × C+T+S+F, T+S+F, F, S: 80 hierarchies).
 */
export const SELECTIVE_SEARCH_STRATEGIES: Readonly<
  Record<'single' | 'fast' | 'quality', SelectiveSearchStrategy>
> = {
  single: { colorSpaces: ['hsv'], ks: [100], similarities: [CTSF] },
  fast: { colorSpaces: ['hsv', 'lab'], ks: [50, 100], similarities: [CTSF, TSF] },
  quality: {
    colorSpaces: ['hsv', 'lab', 'rgi', 'hue', 'intensity'],
    ks: [50, 100, 150, 300],
    similarities: [CTSF, TSF, ['fill'], ['size']],
  },
};

/** Options of {@link selectiveSearch}. */
export interface SelectiveSearchOptions {
  /** A preset name or an explicit strategy set. Default `'fast'`. */
  readonly strategy?: keyof typeof SELECTIVE_SEARCH_STRATEGIES | SelectiveSearchStrategy;
  /** Gaussian smoothing of the segmentation (pixels). Default 0.8, the paper's. */
  readonly sigma?: number;
  /** Seed of the random factor of the ranking. Default 0. */
  readonly seed?: number;
  /** Keep at most this many proposals (the best-ranked). Default all. */
  readonly maxProposals?: number;
}

function resolveStrategy(option: SelectiveSearchOptions['strategy']): SelectiveSearchStrategy {
  const s = option ?? 'fast';
  if (typeof s === 'string') {
    if (!Object.hasOwn(SELECTIVE_SEARCH_STRATEGIES, s)) {
      throw new ConfigError('strategy', `unknown preset '${s}'; expected single, fast or quality`);
    }
    return SELECTIVE_SEARCH_STRATEGIES[s];
  }
  if (s.colorSpaces.length === 0 || s.ks.length === 0 || s.similarities.length === 0) {
    throw new ConfigError('strategy', 'colorSpaces, ks and similarities must each be non-empty');
  }
  for (const c of s.colorSpaces) {
    if (!COLOR_SPACES.includes(c)) {
      throw new ConfigError('strategy.colorSpaces', `unknown colour space '${String(c)}'`);
    }
  }
  for (const k of s.ks) {
    if (!Number.isFinite(k) || k <= 0)
      throw new ConfigError('strategy.ks', `expected positive numbers, got ${k}`);
  }
  s.similarities.forEach((c, i) => {
    checkSimilarityCombination(`strategy.similarities[${i}]`, c);
  });
  return s;
}

/**
 * Selective search (Uijlings et al., IJCV 2013) on an 8-bit RGB image, deterministic for a seed:
 * for each colour space and k, a Felzenszwalb–Huttenlocher segmentation (σ = 0.8, min size k);
 * for each similarity combination, hierarchical grouping from its segments; every region of every
 * hierarchy becomes a box. Boxes are ranked as in the paper: a region's position in its hierarchy
 * counted from the top (the whole image is 1, the first initial segment is 2n − 1) times a uniform
 * random number, ascending; exact duplicates are then removed, keeping the best rank.
 *
 * @returns boxes `[N,4]` `(x1, y1, x2, y2)` in pixels (a region's pixels span `[x1, x2)`), best
 *   first, and scores `1 − rank/N` (for interfaces that expect a score).
 */
export function selectiveSearch(image: ProposalImage, options: SelectiveSearchOptions = {}): Proposals {
  checkProposalImage(image);
  const strategy = resolveStrategy(options.strategy);
  const sigma = options.sigma ?? 0.8;
  if (!Number.isFinite(sigma) || sigma < 0)
    throw new ConfigError('sigma', `expected a finite number >= 0, got ${sigma}`);
  const seed = options.seed ?? 0;
  const maxProposals = options.maxProposals ?? Number.POSITIVE_INFINITY;
  if (!(maxProposals >= 1))
    throw new ConfigError('maxProposals', `expected a number >= 1, got ${maxProposals}`);
  const rng = new SeededRandom(seed);
  const area = image.width * image.height;

  const all: Float64Array[] = [];
  const priorities: number[] = [];
  for (const space of strategy.colorSpaces) {
    const color = convertColorSpace(image, space);
    const texture = textureBins(color);
    // The smoothing does not depend on k: do it once per colour space.
    const g = sigma > 0 ? gaussianKernel(sigma) : null;
    const smoothed = g ? separableFilter(color, g, g) : color;
    for (const k of strategy.ks) {
      const segmentation = felzenszwalbSegmentation(smoothed, { k, sigma: 0, minSize: k });
      const { table, neighbours } = initialRegions(segmentation, color, texture);
      for (const similarity of strategy.similarities) {
        const boxes = hierarchicalGrouping(table, neighbours, similarity, area);
        const count = boxes.length / 4;
        all.push(boxes);
        for (let t = 0; t < count; t++) priorities.push((count - t) * rng.next());
      }
    }
  }

  const flat = new Float64Array(priorities.length * 4);
  let offset = 0;
  for (const b of all) {
    flat.set(b, offset);
    offset += b.length;
  }
  const order = Array.from(priorities.keys()).sort((a, b) => priorities[a] - priorities[b] || a - b);
  const seen = new Set<number>();
  const kept: number[] = [];
  const w1 = image.width + 1;
  const h1 = image.height + 1;
  for (const i of order) {
    const key = flat[4 * i] + w1 * (flat[4 * i + 1] + h1 * (flat[4 * i + 2] + w1 * flat[4 * i + 3]));
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(i);
    if (kept.length >= maxProposals) break;
  }
  const boxes = new Float32Array(kept.length * 4);
  const scores = new Float32Array(kept.length);
  kept.forEach((i, r) => {
    boxes.set(flat.subarray(4 * i, 4 * i + 4), 4 * r);
    scores[r] = 1 - r / kept.length;
  });
  return { boxes, scores };
}

/** {@link selectiveSearch} as a {@link ProposalGenerator} with fixed options. */
export class SelectiveSearch implements ProposalGenerator {
  readonly options: SelectiveSearchOptions;

  constructor(options: SelectiveSearchOptions = {}) {
    resolveStrategy(options.strategy);
    this.options = options;
  }

  propose(image: ProposalImage): Proposals {
    return selectiveSearch(image, this.options);
  }
}
