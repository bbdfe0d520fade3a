import { initBackend } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  multiLevelRoiPool,
  RoiAlignKernel,
  RoiCoordinateError,
  RoiKernelNotRegisteredError,
  RoiOptionError,
  RoiTensorError,
  registerRoiOps,
  roiAlign,
  roiPool,
  roiWarp,
} from '../src/index';

const opts = { outputSize: 2, spatialScale: 1 };

describe.each(['cpu', 'wasm'])('bad input on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
    registerRoiOps();
  });

  const features = () => tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;

  it.each([
    [NaN, 2, /rois\[1\]\.y1 = NaN/],
    [Infinity, 3, /rois\[1\]\.x2 = Infinity/],
    [-Infinity, 1, /rois\[1\]\.x1 = -Infinity/],
  ])('a %s coordinate raises RoiCoordinateError naming the row and column', (bad, column, message) => {
    for (const op of [roiAlign, roiPool, roiWarp]) {
      const f = features();
      const row = [1, 0, 0, 2, 2];
      row[column] = bad;
      const rois = tf.tensor2d([[0, 0, 0, 1, 1], row]);
      const before = tf.memory().numTensors;
      expect(() => op(f, rois, opts)).toThrow(RoiCoordinateError);
      expect(() => op(f, rois, opts)).toThrow(message);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([f, rois]);
    }
  });

  it('checks batch indices against the feature batch', () => {
    const f = features();
    for (const b of [2, -1, 0.5]) {
      const rois = tf.tensor2d([[b, 0, 0, 1, 1]]);
      expect(() => roiAlign(f, rois, opts)).toThrow(RoiCoordinateError);
      expect(() => roiAlign(f, rois, opts)).toThrow(/rois\[0\]\.batchIndex.*\[0, 2\)/);
      rois.dispose();
    }
    f.dispose();
  });

  it('names the tensor with the wrong shape or dtype', () => {
    const f = features();
    const rois = tf.tensor2d([[0, 0, 0, 1, 1]]);
    const r4 = tf.tensor2d([[0, 0, 1, 1]]);
    const f3 = tf.zeros([4, 4, 1]);
    const fi = tf.zeros([1, 4, 4, 1], 'int32');
    expect(() => roiAlign(f3 as unknown as tf.Tensor4D, rois, opts)).toThrow(RoiTensorError);
    expect(() => roiAlign(f3 as unknown as tf.Tensor4D, rois, opts)).toThrow(/features: expected rank 4/);
    expect(() => roiPool(fi as tf.Tensor4D, rois, opts)).toThrow(/features: expected dtype float32/);
    expect(() => roiWarp(f, r4, opts)).toThrow(/rois: expected shape \[R,5\]/);
    expect(() =>
      multiLevelRoiPool([f, f3 as tf.Tensor4D], rois, { ...opts, strides: [4, 8], op: { kind: 'pool' } }),
    ).toThrow(/features\[1\]/);
    tf.dispose([f, rois, r4, f3, fi]);
  });

  it('names the bad option', () => {
    const f = features();
    const rois = tf.tensor2d([[0, 0, 0, 1, 1]]);
    const cases: Array<[() => unknown, RegExp]> = [
      [() => roiAlign(f, rois, { ...opts, outputSize: 0 }), /'outputSize'/],
      [() => roiAlign(f, rois, { ...opts, outputSize: [2, 1.5] }), /'outputSize'/],
      [() => roiPool(f, rois, { ...opts, spatialScale: 0 }), /'spatialScale'/],
      [() => roiPool(f, rois, { ...opts, spatialScale: NaN }), /'spatialScale'/],
      [() => roiAlign(f, rois, { ...opts, samplingRatio: 1.5 }), /'samplingRatio'/],
      [() => roiWarp(f, rois, { ...opts, aggregation: 'sum' as 'avg' }), /'aggregation'/],
      [
        () => multiLevelRoiPool([f, f], rois, { outputSize: 2, strides: [4], op: { kind: 'align' } }),
        /'strides'/,
      ],
      [
        () => multiLevelRoiPool([f, f], rois, { outputSize: 2, strides: [4, 16], op: { kind: 'align' } }),
        /'strides'/,
      ],
      [
        () =>
          multiLevelRoiPool([f], rois, { outputSize: 2, strides: [4], op: { kind: 'bilinear' as 'pool' } }),
        /'op.kind'/,
      ],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(RoiOptionError);
      expect(fn).toThrow(message);
    }
    tf.dispose([f, rois]);
  });

  it('says to call registerRoiOps when the kernel is missing; registering again restores it', () => {
    const f = features();
    const rois = tf.tensor2d([[0, 0, 0, 1, 1]]);
    tf.unregisterKernel(RoiAlignKernel, backend);
    expect(() => roiAlign(f, rois, opts)).toThrow(RoiKernelNotRegisteredError);
    expect(() => roiAlign(f, rois, opts)).toThrow(/registerRoiOps\(\)/);
    registerRoiOps();
    registerRoiOps();
    const out = roiAlign(f, rois, opts);
    expect(out.shape).toEqual([1, 2, 2, 1]);
    tf.dispose([f, rois, out]);
  });
});
