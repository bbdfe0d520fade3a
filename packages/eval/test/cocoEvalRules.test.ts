import { describe, expect, it } from 'vitest';
import {
  type CocoAnnotation,
  type CocoDataset,
  CocoEvalError,
  type CocoResult,
  evaluate,
  formatFixed,
  linspace,
  MaskInputError,
  summarize,
} from '../src/index';

function dataset(anns: Partial<CocoAnnotation>[], numImages = 1): CocoDataset {
  return {
    images: Array.from({ length: numImages }, (_, i) => ({ id: i + 1, height: 100, width: 100 })),
    categories: [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ],
    annotations: anns.map((a, i) => ({
      id: i + 1,
      image_id: 1,
      category_id: 1,
      iscrowd: 0,
      bbox: [0, 0, 10, 10],
      area: 100,
      ...a,
    })),
  };
}

const det = (bbox: number[], score: number, extra: Partial<CocoResult> = {}): CocoResult => ({
  image_id: 1,
  category_id: 1,
  bbox,
  score,
  ...extra,
});

/** pycocotools' precision of a perfect ranking is 1 / (1 + eps), not 1. */
function expectStats(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    expect(v).toBeCloseTo(expected[i], 12);
  });
}

/** AP at IoU .50:.95, area all, 100 detections for category group 0, by plain averaging. */
function apOf(precision: Float64Array, R: number, A: number, M: number, T = 10): number {
  let s = 0;
  let n = 0;
  for (let t = 0; t < T; t++)
    for (let r = 0; r < R; r++) {
      const v = precision[(((t * R + r) * 2 + 0) * A + 0) * M + M - 1];
      if (v > -1) {
        s += v;
        n++;
      }
    }
  return n ? s / n : -1;
}

