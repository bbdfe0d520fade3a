import { expectNoLeaks } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchImages,
  ConfigError,
  ImageTransform,
  InputError,
  nearestSourceIndex,
  normalizeImage,
  resizeBoxes,
  resizedImageSize,
  resizeImage,
  resizeKeypoints,
  resizeMasks,
  SeededRandom,
  ShapeError,
} from '../src/index';
import {
  BACKENDS,
  expectClose,
  finiteDifference,
  fixture,
  flat,
  maxAbsDiff,
  take,
  useBackend,
} from './helpers';

interface TransformFixture {
  resize_rule: [number, number, number, number, number, number][];
  min_size: number[];
  max_size: number;
  mean: number[];
  std: number[];
  size_divisible: number;
  inputs: { image: number[][][]; boxes: number[][]; masks: number[][][]; keypoints: number[][][] }[];
  batched: number[][][][];
  image_sizes: [number, number][];
  targets: { boxes: number[][]; masks: number[][][]; keypoints: number[][][] }[];
  detections: { boxes: number[][]; keypoints: number[][][] }[];
  postprocessed: { boxes: number[][]; keypoints: number[][][] }[];
}
const fx = fixture<TransformFixture>('transform.json');

/** float64 plain-loop bilinear resize with PyTorch's align_corners=False rule, [H,W,C]. */
function bilinearRef(
  src: ArrayLike<number>,
  h: number,
  w: number,
  c: number,
  oh: number,
  ow: number,
): Float64Array {
  const out = new Float64Array(oh * ow * c);
  const coord = (dst: number, inSize: number, outSize: number) => {
    const s = Math.max(((dst + 0.5) * inSize) / outSize - 0.5, 0);
    const i0 = Math.min(Math.floor(s), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    return [i0, i1, s - i0] as const;
  };
  for (let y = 0; y < oh; y++) {
    const [y0, y1, fy] = coord(y, h, oh);
    for (let x = 0; x < ow; x++) {
      const [x0, x1, fxx] = coord(x, w, ow);
      for (let k = 0; k < c; k++) {
        const v = (yy: number, xx: number) => src[(yy * w + xx) * c + k];
        out[(y * ow + x) * c + k] =
          (1 - fy) * ((1 - fxx) * v(y0, x0) + fxx * v(y0, x1)) +
          fy * ((1 - fxx) * v(y1, x0) + fxx * v(y1, x1));
      }
    }
  }
  return out;
}

describe('resize rule', () => {
  it("reproduces torchvision's output sizes, including its float32 scale", () => {
    for (const [h, w, minSize, maxSize, oh, ow] of fx.resize_rule) {
      expect([h, w, minSize, maxSize, ...resizedImageSize([h, w], minSize, maxSize).size]).toEqual([
        h,
        w,
        minSize,
        maxSize,
        oh,
        ow,
      ]);
    }
    expect(resizedImageSize([427, 640], 800, 1333).size).toEqual([799, 1199]);
  });

  it('nearest source indices follow PyTorch float32 arithmetic', () => {
    // 7·f32(6/14) rounds to 3 in float32 (a double computation would floor 2.9999999999999996 to 2)
    expect(nearestSourceIndex(6, 14)[7]).toBe(3);
    expect(Array.from(nearestSourceIndex(3, 6))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(Array.from(nearestSourceIndex(5, 5))).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects bad sizes', () => {
    expect(() => resizedImageSize([0, 10], 800, 1333)).toThrow(ShapeError);
    expect(() => resizedImageSize([10, 10], -1, 1333)).toThrow(/minSize/);
  });
});

describe.each(BACKENDS)('image transform on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it("matches torchvision's GeneralizedRCNNTransform: batch, sizes and targets", async () => {
    const t = new ImageTransform({
      minSize: fx.min_size,
      maxSize: fx.max_size,
      imageMean: fx.mean,
      imageStd: fx.std,
      sizeDivisibility: fx.size_divisible,
    });
    const errors = await expectNoLeaks(() => {
      const images = fx.inputs.map((i) => tf.tensor3d(i.image));
      const annotations = fx.inputs.map((i) => ({
        boxes: tf.tensor2d(i.boxes),
        masks: tf.tensor3d(i.masks, undefined, 'int32'),
        keypoints: tf.tensor3d(i.keypoints),
      }));
      const out = t.apply(images, annotations);
      expect(out.imageSizes).toEqual(fx.image_sizes);
      expect(out.originalSizes).toEqual(fx.inputs.map((i) => [i.image.length, i.image[0].length]));
      expect(out.images.shape).toEqual([fx.inputs.length, fx.batched[0].length, fx.batched[0][0].length, 3]);
      const eImage = maxAbsDiff(take(out.images), flat(fx.batched));
      let eTargets = 0;
      out.annotations?.forEach((a, i) => {
        const expected = fx.targets[i];
        eTargets = Math.max(eTargets, maxAbsDiff(take(a.boxes as tf.Tensor), flat(expected.boxes)));
        eTargets = Math.max(eTargets, maxAbsDiff(take(a.keypoints as tf.Tensor), flat(expected.keypoints)));
        expect(Array.from(take(a.masks as tf.Tensor))).toEqual(flat(expected.masks));
      });
      const dets = fx.detections.map((d) => ({
        boxes: tf.tensor2d(d.boxes),
        keypoints: tf.tensor3d(d.keypoints),
      }));
      const post = t.postprocess(dets, out.imageSizes, out.originalSizes);
      let ePost = 0;
      post.forEach((p, i) => {
        ePost = Math.max(ePost, maxAbsDiff(take(p.boxes as tf.Tensor), flat(fx.postprocessed[i].boxes)));
        ePost = Math.max(
          ePost,
          maxAbsDiff(take(p.keypoints as tf.Tensor), flat(fx.postprocessed[i].keypoints)),
        );
      });
      tf.dispose([...images, ...annotations.flatMap((a) => [a.boxes, a.masks, a.keypoints])]);
      tf.dispose(dets.flatMap((d) => [d.boxes, d.keypoints]));
      return { eImage, eTargets, ePost };
    });
    // the batch fixture is rounded to 1e-7
    expect(errors.eImage).toBeLessThanOrEqual(1e-5);
    expect(errors.eTargets).toBeLessThanOrEqual(1e-5);
    expect(errors.ePost).toBeLessThanOrEqual(1e-5);
  });

  it('resizeImage agrees with the float64 bilinear reference, up and down', async () => {
    const rng = new SeededRandom(1);
    const [h, w, c] = [7, 11, 2];
    const src = Float32Array.from({ length: h * w * c }, () => rng.uniform(0, 1));
    await expectNoLeaks(() => {
      const img = tf.tensor3d(src, [h, w, c]);
      for (const [oh, ow] of [
        [15, 4],
        [3, 23],
        [7, 11],
        [14, 22],
      ] as const) {
        expectClose(take(resizeImage(img, [oh, ow])), bilinearRef(src, h, w, c, oh, ow), 2e-6);
      }
      img.dispose();
    });
  });

  it('resizeMasks of zero instances gives [0,h,w]', async () => {
    await expectNoLeaks(() => {
      const masks = tf.zeros([0, 5, 6], 'int32') as tf.Tensor3D;
      const r = resizeMasks(masks, [10, 12]);
      expect(r.shape).toEqual([0, 10, 12]);
      expect(r.dtype).toBe('int32');
      tf.dispose([masks, r]);
    });
  });

  it('resizeMasks, normalizeImage and batchImages agree with plain loops', async () => {
    await expectNoLeaks(() => {
      const rng = new SeededRandom(2);
      const [n, h, w] = [2, 6, 9];
      const m = Int32Array.from({ length: n * h * w }, () => rng.int(0, 2));
      const masks = tf.tensor3d(m, [n, h, w], 'int32');
      const [oh, ow] = [14, 4];
      const rows = nearestSourceIndex(h, oh);
      const cols = nearestSourceIndex(w, ow);
      const ref: number[] = [];
      for (let k = 0; k < n; k++) {
        for (let y = 0; y < oh; y++)
          for (let x = 0; x < ow; x++) ref.push(m[(k * h + rows[y]) * w + cols[x]]);
      }
      const r = resizeMasks(masks, [oh, ow]);
      expect(r.dtype).toBe('int32');
      expect(Array.from(take(r))).toEqual(ref);

      const img = Float32Array.from({ length: 4 * 5 * 3 }, () => rng.uniform(0, 255));
      const mean = [123.675, 116.28, 103.53];
      const std = [58.395, 57.12, 57.375];
      const t = tf.tensor3d(img, [4, 5, 3]);
      const normRef = Array.from(img, (v, i) => (v - mean[i % 3]) / std[i % 3]);
      expectClose(take(normalizeImage(t, mean, std)), normRef, 1e-5);

      const t2 = tf.tensor3d(img.slice(0, 2 * 3 * 3), [2, 3, 3]);
      const batch = batchImages([t, t2], 4);
      expect(batch.shape).toEqual([2, 4, 8, 3]);
      const b = take(batch);
      const padRef = new Float64Array(2 * 4 * 8 * 3);
      [
        [img, 4, 5],
        [img.slice(0, 18), 2, 3],
      ].forEach(([data, hh, ww], k) => {
        for (let y = 0; y < (hh as number); y++) {
          for (let x = 0; x < (ww as number); x++) {
            for (let ch = 0; ch < 3; ch++) {
              padRef[((k * 4 + y) * 8 + x) * 3 + ch] = (data as Float32Array)[
                (y * (ww as number) + x) * 3 + ch
              ];
            }
          }
        }
      });
      expect(maxAbsDiff(b, padRef)).toBe(0);
      tf.dispose([masks, t, t2]);
    });
  });

  it('resizeBoxes and resizeKeypoints scale x and y separately and keep visibility', async () => {
    await expectNoLeaks(() => {
      const boxes = tf.tensor2d([[10, 20, 30, 40]]);
      expectClose(take(resizeBoxes(boxes, [100, 50], [50, 100])), [20, 10, 60, 20], 1e-6);
      const kp = tf.tensor3d([[[10, 20, 2]]]);
      expectClose(take(resizeKeypoints(kp, [100, 50], [50, 100])), [20, 10, 2], 1e-6);
      tf.dispose([boxes, kp]);
    });
  });

  it('has gradients matching finite differences (normalise + resize, box resize)', async () => {
    const rng = new SeededRandom(3);
    const [h, w, c] = [4, 5, 1];
    const src = Array.from({ length: h * w * c }, () => rng.uniform(0, 10));
    const weights = Array.from({ length: 6 * 3 }, () => rng.uniform(-1, 1));
    const f = (x: Float64Array) =>
      bilinearRef(
        Array.from(x, (v) => (v - 2) / 3),
        h,
        w,
        c,
        6,
        3,
      ).reduce((s, v, i) => s + v * weights[i], 0);
    const expected = finiteDifference(f, Float64Array.from(src));
    await expectNoLeaks(() => {
      const x = tf.tensor3d(src, [h, w, c]);
      const wt = tf.tensor3d(weights, [6, 3, 1]);
      const g = tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(resizeImage(normalizeImage(t as tf.Tensor3D, [2], [3]), [6, 3]), wt)),
      )(x);
      expectClose(take(g), expected, 1e-4, 1e-3);
      const boxes = tf.tensor2d([[1, 2, 3, 4]]);
      const gb = tf.grad((t: tf.Tensor) => tf.sum(resizeBoxes(t as tf.Tensor2D, [10, 20], [15, 10])))(boxes);
      expectClose(take(gb), [0.5, 1.5, 0.5, 1.5], 1e-6);
      tf.dispose([x, wt, boxes]);
    });
  });

  it('picks the shorter-side target at random when training, reproducibly', async () => {
    const t = new ImageTransform({ minSize: [8, 12, 16], maxSize: 100, imageMean: [0], imageStd: [1] });
    await expectNoLeaks(() => {
      const img = tf.zeros([10, 20, 1]) as tf.Tensor3D;
      const seen = new Set<number>();
      const rng = new SeededRandom(5);
      for (let i = 0; i < 20; i++) {
        const out = t.apply([img], undefined, { training: true, rng });
        seen.add(out.imageSizes[0][0]);
        out.images.dispose();
      }
      expect([...seen].sort((a, b) => a - b)).toEqual([8, 12, 16]);
      const evalOut = t.apply([img]);
      expect(evalOut.imageSizes).toEqual([[16, 32]]);
      expect(evalOut.images.shape).toEqual([1, 32, 32, 1]);
      evalOut.images.dispose();
      img.dispose();
    });
  });

  it('rejects bad options and inputs with typed errors, without leaking', async () => {
    expect(() => new ImageTransform({ minSize: [], maxSize: 10, imageMean: [0], imageStd: [1] })).toThrow(
      ConfigError,
    );
    expect(() => new ImageTransform({ minSize: 8, maxSize: 10, imageMean: [0, 0], imageStd: [1] })).toThrow(
      /imageStd/,
    );
    const t = new ImageTransform({ minSize: [8, 9], maxSize: 10, imageMean: [0, 0, 0], imageStd: [1, 1, 1] });
    await expectNoLeaks(() => {
      const img = tf.zeros([10, 20, 3]) as tf.Tensor3D;
      const gray = tf.zeros([10, 20, 1]) as tf.Tensor3D;
      const badMasks = tf.zeros([1, 5, 5]) as tf.Tensor3D;
      const boxes = tf.zeros([1, 4]) as tf.Tensor2D;
      expect(() => t.apply([])).toThrow(InputError);
      expect(() => t.apply([gray])).toThrow(/images\[0\]/);
      expect(() => t.apply([img], [{ boxes, masks: badMasks }])).toThrow(/annotations\[0\]\.masks/);
      expect(() => t.apply([img], [])).toThrow(ShapeError);
      expect(() => t.apply([img], undefined, { training: true })).toThrow(/rng/);
      expect(() => batchImages([img, gray])).toThrow(/images\[1\]/);
      expect(() => normalizeImage(img, [0], [1])).toThrow(/imageMean/);
      tf.dispose([img, gray, badMasks, boxes]);
    });
  });
});
