import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  annToRle,
  area,
  type CompressedRle,
  decode,
  decodeColumnMajor,
  encode,
  encodeColumnMajor,
  frBbox,
  frCompressed,
  frPoly,
  frUncompressed,
  iou,
  MaskInputError,
  merge,
  type Rle,
  rleFrString,
  rleToString,
  toBbox,
  toCompressed,
  toUncompressed,
  type UncompressedRle,
} from '../src/index';

interface MaskFixture {
  encode: {
    h: number;
    w: number;
    mask: string;
    rle: CompressedRle;
    area: number;
    bbox: number[];
    decoded: string;
  }[];
  merge: { rles: CompressedRle[]; union: CompressedRle; intersection: CompressedRle }[];
  iou: {
    dt: CompressedRle[];
    gt: CompressedRle[];
    iscrowd: number[];
    rleIou: number[][];
    dtBoxes: number[][];
    gtBoxes: number[][];
    bboxIou: number[][];
  }[];
  frPoly: { h: number; w: number; poly: number[]; rle: CompressedRle }[];
  frBbox: { h: number; w: number; bbox: number[]; rle: CompressedRle }[];
  frUncompressed: { rle: UncompressedRle; compressed: CompressedRle }[];
  bigString: { h: number; w: number; rle: CompressedRle; area: number; bbox: number[] };
}

const fx: MaskFixture = JSON.parse(
  readFileSync(new URL('./fixtures/mask_api.json', import.meta.url), 'utf8'),
);

const bits = (s: string): Uint8Array => Uint8Array.from(s, (c) => (c === '1' ? 1 : 0));
const str = (m: Uint8Array): string => Array.from(m, (v) => (v ? '1' : '0')).join('');

/** Plain-loop references over dense row-major masks (float64 where a ratio is involved). */
const dense = {
  area: (m: Uint8Array): number => m.reduce((a, v) => a + v, 0),
  bbox(m: Uint8Array, h: number, w: number): number[] {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        if (m[y * w + x]) {
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x);
          y1 = Math.max(y1, y);
        }
    return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
  },
  iou(a: Uint8Array, b: Uint8Array, crowd: boolean): number {
    let i = 0;
    let u = 0;
    let aa = 0;
    for (let p = 0; p < a.length; p++) {
      if (a[p] && b[p]) i++;
      if (a[p] || b[p]) u++;
      if (a[p]) aa++;
    }
    if (i === 0) return 0;
    return i / (crowd ? aa : u);
  },
};

describe('encode / decode / area / toBbox vs pycocotools', () => {
  it('matches every fixture exactly', () => {
    for (const c of fx.encode) {
      const rle = encode(bits(c.mask), c.h, c.w);
      expect(toCompressed(rle)).toEqual(c.rle);
      expect(area(rle)).toBe(c.area);
      expect(toBbox(rle)).toEqual(c.bbox);
      expect(str(decode(rle))).toBe(c.decoded);
      const parsed = frCompressed(c.rle);
      expect(Array.from(parsed.counts)).toEqual(Array.from(rle.counts));
    }
  });

  it('agrees with plain dense loops for area and box', () => {
    for (const c of fx.encode) {
      const m = bits(c.mask);
      const rle = encode(m, c.h, c.w);
      expect(area(rle)).toBe(dense.area(m));
      // maskApi.c widens a box to the full height when a run wraps columns: only compare x then.
      const b = toBbox(rle);
      const d = dense.bbox(m, c.h, c.w);
      expect([b[0], b[2]]).toEqual([d[0], d[2]]);
    }
  });

  it('column-major variants agree with the row-major ones', () => {
    for (const c of fx.encode.slice(0, 10)) {
      const m = bits(c.mask);
      const cm = new Uint8Array(c.h * c.w);
      for (let y = 0; y < c.h; y++) for (let x = 0; x < c.w; x++) cm[x * c.h + y] = m[y * c.w + x];
      expect(Array.from(encodeColumnMajor(cm, c.h, c.w).counts)).toEqual(
        Array.from(encode(m, c.h, c.w).counts),
      );
      expect(Array.from(decodeColumnMajor(encode(m, c.h, c.w)))).toEqual(Array.from(cm));
    }
  });

  it('codes large counts and negative differences in strings', () => {
    const { h, w } = fx.bigString;
    const m = new Uint8Array(h * w);
    for (let y = 10; y < 590; y++) for (let x = 5; x < 600; x++) m[y * w + x] = 1;
    for (let y = 100; y < 300; y++) for (let x = 200; x < 650; x++) m[y * w + x] = 0;
    const rle = encode(m, h, w);
    expect(toCompressed(rle)).toEqual(fx.bigString.rle);
    expect(area(rle)).toBe(fx.bigString.area);
    expect(toBbox(rle)).toEqual(fx.bigString.bbox);
    expect(rleToString(rleFrString(fx.bigString.rle.counts, h, w))).toBe(fx.bigString.rle.counts);
  });
});

describe('merge vs pycocotools', () => {
  it('union and intersection match exactly and agree with dense loops', () => {
    for (const c of fx.merge) {
      const rles = c.rles.map((r) => frCompressed(r));
      const u = merge(rles);
      const i = merge(rles, true);
      expect(toCompressed(u)).toEqual(c.union);
      expect(toCompressed(i)).toEqual(c.intersection);
      const masks = rles.map(decode);
      const du = masks[0].map((_, p) => (masks.some((mm) => mm[p]) ? 1 : 0));
      const di = masks[0].map((_, p) => (masks.every((mm) => mm[p]) ? 1 : 0));
      expect(str(decode(u))).toBe(str(du));
      expect(str(decode(i))).toBe(str(di));
    }
  });

  it('follows maskApi.c on no input and on a size mismatch', () => {
    expect(merge([])).toEqual({ h: 0, w: 0, counts: new Uint32Array(0) });
    const a = encode(new Uint8Array(6).fill(1), 2, 3);
    const b = encode(new Uint8Array(6).fill(1), 3, 2);
    const r = merge([a, b]);
    expect([r.h, r.w, r.counts.length]).toEqual([0, 0, 0]);
  });
});

