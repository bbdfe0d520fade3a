import { expectNoLeaks, initBackend } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from '../src/errors';
import {
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  FrozenBatchNorm2d,
  Linear,
  Module,
  ModuleList,
} from '../src/nn/index';
import { SeededRandom } from '../src/rng';
import {
  batchStats,
  bnAffineRef,
  conv2dRef,
  convTranspose2dRef,
  dot,
  type Geometry,
  linearRef,
  maxAbs,
  maxAbsDiff,
  numericGradient,
  randomArray,
} from './nnReference';

class Block extends Module {
  readonly conv: Conv2d;
  readonly bn: FrozenBatchNorm2d;
  readonly downsample: ModuleList;
  constructor(rng: SeededRandom) {
    super();
    this.conv = this.addModule(
      'conv1',
      new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, bias: false, rng }),
    );
    this.bn = this.addModule('bn1', new FrozenBatchNorm2d({ numFeatures: 3 }));
    this.downsample = this.addModule(
      'downsample',
      new ModuleList([
        new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 1, rng }),
        new BatchNorm2d({ numFeatures: 3 }),
      ]),
    );
  }
}

class Net extends Module {
  readonly layer1: ModuleList<Block>;
  readonly fc: Linear;
  constructor(rng: SeededRandom) {
    super();
    this.layer1 = this.addModule('layer1', new ModuleList([new Block(rng), new Block(rng)]));
    this.fc = this.addModule('fc', new Linear({ inFeatures: 3, outFeatures: 2, rng }));
  }
}

const toF32 = (a: Float64Array) => Float32Array.from(a);

describe('Module', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('names parameters and buffers as torch state_dict does, and frees them all', async () => {
    const before = tf.memory().numTensors;
    const net = new Net(new SeededRandom(1));
    const names = net.namedTensors().map((t) => t.name);
    expect(names.slice(0, 11)).toEqual([
      'layer1.0.conv1.weight',
      'layer1.0.bn1.weight',
      'layer1.0.bn1.bias',
      'layer1.0.bn1.running_mean',
      'layer1.0.bn1.running_var',
      'layer1.0.downsample.0.weight',
      'layer1.0.downsample.0.bias',
      'layer1.0.downsample.1.weight',
      'layer1.0.downsample.1.bias',
      'layer1.0.downsample.1.running_mean',
      'layer1.0.downsample.1.running_var',
    ]);
    expect(names.at(-2)).toBe('fc.weight');
    expect(new Set(names).size).toBe(names.length);
    expect(net.namedParameters().map(([n]) => n)).toContain('layer1.1.downsample.1.weight');
    expect(net.namedParameters().map(([n]) => n)).not.toContain('layer1.0.bn1.weight');
    expect(net.namedBuffers().map(([n]) => n)).toContain('layer1.0.bn1.weight');
    expect(net.namedModules().map(([n]) => n)).toContain('layer1.1.downsample.0');
    const layouts = Object.fromEntries(net.namedTensors().map((t) => [t.name, t.layout]));
    expect(layouts['layer1.0.conv1.weight']).toBe('conv2d');
    expect(layouts['fc.weight']).toBe('linear');
    expect(layouts['fc.bias']).toBe('same');
    expect(net.numValues()).toBe(2 * (54 + 12 + 6 + 3 + 12) + 8);
    expect(tf.memory().numTensors - before).toBe(names.length);

    expect(net.trainableVariables().length).toBe(net.namedParameters().length);
    net.layer1.setTrainable(false);
    expect(net.trainableVariables().map((v) => v.shape)).toEqual([[3, 2], [2]]);
    net.dispose();
    net.dispose();
    expect(net.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects duplicate and malformed member names', () => {
    class Bad extends Module {
      constructor(name: string, twice: boolean) {
        super();
        this.addParameter(name, tf.zeros([1]));
        if (twice) this.addParameter(name, tf.zeros([1]));
      }
    }
    expect(() => new Bad('w', true)).toThrow(ConfigError);
    expect(() => new Bad('a.b', false)).toThrow(/one segment/);
  });

  it('initialises reproducibly with torch default bounds', () => {
    const a = new Conv2d({ inChannels: 8, outChannels: 16, kernelSize: 3, rng: new SeededRandom(7) });
    const b = new Conv2d({ inChannels: 8, outChannels: 16, kernelSize: 3, rng: new SeededRandom(7) });
    const wa = a.weight.dataSync();
    expect(Array.from(wa)).toEqual(Array.from(b.weight.dataSync()));
    const bound = 1 / Math.sqrt(8 * 9);
    expect(maxAbs(wa)).toBeLessThanOrEqual(bound);
    expect(maxAbs(wa)).toBeGreaterThan(0.9 * bound);
    expect(maxAbs(a.bias!.dataSync())).toBeLessThanOrEqual(bound);
    const k = new Conv2d({
      inChannels: 64,
      outChannels: 64,
      kernelSize: 3,
      bias: false,
      weightInit: { kind: 'kaimingNormal', mode: 'fanOut', nonlinearity: 'relu' },
      rng: new SeededRandom(3),
    });
    const v = k.weight.dataSync();
    const std = Math.sqrt(dot(v, v) / v.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (64 * 9)), 3);
    tf.dispose([a, b, k].flatMap((m) => m.namedTensors().map((t) => t.variable)));
  });

  it('validates options and inputs with typed errors', () => {
    const rng = new SeededRandom(0);
    expect(() => new Conv2d({ inChannels: 6, outChannels: 4, kernelSize: 3, groups: 4, rng })).toThrow(
      /groups/,
    );
    expect(() => new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 0, rng })).toThrow(ConfigError);
    expect(
      () => new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, stride: 2, dilation: 2, rng }),
    ).toThrow(/dilation/);
    const conv = new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, rng });
    const x = tf.zeros([1, 5, 5, 3]) as tf.Tensor4D;
    expect(() => conv.apply(x)).toThrow(ShapeError);
    expect(() => conv.apply(x)).toThrow(/x: expected shape \[\*,\*,\*,4\]/);
    const lin = new Linear({ inFeatures: 4, outFeatures: 2, rng });
    expect(() => lin.apply(tf.zeros([2, 3]))).toThrow(ShapeError);
    expect(() =>
      new BatchNorm2d({ numFeatures: 4 }).apply(tf.zeros([1, 1, 1, 4]) as tf.Tensor4D, true),
    ).toThrow(/more than one value/);
    tf.dispose(x);
  });
});

