import type { ImageSize } from '../boxes/clipBoxes';
import { ConfigError, ShapeError } from '../errors';

const f32 = Math.fround;

/** The outcome of {@link resizedImageSize}. */
export interface ResizeResult {
  /** The float32 scale factor torchvision computes (as a JS number). */
  scale: number;
  /** `[height, width]` of the resized image in pixels. */
  size: [height: number, width: number];
}

/**
 * torchvision's resize rule for detection inputs: scale the shorter side to `minSize` unless the
 * longer side would exceed `maxSize`, in which case the longer side is scaled to `maxSize`.
 *
 * It reproduces torchvision's arithmetic exactly: the scale is float32 (`minSize / shorter` is
 * evaluated as `(1 / shorter) · minSize` in float32, since torch's reverse division multiplies by
 * the reciprocal), and each output side is `floor(side · scale)` in double precision
 * (`interpolate(..., recompute_scale_factor=True)`). So a 427×640 image with `minSize` 800 becomes
 * 799×1199, not 800×1199.
 *
 * @param imageSize `[height, width]` of the original image in pixels.
 * @param minSize target length of the shorter side in pixels.
 * @param maxSize cap on the longer side in pixels.
 */
export function resizedImageSize(imageSize: ImageSize, minSize: number, maxSize: number): ResizeResult {
  const [h, w] = imageSize;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) {
    throw new ShapeError('imageSize', '[height, width] positive integers', [h, w]);
  }
  if (!(minSize > 0)) throw new ConfigError('minSize', `must be positive, got ${minSize}`);
  if (!(maxSize > 0)) throw new ConfigError('maxSize', `must be positive, got ${maxSize}`);
  const shorter = f32(Math.min(h, w));
  const longer = f32(Math.max(h, w));
  const byMin = f32(f32(1 / shorter) * f32(minSize));
  const byMax = f32(f32(1 / longer) * f32(maxSize));
  const scale = Math.min(byMin, byMax);
  return { scale, size: [Math.floor(h * scale), Math.floor(w * scale)] };
}
