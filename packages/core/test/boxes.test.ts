import { expectNoLeaks } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  boxArea,
  boxIou,
  boxIouArray,
  ConfigError,
  clipBoxesToImage,
  convertBoxes,
  InputError,
  removeSmallBoxes,
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

interface BoxesFixture {
  a: number[][];
  b: number[][];
  area_a: number[];
  iou: (number | null)[][];
  clip_size: [number, number];
  clip_a: number[][];
  min_size: number;
  remove_small_a: number[];
  remove_small_zero: number[];
  xywh: number[][];
  cxcywh: number[][];
  from_xywh: number[][];
  from_cxcywh: number[][];
  xywh_to_cxcywh: number[][];
}
const fx = fixture<BoxesFixture>('boxes.json');

// float64 plain-loop references
function areaRef(b: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.length; i += 4) out.push((b[i + 2] - b[i]) * (b[i + 3] - b[i + 1]));
  return out;
}
function iouRef(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i += 4) {
    for (let j = 0; j < b.length; j += 4) {
      const w = Math.max(0, Math.min(a[i + 2], b[j + 2]) - Math.max(a[i], b[j]));
      const h = Math.max(0, Math.min(a[i + 3], b[j + 3]) - Math.max(a[i + 1], b[j + 1]));
      const inter = w * h;
      out.push(
        inter /
          ((a[i + 2] - a[i]) * (a[i + 3] - a[i + 1]) + (b[j + 2] - b[j]) * (b[j + 3] - b[j + 1]) - inter),
      );
    }
  }
  return out;
}

describe('box ops: typed arrays', () => {
  it('boxIouArray equals torchvision box_iou bit for bit', () => {
    const iou = boxIouArray(fx.a, fx.b);
    expect(maxAbsDiff(iou, flat(fx.iou))).toBe(0);
    expectClose(iou, iouRef(flat(fx.a), flat(fx.b)), 1e-6);
    expect(boxIouArray([], fx.b).length).toBe(0);
    expect(boxIouArray(new Float32Array(flat(fx.a)), []).length).toBe(0);
  });

  it('removeSmallBoxes matches torchvision remove_small_boxes', () => {
    expect(Array.from(removeSmallBoxes(fx.a, fx.min_size))).toEqual(fx.remove_small_a);
    expect(Array.from(removeSmallBoxes(fx.a, 0))).toEqual(fx.remove_small_zero);
    const ref = areaRef(flat(fx.a)).flatMap((_, i) => {
      const [x1, y1, x2, y2] = fx.a[i];
      return x2 - x1 >= fx.min_size && y2 - y1 >= fx.min_size ? [i] : [];
    });
    expect(Array.from(removeSmallBoxes(fx.a, fx.min_size))).toEqual(ref);
    expect(removeSmallBoxes([], 1).length).toBe(0);
  });

  it('names the bad argument', () => {
    expect(() => boxIouArray([[1, 2, 3]], fx.b)).toThrow(ShapeError);
    expect(() => boxIouArray(new Float32Array(5), fx.b)).toThrow(/boxes1/);
    expect(() => removeSmallBoxes(new Float64Array(3), 1)).toThrow(/boxes/);
  });
});

