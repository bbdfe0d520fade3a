import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNoLeaks, initBackend } from '@rcnn/backend';
import type * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadTorchvisionRes5,
  loadTorchvisionWeights,
  ResNetC4Backbone,
  ResNetC5Backbone,
  ResNetFpnBackbone,
  resnetC4,
  resnetC5,
  resnetFpn,
  resnetRes5Head,
} from '../src/index';
import { type FeatureSummary, relativeError } from './fixtureCompare';
import { hashedInput, hashedStateDict } from './hashedWeights';

interface Case {
  input: number[];
  numTensors?: number;
  outputs: Record<string, FeatureSummary>;
  runningStats?: Record<string, number[]>;
}
const fixture: { cases: Record<string, Case> } = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'backbones.json'), 'utf8'),
);
const TOL = 1e-4;

/** Run `backbone` on the case's input and return each output's error relative to torchvision. */
async function compare(
  run: (x: tf.Tensor4D) => Record<string, tf.Tensor4D>,
  c: Case,
): Promise<Record<string, number>> {
  return expectNoLeaks(() => {
    const x = hashedInput(c.input);
    const out = run(x);
    x.dispose();
    const errs: Record<string, number> = {};
    for (const [name, t] of Object.entries(out)) {
      errs[name] = relativeError(t, c.outputs[name]);
      t.dispose();
    }
    return errs;
  }, 'backbone forward');
}

// cpu is the numeric reference but runs convolutions ~30× slower than wasm: it checks the
// smallest case (trainable BN in training mode), wasm checks them all.
describe.each(['cpu', 'wasm'])('torchvision parity on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });
  const wasmOnly = backend !== 'wasm';

  it.skipIf(wasmOnly)(
    'ResNet-18-FPN (odd input size, batch 2) loads a detection checkpoint with pre-0.13 FPN names',
    async () => {
      const c = fixture.cases.resnet18_fpn;
      const model = new ResNetFpnBackbone(resnetFpn({ depth: 18 }));
      // Stored as a detection model stores it: `backbone.` prefix, old `inner_blocks.i.weight` names,
      // plus tensors of other heads that must be ignored.
      const sd = hashedStateDict(model, 'backbone.', (n) =>
        n.replace(/(inner|layer)_blocks\.(\d+)\.0\./, '$1_blocks.$2.'),
      );
      sd.set('rpn.head.conv.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
      expect(sd.size + (c.numTensors! - model.namedTensors().length)).toBe(c.numTensors! + 1);
      const report = loadTorchvisionWeights(model, sd, { source: 'resnet18_fpn' });
      expect(report.loaded.length).toBe(model.namedTensors().length);
      const errs = await compare((x) => model.apply(x, false), c);
      expect(Object.keys(errs)).toEqual(['p2', 'p3', 'p4', 'p5', 'p6']);
      for (const [name, e] of Object.entries(errs)) expect(e, `${name} relative error`).toBeLessThan(TOL);
      model.dispose();
    },
  );

  it.skipIf(wasmOnly)('ResNet-50-FPN', async () => {
    const c = fixture.cases.resnet50_fpn;
    const model = new ResNetFpnBackbone(resnetFpn({ depth: 50 }));
    expect(model.namedTensors().length).toBe(c.numTensors);
    loadTorchvisionWeights(model, hashedStateDict(model));
    const errs = await compare((x) => model.apply(x, false), c);
    for (const [name, e] of Object.entries(errs)) expect(e, `${name} relative error`).toBeLessThan(TOL);
    model.dispose();
  });

  it.skipIf(wasmOnly)(
    'ResNet-50 (BatchNorm, inference): C5, C4 trunk and the res5 head from one classification state dict',
    async () => {
      const c = fixture.cases.resnet50;
      const c5 = new ResNetC5Backbone(resnetC5({ depth: 50, norm: 'batch' }));
      const sd = hashedStateDict(c5);
      sd.set('fc.weight', { dtype: 'F32', shape: [1000, 2048], data: new Float32Array(2048000) });
      sd.set('fc.bias', { dtype: 'F32', shape: [1000], data: new Float32Array(1000) });
      sd.set('bn1.num_batches_tracked', { dtype: 'I64', shape: [], data: new BigInt64Array(1) });
      loadTorchvisionWeights(c5, sd);
      const e5 = await compare((x) => c5.apply(x, false), c);
      expect(e5.res5).toBeLessThan(TOL);
      c5.dispose();

      const c4 = new ResNetC4Backbone(resnetC4({ depth: 50, norm: 'batch' }));
      const head = resnetRes5Head(c4.config);
      loadTorchvisionWeights(c4, sd);
      loadTorchvisionRes5(head, sd);
      const errs = await compare((x) => {
        const { res4 } = c4.apply(x, false);
        const res5 = head.apply(res4, false);
        return { res4, res5 };
      }, c);
      expect(errs.res4).toBeLessThan(TOL);
      expect(errs.res5).toBeLessThan(TOL);
      c4.dispose();
      head.dispose();
    },
  );

  it('ResNet-18 with trainable BatchNorm in training mode: batch statistics and running averages', async () => {
    const c = fixture.cases.resnet18_train;
    const model = new ResNetC5Backbone(resnetC5({ depth: 18, norm: 'batch' }));
    loadTorchvisionWeights(model, hashedStateDict(model));
    const errs = await compare((x) => model.apply(x, true), c);
    expect(errs.res5).toBeLessThan(TOL);
    const tensors = Object.fromEntries(model.namedTensors().map((t) => [t.name, t.variable]));
    for (const [name, want] of Object.entries(c.runningStats!)) {
      const got = tensors[name].dataSync();
      const scale = Math.max(...want.map(Math.abs));
      want.forEach((v, i) => {
        expect(Math.abs(got[i] - v) / scale, `${name}[${i}]`).toBeLessThan(TOL);
      });
    }
    model.dispose();
  });

  it.skipIf(wasmOnly)('ResNeXt-101 32x8d (grouped convolutions, frozen BN)', async () => {
    const c = fixture.cases.resnext101_32x8d;
    const model = new ResNetC5Backbone(resnetC5({ depth: 101, groups: 32, widthPerGroup: 8 }));
    loadTorchvisionWeights(model, hashedStateDict(model));
    const errs = await compare((x) => model.apply(x, false), c);
    expect(errs.res5).toBeLessThan(TOL);
    model.dispose();
  });
});
