import { type BalancedPositiveNegativeSampler, Matcher, type SeededRandom } from '@rcnn/core';

/** The RoIs one image contributes to the RoI-head losses, and what each should predict. */
export interface SampledRois {
  /** `[S,4]` sampled proposals (ground-truth boxes included as proposals). */
  readonly boxes: Float32Array;
  /** `[S]` class id per sampled RoI: 0 background, `1..K` foreground. */
  readonly labels: Int32Array;
  /** `[S,4]` the matched ground-truth box of each RoI (rows of negatives are their best match or zeros). */
  readonly matchedBoxes: Float32Array;
  /** `[S]` index of the matched ground-truth instance, −1 for background. */
  readonly matchedIndex: Int32Array;
}

/**
 * torchvision's `RoIHeads.select_training_samples` for one image: append the ground-truth boxes
 * to the proposals, match them (IoU ≥ `matcher.highThreshold` positive, below
 * `matcher.lowThreshold` background; the paper's 0.5), and draw a balanced sample (512 RoIs at
 * 25 % positives for FPN, 64 for C4). Sampled indices come out ascending, as torchvision's
 * `torch.where(pos | neg)`.
 *
 * @param proposals `[P,4]` proposals in input-image pixels.
 * @param gtBoxes `[G,4]`; `gtLabels` `[G]` in `1..K`.
 */
export function sampleRois(
  proposals: Float32Array,
  gtBoxes: Float32Array,
  gtLabels: Int32Array,
  matcher: Matcher,
  sampler: BalancedPositiveNegativeSampler,
  rng: SeededRandom,
): SampledRois {
  const all = new Float32Array(proposals.length + gtBoxes.length);
  all.set(proposals);
  all.set(gtBoxes, proposals.length);
  const n = all.length / 4;
  const g = gtLabels.length;
  const matched =
    g > 0 ? matcher.matchBoxes(gtBoxes, all) : new Int32Array(n).fill(Matcher.BELOW_LOW_THRESHOLD);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const m = matched[i];
    labels[i] = m >= 0 ? gtLabels[m] : m === Matcher.BELOW_LOW_THRESHOLD ? 0 : -1;
  }
  const { positive, negative } = sampler.sample(labels, rng);
  const chosen = Int32Array.from([...positive, ...negative]).sort();
  const s = chosen.length;
  const out = {
    boxes: new Float32Array(s * 4),
    labels: new Int32Array(s),
    matchedBoxes: new Float32Array(s * 4),
    matchedIndex: new Int32Array(s),
  };
  chosen.forEach((idx, k) => {
    out.boxes.set(all.subarray(idx * 4, idx * 4 + 4), k * 4);
    out.labels[k] = labels[idx];
    // torchvision clamps the match to 0 for background RoIs; their targets are never read.
    const m = Math.max(matched[idx], 0);
    out.matchedIndex[k] = labels[idx] > 0 ? matched[idx] : -1;
    if (g > 0) out.matchedBoxes.set(gtBoxes.subarray(m * 4, m * 4 + 4), k * 4);
  });
  return out;
}
