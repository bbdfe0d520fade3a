import { type BoxesInput, InputError, Matcher } from '@rcnn/core';

/** Anchor labels and matched boxes of one image. */
export interface AnchorTargets {
  /** `[A]` 1 = foreground, 0 = background, −1 = ignored (between the thresholds). */
  labels: Int32Array;
  /** `[A·4]` (x1, y1, x2, y2) of each anchor's matched ground truth (zeros without ground truth). */
  matchedGtBoxes: Float32Array;
}

/** The RPN's matcher as the paper and torchvision: IoU ≥ 0.7 positive, < 0.3 negative, low-quality matches kept. */
export function rpnMatcher(fgIouThresh = 0.7, bgIouThresh = 0.3): Matcher {
  return new Matcher({ highThreshold: fgIouThresh, lowThreshold: bgIouThresh, allowLowQualityMatches: true });
}

/**
 * Label the anchors of one image as torchvision's `assign_targets_to_anchors`: match by IoU
 * (the matcher decides positives, negatives and the ignored band, and keeps for every ground
 * truth the anchors of highest IoU even below the threshold); an image without ground truth has
 * only negatives.
 *
 * @param anchors `[A,4]` (x1, y1, x2, y2) anchors in input pixels (from `AnchorGenerator`).
 * @param gtBoxes `[G,4]` ground-truth boxes in input pixels (G may be 0).
 * @param matcher default {@link rpnMatcher}.
 */
export function assignAnchorTargets(
  anchors: Float32Array,
  gtBoxes: Float32Array,
  matcher: Matcher = rpnMatcher(),
): AnchorTargets {
  if (anchors.length % 4 !== 0)
    throw new InputError('anchors', `length ${anchors.length} is not a multiple of 4`);
  if (gtBoxes.length % 4 !== 0)
    throw new InputError('gtBoxes', `length ${gtBoxes.length} is not a multiple of 4`);
  const a = anchors.length / 4;
  const labels = new Int32Array(a);
  const matchedGtBoxes = new Float32Array(a * 4);
  if (gtBoxes.length === 0) return { labels, matchedGtBoxes };
  const matches = matcher.matchBoxes(gtBoxes as BoxesInput, anchors as BoxesInput);
  for (let i = 0; i < a; i++) {
    const m = matches[i];
    labels[i] = m >= 0 ? 1 : m === Matcher.BELOW_LOW_THRESHOLD ? 0 : -1;
    // torchvision clamps −1/−2 to 0, so unmatched anchors carry ground truth 0's box.
    const g = Math.max(m, 0);
    matchedGtBoxes.set(gtBoxes.subarray(4 * g, 4 * g + 4), 4 * i);
  }
  return { labels, matchedGtBoxes };
}
