import { resnetC4, resnetFpn } from '@rcnn/backbones';
import { expectNoLeaks } from '@rcnn/backend';
import { BalancedPositiveNegativeSampler, ConfigError, InputError, Matcher, SeededRandom } from '@rcnn/core';
import { syntheticRecord } from '@rcnn/data';
import { decode, frCompressed } from '@rcnn/eval';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  buildDetector,
  fasterRcnn,
  initDetectorBackend,
  maskRcnn,
  pasteMasksInImage,
  postprocessDetections,
  projectMasksOnBoxes,
  rescaleBoxes,
  roiWarpPooler,
  sampleRois,
  toCocoResults,
} from '../src/index';
import { tinyMaskRcnnConfig } from './helpers/tinyDetector';

/** torch's `interpolate(bilinear, align_corners=False)` of a 2-D array, as separable float64 weight matrices. */
function bilinearMatrix(inSize: number, outSize: number): Float64Array {
  const m = new Float64Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(((o + 0.5) * inSize) / outSize - 0.5, 0);
    const lo = Math.floor(src);
    const hi = Math.min(lo + 1, inSize - 1);
    m[o * inSize + lo] += 1 - (src - lo);
    m[o * inSize + hi] += src - lo;
  }
  return m;
}

/** paste_mask_in_image written with weight matrices instead of per-pixel source indices. */
function pasteReference(mask: Float64Array, m: number, box: number[], h: number, w: number): Float64Array {
  const p = m + 2;
  const padded = new Float64Array(p * p);
  for (let y = 0; y < m; y++) for (let x = 0; x < m; x++) padded[(y + 1) * p + x + 1] = mask[y * m + x];
  const s = p / m;
  const [cx, cy] = [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
  const [hw, hh] = [((box[2] - box[0]) / 2) * s, ((box[3] - box[1]) / 2) * s];
  const [x1, y1, x2, y2] = [cx - hw, cy - hh, cx + hw, cy + hh].map(Math.trunc);
  const bw = Math.max(x2 - x1 + 1, 1);
  const bh = Math.max(y2 - y1 + 1, 1);
  const ry = bilinearMatrix(p, bh);
  const rx = bilinearMatrix(p, bw);
  const out = new Float64Array(h * w);
  for (let y = Math.max(y1, 0); y < Math.min(y2 + 1, h); y++) {
    for (let x = Math.max(x1, 0); x < Math.min(x2 + 1, w); x++) {
      let v = 0;
      for (let a = 0; a < p; a++)
        for (let b = 0; b < p; b++) v += ry[(y - y1) * p + a] * rx[(x - x1) * p + b] * padded[a * p + b];
      out[y * w + x] = v;
    }
  }
  return out;
}

/** RoIAlign (aligned = false, adaptive sampling, scale 1) of one-channel masks, float64. */
function roiAlignReference(
  mask: Float64Array,
  h: number,
  w: number,
  box: number[],
  out: number,
): Float64Array {
  const [x1, y1] = [box[0], box[1]];
  const rw = Math.max(box[2] - box[0], 1);
  const rh = Math.max(box[3] - box[1], 1);
  const [bw, bh] = [rw / out, rh / out];
  const [gx, gy] = [Math.ceil(rw / out), Math.ceil(rh / out)];
  const at = (yy: number, xx: number) => {
    if (yy < -1 || yy > h || xx < -1 || xx > w) return 0;
    const y = Math.max(yy, 0);
    const x = Math.max(xx, 0);
    let y0 = Math.floor(y);
    let x0 = Math.floor(x);
    let [y1_, x1_] = [y0 + 1, x0 + 1];
    let [ly, lx] = [y - y0, x - x0];
    if (y0 >= h - 1) [y0, y1_, ly] = [h - 1, h - 1, 0];
    if (x0 >= w - 1) [x0, x1_, lx] = [w - 1, w - 1, 0];
    return (
      (1 - ly) * (1 - lx) * mask[y0 * w + x0] +
      (1 - ly) * lx * mask[y0 * w + x1_] +
      ly * (1 - lx) * mask[y1_ * w + x0] +
      ly * lx * mask[y1_ * w + x1_]
    );
  };
  const res = new Float64Array(out * out);
  for (let i = 0; i < out; i++)
    for (let j = 0; j < out; j++) {
      let s = 0;
      for (let a = 0; a < gy; a++)
        for (let b = 0; b < gx; b++)
          s += at(y1 + i * bh + ((a + 0.5) * bh) / gy, x1 + j * bw + ((b + 0.5) * bw) / gx);
      res[i * out + j] = s / (gx * gy);
    }
  return res;
}

describe('pasteMasksInImage', () => {
  it('equals a float64 weight-matrix reference of paste_mask_in_image, boxes clipped at the border', () => {
    const m = 6;
    const rng = new SeededRandom(3);
    const boxes = [2.3, 3.9, 11.2, 9.5, -4, 5, 7.7, 30, 15, 15, 15.4, 15.2];
    const n = boxes.length / 4;
    const masks = new Float32Array(n * m * m).map(() => rng.uniform());
    const [h, w] = [20, 17];
    const got = pasteMasksInImage(masks, m, boxes, h, w);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const ref = pasteReference(
        Float64Array.from(masks.subarray(i * m * m, (i + 1) * m * m)),
        m,
        boxes.slice(i * 4, i * 4 + 4),
        h,
        w,
      );
      for (let k = 0; k < h * w; k++) worst = Math.max(worst, Math.abs(got[i * h * w + k] - ref[k]));
    }
    expect(worst).toBeLessThan(1e-6);
    expect(() => pasteMasksInImage(masks, 5, boxes, h, w)).toThrow(/masks/);
  });
});

