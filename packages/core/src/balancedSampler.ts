import { readValues, type ValuesInput } from './boxes/boxInput';
import { ConfigError } from './errors';
import type { SeededRandom } from './rng';

/** Options of {@link BalancedPositiveNegativeSampler}. */
export interface BalancedSamplerOptions {
  /** Examples drawn per image (e.g. 256 for the RPN, 512 for RoI heads). */
  batchSizePerImage: number;
  /** Target fraction of positives (e.g. 0.5 for the RPN, 0.25 for RoI heads). */
  positiveFraction: number;
}

/** The indices one image contributes to the loss. */
export interface SampledIndices {
  /** Ascending indices of the sampled positives. */
  positive: Int32Array;
  /** Ascending indices of the sampled negatives. */
  negative: Int32Array;
}

/**
 * torchvision's `BalancedPositiveNegativeSampler`: per image, draw up to
 * `floor(batchSizePerImage · positiveFraction)` positives (label ≥ 1) uniformly without
 * replacement, and fill the rest of the batch with negatives (label 0); label −1 (ignored) and
 * −2 are never drawn. Randomness comes from a {@link SeededRandom}, so a seed reproduces the
 * sample (not torch's stream: the counts and the distribution are the same, the draws differ).
 */
export class BalancedPositiveNegativeSampler {
  readonly batchSizePerImage: number;
  readonly positiveFraction: number;

  constructor(options: BalancedSamplerOptions) {
    const { batchSizePerImage, positiveFraction } = options;
    if (!Number.isInteger(batchSizePerImage) || batchSizePerImage < 0) {
      throw new ConfigError('batchSizePerImage', `must be a non-negative integer, got ${batchSizePerImage}`);
    }
    if (!(positiveFraction >= 0 && positiveFraction <= 1)) {
      throw new ConfigError('positiveFraction', `must be in [0, 1], got ${positiveFraction}`);
    }
    this.batchSizePerImage = batchSizePerImage;
    this.positiveFraction = positiveFraction;
  }

  /**
   * Sample one image's examples.
   *
   * @param labels `[N]` integer labels per anchor/proposal: ≥ 1 positive (class id), 0 negative,
   *   negative values ignored.
   * @param rng the generator to draw from (advanced by the call).
   */
  sample(labels: ValuesInput, rng: SeededRandom): SampledIndices {
    const l = readValues('labels', labels, undefined, true);
    const pos: number[] = [];
    const neg: number[] = [];
    for (let i = 0; i < l.length; i++) {
      if (l[i] >= 1) pos.push(i);
      else if (l[i] === 0) neg.push(i);
    }
    // int() truncation of the float product, as torchvision computes it
    const numPos = Math.min(pos.length, Math.trunc(this.batchSizePerImage * this.positiveFraction));
    const numNeg = Math.min(neg.length, this.batchSizePerImage - numPos);
    const pick = (from: number[], k: number) => {
      const chosen = rng.sampleIndices(from.length, k);
      const out = new Int32Array(k);
      for (let i = 0; i < k; i++) out[i] = from[chosen[i]];
      return out.sort();
    };
    return { positive: pick(pos, numPos), negative: pick(neg, numNeg) };
  }
}
