import { readFileSync } from 'node:fs';
import { initBackend } from '@rcnn/backend';
import type * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** The backends every op is tested on: `cpu` (the reference) and `wasm` (the default in Node). */
export const BACKENDS = ['cpu', 'wasm'] as const;

export async function useBackend(name: string): Promise<void> {
  await initBackend({ backend: name });
}

/** Parse a fixture written by tools/reference/core_*.py. */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Flatten nested number arrays; `null` (NaN/inf in the fixture) becomes NaN. */
export function flat(x: unknown): number[] {
  if (x == null) return [Number.NaN];
  if (typeof x === 'number') return [x];
  return (x as unknown[]).flatMap(flat);
}

/** Max |a - b| over two equally long arrays; NaN must match NaN. */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let m = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      expect([i, a]).toEqual([i, e]);
      continue;
    }
    m = Math.max(m, Math.abs(a - e));
  }
  return m;
}

/** Expect |a - e| <= atol + rtol·|e| element-wise (NaN must match NaN). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 0) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      expect(a, `index ${i}`).toBeNaN();
      continue;
    }
    if (Math.abs(a - e) > atol + rtol * Math.abs(e)) {
      expect.fail(`index ${i}: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** Read a tensor's values and dispose it. */
export function take(t: tf.Tensor): Float32Array {
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return Float32Array.from(v);
}

/**
 * Central finite-difference gradient of `f` (a float64 reference) at `x`, with respect to each
 * input element, for a scalar objective.
 */
export function finiteDifference(f: (x: Float64Array) => number, x: Float64Array, eps = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + eps;
    const up = f(x);
    x[i] = saved - eps;
    const down = f(x);
    x[i] = saved;
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}
