export { BatchNorm2d, type BatchNorm2dOptions } from './batchNorm2d';
export { Conv2d, type Conv2dOptions } from './conv2d';
export { type Conv2dGeometry, type ConvActivation, conv2dNhwc } from './conv2dOp';
export { ConvTranspose2d, type ConvTranspose2dOptions } from './convTranspose2d';
export { FrozenBatchNorm2d, type FrozenBatchNorm2dOptions } from './frozenBatchNorm2d';
export {
  type BiasInit,
  type Fans,
  initBias,
  initTensor,
  TORCH_DEFAULT_WEIGHT_INIT,
  type WeightInit,
} from './init';
export { Linear, type LinearOptions } from './linear';
export {
  type LinearFromChwLayout,
  Module,
  ModuleList,
  type NamedTensor,
  type TensorKind,
  type TensorLayout,
} from './module';
export { type Pair, toPair } from './pair';
