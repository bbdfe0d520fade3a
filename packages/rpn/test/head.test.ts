import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { ConfigError, SeededRandom, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { flattenPredictions, legacyRpnHeadName, RpnHead } from '../src/index';
import fixture from './fixtures/rpn.json';
import { conv2dRef, finiteDifference, maxAbsDiff } from './reference';
import { loadTorchState, type TorchTensor } from './torchState';

const f = fixture.head;

describe.each(['cpu', 'wasm'])('RpnHead on %s', (backend) => {
  it("reproduces torchvision's RPNHead and concat_box_prediction_layers", async () => {
    await initBackend({ backend });
    const head = new RpnHead({ inChannels: f.channels, numAnchors: f.numAnchors, rng: new SeededRandom(1) });
    expect(head.namedTensors().map((t) => t.name)).toEqual([
      'conv.0.0.weight',
      'conv.0.0.bias',
      'cls_logits.weight',
      'cls_logits.bias',
      'bbox_pred.weight',
      'bbox_pred.bias',
    ]);
    loadTorchState(head, f.state as Record<string, TorchTensor>);
    const feats = f.features.map((x) => tf.tensor4d(x.data, x.shape as [number, number, number, number]));
    await expectNoLeaks(() => {
      const out = head.apply(feats);
      out.objectness.forEach((o, i) => {
        expect(maxAbsDiff(o.dataSync(), f.objectness[i])).toBeLessThan(1e-5);
        expect(maxAbsDiff(out.deltas[i].dataSync(), f.deltas[i])).toBeLessThan(1e-5);
      });
      const flat = flattenPredictions(out.objectness, out.deltas);
      expect(flat.numAnchorsPerLevel).toEqual([60, 18]);
      expect(flat.objectness.shape).toEqual([2, 78]);
      expect(flat.deltas.shape).toEqual([2, 78, 4]);
      expect(maxAbsDiff(flat.objectness.dataSync(), f.objectnessFlat)).toBeLessThan(1e-5);
      expect(maxAbsDiff(flat.deltas.dataSync(), f.deltasFlat)).toBeLessThan(1e-5);
      tf.dispose([...out.objectness, ...out.deltas, flat.objectness, flat.deltas]);
    });
    tf.dispose(feats);
    head.dispose();
  });

  it('equals float64 convolution loops, gradient included', async () => {
    await initBackend({ backend });
    const head = new RpnHead({ inChannels: 3, numAnchors: 2, rng: new SeededRandom(4) });
    const shape = [1, 4, 5, 3];
    const xv = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i * 1.7));
    const x = tf.tensor4d(xv, shape as [number, number, number, number]);
    const conv = head.convs[0];
    const t = conv2dRef(xv, shape, conv.weight.dataSync(), conv.weight.shape, conv.bias!.dataSync(), 1, true);
    const obj = conv2dRef(
      t,
      shape,
      head.clsLogits.weight.dataSync(),
      [1, 1, 3, 2],
      head.clsLogits.bias!.dataSync(),
      0,
      false,
    );
    const del = conv2dRef(
      t,
      shape,
      head.bboxPred.weight.dataSync(),
      [1, 1, 3, 8],
      head.bboxPred.bias!.dataSync(),
      0,
      false,
    );
    await expectNoLeaks(() => {
      const out = head.apply([x]);
      expect(maxAbsDiff(out.objectness[0].dataSync(), obj)).toBeLessThan(1e-6);
      expect(maxAbsDiff(out.deltas[0].dataSync(), del)).toBeLessThan(1e-6);
      tf.dispose([...out.objectness, ...out.deltas]);
      // d/dx of Σ objectness·u + Σ deltas·v against central differences of the float64 loops
      const u = Float32Array.from({ length: obj.length }, (_, i) => ((i * 3) % 5) - 2);
      const v = Float32Array.from({ length: del.length }, (_, i) => ((i * 7) % 3) - 1);
      const [ut, vt] = [tf.tensor(u, [1, 4, 5, 2]), tf.tensor(v, [1, 4, 5, 8])];
      const g = tf.grad((input: tf.Tensor) => {
        const o = head.apply([input as tf.Tensor4D]);
        return tf.add(tf.sum(tf.mul(o.objectness[0], ut)), tf.sum(tf.mul(o.deltas[0], vt)));
      })(x);
      const kernels = [conv.weight, head.clsLogits.weight, head.bboxPred.weight].map((w) => w.dataSync());
      const biases = [conv.bias!, head.clsLogits.bias!, head.bboxPred.bias!].map((b) => b.dataSync());
      const fd = finiteDifference((p) => {
        const hidden = conv2dRef(p, shape, kernels[0], conv.weight.shape, biases[0], 1, true);
        const o = conv2dRef(hidden, shape, kernels[1], [1, 1, 3, 2], biases[1], 0, false);
        const d = conv2dRef(hidden, shape, kernels[2], [1, 1, 3, 8], biases[2], 0, false);
        return o.reduce((s, e, i) => s + e * u[i], 0) + d.reduce((s, e, i) => s + e * v[i], 0);
      }, xv);
      expect(maxAbsDiff(g.dataSync(), fd)).toBeLessThan(1e-4);
      tf.dispose([ut, vt, g]);
    });
    x.dispose();
    head.dispose();
  });
});

describe('RpnHead options and inputs', () => {
  it('name the option or tensor at fault', async () => {
    await initBackend({ backend: 'cpu' });
    const rng = new SeededRandom(0);
    expect(() => new RpnHead({ inChannels: 4, numAnchors: 0, rng })).toThrow(ConfigError);
    const head = new RpnHead({ inChannels: 4, numAnchors: 3, convDepth: 2, rng });
    expect(head.namedTensors().map((t) => t.name)).toContain('conv.1.0.weight');
    const bad = tf.zeros([1, 4, 4, 5]) as tf.Tensor4D;
    expect(() => head.apply([bad])).toThrow(/features\[0\]/);
    const o = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    const d = tf.zeros([1, 2, 2, 8]) as tf.Tensor4D;
    expect(() => flattenPredictions([o], [d])).toThrow(ShapeError);
    expect(legacyRpnHeadName('conv.weight')).toBe('conv.0.0.weight');
    expect(legacyRpnHeadName('cls_logits.bias')).toBe('cls_logits.bias');
    tf.dispose([bad, o, d]);
    head.dispose();
  });
});
