import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { type BatchNorm2d, ConfigError, ShapeError, StateDictError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildBackbone,
  loadBackbone,
  loadTorchvisionWeights,
  ResNetC4Backbone,
  ResNetC5Backbone,
  ResNetFpnBackbone,
  resnetC4,
  resnetC5,
  resnetFpn,
  resnetRes5Head,
  resolveResNet,
  saveBackbone,
} from '../src/index';
import { hashedStateDict } from './hashedWeights';

const tiny = { depth: 18, widthMultiplier: 0.125, stageDepths: [1, 1, 1, 1] } as const;
const tinyBottleneck = {
  depth: 50,
  widthMultiplier: 0.125,
  stageDepths: [1, 1, 1, 1],
  groups: 2,
  widthPerGroup: 8,
} as const;

describe('backbone configs', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('describes outputs, strides and divisibility for FPN, C4 and C5', () => {
    const fpn = new ResNetFpnBackbone(resnetFpn({ ...tiny, outChannels: 16 }));
    expect(fpn.outputs).toEqual({
      p2: { channels: 16, stride: 4 },
      p3: { channels: 16, stride: 8 },
      p4: { channels: 16, stride: 16 },
      p5: { channels: 16, stride: 32 },
      p6: { channels: 16, stride: 64 },
    });
    expect(fpn.sizeDivisibility).toBe(32);
    expect(fpn.fpn.inChannelsList).toEqual([8, 16, 32, 64]);
    const noPool = new ResNetFpnBackbone(
      resnetFpn({ ...tiny, inFeatures: ['res3', 'res4', 'res5'], lastLevelMaxPool: false }),
    );
    expect(Object.keys(noPool.outputs)).toEqual(['p3', 'p4', 'p5']);
    const c4 = new ResNetC4Backbone(resnetC4(tinyBottleneck));
    expect(c4.outputs).toEqual({ res4: { channels: 128, stride: 16 } });
    expect(c4.namedTensors().some((t) => t.name.startsWith('layer4'))).toBe(false);
    const c5 = new ResNetC5Backbone(resnetC5({ ...tinyBottleneck, sizeDivisibility: 0 }));
    expect(c5.outputs).toEqual({ res5: { channels: 256, stride: 32 } });
    expect(c5.sizeDivisibility).toBe(0);
    [fpn, noPool, c4, c5].forEach((m) => {
      m.dispose();
    });
  });

  it('computes torchvision widths, including ResNeXt and the width multiplier', () => {
    expect(resolveResNet({ depth: 50 }).stageChannels).toEqual([256, 512, 1024, 2048]);
    expect(resolveResNet({ depth: 34 }).stageDepths).toEqual([3, 4, 6, 3]);
    expect(resolveResNet({ depth: 152 }).stageDepths).toEqual([3, 8, 36, 3]);
    expect(resolveResNet({ depth: 50, widthMultiplier: 0.25 }).stageChannels).toEqual([64, 128, 256, 512]);
    const x = new ResNetC5Backbone(
      resnetC5({ depth: 50, groups: 32, widthPerGroup: 4, stageDepths: [1, 1, 1, 1] }),
    );
    // ResNeXt-50 32x4d: inner width of layer1 = floor(64·4/64)·32 = 128, grouped 3×3.
    const w = x.namedTensors().find((t) => t.name === 'layer1.0.conv2.weight')!.variable;
    expect(w.shape).toEqual([3, 3, 4, 128]);
    x.dispose();
  });

  it('rejects bad options with a ConfigError naming them', () => {
    expect(() => resolveResNet({ depth: 19 as 18 })).toThrow(/option 'depth'/);
    expect(() => resolveResNet({ depth: 18, groups: 32 })).toThrow(/option 'groups'.*BasicBlock/);
    expect(() => resolveResNet({ depth: 50, frozenStages: 6 })).toThrow(/frozenStages/);
    expect(() => resolveResNet({ depth: 50, widthMultiplier: 0 })).toThrow(/widthMultiplier/);
    expect(() => resolveResNet({ depth: 50, norm: 'group' as 'batch' })).toThrow(ConfigError);
    expect(() => new ResNetFpnBackbone(resnetFpn({ ...tiny, inFeatures: ['res4', 'res3'] }))).toThrow(
      /inFeatures/,
    );
    expect(() => buildBackbone({ kind: 'vgg' } as never)).toThrow(/unknown backbone kind "vgg"/);
  });

  it('freezes the first N stages: parameters untrainable, BatchNorm on running statistics', async () => {
    const count = (n: number) => {
      const m = new ResNetC5Backbone(resnetC5({ ...tiny, norm: 'batch', frozenStages: n }));
      const trainable = new Set(m.trainableVariables());
      const names = m
        .namedParameters()
        .filter(([, v]) => trainable.has(v))
        .map(([k]) => k.split('.')[0]);
      m.dispose();
      return [...new Set(names)];
    };
    expect(count(0)).toEqual(['conv1', 'bn1', 'layer1', 'layer2', 'layer3', 'layer4']);
    expect(count(2)).toEqual(['layer2', 'layer3', 'layer4']);
    expect(count(5)).toEqual([]);
    const frozenBn = new ResNetC5Backbone(resnetC5({ ...tiny, norm: 'batch', frozenStages: 5 }));
    const before = frozenBn.namedBuffers().map(([, v]) => Array.from(v.dataSync()));
    const x = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    await expectNoLeaks(() => tf.dispose(Object.values(frozenBn.apply(x, true))));
    expect(frozenBn.namedBuffers().map(([, v]) => Array.from(v.dataSync()))).toEqual(before);
    const live = new ResNetC5Backbone(resnetC5({ ...tiny, norm: 'batch', frozenStages: 0 }));
    tf.dispose(Object.values(live.apply(x, true)));
    const bn = live.bn1 as BatchNorm2d;
    expect(Array.from(bn.runningMean.dataSync()).some((v) => v !== 0)).toBe(true);
    tf.dispose(x);
    frozenBn.dispose();
    live.dispose();
  });

  it('lists missing and unexpected tensors when torchvision weights do not fit', () => {
    const r18 = new ResNetC5Backbone(resnetC5({ ...tiny }));
    const r34 = new ResNetC5Backbone(resnetC5({ ...tiny, stageDepths: [2, 1, 1, 1] }));
    const sd = hashedStateDict(r18);
    expect(() => loadTorchvisionWeights(r34, sd, { source: 'resnet18.pth' })).toThrow(StateDictError);
    expect(() => loadTorchvisionWeights(r34, sd, { source: 'resnet18.pth' })).toThrow(
      /resnet18\.pth: .*missing: layer1\.1\.conv1\.weight/,
    );
    // ImageNet weights into an FPN backbone: the trunk loads, fpn.* stays as initialised.
    const fpn = new ResNetFpnBackbone(resnetFpn({ ...tiny }));
    expect(() => loadTorchvisionWeights(fpn, sd)).toThrow(/missing: fpn\.inner_blocks\.0\.0\.weight/);
    const report = loadTorchvisionWeights(fpn, sd, { strict: false });
    expect(report.loaded).toContain('body.layer4.0.conv2.weight');
    expect(report.missing.every((n) => n.startsWith('fpn.'))).toBe(true);
    expect(report.unexpected).toEqual([]);
    [r18, r34, fpn].forEach((m) => {
      m.dispose();
    });
  });
});

