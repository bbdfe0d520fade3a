import { expectNoLeaks, initBackend } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { multiLevelRoiPool, registerRoiOps, roiAlign, roiPool, roiWarp } from '../src/index';
import { type RefFeatures, refLevels, refRoiAlign, refRoiPool, refRoiWarp } from './helpers/referenceOps';
import { randomFeatures, randomRois, seededRandom } from './helpers/testData';

const SHAPE: [number, number, number, number] = [2, 7, 8, 3];
const OUT: [number, number] = [3, 4];

interface GradCase {
  name: string;
  op: (f: tf.Tensor4D, r: tf.Tensor2D) => tf.Tensor4D;
  ref: (f: RefFeatures, r: ArrayLike<number>) => Float64Array;
  scale: number;
}

const cases: GradCase[] = [];
for (const aggregation of ['avg', 'max'] as const) {
  for (const aligned of [false, true]) {
    const o = { outputSize: OUT, spatialScale: 0.5, samplingRatio: -1, aligned, aggregation };
    cases.push({
      name: `roiAlign ${aggregation} aligned=${aligned}`,
      op: (f, r) => roiAlign(f, r, o),
      ref: (f, r) => refRoiAlign(f, r, o),
      scale: 0.5,
    });
  }
  const w = { outputSize: OUT, spatialScale: 0.5, samplingRatio: 2, aggregation };
  cases.push({
    name: `roiWarp ${aggregation}`,
    op: (f, r) => roiWarp(f, r, w),
    ref: (f, r) => refRoiWarp(f, r, w),
    scale: 0.5,
  });
}
const p = { outputSize: OUT, spatialScale: 0.5 };
cases.push({
  name: 'roiPool',
  op: (f, r) => roiPool(f, r, p),
  ref: (f, r) => refRoiPool(f, r, p),
  scale: 0.5,
});

/** Σ dy · op(f) through the float64 reference. */
function refLoss(ref: GradCase['ref'], f: Float64Array, rois: Float64Array, dy: Float64Array): number {
  const out = ref({ data: f, shape: SHAPE }, rois);
  let s = 0;
  for (let i = 0; i < out.length; i++) s += out[i] * dy[i];
  return s;
}

