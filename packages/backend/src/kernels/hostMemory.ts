import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';

/** The part of the wasm backend's API that lets JS read and write tensors on its heap in place. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: ArrayLike<number>): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Backends that create outputs from JS values (cpu and most others). */
interface ValuesBackend {
  makeTensorInfo(shape: number[], dtype: DataType, values: Float32Array | Int32Array): TensorInfo;
}

function isHeapBackend(backend: unknown): backend is HeapBackend {
  const b = backend as Partial<HeapBackend>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function';
}

/**
 * Read a tensor's values for a JS loop. On wasm this is a view of the heap (no copy), valid only
 * until the next heap allocation: take views after every allocation a kernel makes. On cpu it is
 * the backend's own array; elsewhere it is a copy. Never write through it.
 */
export function readValues(backend: KernelBackend, info: TensorInfo): Float32Array | Int32Array | Uint8Array {
  if (isHeapBackend(backend)) return backend.typedArrayFromHeap(info);
  return backend.readSync(info.dataId) as Float32Array | Int32Array | Uint8Array;
}

/** {@link readValues} for float32 tensors. */
export function readFloat32(backend: KernelBackend, info: TensorInfo): Float32Array {
  return readValues(backend, info) as Float32Array;
}

/**
 * Create a float32 output tensor and let `fill` write its values (zeroed first when `zeroed`).
 * On wasm the values are written straight into the heap; `fill` must take its input views itself
 * (after this allocation), never before.
 */
export function writeFloat32(
  backend: KernelBackend,
  shape: number[],
  fill: (out: Float32Array) => void,
  zeroed = false,
): TensorInfo {
  if (isHeapBackend(backend)) {
    const info = backend.makeOutput(shape, 'float32');
    const out = backend.typedArrayFromHeap(info) as Float32Array;
    if (zeroed) out.fill(0);
    fill(out);
    return info;
  }
  const out = new Float32Array(util.sizeFromShape(shape));
  fill(out);
  return (backend as unknown as ValuesBackend).makeTensorInfo(shape, 'float32', out);
}

/** Create an output tensor holding a copy of `values` (wasm has no `makeTensorInfo`). */
export function tensorInfoFromValues(
  backend: KernelBackend,
  shape: number[],
  dtype: 'float32' | 'int32',
  values: Float32Array | Int32Array,
): TensorInfo {
  if (isHeapBackend(backend)) return backend.makeOutput(shape, dtype, undefined, values);
  return (backend as unknown as ValuesBackend).makeTensorInfo(shape, dtype, values);
}

/** A tensor info that shares `info`'s data under another shape (same element count). */
export function reshapedInfo(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** Release an intermediate tensor a kernel created. */
export function disposeIntermediate(backend: KernelBackend, info: TensorInfo): void {
  backend.disposeData(info.dataId);
}
