/**
 * Bad input to the RLE mask API: a mask whose length does not match its size, a malformed RLE
 * object or string, a polygon with too few coordinates. The message names the argument at fault.
 */
export class MaskInputError extends Error {
  override readonly name = 'MaskInputError';
  constructor(
    /** The argument or field at fault, e.g. `encode(mask)` or `segmentation.counts`. */
    readonly culprit: string,
    detail: string,
  ) {
    super(`${culprit}: ${detail}`);
  }
}

/**
 * Bad input to COCO evaluation: a malformed ground-truth dataset or results array, a detection
 * on an image the ground truth does not have, an unsupported option. The message names the
 * dataset field, result index or option at fault.
 */
export class CocoEvalError extends Error {
  override readonly name = 'CocoEvalError';
  constructor(
    /** The field, result or option at fault, e.g. `detections[3].image_id` or `options.iouType`. */
    readonly culprit: string,
    detail: string,
  ) {
    super(`${culprit}: ${detail}`);
  }
}