describe('postprocessDetections', () => {
  it('keeps scores strictly above the threshold, suppresses per class and sorts by score', () => {
    // 3 RoIs × (background + 2 classes)
    const probs = Float32Array.from([0.1, 0.8, 0.1, 0.2, 0.7, 0.1, 0.5, 0.05, 0.45]);
    const box = (x: number) => [x, 0, x + 10, 10];
    const boxes = Float32Array.from([
      ...[0, 0, 0, 0],
      ...box(0),
      ...box(0),
      ...[0, 0, 0, 0],
      ...box(1),
      ...box(1),
      ...[0, 0, 0, 0],
      ...box(50),
      ...[5, 5, 5.005, 9],
    ]);
    const d = postprocessDetections(probs, boxes, 3, { scoreThreshold: 0.1, nmsThreshold: 0.5 });
    // class 1: RoI0 (0.8) suppresses RoI1 (0.7); RoI2's class-2 box is too thin; RoI0/1 class 2 at 0.1 are not > 0.1
    expect(Array.from(d.labels)).toEqual([1]);
    expect(Array.from(d.scores)).toEqual([Math.fround(0.8)]);
    const e = postprocessDetections(probs, boxes, 3, {
      scoreThreshold: 0.01,
      nmsThreshold: 0.5,
      detectionsPerImage: 2,
    });
    expect(Array.from(e.scores)).toEqual([0.8, 0.1].map(Math.fround));
    expect(Array.from(rescaleBoxes(Float32Array.from([10, 20, 30, 40]), [100, 200], [50, 400]))).toEqual([
      20, 10, 60, 20,
    ]);
  });
});

