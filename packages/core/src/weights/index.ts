export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type CheckpointContent,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  restoreCheckpoint,
  saveCheckpoint,
} from './checkpoint';
export { fromTorchLayout, torchShapeOf, toTorchLayout } from './layout';
export {
  type LoadReport,
  type LoadStateDictOptions,
  loadStateDict,
  moduleStateDict,
  renameKeys,
  StateDictError,
  selectPrefix,
  storedToTensor,
  upgradeTorchvisionFpnKeys,
} from './loadStateDict';
export { PickleObject, type UnpickleOptions, unpickle } from './pickle';
export { readSafetensors, type SafetensorsContent, writeSafetensors } from './safetensors';
export {
  DTYPE_BYTES,
  float32Tensor,
  halfToFloat,
  numElements,
  type StateDict,
  type StoredData,
  type StoredTensor,
  toFloat32,
  type WeightDType,
} from './storedTensor';
export {
  findStateDict,
  isStoredTensor,
  readTorchCheckpoint,
  type TorchCheckpointOptions,
} from './torchCheckpoint';
export {
  type ReadWeightsOptions,
  readWeights,
  readWeightsFile,
  type WeightsContent,
  writeFileAtomic,
  writeSafetensorsFile,
} from './weightsFile';
