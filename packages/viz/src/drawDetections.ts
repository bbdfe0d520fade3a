import { InputError } from '@rcnn/core';
import { checkRgbImage, type RgbImage } from '@rcnn/data';
import { blendMask } from './blendMask';
import { cloneImage } from './canvas';
import { classColor, contrastColor, type Rgb } from './color';
import { drawBox } from './drawBox';
import { drawKeypoints } from './drawKeypoints';
import { drawText, measureText } from './drawText';

/**
 * Detections of one image in its own pixels, the shape predictors return. `D` detections, `H`/`W`
 * the image size, `K` keypoints per instance.
 */
export interface DrawableDetections {
  /** `[D,4]` `(x1, y1, x2, y2)`, continuous pixels. */
  readonly boxes: ArrayLike<number>;
  /** `[D]` contiguous class ids 1..K. */
  readonly labels: ArrayLike<number>;
  /** `[D]` scores 0..1; without them no score is printed and nothing is filtered. */
  readonly scores?: ArrayLike<number>;
  /** `[D,H,W]` masks, binary or probabilities. */
  readonly masks?: ArrayLike<number>;
  /** `[D,K,3]` `(x, y, v)` keypoints. */
  readonly keypoints?: ArrayLike<number>;
}

/** Options of {@link drawDetections}. */
export interface DrawDetectionsOptions {
  /** Names by contiguous class id (index 0 is background); ids beyond print as `class <id>`. */
  readonly classNames?: readonly string[];
  /** Detections scoring below this are not drawn. Default 0.5. */
  readonly scoreThreshold?: number;
  /** Mask tint opacity 0..1. Default 0.45. */
  readonly maskAlpha?: number;
  /** Mask binarisation threshold. Default 0.5. */
  readonly maskThreshold?: number;
  /** Box outline width in pixels. Default 1 below 300 px image side, else 2. */
  readonly boxThickness?: number;
  /** Keypoints per instance when `keypoints` is given. Default 17 (COCO). */
  readonly numKeypoints?: number;
  /** 1-based keypoint pairs to join (COCO `skeleton`). */
  readonly skeleton?: readonly (readonly [number, number])[];
  /** Draw `name score` labels. Default true. */
  readonly labels?: boolean;
  /** Colour per detection; default {@link classColor} of its label. */
  readonly colorOf?: (label: number, index: number) => Rgb;
}

/**
 * Draw detections on a copy of `image` (HWC RGB): masks tinted first, then keypoint skeletons,
 * boxes, and a `name 0.93` label above each box (inside it when there is no room above).
 * Lowest scores are drawn first so the best detections end on top.
 */
export function drawDetections(
  image: RgbImage,
  detections: DrawableDetections,
  options: DrawDetectionsOptions = {},
): RgbImage {
  checkRgbImage(image);
  const { width: w, height: h } = image;
  const n = detections.labels.length;
  const check = (name: string, got: number | undefined, per: number) => {
    if (got !== undefined && got !== n * per) {
      throw new InputError(
        `detections.${name}`,
        `expected ${n}×${per} = ${n * per} values for ${n} detections, got ${got}`,
      );
    }
  };
  check('boxes', detections.boxes.length, 4);
  check('scores', detections.scores?.length, 1);
  check('masks', detections.masks?.length, h * w);
  const numKeypoints = options.numKeypoints ?? 17;
  check('keypoints', detections.keypoints?.length, numKeypoints * 3);
  const out = cloneImage(image);
  const threshold = options.scoreThreshold ?? 0.5;
  const scores = detections.scores;
  const order = [...Array(n).keys()].filter((i) => scores === undefined || scores[i] >= threshold);
  if (scores) order.sort((a, b) => scores[a] - scores[b]);
  const colour = (i: number) =>
    options.colorOf?.(detections.labels[i], i) ?? classColor(detections.labels[i]);
  const thickness = options.boxThickness ?? (Math.min(w, h) < 300 ? 1 : 2);
  const masks = detections.masks;
  if (masks) {
    for (const i of order) {
      blendMask(out, masks, colour(i), {
        alpha: options.maskAlpha ?? 0.45,
        threshold: options.maskThreshold ?? 0.5,
        outline: true,
        offset: i * h * w,
      });
    }
  }
  const kps = detections.keypoints;
  if (kps) {
    for (const i of order) {
      drawKeypoints(
        out,
        kps,
        numKeypoints,
        colour(i),
        { skeleton: options.skeleton, pointSize: thickness + 2 },
        i * numKeypoints * 3,
      );
    }
  }
  for (const i of order) {
    const b = detections.boxes;
    drawBox(out, [b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]], colour(i), thickness);
  }
  if (options.labels ?? true) {
    for (const i of order) {
      const label = detections.labels[i];
      const name = options.classNames?.[label] ?? `class ${label}`;
      const text = scores ? `${name} ${scores[i].toFixed(2)}` : name;
      const size = measureText(text);
      const x = Math.max(0, Math.min(w - size.width, Math.floor(detections.boxes[i * 4])));
      const top = Math.floor(detections.boxes[i * 4 + 1]);
      const y = top - size.height >= 0 ? top - size.height : Math.max(0, top);
      const bg = colour(i);
      drawText(out, text, x, y, { color: contrastColor(bg), background: bg });
    }
  }
  return out;
}
