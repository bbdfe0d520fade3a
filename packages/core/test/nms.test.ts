import { expectNoLeaks } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchedNms, ConfigError, InputError, nms, SeededRandom, ShapeError } from '../src/index';
import { sortByScore } from '../src/nms';
import { BACKENDS, fixture, useBackend } from './helpers';

interface NmsCase {
  name: string;
  set: string;
  iou_threshold: number;
  class_ids?: number[];
  keep: number[];
}
const fx = fixture<{ sets: Record<string, { boxes: number[][]; scores: number[] }>; cases: NmsCase[] }>(
  'nms.json',
);

/** float64 plain-loop greedy NMS: each box against the kept ones, no sorting tricks, no grid. */
function nmsRef(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  thr: number,
  classes?: ArrayLike<number>,
) {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const keep: number[] = [];
  for (const j of order) {
    let suppressed = false;
    for (const i of keep) {
      if (classes && classes[i] !== classes[j]) continue;
      const w = Math.max(
        0,
        Math.min(boxes[4 * i + 2], boxes[4 * j + 2]) - Math.max(boxes[4 * i], boxes[4 * j]),
      );
      const h = Math.max(
        0,
        Math.min(boxes[4 * i + 3], boxes[4 * j + 3]) - Math.max(boxes[4 * i + 1], boxes[4 * j + 1]),
      );
      const inter = w * h;
      const ai = (boxes[4 * i + 2] - boxes[4 * i]) * (boxes[4 * i + 3] - boxes[4 * i + 1]);
      const aj = (boxes[4 * j + 2] - boxes[4 * j]) * (boxes[4 * j + 3] - boxes[4 * j + 1]);
      if (inter / (ai + aj - inter) > thr) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) keep.push(j);
  }
  return keep;
}

/** Clustered random boxes on integer-free coordinates (no IoU lands exactly on a threshold). */
function clusteredBoxes(n: number, clusters: number, seed: number, spread = 8, minSide = 8) {
  const rng = new SeededRandom(seed);
  const centres = Array.from({ length: clusters }, () => [rng.uniform(0, 2000), rng.uniform(0, 2000)]);
  const boxes = new Float32Array(4 * n);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [cx, cy] = rng.choice(centres);
    const x = cx + rng.normal(0, spread);
    const y = cy + rng.normal(0, spread);
    const w = rng.uniform(minSide, 80);
    const h = rng.uniform(minSide, 80);
    boxes.set([x, y, x + w, y + h], 4 * i);
    scores[i] = rng.next();
  }
  return { boxes, scores };
}

describe.each(BACKENDS)('nms / batchedNms against torchvision on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  for (const c of fx.cases) {
    it(`${c.class_ids ? 'batched_nms' : 'nms'}: ${c.name}`, async () => {
      const { boxes, scores } = fx.sets[c.set];
      const keep = await expectNoLeaks(() => {
        const b = tf.tensor2d(boxes, [boxes.length, 4]);
        const s = tf.tensor1d(scores);
        const ids = tf.tensor1d(c.class_ids ?? [], 'int32');
        const k = c.class_ids ? batchedNms(b, s, ids, c.iou_threshold) : nms(b, s, c.iou_threshold);
        tf.dispose([b, s, ids]);
        return k;
      });
      expect(keep).toBeInstanceOf(Int32Array);
      expect(Array.from(keep)).toEqual(c.keep);
    });
  }
});

