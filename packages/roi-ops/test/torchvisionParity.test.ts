import { initBackend } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignFpnLevels, multiLevelRoiPool, registerRoiOps, roiAlign, roiPool } from '../src/index';
import { fixtureTensor, loadFixtures, maxAbsDiff } from './helpers/testData';

const fixtures = loadFixtures();
const TOL = 1e-5;
const worst: Record<string, number> = {};

function record(label: string, err: number): void {
  worst[label] = Math.max(worst[label] ?? 0, err);
}

afterAll(() => {
  // The parity figures quoted in docs/roi-ops.md.
  console.log(`max abs error vs ${fixtures.source}:`, worst);
});

describe.each(['cpu', 'wasm'])('torchvision parity on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
    registerRoiOps();
  });

  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s: forward and feature gradient', (_, c) => {
    const features = fixtureTensor(c.features) as tf.Tensor4D;
    const rois = fixtureTensor(c.rois) as tf.Tensor2D;
    const dy = fixtureTensor(c.dy);
    const run = (f: tf.Tensor4D) =>
      c.op === 'align'
        ? roiAlign(f, rois, {
            outputSize: c.outputSize,
            spatialScale: c.spatialScale,
            samplingRatio: c.samplingRatio,
            aligned: c.aligned,
          })
        : roiPool(f, rois, { outputSize: c.outputSize, spatialScale: c.spatialScale });
    const out = run(features);
    expect(out.shape).toEqual(c.output.shape);
    const forwardErr = maxAbsDiff(out.dataSync(), c.output.data);
    const grad = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(run(f as tf.Tensor4D), dy)))(features);
    const gradErr = maxAbsDiff(grad.dataSync(), c.gradFeatures.data);
    record(`${c.op} forward`, forwardErr);
    record(`${c.op} gradient`, gradErr);
    expect(forwardErr).toBeLessThan(TOL);
    expect(gradErr).toBeLessThan(TOL);
    tf.dispose([features, rois, dy, out, grad]);
  });

  it('MultiScaleRoIAlign: levels, forward and per-level gradients', () => {
    const m = fixtures.multiLevel;
    const features = m.features.map((t) => fixtureTensor(t) as tf.Tensor4D);
    const rois = fixtureTensor(m.rois) as tf.Tensor2D;
    const dy = fixtureTensor(m.dy);
    const levels = assignFpnLevels(m.rois.data, { minLevel: 2, maxLevel: 5 });
    expect(Array.from(levels)).toEqual(m.levels);
    const options = {
      outputSize: m.outputSize,
      strides: m.strides,
      op: { kind: 'align' as const, samplingRatio: m.samplingRatio },
    };
    const out = multiLevelRoiPool(features, rois, options);
    const forwardErr = maxAbsDiff(out.dataSync(), m.output.data);
    const grads = tf.grads((...fs: tf.Tensor[]) =>
      tf.sum(tf.mul(multiLevelRoiPool(fs as tf.Tensor4D[], rois, options), dy)),
    )(features);
    const gradErr = Math.max(...grads.map((g, l) => maxAbsDiff(g.dataSync(), m.gradFeatures[l].data)));
    record('multi-level forward', forwardErr);
    record('multi-level gradient', gradErr);
    expect(forwardErr).toBeLessThan(TOL);
    expect(gradErr).toBeLessThan(TOL);
    tf.dispose([...features, rois, dy, out, ...grads]);
  });

  it('level mapper: boundary sizes land where torchvision puts them', () => {
    const l = fixtures.levelMapper;
    const levels = assignFpnLevels(l.rois.data, { minLevel: l.minLevel, maxLevel: l.maxLevel });
    expect(Array.from(levels)).toEqual(l.levels);
  });
});
