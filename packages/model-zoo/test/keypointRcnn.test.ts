import { expectNoLeaks } from '@rcnn/backend';
import { ConfigError, InputError, SeededRandom } from '@rcnn/core';
import {
  type DetectionRecord,
  generateSyntheticImage,
  SYNTHETIC_CATEGORY_IDS,
  syntheticAnnotations,
  syntheticCategories,
  syntheticRecord,
} from '@rcnn/data';
import { type CocoDataset, type CocoResult, evaluate } from '@rcnn/eval';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  buildDetector,
  type DetectorConfig,
  fcnMaskHead,
  initDetectorBackend,
  keypointRcnn,
  keypointRcnnHead,
  roiAlignPooler,
  roiPoolPooler,
  toCocoResults,
  trainableInstances,
} from '../src/index';
import { tinyMaskRcnnConfig } from './helpers/tinyDetector';

const SYNTH = { width: 128, height: 128, maxObjects: 4, seed: 11 };

/** The first synthetic image (from 0) with a person that has visible keypoints. */
function recordWithPerson(): DetectionRecord {
  for (let i = 0; i < 50; i++) {
    const r = syntheticRecord(i, SYNTH);
    for (let g = 0; g < r.classIds.length; g++) {
      if (r.classIds[g] !== 1 || r.isCrowd[g]) continue;
      for (let k = 0; k < 17; k++) if ((r.keypoints as Float32Array)[(g * 17 + k) * 3 + 2] > 0) return r;
    }
  }
  throw new Error('no synthetic person in the first 50 images');
}

/** A CPU-sized Keypoint R-CNN: the tiny R18-FPN of the Mask R-CNN tests with a one-conv keypoint head. */
function tinyKeypointRcnn(withMask: boolean, pooler = roiAlignPooler({ outputSize: 14 })): DetectorConfig {
  const { mask, kind, ...base } = tinyMaskRcnnConfig();
  return keypointRcnn({
    ...base,
    ...(withMask ? { maskHead: mask!.head } : {}),
    keypointPooler: pooler,
    keypointHead: keypointRcnnHead({ layers: [16] }),
  });
}

const record = recordWithPerson();

