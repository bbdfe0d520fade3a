import { InputError } from '@rcnn/core';

/**
 * An 8-bit RGB image: `data` holds `height * width * 3` bytes, row-major HWC
 * (`data[(y * width + x) * 3 + c]`, c = 0 red, 1 green, 2 blue).
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Make an all-black image of the given size (pixels). */
export function createRgbImage(width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InputError('image', `width and height must be positive integers, got ${width}x${height}`);
  }
  return { width, height, data: new Uint8Array(width * height * 3) };
}

/** Throw an InputError naming `culprit` unless `image.data` holds exactly `height * width * 3` bytes. */
export function checkRgbImage(image: RgbImage, culprit = 'image'): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InputError(culprit, `width and height must be positive integers, got ${width}x${height}`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw new InputError(
      culprit,
      `expected ${width * height * 3} bytes of HWC RGB data for ${width}x${height}, got ${data?.length}`,
    );
  }
}
