import * as tf from '@tensorflow/tfjs-core';
import { InputError, ShapeError } from '../errors';

/**
 * Boxes handed to the typed-array primitives (NMS, matching, anchors): a tfjs tensor `[N,4]`, a
 * flat `Float32Array`/`Float64Array` of length `4N` (row-major), or an array of `[x1,y1,x2,y2]`
 * rows.
 */
export type BoxesInput = tf.Tensor | Float32Array | Float64Array | ArrayLike<ArrayLike<number>>;

/** Per-box values (scores, class ids, labels): a tensor `[N]`, a typed array or a number array. */
export type ValuesInput = tf.Tensor | Float32Array | Float64Array | Int32Array | ArrayLike<number>;

/**
 * Read boxes into a flat float32 array `[N*4]`, checking the shape. Values are rounded to float32
 * because every box computation follows torchvision's float32 arithmetic.
 *
 * @param name the argument's name, used in error messages.
 */
export function readBoxes(name: string, boxes: BoxesInput, width = 4): Float32Array {
  if (boxes instanceof tf.Tensor) {
    if (boxes.rank !== 2 || boxes.shape[1] !== width) throw new ShapeError(name, [null, width], boxes.shape);
    const data = boxes.dataSync();
    return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  }
  if (boxes instanceof Float32Array || boxes instanceof Float64Array) {
    if (boxes.length % width !== 0) {
      throw new ShapeError(
        name,
        [null, width],
        [boxes.length],
        `flat array length must be a multiple of ${width}`,
      );
    }
    return boxes instanceof Float32Array ? boxes : Float32Array.from(boxes);
  }
  const n = boxes.length;
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const row = boxes[i];
    if (row == null || row.length !== width)
      throw new ShapeError(name, [null, width], [n, row?.length ?? 0], `row ${i}`);
    for (let k = 0; k < width; k++) out[i * width + k] = row[k];
  }
  return out;
}

/**
 * Read a vector of `n` values (or any length when `n` is omitted), checking its shape. Floats are
 * returned as a `Float32Array` unless `asInt` is set.
 */
export function readValues(name: string, values: ValuesInput, n?: number): Float32Array;
export function readValues(name: string, values: ValuesInput, n: number | undefined, asInt: true): Int32Array;
export function readValues(
  name: string,
  values: ValuesInput,
  n?: number,
  asInt = false,
): Float32Array | Int32Array {
  let data: ArrayLike<number>;
  if (values instanceof tf.Tensor) {
    if (values.rank !== 1) throw new ShapeError(name, [n ?? null], values.shape);
    data = values.dataSync() as ArrayLike<number>;
  } else {
    data = values;
  }
  if (n != null && data.length !== n) {
    throw new ShapeError(name, [n], [data.length], 'one value per box');
  }
  if (asInt) {
    if (data instanceof Int32Array) return data;
    const out = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!Number.isInteger(v)) throw new InputError(name, `value ${i} is ${v}, expected an integer`);
      out[i] = v;
    }
    return out;
  }
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

/**
 * Throw an {@link InputError} naming `name` if any value is NaN (or infinite, unless
 * `allowInfinite`). `width` is the row length used to report the offending row.
 */
export function assertFinite(name: string, data: ArrayLike<number>, width = 4, allowInfinite = false): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v) || (!allowInfinite && !Number.isFinite(v))) {
      const where = width === 1 ? `index ${i}` : `row ${Math.floor(i / width)}, column ${i % width}`;
      throw new InputError(name, `value at ${where} is ${v}`);
    }
  }
}

/** Check that a tensor is `[N,4]` boxes, naming it in the error. */
export function assertBoxTensor(name: string, boxes: tf.Tensor): asserts boxes is tf.Tensor2D {
  if (!(boxes instanceof tf.Tensor)) throw new InputError(name, 'expected a tfjs tensor');
  if (boxes.rank !== 2 || boxes.shape[1] !== 4) throw new ShapeError(name, [null, 4], boxes.shape);
}
