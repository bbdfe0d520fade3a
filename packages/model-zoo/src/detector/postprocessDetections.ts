import { batchedNms, removeSmallBoxes } from '@rcnn/core';
import type { ImageDetections, Size } from './types';

/** Inference settings of the box branch; defaults are torchvision's (and the paper's). */
export interface DetectionOptions {
  /** Detections with a class probability not above this are dropped. Default 0.05. */
  readonly scoreThreshold?: number;
  /** Per-class NMS IoU threshold. Default 0.5. */
  readonly nmsThreshold?: number;
  /** Detections kept per image. Default 100. */
  readonly detectionsPerImage?: number;
  /** Boxes narrower or shorter than this (pixels) are dropped. Default 1e-2. */
  readonly minSize?: number;
}

/**
 * torchvision's `RoIHeads.postprocess_detections` for one image, on plain arrays: each RoI's box
 * decoded for every foreground class and clipped to the image, then (RoI, class) pairs scored by
 * the softmax probability, filtered by score and size, suppressed per class with NMS and cut to
 * the best `detectionsPerImage`.
 *
 * @param probabilities `[R,K+1]` softmax class probabilities (column 0 background).
 * @param boxes `[R,K+1,4]` decoded boxes per class, already clipped to `imageSize`.
 */
export function postprocessDetections(
  probabilities: Float32Array,
  boxes: Float32Array,
  numClasses: number,
  options: DetectionOptions = {},
): ImageDetections {
  // torch compares float32 scores with the threshold rounded to float32
  const scoreThreshold = Math.fround(options.scoreThreshold ?? 0.05);
  const nmsThreshold = options.nmsThreshold ?? 0.5;
  const perImage = options.detectionsPerImage ?? 100;
  const minSize = options.minSize ?? 1e-2;
  const k1 = numClasses;
  const r = probabilities.length / k1;
  const candBoxes: number[] = [];
  const candScores: number[] = [];
  const candLabels: number[] = [];
  for (let i = 0; i < r; i++) {
    for (let c = 1; c < k1; c++) {
      const s = probabilities[i * k1 + c];
      if (!(s > scoreThreshold)) continue;
      const o = (i * k1 + c) * 4;
      candBoxes.push(boxes[o], boxes[o + 1], boxes[o + 2], boxes[o + 3]);
      candScores.push(s);
      candLabels.push(c);
    }
  }
  const big = removeSmallBoxes(Float32Array.from(candBoxes), minSize);
  const b = new Float32Array(big.length * 4);
  const s = new Float32Array(big.length);
  const l = new Int32Array(big.length);
  big.forEach((idx, k) => {
    b.set(candBoxes.slice(idx * 4, idx * 4 + 4), k * 4);
    s[k] = candScores[idx];
    l[k] = candLabels[idx];
  });
  const keep = batchedNms(b, s, l, nmsThreshold, { topK: perImage });
  const out = {
    boxes: new Float32Array(keep.length * 4),
    scores: new Float32Array(keep.length),
    labels: new Int32Array(keep.length),
  };
  keep.forEach((idx, k) => {
    out.boxes.set(b.subarray(idx * 4, idx * 4 + 4), k * 4);
    out.scores[k] = s[idx];
    out.labels[k] = l[idx];
  });
  return out;
}

/** Scale boxes `[N,4]` from `from` (the model input size) to `to` (the original image), as torchvision's `resize_boxes`. */
export function rescaleBoxes(boxes: Float32Array, from: Size, to: Size): Float32Array {
  const ry = Math.fround(to[0] / from[0]);
  const rx = Math.fround(to[1] / from[1]);
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = boxes[i] * rx;
    out[i + 1] = boxes[i + 1] * ry;
    out[i + 2] = boxes[i + 2] * rx;
    out[i + 3] = boxes[i + 3] * ry;
  }
  return out;
}
