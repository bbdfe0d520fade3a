/** tfjs kernel names of the RoI ops; prefixed so they never clash with kernels tfjs may add. */
export const RoiAlignKernel = 'RcnnRoiAlign';
export const RoiAlignGradKernel = 'RcnnRoiAlignGrad';
export const RoiPoolKernel = 'RcnnRoiPool';
export const RoiPoolGradKernel = 'RcnnRoiPoolGrad';
export const RoiWarpKernel = 'RcnnRoiWarp';
export const RoiWarpGradKernel = 'RcnnRoiWarpGrad';
export const MultiLevelRoiPoolKernel = 'RcnnMultiLevelRoiPool';
export const MultiLevelRoiPoolGradKernel = 'RcnnMultiLevelRoiPoolGrad';

/**
 * Attributes of the single-level kernels (inputs `features` `[B,H,W,C]` float32, `rois` `[R,5]`;
 * the gradient kernels also take `dy` `[R,h,w,C]`).
 */
export interface RoiKernelAttrs {
  outputSize: [number, number];
  spatialScale: number;
  samplingRatio: number;
  aligned: boolean;
  aggregation: 'avg' | 'max';
}

/**
 * Attributes of the multi-level kernel (inputs, as an array: `rois` then one `[B,H_l,W_l,C]`
 * feature map per level, finest first). The gradient kernel handles one `level` at a time.
 */
export interface MultiLevelRoiKernelAttrs extends RoiKernelAttrs {
  kind: 'align' | 'warp' | 'pool';
  scales: number[];
  minLevel: number;
  canonicalScale: number;
  canonicalLevel: number;
  eps: number;
  level?: number;
}
