import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

/** The wasm backend keeps tensors in its heap; these two methods give zero-copy access to them. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function isHeapBackend(backend: KernelBackend): backend is KernelBackend & HeapBackend {
  const b = backend as Partial<HeapBackend>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function';
}

/** A float32 output being filled by a kernel: write into `values`, then hand `finish()` to tfjs. */
export interface Float32Output {
  values: Float32Array;
  finish(): TensorInfo;
}

/**
 * Allocate a float32 output, zero-filled when `zero` is set (gradients accumulate into it). On wasm it lives in the heap (no copy on return); on
 * other backends it is a fresh array given to `backend.write`. Allocate every output before
 * taking views of the inputs: growing the wasm heap detaches earlier views.
 */
export function allocateFloat32(backend: KernelBackend, shape: number[], zero: boolean): Float32Output {
  if (isHeapBackend(backend)) {
    const info = backend.makeOutput(shape, 'float32');
    if (zero) (backend.typedArrayFromHeap(info) as Float32Array).fill(0);
    return {
      get values() {
        return backend.typedArrayFromHeap(info) as Float32Array;
      },
      finish: () => info,
    } as Float32Output;
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  return {
    values,
    finish: () => ({ dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' }),
  };
}

/** Zero-copy view of a float32 tensor's values where the backend allows it (cpu, wasm). */
export function float32View(backend: KernelBackend, info: TensorInfo): Float32Array {
  if (isHeapBackend(backend)) return backend.typedArrayFromHeap(info) as Float32Array;
  const v = backend.readSync(info.dataId);
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

/** A copy of a numeric tensor's values as float64 (used for the small `[R,5]` RoI table). */
export function readNumbers(backend: KernelBackend, info: TensorInfo): Float64Array {
  const v = backend.readSync(info.dataId);
  return Float64Array.from(v as ArrayLike<number>);
}
