export { type AugmentationOptions, type RecordTransform, trainAugmentation } from './augment/augmentation';
export { horizontalFlip } from './augment/horizontalFlip';
export { resizeImageBilinear, resizeRecord } from './augment/resizeRecord';
export {
  type Batch,
  BatchLoader,
  type BatchLoaderOptions,
  type LoaderState,
  type RecordSource,
} from './batchLoader';
export {
  CocoDetectionDataset,
  type CocoInstance,
  type CocoReadOptions,
  type InvalidPolicy,
  parseCocoDataset,
  type SkippedItem,
} from './cocoDetectionDataset';
export type {
  CocoAnnotation,
  CocoCategory,
  CocoCompressedRle,
  CocoDataset,
  CocoImage,
  CocoInfo,
  CocoSegmentation,
  CocoUncompressedRle,
} from './cocoFormat';
export { COCO_KEYPOINT_FLIP_MAP, COCO_KEYPOINT_NAMES, COCO_PERSON_SKELETON } from './cocoKeypoints';
export { type DetectionRecord, recordSize } from './detectionRecord';
export { checkRgbImage, createRgbImage, type RgbImage } from './image';
export {
  decodeImage,
  encodeJpeg,
  encodePng,
  type ImageFormat,
  readImageFile,
  sniffImageFormat,
} from './imageCodec';
export { readCocoDataset } from './readCocoDataset';
export {
  SHAPE_KINDS,
  SYNTHETIC_CATEGORY_IDS,
  type SyntheticKind,
  syntheticCategories,
} from './synthetic/categories';
export {
  generateSyntheticImage,
  type SyntheticInstance,
  type SyntheticSample,
} from './synthetic/generateSyntheticImage';
export { printBuildProgress, type TextSink } from './synthetic/printBuildProgress';
export { syntheticAnnotations } from './synthetic/syntheticAnnotations';
export {
  DEFAULT_SYNTHETIC_CONFIG,
  resolveSyntheticConfig,
  type SyntheticConfig,
} from './synthetic/syntheticConfig';
export {
  defaultCacheDir,
  type EnsureSyntheticOptions,
  ensureSyntheticDataset,
  SYNTHETIC_GENERATOR_VERSION,
  type SyntheticDatasetPaths,
  syntheticDatasetKey,
} from './synthetic/syntheticDatasetCache';
export { syntheticRecord } from './synthetic/syntheticRecord';
export {
  type BuildProgress,
  DEFAULT_SYNTHETIC_SPLITS,
  type SplitPaths,
  type WriteSyntheticOptions,
  writeSyntheticDataset,
} from './synthetic/writeSyntheticDataset';
