import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resnetC4, resnetC5 } from '@rcnn/backbones';
import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { ConfigError, SeededRandom } from '@rcnn/core';
import { type DetectionRecord, syntheticRecord } from '@rcnn/data';
import { selectiveSearch } from '@rcnn/proposals';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildDetector,
  ExternalProposals,
  fastRcnn,
  IMAGE_FEATURE,
  imageContentKey,
  initDetectorBackend,
  Predictor,
  RegionWarpPooler,
  rcnn,
  selectiveSearchProposals,
  Trainer,
} from '../src/index';
import { cyclingSource } from './helpers/recordSource';

const dir = mkdtempSync(join(tmpdir(), 'rcnn-proposal-detectors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const records: DetectionRecord[] = [0, 1].map((i) =>
  syntheticRecord(i, { width: 128, height: 128, maxObjects: 3, seed: 21 }),
);

const tinyTrunk = {
  depth: 18,
  stageDepths: [1, 1, 1, 1],
  widthMultiplier: 0.125,
  norm: 'frozen',
  seed: 4,
} as const;

function tinyFastRcnn(cacheDirectory?: string) {
  return fastRcnn({
    numClasses: 10,
    backbone: resnetC5(tinyTrunk),
    transform: { minSize: 128, maxSize: 128 },
    proposals: {
      strategy: 'single',
      trainTopN: 60,
      testTopN: 40,
      ...(cacheDirectory ? { cacheDirectory } : {}),
    },
    boxHead: { kind: 'twoMlp', representationSize: 32 },
    roiHeads: { batchSizePerImage: 16, detectionsPerImage: 10 },
    seed: 2,
  });
}

function tinyRcnn() {
  return rcnn({
    numClasses: 10,
    backbone: resnetC5(tinyTrunk),
    transform: { minSize: 128, maxSize: 128 },
    proposals: { strategy: 'single', trainTopN: 60, testTopN: 40 },
    regionWarp: { size: 32, contextPadding: 2, inferenceBatch: 16 },
    representationSize: 24,
    roiHeads: { batchSizePerImage: 8, detectionsPerImage: 10 },
    seed: 2,
  });
}

const source = cyclingSource(records);

/**
 * Float64 plain-loop reference of the region warp: the box enlarged about its centre by
 * s / (s − 2p), s samples per side at the centres of s equal cells, bilinear, 0 outside.
 */
function warpReference(
  image: Float64Array,
  h: number,
  w: number,
  c: number,
  box: number[],
  s: number,
  p: number,
): Float64Array {
  const [x1, y1, x2, y2] = box;
  const k = s / (s - 2 * p);
  const bw = (x2 - x1) * k;
  const bh = (y2 - y1) * k;
  const left = (x1 + x2) / 2 - bw / 2;
  const top = (y1 + y2) / 2 - bh / 2;
  const out = new Float64Array(s * s * c);
  for (let i = 0; i < s; i++) {
    const y = top + ((i + 0.5) * bh) / s - 0.5;
    for (let j = 0; j < s; j++) {
      const x = left + ((j + 0.5) * bw) / s - 0.5;
      for (let ch = 0; ch < c; ch++) {
        let v = 0;
        if (y >= 0 && y <= h - 1 && x >= 0 && x <= w - 1) {
          const y0 = Math.floor(y);
          const x0 = Math.floor(x);
          const y1i = Math.min(y0 + 1, h - 1);
          const x1i = Math.min(x0 + 1, w - 1);
          const fy = y - y0;
          const fx = x - x0;
          const at = (yy: number, xx: number) => image[(yy * w + xx) * c + ch];
          v =
            (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1i)) +
            fy * ((1 - fx) * at(y1i, x0) + fx * at(y1i, x1i));
        }
        out[(i * s + j) * c + ch] = v;
      }
    }
  }
  return out;
}

