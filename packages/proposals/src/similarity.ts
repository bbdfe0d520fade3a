import { ConfigError } from '@rcnn/core';

/**
 * The similarity measures of selective search's grouping (Uijlings et al. 2013, §3.2), each in
 * [0, 1]: `color` (histogram intersection of 25-bin colour histograms), `texture` (intersection of
 * Gaussian-derivative histograms), `size` (1 − (|a| + |b|)/|image|: small regions merge first),
 * `fill` (1 − (|box(a ∪ b)| − |a| − |b|)/|image|: regions that fill each other's gaps merge first).
 */
export type SimilarityMeasure = 'color' | 'texture' | 'size' | 'fill';

/** A combination of measures, summed with weight 1 each (the paper's a_i ∈ {0, 1}). */
export type SimilarityCombination = readonly SimilarityMeasure[];

const MEASURES: readonly SimilarityMeasure[] = ['color', 'texture', 'size', 'fill'];

/** Throw a {@link ConfigError} naming `option` unless `combination` is a non-empty set of measures. */
export function checkSimilarityCombination(option: string, combination: SimilarityCombination): void {
  if (!Array.isArray(combination) || combination.length === 0) {
    throw new ConfigError(option, 'expected a non-empty list of similarity measures');
  }
  for (const m of combination) {
    if (!MEASURES.includes(m)) {
      throw new ConfigError(
        option,
        `unknown similarity measure '${String(m)}'; expected ${MEASURES.join(', ')}`,
      );
    }
  }
  if (new Set(combination).size !== combination.length) {
    throw new ConfigError(option, `lists a measure twice: ${combination.join(', ')}`);
  }
}

/** Σ min(a_i, b_i) over `len` entries of two rows of `hist`. */
export function histogramIntersection(hist: Float32Array, a: number, b: number, len: number): number {
  let s = 0;
  const oa = a * len;
  const ob = b * len;
  for (let i = 0; i < len; i++) s += Math.min(hist[oa + i], hist[ob + i]);
  return s;
}
