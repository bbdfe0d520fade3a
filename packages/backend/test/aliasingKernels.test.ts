import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, initBackend } from '../src/index';

describe('wasm Identity / Cast share memory safely', () => {
  it('keeps values through clone, same-dtype cast and disposal of the source', async () => {
    await initBackend({ backend: 'wasm' });
    await expectNoLeaks(() => {
      const x = tf.tensor1d([1.5, -2, 3]);
      const c = tf.clone(x);
      const s = tf.cast(x, 'float32');
      const i = tf.cast(x, 'int32');
      x.dispose();
      expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3]);
      expect(Array.from(s.dataSync())).toEqual([1.5, -2, 3]);
      expect(Array.from(i.dataSync())).toEqual([1, -2, 3]);
      expect(i.dtype).toBe('int32');
      tf.dispose([c, s, i]);
    });
  });

  it('leaves a variable unchanged when a clone taken before assign is read after it', async () => {
    await initBackend({ backend: 'wasm' });
    const v = tf.variable(tf.tensor1d([1, 2]));
    const before = tf.clone(v);
    v.assign(tf.tensor1d([5, 6]));
    expect(Array.from(before.dataSync())).toEqual([1, 2]);
    expect(Array.from(v.dataSync())).toEqual([5, 6]);
    tf.dispose([before, v]);
  });
});
