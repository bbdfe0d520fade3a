export { AnchorGenerator, type AnchorGeneratorOptions } from './anchorGenerator';
export {
  BalancedPositiveNegativeSampler,
  type BalancedSamplerOptions,
  type SampledIndices,
} from './balancedSampler';
export { BoxCoder, type BoxCoderWeights, DEFAULT_BBOX_XFORM_CLIP } from './boxCoder';
export { boxArea } from './boxes/boxArea';
export { type BoxFormat, convertBoxes } from './boxes/boxFormat';
export type { BoxesInput, ValuesInput } from './boxes/boxInput';
export { boxIou, boxIouArray } from './boxes/boxIou';
export { clipBoxesToImage, type ImageSize } from './boxes/clipBoxes';
export { removeSmallBoxes } from './boxes/removeSmallBoxes';
export { ConfigError, InputError, RcnnError, type ShapeDim, ShapeError } from './errors';
export { Matcher, type MatcherOptions, type QualityMatrix } from './matcher';
export { batchedNms, type NmsOptions, nms } from './nms';
export * from './nn/index';
export { SeededRandom, type ShuffleArray } from './rng';
export { batchImages } from './transform/batchImages';
export {
  type ImageAnnotations,
  ImageTransform,
  type ImageTransformOptions,
  type TransformedBatch,
} from './transform/imageTransform';
export { normalizeImage } from './transform/normalizeImage';
export { nearestSourceIndex, resizeImage, resizeMasks } from './transform/resizeImage';
export { type ResizeResult, resizedImageSize } from './transform/resizeRule';
export { resizeBoxes, resizeKeypoints } from './transform/resizeTargets';
export * from './weights/index';