describe('RoI training targets', () => {
  it('appends ground truth, labels at IoU 0.5 and samples at most 25 % positives', () => {
    const proposals = Float32Array.from([
      0, 0, 10, 10, 1, 1, 11, 11, 50, 50, 60, 60, 100, 100, 120, 120, 0, 0, 4, 4,
    ]);
    const gt = Float32Array.from([0, 0, 10, 10]);
    const matcher = new Matcher({ highThreshold: 0.5, lowThreshold: 0.5 });
    const sampler = new BalancedPositiveNegativeSampler({ batchSizePerImage: 4, positiveFraction: 0.25 });
    const s = sampleRois(proposals, gt, Int32Array.from([3]), matcher, sampler, new SeededRandom(1));
    expect(s.labels.length).toBe(4);
    expect(s.labels.filter((l) => l > 0).length).toBe(1);
    s.labels.forEach((l, k) => {
      if (l === 3) {
        expect(Array.from(s.matchedBoxes.subarray(k * 4, k * 4 + 4))).toEqual([0, 0, 10, 10]);
        expect(s.matchedIndex[k]).toBe(0);
      } else expect(s.matchedIndex[k]).toBe(-1);
    });
    const all = sampleRois(
      proposals,
      gt,
      Int32Array.from([3]),
      matcher,
      new BalancedPositiveNegativeSampler({ batchSizePerImage: 100, positiveFraction: 0.25 }),
      new SeededRandom(1),
    );
    // proposals 0 and 1 (IoU 0.68) and the appended ground truth are positive; 0,0,4,4 (IoU 0.16) is not
    expect(Array.from(all.labels)).toEqual([3, 3, 0, 0, 0, 3]);
    const none = sampleRois(
      proposals,
      new Float32Array(0),
      new Int32Array(0),
      matcher,
      sampler,
      new SeededRandom(1),
    );
    expect(none.labels.every((l) => l === 0)).toBe(true);
  });

  it.each(['cpu', 'wasm'])(
    'projects ground-truth masks onto RoIs like roi_align on the mask (%s)',
    async (backend) => {
      await initDetectorBackend({ backend });
      const [h, w] = [12, 16];
      const rng = new SeededRandom(4);
      const masks = new Uint8Array(2 * h * w).map(() => (rng.uniform() > 0.5 ? 1 : 0));
      const boxes = Float32Array.from([1.5, 2.2, 9.7, 10.1, 0, 0, 15.5, 11.5, 3, 3, 3.4, 3.2]);
      const matched = Int32Array.from([1, 0, 1]);
      await expectNoLeaks(() => {
        const t = projectMasksOnBoxes(masks, h, w, boxes, matched, 5);
        const got = t.dataSync();
        for (let i = 0; i < 3; i++) {
          const ref = roiAlignReference(
            Float64Array.from(masks.subarray(matched[i] * h * w, (matched[i] + 1) * h * w)),
            h,
            w,
            Array.from(boxes.subarray(i * 4, i * 4 + 4)),
            5,
          );
          for (let k = 0; k < 25; k++) expect(Math.abs(got[i * 25 + k] - ref[k])).toBeLessThan(1e-5);
        }
        t.dispose();
      });
    },
  );
});

describe('COCO results', () => {
  it('writes xywh boxes, dataset category ids and an RLE of the thresholded mask', () => {
    const [h, w] = [4, 5];
    const masks = new Float32Array(h * w);
    masks[6] = 0.9;
    masks[7] = 0.5;
    masks[13] = 0.51;
    const [r] = toCocoResults(
      {
        boxes: Float32Array.from([1, 1, 4, 3]),
        scores: Float32Array.from([0.7]),
        labels: Int32Array.from([2]),
        masks,
        imageSize: [h, w],
      },
      42,
      [10, 20],
    );
    expect(r).toMatchObject({ image_id: 42, category_id: 20, bbox: [1, 1, 3, 2] });
    const bin = decode(frCompressed(r.segmentation as { size: [number, number]; counts: string }));
    expect(Array.from(bin).flatMap((v, i) => (v ? [i] : []))).toEqual([6, 13]);
    expect(() =>
      toCocoResults(
        {
          boxes: new Float32Array(4),
          scores: new Float32Array(1),
          labels: Int32Array.from([3]),
          imageSize: [h, w],
        },
        1,
        [10, 20],
      ),
    ).toThrow(InputError);
  });
});

