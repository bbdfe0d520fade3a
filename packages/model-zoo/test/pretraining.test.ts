import { resnetC4, resnetC5 } from '@rcnn/backbones';
import { ConfigError, InputError, moduleStateDict, type StateDict } from '@rcnn/core';
import { type DetectionRecord, syntheticRecord } from '@rcnn/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildDetector,
  type DetectorConfig,
  fasterRcnn,
  initDetectorBackend,
  loadPretrainedTrunk,
  ObjectCropSampler,
  pretrainTrunk,
  rcnn,
  type TrunkPretrainingResult,
} from '../src/index';
import { tinyMaskRcnnConfig } from './helpers/tinyDetector';

/** A record holding one image (values from `pixel`) and the given boxes/classes. */
function record(
  width: number,
  height: number,
  pixel: (x: number, y: number, c: number) => number,
  boxes: number[][],
  classIds: number[],
  isCrowd: number[] = classIds.map(() => 0),
): DetectionRecord {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) data[3 * (y * width + x) + c] = pixel(x, y, c);
  return {
    imageId: 1,
    image: { width, height, data },
    boxes: Float32Array.from(boxes.flat()),
    classIds: Int32Array.from(classIds),
    isCrowd: Uint8Array.from(isCrowd),
    areas: Float32Array.from(boxes.map((b) => (b[2] - b[0]) * (b[3] - b[1]))),
    annotationIds: Int32Array.from(classIds.map((_, i) => i + 1)),
    masks: null,
    keypoints: null,
  };
}

/** Float64 bilinear sample of `r`'s channel `c` at continuous pixel-centre coordinates, fill outside. */
function sample64(r: DetectionRecord, x: number, y: number, c: number, fill: number): number {
  const { width, height, data } = r.image;
  const at = (xx: number, yy: number) =>
    xx < 0 || yy < 0 || xx >= width || yy >= height ? fill : data[3 * (yy * width + xx) + c];
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  return (
    (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
    fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1))
  );
}

const ramp = (x: number, y: number, c: number) => (7 * x + 3 * y + 50 * c) % 256;
const exact = { context: 0, scaleJitter: 0, shiftJitter: 0, backgroundFraction: 0, flip: false } as const;

describe('ObjectCropSampler', () => {
  it('warps an object box bilinearly onto the crop (float64 loop reference), fill outside the image', () => {
    // A box partly outside the image, not on pixel edges, resized 21.3 → 16 and 18.5 → 16.
    const box = [-3.2, 5.5, 18.1, 24];
    const r = record(24, 28, ramp, [box], [2]);
    const fill: [number, number, number] = [10, 20, 30];
    const s = new ObjectCropSampler([r], { ...exact, cropSize: 16, fill });
    const { pixels, labels } = s.sample(1);
    expect(Array.from(labels)).toEqual([2]);
    let worst = 0;
    for (let v = 0; v < 16; v++)
      for (let u = 0; u < 16; u++)
        for (let c = 0; c < 3; c++) {
          const x = box[0] + ((u + 0.5) * (box[2] - box[0])) / 16 - 0.5;
          const y = box[1] + ((v + 0.5) * (box[3] - box[1])) / 16 - 0.5;
          worst = Math.max(worst, Math.abs(pixels[3 * (v * 16 + u) + c] - sample64(r, x, y, c, fill[c])));
        }
    expect(worst).toBeLessThan(1e-4);
  });

  it('copies pixels exactly when the box is the crop size on pixel edges; flipping mirrors it', () => {
    const r = record(40, 40, ramp, [[4, 6, 20, 22]], [3]);
    const plain = new ObjectCropSampler([r], { ...exact, cropSize: 16 }).sample(1).pixels;
    for (let v = 0; v < 16; v++)
      for (let u = 0; u < 16; u++)
        for (let c = 0; c < 3; c++) expect(plain[3 * (v * 16 + u) + c]).toBe(ramp(4 + u, 6 + v, c));
    const sampler = new ObjectCropSampler([r], { ...exact, cropSize: 16, flip: true }, 4);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const p = sampler.sample(1).pixels;
      const mirrored = p[0] === plain[3 * 15] && p[3 * 15] === plain[0];
      expect(mirrored || p[0] === plain[0]).toBe(true);
      seen.add(mirrored ? 'flipped' : 'plain');
    }
    expect([...seen].sort()).toEqual(['flipped', 'plain']);
  });

  it('labels a share of each batch background, with crops away from the objects', () => {
    // One white object on the left; everything else black: background crops must be mostly black.
    const r = record(96, 96, (x, y) => (x < 40 && y < 40 ? 255 : 0), [[0, 0, 40, 40]], [1]);
    const s = new ObjectCropSampler([r], { cropSize: 16, backgroundFraction: 0.25 }, 1);
    const { pixels, labels } = s.sample(16);
    expect(Array.from(labels).filter((l) => l === 0)).toHaveLength(4);
    expect(Array.from(labels).filter((l) => l === 1)).toHaveLength(12);
    for (let i = 0; i < 16; i++) {
      let mean = 0;
      for (let k = 0; k < 16 * 16 * 3; k++) mean += pixels[i * 768 + k] / 768;
      // IoU < 0.3 with the object box keeps most of a background crop black.
      if (labels[i] === 0) expect(mean).toBeLessThan(0.6 * 255);
      else expect(mean).toBeGreaterThan(0.4 * 255);
    }
  });

  it('is deterministic per seed, skips crowd regions and tiny boxes, and names bad input', () => {
    const recs = [0, 1, 2].map((i) => syntheticRecord(i, { width: 128, height: 128, seed: 2 }));
    const a = new ObjectCropSampler(recs, {}, 9).sample(8);
    const b = new ObjectCropSampler(recs, {}, 9).sample(8);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.pixels).toEqual(b.pixels);
    // A 20 px object and a 2 px one (below minBoxSize): crowd flags decide what is left.
    const twoBoxes = (isCrowd: number[]) =>
      record(
        32,
        32,
        ramp,
        [
          [0, 0, 20, 20],
          [2, 2, 4, 4],
        ],
        [1, 2],
        isCrowd,
      );
    expect(() => new ObjectCropSampler([twoBoxes([1, 0])])).toThrow(InputError);
    const counted = new ObjectCropSampler([twoBoxes([0, 0])]);
    expect(counted.classCounts(2)).toEqual([0, 1, 0]);
    expect(() => new ObjectCropSampler(recs, { cropSize: 4 })).toThrow(ConfigError);
    expect(() => new ObjectCropSampler(recs, { backgroundFraction: 1 })).toThrow(/backgroundFraction/);
  });
});

