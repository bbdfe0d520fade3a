export { evaluate } from './cocoeval/evaluate';
export { COCO_KEYPOINT_SIGMAS, defaultParams, linspace } from './cocoeval/params';
export { formatFixed, summarize } from './cocoeval/summarize';
export type {
  CategoryAp,
  CocoAnnotation,
  CocoCategory,
  CocoDataset,
  CocoEvalResult,
  CocoImage,
  CocoResult,
  EvalParams,
  EvaluateOptions,
  IouType,
} from './cocoeval/types';
export { CocoEvalError, MaskInputError } from './errors';
export { annToRle } from './mask/annToRle';
export { area } from './mask/area';
export { frCompressed, frUncompressed, toCompressed, toUncompressed } from './mask/cocoRle';
export { decode, decodeColumnMajor, encode, encodeColumnMajor } from './mask/encode';
export { frBbox } from './mask/frBbox';
export { frPoly } from './mask/frPoly';
export { bboxIouInto, iou, rleIouInto, type XywhBox } from './mask/iou';
export { merge } from './mask/merge';
export type { CompressedRle, Rle, Segmentation, UncompressedRle } from './mask/rle';
export { rleFrString, rleToString } from './mask/rleString';
export { toBbox } from './mask/toBbox';
