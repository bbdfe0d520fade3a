import type { GradConfig, Tensor, Tensor1D } from '@tensorflow/tfjs-core';
import { add, expandDims, mul, range, reshape, scalar, unsortedSegmentSum } from '@tensorflow/tfjs-core';

/**
 * Gradient of `tf.topk` (missing in tfjs) w.r.t. `x`: each selected value's gradient goes back to
 * the position it was taken from along the last axis. Uses UnsortedSegmentSum (registered for wasm
 * by this package).
 */
export const topKGradConfig: GradConfig = {
  kernelName: 'TopK',
  inputsToSave: ['x'],
  outputsToSave: [false, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const [x, indices] = saved;
    const dValues = (dy as Tensor[])[0];
    return {
      x: () => {
        const n = x.shape[x.rank - 1];
        const k = indices.shape[indices.rank - 1];
        const rows = x.size / n;
        const rowStart = expandDims(mul(range(0, rows, 1, 'int32'), scalar(n, 'int32')), 1);
        const flat = reshape(add(reshape(indices, [rows, k]), rowStart), [-1]) as Tensor1D;
        return reshape(unsortedSegmentSum(reshape(dValues, [-1]), flat, x.size), x.shape);
      },
    };
  },
};