describe.each(['cpu', 'wasm'])('region warp on %s', (backend) => {
  it('matches a float64 loop: context padding, aspect change, regions partly outside the image', async () => {
    await initBackend({ backend });
    const [h, w, c] = [13, 17, 3];
    const rng = new SeededRandom(3);
    const pixels = Float64Array.from({ length: h * w * c }, () => rng.normal());
    const boxes = [
      [2, 3, 9, 11],
      [0, 0, 17, 13],
      [10.5, 1.25, 16.75, 4.5],
      [-3, -2, 5, 6],
      [4, 4, 4.5, 9],
    ];
    const pooler = new RegionWarpPooler({ size: 7, contextPadding: 1, inferenceBatch: 4 });
    const image = tf.tensor4d(Float32Array.from(pixels), [1, h, w, c]);
    const rois = tf.tensor2d(
      boxes.flatMap((b, i) => [i % 2, ...b]),
      [boxes.length, 5],
    );
    // the second batch image is the first one again, so every RoI reads the same pixels
    const doubled = tf.concat([image, image]);
    await expectNoLeaks(() => pooler.apply({ [IMAGE_FEATURE]: doubled }, rois).dispose());
    const out = pooler.apply({ [IMAGE_FEATURE]: doubled }, rois);
    expect(out.shape).toEqual([boxes.length, 7, 7, c]);
    const got = out.dataSync();
    let maxErr = 0;
    boxes.forEach((b, r) => {
      const ref = warpReference(pixels, h, w, c, b, 7, 1);
      for (let k = 0; k < ref.length; k++)
        maxErr = Math.max(maxErr, Math.abs(got[r * ref.length + k] - ref[k]));
    });
    expect(maxErr).toBeLessThan(1e-5);
    const empty = pooler.apply({ [IMAGE_FEATURE]: doubled }, tf.zeros([0, 5]) as tf.Tensor2D);
    expect(empty.shape).toEqual([0, 7, 7, 3]);
    tf.dispose([image, rois, doubled, out, empty]);
  });
});

describe('external proposals', () => {
  it('are the selective-search boxes, cut to top-n, computed once per image and cached atomically on disk', () => {
    const cacheDirectory = join(dir, 'ss-cache');
    const config = selectiveSearchProposals({
      strategy: 'single',
      trainTopN: 30,
      testTopN: 10,
      minSize: 3,
      cacheDirectory,
    });
    const provider = new ExternalProposals(config);
    const image = records[0].image;
    const train = provider.propose(image, true);
    const test = provider.propose(image, false);
    expect(train.length).toBe(30 * 4);
    expect(test).toEqual(train.subarray(0, 40));
    const direct = selectiveSearch(image, { strategy: 'single' }).boxes;
    const expected: number[] = [];
    for (let i = 0; i < direct.length / 4 && expected.length < 120; i++) {
      const [x1, y1, x2, y2] = direct.subarray(i * 4, i * 4 + 4);
      if (x2 - x1 >= 3 && y2 - y1 >= 3) expected.push(x1, y1, x2, y2);
    }
    expect(Array.from(train)).toEqual(expected);
    const files = readdirSync(cacheDirectory);
    expect(files).toEqual([`single-${imageContentKey(image)}.f32`]);
    // a fresh provider reads the file instead of recomputing
    const again = new ExternalProposals(config).propose(image, true);
    expect(again).toEqual(train);
    expect(imageContentKey(records[1].image)).not.toBe(imageContentKey(image));
  });

  it('reject bad settings with the field at fault', () => {
    expect(() => new ExternalProposals(selectiveSearchProposals({ trainTopN: 0 }))).toThrow(
      /proposals\.trainTopN/,
    );
    expect(
      () => new ExternalProposals({ ...selectiveSearchProposals(), strategy: 'best' as 'fast' }),
    ).toThrow(/proposals\.strategy/);
    expect(() => new RegionWarpPooler({ size: 8, contextPadding: 4, inferenceBatch: 1 })).toThrow(
      ConfigError,
    );
  });
});

