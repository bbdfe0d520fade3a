import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { readWeightsFile } from '@rcnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadTorchvisionWeights,
  ResNetC5Backbone,
  ResNetFpnBackbone,
  resnetC5,
  resnetFpn,
} from '../src/index';
import { type FeatureSummary, relativeError } from './fixtureCompare';
import { hashedInput } from './hashedWeights';

// Full-size checkpoints written by torch.save (~210 MB, not committed). Generate them with
//   /usr/bin/python3 tools/reference/backbones_large.py
const DIR = join(__dirname, 'fixtures', 'large');
const present = existsSync(join(DIR, 'expected.json'));
if (!present) {
  console.warn(
    '\n*** SKIPPING full-size torchvision checkpoint tests: packages/backbones/test/fixtures/large/ is empty. ***\n' +
      '*** Generate the files with: /usr/bin/python3 tools/reference/backbones_large.py                       ***\n',
  );
}

interface Case {
  input: number[];
  outputs: Record<string, FeatureSummary>;
}

describe.skipIf(!present)('full-size torchvision checkpoints (wasm)', () => {
  let expected: Record<string, Case>;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));
  });

  it('a ResNet-18 classifier .pth (zip format) loads into the C5 backbone and matches', async () => {
    const c = expected.resnet18;
    const { tensors } = await readWeightsFile(join(DIR, 'resnet18.pth'));
    const model = new ResNetC5Backbone(resnetC5({ depth: 18, norm: 'batch' }));
    const report = loadTorchvisionWeights(model, tensors, { source: 'resnet18.pth' });
    expect(report.loaded.length).toBe(model.namedTensors().length);
    const err = await expectNoLeaks(() => {
      const x = hashedInput(c.input);
      const { res5 } = model.apply(x, false);
      const e = relativeError(res5, c.outputs.res5);
      x.dispose();
      res5.dispose();
      return e;
    });
    expect(err).toBeLessThan(1e-4);
    model.dispose();
  });

  it('a whole Faster R-CNN state dict (legacy format, pre-0.13 FPN names) loads into ResNet-50-FPN and matches', async () => {
    const c = expected.fasterrcnn_resnet50_fpn;
    const { tensors } = await readWeightsFile(join(DIR, 'fasterrcnn_resnet50_fpn.pth'));
    expect(
      tensors.has('fpn.inner_blocks.0.weight') || tensors.has('backbone.fpn.inner_blocks.0.weight'),
    ).toBe(true);
    const model = new ResNetFpnBackbone(resnetFpn({ depth: 50 }));
    loadTorchvisionWeights(model, tensors, { source: 'fasterrcnn_resnet50_fpn.pth' });
    const errs = await expectNoLeaks(() => {
      const x = hashedInput(c.input);
      const out = model.apply(x, false);
      x.dispose();
      const e = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, relativeError(t, c.outputs[k])]));
      for (const t of Object.values(out)) t.dispose();
      return e;
    });
    for (const [name, e] of Object.entries(errs)) expect(e, name).toBeLessThan(1e-4);
    model.dispose();
  });
});