describe.each(['cpu', 'wasm'])('backbones on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each([
    ['FPN', () => new ResNetFpnBackbone(resnetFpn({ ...tiny, outChannels: 8 }))],
    ['C4', () => new ResNetC4Backbone(resnetC4(tinyBottleneck))],
    ['C5', () => new ResNetC5Backbone(resnetC5(tinyBottleneck))],
  ])('%s gives ceil(size/stride) maps for odd inputs without leaking, in both modes', async (_, make) => {
    const model = make();
    const x = tf.randomUniform([1, 45, 67, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    for (const training of [false, true]) {
      const shapes = await expectNoLeaks(() => {
        const out = model.apply(x, training);
        const s = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.shape]));
        tf.dispose(Object.values(out));
        return s;
      }, 'backbone.apply');
      expect(Object.keys(shapes)).toEqual(Object.keys(model.outputs));
      for (const [name, spec] of Object.entries(model.outputs)) {
        const { stride, channels } = spec;
        // Each stride-2 step maps n to ceil(n/2), so the size is ceil(45/stride) here.
        expect(shapes[name], name).toEqual([1, Math.ceil(45 / stride), Math.ceil(67 / stride), channels]);
      }
    }
    expect(() => model.apply(tf.zeros([1, 8, 8, 4]) as tf.Tensor4D, false)).toThrow(ShapeError);
    expect(() => model.apply(tf.zeros([1, 8, 8, 4]) as tf.Tensor4D, false)).toThrow(/images/);
    tf.dispose(x);
    model.dispose();
  });

  it('res5 head maps pooled C4 features [R,14,14,C] to [R,7,7,C5]', async () => {
    const head = resnetRes5Head(resnetC4(tinyBottleneck));
    expect(head.inChannels).toBe(128);
    expect(head.outChannels).toBe(256);
    expect(head.namedTensors()[0].name).toBe('0.conv1.weight');
    const pooled = tf.randomUniform([3, 14, 14, 128], -1, 1, 'float32', 3) as tf.Tensor4D;
    const shape = await expectNoLeaks(() => {
      const y = head.apply(pooled, false);
      const s = y.shape;
      y.dispose();
      return s;
    });
    expect(shape).toEqual([3, 7, 7, 256]);
    tf.dispose(pooled);
    head.dispose();
  });

  const canTrain = () => tf.getKernel('Conv2DBackpropFilter', backend) != null;

  it.for(['frozen', 'batch'] as const)(
    'trains one SGD step with %s BatchNorm: gradients reach every trainable tensor and lower the loss',
    async (norm, ctx) => {
      if (!canTrain()) {
        ctx.skip(
          `backend '${backend}' has no Conv2DBackpropFilter kernel (installed by @rcnn/backend initBackend)`,
        );
      }
      const model = new ResNetFpnBackbone(resnetFpn({ ...tiny, outChannels: 8, norm, frozenStages: 1 }));
      const size = norm === 'batch' ? 64 : 32;
      const x = tf.randomUniform([2, size, size, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
      const target = Object.fromEntries(
        Object.entries(model.outputs).map(([k, s], i) => [
          k,
          tf.randomNormal(
            [2, Math.ceil(size / s.stride), Math.ceil(size / s.stride), s.channels],
            0,
            1,
            'float32',
            10 + i,
          ),
        ]),
      );
      const loss = () =>
        tf.tidy(() => {
          const out = model.apply(x, true);
          return tf.addN(
            Object.entries(out).map(([k, t]) => tf.mean(tf.square(tf.sub(t, target[k])))),
          ) as tf.Scalar;
        });
      const vars = model.trainableVariables();
      expect(vars.length).toBeGreaterThan(0);
      expect(vars).not.toContain(model.body.conv1.weight);
      // Running statistics move on every training-mode call: restore them before each probe.
      const buffers = model.namedBuffers().map(([, b]) => [b, tf.clone(b)] as const);
      const restoreBuffers = () =>
        buffers.forEach(([b, v]) => {
          b.assign(v);
        });
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(loss, vars);
      const l0 = value.dataSync()[0];
      for (const v of vars) {
        const g = grads[v.name].dataSync();
        expect(g.every(Number.isFinite), v.name).toBe(true);
        expect(
          g.some((q) => q !== 0),
          v.name,
        ).toBe(true);
      }
      const norm2 = vars.reduce(
        (s, v) => s + tf.tidy(() => tf.sum(tf.square(grads[v.name])).dataSync()[0]),
        0,
      );
      if (norm === 'frozen') {
        // Directional derivative along the gradient vs the loss slope (central difference). With
        // batch statistics over a few values per channel the loss is too kinked for this probe;
        // BatchNorm's own gradient is checked against finite differences in @rcnn/core.
        const h = 1e-3 / Math.sqrt(norm2);
        const saved = vars.map((v) => tf.clone(v));
        const probe = (sign: number) => {
          vars.forEach((v, i) => {
            const moved = tf.tidy(() => tf.add(saved[i], tf.mul(grads[v.name], sign * h)));
            v.assign(moved);
            moved.dispose();
          });
          return tf.tidy(() => loss().dataSync()[0]);
        };
        const slope = (probe(1) - probe(-1)) / (2 * h);
        vars.forEach((v, i) => {
          v.assign(saved[i]);
        });
        tf.dispose(saved);
        expect(Math.abs(slope - norm2) / norm2).toBeLessThan(0.02);
      }
      // A step whose first-order decrease is 10% of the loss.
      const sgd = tf.train.sgd((0.1 * l0) / norm2);
      sgd.applyGradients(grads);
      sgd.dispose();
      restoreBuffers();
      const l1 = tf.tidy(() => loss().dataSync()[0]);
      expect(l1).toBeLessThan(l0);
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, ...Object.values(target), ...buffers.map(([, v]) => v)]);
      model.dispose();
    },
  );
});

describe('backbone checkpoints', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    dir = await mkdtemp(join(tmpdir(), 'rcnn-backbone-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rebuilds a backbone from its checkpoint file alone', async () => {
    const model = buildBackbone(resnetFpn({ ...tinyBottleneck, outChannels: 8, seed: 5 }));
    const path = join(dir, 'fpn.safetensors');
    await saveBackbone(path, model);
    const loaded = await loadBackbone(path);
    expect(loaded).toBeInstanceOf(ResNetFpnBackbone);
    expect(loaded.config).toEqual(model.config);
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 6) as tf.Tensor4D;
    const a = model.apply(x, false);
    const b = loaded.apply(x, false);
    for (const k of Object.keys(a)) expect(Array.from(b[k].dataSync())).toEqual(Array.from(a[k].dataSync()));
    tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
    model.dispose();
    loaded.dispose();
  });
});
