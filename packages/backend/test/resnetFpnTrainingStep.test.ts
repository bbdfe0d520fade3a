import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, initBackend } from '../src/index';
import { fpnLoss, resnetFpnFromOps } from './helpers/resnetFpnFromOps';

describe('ResNet-50 + FPN training step on wasm', () => {
  it('computes every gradient under tf.variableGrads, applies an SGD step and leaks nothing', async () => {
    await initBackend({ backend: 'wasm' });
    await expectNoLeaks(() => {
      const model = resnetFpnFromOps({ seed: 3 });
      // 53 ResNet-50 convs, 8 FPN convs with a bias each.
      expect(model.variables.length).toBe(53 + 8 * 2);
      const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
      const losses: number[] = [];
      for (let step = 0; step < 2; step++) {
        const { value, grads } = tf.variableGrads(() => fpnLoss(model.apply(x)), model.variables);
        losses.push(value.dataSync()[0]);
        let nonZero = 0;
        for (const v of model.variables) {
          const g = grads[v.name];
          expect(g.shape).toEqual(v.shape);
          const values = g.dataSync();
          expect(values.every(Number.isFinite)).toBe(true);
          if (values.some((a) => a !== 0)) nonZero++;
        }
        expect(nonZero).toBe(model.variables.length);
        tf.tidy(() => {
          for (const v of model.variables) v.assign(tf.sub(v, tf.mul(grads[v.name], 1e-5)));
        });
        tf.dispose([value, ...Object.values(grads)]);
      }
      // Descending the gradient of a mean-square loss must lower it.
      expect(losses[1]).toBeLessThan(losses[0]);
      tf.dispose(x);
      model.dispose();
    }, 'ResNet-50-FPN training step');
  });
});