describe('configs', () => {
  it('follow the paper per backbone: FPN 512 RoIs / 1000 proposals, C4 64 RoIs / 300 proposals and res5 heads', () => {
    const fpn = maskRcnn({ numClasses: 81, backbone: resnetFpn({ depth: 50 }) });
    expect(fpn.roiHeads.batchSizePerImage).toBe(512);
    expect(fpn.rpn?.test.postNmsTopN).toBe(1000);
    expect(fpn.mask).toMatchObject({
      head: { kind: 'fcn', layers: [256, 256, 256, 256] },
      pooler: { outputSize: 14 },
      activation: 'sigmoid',
    });
    const c4 = maskRcnn({ numClasses: 81, backbone: resnetC4({ depth: 101 }) });
    expect(c4.roiHeads.batchSizePerImage).toBe(64);
    expect(c4.rpn?.test.postNmsTopN).toBe(300);
    expect(c4.boxHead.kind).toBe('res5');
    expect(c4.mask?.head.kind).toBe('res5');
    const warp = fasterRcnn({
      numClasses: 3,
      backbone: resnetFpn({ depth: 18 }),
      boxPooler: roiWarpPooler({ aggregation: 'max' }),
    });
    expect(warp.boxPooler?.op).toEqual({ kind: 'warp', samplingRatio: 2, aggregation: 'max' });
    expect(JSON.parse(JSON.stringify(c4))).toEqual(c4);
    expect(() =>
      maskRcnn({
        numClasses: 3,
        backbone: resnetFpn(),
        maskHead: { kind: 'res5', dimReduced: 8, classAgnostic: false },
      }),
    ).toThrow(ConfigError);
  });

  it('builds and trains one step of a C4 Mask R-CNN (res5 box and mask heads) on wasm without leaks', async () => {
    await initDetectorBackend({ backend: 'wasm' });
    const config = maskRcnn({
      numClasses: 9,
      backbone: resnetC4({ depth: 18, stageDepths: [1, 1, 1, 1], widthMultiplier: 0.25 }),
      transform: { minSize: 96, maxSize: 96 },
      rpn: { train: { preNmsTopN: 200, postNmsTopN: 50 }, test: { preNmsTopN: 100, postNmsTopN: 30 } },
      roiHeads: { detectionsPerImage: 10 },
    });
    const model = buildDetector(config);
    const record = syntheticRecord(3, { width: 128, height: 128, maxObjects: 3 });
    await expectNoLeaks(async () => {
      const { value, grads } = tf.variableGrads(
        () => tf.addN(Object.values(model.losses([record], new SeededRandom(0)))) as tf.Scalar,
        model.trainableVariables(),
      );
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      tf.dispose([value, ...Object.values(grads)]);
      const [p] = await model.predict([record.image]);
      expect(p.maskShape).toEqual([128, 128]);
    });
    model.dispose();
  });

  it('runs inference on the cpu backend without leaks', async () => {
    await initDetectorBackend({ backend: 'cpu' });
    const model = buildDetector(tinyMaskRcnnConfig());
    const record = syntheticRecord(5, { width: 128, height: 128, maxObjects: 3 });
    await expectNoLeaks(async () => {
      const [p] = await model.predict([record.image], { binaryMasks: true });
      expect(p.binaryMasks?.length).toBe(p.labels.length * 128 * 128);
    });
    model.dispose();
  });
});

describe('detector loss gradients', () => {
  it('match central finite differences for RoI-head weights (sampling fixed by the seed, wasm)', async () => {
    await initDetectorBackend({ backend: 'wasm' });
    const model = buildDetector(tinyMaskRcnnConfig());
    const record = syntheticRecord(7, { width: 128, height: 128, maxObjects: 4 });
    const loss = () =>
      tf.tidy(() => tf.addN(Object.values(model.losses([record], new SeededRandom(9)))).dataSync()[0]);
    const named = new Map(model.namedParameters());
    const probes = [
      'roi_heads.box_predictor.cls_score.weight',
      'roi_heads.box_predictor.bbox_pred.weight',
      'roi_heads.box_head.fc7.bias',
      'roi_heads.mask_predictor.mask_fcn_logits.bias',
      'roi_heads.mask_head.0.0.weight',
    ].map((n) => [n, 0] as [string, number]);
    const vars = probes.map(([n]) => named.get(n) as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () => tf.addN(Object.values(model.losses([record], new SeededRandom(9)))) as tf.Scalar,
      vars,
    );
    const eps = 1e-2;
    for (const [i, [name]] of probes.entries()) {
      const v = vars[i];
      // probe the entry with the largest gradient, so that the check cannot pass on zeros
      const g = Array.from(grads[v.name].dataSync());
      const index = g.reduce(
        (best: number, x: number, k: number) => (Math.abs(x) > Math.abs(g[best]) ? k : best),
        0,
      );
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
