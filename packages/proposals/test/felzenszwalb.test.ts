import { ConfigError } from '@rcnn/core';
import { describe, expect, it } from 'vitest';
import {
  convertColorSpace,
  felzenszwalbSegmentation,
  gaussianDerivativeKernel,
  gaussianKernel,
  separableFilter,
} from '../src/index';
import { sortByWeight } from '../src/sortByWeight';
import { felzenszwalbRef, filter2dRef, lcg } from './reference';

describe('felzenszwalbSegmentation', () => {
  it('equals the plain reference on noisy blocks (several k and min sizes)', () => {
    const [w, h, c] = [40, 30, 3];
    const rand = lcg(3);
    const data = new Float32Array(w * h * c);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) {
          const block = (Math.floor(x / 10) + 3 * Math.floor(y / 10) + ch) % 4;
          data[(y * w + x) * c + ch] = block * 60 + rand() * 30;
        }
    const image = { width: w, height: h, channels: c, data };
    const counts: number[] = [];
    for (const [k, minSize] of [
      [20, 0],
      [100, 20],
      [500, 50],
    ]) {
      const seg = felzenszwalbSegmentation(image, { k, sigma: 0, minSize });
      const ref = felzenszwalbRef(data, w, h, c, k, minSize);
      expect(seg.labels).toEqual(ref);
      expect(seg.numSegments).toBe(Math.max(...ref) + 1);
      counts.push(seg.numSegments);
    }
    // Larger k and min sizes give fewer, larger segments.
    expect(counts[0]).toBeGreaterThan(counts[1]);
    expect(counts[1]).toBeGreaterThan(counts[2]);
    expect(counts[2]).toBeGreaterThan(1);
  });

  it('splits a two-colour image into its two halves and merges specks below minSize', () => {
    const [w, h] = [20, 10];
    const rgb = new Uint8Array(w * h * 3);
    for (let p = 0; p < w * h; p++) rgb.set(p % w < 8 ? [200, 30, 30] : [20, 40, 220], 3 * p);
    rgb.set([0, 255, 0], 3 * (5 * w + 15)); // a one-pixel speck
    const seg = felzenszwalbSegmentation(convertColorSpace({ width: w, height: h, data: rgb }, 'rgb'), {
      k: 50,
    });
    expect(seg.numSegments).toBe(2);
    for (let p = 0; p < w * h; p++) expect(seg.labels[p]).toBe(p % w < 8 ? 0 : 1);
  });

  it('rejects bad options', () => {
    const image = { width: 2, height: 2, channels: 1, data: new Float32Array(4) };
    expect(() => felzenszwalbSegmentation(image, { k: -1 })).toThrow(ConfigError);
    expect(() => felzenszwalbSegmentation(image, { k: 1, sigma: Number.NaN })).toThrow(/sigma/);
    expect(() => felzenszwalbSegmentation(image, { k: 1, minSize: -2 })).toThrow(/minSize/);
  });
});

describe('filters and sorting', () => {
  it('separableFilter equals 2-D float64 correlation for Gaussian and derivative kernels', () => {
    const [w, h, c] = [13, 9, 2];
    const rand = lcg(5);
    const data = Float32Array.from({ length: w * h * c }, () => rand() * 255);
    const g = gaussianKernel(0.8);
    const d = gaussianDerivativeKernel(1);
    expect(g.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    for (const [kx, ky] of [
      [g, g],
      [d, gaussianKernel(1)],
    ]) {
      const got = separableFilter({ width: w, height: h, channels: c, data }, kx, ky).data;
      const ref = filter2dRef(data, w, h, c, kx, ky);
      let err = 0;
      for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]));
      expect(err).toBeLessThan(1e-3);
    }
    // The derivative kernel measures slope 1 on a unit ramp.
    const ramp = Float32Array.from({ length: 15 }, (_, i) => i);
    const slope = separableFilter(
      { width: 15, height: 1, channels: 1, data: ramp },
      d,
      new Float64Array([1]),
    );
    expect(slope.data[7]).toBeCloseTo(1, 5);
  });

  it('sortByWeight is a stable ascending sort', () => {
    const rand = lcg(9);
    const weights = Float32Array.from({ length: 5000 }, () => Math.floor(rand() * 300) / 7);
    weights[10] = 0;
    weights[11] = 1e30;
    const got = Array.from(sortByWeight(weights));
    const ref = Array.from(weights.keys()).sort((a, b) => weights[a] - weights[b] || a - b);
    expect(got).toEqual(ref);
  });
});
