import { ConfigError, InputError } from '@rcnn/core';
import { syntheticRecord } from '@rcnn/data';
import { describe, expect, it } from 'vitest';
import { convertColorSpace, proposalRecall, SelectiveSearch, selectiveSearch } from '../src/index';

const record = syntheticRecord(3, { width: 160, height: 128 });

describe('selectiveSearch', () => {
  it('gives unique in-image boxes, ranked scores, and is deterministic for a seed', () => {
    const a = selectiveSearch(record.image, { strategy: 'fast', seed: 1 });
    const b = new SelectiveSearch({ strategy: 'fast', seed: 1 }).propose(record.image);
    const c = selectiveSearch(record.image, { strategy: 'fast', seed: 2 });
    expect(b.boxes).toEqual(a.boxes);
    const n = a.scores.length;
    expect(n).toBeGreaterThan(50);
    const keys = new Set<string>();
    for (let i = 0; i < n; i++) {
      const [x1, y1, x2, y2] = a.boxes.subarray(4 * i, 4 * i + 4);
      expect(x1).toBeGreaterThanOrEqual(0);
      expect(y1).toBeGreaterThanOrEqual(0);
      expect(x2).toBeLessThanOrEqual(160);
      expect(y2).toBeLessThanOrEqual(128);
      expect(x2 > x1 && y2 > y1).toBe(true);
      keys.add(`${x1},${y1},${x2},${y2}`);
      if (i > 0) expect(a.scores[i]).toBeLessThan(a.scores[i - 1]);
    }
    expect(keys.size).toBe(n);
    // Another seed reorders the same set of boxes.
    expect(c.boxes).not.toEqual(a.boxes);
    const other = new Set(
      Array.from({ length: c.scores.length }, (_, i) => c.boxes.subarray(4 * i, 4 * i + 4).join()),
    );
    expect(other).toEqual(keys);
    // The whole image is a region of every hierarchy.
    expect(keys.has('0,0,160,128')).toBe(true);
    const top = selectiveSearch(record.image, { strategy: 'fast', seed: 1, maxProposals: 10 });
    expect(top.boxes).toEqual(a.boxes.subarray(0, 40));
  });

  it('finds the objects of synthetic images (recall at IoU 0.5 and 0.7)', () => {
    const images = [0, 1, 2].map((i) => {
      const r = syntheticRecord(i, { width: 160, height: 128 });
      const keep = Array.from(r.isCrowd.keys()).filter((j) => r.isCrowd[j] === 0);
      const groundTruth = Float32Array.from(
        keep.flatMap((j) => Array.from(r.boxes.subarray(4 * j, 4 * j + 4))),
      );
      return { proposals: selectiveSearch(r.image, { strategy: 'fast' }).boxes, groundTruth };
    });
    const recall = proposalRecall(images, { iouThresholds: [0.5, 0.7] });
    expect(recall.numGroundTruth).toBeGreaterThan(5);
    expect(recall.recalls[0]).toBeGreaterThanOrEqual(0.9);
    expect(recall.recalls[1]).toBeGreaterThanOrEqual(0.7);
    const single = proposalRecall(
      images.map((im, i) => ({
        ...im,
        proposals: selectiveSearch(syntheticRecord(i, { width: 160, height: 128 }).image, {
          strategy: 'single',
        }).boxes,
      })),
      { iouThresholds: [0.5, 0.7] },
    );
    expect(single.averageRecall).toBeLessThanOrEqual(recall.averageRecall);
  });

  it("'quality' runs all 80 hierarchies and contains at least the boxes a single hierarchy finds", () => {
    const small = syntheticRecord(4, { width: 128, height: 128 }).image;
    const quality = selectiveSearch(small, { strategy: 'quality' });
    const single = selectiveSearch(small, { strategy: 'single' });
    const fast = selectiveSearch(small, { strategy: 'fast' });
    const set = (b: Float32Array) =>
      new Set(Array.from({ length: b.length / 4 }, (_, i) => b.subarray(4 * i, 4 * i + 4).join()));
    const q = set(quality.boxes);
    expect(q.size).toBeGreaterThan(set(fast.boxes).size);
    for (const key of set(single.boxes)) expect(q.has(key)).toBe(true);
    for (const key of set(fast.boxes)) expect(q.has(key)).toBe(true);
  });

  it('gives the whole image for a 1×1 or uniform image', () => {
    const one = selectiveSearch({ width: 1, height: 1, data: new Uint8Array(3) });
    expect(Array.from(one.boxes)).toEqual([0, 0, 1, 1]);
    const flat = selectiveSearch(
      { width: 7, height: 3, data: new Uint8Array(63).fill(9) },
      { strategy: 'quality' },
    );
    expect(Array.from(flat.boxes)).toEqual([0, 0, 7, 3]);
    expect(Array.from(flat.scores)).toEqual([1]);
  });

  it('rejects bad images and options', () => {
    expect(() => selectiveSearch({ width: 4, height: 4, data: new Uint8Array(47) })).toThrow(InputError);
    expect(() => selectiveSearch(record.image, { strategy: 'slow' as 'fast' })).toThrow(ConfigError);
    const bad = { colorSpaces: ['hsv'], ks: [100], similarities: [['colour']] } as never;
    expect(() => selectiveSearch(record.image, { strategy: bad })).toThrow(/similarities\[0\]/);
    const noK = { colorSpaces: ['hsv'], ks: [], similarities: [['size']] } as never;
    expect(() => new SelectiveSearch({ strategy: noK })).toThrow(ConfigError);
    expect(() => selectiveSearch(record.image, { maxProposals: 0 })).toThrow(/maxProposals/);
    expect(() => convertColorSpace(record.image, 'xyz' as 'rgb')).toThrow(/colorSpace/);
  });
});

