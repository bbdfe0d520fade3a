import type { SeededRandom } from '@rcnn/core';
import { describe, expect, it } from 'vitest';
import {
  type Batch,
  BatchLoader,
  type DetectionRecord,
  type LoaderState,
  type RecordSource,
} from '../src/index';

function fakeRecord(index: number): DetectionRecord {
  return {
    imageId: index + 1,
    image: { width: 1, height: 1, data: Uint8Array.from([index, 0, 0]) },
    boxes: new Float32Array(0),
    classIds: new Int32Array(0),
    isCrowd: new Uint8Array(0),
    areas: new Float32Array(0),
    annotationIds: new Int32Array(0),
    masks: null,
    keypoints: null,
  };
}

const source: RecordSource = { length: 10, get: async (i) => fakeRecord(i) };
/** A transform that records its random draw in the pixel's green channel. */
const tag = (r: DetectionRecord, rng: SeededRandom): DetectionRecord => ({
  ...r,
  image: { ...r.image, data: Uint8Array.from([r.image.data[0], rng.int(0, 256), 0]) },
});
const summary = (b: Batch) => ({
  epoch: b.epoch,
  indices: b.indices,
  green: b.records.map((r) => r.image.data[1]),
});

async function take(loader: BatchLoader, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(summary(await loader.next()));
  return out;
}

describe('BatchLoader', () => {
  it('visits every record once per epoch in a seeded order', async () => {
    const loader = new BatchLoader(source, { batchSize: 4, seed: 3 });
    expect(loader.batchesPerEpoch).toBe(3);
    const batches = await take(loader, 6);
    expect(batches.map((b) => b.epoch)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(batches.map((b) => b.indices.length)).toEqual([4, 4, 2, 4, 4, 2]);
    const epoch0 = batches.slice(0, 3).flatMap((b) => b.indices);
    const epoch1 = batches.slice(3).flatMap((b) => b.indices);
    expect([...epoch0].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...epoch1].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epoch0).not.toEqual(epoch1);
    expect(await take(new BatchLoader(source, { batchSize: 4, seed: 3 }), 6)).toEqual(batches);
    expect(
      (await take(new BatchLoader(source, { batchSize: 4, seed: 4 }), 3)).flatMap((b) => b.indices),
    ).not.toEqual(epoch0);
    const ordered = await take(new BatchLoader(source, { batchSize: 5, shuffle: false }), 2);
    expect(ordered.flatMap((b) => b.indices)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('resumes exactly from a saved (JSON) state, augmentation included', async () => {
    const options = { batchSize: 3, seed: 9, transform: tag };
    const full = await take(new BatchLoader(source, options), 9);
    for (const stop of [0, 1, 3, 4, 7]) {
      const first = new BatchLoader(source, options);
      const head = await take(first, stop);
      const saved = JSON.parse(JSON.stringify(first.state)) as LoaderState;
      const resumed = new BatchLoader(source, { ...options, state: saved });
      expect([...head, ...(await take(resumed, 9 - stop))]).toEqual(full);
    }
    // Augmentation draws differ between samples and between epochs.
    const greens = full.flatMap((b) => b.green);
    expect(new Set(greens).size).toBeGreaterThan(15);
  });

  it('drops the last partial batch when asked and iterates one epoch at a time', async () => {
    const loader = new BatchLoader(source, { batchSize: 4, seed: 1, dropLast: true });
    expect(loader.batchesPerEpoch).toBe(2);
    const epoch0: Batch[] = [];
    for await (const b of loader.epoch()) epoch0.push(b);
    expect(epoch0.map((b) => [b.epoch, b.indices.length])).toEqual([
      [0, 4],
      [0, 4],
    ]);
    expect(loader.state).toEqual({ epoch: 0, position: 8 });
    const epoch1: Batch[] = [];
    for await (const b of loader.epoch()) epoch1.push(b);
    expect(epoch1.map((b) => b.epoch)).toEqual([1, 1]);
  });

  it('rejects bad options and states', () => {
    expect(() => new BatchLoader(source, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new BatchLoader(source, { batchSize: 2, state: { epoch: 0, position: 11 } })).toThrow(
      /state\.position/,
    );
    expect(() => new BatchLoader(source, { batchSize: 2, state: { epoch: -1, position: 0 } })).toThrow(
      /state\.epoch/,
    );
    expect(() => new BatchLoader({ length: 0, get: fakeRecord }, { batchSize: 2 })).toThrow(/empty/);
    expect(() => new BatchLoader(source, { batchSize: 11, dropLast: true })).toThrow(/dropLast/);
  });
});