describe('COCOeval rules, by hand', () => {
  it('scores a perfect detection 1 and leaves empty cells at -1', () => {
    const r = evaluate(dataset([{}]), [det([0, 0, 10, 10], 0.9)], { iouType: 'bbox' });
    // One small ground truth: small and all ranges are 1, medium and large have no ground truth.
    expectStats(r.stats, [1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1]);
    expect(r.perCategoryAp.map((c) => [c.categoryId, c.name])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(r.perCategoryAp[0].ap).toBeCloseTo(1, 12);
    expect(r.perCategoryAp[1].ap).toBe(-1);
    expect(apOf(r.precision, 101, 4, 3)).toBeCloseTo(1, 12);
  });

  it('matches at IoU exactly equal to a threshold', () => {
    // IoU = 50 / 100 = 0.5 exactly: a match at .50, a miss at .55 and above.
    const r = evaluate(dataset([{}]), [det([0, 0, 10, 5], 0.9)], { iouType: 'bbox' });
    expect(r.stats[1]).toBeCloseTo(1, 12);
    expect(r.stats[2]).toBe(0);
    expect(r.stats[0]).toBeCloseTo(0.1, 12);
  });

  it('breaks score ties by results order (stable sort)', () => {
    const fp = det([50, 50, 10, 10], 0.5);
    const tp = det([0, 0, 10, 10], 0.5);
    expect(evaluate(dataset([{}]), [fp, tp], { iouType: 'bbox' }).stats[0]).toBeCloseTo(0.5, 12);
    expect(evaluate(dataset([{}]), [tp, fp], { iouType: 'bbox' }).stats[0]).toBeCloseTo(1, 12);
  });

  it('lets crowds absorb detections without false positives', () => {
    const gt = dataset([{}, { bbox: [40, 40, 50, 50], area: 2500, iscrowd: 1 }]);
    const inside = [det([45, 45, 10, 10], 0.95), det([60, 60, 10, 10], 0.94)];
    const r = evaluate(gt, [...inside, det([0, 0, 10, 10], 0.9)], { iouType: 'bbox' });
    expect(r.stats[0]).toBeCloseTo(1, 12);
    // Without the crowd flag the two boxes inside are false positives ranked first.
    const plain = dataset([{}, { bbox: [40, 40, 50, 50], area: 2500, iscrowd: 0 }]);
    expect(evaluate(plain, [...inside, det([0, 0, 10, 10], 0.9)], { iouType: 'bbox' }).stats[1]).toBeLessThan(
      1,
    );
  });

  it('counts an area of exactly 32² in both small and medium', () => {
    const gt = dataset([{ area: 1024 }]);
    const r = evaluate(gt, [det([0, 0, 10, 10], 0.9)], { iouType: 'bbox' });
    expect(r.stats[3]).toBeCloseTo(1, 12);
    expect(r.stats[4]).toBeCloseTo(1, 12);
    expect(r.stats[5]).toBe(-1);
  });

  it('ignores unmatched detections outside the area range', () => {
    const gt = dataset([{ bbox: [0, 0, 10, 10], area: 100 }]);
    // A large false positive does not hurt small-object AP.
    const r = evaluate(gt, [det([0, 0, 100, 100], 0.99), det([0, 0, 10, 10], 0.5)], { iouType: 'bbox' });
    expect(r.stats[3]).toBeCloseTo(1, 12);
    expect(r.stats[0]).toBeLessThan(1);
  });

  it('scores an empty results array 0 where there is ground truth', () => {
    const r = evaluate(dataset([{}]), [], { iouType: 'bbox' });
    expectStats(r.stats, [0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1]);
  });

  it('keeps only the best 100 detections per image and category', () => {
    const dets = Array.from({ length: 100 }, (_, i) => det([50 + (i % 40), 50, 5, 5], 0.9 - i * 0.001));
    dets.push(det([0, 0, 10, 10], 0.1));
    const r = evaluate(dataset([{}]), dets, { iouType: 'bbox' });
    expect(r.stats[8]).toBe(0);
    const r2 = evaluate(dataset([{}]), dets, { iouType: 'bbox', maxDets: [1, 10, 101] });
    expect(r2.stats[8]).toBeCloseTo(1, 12);
  });

  it('scores segm and keypoints through the same rules', () => {
    const seg = dataset([{ segmentation: [[0, 0, 10, 0, 10, 10, 0, 10]] }]);
    const r = evaluate(
      seg,
      [{ image_id: 1, category_id: 1, score: 1, segmentation: [[0, 0, 10, 0, 10, 10, 0, 10]] }],
      {
        iouType: 'segm',
      },
    );
    expect(r.stats[0]).toBeCloseTo(1, 12);
    const kp = Array.from({ length: 17 }, (_, i) => [i * 3, i * 2, 2]).flat();
    const gt = dataset([{ keypoints: kp, num_keypoints: 17, area: 2000, bbox: [0, 0, 50, 40] }]);
    const rk = evaluate(gt, [{ image_id: 1, category_id: 1, score: 1, keypoints: kp }], {
      iouType: 'keypoints',
    });
    expect(rk.stats.length).toBe(10);
    expect(rk.stats[0]).toBeCloseTo(1, 12);
  });

  it('leaves its inputs untouched', () => {
    const square = [[0, 0, 10, 0, 10, 10, 0, 10]];
    const gt = dataset([
      { segmentation: square },
      { iscrowd: 1, segmentation: { size: [100, 100], counts: [0, 10000] } },
    ]);
    const dets = [det([0, 0, 10, 10], 0.9), det([1, 1, 10, 10], 0.8)];
    const before = structuredClone({ gt, dets });
    evaluate(gt, dets, { iouType: 'segm' });
    evaluate(gt, dets, { iouType: 'bbox' });
    expect({ gt, dets }).toEqual(before);
  });

  it('names the culprit on bad input', () => {
    expect(() =>
      evaluate(dataset([{}]), [{ ...det([0, 0, 1, 1], 1), image_id: 7 }], { iouType: 'bbox' }),
    ).toThrow(/detections\[0\]\.image_id/);
    expect(() => evaluate(dataset([{}]), [det([0, 0, 1, 1], Number.NaN)], { iouType: 'bbox' })).toThrow(
      CocoEvalError,
    );
    expect(() => evaluate(dataset([{}]), [], { iouType: 'mask' as 'bbox' })).toThrow(/options\.iouType/);
    expect(() => evaluate(dataset([{ bbox: [1, 2] }]), [], { iouType: 'bbox' })).toThrow(
      /annotations\[0\] \(id 1\)\.bbox/,
    );
    expect(() => evaluate(dataset([{ segmentation: [] }]), [], { iouType: 'segm' })).toThrow(MaskInputError);
    expect(() =>
      evaluate(dataset([{}]), [det([0, 0, 1, 1], 1), { image_id: 1, category_id: 1, score: 1 }], {
        iouType: 'bbox',
      }),
    ).toThrow(/detections\[1\]\.bbox/);
  });
});

describe('summary printing', () => {
  it('formats like Python, ties to even', () => {
    expect(formatFixed(0.0625, 3)).toBe('0.062');
    expect(formatFixed(0.1875, 3)).toBe('0.188');
    expect(formatFixed(-1, 3)).toBe('-1.000');
    expect(formatFixed(0.3645, 3)).toBe((0.3645).toFixed(3));
    expect(formatFixed(0.5, 2)).toBe('0.50');
  });

  it('prints pycocotools lines', () => {
    const r = evaluate(dataset([{}]), [det([0, 0, 10, 10], 0.9)], { iouType: 'bbox' });
    const lines = summarize(r).split('\n');
    expect(lines.length).toBe(12);
    expect(lines[0]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000');
    expect(lines[11]).toBe(
      ' Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000',
    );
  });

  it('builds thresholds like np.linspace', () => {
    const t = linspace(0.5, 0.95, 10);
    expect(t[0]).toBe(0.5);
    expect(t[5]).toBe(0.75);
    expect(t[9]).toBe(0.95);
  });
});
