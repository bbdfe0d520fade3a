import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { ConfigError, SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { RegionProposalNetwork } from '../src/index';
import fixture from './fixtures/rpn.json';
import { maxAbsDiff } from './reference';
import { loadTorchState, type TorchTensor } from './torchState';

const f = fixture.forward;
const size = (s: number[]) => [s[0], s[1]] as [number, number];

function makeRpn(): RegionProposalNetwork {
  return new RegionProposalNetwork({
    inChannels: f.channels,
    anchors: { sizes: f.sizes.map((s) => [s]), aspectRatios: f.sizes.map(() => f.aspectRatios) },
    test: { preNmsTopN: f.preNmsTopN, postNmsTopN: f.postNmsTopN },
    rng: new SeededRandom(2),
  });
}

describe.each(['cpu', 'wasm'])('RegionProposalNetwork on %s', (backend) => {
  it("reproduces torchvision's eval-mode RPN proposals", async () => {
    await initBackend({ backend });
    const rpn = makeRpn();
    expect(rpn.namedTensors()[0].name).toBe('head.conv.0.0.weight');
    loadTorchState(rpn.head, f.state as Record<string, TorchTensor>);
    const featureSizes = f.features.map((x) => size(x.shape.slice(1, 3)));
    expect(maxAbsDiff(rpn.anchorGenerator.anchors(size(f.imageTensorSize), featureSizes), f.anchors)).toBe(0);
    const feats = f.features.map((x) => tf.tensor4d(x.data, x.shape as [number, number, number, number]));
    await expectNoLeaks(() => {
      const out = rpn.apply({
        features: feats,
        imageTensorSize: size(f.imageTensorSize),
        imageSizes: f.imageSizes.map(size),
      });
      expect(out.losses).toBeUndefined();
      out.proposals.forEach((p, img) => {
        expect(p.boxes.shape).toEqual([f.boxes[img].length / 4, 4]);
        expect(maxAbsDiff(p.boxes.dataSync(), f.boxes[img])).toBeLessThan(1e-3);
      });
      tf.dispose(out.proposals.flatMap((p) => [p.boxes, p.scores]));
    });
    tf.dispose(feats);
    rpn.dispose();
  });

  it('trains: the loss reaches every head parameter with finite gradients, without leaks', async () => {
    await initBackend({ backend });
    const rpn = makeRpn();
    const feats = f.features.map((x) => tf.tensor4d(x.data, x.shape as [number, number, number, number]));
    const gtBoxes = [Float32Array.from([10, 12, 40, 30, 50, 20, 80, 60]), Float32Array.from([5, 5, 30, 45])];
    await expectNoLeaks(() => {
      const rng = new SeededRandom(9);
      const { value, grads } = tf.variableGrads(() => {
        const out = rpn.apply({
          features: feats,
          imageTensorSize: size(f.imageTensorSize),
          imageSizes: f.imageSizes.map(size),
          gtBoxes,
          training: true,
          rng,
        });
        tf.dispose(out.proposals.flatMap((p) => [p.boxes, p.scores]));
        return tf.add(out.losses!.objectness, out.losses!.boxRegression) as tf.Scalar;
      }, rpn.trainableVariables());
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      const names = rpn.namedParameters().map(([n]) => n);
      for (const [name, v] of rpn.namedParameters()) {
        const g = grads[v.name];
        expect(g, name).toBeDefined();
        expect(g.dataSync().every((x) => Number.isFinite(x))).toBe(true);
      }
      expect(names).toHaveLength(6);
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(() =>
      rpn.apply({
        features: feats,
        imageTensorSize: [64, 96],
        imageSizes: [
          [64, 96],
          [64, 96],
        ],
        gtBoxes,
      }),
    ).toThrow(ConfigError);
    tf.dispose(feats);
    rpn.dispose();
  });
});

describe('RegionProposalNetwork, C4 setting', () => {
  it("one level with the paper's 15 anchors (5 scales × 3 ratios) and 300 test proposals", async () => {
    await initBackend({ backend: 'wasm' });
    const rpn = new RegionProposalNetwork({
      inChannels: 8,
      anchors: { sizes: [[32, 64, 128, 256, 512]], aspectRatios: [[0.5, 1, 2]] },
      test: { preNmsTopN: 6000, postNmsTopN: 300 },
      rng: new SeededRandom(4),
    });
    expect(rpn.head.numAnchors).toBe(15);
    const feats = [tf.randomNormal([1, 20, 30, 8], 0, 1, 'float32', 1) as tf.Tensor4D];
    await expectNoLeaks(() => {
      const out = rpn.apply({ features: feats, imageTensorSize: [320, 480], imageSizes: [[300, 470]] });
      const [p] = out.proposals;
      expect(p.boxes.shape[0]).toBeGreaterThan(0);
      expect(p.boxes.shape[0]).toBeLessThanOrEqual(300);
      const b = p.boxes.dataSync();
      for (let i = 0; i < b.length; i += 4) {
        expect(b[i]).toBeGreaterThanOrEqual(0);
        expect(b[i + 2]).toBeLessThanOrEqual(470);
        expect(b[i + 3]).toBeLessThanOrEqual(300);
      }
      const s = p.scores.dataSync();
      for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
      tf.dispose([p.boxes, p.scores]);
    });
    tf.dispose(feats);
    rpn.dispose();
  });
});
