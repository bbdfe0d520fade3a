import { describe, expect, it } from 'vitest';
import { BalancedPositiveNegativeSampler, ConfigError, InputError, SeededRandom } from '../src/index';
import { fixture } from './helpers';

interface SamplerCase {
  batch: number;
  fraction: number;
  counts: [number, number, number];
  num_pos: number;
  num_neg: number;
}
const fx = fixture<{ sampler: SamplerCase[] }>('matcher.json');

function labelsFor([pos, neg, ign]: [number, number, number], rng: SeededRandom): Int32Array {
  const l = new Int32Array(pos + neg + ign);
  l.fill(2, 0, pos);
  l.fill(0, pos, pos + neg);
  l.fill(-1, pos + neg);
  return rng.shuffle(l);
}

describe('BalancedPositiveNegativeSampler', () => {
  for (const c of fx.sampler) {
    it(`draws torchvision's counts: batch ${c.batch}, fraction ${c.fraction}, labels ${c.counts}`, () => {
      const rng = new SeededRandom(1);
      const labels = labelsFor(c.counts, rng);
      const s = new BalancedPositiveNegativeSampler({
        batchSizePerImage: c.batch,
        positiveFraction: c.fraction,
      });
      const { positive, negative } = s.sample(labels, rng);
      expect([positive.length, negative.length]).toEqual([c.num_pos, c.num_neg]);
      for (const i of positive) expect(labels[i]).toBeGreaterThanOrEqual(1);
      for (const i of negative) expect(labels[i]).toBe(0);
      expect(new Set(positive).size).toBe(positive.length);
      expect(Array.from(negative)).toEqual(Array.from(negative).sort((a, b) => a - b));
    });
  }

  it('is reproducible for a seed and samples uniformly', () => {
    const s = new BalancedPositiveNegativeSampler({ batchSizePerImage: 8, positiveFraction: 0.5 });
    const labels = new Int32Array(40);
    labels.fill(1, 0, 10);
    const a = s.sample(labels, new SeededRandom(3));
    const b = s.sample(labels, new SeededRandom(3));
    expect(a).toEqual(b);
    const hits = new Int32Array(40);
    const rng = new SeededRandom(4);
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      const { positive, negative } = s.sample(labels, rng);
      for (const i of positive) hits[i]++;
      for (const i of negative) hits[i]++;
    }
    // 4 of 10 positives and 4 of 30 negatives per draw
    for (let i = 0; i < 10; i++) expect(Math.abs(hits[i] / trials - 0.4)).toBeLessThan(0.04);
    for (let i = 10; i < 40; i++) expect(Math.abs(hits[i] / trials - 4 / 30)).toBeLessThan(0.03);
  });

  it('rejects bad options and labels with typed errors', () => {
    expect(
      () => new BalancedPositiveNegativeSampler({ batchSizePerImage: -1, positiveFraction: 0.5 }),
    ).toThrow(ConfigError);
    expect(() => new BalancedPositiveNegativeSampler({ batchSizePerImage: 4, positiveFraction: 2 })).toThrow(
      /positiveFraction/,
    );
    const s = new BalancedPositiveNegativeSampler({ batchSizePerImage: 4, positiveFraction: 0.5 });
    expect(() => s.sample([0.5, 1], new SeededRandom(1))).toThrow(InputError);
  });
});
