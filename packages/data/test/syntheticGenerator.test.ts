import { ConfigError } from '@rcnn/core';
import { decode, frPoly } from '@rcnn/eval';
import { describe, expect, it } from 'vitest';
import {
  COCO_KEYPOINT_NAMES,
  generateSyntheticImage,
  resolveSyntheticConfig,
  SHAPE_KINDS,
  SYNTHETIC_CATEGORY_IDS,
  type SyntheticSample,
  syntheticCategories,
} from '../src/index';

const samples: SyntheticSample[] = [];
for (let i = 0; i < 60; i++) samples.push(generateSyntheticImage(i, { seed: 7 }));
const all = samples.flatMap((s) => s.instances);

/** Tight box and pixel count of a row-major mask, by plain loops. */
function maskStats(mask: Uint8Array, width: number, height: number) {
  let area = 0;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      area++;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  }
  return { area, bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1] };
}

describe('synthetic scene generator', () => {
  it('is deterministic and each image depends only on (seed, index)', () => {
    const a = generateSyntheticImage(5, { seed: 7 });
    expect(Buffer.from(a.image.data).equals(Buffer.from(samples[5].image.data))).toBe(true);
    expect(a.instances.map((i) => [i.kind, i.area, i.bbox, i.polygon, i.keypoints])).toEqual(
      samples[5].instances.map((i) => [i.kind, i.area, i.bbox, i.polygon, i.keypoints]),
    );
    const otherSeed = generateSyntheticImage(5, { seed: 8 });
    expect(Buffer.from(otherSeed.image.data).equals(Buffer.from(a.image.data))).toBe(false);
    expect(Buffer.from(samples[6].image.data).equals(Buffer.from(a.image.data))).toBe(false);
  });

  it('makes area and bbox agree with the visible mask, and visible masks disjoint', () => {
    for (const s of samples) {
      const { width, height } = s.image;
      const cover = new Uint8Array(width * height);
      for (const inst of s.instances) {
        const stats = maskStats(inst.mask, width, height);
        expect(inst.area).toBe(stats.area);
        expect(inst.bbox).toEqual(stats.bbox);
        for (let p = 0; p < cover.length; p++) cover[p] += inst.mask[p];
      }
      expect(Math.max(...cover)).toBeLessThanOrEqual(1);
    }
  });

  it('writes polygons only where they rasterise (as COCO does) to exactly the visible mask', () => {
    let polygons = 0;
    for (const s of samples) {
      const { width, height } = s.image;
      for (const inst of s.instances) {
        if (inst.polygon == null) continue;
        polygons++;
        expect(inst.kind).not.toBe('ring');
        expect(inst.kind).not.toBe('person');
        const rasterised = decode(frPoly(inst.polygon, height, width));
        expect(Buffer.from(rasterised).equals(Buffer.from(inst.mask))).toBe(true);
      }
    }
    expect(polygons).toBeGreaterThan(50);
  });

  it('covers every class, crowds, and COCO small / medium / large objects', () => {
    const kinds = new Set(all.map((i) => i.kind));
    expect([...kinds].sort()).toEqual(['person', ...SHAPE_KINDS].sort());
    const crowds = all.filter((i) => i.isCrowd);
    expect(crowds.length).toBeGreaterThan(0);
    expect(crowds.every((c) => c.kind !== 'person' && c.polygon == null)).toBe(true);
    const small = all.filter((i) => i.area < 32 * 32).length;
    const medium = all.filter((i) => i.area >= 32 * 32 && i.area < 96 * 96).length;
    const large = all.filter((i) => i.area >= 96 * 96).length;
    expect(small / all.length).toBeGreaterThan(0.2);
    expect(medium / all.length).toBeGreaterThan(0.15);
    expect(large / all.length).toBeGreaterThan(0.03);
    expect(all.some((i) => i.polygon == null && !i.isCrowd && i.kind !== 'person' && i.kind !== 'ring')).toBe(
      true,
    );
    for (const inst of all) expect(inst.categoryId).toBe(SYNTHETIC_CATEGORY_IDS[inst.kind]);
    expect(syntheticCategories().map((c) => c.id)).toEqual([1, 2, 3, 5, 6, 8, 9, 11, 13]);
  });

  it('gives persons 17 COCO keypoints with visible, occluded and out-of-image flags', () => {
    const persons = all.filter((i) => i.kind === 'person');
    expect(persons.length).toBeGreaterThan(20);
    const counts = [0, 0, 0];
    for (const s of samples) {
      const { width } = s.image;
      for (const p of s.instances.filter((i) => i.kind === 'person')) {
        const kp = p.keypoints!;
        expect(kp.length).toBe(3 * COCO_KEYPOINT_NAMES.length);
        let labelled = 0;
        for (let k = 0; k < 17; k++) {
          const [x, y, v] = kp.slice(3 * k, 3 * k + 3);
          counts[v]++;
          if (v === 0) expect([x, y]).toEqual([0, 0]);
          else labelled++;
          // A visible keypoint lies on (or within a pixel of) its own visible mask; a hidden one
          // is not on it.
          const px = Math.floor(x);
          const py = Math.floor(y);
          if (v === 1) expect(p.mask[py * width + px]).toBe(0);
          if (v === 2) {
            let near = false;
            for (let dy = -1; dy <= 1; dy++) {
              for (let dx = -1; dx <= 1; dx++) near ||= p.mask[(py + dy) * width + px + dx] === 1;
            }
            expect(near).toBe(true);
          }
        }
        expect(p.numKeypoints).toBe(labelled);
        expect(p.polygon).toBeNull();
      }
    }
    expect(counts.every((c) => c > 10)).toBe(true);
  });

  it('supports other image sizes and keeps objects inside the size range', () => {
    const s = generateSyntheticImage(0, { width: 128, height: 200, seed: 3 });
    expect([s.image.width, s.image.height, s.image.data.length]).toEqual([128, 200, 128 * 200 * 3]);
    for (const inst of s.instances) expect(inst.mask.length).toBe(128 * 200);
  });

  it('rejects bad options with ConfigError naming them', () => {
    expect(() => resolveSyntheticConfig({ width: 64 })).toThrow(ConfigError);
    expect(() => resolveSyntheticConfig({ width: 64 })).toThrow(/'width'/);
    expect(() => resolveSyntheticConfig({ maxObjects: 1, minObjects: 3 })).toThrow(/'maxObjects'/);
    expect(() => resolveSyntheticConfig({ crowdProbability: 2 })).toThrow(/'crowdProbability'/);
    expect(() => resolveSyntheticConfig({ colour: 1 } as never)).toThrow(/'colour'/);
  });
});
