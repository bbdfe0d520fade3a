import { describe, expect, it } from 'vitest';
import { expectNoLeaks, initBackend } from '../src/index';
import { DataParallel } from '../src/workers';
import { maxAbs, maxAbsDiff, randomValues } from './helpers/reference';
import { type ImageShard, imageShape, shardGradients, weightShapes } from './workers/gradientJob';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe('DataParallel', () => {
  it('averages shard gradients from two workers into the full-batch gradient, step after step', async () => {
    const batch = 4;
    const images = Float32Array.from(randomValues(batch * size(imageShape), 41));
    const targets = Float32Array.from(randomValues(batch * 3 * 4 * 2, 42));
    const shard = (from: number, to: number): ImageShard => ({
      images: images.slice(from * size(imageShape), to * size(imageShape)),
      targets: targets.slice(from * 24, to * 24),
      count: to - from,
    });
    let weights = weightShapes.map((s, i) => Float32Array.from(randomValues(size(s), 43 + i)));
    const parallel = await DataParallel.start<ImageShard>(
      new URL('./workers/gradientJob.ts', import.meta.url),
      {
        size: 2,
        preload: ['tsx/esm/api'],
      },
    );
    try {
      await initBackend({ backend: 'wasm' });
      for (let step = 0; step < 2; step++) {
        const result = await parallel.step(weights, [shard(0, 2), shard(2, 4)]);
        const full = await expectNoLeaks(() => shardGradients(weights, shard(0, 4)));
        expect(result.loss).toBeCloseTo(full.loss, 5);
        for (let i = 0; i < weights.length; i++) {
          expect(maxAbsDiff(result.grads[i], full.grads[i])).toBeLessThan(
            1e-5 * Math.max(1, maxAbs(full.grads[i])),
          );
        }
        weights = weights.map((w, i) => w.map((v, k) => v - 0.1 * result.grads[i][k]));
      }
    } finally {
      await parallel.close();
    }
  });
});
