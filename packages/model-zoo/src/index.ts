export { type PasteMasksOptions, pasteMasksInImage } from './inference/pasteMasks';
export { clipGradientsByNorm, globalNorm } from './training/clipGradients';
export { checkSchedule, type LearningRateSchedule, learningRateAt } from './training/learningRate';
export { NonFiniteLossError } from './training/nonFiniteLossError';
export { SgdMomentum, type SgdOptions } from './training/sgd';
export {
  type BatchSource,
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
