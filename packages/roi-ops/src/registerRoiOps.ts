import type { GradConfig, KernelFunc, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import {
  MultiLevelRoiPoolGradKernel,
  MultiLevelRoiPoolKernel,
  RoiAlignGradKernel,
  RoiAlignKernel,
  RoiPoolGradKernel,
  RoiPoolKernel,
  RoiWarpGradKernel,
  RoiWarpKernel,
} from './kernelNames';
import { multiLevelBackward, multiLevelForward, singleLevelBackward, singleLevelForward } from './roiKernels';

/** Options of {@link registerRoiOps}. */
export interface RegisterRoiOpsOptions {
  /**
   * Backends to register the kernels for. Default `['cpu', 'wasm']`. The kernels run in
   * JavaScript over the backend's memory; other backends work too but read their data back
   * (`readSync`), which is slow on GPU backends.
   */
  backends?: string[];
}

function singleLevelGradient(forward: string, backward: string): GradConfig {
  return {
    kernelName: forward,
    inputsToSave: ['features', 'rois'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const [features, rois] = saved;
      return {
        features: () =>
          tf.engine().runKernel(backward, { dy: dy as Tensor, rois, features }, attrs) as Tensor,
        // torchvision gives no gradient to the boxes either.
        rois: () => tf.zeros(rois.shape, 'float32'),
      };
    },
  };
}

const multiLevelGradient: GradConfig = {
  kernelName: MultiLevelRoiPoolKernel,
  saveAllInputs: true,
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [rois, ...levels] = saved;
    // One closure per input: each level's gradient is built only when the tape needs it.
    return [
      () => tf.zeros(rois.shape, 'float32'),
      ...levels.map(
        (features, level) => () =>
          tf.engine().runKernel(
            MultiLevelRoiPoolGradKernel,
            { dy: dy as Tensor, rois, features },
            {
              ...attrs,
              level,
            },
          ) as Tensor,
      ),
    ] as unknown as Record<string, () => Tensor>;
  },
};

const KERNELS: Array<[string, KernelFunc]> = [
  [RoiAlignKernel, singleLevelForward('align')],
  [RoiAlignGradKernel, singleLevelBackward('align')],
  [RoiWarpKernel, singleLevelForward('warp')],
  [RoiWarpGradKernel, singleLevelBackward('warp')],
  [RoiPoolKernel, singleLevelForward('pool')],
  [RoiPoolGradKernel, singleLevelBackward('pool')],
  [MultiLevelRoiPoolKernel, multiLevelForward],
  [MultiLevelRoiPoolGradKernel, multiLevelBackward],
];

const GRADIENTS: GradConfig[] = [
  singleLevelGradient(RoiAlignKernel, RoiAlignGradKernel),
  singleLevelGradient(RoiWarpKernel, RoiWarpGradKernel),
  singleLevelGradient(RoiPoolKernel, RoiPoolGradKernel),
  multiLevelGradient,
];

/**
 * Register the RoI kernels (RoIAlign, RoIWarp, RoIPool, the multi-level pooler and their gradient
 * kernels) for the given backends, and their gradients. Idempotent; nothing is registered on
 * import. Call it once after `initBackend()`, before the first RoI op.
 */
export function registerRoiOps(options: RegisterRoiOpsOptions = {}): void {
  for (const backendName of options.backends ?? ['cpu', 'wasm']) {
    for (const [kernelName, kernelFunc] of KERNELS) {
      if (tf.getKernel(kernelName, backendName) == null) {
        tf.registerKernel({ kernelName, backendName, kernelFunc });
      }
    }
  }
  for (const g of GRADIENTS) {
    if (tf.getGradient(g.kernelName) == null) tf.registerGradient(g);
  }
}
