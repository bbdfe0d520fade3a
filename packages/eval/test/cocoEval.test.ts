import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CocoDataset,
  type CocoResult,
  type EvaluateOptions,
  evaluate,
  type IouType,
  summarize,
} from '../src/index';

interface EvalFixture {
  name: string;
  iouType: IouType;
  params: Record<string, unknown>;
  groundTruth: CocoDataset;
  detections: CocoResult[];
  expected: {
    stats: number[];
    perCategoryAp: { categoryId: number; ap: number }[];
    summary: string;
    counts: [number, number, number, number, number];
    recall: number[];
    precisionSample: { index: number[]; precision: number[]; scores: number[] };
    precisionSum: number;
  };
}

const dir = new URL('./fixtures/', import.meta.url);
const fixtures: EvalFixture[] = readdirSync(dir)
  .filter((f) => f.startsWith('coco_eval_') && f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')));

function optionsOf(fx: EvalFixture): EvaluateOptions {
  const o: EvaluateOptions = { iouType: fx.iouType };
  const p = fx.params;
  if (p.useCats !== undefined) o.useCats = !!p.useCats;
  if (p.imgIds) o.imgIds = p.imgIds as number[];
  if (p.catIds) o.catIds = p.catIds as number[];
  if (p.maxDets) o.maxDets = p.maxDets as number[];
  return o;
}

describe('evaluate vs pycocotools COCOeval', () => {
  it('has fixtures for every iou type', () => {
    expect(new Set(fixtures.map((f) => f.iouType))).toEqual(new Set(['bbox', 'segm', 'keypoints']));
  });

  for (const fx of fixtures) {
    describe(fx.name, () => {
      const res = evaluate(structuredClone(fx.groundTruth), structuredClone(fx.detections), optionsOf(fx));

      it('gives the same stats and per-category AP', () => {
        expect(res.stats.length).toBe(fx.expected.stats.length);
        res.stats.forEach((v, i) => {
          expect(Math.abs(v - fx.expected.stats[i])).toBeLessThan(1e-12);
        });
        expect(res.perCategoryAp.map((c) => c.categoryId)).toEqual(
          fx.expected.perCategoryAp.map((c) => c.categoryId),
        );
        res.perCategoryAp.forEach((c, i) => {
          expect(Math.abs(c.ap - fx.expected.perCategoryAp[i].ap)).toBeLessThan(1e-12);
        });
      });

      it('gives the same recall, precision and score cells', () => {
        expect(res.counts).toEqual(fx.expected.counts);
        expect(res.recall.length).toBe(fx.expected.recall.length);
        res.recall.forEach((v, i) => {
          expect(Math.abs(v - fx.expected.recall[i])).toBeLessThan(1e-12);
        });
        const s = fx.expected.precisionSample;
        s.index.forEach((idx, j) => {
          expect(Math.abs(res.precision[idx] - s.precision[j])).toBeLessThan(1e-12);
          expect(Math.abs(res.scores[idx] - s.scores[j])).toBeLessThan(1e-12);
        });
        let sum = 0;
        for (const v of res.precision) if (v > -1) sum += v;
        expect(Math.abs(sum - fx.expected.precisionSum)).toBeLessThan(1e-7);
      });

      it('prints the same summary', () => {
        expect(summarize(res)).toBe(fx.expected.summary);
      });
    });
  }
});
