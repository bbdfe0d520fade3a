import { expectNoLeaks, initBackend } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  multiLevelRoiPool,
  type RoiOpConfig,
  RoiTensorError,
  registerRoiOps,
  roiAlign,
  roiPool,
  roiPooler,
  roiWarp,
} from '../src/index';
import { maxAbsDiff, randomFeatures, randomRois } from './helpers/testData';

const STRIDES = [4, 8, 16, 32];
const NAMES = ['p2', 'p3', 'p4', 'p5'];

function pyramid(): Record<string, tf.Tensor4D> {
  return Object.fromEntries(
    NAMES.map((n, i) => {
      const shape: [number, number, number, number] = [2, 256 / STRIDES[i], 320 / STRIDES[i], 3];
      return [n, tf.tensor4d(Float32Array.from(randomFeatures(shape, 100 + i)), shape)];
    }),
  );
}

describe.each(['cpu', 'wasm'])('roiPooler on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
    registerRoiOps();
  });

  it.each([
    [{ kind: 'align', samplingRatio: 2 }],
    [{ kind: 'warp', aggregation: 'max' }],
    [{ kind: 'pool' }],
  ] as Array<[RoiOpConfig]>)('multi-level %j: RoIs come back in input order, without leaks', async (op) => {
    const features = pyramid();
    const table = randomRois(30, 256, 320, 1, 2, 7).map((v, i) => (i % 5 === 0 ? v : v * 2));
    const rois = tf.tensor2d(Float32Array.from(table), [30, 5]);
    const order = Array.from({ length: 30 }, (_, i) => (i * 7) % 30);
    const shuffled = tf.tensor2d(
      Float32Array.from(order.flatMap((r) => Array.from(table.subarray(r * 5, r * 5 + 5)))),
      [30, 5],
    );
    const pooler = roiPooler({ featureNames: NAMES, strides: STRIDES, outputSize: 5, op });
    expect(pooler.outputSize).toEqual([5, 5]);
    await expectNoLeaks(() => {
      const a = pooler.apply(features, rois);
      const b = pooler.apply(features, shuffled);
      const direct = multiLevelRoiPool(
        NAMES.map((n) => features[n]),
        rois,
        { outputSize: 5, strides: STRIDES, op },
      );
      expect(a.shape).toEqual([30, 5, 5, 3]);
      expect(maxAbsDiff(a.dataSync(), direct.dataSync())).toBe(0);
      const av = a.dataSync();
      const bv = b.dataSync();
      const per = 5 * 5 * 3;
      order.forEach((r, i) => {
        expect(maxAbsDiff(bv.subarray(i * per, (i + 1) * per), av.subarray(r * per, (r + 1) * per))).toBe(0);
      });
      tf.dispose([a, b, direct]);
    }, 'multi-level pooler');
    tf.dispose([...Object.values(features), rois, shuffled]);
  });

  it('a single feature map runs the op itself', async () => {
    const features = pyramid();
    const rois = tf.tensor2d(Float32Array.from(randomRois(12, 16, 20, 1 / 16, 2, 3)), [12, 5]);
    const base = { featureNames: ['p4'], strides: [16], outputSize: [7, 5] as [number, number] };
    await expectNoLeaks(() => {
      const pairs: Array<[tf.Tensor, tf.Tensor]> = [
        [
          roiPooler({ ...base, op: { kind: 'align', aligned: true } }).apply(features, rois),
          roiAlign(features.p4, rois, { outputSize: [7, 5], spatialScale: 1 / 16, aligned: true }),
        ],
        [
          roiPooler({ ...base, op: { kind: 'warp', aggregation: 'max' } }).apply(features, rois),
          roiWarp(features.p4, rois, { outputSize: [7, 5], spatialScale: 1 / 16, aggregation: 'max' }),
        ],
        [
          roiPooler({ ...base, op: { kind: 'pool' } }).apply(features, rois),
          roiPool(features.p4, rois, { outputSize: [7, 5], spatialScale: 1 / 16 }),
        ],
      ];
      for (const [a, b] of pairs) expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
      tf.dispose(pairs.flat());
    }, 'single-level pooler');
    tf.dispose([...Object.values(features), rois]);
  });

  it('names a missing feature map', () => {
    const pooler = roiPooler({ featureNames: ['res4'], strides: [16], outputSize: 7, op: { kind: 'pool' } });
    const rois = tf.zeros([0, 5]) as tf.Tensor2D;
    expect(() => pooler.apply({}, rois)).toThrow(RoiTensorError);
    expect(() => pooler.apply({}, rois)).toThrow(/features\.res4: missing/);
    rois.dispose();
  });
});
