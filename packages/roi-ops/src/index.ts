export { RoiCoordinateError, RoiKernelNotRegisteredError, RoiOptionError, RoiTensorError } from './errors';
export {
  MultiLevelRoiPoolGradKernel,
  MultiLevelRoiPoolKernel,
  RoiAlignGradKernel,
  RoiAlignKernel,
  RoiPoolGradKernel,
  RoiPoolKernel,
  RoiWarpGradKernel,
  RoiWarpKernel,
} from './kernelNames';
export { assignFpnLevels, type LevelMapperOptions } from './levelMapper';
export { type MultiLevelRoiPoolOptions, multiLevelRoiPool } from './multiLevelRoiPool';
export { type RegisterRoiOpsOptions, registerRoiOps } from './registerRoiOps';
export { type RoiAlignOptions, roiAlign } from './roiAlign';
export type { RoiOpConfig } from './roiOpConfig';
export type { OutputSize } from './roiOpOptions';
export type { Aggregation, RoiOpKind } from './roiOpParams';
export { type RoiPoolOptions, roiPool } from './roiPool';
export { type RoiPooler, type RoiPoolerOptions, roiPooler } from './roiPooler';
export { type RoiWarpOptions, roiWarp } from './roiWarp';
