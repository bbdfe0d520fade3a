export type {
  BoxHeadConfig,
  DetectorConfig,
  ExternalProposalsConfig,
  FcnMaskHeadConfig,
  KeypointBranchConfig,
  KeypointHeadConfig,
  KeypointRcnnHeadConfig,
  MaskBranchConfig,
  MaskHeadConfig,
  MlpMaskHeadConfig,
  ProposalCountsConfig,
  RegionCnnBoxHeadConfig,
  RegionWarpConfig,
  Res5BoxHeadConfig,
  Res5MaskHeadConfig,
  RoiHeadsConfig,
  RoiPoolerConfig,
  RpnConfig,
  TransformConfig,
  TwoMlpBoxHeadConfig,
} from './config/detectorConfig';
export {
  type FasterRcnnOptions,
  fasterRcnn,
  fcnMaskHead,
  IMAGENET_MEAN,
  IMAGENET_STD,
  type MaskRcnnOptions,
  maskRcnn,
  mlpMaskHead,
  res5MaskHead,
  roiAlignPooler,
  roiPoolPooler,
  roiWarpPooler,
} from './config/factories';
export { type KeypointRcnnOptions, keypointRcnn, keypointRcnnHead } from './config/keypointRcnn';
export {
  type FastRcnnOptions,
  fastRcnn,
  type RcnnOptions,
  rcnn,
  selectiveSearchProposals,
} from './config/proposalDetectors';
export { buildDetector } from './detector/buildDetector';
export { checkExternalProposals, ExternalProposals, imageContentKey } from './detector/externalProposals';
export {
  type DetectorImage,
  type DetectorLosses,
  GeneralizedRcnn,
  type Prediction,
  type PredictOptions,
  rescaleKeypoints,
  trainableInstances,
} from './detector/generalizedRcnn';
export { KeypointBranch } from './detector/keypointBranch';
export { projectMasksOnBoxes } from './detector/maskTargets';
export { type DetectionOptions, postprocessDetections, rescaleBoxes } from './detector/postprocessDetections';
export {
  checkRegionWarp,
  IMAGE_FEATURE,
  ImageAsFeatures,
  RegionCnnHead,
  type RegionCnnHeadOptions,
  RegionWarpPooler,
} from './detector/regionCnn';
export {
  batchRois,
  RoiHeads,
  type RoiHeadsLosses,
  type RoiHeadsParts,
  type RoiHeadsTrainOptions,
} from './detector/roiHeads';
export { type SampledRois, sampleRois } from './detector/roiTargets';
export type { FeatureMaps, ImageDetections, ImageTargets, Size } from './detector/types';
export {
  type DetectionTensors,
  loadTorchvisionDetector,
  TORCHVISION_BACKBONES,
  type TorchvisionBackboneName,
  TorchvisionDetector,
  type TorchvisionDetectorOptions,
  torchvisionDetectorConfig,
  upgradeTorchvisionDetectorKeys,
} from './import/torchvisionDetector';
export { type CocoResultsOptions, type ImagePrediction, toCocoResults } from './inference/cocoResults';
export { type PasteMasksOptions, pasteMasksInImage } from './inference/pasteMasks';
export { Predictor, type PredictorOptions } from './inference/predictor';
export { initDetectorBackend } from './initDetectorBackend';
export { loadPretrainedTrunk, type PretrainedTrunkReport } from './pretraining/loadPretrainedTrunk';
export {
  type CropBatch,
  type ObjectCropOptions,
  ObjectCropSampler,
  type ResolvedCropOptions,
} from './pretraining/objectCrops';
export {
  pretrainTrunk,
  type TrunkPretrainingOptions,
  type TrunkPretrainingPoint,
  type TrunkPretrainingProgress,
  type TrunkPretrainingResult,
} from './pretraining/pretrainTrunk';
export { clipGradientsByNorm, globalNorm } from './training/clipGradients';
export { DataParallelGradients, type DataParallelOptions } from './training/dataParallelGradients';
export type { DetectorGradientJob, DetectorGradientResult } from './training/detectorGradientJob';
export { checkSchedule, type LearningRateSchedule, learningRateAt } from './training/learningRate';
export { NonFiniteLossError } from './training/nonFiniteLossError';
export { SgdMomentum, type SgdOptions } from './training/sgd';
export {
  type BatchSource,
  type ComputedGradients,
  type GradientSource,
  type TrainableModel,
  Trainer,
  type TrainerOptions,
  type TrainProgress,
  type TrainResult,
} from './training/trainer';
export {
  decodeTrainingCheckpoint,
  encodeTrainingCheckpoint,
  MOMENTUM_PREFIX,
  readTrainingCheckpoint,
  saveTrainingCheckpoint,
  type TrainingCheckpoint,
  type TrainingState,
} from './training/trainingCheckpoint';
