import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { ConfigError, fromTorchLayout, SeededRandom, ShapeError, toTorchLayout } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FastRcnnPredictor, TwoMlpHead } from '../src/index';
import fixture from './fixtures/heads.json';
import { finiteDifference, flattenChw, linearRef, maxAbsDiff, randomArray } from './reference';
import { loadTorchState, type TorchTensor } from './torchState';

const f = fixture.box;

describe.each(['cpu', 'wasm'])('box heads on %s', (backend) => {
  it("TwoMlpHead + FastRcnnPredictor reproduce torchvision's outputs from its weights", async () => {
    await initBackend({ backend });
    const rng = new SeededRandom(1);
    const head = new TwoMlpHead({
      inChannels: f.channels,
      resolution: f.resolution,
      representationSize: f.representationSize,
      rng,
    });
    const pred = new FastRcnnPredictor({ inChannels: f.representationSize, numClasses: f.numClasses, rng });
    loadTorchState(head, f.boxHead as Record<string, TorchTensor>);
    loadTorchState(pred, f.boxPredictor as Record<string, TorchTensor>);
    const pooled = tf.tensor4d(f.pooled, [f.numRois, f.resolution, f.resolution, f.channels]);
    await expectNoLeaks(() => {
      const rep = head.apply(pooled);
      const out = pred.apply(rep);
      expect(rep.shape).toEqual([f.numRois, f.representationSize]);
      expect(maxAbsDiff(rep.dataSync(), f.representation)).toBeLessThan(2e-5);
      expect(maxAbsDiff(out.classLogits.dataSync(), f.classLogits)).toBeLessThan(2e-5);
      expect(maxAbsDiff(out.boxDeltas.dataSync(), f.boxDeltas)).toBeLessThan(2e-5);
      tf.dispose([rep, out.classLogits, out.boxDeltas]);
    });
    pooled.dispose();
    head.dispose();
    pred.dispose();
  });

  it('TwoMlpHead equals a float64 loop over the C,H,W flatten and has its finite-difference gradient', async () => {
    await initBackend({ backend });
    const [r, h, w, c, rep] = [2, 3, 2, 4, 5];
    const head = new TwoMlpHead({
      inChannels: c,
      resolution: [h, w],
      representationSize: rep,
      rng: new SeededRandom(4),
    });
    const x = randomArray(r * h * w * c, 9);
    // Our fc6 weight in torch's row order, so the reference flattens C,H,W like torchvision.
    // torch's [out, C·h·w] transposed to [C·h·w, out]
    const torchLayout = toTorchLayout(head.fc6.weight, head.namedTensors()[0].layout);
    const torchRows = tf.transpose(torchLayout);
    const w6 = Float64Array.from(torchRows.dataSync());
    tf.dispose([torchLayout, torchRows]);
    const b6 = head.fc6.bias!.dataSync();
    const w7 = head.fc7.weight.dataSync();
    const b7 = head.fc7.bias!.dataSync();
    const ref = (v: ArrayLike<number>) =>
      linearRef(
        linearRef(flattenChw(v, r, h, w, c), r, w6, h * w * c, rep, b6, true),
        r,
        w7,
        rep,
        rep,
        b7,
        true,
      );
    const input = tf.tensor4d(x, [r, h, w, c]);
    await expectNoLeaks(() => {
      const y = head.apply(input);
      expect(maxAbsDiff(y.dataSync(), ref(x))).toBeLessThan(1e-5);
      const weights = Float64Array.from({ length: r * rep }, (_, i) => ((i * 7) % 5) - 2);
      const wt = tf.tensor2d(Float32Array.from(weights), [r, rep]);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(head.apply(v as tf.Tensor4D), wt)))(input);
      const fd = finiteDifference((v) => ref(v).reduce((s, e, i) => s + e * weights[i], 0), x);
      expect(maxAbsDiff(g.dataSync(), fd)).toBeLessThan(1e-4);
      tf.dispose([y, wt, g]);
    });
    input.dispose();
    head.dispose();
  });

  it('FastRcnnPredictor: names, class-agnostic deltas and [R,1,1,C] input', async () => {
    await initBackend({ backend });
    const pred = new FastRcnnPredictor({
      inChannels: 6,
      numClasses: 3,
      classAgnosticBoxes: true,
      rng: new SeededRandom(2),
    });
    expect(pred.namedTensors().map((t) => t.name)).toEqual([
      'cls_score.weight',
      'cls_score.bias',
      'bbox_pred.weight',
      'bbox_pred.bias',
    ]);
    const x = tf.tensor4d(randomArray(12, 3), [2, 1, 1, 6]);
    await expectNoLeaks(() => {
      const out = pred.apply(x);
      expect(out.boxDeltas.shape).toEqual([2, 4]);
      const ref = linearRef(
        x.dataSync(),
        2,
        pred.bboxPred.weight.dataSync(),
        6,
        4,
        pred.bboxPred.bias!.dataSync(),
        false,
      );
      expect(maxAbsDiff(out.boxDeltas.dataSync(), ref)).toBeLessThan(1e-6);
      tf.dispose([out.classLogits, out.boxDeltas]);
    });
    expect(() => pred.apply(tf.zeros([2, 2, 1, 6]) as tf.Tensor4D)).toThrow(ShapeError);
    x.dispose();
    pred.dispose();
  });
});

describe('box head layouts and options', () => {
  it("fc6's weight declares the C,H,W flatten, so import moves row c·h·w + y·w + x to (y·w + x)·C + c", async () => {
    await initBackend({ backend: 'cpu' });
    const [c, h, w, out] = [3, 2, 4, 2];
    const head = new TwoMlpHead({
      inChannels: c,
      resolution: [h, w],
      representationSize: out,
      rng: new SeededRandom(0),
    });
    const layout = head.namedTensors()[0].layout;
    expect(layout).toEqual({ kind: 'linearFromChw', channels: c, height: h, width: w });
    // torch weight [out, C·h·w] whose entry (o, row) is row·out + o
    const torch = Float32Array.from(
      { length: out * c * h * w },
      (_, i) => (i % (c * h * w)) * out + Math.floor(i / (c * h * w)),
    );
    const ours = fromTorchLayout(torch, [out, c * h * w], layout);
    const v = ours.dataSync();
    for (let cc = 0; cc < c; cc++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          expect(v[((y * w + x) * c + cc) * out]).toBe((cc * h * w + y * w + x) * out);
    ours.dispose();
    head.dispose();
  });

  it('reject bad options and inputs by name', async () => {
    await initBackend({ backend: 'cpu' });
    const rng = new SeededRandom(0);
    expect(() => new TwoMlpHead({ inChannels: 0, resolution: 7, rng })).toThrow(ConfigError);
    expect(() => new TwoMlpHead({ inChannels: 4, resolution: [7, 0], rng })).toThrow(/resolution/);
    const head = new TwoMlpHead({ inChannels: 4, resolution: 2, representationSize: 3, rng });
    expect(head.namedTensors().map((t) => t.name)).toEqual([
      'fc6.weight',
      'fc6.bias',
      'fc7.weight',
      'fc7.bias',
    ]);
    const bad = tf.zeros([1, 2, 2, 5]) as tf.Tensor4D;
    expect(() => head.apply(bad)).toThrow(/pooled/);
    tf.dispose(bad);
    head.dispose();
  });
});
