import type { GradConfig, NamedAttrMap, Tensor, Tensor1D } from '@tensorflow/tfjs-core';
import { cast, engine, range, reshape, StridedSlice, unsortedSegmentSum } from '@tensorflow/tfjs-core';

/**
 * Gradient of `tf.stridedSlice` (missing in tfjs), for every mask and stride: the same slice is
 * taken of a tensor holding each element's flat index, which says where each output element came
 * from; the gradient is summed back there. Exact for tensors of fewer than 2^24 elements.
 */
export const stridedSliceGradConfig: GradConfig = {
  kernelName: StridedSlice,
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved;
    return {
      x: () => {
        if (x.size >= 2 ** 24) {
          throw new RangeError(
            `stridedSlice gradient: 'x' has ${x.size} elements; at most 2^24 are supported`,
          );
        }
        const positions = reshape(range(0, x.size, 1, 'float32'), x.shape);
        // Float positions: wasm's StridedSlice mislabels int32 input as float32. Exact below 2^24 elements.
        const source = cast(engine().runKernel(StridedSlice, { x: positions }, attrs) as Tensor, 'int32');
        return reshape(
          unsortedSegmentSum(reshape(dy as Tensor, [-1]), reshape(source, [-1]) as Tensor1D, x.size),
          x.shape,
        );
      },
    };
  },
};
