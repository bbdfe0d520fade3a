import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { ConfigError, Conv2d, InputError, Module, SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  C4BoxHead,
  C4MaskHead,
  FcnMaskHead,
  legacyMaskHeadName,
  MaskRcnnPredictor,
  MlpMaskHead,
  maskProbabilities,
} from '../src/index';
import fixture from './fixtures/heads.json';
import {
  conv2dRef,
  deconv2x2Ref,
  finiteDifference,
  linearRef,
  maxAbsDiff,
  randomArray,
  sigmoid,
} from './reference';
import { loadTorchState, type TorchTensor } from './torchState';

/** A stride-2 conv + ReLU standing in for ResNet's res5 (the C4 heads only need its contract). */
class StrideTwoStage extends Module {
  readonly outChannels: number;
  readonly conv: Conv2d;
  constructor(inChannels: number, outChannels: number, rng: SeededRandom) {
    super();
    this.outChannels = outChannels;
    this.conv = this.addModule(
      'conv',
      new Conv2d({ inChannels, outChannels, kernelSize: 2, stride: 2, rng }),
    );
  }
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.apply(x, 'relu');
  }
}

describe.each(['cpu', 'wasm'])('mask heads on %s', (backend) => {
  it.each(['mask', 'maskDilated'] as const)(
    "FcnMaskHead reproduces torchvision's %s fixture",
    async (key) => {
      await initBackend({ backend });
      const f = fixture[key];
      const head = new FcnMaskHead({
        inChannels: f.channels,
        layers: f.layers,
        dilation: f.dilation,
        dimReduced: f.dimReduced,
        numClasses: f.numClasses,
        rng: new SeededRandom(1),
      });
      loadTorchState(head.maskHead, f.maskHead as Record<string, TorchTensor>);
      loadTorchState(head.maskPredictor, f.maskPredictor as Record<string, TorchTensor>);
      expect(head.namedTensors()[0].name).toBe('mask_head.0.0.weight');
      const m = f.resolution;
      const pooled = tf.tensor4d(f.pooled, [f.numRois, m, m, f.channels]);
      await expectNoLeaks(() => {
        const feats = head.maskHead.apply(pooled);
        const logits = head.apply(pooled);
        const probs = maskProbabilities(logits, f.labels);
        expect(logits.shape).toEqual([f.numRois, 2 * m, 2 * m, f.numClasses]);
        expect(maxAbsDiff(feats.dataSync(), f.features)).toBeLessThan(1e-4);
        expect(maxAbsDiff(logits.dataSync(), f.maskLogits)).toBeLessThan(1e-4);
        expect(maxAbsDiff(probs.dataSync(), f.maskProbabilities)).toBeLessThan(1e-5);
        tf.dispose([feats, logits, probs]);
      });
      pooled.dispose();
      head.dispose();
    },
  );

  it.each([1, 2])(
    'FcnMaskHead (dilation %i) equals float64 loops (undilated: and their finite-difference gradient)',
    async (dilation) => {
      await initBackend({ backend });
      const [n, h, c] = [1, 4, 2];
      const head = new FcnMaskHead({
        inChannels: c,
        layers: [3, 3],
        dilation,
        dimReduced: 2,
        numClasses: 3,
        rng: new SeededRandom(10 + dilation),
      });
      const params = head
        .namedTensors()
        .map((t) => ({ shape: t.variable.shape, data: t.variable.dataSync() }));
      const [w1, b1, w2, b2, wd, bd, wl, bl] = params;
      const ref = (v: ArrayLike<number>) => {
        const a1 = conv2dRef(v, [n, h, h, c], w1.data, w1.shape, b1.data, dilation, dilation, true);
        const a2 = conv2dRef(a1, [n, h, h, 3], w2.data, w2.shape, b2.data, dilation, dilation, true);
        const up = deconv2x2Ref(a2, [n, h, h, 3], wd.data, 2, bd.data);
        return conv2dRef(up, [n, 2 * h, 2 * h, 2], wl.data, wl.shape, bl.data, 0, 1, false);
      };
      const x = randomArray(n * h * h * c, 30 + dilation);
      const input = tf.tensor4d(x, [n, h, h, c]);
      const weights = Float64Array.from({ length: n * 4 * h * h * 3 }, (_, i) => ((i * 5) % 7) - 3);
      const wt = tf.tensor4d(Float32Array.from(weights), [n, 2 * h, 2 * h, 3]);
      await expectNoLeaks(() => {
        const y = head.apply(input);
        expect(maxAbsDiff(y.dataSync(), ref(x))).toBeLessThan(1e-5);
        y.dispose();
        // tfjs has no conv gradient for dilation > 1, so dilated heads are inference-only.
        if (dilation > 1) return;
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(head.apply(v as tf.Tensor4D), wt)))(input);
        const fd = finiteDifference((v) => ref(v).reduce((s, e, i) => s + e * weights[i], 0), x);
        expect(maxAbsDiff(g.dataSync(), fd)).toBeLessThan(1e-4);
        g.dispose();
      });
      tf.dispose([input, wt]);
      head.dispose();
    },
  );

  it('maskProbabilities: sigmoid and softmax of the labelled class against float64 loops', async () => {
    await initBackend({ backend });
    const [r, m, k] = [3, 2, 4];
    const x = randomArray(r * m * m * k, 5, -4, 4);
    const labels = [2, 0, 3];
    const logits = tf.tensor4d(x, [r, m, m, k]);
    await expectNoLeaks(() => {
      const sig = maskProbabilities(logits, labels);
      const labelTensor = tf.tensor1d(labels, 'int32');
      const soft = maskProbabilities(logits, labelTensor, 'softmax');
      const refSig: number[] = [];
      const refSoft: number[] = [];
      for (let i = 0; i < r; i++)
        for (let p = 0; p < m * m; p++) {
          const base = (i * m * m + p) * k;
          refSig.push(sigmoid(x[base + labels[i]]));
          let z = 0;
          for (let c = 0; c < k; c++) z += Math.exp(x[base + c]);
          refSoft.push(Math.exp(x[base + labels[i]]) / z);
        }
      expect(maxAbsDiff(sig.dataSync(), refSig)).toBeLessThan(1e-6);
      expect(maxAbsDiff(soft.dataSync(), refSoft)).toBeLessThan(1e-6);
      tf.dispose([sig, soft, labelTensor]);
    });
    expect(() => maskProbabilities(logits, [0, 1, 4])).toThrow(InputError);
    expect(() => maskProbabilities(logits, [0, 1])).toThrow(/labels/);
    const one = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(() => maskProbabilities(one, [3], 'softmax')).toThrow(ConfigError);
    tf.dispose([logits, one]);
  });

  it('MlpMaskHead equals a float64 loop and has its finite-difference gradient', async () => {
    await initBackend({ backend });
    const [r, h, c, m, k] = [2, 2, 3, 3, 2];
    const head = new MlpMaskHead({
      inChannels: c,
      inputResolution: h,
      hiddenSizes: [5, 4],
      maskResolution: m,
      numClasses: k,
      rng: new SeededRandom(6),
    });
    expect(head.namedTensors().map((t) => t.name)).toEqual([
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
      'mask_fc_logits.weight',
      'mask_fc_logits.bias',
    ]);
    const [l1, l2, l3] = head.layers;
    const p = (l: typeof l1) => [l.weight.dataSync(), l.bias!.dataSync()] as const;
    const [w1, b1] = p(l1);
    const [w2, b2] = p(l2);
    const [w3, b3] = p(l3);
    const ref = (v: ArrayLike<number>) =>
      linearRef(
        linearRef(linearRef(v, r, w1, h * h * c, 5, b1, true), r, w2, 5, 4, b2, true),
        r,
        w3,
        4,
        m * m * k,
        b3,
        false,
      );
    const x = randomArray(r * h * h * c, 12);
    const input = tf.tensor4d(x, [r, h, h, c]);
    await expectNoLeaks(() => {
      const y = head.apply(input);
      expect(y.shape).toEqual([r, m, m, k]);
      expect(maxAbsDiff(y.dataSync(), ref(x))).toBeLessThan(1e-5);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(head.apply(v as tf.Tensor4D))))(input);
      const fd = finiteDifference((v) => ref(v).reduce((s, e) => s + e * e, 0), x);
      expect(maxAbsDiff(g.dataSync(), fd)).toBeLessThan(1e-4);
      tf.dispose([y, g]);
    });
    input.dispose();
    head.dispose();
  });

  it('C4 heads: res5 + average pool, and the shared-res5 mask branch', async () => {
    await initBackend({ backend });
    const rng = new SeededRandom(8);
    const res5 = new StrideTwoStage(3, 6, rng);
    const box = new C4BoxHead({ res5 });
    const mask = new C4MaskHead({ boxHead: box, numClasses: 4, dimReduced: 5, rng });
    expect(box.namedTensors().map((t) => t.name)).toEqual(['res5.conv.weight', 'res5.conv.bias']);
    expect(mask.namedTensors().map((t) => t.name)).toEqual([
      'mask_predictor.conv5_mask.weight',
      'mask_predictor.conv5_mask.bias',
      'mask_predictor.mask_fcn_logits.weight',
      'mask_predictor.mask_fcn_logits.bias',
    ]);
    const pooled = tf.tensor4d(randomArray(2 * 4 * 4 * 3, 13), [2, 4, 4, 3]);
    await expectNoLeaks(() => {
      const feats = box.features(pooled);
      const vec = box.apply(pooled);
      const f = feats.dataSync();
      const want = new Float64Array(2 * 6);
      for (let i = 0; i < 2; i++)
        for (let p = 0; p < 4; p++)
          for (let ch = 0; ch < 6; ch++) want[i * 6 + ch] += f[(i * 4 + p) * 6 + ch] / 4;
      expect(maxAbsDiff(vec.dataSync(), want)).toBeLessThan(1e-6);
      const logits = mask.apply(pooled);
      const fromFeats = mask.applyToFeatures(feats);
      expect(logits.shape).toEqual([2, 4, 4, 4]);
      expect(maxAbsDiff(logits.dataSync(), fromFeats.dataSync())).toBe(0);
      tf.dispose([feats, vec, logits, fromFeats]);
    });
    mask.dispose();
    expect(res5.isDisposed).toBe(false);
    box.dispose();
    expect(res5.isDisposed).toBe(true);
    pooled.dispose();
  });
});

