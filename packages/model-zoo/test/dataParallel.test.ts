import { SeededRandom } from '@rcnn/core';
import { type DetectionRecord, syntheticRecord } from '@rcnn/data';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildDetector, DataParallelGradients, initDetectorBackend, Trainer } from '../src/index';
import { tinyMaskRcnnConfig } from './helpers/tinyDetector';

const records: DetectionRecord[] = [0, 1].map((i) =>
  syntheticRecord(i, { width: 128, height: 128, maxObjects: 4, seed: 11 }),
);

describe('DataParallelGradients (worker threads, wasm)', () => {
  it('gives in-process gradients for the same shard and seed, and trains with the Trainer', async () => {
    await initDetectorBackend({ backend: 'wasm' });
    const config = tinyMaskRcnnConfig();
    const model = buildDetector(config);
    const parallel = await DataParallelGradients.start(model, { workers: 2 });
    try {
      const remote = await parallel.compute([records[0]], 17);
      const params = model.namedParameters().filter(([, v]) => v.trainable);
      const terms: Record<string, number> = {};
      const { value, grads } = tf.variableGrads(
        () => {
          const l = model.losses([records[0]], new SeededRandom(17));
          for (const [k, v] of Object.entries(l)) terms[k] = v.dataSync()[0];
          return tf.addN(Object.values(l)) as tf.Scalar;
        },
        params.map(([, v]) => v),
      );
      for (const [k, v] of Object.entries(terms)) expect(remote.losses[k]).toBeCloseTo(v, 5);
      let worst = 0;
      for (const [name, v] of params) {
        const local = grads[v.name].dataSync();
        const r = remote.grads.get(name) as Float32Array;
        for (let i = 0; i < local.length; i++) worst = Math.max(worst, Math.abs(local[i] - r[i]));
      }
      expect(worst).toBeLessThan(1e-5);
      tf.dispose([value, ...Object.values(grads)]);

      let position = 0;
      const before = model.roiHeads.boxPredictor.clsScore.weight.dataSync().slice();
      const trainer = new Trainer<DetectionRecord[]>({
        model,
        createSource: () => ({
          state: { position },
          next: async () => [records[position++ % 2], records[position++ % 2]],
        }),
        config,
        schedule: { baseLearningRate: 0.01 },
        maxIterations: 2,
        gradientSource: parallel,
      });
      const result = await trainer.run();
      expect(Object.keys(result.lastLosses)).toContain('lossMask');
      const after = model.roiHeads.boxPredictor.clsScore.weight.dataSync();
      expect(after.some((v, i) => v !== before[i])).toBe(true);
      trainer.dispose();
    } finally {
      await parallel.close();
      model.dispose();
    }
  });
});
