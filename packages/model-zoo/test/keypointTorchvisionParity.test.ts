import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoLeaks } from '@rcnn/backend';
import { writeSafetensorsFile } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDetectorBackend, loadTorchvisionDetector, type TorchvisionDetector } from '../src/index';
import fixture from './fixtures/detector_keypoint_r18.json';
import { hashedStateDict } from './helpers/hashedWeights';
import { matchDetections, rows } from './helpers/matchDetections';

interface Detections {
  boxes: number[];
  scores: number[];
  labels: number[];
  keypoints: number[];
  keypointsScores: number[];
}

const f = fixture as unknown as {
  config: Record<string, number>;
  keypointLayers: number[];
  image: { height: number; width: number; data: string };
  stateDict: Array<[string, number[]]>;
  resizedSize: [number, number];
  proposals: number[];
  raw: Detections;
  final: Detections;
};
const K = f.config.num_keypoints;

const dir = mkdtempSync(join(tmpdir(), 'rcnn-tv-kp-'));
const weightsPath = join(dir, 'keypointrcnn_r18_fpn.safetensors');
let detector: TorchvisionDetector;
let image: tf.Tensor3D;

/**
 * Pair each expected detection with ours of the same label and the closest box; report the
 * worst box, score, keypoint-position and keypoint-score differences over the pairs, and how
 * many keypoints moved by more than a pixel (an argmax that flipped between near-equal cells).
 */
function compare(
  exp: Detections,
  got: {
    boxes: ArrayLike<number>;
    scores: ArrayLike<number>;
    labels: ArrayLike<number>;
    keypoints: ArrayLike<number>;
    keypointScores: ArrayLike<number>;
  },
) {
  const m = matchDetections(
    rows(exp.boxes, 4),
    exp.scores,
    exp.labels,
    rows(got.boxes, 4),
    got.scores,
    got.labels,
  );
  const r = { pairs: m.pairs.length, box: m.box, score: m.score, keypoint: 0, keypointScore: 0, flipped: 0 };
  for (const [i, best] of m.pairs) {
    for (let k = 0; k < K; k++) {
      const e = (i * K + k) * 3;
      const g = (best * K + k) * 3;
      const d = Math.max(
        Math.abs(got.keypoints[g] - exp.keypoints[e]),
        Math.abs(got.keypoints[g + 1] - exp.keypoints[e + 1]),
      );
      if (d > 1) {
        r.flipped++;
        continue;
      }
      r.keypoint = Math.max(r.keypoint, d);
      r.keypointScore = Math.max(
        r.keypointScore,
        Math.abs(got.keypointScores[best * K + k] - exp.keypointsScores[i * K + k]),
      );
    }
  }
  return r;
}

beforeAll(async () => {
  await initDetectorBackend({ backend: 'wasm' });
  await writeSafetensorsFile(weightsPath, hashedStateDict(f.stateDict));
  detector = await loadTorchvisionDetector(weightsPath, {
    arch: 'keypointrcnn',
    backbone: 'resnet18',
    numClasses: f.config.num_classes,
    numKeypoints: K,
    keypointLayers: f.keypointLayers,
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

describe('loadTorchvisionDetector: Keypoint R-CNN R18-FPN against torchvision 0.14 (wasm)', () => {
  it('loads every tensor of the torchvision state dict by name', () => {
    expect(detector.loadReport.missing).toEqual([]);
    expect(detector.loadReport.unexpected).toEqual([]);
    expect(detector.loadReport.loaded.length).toBe(f.stateDict.length);
  });

  it("reproduces torchvision's raw detections and keypoints in the resized input", () => {
    const raw = detector.model.detectRaw([image]);
    expect(raw.imageSizes[0]).toEqual(f.resizedSize);
    const d = raw.detections[0];
    const r = compare(f.raw, {
      ...d,
      keypoints: d.keypoints as Float32Array,
      keypointScores: d.keypointScores as Float32Array,
    });
    const n = f.raw.labels.length;
    expect(r.pairs).toBeGreaterThanOrEqual(n - 1);
    expect(r.box).toBeLessThan(2e-3);
    expect(r.score).toBeLessThan(1e-3);
    expect(r.keypoint).toBeLessThan(1e-3);
    expect(r.keypointScore).toBeLessThan(2e-3);
    expect(r.flipped).toBeLessThanOrEqual(Math.ceil(0.02 * n * K));
    console.info(
      `Keypoint R18-FPN parity: boxes ${r.box.toExponential(2)} px, scores ${r.score.toExponential(2)}, keypoints ${r.keypoint.toExponential(2)} px, keypoint scores ${r.keypointScore.toExponential(2)}, argmax flips ${r.flipped}/${r.pairs * K}, matched ${r.pairs}/${n}`,
    );
  });

  it("predict(image) gives torchvision's final keypoints and scores as tensors, without leaks", async () => {
    await expectNoLeaks(async () => {
      const out = await detector.predict(image);
      const n = f.final.labels.length;
      expect(out.keypoints?.shape).toEqual([out.labels.shape[0], K, 3]);
      expect(out.keypointsScores?.shape).toEqual([out.labels.shape[0], K]);
      const r = compare(f.final, {
        boxes: out.boxes.dataSync(),
        scores: out.scores.dataSync(),
        labels: out.labels.dataSync(),
        keypoints: out.keypoints!.dataSync(),
        keypointScores: out.keypointsScores!.dataSync(),
      });
      expect(r.pairs).toBeGreaterThanOrEqual(n - 1);
      expect(r.box).toBeLessThan(2e-3);
      expect(r.keypoint).toBeLessThan(2e-3);
      expect(r.keypointScore).toBeLessThan(2e-3);
      expect(r.flipped).toBeLessThanOrEqual(Math.ceil(0.02 * n * K));
      tf.dispose([out.boxes, out.scores, out.labels, out.keypoints!, out.keypointsScores!]);
    });
  });
});
