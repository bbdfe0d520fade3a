import type { KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { UnsortedSegmentSum, util } from '@tensorflow/tfjs-core';
import { readValues, tensorInfoFromValues } from './hostMemory';

/**
 * UnsortedSegmentSum for backends that lack it (wasm): `out[s, ...] = sum of x[i, ...]` over the
 * leading positions `i` whose `segmentIds[i] == s`. `segmentIds` (int32) covers a prefix of x's
 * shape; ids outside `[0, numSegments)` are dropped, as in TensorFlow. Needed by tf.gather's gradient.
 */
export function unsortedSegmentSumKernel(backendName: string): KernelConfig {
  return {
    kernelName: UnsortedSegmentSum,
    backendName,
    kernelFunc: ({ inputs, backend: b, attrs }) => {
      const backend = b as KernelBackend;
      const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const lead = util.sizeFromShape(segmentIds.shape);
      const inner = lead === 0 ? 0 : util.sizeFromShape(x.shape) / lead;
      const tail = x.shape.slice(segmentIds.shape.length);
      const outShape = [numSegments, ...tail];
      const rowSize = util.sizeFromShape(tail);
      const dtype = x.dtype === 'int32' ? 'int32' : 'float32';
      const sum =
        dtype === 'int32' ? new Int32Array(numSegments * rowSize) : new Float32Array(numSegments * rowSize);
      const xs = readValues(backend, x);
      const ids = readValues(backend, segmentIds);
      for (let i = 0; i < lead; i++) {
        const s = ids[i];
        if (s < 0 || s >= numSegments) continue;
        const src = i * inner;
        const dst = s * rowSize;
        for (let j = 0; j < rowSize; j++) sum[dst + j] += xs[src + j];
      }
      return tensorInfoFromValues(backend, outShape, dtype, sum);
    },
  };
}