describe('keypointRcnn config', () => {
  it("defaults to torchvision's keypointrcnn_resnet50_fpn; a mask head adds the mask branch", () => {
    const { backbone } = tinyMaskRcnnConfig();
    const only = keypointRcnn({ backbone });
    expect(only.kind).toBe('keypointRcnn');
    expect(only.numClasses).toBe(2);
    expect(only.mask).toBeUndefined();
    expect(only.keypoint?.numKeypoints).toBe(17);
    expect(only.keypoint?.pooler).toEqual(roiAlignPooler({ outputSize: 14, samplingRatio: 2 }));
    expect(only.keypoint?.head.layers).toEqual(Array(8).fill(512));
    const both = keypointRcnn({ backbone, maskHead: fcnMaskHead() });
    expect(both.kind).toBe('keypointRcnn');
    expect(both.mask?.head.kind).toBe('fcn');
    expect(both.keypoint).toEqual(only.keypoint);
    const pool = keypointRcnn({ backbone, keypointPooler: roiPoolPooler({ outputSize: 14 }) });
    expect(pool.keypoint?.pooler.op.kind).toBe('pool');
    expect(() => keypointRcnn({ backbone, numKeypoints: 0 })).toThrow(ConfigError);
    expect(() => keypointRcnn({ backbone, numKeypoints: 2.5 })).toThrow(/numKeypoints/);
    expect(() =>
      keypointRcnn({
        backbone,
        keypointHead: { kind: 'other' } as unknown as ReturnType<typeof keypointRcnnHead>,
      }),
    ).toThrow(/keypointHead/);
  });

  it("registers the keypoint head under torchvision's names", async () => {
    await initDetectorBackend({ backend: 'wasm' });
    const model = buildDetector(tinyKeypointRcnn(false));
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toContain('roi_heads.keypoint_head.0.weight');
    expect(names).toContain('roi_heads.keypoint_predictor.kps_score_lowres.weight');
    expect(names.some((n) => n.includes('mask'))).toBe(false);
    model.dispose();
  });

  it('keeps the keypoints of the instances a detector trains on', () => {
    const crowd = { ...record, isCrowd: Uint8Array.from(record.classIds, (_, i) => (i === 0 ? 1 : 0)) };
    const kept = trainableInstances(crowd);
    const n = record.classIds.length;
    expect(kept.keypoints?.length).toBe((n - 1) * 51);
    expect(Array.from(kept.keypoints as Float32Array)).toEqual(
      Array.from((record.keypoints as Float32Array).subarray(51)),
    );
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Keypoint R-CNN on ${backend}`, () => {
    it('trains (keypoint loss on positive RoIs) and predicts keypoints in image pixels, without leaks', async () => {
      await initDetectorBackend({ backend });
      // the cpu backend is slow on convs: keypoint-only there, both variants on wasm
      for (const withMask of backend === 'cpu' ? [false] : [false, true]) {
        const config = tinyKeypointRcnn(withMask);
        const model = buildDetector(config);
        await expectNoLeaks(() => {
          if (backend === 'cpu') {
            const l = model.losses([record], new SeededRandom(2));
            expect(l.lossKeypoint?.dataSync()[0]).toBeGreaterThan(2);
            tf.dispose(Object.values(l));
            return;
          }
          const { value, grads } = tf.variableGrads(() => {
            const l = model.losses([record], new SeededRandom(2));
            expect(l.lossKeypoint, 'lossKeypoint').toBeDefined();
            expect(l.lossMask === undefined).toBe(!withMask);
            const k = l.lossKeypoint!.dataSync()[0];
            // a spatial softmax over 56² cells starts near log(56²) ≈ 8.05
            expect(k).toBeGreaterThan(2);
            expect(k).toBeLessThan(40);
            return tf.addN(Object.values(l)) as tf.Scalar;
          }, model.trainableVariables());
          const g =
            grads[
              (
                new Map(model.namedParameters()).get(
                  'roi_heads.keypoint_predictor.kps_score_lowres.weight',
                ) as tf.Variable
              ).name
            ];
          expect(tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0])).toBeGreaterThan(0);
          tf.dispose([value, ...Object.values(grads)]);
        }, `losses ${withMask}`);

        await expectNoLeaks(async () => {
          const raw = model.detectRaw([record.image]);
          const [p] = await model.predict([record.image]);
          const d = raw.detections[0];
          const n = p.labels.length;
          expect(n).toBeGreaterThan(0);
          expect(p.keypoints?.length).toBe(n * 17 * 3);
          expect(p.keypointScores?.length).toBe(n * 17);
          expect(p.masks === undefined).toBe(!withMask);
          // raw keypoints lie in their detection's box (argmax cell centres of the resized heatmap)
          const kr = d.keypoints as Float32Array;
          for (let i = 0; i < n; i++) {
            const [x1, y1, x2, y2] = d.boxes.subarray(4 * i, 4 * i + 4);
            for (let k = 0; k < 17; k++) {
              const [x, y, v] = kr.subarray((i * 17 + k) * 3, (i * 17 + k) * 3 + 3);
              expect(x).toBeGreaterThanOrEqual(x1);
              expect(x).toBeLessThanOrEqual(Math.max(x2, x1 + 1) + 1e-3);
              expect(y).toBeGreaterThanOrEqual(y1);
              expect(y).toBeLessThanOrEqual(Math.max(y2, y1 + 1) + 1e-3);
              expect(v).toBe(1);
            }
          }
          // final keypoints: the raw ones scaled to the image, float64 plain loop
          const [rh, rw] = raw.imageSizes[0];
          const sx = Math.fround(record.image.width / rw);
          const sy = Math.fround(record.image.height / rh);
          let worst = 0;
          for (let i = 0; i < kr.length; i += 3) {
            worst = Math.max(
              worst,
              Math.abs((p.keypoints as Float32Array)[i] - kr[i] * sx),
              Math.abs((p.keypoints as Float32Array)[i + 1] - kr[i + 1] * sy),
            );
          }
          expect(worst).toBeLessThan(1e-4);
        }, `predict ${withMask}`);
        model.dispose();
      }
    });
  });
}

describe('Keypoint R-CNN inputs and gradients (wasm)', () => {
  it('throws typed errors naming missing keypoints', async () => {
    await initDetectorBackend({ backend: 'wasm' });
    const model = buildDetector(tinyKeypointRcnn(false));
    expect(() => model.losses([{ ...record, keypoints: null }], new SeededRandom(2))).toThrow(InputError);
    expect(() => model.losses([{ ...record, keypoints: new Float32Array(3) }], new SeededRandom(2))).toThrow(
      /records\[0\]\.keypoints/,
    );
    model.dispose();
  });

  it('match central finite differences for the keypoint head weights (bias: none, softmax-invariant)', async () => {
    await initDetectorBackend({ backend: 'wasm' });
    const model = buildDetector(tinyKeypointRcnn(false));
    const named = new Map(model.namedParameters());
    const probes = [
      'roi_heads.keypoint_predictor.kps_score_lowres.weight',
      'roi_heads.keypoint_head.0.weight',
    ];
    const vars = probes.map((n) => named.get(n) as tf.Variable);
    const lossOf = () => model.losses([record], new SeededRandom(9)).lossKeypoint as tf.Scalar;
    const loss = () =>
      tf.tidy(() => {
        const l = model.losses([record], new SeededRandom(9));
        return (l.lossKeypoint as tf.Scalar).dataSync()[0];
      });
    const bias = named.get('roi_heads.keypoint_predictor.kps_score_lowres.bias') as tf.Variable;
    const { value, grads } = tf.variableGrads(lossOf, [...vars, bias]);
    // a per-map constant does not change a spatial softmax: the deconv bias gets no gradient
    expect(Math.max(...Array.from(grads[bias.name].dataSync(), Math.abs))).toBeLessThan(1e-5);
    const eps = 1e-2;
    for (const [i, name] of probes.entries()) {
      const v = vars[i];
      const g = Array.from(grads[v.name].dataSync());
      const index = g.reduce((best, x, k) => (Math.abs(x) > Math.abs(g[best]) ? k : best), 0);
      const analytic = g[index];
      expect(Math.abs(analytic), name).toBeGreaterThan(1e-4);
      const base = v.dataSync().slice();
      const at = (delta: number) => {
        const moved = base.slice();
        moved[index] += delta;
        tf.tidy(() => v.assign(tf.tensor(moved, v.shape)));
        return loss();
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
      expect(Math.abs(numeric - analytic), name).toBeLessThan(3e-3 + 0.05 * Math.abs(analytic));
    }
    tf.dispose([value, ...Object.values(grads)]);
    model.dispose();
  });
});

describe('keypoint AP (OKS) through toCocoResults and @rcnn/eval', () => {
  it('scores ground-truth keypoints 1 and shifted ones lower on synthetic person figures', () => {
    const categories = syntheticCategories();
    const categoryIds = categories.map((c) => c.id);
    const person = SYNTHETIC_CATEGORY_IDS.person;
    const images = [];
    const annotations = [];
    const exact: CocoResult[] = [];
    const shifted: CocoResult[] = [];
    for (let i = 0; i < 12; i++) {
      const sample = generateSyntheticImage(i, SYNTH);
      images.push({ id: i + 1, width: SYNTH.width, height: SYNTH.height, file_name: `${i}.png` });
      const anns = syntheticAnnotations(sample, i + 1, annotations.length + 1);
      annotations.push(...anns);
      const persons = anns.filter(
        (a) => a.category_id === person && !a.iscrowd && (a.num_keypoints ?? 0) > 0,
      );
      const n = persons.length;
      const boxes = new Float32Array(n * 4);
      const keypoints = new Float32Array(n * 51);
      persons.forEach((a, k) => {
        const [x, y, w, h] = a.bbox as number[];
        boxes.set([x, y, x + w, y + h], 4 * k);
        keypoints.set(a.keypoints as number[], 51 * k);
      });
      const prediction = {
        boxes,
        scores: Float32Array.from(persons, (_, k) => 0.9 - 0.01 * k),
        labels: new Int32Array(n).fill(categoryIds.indexOf(person) + 1),
        imageSize: [SYNTH.height, SYNTH.width] as [number, number],
      };
      exact.push(...toCocoResults({ ...prediction, keypoints }, i + 1, categoryIds));
      const moved = keypoints.map((v, j) => (j % 3 === 0 ? v + 3 : v));
      shifted.push(...toCocoResults({ ...prediction, keypoints: moved }, i + 1, categoryIds));
    }
    expect(exact.length).toBeGreaterThan(0);
    expect(exact[0].keypoints?.length).toBe(51);
    const gt = { images, annotations, categories } as unknown as CocoDataset;
    const ap = (dets: CocoResult[]) =>
      evaluate(gt, dets, { iouType: 'keypoints', catIds: [person] }).stats[0];
    expect(ap(exact)).toBeCloseTo(1, 6);
    const worse = ap(shifted);
    expect(worse).toBeGreaterThanOrEqual(0);
    expect(worse).toBeLessThan(0.95);
    expect(() =>
      toCocoResults(
        {
          boxes: new Float32Array(4),
          scores: new Float32Array(1),
          labels: new Int32Array([1]),
          keypoints: new Float32Array(5),
          imageSize: [8, 8],
        },
        1,
        categoryIds,
      ),
    ).toThrow(/prediction\.keypoints/);
  });
});
