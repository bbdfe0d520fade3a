import { initBackend } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { multiLevelRoiPool, registerRoiOps, roiAlign, roiPool, roiWarp } from '../src/index';
import { refLevels, refRoiAlign, refRoiPool, refRoiWarp } from './helpers/referenceOps';
import { maxAbsDiff, randomFeatures, randomRois } from './helpers/testData';

const SHAPE: [number, number, number, number] = [2, 9, 11, 5];
const TOL = 1e-5;

type Agg = 'avg' | 'max';
const alignCases: Array<[string, boolean, Agg, number, [number, number], number]> = [];
for (const aggregation of ['avg', 'max'] as const) {
  for (const aligned of [false, true]) {
    alignCases.push(['scale 1, 7x7, adaptive', aligned, aggregation, 1, [7, 7], -1]);
    alignCases.push(['scale 1/4, 3x5, ratio 2', aligned, aggregation, 0.25, [3, 5], 2]);
    alignCases.push(['scale 1/16, 4x4, ratio 1', aligned, aggregation, 1 / 16, [4, 4], 1]);
  }
}

describe.each(['cpu', 'wasm'])('float64 plain-loop references on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
    registerRoiOps();
  });

  function run(
    op: (f: tf.Tensor4D, r: tf.Tensor2D) => tf.Tensor,
    scale: number,
    seed: number,
  ): { got: Float32Array; f: Float64Array; rois: Float64Array } {
    const f = randomFeatures(SHAPE, seed);
    const rois = randomRois(16, SHAPE[1], SHAPE[2], scale, SHAPE[0], seed + 1);
    const got = tf.tidy(() =>
      op(tf.tensor4d(Float32Array.from(f), SHAPE), tf.tensor2d(Float32Array.from(rois), [16, 5])),
    );
    const values = got.dataSync() as Float32Array;
    got.dispose();
    return { got: values, f, rois };
  }

  it.each(alignCases)(
    'roiAlign %s, aligned=%s, %s',
    (_, aligned, aggregation, scale, outputSize, samplingRatio) => {
      const o = { outputSize, spatialScale: scale, samplingRatio, aligned, aggregation };
      const { got, f, rois } = run((x, r) => roiAlign(x, r, o), scale, 11);
      expect(maxAbsDiff(got, refRoiAlign({ data: f, shape: SHAPE }, rois, o))).toBeLessThan(TOL);
    },
  );

  it.each([
    ['avg', 1, -1],
    ['max', 1, -1],
    ['avg', 0.25, 2],
    ['max', 0.25, 2],
    ['max', 1 / 16, 3],
  ] as const)('roiWarp %s at scale %s, ratio %s', (aggregation, scale, samplingRatio) => {
    const o = { outputSize: [6, 4] as [number, number], spatialScale: scale, samplingRatio, aggregation };
    const { got, f, rois } = run((x, r) => roiWarp(x, r, o), scale, 21);
    expect(maxAbsDiff(got, refRoiWarp({ data: f, shape: SHAPE }, rois, o))).toBeLessThan(TOL);
  });

  it('roiWarp is aligned roiAlign on the RoIPool-quantised box', () => {
    const scale = 0.25;
    const o = { outputSize: [5, 5] as [number, number], spatialScale: scale, samplingRatio: 2 };
    const { got, f, rois } = run((x, r) => roiWarp(x, r, o), scale, 31);
    const round = (v: number) => Math.sign(v) * Math.round(Math.abs(v));
    const quantised = rois.map((v, i) => {
      if (i % 5 === 0) return v;
      const q = round(v * scale);
      return i % 5 >= 3 ? Math.max(q + 1, round(rois[i - 2] * scale) + 1) : q;
    });
    const viaAlign = tf.tidy(() =>
      roiAlign(tf.tensor4d(Float32Array.from(f), SHAPE), tf.tensor2d(Float32Array.from(quantised), [16, 5]), {
        ...o,
        spatialScale: 1,
        aligned: true,
      }).dataSync(),
    );
    expect(maxAbsDiff(got, viaAlign)).toBeLessThan(1e-6);
  });

  it.each([
    [1, [7, 7]],
    [0.25, [2, 3]],
    [1 / 16, [14, 14]],
  ] as const)('roiPool at scale %s, output %j', (scale, size) => {
    const o = { outputSize: [size[0], size[1]] as [number, number], spatialScale: scale };
    const { got, f, rois } = run((x, r) => roiPool(x, r, o), scale, 41);
    expect(maxAbsDiff(got, refRoiPool({ data: f, shape: SHAPE }, rois, o))).toBeLessThan(TOL);
  });

  it.each([
    ['align', 'avg'],
    ['align', 'max'],
    ['warp', 'max'],
    ['pool', 'max'],
  ] as const)(
    'multiLevelRoiPool with %s/%s matches per-level references in input order',
    (kind, aggregation) => {
      const strides = [4, 8, 16];
      const shapes = strides.map((s) => [2, 64 / s, 96 / s, 3] as [number, number, number, number]);
      const fs = shapes.map((s, i) => randomFeatures(s, 50 + i));
      const rand = randomRois(40, 64, 96, 1, 2, 60).map((v, i) => (i % 5 === 0 ? v : v * 4));
      const op =
        kind === 'pool'
          ? { kind }
          : kind === 'warp'
            ? { kind, aggregation, samplingRatio: 2 }
            : { kind, aggregation, samplingRatio: -1 };
      const got = tf.tidy(() =>
        multiLevelRoiPool(
          fs.map((f, i) => tf.tensor4d(Float32Array.from(f), shapes[i])),
          tf.tensor2d(Float32Array.from(rand), [40, 5]),
          { outputSize: 4, strides, op },
        ).dataSync(),
      );
      const levels = refLevels(rand, 2, 4);
      expect(new Set(levels).size).toBe(3);
      const per = 4 * 4 * 3;
      levels.forEach((l, r) => {
        const row = rand.subarray(r * 5, r * 5 + 5);
        const o = { outputSize: [4, 4] as [number, number], spatialScale: 1 / strides[l], samplingRatio: -1 };
        const feat = { data: fs[l], shape: shapes[l] };
        const ref =
          kind === 'pool'
            ? refRoiPool(feat, row, o)
            : kind === 'warp'
              ? refRoiWarp(feat, row, { ...o, samplingRatio: 2, aggregation })
              : refRoiAlign(feat, row, { ...o, aggregation });
        expect(maxAbsDiff(got.subarray(r * per, (r + 1) * per), ref)).toBeLessThan(TOL);
      });
    },
  );
});
