export type { Backbone, BackboneConfigLike, FeatureSpec } from './backbone';
export { loadBackbone, restoreBackbone, saveBackbone } from './backboneCheckpoint';
export {
  type BackboneConfig,
  buildBackbone,
  ResNetC4Backbone,
  type ResNetC4Config,
  ResNetC5Backbone,
  type ResNetC5Config,
  ResNetFpnBackbone,
  type ResNetFpnConfig,
  resnetC4,
  resnetC5,
  resnetFpn,
  resnetRes5Head,
} from './backbones';
export { FeaturePyramidNetwork, type FeaturePyramidNetworkOptions } from './featurePyramidNetwork';
export { convNorm, makeNorm, type NormKind, type NormLayer } from './norm';
export { RESNET_STRIDES, ResNet, type ResNetFeature } from './resnet';
export { BasicBlock, type BlockOptions, Bottleneck, ResNetBlock } from './resnetBlocks';
export { type ResNetConfig, type ResNetDepth, type ResolvedResNet, resolveResNet } from './resnetConfig';
export { ResNetStage } from './resnetStage';
export { subsampleStride2 } from './subsampleStride2';
export {
  loadTorchvisionRes5,
  loadTorchvisionWeights,
  type TorchvisionWeightsOptions,
  torchvisionBackboneStateDict,
} from './torchvisionWeights';
export { upsampleNearest } from './upsampleNearest';