describe('configs', () => {
  it('follow Fast R-CNN and R-CNN: no RPN, selective search, RoIPool / region warp with context', () => {
    const fast = fastRcnn({ numClasses: 21, backbone: resnetC4({ depth: 50 }) });
    expect(fast.kind).toBe('fastRcnn');
    expect(fast.rpn).toBeUndefined();
    expect(fast.proposals).toEqual({
      method: 'selectiveSearch',
      strategy: 'fast',
      trainTopN: 2000,
      testTopN: 2000,
      minSize: 2,
    });
    expect(fast.boxPooler).toEqual({ op: { kind: 'pool' }, outputSize: 14 });
    expect(fast.boxHead.kind).toBe('res5');
    expect(fast.transform).toMatchObject({ minSize: 600, maxSize: 1000 });
    const r = rcnn({ numClasses: 21, backbone: resnetC5({ depth: 50 }) });
    expect(r.kind).toBe('rcnn');
    expect(r.regionWarp).toEqual({ size: 227, contextPadding: 16, inferenceBatch: 128 });
    expect(r.boxPooler).toBeUndefined();
    expect(r.boxHead).toEqual({ kind: 'regionCnn', representationSize: 1024 });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(() => buildDetector({ ...fast, rpn: undefined, proposals: undefined })).toThrow(/proposals/);
    expect(() => buildDetector({ ...r, regionWarp: undefined })).toThrow(/regionWarp/);
    expect(() => buildDetector({ ...fast, kind: 'fasterRcnn' })).toThrow(/rpn/);
  });
});

describe.each(['fastRcnn', 'rcnn'] as const)('%s on wasm', (kind) => {
  it('trains (loss falls, no RPN terms, no leaks per step) and predicts from its checkpoint', async () => {
    await initDetectorBackend({ backend: 'wasm' });
    const config = kind === 'rcnn' ? tinyRcnn() : tinyFastRcnn(join(dir, `cache-${kind}`));
    const model = buildDetector(config);
    const rng = new SeededRandom(0);
    const terms = tf.tidy(() => Object.keys(model.computeLosses([records[0]], rng)));
    expect(terms.sort()).toEqual(['lossBoxReg', 'lossClassifier']);
    // warm the proposal cache and kernels, then a training step must not grow the tensor count
    const losses: number[] = [];
    const path = join(dir, `${kind}.safetensors`);
    const run = async (iterations: number) => {
      const trainer = new Trainer<DetectionRecord[]>({
        model,
        createSource: source,
        config,
        schedule: { baseLearningRate: 0.02, warmupIterations: 0 },
        clipGradientNorm: 10,
        maxIterations: iterations,
        seed: 1,
        checkpointPath: path,
        onProgress: (p) => losses.push(p.totalLoss),
      });
      await trainer.run();
      trainer.dispose();
    };
    await run(1);
    const before = tf.memory().numTensors;
    await run(12);
    expect(tf.memory().numTensors).toBe(before);
    const early = (losses[1] + losses[2]) / 2;
    const late = (losses[losses.length - 1] + losses[losses.length - 2]) / 2;
    expect(late).toBeLessThan(early);
    await expectNoLeaks(async () => {
      const [p] = await model.predict([records[1].image]);
      expect(p.boxes.length).toBe(p.scores.length * 4);
      expect(p.masks).toBeUndefined();
    });
    const predictor = await Predictor.fromCheckpoint(path);
    const [a] = await predictor.predict([records[1].image]);
    const [b] = await model.predict([records[1].image]);
    expect(a.scores).toEqual(b.scores);
    // tensors as input give the same proposals and detections as the record's bytes
    const t = tf.tensor3d(records[1].image.data, [128, 128, 3], 'int32');
    const [c] = await model.predict([t]);
    expect(c.boxes).toEqual(b.boxes);
    t.dispose();
    predictor.dispose();
    model.dispose();
    if (kind === 'fastRcnn') expect(existsSync(join(dir, `cache-${kind}`))).toBe(true);
  }, 120_000);
});
