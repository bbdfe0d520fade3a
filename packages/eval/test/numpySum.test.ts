import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { numpySum } from '../src/cocoeval/numpySum';

const fx: { n: number; sum: number; mean: number }[] = JSON.parse(
  readFileSync(new URL('./fixtures/numpy_sum.json', import.meta.url), 'utf8'),
);

const values = (n: number): Float64Array => {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = ((i * 7919) % 1009) / 1013 + 1 / (i + 3);
  return a;
};

describe('numpySum', () => {
  it('reproduces np.sum and np.mean bit for bit', () => {
    for (const c of fx) {
      const a = values(c.n);
      expect(numpySum(a)).toBe(c.sum);
      expect(numpySum(a) / c.n).toBe(c.mean);
    }
  });

  it('agrees with a plain float64 loop to rounding', () => {
    for (const c of fx) {
      let s = 0;
      for (const v of values(c.n)) s += v;
      expect(Math.abs(numpySum(values(c.n)) - s)).toBeLessThan(1e-12 * c.n);
    }
  });

  it('sums a sub-range', () => {
    const a = values(300);
    expect(numpySum(a, 100, 150)).toBe(numpySum(a.slice(100, 250)));
  });
});
