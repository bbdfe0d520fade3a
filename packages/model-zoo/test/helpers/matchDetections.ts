// Pairing our detections with torchvision's in the parity tests.

/** Split a flat array into rows of `width` values. */
export function rows(a: ArrayLike<number>, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.length; i += width) out.push(Array.from(a).slice(i, i + width));
  return out;
}

/**
 * Pair each expected detection with ours of the same label whose box is closest; returns the
 * worst box and score differences and the expected detections without a counterpart.
 */
export function matchDetections(
  expBoxes: number[][],
  expScores: number[],
  expLabels: number[],
  gotBoxes: number[][],
  gotScores: ArrayLike<number>,
  gotLabels: ArrayLike<number>,
) {
  const used = new Set<number>();
  let box = 0;
  let score = 0;
  const pairs: Array<[number, number]> = [];
  const unmatched: number[] = [];
  expBoxes.forEach((b, i) => {
    let best = -1;
    let bestD = Number.POSITIVE_INFINITY;
    gotBoxes.forEach((g, j) => {
      if (used.has(j) || gotLabels[j] !== expLabels[i]) return;
      const d = Math.max(...g.map((v, c) => Math.abs(v - b[c])));
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    });
    if (best < 0 || bestD > 0.05) {
      unmatched.push(i);
      return;
    }
    used.add(best);
    pairs.push([i, best]);
    box = Math.max(box, bestD);
    score = Math.max(score, Math.abs(gotScores[best] - expScores[i]));
  });
  return { box, score, pairs, unmatched };
}
