import {
  batchedNms,
  ConfigError,
  clipBoxesToImage,
  type ImageSize,
  removeSmallBoxes,
  ShapeError,
} from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link filterProposals}; defaults are torchvision's test-time FPN settings. */
export interface ProposalFilterOptions {
  /** Highest-objectness anchors kept per level and image before NMS. Default 1000. */
  readonly preNmsTopN?: number;
  /** Proposals kept per image after NMS. Default 1000 (the paper's C4 test setting is 300). */
  readonly postNmsTopN?: number;
  /** IoU above which NMS suppresses a proposal (per level). Default 0.7. */
  readonly nmsThresh?: number;
  /** Proposals with objectness probability below this are dropped. Default 0. */
  readonly scoreThresh?: number;
  /** Proposals narrower or shorter than this many pixels (after clipping) are dropped. Default 1e-3. */
  readonly minSize?: number;
}

/** Proposals of one image, best first. The caller disposes both tensors. */
export interface ImageProposals {
  /** `[P,4]` (x1, y1, x2, y2) in input-image pixels, clipped to the image. */
  boxes: tf.Tensor2D;
  /** `[P]` objectness probabilities (sigmoid of the logits), decreasing. */
  scores: tf.Tensor1D;
}

function count(option: string, v: number): number {
  if (!(v >= 0) || (Number.isFinite(v) && !Number.isInteger(v))) {
    throw new ConfigError(option, `expected a non-negative integer (or Infinity), got ${v}`);
  }
  return v;
}

/**
 * Indices of the `k` largest values of `values[start, end)`, largest first, ties by index. A
 * native numeric sort of a copy finds the k-th largest value, so only the k winners are sorted
 * with a comparator (FPN's finest level has ~200k anchors per image).
 */
function topK(values: Float32Array, start: number, end: number, k: number): number[] {
  const len = end - start;
  let threshold = Number.NEGATIVE_INFINITY;
  if (len > k) {
    if (k === 0) return [];
    const sorted = values.slice(start, end).sort();
    threshold = sorted[len - k];
  }
  const above: number[] = [];
  const atThreshold: number[] = [];
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (v > threshold) above.push(i);
    else if (v === threshold) atThreshold.push(i);
  }
  const idx = above.concat(atThreshold.slice(0, Math.max(0, Math.min(k, len) - above.length)));
  idx.sort((a, b) => values[b] - values[a] || a - b);
  return idx;
}

/**
 * Select proposals from decoded anchors as torchvision's `RegionProposalNetwork.filter_proposals`:
 * per image, the `preNmsTopN` highest-objectness anchors of each level; objectness → sigmoid;
 * clip to the image; drop boxes smaller than `minSize`; drop scores below `scoreThresh`; NMS at
 * `nmsThresh` separately per level; keep the `postNmsTopN` best. Nothing here is
 * differentiated (torchvision detaches the objectness too), so it runs on typed arrays.
 *
 * @param proposals `[N,T,4]` anchors decoded with the RPN deltas, in input-image pixels.
 * @param objectness `[N,T]` (or `[N·T]`/`[N·T,1]`) logits, in the anchor order of
 *   {@link flattenPredictions}.
 * @param imageSizes `[height, width]` of each image before padding, in pixels.
 * @param numAnchorsPerLevel H·W·A per level, summing to T.
 */
export function filterProposals(
  proposals: tf.Tensor3D,
  objectness: tf.Tensor,
  imageSizes: readonly ImageSize[],
  numAnchorsPerLevel: readonly number[],
  options: ProposalFilterOptions = {},
): ImageProposals[] {
  const preNmsTopN = count('preNmsTopN', options.preNmsTopN ?? 1000);
  const postNmsTopN = count('postNmsTopN', options.postNmsTopN ?? 1000);
  const nmsThresh = options.nmsThresh ?? 0.7;
  const scoreThresh = options.scoreThresh ?? 0;
  const minSize = options.minSize ?? 1e-3;
  if (proposals.rank !== 3 || proposals.shape[2] !== 4)
    throw new ShapeError('proposals', [null, null, 4], proposals.shape);
  const [n, t] = proposals.shape;
  if (objectness.size !== n * t) {
    throw new ShapeError('objectness', [n, t], objectness.shape, 'one logit per proposal');
  }
  if (imageSizes.length !== n)
    throw new ShapeError('imageSizes', [n], [imageSizes.length], 'one size per image');
  const levelsTotal = numAnchorsPerLevel.reduce((a, b) => a + b, 0);
  if (levelsTotal !== t) {
    throw new ShapeError('numAnchorsPerLevel', `levels summing to ${t}`, [levelsTotal]);
  }
  const logits = objectness.dataSync() as Float32Array;
  const out: ImageProposals[] = [];
  for (let img = 0; img < n; img++) {
    const [height, width] = imageSizes[img];
    const boxes = tf.tidy(() => {
      const b = tf.reshape(tf.slice(proposals, [img, 0, 0], [1, t, 4]), [t, 4]);
      return clipBoxesToImage(b, [height, width]);
    });
    const b = boxes.dataSync() as Float32Array;
    boxes.dispose();
    const selected: number[] = [];
    const levelOf: number[] = [];
    let offset = img * t;
    numAnchorsPerLevel.forEach((len, level) => {
      for (const i of topK(logits, offset, offset + len, preNmsTopN)) {
        selected.push(i - img * t);
        levelOf.push(level);
      }
      offset += len;
    });
    const cand = new Float32Array(selected.length * 4);
    selected.forEach((i, k) => {
      cand.set(b.subarray(4 * i, 4 * i + 4), 4 * k);
    });
    const keepSize = removeSmallBoxes(cand, minSize);
    const keptIdx: number[] = [];
    const keptBoxes: number[] = [];
    const keptScores: number[] = [];
    const keptLevels: number[] = [];
    for (const k of keepSize) {
      const score = Math.fround(1 / (1 + Math.exp(-logits[img * t + selected[k]])));
      // >= as torchvision ("for backwards compatibility").
      if (!(score >= scoreThresh)) continue;
      keptIdx.push(k);
      keptScores.push(score);
      keptLevels.push(levelOf[k]);
      for (let c = 0; c < 4; c++) keptBoxes.push(cand[4 * k + c]);
    }
    const keep = batchedNms(
      Float32Array.from(keptBoxes),
      Float32Array.from(keptScores),
      Int32Array.from(keptLevels),
      nmsThresh,
      {
        topK: postNmsTopN,
      },
    );
    const fb = new Float32Array(keep.length * 4);
    const fs = new Float32Array(keep.length);
    keep.forEach((k, j) => {
      for (let c = 0; c < 4; c++) fb[4 * j + c] = keptBoxes[4 * k + c];
      fs[j] = keptScores[k];
    });
    out.push({ boxes: tf.tensor2d(fb, [keep.length, 4]), scores: tf.tensor1d(fs) });
  }
  return out;
}
