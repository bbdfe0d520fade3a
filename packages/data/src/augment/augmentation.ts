import { ConfigError, type SeededRandom } from '@rcnn/core';
import { COCO_KEYPOINT_FLIP_MAP } from '../cocoKeypoints';
import type { DetectionRecord } from '../detectionRecord';
import { horizontalFlip } from './horizontalFlip';
import { resizeRecord } from './resizeRecord';

/** A random record transform; all randomness comes from `rng`, so it repeats for a seed. */
export type RecordTransform = (record: DetectionRecord, rng: SeededRandom) => DetectionRecord;

/** Options of {@link trainAugmentation}. */
export interface AugmentationOptions {
  /** Chance of a horizontal flip. Default 0.5. */
  flipProbability?: number;
  /** Keypoint flip map. Default COCO's. */
  flipMap?: readonly number[];
  /**
   * Scale jitter: the shorter image side is resized to a length drawn uniformly from this list
   * (detectron2's `ResizeShortestEdge` 'choice'); omit to keep the size.
   */
  shortSides?: readonly number[];
  /** Cap on the longer side after resizing (pixels). Default: no cap. */
  maxSize?: number;
}

/**
 * The training augmentation: random scale jitter of the shorter side (keeping the aspect ratio,
 * the longer side capped at `maxSize`), then a random horizontal flip with the keypoint flip map.
 */
export function trainAugmentation(options: AugmentationOptions = {}): RecordTransform {
  const p = options.flipProbability ?? 0.5;
  if (!(p >= 0 && p <= 1)) throw new ConfigError('flipProbability', `must be in [0, 1], got ${p}`);
  const flipMap = options.flipMap ?? COCO_KEYPOINT_FLIP_MAP;
  const sides = options.shortSides ?? [];
  for (const s of sides) {
    if (!Number.isInteger(s) || s <= 0)
      throw new ConfigError('shortSides', `must hold positive integers, got ${s}`);
  }
  const maxSize = options.maxSize ?? Number.POSITIVE_INFINITY;
  if (!(maxSize > 0)) throw new ConfigError('maxSize', `must be positive, got ${maxSize}`);
  return (record, rng) => {
    let out = record;
    if (sides.length > 0) {
      const { width, height } = record.image;
      const side = rng.choice(sides);
      const scale = Math.min(side / Math.min(width, height), maxSize / Math.max(width, height));
      const w = Math.max(1, Math.round(width * scale));
      const h = Math.max(1, Math.round(height * scale));
      if (w !== width || h !== height) out = resizeRecord(out, w, h);
    }
    if (rng.next() < p) out = horizontalFlip(out, flipMap);
    return out;
  };
}
