import type { GradConfig, NamedAttrMap, Tensor, Tensor1D } from '@tensorflow/tfjs-core';
import { engine, range, reshape, StridedSlice, unsortedSegmentSum } from '@tensorflow/tfjs-core';

/**
 * Gradient of `tf.stridedSlice` (missing in tfjs), for every mask and stride: the same slice is
 * taken of a tensor holding each element's flat index, which says where each output element came
 * from; the gradient is summed back there.
 */
export const stridedSliceGradConfig: GradConfig = {
  kernelName: StridedSlice,
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved;
    return {
      x: () => {
        const positions = reshape(range(0, x.size, 1, 'int32'), x.shape);
        const source = engine().runKernel(StridedSlice, { x: positions }, attrs) as Tensor;
        return reshape(
          unsortedSegmentSum(reshape(dy as Tensor, [-1]), reshape(source, [-1]) as Tensor1D, x.size),
          x.shape,
        );
      },
    };
  },
};