describe('mask head options', () => {
  it('class-agnostic predictors output one channel; legacy names map to torchvision 0.14', async () => {
    await initBackend({ backend: 'cpu' });
    const rng = new SeededRandom(3);
    const pred = new MaskRcnnPredictor({
      inChannels: 4,
      dimReduced: 3,
      numClasses: 7,
      classAgnostic: true,
      rng,
    });
    const mlp = new MlpMaskHead({
      inChannels: 2,
      inputResolution: 2,
      hiddenSizes: [3],
      maskResolution: 4,
      numClasses: 7,
      classAgnostic: true,
      rng,
    });
    expect(pred.numMaskClasses).toBe(1);
    const x = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
    const y = pred.apply(x);
    expect(y.shape).toEqual([1, 4, 4, 1]);
    const x2 = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    const y2 = mlp.apply(x2);
    expect(y2.shape).toEqual([1, 4, 4, 1]);
    expect(legacyMaskHeadName('mask_fcn3.bias')).toBe('2.0.bias');
    expect(legacyMaskHeadName('0.0.weight')).toBe('0.0.weight');
    expect(() => new FcnMaskHead({ inChannels: 4, numClasses: 3, layers: [4, 0], rng })).toThrow(
      /layers\[1\]/,
    );
    expect(() => mlp.apply(x)).toThrow(/pooled/);
    tf.dispose([x, y, x2, y2]);
    pred.dispose();
    mlp.dispose();
  });
});
