export {
  C4BoxHead,
  type C4BoxHeadOptions,
  C4MaskHead,
  type C4MaskHeadOptions,
  type Res5Stage,
} from './c4Heads';
export {
  type FastRcnnPrediction,
  FastRcnnPredictor,
  type FastRcnnPredictorOptions,
} from './fastRcnnPredictor';
export { FcnMaskHead, type FcnMaskHeadOptions } from './fcnMaskHead';
export * from './keypoint/index';
export { maskProbabilities } from './maskProbabilities';
export { legacyMaskHeadName, MaskRcnnHeads, type MaskRcnnHeadsOptions } from './maskRcnnHeads';
export { MaskRcnnPredictor, type MaskRcnnPredictorOptions } from './maskRcnnPredictor';
export { MlpMaskHead, type MlpMaskHeadOptions } from './mlpMaskHead';
export { TwoMlpHead, type TwoMlpHeadOptions } from './twoMlpHead';
export type { BoxHead, MaskActivation, MaskHead } from './types';