describe.each(['cpu', 'wasm'])('gradients on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
    registerRoiOps();
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: matches central finite differences', async (_, c) => {
    const f = randomFeatures(SHAPE, 7);
    const R = 8;
    const rois = randomRois(R, SHAPE[1], SHAPE[2], c.scale, SHAPE[0], 8);
    const dy = randomFeatures([R, OUT[0], OUT[1], SHAPE[3]], 9);
    const grad = await expectNoLeaks(() => {
      const ft = tf.tensor4d(Float32Array.from(f), SHAPE);
      const rt = tf.tensor2d(Float32Array.from(rois), [R, 5]);
      const dyt = tf.tensor4d(Float32Array.from(dy), [R, OUT[0], OUT[1], SHAPE[3]]);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(c.op(x as tf.Tensor4D, rt), dyt)))(ft);
      const values = g.dataSync().slice();
      tf.dispose([ft, rt, dyt, g]);
      return values;
    }, `${c.name} gradient`);
    // Every entry the gradient touches, plus random untouched ones.
    const rand = seededRandom(10);
    const idx = new Set<number>();
    grad.forEach((v, i) => {
      if (v !== 0) idx.add(i);
    });
    while (idx.size < Math.min(grad.length, 60 + idx.size / 2)) idx.add(Math.floor(rand() * grad.length));
    const eps = 1e-4;
    let worst = 0;
    for (const i of idx) {
      const plus = f.slice();
      const minus = f.slice();
      plus[i] += eps;
      minus[i] -= eps;
      const fd = (refLoss(c.ref, plus, rois, dy) - refLoss(c.ref, minus, rois, dy)) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - grad[i]));
    }
    expect(idx.size).toBeGreaterThan(30);
    expect(worst).toBeLessThan(1e-4);
  });

  it('multiLevelRoiPool: every level gets its RoIs’ gradient (finite differences)', async () => {
    const strides = [4, 8];
    const shapes = strides.map((s) => [1, 48 / s, 64 / s, 2] as [number, number, number, number]);
    const fs = shapes.map((s, i) => randomFeatures(s, 70 + i));
    const R = 10;
    const rois = randomRois(R, 48, 64, 1, 1, 80);
    expect(new Set(refLevels(rois, 2, 3, 32)).size).toBe(2);
    const dy = randomFeatures([R, 2, 2, 2], 90);
    const options = {
      outputSize: 2,
      strides,
      canonicalScale: 32,
      op: { kind: 'align' as const, samplingRatio: 2 },
    };
    const grads = await expectNoLeaks(() => {
      const fts = fs.map((f, i) => tf.tensor4d(Float32Array.from(f), shapes[i]));
      const rt = tf.tensor2d(Float32Array.from(rois), [R, 5]);
      const dyt = tf.tensor4d(Float32Array.from(dy), [R, 2, 2, 2]);
      const gs = tf.grads((...x: tf.Tensor[]) =>
        tf.sum(tf.mul(multiLevelRoiPool(x as tf.Tensor4D[], rt, options), dyt)),
      )(fts);
      const values = gs.map((g) => g.dataSync().slice());
      tf.dispose([...fts, rt, dyt, ...gs]);
      return values;
    }, 'multi-level gradient');
    const levels = refLevels(rois, 2, 3, 32);
    const loss = (maps: Float64Array[]) => {
      let s = 0;
      levels.forEach((l, r) => {
        const out = refRoiAlign({ data: maps[l], shape: shapes[l] }, rois.subarray(r * 5, r * 5 + 5), {
          outputSize: [2, 2],
          spatialScale: 1 / strides[l],
          samplingRatio: 2,
        });
        out.forEach((v, k) => {
          s += v * dy[r * 8 + k];
        });
      });
      return s;
    };
    const eps = 1e-4;
    for (let l = 0; l < 2; l++) {
      expect(grads[l].some((v) => v !== 0)).toBe(true);
      for (let i = 0; i < grads[l].length; i += 3) {
        const plus = fs.map((f) => f.slice());
        const minus = fs.map((f) => f.slice());
        plus[l][i] += eps;
        minus[l][i] -= eps;
        expect(Math.abs((loss(plus) - loss(minus)) / (2 * eps) - grads[l][i])).toBeLessThan(1e-4);
      }
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: 0 RoIs give [0,h,w,C] and a zero gradient',
    async (_, c) => {
      await expectNoLeaks(() => {
        const ft = tf.tensor4d(Float32Array.from(randomFeatures(SHAPE, 3)), SHAPE);
        const rt = tf.zeros([0, 5]) as tf.Tensor2D;
        const out = c.op(ft, rt);
        expect(out.shape).toEqual([0, OUT[0], OUT[1], SHAPE[3]]);
        const g = tf.grad((x: tf.Tensor) => tf.sum(c.op(x as tf.Tensor4D, rt)))(ft);
        expect(g.shape).toEqual(SHAPE);
        expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
        tf.dispose([ft, rt, out, g]);
      }, `${c.name} with 0 RoIs`);
    },
  );

  it('a layer trained through roiAlign reduces its loss with an optimiser', async () => {
    // A 1×1 projection of a fixed input is trained so that its RoIAlign features match those of a
    // hidden target projection; the only path from loss to weights runs through roiAlign.
    const rand = seededRandom(5);
    const x = tf.tensor4d(
      Float32Array.from({ length: 10 * 12 * 4 }, () => rand() * 2 - 1),
      [1, 10, 12, 4],
    );
    const rois = tf.tensor2d(
      [0, 2, 2, 30, 22, 0, 10, 6, 44, 38, 0, 0, 0, 47, 39, 0, 17.3, 9.1, 25.8, 30.2],
      [4, 5],
    );
    const opts = { outputSize: 3, spatialScale: 0.25, samplingRatio: 2 };
    const project = (w: tf.Tensor2D) =>
      tf.reshape(tf.matMul(tf.reshape(x, [-1, 4]), w), [1, 10, 12, 3]) as tf.Tensor4D;
    const target = tf.tidy(() =>
      roiAlign(
        project(
          tf.tensor2d(
            Float32Array.from({ length: 12 }, () => rand() * 2 - 1),
            [4, 3],
          ),
        ),
        rois,
        opts,
      ),
    );
    const w = tf.variable(tf.zeros([4, 3]) as tf.Tensor2D, true);
    const optimizer = tf.train.adam(0.05);
    const lossOf = () => tf.mean(tf.squaredDifference(roiAlign(project(w), rois, opts), target)) as tf.Scalar;
    const first = tf.tidy(() => lossOf().dataSync()[0]);
    // The first step creates Adam's moment variables (optimizer state, freed by dispose()).
    tf.dispose(optimizer.minimize(lossOf, true) ?? []);
    await expectNoLeaks(() => {
      for (let step = 0; step < 60; step++) tf.dispose(optimizer.minimize(lossOf, true) ?? []);
    }, 'training steps');
    const last = tf.tidy(() => lossOf().dataSync()[0]);
    expect(first).toBeGreaterThan(0.01);
    expect(last).toBeLessThan(first * 0.1);
    optimizer.dispose();
    tf.dispose([x, rois, target, w]);
  });
});
