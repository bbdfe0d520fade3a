import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoLeaks } from '@rcnn/backend';
import { ConfigError, SeededRandom } from '@rcnn/core';
import { type DetectionRecord, encodePng, syntheticRecord } from '@rcnn/data';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDetector,
  fasterRcnn,
  type GeneralizedRcnn,
  initDetectorBackend,
  maskRcnn,
  mlpMaskHead,
  Predictor,
  readTrainingCheckpoint,
  roiPoolPooler,
  Trainer,
} from '../src/index';
import { cyclingSource } from './helpers/recordSource';
import { tinyMaskRcnnConfig } from './helpers/tinyDetector';

const dir = mkdtempSync(join(tmpdir(), 'rcnn-zoo-'));
const records: DetectionRecord[] = [0, 1].map((i) =>
  syntheticRecord(i, { width: 128, height: 128, maxObjects: 4, seed: 11 }),
);

const fixedSource = cyclingSource(records);

beforeAll(async () => {
  await initDetectorBackend({ backend: 'wasm' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Mask R-CNN training on wasm (tiny R18-FPN)', () => {
  it('lowers the loss over a few iterations, leaks nothing per step, and checkpoints for the Predictor', async () => {
    const config = tinyMaskRcnnConfig();
    const model = buildDetector(config);
    const path = join(dir, 'tiny.safetensors');
    const totals: number[] = [];
    const terms = new Set<string>();
    const trainer = new Trainer<DetectionRecord[]>({
      model,
      createSource: fixedSource,
      config,
      schedule: { baseLearningRate: 0.02, warmupIterations: 2, warmupFactor: 0.1 },
      clipGradientNorm: 10,
      maxIterations: 2,
      seed: 1,
      checkpointPath: path,
      onProgress: (p) => {
        totals.push(p.totalLoss);
        for (const k of Object.keys(p.losses)) terms.add(k);
      },
    });
    await trainer.run();
    // steady state: more iterations must not grow the tensor count (only momentum buffers exist already)
    const trainer2 = new Trainer<DetectionRecord[]>({
      model,
      createSource: fixedSource,
      config,
      schedule: { baseLearningRate: 0.02 },
      clipGradientNorm: 10,
      maxIterations: 10,
      seed: 1,
      checkpointPath: path,
      onProgress: (p) => totals.push(p.totalLoss),
    });
    await trainer2.run();
    const before = tf.memory().numTensors;
    const trainer3 = new Trainer<DetectionRecord[]>({
      model,
      createSource: fixedSource,
      config,
      schedule: { baseLearningRate: 0.02 },
      clipGradientNorm: 10,
      maxIterations: 13,
      checkpointPath: path,
      onProgress: (p) => totals.push(p.totalLoss),
    });
    await trainer3.run();
    expect(tf.memory().numTensors - before).toBe(model.trainableVariables().length);
    expect([...terms].sort()).toEqual([
      'lossBoxReg',
      'lossClassifier',
      'lossMask',
      'lossObjectness',
      'lossRpnBoxReg',
    ]);
    expect(totals.length).toBe(13);
    const head = (totals[0] + totals[1]) / 2;
    const tail = (totals[11] + totals[12]) / 2;
    expect(tail).toBeLessThan(head * 0.8);
    const ckpt = await readTrainingCheckpoint(path);
    expect(ckpt.training?.iteration).toBe(13);
    for (const t of [trainer, trainer2, trainer3]) t.dispose();

    // the checkpoint alone rebuilds the detector; files and tensors give the same detections
    const predictor = await Predictor.fromCheckpoint(path, { batchSize: 2 });
    const png = join(dir, 'a.png');
    writeFileSync(png, encodePng(records[0].image));
    const image = tf.tensor3d(records[0].image.data, [128, 128, 3], 'int32');
    await expectNoLeaks(async () => {
      const [fromFile] = await predictor.predictFiles([png]);
      const [fromTensor, fromRecord] = await predictor.predict([image, records[0].image]);
      expect(Array.from(fromFile.scores)).toEqual(Array.from(fromTensor.scores));
      expect(Array.from(fromRecord.boxes)).toEqual(Array.from(fromTensor.boxes));
      const [own] = await model.predict([image]);
      expect(Array.from(own.boxes)).toEqual(Array.from(fromTensor.boxes));
      expect(fromTensor.maskShape).toEqual([128, 128]);
      const results = Predictor.cocoResults([fromTensor], [records[0].imageId], [1, 2, 3, 4, 5, 6, 7, 8]);
      expect(results.length).toBe(fromTensor.labels.length);
      if (results.length > 0) {
        expect(results[0].segmentation).toMatchObject({ size: [128, 128] });
        expect(results[0].bbox?.length).toBe(4);
      }
    });
    image.dispose();
    predictor.dispose();
    model.dispose();
  });

  it('one step of each head variant runs and leaks nothing (RoIPool, MLP mask head, softmax masks, Faster R-CNN)', async () => {
    const base = tinyMaskRcnnConfig();
    const variants = [
      maskRcnn({
        ...base,
        maskPooler: roiPoolPooler({ outputSize: 14 }),
        maskHead: mlpMaskHead({ hiddenSizes: [32], maskResolution: 14 }),
      }),
      maskRcnn({ ...base, maskHead: { kind: 'fcn', layers: [8], dimReduced: 8, classAgnostic: true } }),
      maskRcnn({ ...base, maskHead: base.mask!.head, maskActivation: 'softmax' }),
      fasterRcnn({ ...base }),
    ];
    for (const config of variants) {
      const model: GeneralizedRcnn = buildDetector(config);
      await expectNoLeaks(() => {
        const { value, grads } = tf.variableGrads(() => {
          const l = model.losses([records[0]], new SeededRandom(2));
          return tf.addN(Object.values(l)) as tf.Scalar;
        }, model.trainableVariables());
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        tf.dispose([value, ...Object.values(grads)]);
      }, config.kind);
      model.dispose();
    }
  });

  it('checks configs and inputs with typed errors', () => {
    expect(() => maskRcnn({ ...tinyMaskRcnnConfig(), numClasses: 1 })).toThrow(ConfigError);
    expect(() => fasterRcnn({ ...tinyMaskRcnnConfig(), boxHead: { kind: 'res5' } })).toThrow(/res5/);
    const model = buildDetector(tinyMaskRcnnConfig());
    expect(() => model.losses([], new SeededRandom(2))).toThrow(/records/);
    expect(() => model.losses([{ ...records[0], masks: null }], new SeededRandom(2))).toThrow(/masks/);
    // an image without any (non-crowd) instance trains on background only
    const empty = { ...records[0], isCrowd: new Uint8Array(records[0].classIds.length).fill(1) };
    const losses = model.losses([empty], new SeededRandom(3));
    expect(Object.values(losses).every((l) => Number.isFinite(l.dataSync()[0]))).toBe(true);
    expect(losses.lossMask?.dataSync()[0]).toBe(0);
    tf.dispose(Object.values(losses));
    model.dispose();
  });
});
