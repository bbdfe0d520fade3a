import { expectNoLeaks } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Matcher, SeededRandom, ShapeError } from '../src/index';
import { BACKENDS, fixture, flat, useBackend } from './helpers';

interface MatcherCase {
  name: string;
  params: [number, number, boolean];
  quality: (number | null)[][];
  matches: number[];
}
const fx = fixture<{
  cases: MatcherCase[];
  boxes: { gt: number[][]; preds: number[][]; matches: number[] };
}>('matcher.json');

/** float64 plain-loop reference (finite qualities only). */
function matchRef(q: number[][], high: number, low: number, allowLow: boolean): number[] {
  const rows = q.length;
  const cols = rows ? q[0].length : 0;
  const out: number[] = [];
  for (let c = 0; c < cols; c++) {
    let best = 0;
    for (let r = 1; r < rows; r++) if (q[r][c] > q[best][c]) best = r;
    const v = q[best][c];
    out.push(v < low ? -1 : v < high ? -2 : best);
    if (allowLow) {
      for (let r = 0; r < rows; r++) {
        if (q[r][c] === Math.max(...q[r])) out[c] = best;
      }
    }
  }
  return out;
}

describe.each(BACKENDS)('Matcher against torchvision on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  for (const c of fx.cases) {
    it(c.name, async () => {
      const [highThreshold, lowThreshold, allowLowQualityMatches] = c.params;
      const m = new Matcher({ highThreshold, lowThreshold, allowLowQualityMatches });
      const rows = c.quality.length;
      const data = Float32Array.from(flat(c.quality));
      const fromArray = m.match({ data, rows, cols: data.length / rows });
      expect(Array.from(fromArray)).toEqual(c.matches);
      const fromTensor = await expectNoLeaks(() => {
        const q = tf.tensor2d(data, [rows, data.length / rows]);
        const r = m.match(q);
        q.dispose();
        return r;
      });
      expect(Array.from(fromTensor)).toEqual(c.matches);
    });
  }
});

describe('Matcher', () => {
  it('matchBoxes computes IoU like torchvision box_iou and matches', () => {
    const m = new Matcher({ highThreshold: 0.7, lowThreshold: 0.3, allowLowQualityMatches: true });
    expect(Array.from(m.matchBoxes(fx.boxes.gt, fx.boxes.preds))).toEqual(fx.boxes.matches);
  });

  it('agrees with the float64 reference on random qualities', () => {
    const rng = new SeededRandom(9);
    for (let t = 0; t < 20; t++) {
      const rows = rng.int(1, 6);
      const cols = rng.int(1, 40);
      // quantised so that ties and exact threshold values occur
      const q = Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.int(0, 11) / 10));
      const data = Float32Array.from(q.flat());
      for (const [high, low, allow] of [
        [0.7, 0.3, true],
        [0.5, 0.5, false],
        [0.6, 0.4, false],
      ] as const) {
        const m = new Matcher({ highThreshold: high, lowThreshold: low, allowLowQualityMatches: allow });
        const qf = q.map((row) => row.map(Math.fround));
        expect(Array.from(m.match({ data, rows, cols }))).toEqual(
          matchRef(qf, Math.fround(high), Math.fround(low), allow),
        );
      }
    }
  });

  it('marks every prediction background when there is no ground truth, and handles no predictions', () => {
    const m = new Matcher({ highThreshold: 0.7, lowThreshold: 0.3, allowLowQualityMatches: true });
    expect(
      Array.from(
        m.matchBoxes(
          [],
          [
            [0, 0, 1, 1],
            [2, 2, 3, 3],
          ],
        ),
      ),
    ).toEqual([-1, -1]);
    expect(m.matchBoxes([[0, 0, 1, 1]], []).length).toBe(0);
  });

  it('rejects bad options and shapes with typed errors', () => {
    expect(() => new Matcher({ highThreshold: 0.3, lowThreshold: 0.7 })).toThrow(ConfigError);
    expect(() => new Matcher({ highThreshold: Number.NaN, lowThreshold: 0.3 })).toThrow(/highThreshold/);
    const m = new Matcher({ highThreshold: 0.5, lowThreshold: 0.5 });
    expect(() => m.match({ data: new Float32Array(5), rows: 2, cols: 3 })).toThrow(ShapeError);
    expect(() => m.matchBoxes([[0, 0, 1]], [[0, 0, 1, 1]])).toThrow(/groundTruth/);
  });
});
