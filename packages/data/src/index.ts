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
export { checkRgbImage, createRgbImage, type RgbImage } from './image';
export {
  decodeImage,
  encodeJpeg,
  encodePng,
  type ImageFormat,
  readImageFile,
  sniffImageFormat,
} from './imageCodec';
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
export {
  DEFAULT_SYNTHETIC_CONFIG,
  resolveSyntheticConfig,
  type SyntheticConfig,
} from './synthetic/syntheticConfig';