describe('convertColorSpace', () => {
  it('maps known colours to the documented 0..255 scales', () => {
    const px = (r: number, g: number, b: number) => ({
      width: 1,
      height: 1,
      data: new Uint8Array([r, g, b]),
    });
    expect(Array.from(convertColorSpace(px(255, 0, 0), 'hsv').data)).toEqual([0, 255, 255]);
    expect(convertColorSpace(px(0, 0, 255), 'hue').data[0]).toBeCloseTo((240 / 360) * 255, 4);
    const white = convertColorSpace(px(255, 255, 255), 'lab').data;
    expect(white[0]).toBeCloseTo(255, 1);
    expect(white[1]).toBeCloseTo(128, 1);
    expect(white[2]).toBeCloseTo(128, 1);
    // sRGB red is L* 53.24, a* 80.09, b* 67.20.
    const red = convertColorSpace(px(255, 0, 0), 'lab').data;
    expect(red[0] / 2.55).toBeCloseTo(53.24, 1);
    expect(red[1] - 128).toBeCloseTo(80.09, 0);
    expect(red[2] - 128).toBeCloseTo(67.2, 0);
    expect(Array.from(convertColorSpace(px(30, 30, 30), 'rgi').data)).toEqual([85, 85, 30]);
    expect(Array.from(convertColorSpace(px(30, 60, 90), 'intensity').data)).toEqual([60]);
  });
});

describe('proposalRecall', () => {
  it('matches ground truths one-to-one, greedily by IoU', () => {
    const groundTruth = new Float32Array([0, 0, 10, 10, 20, 0, 30, 10]);
    // Proposal 0 overlaps both; proposal 1 is the second-best fit of ground truth 0 only.
    const proposals = new Float32Array([0, 0, 10, 10, 0, 0, 10, 5, 20, 0, 30, 5]);
    const r = proposalRecall([{ proposals, groundTruth }], { iouThresholds: [0.5, 0.6] });
    expect(Array.from(r.overlaps)).toEqual([1, 0.5]);
    expect(Array.from(r.recalls)).toEqual([1, 0.5]);
    expect(r.averageRecall).toBe(0.75);
    const one = proposalRecall([{ proposals, groundTruth }], { maxProposals: 1 });
    expect(Array.from(one.overlaps)).toEqual([1, 0]);
    expect(one.iouThresholds).toHaveLength(10);
    expect(one.averageRecall).toBeCloseTo(0.5, 12);
    expect(() => proposalRecall([{ proposals: new Float32Array(3), groundTruth }])).toThrow(
      /images\[0\]\.proposals/,
    );
    expect(() => proposalRecall([], { iouThresholds: [1.5] })).toThrow(ConfigError);
    // No proposals: every object is missed; no objects: recall 0 by convention.
    const none = proposalRecall([{ proposals: new Float32Array(0), groundTruth }]);
    expect(none.numGroundTruth).toBe(2);
    expect(none.averageRecall).toBe(0);
    expect(proposalRecall([]).averageRecall).toBe(0);
  });
});
