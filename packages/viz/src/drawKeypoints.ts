import { InputError } from '@rcnn/core';
import type { RgbImage } from '@rcnn/data';
import { fillRect } from './canvas';
import type { Rgb } from './color';
import { drawLine } from './drawLine';

/** Options of {@link drawKeypoints}. */
export interface KeypointStyle {
  /** Pairs of 1-based keypoint indices to join (COCO's `skeleton`). Default none. */
  readonly skeleton?: readonly (readonly [number, number])[];
  /** A keypoint is drawn when its third value is above this (visibility flag or score). Default 0. */
  readonly visibilityThreshold?: number;
  /** Side of the square drawn at each keypoint, pixels. Default 3. */
  readonly pointSize?: number;
  /** Skeleton line width, pixels. Default 1. */
  readonly lineWidth?: number;
  /** Colour of the points; the lines use `color`. Default white. */
  readonly pointColor?: Rgb;
}

/**
 * Draw one instance's keypoints (in place): `keypoints` is `[K,3]` `(x, y, v)` in continuous
 * pixels (COCO order), read from `offset`. Skeleton lines are drawn first, between keypoints both
 * above the visibility threshold, then the points on top.
 */
export function drawKeypoints(
  image: RgbImage,
  keypoints: ArrayLike<number>,
  numKeypoints: number,
  color: Rgb,
  style: KeypointStyle = {},
  offset = 0,
): void {
  if (keypoints.length < offset + numKeypoints * 3) {
    throw new InputError(
      'keypoints',
      `expected ${numKeypoints}×3 values from offset ${offset}, got ${keypoints.length - offset}`,
    );
  }
  const threshold = style.visibilityThreshold ?? 0;
  const visible = (k: number) => keypoints[offset + k * 3 + 2] > threshold;
  // Continuous coordinates: the pixel holding x is floor(x).
  const px = (k: number) => Math.floor(keypoints[offset + k * 3]);
  const py = (k: number) => Math.floor(keypoints[offset + k * 3 + 1]);
  for (const [a1, b1] of style.skeleton ?? []) {
    const a = a1 - 1;
    const b = b1 - 1;
    if (a < 0 || b < 0 || a >= numKeypoints || b >= numKeypoints) {
      throw new InputError('skeleton', `pair [${a1}, ${b1}] is outside keypoints 1..${numKeypoints}`);
    }
    if (visible(a) && visible(b)) drawLine(image, px(a), py(a), px(b), py(b), color, style.lineWidth ?? 1);
  }
  const size = Math.max(1, Math.round(style.pointSize ?? 3));
  const half = Math.floor((size - 1) / 2);
  for (let k = 0; k < numKeypoints; k++) {
    if (!visible(k)) continue;
    const x = px(k) - half;
    const y = py(k) - half;
    fillRect(image, x, y, x + size, y + size, style.pointColor ?? [255, 255, 255]);
  }
}
