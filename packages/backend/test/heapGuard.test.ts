import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { conv2dGrouped, expectNoLeaks, initBackend, WasmHeapExhaustedError } from '../src/index';

// The wasm heap is capped at 4 GiB less 64 KiB (4294901760 bytes): a float32 tensor of
// 4294904000 bytes can never fit, so `_malloc` returns 0 at once without growing the heap.
const TOO_BIG_FOR_HEAP = 1_073_726_000;
// 4.4e9 bytes: 4 GiB or more, which wraps to a small request as a 32-bit `_malloc` argument.
const OVER_4_GIB = 1_100_000_000;

describe('wasm heap exhaustion', () => {
  it('throws WasmHeapExhaustedError instead of writing a tensor over the start of the heap', async () => {
    await initBackend({ backend: 'wasm' });
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const w = tf.tensor4d([1, -1, 0.5, 2], [1, 1, 2, 2]);
    await expectNoLeaks(() => {
      for (const n of [TOO_BIG_FOR_HEAP, OVER_4_GIB]) {
        let caught: unknown;
        try {
          tf.fill([n], 1).dispose(); // Fill writes from C++: no JS copy of the values
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(WasmHeapExhaustedError);
        expect((caught as WasmHeapExhaustedError).bytes).toBe(4 * n);
        expect((caught as Error).message).toMatch(/cannot allocate/);
      }
      // The allocator is intact: allocations, frees and kernels (ours included) still work.
      for (let i = 0; i < 3; i++) {
        const y = conv2dGrouped(x, w, { strides: 1, pad: 'valid', groups: 1 });
        expect(Array.from(y.dataSync())).toEqual([2, 3, 5, 5, 8, 7, 11, 9]);
        y.dispose();
      }
      const big = tf.fill([1 << 22], 2);
      const total = tf.sum(big);
      expect(total.dataSync()[0]).toBe(2 * (1 << 22));
      tf.dispose([big, total]);
    });
    tf.dispose([x, w]);
  });
});