describe('pretrainTrunk + loadPretrainedTrunk', () => {
  const records = [0, 1, 2, 3].map((i) => syntheticRecord(i, { width: 128, height: 128, seed: 5 }));
  const held = [4, 5].map((i) => syntheticRecord(i, { width: 128, height: 128, seed: 5 }));
  const tinyResnet = { depth: 18, stageDepths: [1, 1, 1, 1], widthMultiplier: 0.25, seed: 3 } as const;
  let trained: TrunkPretrainingResult;

  beforeAll(async () => {
    await initDetectorBackend({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    trained = await pretrainTrunk({
      resnet: tinyResnet,
      numClasses: 9,
      records,
      validationRecords: held,
      iterations: 40,
      batchSize: 16,
      crops: { cropSize: 32 },
      seed: 1,
    });
    // Training, validation and the state dict export leave nothing behind.
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('learns (the loss falls) and returns a torchvision classification state dict', () => {
    const h = trained.history;
    expect(trained.iterations).toBe(40);
    expect(trained.stopped).toBe(false);
    expect(h[h.length - 1].loss).toBeLessThan(h[0].loss);
    expect(trained.validationAccuracy).toBeGreaterThanOrEqual(0);
    expect(trained.validationAccuracy).toBeLessThanOrEqual(1);
    const sd = trained.stateDict;
    expect(sd.get('conv1.weight')?.shape).toEqual([16, 3, 7, 7]);
    expect(sd.has('bn1.running_var')).toBe(true);
    expect(sd.has('layer4.0.downsample.1.running_mean')).toBe(true);
    expect(sd.get('fc.weight')?.shape).toEqual([10, 128]);
    // BatchNorm statistics moved away from their initial values (batch statistics were used).
    const mean = sd.get('bn1.running_mean')?.data as Float32Array;
    expect(Math.max(...Array.from(mean, Math.abs))).toBeGreaterThan(1e-3);
  });

  it('initialises an FPN detector trunk exactly and leaves the FPN and heads alone', () => {
    const config = tinyMaskRcnnConfig();
    const fresh = buildDetector(config);
    const detector = buildDetector(config);
    const report = loadPretrainedTrunk(detector, trained.stateDict, 'trunk.safetensors');
    const body = moduleStateDict(detector.backbone);
    const values = (m: StateDict, k: string): Float32Array => {
      const t = m.get(k);
      if (!t) throw new Error(`no tensor ${k}`);
      return t.data as Float32Array;
    };
    const same = (a: StateDict, b: StateDict, k: string, ka = k) => {
      const bv = values(b, k);
      return Array.from(values(a, ka)).every((v, i) => v === bv[i]);
    };
    expect(report.trunk).toBeGreaterThan(40);
    expect(report.res5).toBe(0);
    for (const k of ['conv1.weight', 'bn1.running_var', 'layer3.0.conv2.weight', 'layer4.0.bn1.bias'])
      expect(same(trained.stateDict, body, `body.${k}`, k)).toBe(true);
    const freshBody = moduleStateDict(fresh.backbone);
    expect(same(freshBody, body, 'fpn.inner_blocks.0.0.weight')).toBe(true);
    expect(
      same(moduleStateDict(fresh.roiHeads), moduleStateDict(detector.roiHeads), 'box_head.fc6.weight'),
    ).toBe(true);
    fresh.dispose();
    detector.dispose();
  });

  /** Build `config`, load the trained trunk into it, and return the load report and the head's tensors. */
  function loadInto(config: DetectorConfig) {
    const detector = buildDetector(config);
    const report = loadPretrainedTrunk(detector, trained.stateDict);
    const head = moduleStateDict(detector.roiHeads);
    detector.dispose();
    return { report, head };
  }
  /** Values of the one tensor of `m` named `<prefix>…<suffix>`. */
  const tensor = (m: StateDict, prefix: string, suffix: string): number[] => {
    const found = [...m].find(([k]) => k.startsWith(prefix) && k.endsWith(suffix));
    return found ? Array.from(found[1].data as Float32Array) : [];
  };

  it('initialises the res5 head of a C4 detector from layer4', () => {
    const { report, head } = loadInto(
      fasterRcnn({
        numClasses: 10,
        backbone: resnetC4({ ...tinyResnet, norm: 'frozen' }),
        transform: { minSize: 96, maxSize: 96 },
        boxHead: { kind: 'res5' },
      }),
    );
    expect(report.res5).toBeGreaterThan(10);
    const expected = tensor(trained.stateDict, 'layer4.', '0.conv1.weight');
    expect(expected.length).toBeGreaterThan(0);
    expect(tensor(head, 'box_head.res5.', '0.conv1.weight')).toEqual(expected);
  });

  it("initialises R-CNN's per-region CNN (its detector backbone is the image itself)", () => {
    const { report, head } = loadInto(
      rcnn({
        numClasses: 10,
        backbone: resnetC5({ ...tinyResnet, norm: 'frozen' }),
        transform: { minSize: 96, maxSize: 96 },
        regionWarp: { size: 32, contextPadding: 2, inferenceBatch: 16 },
        representationSize: 24,
      }),
    );
    expect(report.trunk).toBeGreaterThan(40);
    // The region CNN is the box head's backbone: `box_head.body.<backbone names>`.
    const expected = tensor(trained.stateDict, 'layer2.', '0.conv1.weight');
    expect(expected.length).toBeGreaterThan(0);
    expect(tensor(head, 'box_head.body.', 'layer2.0.conv1.weight')).toEqual(expected);
  });

  it('refuses weights of another architecture, naming the file; stops early on request', async () => {
    const detector = buildDetector(tinyMaskRcnnConfig());
    const wide = new Map(trained.stateDict);
    wide.set('conv1.weight', { dtype: 'F32', shape: [32, 3, 7, 7], data: new Float32Array(32 * 147) });
    expect(() => loadPretrainedTrunk(detector, wide, 'other.safetensors')).toThrow(/other\.safetensors/);
    const partial = new Map([...trained.stateDict].filter(([k]) => !k.startsWith('layer2.')));
    expect(() => loadPretrainedTrunk(detector, partial, 'partial.safetensors')).toThrow(InputError);
    detector.dispose();
    let polls = 0;
    const stopped = await pretrainTrunk({
      resnet: tinyResnet,
      numClasses: 9,
      records,
      iterations: 10,
      batchSize: 4,
      crops: { cropSize: 32 },
      shouldStop: () => ++polls > 2,
    });
    expect(stopped.stopped).toBe(true);
    expect(stopped.iterations).toBe(2);
    await expect(
      pretrainTrunk({ resnet: tinyResnet, numClasses: 2, records, iterations: 1 }),
    ).rejects.toThrow(/class id/);
    await expect(
      pretrainTrunk({ resnet: tinyResnet, numClasses: 9, records, iterations: 1, batchSize: 1 }),
    ).rejects.toThrow(ConfigError);
  }, 60_000);
});