describe.each(BACKENDS)('box ops on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('boxArea and boxIou match torchvision and the float64 reference', async () => {
    await expectNoLeaks(() => {
      const a = tf.tensor2d(fx.a);
      const b = tf.tensor2d(fx.b);
      const area = take(boxArea(a));
      expect(maxAbsDiff(area, fx.area_a)).toBeLessThanOrEqual(1e-5 * 1e4);
      expectClose(area, fx.area_a, 0, 1e-6);
      expectClose(area, areaRef(flat(fx.a)), 0, 1e-6);
      const iou = take(boxIou(a, b));
      expect(maxAbsDiff(iou, flat(fx.iou))).toBeLessThanOrEqual(1e-6);
      expectClose(iou, iouRef(flat(fx.a), flat(fx.b)), 1e-6);
      const none = tf.zeros([0, 4]) as tf.Tensor2D;
      const empty = boxIou(none, b);
      expect(empty.shape).toEqual([0, fx.b.length]);
      tf.dispose([a, b, none, empty]);
    });
  });

  it('clipBoxesToImage matches torchvision clip_boxes_to_image, for [N,4] and [N,K,4]', async () => {
    await expectNoLeaks(() => {
      const a = tf.tensor2d(fx.a);
      expect(maxAbsDiff(take(clipBoxesToImage(a, fx.clip_size)), flat(fx.clip_a))).toBe(0);
      const a3 = tf.reshape(a, [fx.a.length / 2, 2, 4]);
      const c3 = clipBoxesToImage(a3, fx.clip_size);
      expect(c3.shape).toEqual(a3.shape);
      expect(maxAbsDiff(take(c3), flat(fx.clip_a))).toBe(0);
      const [h, w] = fx.clip_size;
      const ref = flat(fx.a).map((v, i) => Math.min(Math.max(v, 0), i % 2 === 0 ? w : h));
      expectClose(take(clipBoxesToImage(a, fx.clip_size)), ref, 0);
      tf.dispose([a, a3]);
    });
  });

  it('convertBoxes matches torchvision box_convert both ways', async () => {
    await expectNoLeaks(() => {
      const a = tf.tensor2d(fx.a);
      const xywh = tf.tensor2d(fx.xywh);
      const cxcywh = tf.tensor2d(fx.cxcywh);
      expect(maxAbsDiff(take(convertBoxes(a, 'xyxy', 'xywh')), flat(fx.xywh))).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(take(convertBoxes(a, 'xyxy', 'cxcywh')), flat(fx.cxcywh))).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(take(convertBoxes(xywh, 'xywh', 'xyxy')), flat(fx.from_xywh))).toBeLessThanOrEqual(
        1e-5,
      );
      expect(
        maxAbsDiff(take(convertBoxes(cxcywh, 'cxcywh', 'xyxy')), flat(fx.from_cxcywh)),
      ).toBeLessThanOrEqual(1e-5);
      expect(
        maxAbsDiff(take(convertBoxes(xywh, 'xywh', 'cxcywh')), flat(fx.xywh_to_cxcywh)),
      ).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(take(convertBoxes(a, 'xyxy', 'xyxy')), flat(fx.a))).toBe(0);
      const ref = fx.a.flatMap(([x1, y1, x2, y2]) => [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1]);
      expectClose(take(convertBoxes(a, 'xyxy', 'cxcywh')), ref, 1e-5);
      tf.dispose([a, xywh, cxcywh]);
    });
  });

  it('boxIou gradient matches finite differences of the float64 reference', async () => {
    const a0 = [
      [1, 2, 11, 14],
      [5, 3, 20, 9],
    ];
    const b0 = [
      [4, 4, 12, 13],
      [0, 1, 8, 8],
      [6, 2.5, 15, 12.5],
    ];
    const weights = [0.3, -1.2, 0.7, 1.1, 0.5, -0.4];
    const objective = (x: Float64Array) => iouRef(x, flat(b0)).reduce((s, v, i) => s + v * weights[i], 0);
    const expected = finiteDifference(objective, Float64Array.from(flat(a0)));
    await expectNoLeaks(() => {
      const b = tf.tensor2d(b0);
      const w = tf.tensor2d(weights, [2, 3]);
      const a = tf.tensor2d(a0);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(boxIou(x as tf.Tensor2D, b), w)))(a);
      expectClose(take(g), expected, 1e-4, 1e-3);
      tf.dispose([a, b, w]);
    });
  });

  it('boxArea, convertBoxes and clipBoxesToImage gradients match finite differences', async () => {
    const x0 = [2, 3, 12, 9, -4, 5, 7, 30, 6, 1, 9, 4];
    const w = [0.4, -0.9, 1.3, 0.2, -0.5, 0.8, 1.1, -0.3, 0.6, -1.2, 0.9, 0.7];
    const [h, wd] = [20, 10];
    // float64 objective: sum of weighted areas, cxcywh coordinates and clipped coordinates
    const f = (x: Float64Array) => {
      let s = 0;
      for (let i = 0; i < 3; i++) {
        const [x1, y1, x2, y2] = [x[4 * i], x[4 * i + 1], x[4 * i + 2], x[4 * i + 3]];
        s += w[i] * (x2 - x1) * (y2 - y1);
        const c = [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1];
        for (let k = 0; k < 4; k++) s += w[4 * i + k] * c[k];
        const lim = [wd, h, wd, h];
        for (let k = 0; k < 4; k++)
          s += w[(4 * i + k + 5) % 12] * Math.min(Math.max(x[4 * i + k], 0), lim[k]);
      }
      return s;
    };
    const expected = finiteDifference(f, Float64Array.from(x0));
    await expectNoLeaks(() => {
      const x = tf.tensor2d(x0, [3, 4]);
      const wArea = tf.tensor1d(w.slice(0, 3));
      const wConv = tf.tensor2d(w, [3, 4]);
      const wClip = tf.tensor2d(
        w.map((_, i) => w[(i + 5) % 12]),
        [3, 4],
      );
      const g = tf.grad((t: tf.Tensor) => {
        const b = t as tf.Tensor2D;
        return tf.addN([
          tf.sum(tf.mul(boxArea(b), wArea)),
          tf.sum(tf.mul(convertBoxes(b, 'xyxy', 'cxcywh'), wConv)),
          tf.sum(tf.mul(clipBoxesToImage(b, [h, wd]), wClip)),
        ]);
      })(x);
      expectClose(take(g), expected, 1e-4, 1e-4);
      tf.dispose([x, wArea, wConv, wClip]);
    });
  });

  it('rejects bad shapes and formats with typed errors', () => {
    const bad = tf.zeros([3, 5]);
    const ok = tf.zeros([3, 4]) as tf.Tensor2D;
    expect(() => boxArea(bad as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => boxIou(ok, bad as tf.Tensor2D)).toThrow(/boxes2/);
    expect(() => clipBoxesToImage(bad, [10, 10])).toThrow(ShapeError);
    expect(() => convertBoxes(ok, 'xyxy', 'yxyx' as never)).toThrow(ConfigError);
    expect(() => boxArea([1, 2, 3, 4] as never)).toThrow(InputError);
    tf.dispose([bad, ok]);
  });
});
