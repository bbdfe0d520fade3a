import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoLeaks } from '@rcnn/backend';
import { ConfigError, writeSafetensorsFile } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDetectorBackend, loadTorchvisionDetector, type TorchvisionDetector } from '../src/index';
import fixture from './fixtures/detector_r18.json';
import { hashedStateDict } from './helpers/hashedWeights';
import { matchDetections, rows } from './helpers/matchDetections';

const f = fixture as unknown as {
  config: Record<string, number>;
  image: { height: number; width: number; data: string };
  stateDict: Array<[string, number[]]>;
  resizedSize: [number, number];
  proposals: number[];
  raw: { boxes: number[]; scores: number[]; labels: number[]; masks: number[] };
  final: { boxes: number[]; scores: number[]; labels: number[]; maskShape: number[]; pastedMasks: number[] };
};

const dir = mkdtempSync(join(tmpdir(), 'rcnn-tv-'));
const weightsPath = join(dir, 'maskrcnn_r18_fpn.safetensors');
let detector: TorchvisionDetector;
let image: tf.Tensor3D;

beforeAll(async () => {
  await initDetectorBackend({ backend: 'wasm' });
  await writeSafetensorsFile(weightsPath, hashedStateDict(f.stateDict));
  detector = await loadTorchvisionDetector(weightsPath, {
    arch: 'maskrcnn',
    backbone: 'resnet18',
    numClasses: f.config.num_classes,
    minSize: f.config.min_size,
    maxSize: f.config.max_size,
    boxScoreThresh: f.config.box_score_thresh,
    rpnPreNmsTopNTest: f.config.rpn_pre_nms_top_n_test,
    rpnPostNmsTopNTest: f.config.rpn_post_nms_top_n_test,
    boxDetectionsPerImg: f.config.box_detections_per_img,
  });
  const bytes = Buffer.from(f.image.data, 'base64');
  image = tf.tensor3d(new Uint8Array(bytes), [f.image.height, f.image.width, 3], 'int32');
});

afterAll(() => {
  detector?.dispose();
  image?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadTorchvisionDetector: Mask R-CNN R18-FPN against torchvision 0.14 (wasm)', () => {
  it('loads every tensor of the torchvision state dict by name', () => {
    expect(detector.loadReport.missing).toEqual([]);
    expect(detector.loadReport.unexpected).toEqual([]);
    expect(detector.loadReport.loaded.length).toBe(f.stateDict.length);
  });

  it("reproduces torchvision's proposals and raw detections (boxes, scores, labels, 28×28 masks)", () => {
    const raw = detector.model.detectRaw([image]);
    expect(raw.imageSizes[0]).toEqual(f.resizedSize);
    const expP = rows(f.proposals, 4);
    const gotP = rows(raw.proposals[0], 4);
    expect(gotP.length).toBe(expP.length);
    // proposals come out best first; compare as sets (near-tied objectness may swap neighbours)
    const worst = Math.max(
      ...expP.map((b) => Math.min(...gotP.map((g) => Math.max(...g.map((v, c) => Math.abs(v - b[c])))))),
    );
    expect(worst).toBeLessThan(2e-3);

    const d = raw.detections[0];
    const m = matchDetections(
      rows(f.raw.boxes, 4),
      f.raw.scores,
      f.raw.labels,
      rows(d.boxes, 4),
      d.scores,
      d.labels,
    );
    // all but near-ties at the cut-off must match
    const cut = f.raw.scores[f.raw.scores.length - 1];
    for (const i of m.unmatched) expect(Math.abs(f.raw.scores[i] - cut)).toBeLessThan(1e-3);
    expect(m.pairs.length).toBeGreaterThanOrEqual(f.raw.scores.length - 2);
    expect(m.box).toBeLessThan(2e-3);
    expect(m.score).toBeLessThan(1e-3);
    const mm = 28 * 28;
    let mask = 0;
    for (const [i, j] of m.pairs) {
      for (let k = 0; k < mm; k++)
        mask = Math.max(mask, Math.abs((d.masks as Float32Array)[j * mm + k] - f.raw.masks[i * mm + k]));
    }
    expect(mask).toBeLessThan(1e-3);
    console.info(
      `R18-FPN parity: proposals ${worst.toExponential(2)} px, boxes ${m.box.toExponential(2)} px, scores ${m.score.toExponential(2)}, masks ${mask.toExponential(2)}, matched ${m.pairs.length}/${f.raw.scores.length}`,
    );
  });

  it("predict(image) gives torchvision's final boxes and pasted masks, as tensors, without leaks", async () => {
    await expectNoLeaks(async () => {
      const out = await detector.predict(image);
      const [h, w] = [f.image.height, f.image.width];
      expect(out.boxes.shape).toEqual([f.final.labels.length, 4]);
      expect(out.masks?.shape).toEqual([f.final.labels.length, h, w]);
      const boxes = rows(out.boxes.dataSync(), 4);
      const m = matchDetections(
        rows(f.final.boxes, 4),
        f.final.scores,
        f.final.labels,
        boxes,
        out.scores.dataSync(),
        out.labels.dataSync(),
      );
      expect(m.box).toBeLessThan(2e-3);
      expect(m.score).toBeLessThan(1e-3);
      const masks = out.masks!.dataSync();
      const hw = h * w;
      let worst = 0;
      for (const [i, j] of m.pairs) {
        if (i >= f.final.pastedMasks.length / hw) continue;
        for (let k = 0; k < hw; k++)
          worst = Math.max(worst, Math.abs(masks[j * hw + k] - f.final.pastedMasks[i * hw + k]));
      }
      expect(worst).toBeLessThan(1e-3);
      tf.dispose([out.boxes, out.scores, out.labels, out.masks!]);
    });
  });

  it('rejects unknown archs and backbones with a ConfigError naming the option', async () => {
    await expect(
      loadTorchvisionDetector(weightsPath, { arch: 'retinanet' as 'maskrcnn', backbone: 'resnet18' }),
    ).rejects.toThrow(ConfigError);
    await expect(
      loadTorchvisionDetector(weightsPath, { arch: 'keypointrcnn', backbone: 'resnet18', numClasses: 5 }),
    ).rejects.toThrow(/keypoint_head/);
    await expect(
      loadTorchvisionDetector(weightsPath, { arch: 'maskrcnn', backbone: 'resnet19' as 'resnet18' }),
    ).rejects.toThrow(/backbone/);
    await expect(
      loadTorchvisionDetector(weightsPath, { arch: 'fasterrcnn', backbone: 'resnet18', numClasses: 5 }),
    ).rejects.toThrow(/unexpected/);
  });
});
