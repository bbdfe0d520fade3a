import * as tf from '@tensorflow/tfjs-core';

/** Raised by {@link expectNoLeaks} when a function leaves tensors behind. */
export class TensorLeakError extends Error {
  override readonly name = 'TensorLeakError';
  constructor(
    readonly before: number,
    readonly after: number,
    label: string,
  ) {
    super(
      `${label} leaked ${after - before} tensor(s): tf.memory().numTensors went from ${before} to ${after}`,
    );
  }
}

/**
 * Run `fn` (sync or async) and throw a {@link TensorLeakError} unless `tf.memory().numTensors`
 * is the same afterwards. Tensors the function returns must be disposed by `fn` itself; the
 * result is returned so values read from them can still be checked.
 */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>, label = 'function'): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new TensorLeakError(before, after, label);
  return result;
}
