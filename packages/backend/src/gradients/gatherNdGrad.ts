import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';
import { GatherNd, scatterND, zerosLike } from '@tensorflow/tfjs-core';

/**
 * Gradient of `tf.gatherND` (missing in tfjs): the incoming gradient scattered back to the
 * gathered positions, summing where an index repeats.
 */
export const gatherNdGradConfig: GradConfig = {
  kernelName: GatherNd,
  inputsToSave: ['params', 'indices'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const [params, indices] = saved;
    return {
      params: () => scatterND(indices, dy as Tensor, params.shape),
      indices: () => zerosLike(indices),
    };
  },
};
