import type * as tf from '@tensorflow/tfjs-core';
import { type BoxesInput, readBoxes } from './boxes/boxInput';
import { boxIouArray } from './boxes/boxIou';
import { ConfigError, ShapeError } from './errors';

/** A row-major `[rows, cols]` matrix of match qualities (IoU): rows = ground truth, cols = predictions. */
export interface QualityMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Options of {@link Matcher}. */
export interface MatcherOptions {
  /** Quality at or above which a prediction is matched (e.g. 0.7 for the RPN, 0.5 for RoI heads). */
  highThreshold: number;
  /** Quality below which a prediction is background; in between it is ignored. */
  lowThreshold: number;
  /**
   * torchvision's rule (on for the RPN): every prediction that ties for the highest quality with
   * some ground-truth box keeps its best match even below the thresholds.
   */
  allowLowQualityMatches?: boolean;
}

/** `a > b` with NaN greater than everything, like torch's NaN-propagating `max`. */
function beats(a: number, b: number): boolean {
  return a > b || (Number.isNaN(a) && !Number.isNaN(b));
}

/**
 * torchvision's `det_utils.Matcher`: assigns each prediction (anchor or proposal) the ground-truth
 * box it overlaps most. Qualities are compared in float32 with thresholds rounded to float32, as
 * torch compares a float32 tensor with a Python float, so values exactly at a threshold behave as
 * in torchvision. Ties between ground-truth boxes go to the lowest index.
 *
 * Result per prediction: the matched ground-truth index, {@link Matcher.BELOW_LOW_THRESHOLD} (−1,
 * background) or {@link Matcher.BETWEEN_THRESHOLDS} (−2, ignored).
 */
export class Matcher {
  static readonly BELOW_LOW_THRESHOLD = -1;
  static readonly BETWEEN_THRESHOLDS = -2;
  readonly highThreshold: number;
  readonly lowThreshold: number;
  readonly allowLowQualityMatches: boolean;

  constructor(options: MatcherOptions) {
    const { highThreshold, lowThreshold, allowLowQualityMatches = false } = options;
    if (typeof highThreshold !== 'number' || Number.isNaN(highThreshold)) {
      throw new ConfigError('highThreshold', `must be a number, got ${highThreshold}`);
    }
    if (typeof lowThreshold !== 'number' || Number.isNaN(lowThreshold) || lowThreshold > highThreshold) {
      throw new ConfigError(
        'lowThreshold',
        `must be a number <= highThreshold (${highThreshold}), got ${lowThreshold}`,
      );
    }
    this.highThreshold = highThreshold;
    this.lowThreshold = lowThreshold;
    this.allowLowQualityMatches = allowLowQualityMatches;
  }

  /**
   * Match predictions given the quality matrix.
   *
   * Unlike torchvision, which raises, an image without ground truth (0 rows) gives every
   * prediction −1 (background), which is what detectors do with such images.
   *
   * @param quality `[M,N]` quality (IoU) of ground truth `m` with prediction `n`: a tensor or a
   *   {@link QualityMatrix}.
   * @returns `[N]` Int32Array of matched ground-truth indices or −1/−2.
   */
  match(quality: tf.Tensor | QualityMatrix): Int32Array {
    let data: Float32Array;
    let rows: number;
    let cols: number;
    if ('data' in quality && 'rows' in quality) {
      ({ data, rows, cols } = quality);
      if (data.length !== rows * cols) {
        throw new ShapeError('quality', [rows, cols], [data.length], 'data length must be rows·cols');
      }
    } else {
      const t = quality as tf.Tensor;
      if (t.rank !== 2) throw new ShapeError('quality', [null, null], t.shape);
      [rows, cols] = t.shape as [number, number];
      data = Float32Array.from(t.dataSync() as ArrayLike<number>);
    }
    const matches = new Int32Array(cols);
    if (rows === 0) return matches.fill(Matcher.BELOW_LOW_THRESHOLD);
    const best = new Float32Array(cols).fill(Number.NEGATIVE_INFINITY);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) {
        if (r === 0 || beats(data[o + c], best[c])) {
          best[c] = data[o + c];
          matches[c] = r;
        }
      }
    }
    const all = this.allowLowQualityMatches ? matches.slice() : matches;
    const low = Math.fround(this.lowThreshold);
    const high = Math.fround(this.highThreshold);
    for (let c = 0; c < cols; c++) {
      const v = best[c];
      if (v < low) matches[c] = Matcher.BELOW_LOW_THRESHOLD;
      else if (v >= low && v < high) matches[c] = Matcher.BETWEEN_THRESHOLDS;
    }
    if (this.allowLowQualityMatches) {
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        let rowBest = data[o];
        for (let c = 1; c < cols; c++) if (beats(data[o + c], rowBest)) rowBest = data[o + c];
        // torchvision restores every prediction equal to a gt's best quality, even when that
        // best is 0 (a ground-truth box overlapping nothing).
        for (let c = 0; c < cols; c++) if (data[o + c] === rowBest) matches[c] = all[c];
      }
    }
    return matches;
  }

  /**
   * Match prediction boxes to ground-truth boxes by IoU (torchvision's `box_iou` then
   * {@link Matcher.match}).
   *
   * @param groundTruth `[M,4]` (x1, y1, x2, y2) boxes in pixels.
   * @param predictions `[N,4]` (x1, y1, x2, y2) anchors or proposals in pixels.
   * @returns `[N]` Int32Array of matched ground-truth indices or −1/−2.
   */
  matchBoxes(groundTruth: BoxesInput, predictions: BoxesInput): Int32Array {
    const gt = readBoxes('groundTruth', groundTruth);
    const pred = readBoxes('predictions', predictions);
    return this.match({ data: boxIouArray(gt, pred), rows: gt.length / 4, cols: pred.length / 4 });
  }
}
