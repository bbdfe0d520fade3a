import { resnetRes5Head } from '@rcnn/backbones';
import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { C4BoxHead, C4MaskHead, FastRcnnPredictor } from '../src/index';
import { randomArray } from './reference';

describe.each(['cpu', 'wasm'])("C4 heads with @rcnn/backbones' res5 on %s", (backend) => {
  it('pools RoI features to a vector and mask logits of the same size, and trains', async () => {
    await initBackend({ backend });
    // ResNet-50's res5 at 1/32 width and one block: 32 → 64 channels, stride 2.
    const res5 = resnetRes5Head({ depth: 50, widthMultiplier: 1 / 32, stageDepths: [1, 1, 1, 1] });
    const rng = new SeededRandom(5);
    const box = new C4BoxHead({ res5 });
    const predictor = new FastRcnnPredictor({ inChannels: box.outFeatures, numClasses: 3, rng });
    const mask = new C4MaskHead({ boxHead: box, numClasses: 3, dimReduced: 8, rng });
    expect(box.outFeatures).toBe(64);
    expect(box.namedTensors()[0].name).toBe('res5.0.conv1.weight');
    const pooled = tf.tensor4d(randomArray(2 * 8 * 8 * 32, 3), [2, 8, 8, 32]);
    await expectNoLeaks(() => {
      const vec = box.apply(pooled);
      const logits = mask.apply(pooled);
      expect(vec.shape).toEqual([2, 64]);
      expect(logits.shape).toEqual([2, 8, 8, 3]);
      const vars = [
        ...box.trainableVariables(),
        ...predictor.trainableVariables(),
        ...mask.trainableVariables(),
      ];
      const { value, grads } = tf.variableGrads(() => {
        const feats = box.features(pooled, true);
        const p = predictor.apply(tf.mean(feats, [1, 2]) as tf.Tensor2D);
        return tf.addN([
          tf.sum(tf.square(p.classLogits)),
          tf.sum(p.boxDeltas),
          tf.mean(mask.applyToFeatures(feats)),
        ]) as tf.Scalar;
      }, vars);
      expect(Object.keys(grads)).toHaveLength(vars.length);
      expect(Object.values(grads).every((g) => g.dataSync().every(Number.isFinite))).toBe(true);
      tf.dispose([vec, logits, value, ...Object.values(grads)]);
    });
    pooled.dispose();
    mask.dispose();
    predictor.dispose();
    box.dispose();
  });
});
