import { describe, expect, it } from 'vitest';
import { AnchorGenerator, ConfigError, ShapeError } from '../src/index';
import { fixture, flat } from './helpers';

interface AnchorCase {
  name: string;
  sizes: number[][];
  aspect_ratios: number[][];
  image_size: [number, number];
  feature_sizes: [number, number][];
  cell_anchors: number[][][];
  num_anchors_per_location: number[];
  count: number;
  column_sums: number[];
  anchors?: number[][];
  sample_index?: number[];
  sample?: number[][];
}
const fx = fixture<{ cases: AnchorCase[] }>('anchors.json');

/** float64 plain-loop reference of torchvision's anchors (round half to even). */
function anchorsRef(c: AnchorCase): number[] {
  const round = (x: number) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  const out: number[] = [];
  c.sizes.forEach((sizes, l) => {
    const cell: number[][] = [];
    for (const r of c.aspect_ratios[l]) {
      for (const s of sizes) {
        const w = s / Math.sqrt(r);
        const h = s * Math.sqrt(r);
        cell.push([round(-w / 2), round(-h / 2), round(w / 2), round(h / 2)]);
      }
    }
    const [gh, gw] = c.feature_sizes[l];
    const sh = Math.floor(c.image_size[0] / gh);
    const sw = Math.floor(c.image_size[1] / gw);
    for (let y = 0; y < gh; y++) {
      for (let x = 0; x < gw; x++) {
        for (const a of cell) out.push(x * sw + a[0], y * sh + a[1], x * sw + a[2], y * sh + a[3]);
      }
    }
  });
  return out;
}

describe('AnchorGenerator against torchvision', () => {
  for (const c of fx.cases) {
    it(`${c.name}: cell anchors, order, count and values`, () => {
      const gen = new AnchorGenerator({ sizes: c.sizes, aspectRatios: c.aspect_ratios });
      expect(gen.cellAnchors.map((a) => Array.from(a))).toEqual(c.cell_anchors.map((l) => flat(l)));
      expect(gen.numAnchorsPerLocation()).toEqual(c.num_anchors_per_location);
      const levels = gen.anchorsPerLevel(c.image_size, c.feature_sizes);
      levels.forEach((lvl, l) => {
        const [h, w] = c.feature_sizes[l];
        expect(lvl.length).toBe(h * w * c.num_anchors_per_location[l] * 4);
      });
      const all = gen.anchors(c.image_size, c.feature_sizes);
      expect(all.length / 4).toBe(c.count);
      const sums = [0, 0, 0, 0];
      all.forEach((v, i) => {
        sums[i % 4] += v;
      });
      expect(sums).toEqual(c.column_sums);
      if (c.anchors) expect(Array.from(all)).toEqual(flat(c.anchors));
      if (c.sample_index && c.sample) {
        const picked = c.sample_index.flatMap((i) => Array.from(all.subarray(4 * i, 4 * i + 4)));
        expect(picked).toEqual(flat(c.sample));
      }
      expect(Array.from(all)).toEqual(anchorsRef(c));
    });
  }

  it('centres anchors on cell corners and rounds half-pixel sizes to even', () => {
    const gen = new AnchorGenerator({ sizes: [[45]], aspectRatios: [[1]] });
    expect(Array.from(gen.cellAnchors[0])).toEqual([-22, -22, 22, 22]);
    const a = gen.anchors([64, 64], [[2, 2]]);
    // (y, x) order: (0,0), (0,1), (1,0), (1,1) with stride 32
    expect(Array.from(a)).toEqual([-22, -22, 22, 22, 10, -22, 54, 22, -22, 10, 22, 54, 10, 10, 54, 54]);
    expect(gen.anchors([64, 64], [[0, 3]]).length).toBe(0);
  });

  it('rejects bad options and sizes with typed errors', () => {
    expect(() => new AnchorGenerator({ sizes: [], aspectRatios: [] })).toThrow(ConfigError);
    expect(() => new AnchorGenerator({ sizes: [[32], [64]], aspectRatios: [[1]] })).toThrow(/aspectRatios/);
    expect(() => new AnchorGenerator({ sizes: [[32, -1]], aspectRatios: [[1]] })).toThrow(/sizes\[0\]/);
    expect(() => new AnchorGenerator({ sizes: [[32]], aspectRatios: [[0]] })).toThrow(/aspectRatios\[0\]/);
    const gen = new AnchorGenerator({ sizes: [[32], [64]], aspectRatios: [[1], [1]] });
    expect(() => gen.anchors([64, 64], [[4, 4]])).toThrow(ShapeError);
    expect(() =>
      gen.anchors(
        [64, 64.5],
        [
          [4, 4],
          [2, 2],
        ],
      ),
    ).toThrow(/imageSize/);
    expect(() =>
      gen.anchors(
        [64, 64],
        [
          [4, 4],
          [2, 2.5],
        ],
      ),
    ).toThrow(/featureSizes\[1\]/);
  });
});
