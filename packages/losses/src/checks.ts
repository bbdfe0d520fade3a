import { ConfigError, InputError, type ShapeDim, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Reduction } from './reduction';

/** Integer labels or indices: a 1-D tensor, a typed array or a plain array. */
export type IndexInput = tf.Tensor1D | Int32Array | readonly number[];

/** Throw a {@link ShapeError} naming `name` unless `t` has `shape` (`null` = any size). */
export function expectShape(name: string, t: tf.Tensor, shape: readonly ShapeDim[]): void {
  const ok = t.rank === shape.length && shape.every((d, i) => d == null || d === t.shape[i]);
  if (!ok) throw new ShapeError(name, shape, t.shape);
}

/** Throw unless `t` is a float tensor (losses are differentiated, so int inputs are a mistake). */
export function expectFloat(name: string, t: tf.Tensor): void {
  if (t.dtype !== 'float32') throw new InputError(name, `expected a float32 tensor, got ${t.dtype}`);
}

/**
 * Read integer labels or indices into an `Int32Array` (they are bookkeeping, never
 * differentiated), checking the length and that every value is an integer in `[min, max)`.
 */
export function readIndices(
  name: string,
  input: IndexInput,
  length: number | null,
  min: number,
  max: number,
): Int32Array {
  let values: ArrayLike<number>;
  if (input instanceof tf.Tensor) {
    if (input.rank !== 1) throw new ShapeError(name, [length], input.shape);
    values = input.dataSync();
  } else {
    values = input;
  }
  if (length != null && values.length !== length) {
    throw new ShapeError(name, [length], [values.length]);
  }
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < min || v >= max) {
      throw new InputError(name, `value ${v} at index ${i} is not an integer in [${min}, ${max})`);
    }
    out[i] = v;
  }
  return out;
}

/** Check a `reduction` option. */
export function checkReduction(reduction: Reduction): void {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ConfigError('reduction', `expected 'mean', 'sum' or 'none', got ${String(reduction)}`);
  }
}

/** Check a `beta` option of smooth-L1. */
export function checkBeta(beta: number): void {
  if (!Number.isFinite(beta) || beta < 0) {
    throw new ConfigError('beta', `expected a finite number >= 0, got ${beta}`);
  }
}

/** Check that `pred` and `target` are float tensors of one shape. */
export function expectSameShape(
  pred: tf.Tensor,
  target: tf.Tensor,
  predName = 'pred',
  targetName = 'target',
): void {
  expectFloat(predName, pred);
  expectFloat(targetName, target);
  if (pred.shape.length !== target.shape.length || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(targetName, pred.shape, target.shape, `must match ${predName}`);
  }
}