const geometries: Array<[string, Geometry, number[], number[]]> = [
  ['3x3 s1 p1', { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 }, [2, 6, 5, 3], [3, 3, 3, 4]],
  [
    '3x3 s2 p(1,0)',
    { stride: [2, 2], padding: [1, 0], dilation: [1, 1], groups: 1 },
    [1, 7, 6, 2],
    [3, 3, 2, 3],
  ],
  ['1x1 s2', { stride: [2, 2], padding: [0, 0], dilation: [1, 1], groups: 1 }, [1, 5, 5, 4], [1, 1, 4, 6]],
  [
    '3x3 dil2 p2',
    { stride: [1, 1], padding: [2, 2], dilation: [2, 2], groups: 1 },
    [1, 6, 6, 2],
    [3, 3, 2, 2],
  ],
  [
    '3x3 groups 2 s2',
    { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 2 },
    [1, 6, 6, 4],
    [3, 3, 2, 6],
  ],
  ['7x7 s2 p3', { stride: [2, 2], padding: [3, 3], dilation: [1, 1], groups: 1 }, [1, 9, 8, 3], [7, 7, 3, 2]],
];

describe.each(['cpu', 'wasm'])('nn layers on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  const canDiffFilter = () => tf.getKernel('Conv2DBackpropFilter', backend) != null;

  it.each(geometries)(
    'Conv2d %s matches the float64 reference without leaks',
    async (_, g, xShape, wShape) => {
      const rng = new SeededRandom(11);
      const conv = new Conv2d({
        inChannels: xShape[3],
        outChannels: wShape[3],
        kernelSize: [wShape[0], wShape[1]],
        stride: g.stride,
        padding: g.padding,
        dilation: g.dilation,
        groups: g.groups,
        rng,
      });
      const x = randomArray(
        xShape.reduce((a, b) => a * b),
        1,
      );
      const w = Float64Array.from(conv.weight.dataSync());
      const b = Float64Array.from(conv.bias!.dataSync());
      const ref = conv2dRef(x, xShape, w, wShape, b, g);
      const xt = tf.tensor4d(toF32(x), xShape as [number, number, number, number]);
      for (const act of ['linear', 'relu'] as const) {
        const got = await expectNoLeaks(() => {
          const y = conv.apply(xt, act);
          const out = { shape: y.shape, data: y.dataSync().slice() };
          y.dispose();
          return out;
        }, 'Conv2d.apply');
        expect(got.shape).toEqual(ref.shape);
        const want = act === 'relu' ? ref.data.map((v) => Math.max(v, 0)) : ref.data;
        expect(maxAbsDiff(got.data, want)).toBeLessThan(1e-5);
      }
      xt.dispose();
      conv.dispose();
    },
  );

  it.each(geometries.filter(([, g]) => g.dilation[0] === 1))(
    'Conv2d %s gradients match finite differences',
    async (_, g, xShape, wShape) => {
      const conv = new Conv2d({
        inChannels: xShape[3],
        outChannels: wShape[3],
        kernelSize: [wShape[0], wShape[1]],
        stride: g.stride,
        padding: g.padding,
        groups: g.groups,
        rng: new SeededRandom(5),
      });
      const x = randomArray(
        xShape.reduce((a, b) => a * b),
        2,
      );
      const w = Float64Array.from(conv.weight.dataSync());
      const b = Float64Array.from(conv.bias!.dataSync());
      const outLen = conv2dRef(x, xShape, w, wShape, b, g).data.length;
      const r = randomArray(outLen, 3);
      const xt = tf.tensor4d(toF32(x), xShape as [number, number, number, number]);
      const rt = tf.tensor(toF32(r));
      const withFilter = canDiffFilter();
      const grads = await expectNoLeaks(() => {
        const { grads: gs, value } = tf.variableGrads(
          () => tf.sum(tf.mul(tf.reshape(conv.apply(tf.mul(xt, 1) as tf.Tensor4D), [-1]), rt)) as tf.Scalar,
          withFilter ? [conv.weight, conv.bias!] : [conv.bias!],
        );
        const dx = tf.grad((xi: tf.Tensor) =>
          tf.sum(tf.mul(tf.reshape(conv.apply(xi as tf.Tensor4D), [-1]), rt)),
        )(xt);
        const out = {
          dx: dx.dataSync().slice(),
          dw: withFilter ? gs[conv.weight.name].dataSync().slice() : null,
          db: gs[conv.bias!.name].dataSync().slice(),
        };
        tf.dispose([value, dx, ...Object.values(gs)]);
        return out;
      }, 'Conv2d gradients');
      const loss = (xx: Float64Array, ww: Float64Array, bb: Float64Array) =>
        dot(conv2dRef(xx, xShape, ww, wShape, bb, g).data, r);
      const ndx = numericGradient((p) => loss(p, w, b), x);
      const ndb = numericGradient((p) => loss(x, w, p), b);
      expect(maxAbsDiff(grads.dx, ndx)).toBeLessThan(1e-4 * Math.max(1, maxAbs(ndx)));
      expect(maxAbsDiff(grads.db, ndb)).toBeLessThan(1e-4 * Math.max(1, maxAbs(ndb)));
      if (grads.dw) {
        const ndw = numericGradient((p) => loss(x, p, b), w);
        expect(maxAbsDiff(grads.dw, ndw)).toBeLessThan(1e-4 * Math.max(1, maxAbs(ndw)));
      }
      tf.dispose([xt, rt]);
      conv.dispose();
    },
  );

  it('Linear matches the reference and its gradients, on 2-D and 3-D input', async () => {
    const lin = new Linear({ inFeatures: 5, outFeatures: 3, rng: new SeededRandom(2) });
    const x = randomArray(4 * 5, 9);
    const w = Float64Array.from(lin.weight.dataSync());
    const b = Float64Array.from(lin.bias!.dataSync());
    const ref = linearRef(x, 4, w, 5, 3, b);
    const xt = tf.tensor2d(toF32(x), [4, 5]);
    const got = await expectNoLeaks(() => {
      const y = lin.apply(xt);
      const y3 = tf.tidy(() => lin.apply(tf.reshape(xt, [2, 2, 5])));
      const out = [y.dataSync().slice(), y3.shape, y3.dataSync().slice()] as const;
      tf.dispose([y, y3]);
      return out;
    });
    expect(maxAbsDiff(got[0], ref)).toBeLessThan(1e-6);
    expect(got[1]).toEqual([2, 2, 3]);
    expect(maxAbsDiff(got[2], ref)).toBeLessThan(1e-6);
    const r = randomArray(12, 4);
    const rt = tf.tensor2d(toF32(r), [4, 3]);
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(lin.apply(xt), rt)) as tf.Scalar);
    const ndw = numericGradient((p) => dot(linearRef(x, 4, p, 5, 3, b), r), w);
    const ndb = numericGradient((p) => dot(linearRef(x, 4, w, 5, 3, p), r), b);
    expect(maxAbsDiff(grads[lin.weight.name].dataSync(), ndw)).toBeLessThan(1e-4);
    expect(maxAbsDiff(grads[lin.bias!.name].dataSync(), ndb)).toBeLessThan(1e-4);
    tf.dispose([xt, rt, value, ...Object.values(grads)]);
    lin.dispose();
  });

  it.each([
    [2, 0, 0, 2],
    [2, 1, 1, 3],
    [3, 1, 0, 3],
  ])(
    'ConvTranspose2d stride %i pad %i outPad %i k %i matches the reference and its gradients',
    async (s, p, op, k) => {
      const xShape = [1, 3, 4, 3];
      const layer = new ConvTranspose2d({
        inChannels: 3,
        outChannels: 2,
        kernelSize: k,
        stride: s,
        padding: p,
        outputPadding: op,
        rng: new SeededRandom(4),
      });
      const x = randomArray(36, 6);
      const w = Float64Array.from(layer.weight.dataSync());
      const b = Float64Array.from(layer.bias!.dataSync());
      const ref = convTranspose2dRef(x, xShape, w, [k, k, 2], b, [s, s], [p, p], [op, op]);
      const xt = tf.tensor4d(toF32(x), xShape as [number, number, number, number]);
      const got = await expectNoLeaks(() => {
        const y = layer.apply(xt);
        const out = { shape: y.shape, data: y.dataSync().slice() };
        y.dispose();
        return out;
      });
      expect(got.shape).toEqual(ref.shape);
      expect(maxAbsDiff(got.data, ref.data)).toBeLessThan(1e-5);
      const r = randomArray(ref.data.length, 8);
      const rt = tf.tensor(toF32(r), ref.shape);
      const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(layer.apply(xi as tf.Tensor4D), rt)))(xt);
      const ndx = numericGradient(
        (q) => dot(convTranspose2dRef(q, xShape, w, [k, k, 2], b, [s, s], [p, p], [op, op]).data, r),
        x,
      );
      expect(maxAbsDiff(dx.dataSync(), ndx)).toBeLessThan(1e-4 * Math.max(1, maxAbs(ndx)));
      if (tf.getKernel('Conv2DBackpropFilter', backend) != null) {
        const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(xt), rt)) as tf.Scalar);
        const ndw = numericGradient(
          (q) => dot(convTranspose2dRef(x, xShape, q, [k, k, 2], b, [s, s], [p, p], [op, op]).data, r),
          w,
        );
        expect(maxAbsDiff(grads[layer.weight.name].dataSync(), ndw)).toBeLessThan(
          1e-4 * Math.max(1, maxAbs(ndw)),
        );
        tf.dispose([value, ...Object.values(grads)]);
      }
      tf.dispose([xt, rt, dx]);
      layer.dispose();
    },
  );

  it('FrozenBatchNorm2d applies the stored statistics with its eps', async () => {
    for (const eps of [1e-5, 0]) {
      const bn = new FrozenBatchNorm2d({ numFeatures: 3, eps });
      const [w, b, m, v] = [
        randomArray(3, 1),
        randomArray(3, 2),
        randomArray(3, 3),
        randomArray(3, 4, 0.5),
      ].map((a, i) => (i === 3 ? a.map((q) => q + 0.6) : a));
      bn.weight.assign(tf.tensor1d(toF32(w)));
      bn.bias.assign(tf.tensor1d(toF32(b)));
      bn.runningMean.assign(tf.tensor1d(toF32(m)));
      bn.runningVar.assign(tf.tensor1d(toF32(v)));
      const x = randomArray(2 * 3 * 2 * 3, 5, 3);
      const xt = tf.tensor(toF32(x), [2, 3, 2, 3]) as tf.Tensor4D;
      const got = await expectNoLeaks(() => {
        const y = bn.apply(xt);
        const d = y.dataSync().slice();
        y.dispose();
        return d;
      });
      expect(maxAbsDiff(got, bnAffineRef(x, 3, w, b, m, v, eps))).toBeLessThan(1e-5);
      expect(bn.trainableVariables()).toEqual([]);
      xt.dispose();
      bn.dispose();
    }
  });

  it('BatchNorm2d normalises by batch statistics, updates running averages, and differentiates', async () => {
    const bn = new BatchNorm2d({ numFeatures: 3, momentum: 0.2, eps: 1e-3 });
    const w = randomArray(3, 1);
    const b = randomArray(3, 2);
    bn.weight.assign(tf.tensor1d(toF32(w)));
    bn.bias.assign(tf.tensor1d(toF32(b)));
    const x = randomArray(2 * 2 * 3 * 3, 7, 2);
    const xt = tf.tensor(toF32(x), [2, 2, 3, 3]) as tf.Tensor4D;
    const got = await expectNoLeaks(() => {
      const y = bn.apply(xt, true);
      const d = y.dataSync().slice();
      y.dispose();
      return d;
    });
    const { mean, variance } = batchStats(x, 3);
    expect(maxAbsDiff(got, bnAffineRef(x, 3, w, b, mean, variance, 1e-3))).toBeLessThan(1e-5);
    const n = x.length / 3;
    const wantMean = Array.from(mean, (q) => 0.2 * q);
    const wantVar = Array.from(variance, (q) => 0.8 + 0.2 * q * (n / (n - 1)));
    expect(maxAbsDiff(bn.runningMean.dataSync(), wantMean)).toBeLessThan(1e-6);
    expect(maxAbsDiff(bn.runningVar.dataSync(), wantVar)).toBeLessThan(1e-6);
    // Inference mode uses the running statistics.
    const yEval = bn.apply(xt, false);
    expect(
      maxAbsDiff(
        yEval.dataSync(),
        bnAffineRef(x, 3, w, b, Float64Array.from(wantMean), Float64Array.from(wantVar), 1e-3),
      ),
    ).toBeLessThan(1e-5);
    yEval.dispose();
    // Gradients in training mode, against the float64 batch-statistics formula.
    const r = randomArray(x.length, 8);
    const rt = tf.tensor(toF32(r), xt.shape);
    const trainLoss = (xx: Float64Array, ww: Float64Array, bb: Float64Array) => {
      const s = batchStats(xx, 3);
      return dot(bnAffineRef(xx, 3, ww, bb, s.mean, s.variance, 1e-3), r);
    };
    const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(bn.apply(xi as tf.Tensor4D, true), rt)))(xt);
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(bn.apply(xt, true), rt)) as tf.Scalar);
    expect(
      maxAbsDiff(
        dx.dataSync(),
        numericGradient((q) => trainLoss(q, w, b), x),
      ),
    ).toBeLessThan(2e-4);
    expect(
      maxAbsDiff(
        grads[bn.weight.name].dataSync(),
        numericGradient((q) => trainLoss(x, q, b), w),
      ),
    ).toBeLessThan(2e-4);
    expect(
      maxAbsDiff(
        grads[bn.bias.name].dataSync(),
        numericGradient((q) => trainLoss(x, w, q), b),
      ),
    ).toBeLessThan(2e-4);
    expect(Object.keys(grads).sort()).toEqual([bn.bias.name, bn.weight.name].sort());
    tf.dispose([xt, rt, dx, value, ...Object.values(grads)]);
    bn.dispose();
  });
});