describe('iou vs pycocotools', () => {
  it('mask and box IoU with crowd flags match exactly', () => {
    for (const c of fx.iou) {
      const dt = c.dt.map((r) => frCompressed(r));
      const gt = c.gt.map((r) => frCompressed(r));
      const o = iou(dt, gt, c.iscrowd);
      expect(o.map((row) => Array.from(row))).toEqual(c.rleIou);
      const ob = iou(c.dtBoxes, c.gtBoxes, c.iscrowd);
      ob.forEach((row, d) => {
        row.forEach((v, g) => {
          expect(v).toBeCloseTo(c.bboxIou[d][g], 14);
        });
      });
      // float64 plain-loop reference on the dense masks.
      dt.forEach((D, d) => {
        gt.forEach((G, g) => {
          expect(o[d][g]).toBeCloseTo(dense.iou(decode(D), decode(G), !!c.iscrowd[g]), 14);
        });
      });
    }
  });

  it('returns [] for empty inputs and -1 for a size mismatch', () => {
    expect(iou([], [[0, 0, 1, 1]], [0])).toEqual([]);
    const a = encode(new Uint8Array(6).fill(1), 2, 3);
    const b = encode(new Uint8Array(6).fill(1), 3, 2);
    expect(Array.from(iou([a], [b], [0])[0])).toEqual([-1]);
  });

  it('rejects mixed inputs and wrong crowd flag counts', () => {
    const a = encode(new Uint8Array(4).fill(1), 2, 2);
    expect(() => iou([a], [[0, 0, 1, 1]], [0])).toThrow(MaskInputError);
    expect(() => iou([a], [a], [0, 1])).toThrow(/iou\(iscrowd\)/);
  });
});

describe('frPoly / frBbox vs pycocotools', () => {
  it('rasterises polygons exactly (incl. repeated vertices, out-of-image points)', () => {
    for (const c of fx.frPoly) {
      expect(toCompressed(frPoly(c.poly, c.h, c.w))).toEqual(c.rle);
    }
  });

  it('rasterises boxes exactly', () => {
    for (const c of fx.frBbox) {
      expect(toCompressed(frBbox(c.bbox, c.h, c.w))).toEqual(c.rle);
    }
  });

  it('fills a grid-aligned box exactly as a dense loop does', () => {
    const rle = frPoly([2, 1, 7, 1, 7, 5, 2, 5], 8, 9);
    const m = decode(rle);
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 9; x++) expect(m[y * 9 + x]).toBe(x >= 2 && x < 7 && y >= 1 && y < 5 ? 1 : 0);
  });

  it('rejects odd coordinate counts', () => {
    expect(() => frPoly([1, 2, 3], 4, 4)).toThrow(/frPoly\(poly\)/);
  });
});

describe('COCO JSON shapes and annToRle', () => {
  it('parses uncompressed RLE like frPyObjects', () => {
    for (const c of fx.frUncompressed) {
      const rle = frUncompressed(c.rle);
      expect(toCompressed(rle)).toEqual(c.compressed);
      expect(toUncompressed(rle)).toEqual(c.rle);
      expect(toCompressed(annToRle(c.rle, 1, 1))).toEqual(c.compressed);
    }
  });

  it('merges polygon parts and passes compressed RLE through', () => {
    const parts = [
      [1.5, 1, 9.2, 2.7, 6, 8.4],
      [10, 10, 14.5, 11, 13, 15, 9.7, 13.2],
    ];
    const expected = merge(parts.map((p) => frPoly(p, 16, 18)));
    expect(annToRle(parts, 16, 18)).toEqual(expected);
    expect(area(expected)).toBe(area(frPoly(parts[0], 16, 18)) + area(frPoly(parts[1], 16, 18)));
    expect(annToRle(fx.encode[0].rle, 0, 0)).toEqual(frCompressed(fx.encode[0].rle));
    // pycocotools reads a polygon list whose first entry has 4 numbers as boxes.
    expect(annToRle([[1, 1, 3, 2]], 5, 5)).toEqual(frBbox([1, 1, 3, 2], 5, 5));
  });

  it('names the culprit on bad input', () => {
    expect(() => annToRle([], 4, 4, 'annotations[3].segmentation')).toThrow(/annotations\[3\]\.segmentation/);
    expect(() => annToRle([[1, 2]], 4, 4, 'ann 5')).toThrow(MaskInputError);
    expect(() => frUncompressed({ size: [2, 2], counts: [1, 2] }, 'ann 9')).toThrow(/ann 9\.counts/);
    expect(() => frCompressed({ size: [2, 2], counts: '0\x7f' })).toThrow(/outside/);
    expect(() => rleFrString('0', 2, 2)).toThrow(/sum to 0/);
    expect(() => encode(new Uint8Array(5), 2, 3)).toThrow(/encode\(mask\)/);
    expect(() => decode({ h: 2, w: 2, counts: Uint32Array.of(1, 1) } as Rle)).toThrow(/decode\(rle\)/);
  });
});
