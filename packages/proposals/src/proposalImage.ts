import { InputError } from '@rcnn/core';

/**
 * An 8-bit RGB image as proposal generators take it (the shape of `@rcnn/data`'s `RgbImage`):
 * `data` holds `height·width·3` bytes, row-major HWC, channel 0 red.
 */
export interface ProposalImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Throw an {@link InputError} naming `culprit` unless `image` is a well-formed RGB image. */
export function checkProposalImage(image: ProposalImage, culprit = 'image'): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InputError(culprit, `width and height must be positive integers, got ${width}x${height}`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw new InputError(
      culprit,
      `expected ${width * height * 3} bytes of HWC RGB data, got ${data?.length}`,
    );
  }
}
