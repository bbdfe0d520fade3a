export { type DecodedKeypoints, heatmapsToKeypoints } from './heatmapsToKeypoints';
export { type KeypointHead, KeypointRcnnHead, type KeypointRcnnHeadOptions } from './keypointHead';
export {
  KeypointRcnnHeads,
  type KeypointRcnnHeadsOptions,
  legacyKeypointHeadName,
} from './keypointRcnnHeads';
export { KeypointRcnnPredictor, type KeypointRcnnPredictorOptions } from './keypointRcnnPredictor';
