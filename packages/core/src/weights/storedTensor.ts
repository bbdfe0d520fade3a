import { InputError } from '../errors';

/**
 * Element types found in safetensors files and PyTorch checkpoints (safetensors' spelling).
 * `BOOL` is one byte per element.
 */
export type WeightDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Typed array holding a {@link StoredTensor}'s elements (`F16`/`BF16` keep their raw bits). */
export type StoredData =
  | Float64Array
  | Float32Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/**
 * A tensor as stored in a weights file: dtype, shape in the file's own (PyTorch, row-major)
 * layout, and its elements. `data` is usually a view into the file's bytes, not a copy, so it
 * stays valid only while those bytes do.
 */
export interface StoredTensor {
  readonly dtype: WeightDType;
  readonly shape: readonly number[];
  readonly data: StoredData;
}

/** A state dict: tensors by dotted name, in file order. */
export type StateDict = Map<string, StoredTensor>;

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<WeightDType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Number of elements of a shape (1 for a scalar). */
export function numElements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * View `byteLength` bytes of `bytes` at `byteOffset` as a typed array of `dtype` without copying
 * when the offset is aligned to the element size; otherwise copy (typed arrays need alignment).
 */
export function viewAs(dtype: WeightDType, bytes: Uint8Array, byteOffset: number, count: number): StoredData {
  const size = DTYPE_BYTES[dtype];
  const abs = bytes.byteOffset + byteOffset;
  let buffer: ArrayBufferLike = bytes.buffer;
  let start = abs;
  if (abs % size !== 0) {
    // (Node's Buffer#slice is a view, so copy explicitly.)
    const copy = new Uint8Array(count * size);
    copy.set(bytes.subarray(byteOffset, byteOffset + count * size));
    buffer = copy.buffer;
    start = 0;
  }
  switch (dtype) {
    case 'F64':
      return new Float64Array(buffer, start, count);
    case 'F32':
      return new Float32Array(buffer, start, count);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buffer, start, count);
    case 'I64':
      return new BigInt64Array(buffer, start, count);
    case 'I32':
      return new Int32Array(buffer, start, count);
    case 'I16':
      return new Int16Array(buffer, start, count);
    case 'I8':
      return new Int8Array(buffer, start, count);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buffer, start, count);
  }
}

/** IEEE half-precision bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * The elements of `t` as float32, converting from any dtype (`F16`/`BF16` decoded, integers
 * converted). Returns `t.data` itself, not a copy, when it already is float32.
 */
export function toFloat32(t: StoredTensor, name = 'tensor'): Float32Array {
  const d = t.data;
  if (t.dtype === 'F32') return d as Float32Array;
  const out = new Float32Array(d.length);
  if (t.dtype === 'F16') {
    for (let i = 0; i < d.length; i++) out[i] = halfToFloat((d as Uint16Array)[i]);
  } else if (t.dtype === 'BF16') {
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < d.length; i++) u[i] = (d as Uint16Array)[i] << 16;
  } else if (t.dtype === 'I64') {
    for (let i = 0; i < d.length; i++) out[i] = Number((d as BigInt64Array)[i]);
  } else if (d instanceof BigInt64Array) {
    throw new InputError(name, 'unexpected 64-bit integer data');
  } else {
    for (let i = 0; i < d.length; i++) out[i] = d[i] as number;
  }
  return out;
}

/** Make a float32 {@link StoredTensor} (a view of `data`, no copy). */
export function float32Tensor(data: Float32Array, shape: readonly number[]): StoredTensor {
  return { dtype: 'F32', shape: [...shape], data };
}