describe('nms on typed arrays', () => {
  it('accepts rows, flat Float32Array and Float64Array alike', () => {
    for (const c of fx.cases.filter((x) => !x.class_ids)) {
      const { boxes, scores } = fx.sets[c.set];
      const f32 = new Float32Array(boxes.flat());
      expect(Array.from(nms(boxes, scores, c.iou_threshold))).toEqual(c.keep);
      expect(Array.from(nms(f32, new Float32Array(scores), c.iou_threshold))).toEqual(c.keep);
      expect(Array.from(nms(new Float64Array(f32), scores, c.iou_threshold))).toEqual(c.keep);
    }
  });

  it('matches the float64 reference on clustered boxes, through the spatial grid', () => {
    const { boxes, scores } = clusteredBoxes(3000, 40, 1);
    for (const thr of [0.3, 0.5, 0.7])
      expect(Array.from(nms(boxes, scores, thr))).toEqual(nmsRef(boxes, scores, thr));
    const rng = new SeededRandom(2);
    const classes = Int32Array.from({ length: 3000 }, () => rng.int(0, 4));
    expect(Array.from(batchedNms(boxes, scores, classes, 0.5))).toEqual(nmsRef(boxes, scores, 0.5, classes));
  });

  it('matches the reference with box sizes over three decades, thin, empty and inverted boxes', () => {
    for (const seed of [4, 5, 6]) {
      const rng = new SeededRandom(seed);
      const n = 1500;
      const boxes = new Float32Array(4 * n);
      const scores = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const x = rng.uniform(-100, 900);
        const y = rng.uniform(0, 700);
        // widths and heights drawn independently: aspect ratios up to 1000:1
        const w = i % 50 === 0 ? 0 : i % 77 === 0 ? -5 : Math.exp(rng.uniform(0, Math.log(1000)));
        const h = Math.exp(rng.uniform(0, Math.log(1000)));
        boxes.set([x, y, x + w, y + h], 4 * i);
        scores[i] = rng.next();
      }
      for (const thr of [0, 0.05, 0.2, 0.5, 0.9, 0.99, 1]) {
        expect(Array.from(nms(boxes, scores, thr))).toEqual(nmsRef(boxes, scores, thr));
      }
    }
  });

  it('handles 100k boxes and agrees with the reference', () => {
    const { boxes, scores } = clusteredBoxes(100_000, 400, 3, 3, 50);
    const keep = nms(boxes, scores, 0.5);
    expect(keep.length).toBeGreaterThan(300);
    expect(Array.from(keep)).toEqual(nmsRef(boxes, scores, 0.5));
  });

  it('applies scoreThreshold (strict) and topK', () => {
    const { boxes, scores } = fx.sets[fx.cases[0].set];
    const thr = fx.cases[1].iou_threshold;
    const full = Array.from(nms(boxes, scores, thr));
    expect(Array.from(nms(boxes, scores, thr, { topK: 10 }))).toEqual(full.slice(0, 10));
    expect(nms(boxes, scores, thr, { topK: 0 }).length).toBe(0);
    const cut = 0.5;
    const filteredIdx = scores.flatMap((s, i) => (s > cut ? [i] : []));
    const expected = nmsRef(
      filteredIdx.flatMap((i) => boxes[i]),
      filteredIdx.map((i) => scores[i]),
      thr,
    ).map((k) => filteredIdx[k]);
    expect(Array.from(nms(boxes, scores, thr, { scoreThreshold: cut }))).toEqual(expected);
    const equal = scores[full[3]];
    expect(Array.from(nms(boxes, scores, thr, { scoreThreshold: equal }))).not.toContain(full[3]);
    const classes = scores.map((_, i) => i % 3);
    const bFull = Array.from(batchedNms(boxes, scores, classes, thr));
    expect(Array.from(batchedNms(boxes, scores, classes, thr, { topK: 7 }))).toEqual(bFull.slice(0, 7));
  });

  it('keeps torchvision tie order: equal scores in increasing index order', () => {
    const boxes = [
      [0, 0, 1, 1],
      [10, 10, 11, 11],
      [20, 20, 21, 21],
      [30, 30, 31, 31],
    ];
    expect(Array.from(nms(boxes, [0.5, 0.7, 0.5, 0.7], 0.5))).toEqual([1, 3, 0, 2]);
    expect(Array.from(nms(boxes, [-0, 0, -0, 0], 0.5))).toEqual([0, 1, 2, 3]);
    expect(Array.from(nms(boxes, [-Infinity, 0.5, Infinity, -1], 0.5))).toEqual([2, 1, 3, 0]);
    expect(Array.from(batchedNms(boxes, [0.5, 0.7, 0.5, 0.7], [1, 0, 0, 1], 0.5))).toEqual([1, 3, 0, 2]);
  });

  it('orders by score the same way through the packed and the comparator sort', () => {
    const rng = new SeededRandom(8);
    const specials = [Infinity, -Infinity, 0, -0, 1e-30, -1e-30, 3.4e38, -3.4e38];
    const scores = Float32Array.from({ length: 3000 }, (_, i) =>
      i % 7 === 0 ? rng.choice(specials) : rng.int(-20, 20) / 8,
    );
    const packed = Array.from(sortByScore(scores, null));
    expect(Array.from(sortByScore(scores, null, 0))).toEqual(packed);
    const ref = Array.from(scores.keys()).sort((a, b) =>
      scores[a] === scores[b] ? a - b : scores[b] > scores[a] ? 1 : -1,
    );
    expect(packed).toEqual(ref);
    expect(Array.from(sortByScore(scores, 0.5, 0))).toEqual(Array.from(sortByScore(scores, 0.5)));
    expect(Array.from(sortByScore(scores, 0.5)).every((i) => scores[i] > 0.5)).toBe(true);
  });

  it('rejects bad input with typed errors naming the culprit', () => {
    expect(() => nms([[0, 0, 1, Number.NaN]], [1], 0.5)).toThrow(InputError);
    expect(() => nms([[0, 0, 1, 1]], [Number.NaN], 0.5)).toThrow(/scores: value at index 0 is NaN/);
    expect(() =>
      nms(
        [
          [0, 0, 1, 1],
          [0, 0, 1, Infinity],
        ],
        [1, 1],
        0.5,
      ),
    ).toThrow(/boxes: value at row 1, column 3/);
    expect(() => nms([[0, 0, 1, 1]], [1, 2], 0.5)).toThrow(ShapeError);
    expect(() => nms([[0, 0, 1]], [1], 0.5)).toThrow(/boxes/);
    expect(() => nms([[0, 0, 1, 1]], [1], Number.NaN)).toThrow(ConfigError);
    expect(() => nms([[0, 0, 1, 1]], [1], 0.5, { topK: -1 })).toThrow(/topK/);
    expect(() => batchedNms([[0, 0, 1, 1]], [1], [0.5], 0.5)).toThrow(/classIds/);
  });
});
