import { describe, expect, it } from 'vitest';
import { ConfigError, InputError, SeededRandom } from '../src/index';

describe('SeededRandom', () => {
  it('implements xoshiro128** (reference outputs for state [1,2,3,4])', () => {
    const r = new SeededRandom(0);
    r.setState([1, 2, 3, 4]);
    const out = Array.from({ length: 6 }, () => r.nextUint32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('repeats for a seed and differs between seeds', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const xa = Array.from({ length: 20 }, () => a.next());
    const xb = Array.from({ length: 20 }, () => b.next());
    const xc = Array.from({ length: 20 }, () => c.next());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
    expect(new SeededRandom(2 ** 32 + 1).seed).not.toBe(new SeededRandom(1).seed);
  });

  it('draws uniforms, integers and normals with the right moments', () => {
    const r = new SeededRandom(7);
    const n = 20000;
    let sum = 0;
    let sumSq = 0;
    const counts = new Int32Array(5);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const u = r.uniform(2, 4);
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      counts[r.int(-2, 3) + 2]++;
      const z = r.normal(1, 2);
      sum += z;
      sumSq += z * z;
    }
    expect(lo).toBeGreaterThanOrEqual(2);
    expect(hi).toBeLessThan(4);
    for (const c of counts) expect(Math.abs(c / n - 0.2)).toBeLessThan(0.02);
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    expect(Math.abs(mean - 1)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(variance) - 2)).toBeLessThan(0.05);
  });

  it('shuffles, permutes, chooses and samples without replacement', () => {
    const r = new SeededRandom(3);
    const arr = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const shuffled = r.shuffle([...arr]);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(arr);
    expect(shuffled).not.toEqual(arr);
    const perm = r.permutation(100);
    expect(Array.from(perm).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(arr).toContain(r.choice(arr));
    const s = r.sampleIndices(50, 20);
    expect(s.length).toBe(20);
    expect(new Set(s).size).toBe(20);
    for (const i of s) expect(i >= 0 && i < 50).toBe(true);
    expect(r.sampleIndices(5, 0).length).toBe(0);
    // every index equally likely to be drawn
    const hits = new Int32Array(10);
    for (let t = 0; t < 5000; t++) for (const i of r.sampleIndices(10, 3)) hits[i]++;
    for (const h of hits) expect(Math.abs(h / 5000 - 0.3)).toBeLessThan(0.03);
  });

  it('forks independently of how much the parent consumed', () => {
    const a = new SeededRandom(11);
    const b = new SeededRandom(11);
    for (let i = 0; i < 5; i++) b.next();
    expect(a.fork(3).next()).toBe(b.fork(3).next());
    expect(a.fork(3).next()).not.toBe(a.fork(4).next());
    expect(a.fork(0).next()).not.toBe(new SeededRandom(11).next());
  });

  it('saves and restores its state', () => {
    const r = new SeededRandom(5);
    r.next();
    const state = r.getState();
    const x = [r.next(), r.next()];
    r.setState(state);
    expect([r.next(), r.next()]).toEqual(x);
  });

  it('rejects bad arguments with typed errors', () => {
    expect(() => new SeededRandom(1.5)).toThrow(ConfigError);
    expect(() => new SeededRandom(Number.NaN)).toThrow(/seed/);
    const r = new SeededRandom(1);
    expect(() => r.int(3, 3)).toThrow(ConfigError);
    expect(() => r.uniform(2, 1)).toThrow(ConfigError);
    expect(() => r.choice([])).toThrow(InputError);
    expect(() => r.sampleIndices(3, 4)).toThrow(/'k'/);
    expect(() => r.setState([0, 0, 0, 0])).toThrow(InputError);
  });
});
