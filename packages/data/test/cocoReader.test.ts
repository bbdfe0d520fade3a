import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@rcnn/core';
import { decode, encode, frPoly, merge, toCompressed } from '@rcnn/eval';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CocoDataset,
  encodeJpeg,
  encodePng,
  parseCocoDataset,
  readCocoDataset,
  type SkippedItem,
} from '../src/index';

const W = 8;
const H = 6;

/** Row-major 0/1 mask from column-major runs, by plain loops (the RLE reference). */
function maskFromRuns(counts: number[], h: number, w: number): Uint8Array {
  const colMajor: number[] = [];
  counts.forEach((c, j) => {
    for (let k = 0; k < c; k++) colMajor.push(j % 2);
  });
  const out = new Uint8Array(h * w);
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) out[y * w + x] = colMajor[x * h + y];
  return out;
}

const crowdRuns = [7, 3, 3, 3, 32];
const personMask = new Uint8Array(W * H);
for (let y = 2; y < 5; y++) for (let x = 3; x < 7; x++) personMask[y * W + x] = 1;

function dataset(): CocoDataset {
  return {
    images: [
      { id: 10, file_name: 'a.png', width: W, height: H },
      { id: 20, file_name: 'empty.png', width: W, height: H },
      { id: 30, file_name: 'sub/b.jpg', width: W, height: H },
    ],
    categories: [
      { id: 7, name: 'b', supercategory: 's' },
      { id: 3, name: 'a', supercategory: 's' },
      { id: 12, name: 'walker', keypoints: ['head', 'foot'], skeleton: [[1, 2]] },
    ],
    annotations: [
      {
        id: 100,
        image_id: 10,
        category_id: 3,
        bbox: [1, 1, 5, 3],
        area: 15,
        iscrowd: 0,
        segmentation: [
          [1, 1, 6, 1, 6, 4, 1, 4],
          [6, 4, 8, 4, 8, 6],
        ],
      },
      {
        id: 101,
        image_id: 10,
        category_id: 7,
        bbox: [1, 1, 2, 3],
        area: 6,
        iscrowd: 1,
        segmentation: { size: [H, W], counts: crowdRuns },
      },
      {
        id: 102,
        image_id: 30,
        category_id: 12,
        bbox: [3, 2, 4, 3],
        area: 12,
        iscrowd: 0,
        segmentation: toCompressed(encode(personMask, H, W)),
        keypoints: [4.5, 2.5, 2, 0, 0, 0],
        num_keypoints: 1,
      },
    ],
  };
}

const dirs: string[] = [];
function writeDataset(json: unknown, raw?: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rcnn-coco-'));
  dirs.push(dir);
  const images = join(dir, 'images');
  for (const [name, shade] of [
    ['a.png', 10],
    ['empty.png', 20],
    ['sub/b.jpg', 30],
  ] as const) {
    const data = new Uint8Array(W * H * 3).fill(shade);
    const path = join(images, name);
    mkdirSync(join(path, '..'), { recursive: true });
    const image = { width: W, height: H, data };
    writeFileSync(path, name.endsWith('.jpg') ? encodeJpeg(image, 95) : encodePng(image));
  }
  const file = join(dir, 'annotations.json');
  writeFileSync(file, raw ?? JSON.stringify(json));
  return { dir, file };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('COCO reader', () => {
  it('maps non-contiguous category ids to class ids 1..K and back', async () => {
    const { file } = writeDataset(dataset());
    const ds = await readCocoDataset(file);
    expect(ds.numClasses).toBe(3);
    expect(ds.classNames).toEqual(['__background__', 'a', 'b', 'walker']);
    expect([3, 7, 12].map((c) => ds.classIdOf(c))).toEqual([1, 2, 3]);
    expect([1, 2, 3].map((c) => ds.categoryIdOf(c))).toEqual([3, 7, 12]);
    expect(() => ds.classIdOf(4)).toThrow(InputError);
    expect(() => ds.categoryIdOf(0)).toThrow(/classId/);
  });

  it('decodes polygons, uncompressed and compressed RLE, crowds, keypoints and empty images', async () => {
    const { file } = writeDataset(dataset());
    const ds = await readCocoDataset(file);
    expect(ds.length).toBe(3);
    expect(ds.numKeypoints).toBe(2);
    const a = await ds.get(0);
    expect(a.imageId).toBe(10);
    expect(a.image.data[0]).toBe(10);
    expect(Array.from(a.classIds)).toEqual([1, 2]);
    expect(Array.from(a.isCrowd)).toEqual([0, 1]);
    expect(Array.from(a.annotationIds)).toEqual([100, 101]);
    expect(Array.from(a.boxes)).toEqual([1, 1, 6, 4, 1, 1, 3, 4]);
    expect(Array.from(a.areas)).toEqual([15, 6]);
    const n = W * H;
    expect(Array.from(a.masks!.subarray(0, n))).toEqual(
      Array.from(decode(merge([frPoly([1, 1, 6, 1, 6, 4, 1, 4], H, W), frPoly([6, 4, 8, 4, 8, 6], H, W)]))),
    );
    expect(Array.from(a.masks!.subarray(n, 2 * n))).toEqual(Array.from(maskFromRuns(crowdRuns, H, W)));
    expect(Array.from(a.keypoints!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

    const empty = await ds.get(1);
    expect(empty.imageId).toBe(20);
    expect([empty.boxes.length, empty.classIds.length, empty.masks!.length, empty.keypoints!.length]).toEqual(
      [0, 0, 0, 0],
    );

    const b = await ds.get(2);
    // A JPEG image (flat grey 30) decodes to within JPEG's rounding.
    expect(Math.max(...Array.from(b.image.data, (v) => Math.abs(v - 30)))).toBeLessThanOrEqual(2);
    expect(Array.from(b.masks!)).toEqual(Array.from(personMask));
    expect(Array.from(b.keypoints!)).toEqual([4.5, 2.5, 2, 0, 0, 0]);
    expect(Array.from(b.classIds)).toEqual([3]);
  });

  it('names the file for missing or malformed annotation files', async () => {
    const { dir, file } = writeDataset(null, '{"images": [');
    await expect(readCocoDataset(file)).rejects.toThrow(InputError);
    await expect(readCocoDataset(file)).rejects.toThrow(new RegExp(`${file}: malformed JSON`));
    await expect(readCocoDataset(join(dir, 'none.json'))).rejects.toThrow(
      /none\.json: annotations file not found/,
    );
    const noImages = writeDataset({ annotations: [], categories: [] });
    await expect(readCocoDataset(noImages.file)).rejects.toThrow(/missing the 'images' array/);
  });

  it('names the file and image for a missing image, or skips and reports it', async () => {
    const { dir, file } = writeDataset(dataset());
    rmSync(join(dir, 'images', 'sub', 'b.jpg'));
    await expect(readCocoDataset(file)).rejects.toThrow(`${file}: image 30: image file not found`);
    const reported: SkippedItem[] = [];
    const ds = await readCocoDataset(file, { onInvalid: 'skip', onSkip: (s) => reported.push(s) });
    expect(ds.images.map((i) => i.id)).toEqual([10, 20]);
    expect(ds.skipped).toEqual(reported);
    expect(reported).toEqual([
      expect.objectContaining({ file, imageId: 30, reason: expect.stringMatching(/not found/) }),
    ]);
    const lazy = await readCocoDataset(file, { checkImages: false });
    await expect(lazy.get(2)).rejects.toThrow(/b\.jpg: image file not found/);
  });

  const bad: [string, (d: CocoDataset) => void, RegExp][] = [
    [
      'a polygon with < 3 points',
      (d) => (d.annotations[0].segmentation = [[1, 1, 5, 5]]),
      /polygon 0 has 2 points/,
    ],
    [
      'a bbox outside the image',
      (d) => (d.annotations[0].bbox = [5, 4, 6, 3]),
      /bbox \[5,4,6,3\] lies outside image 10/,
    ],
    ['an unknown category', (d) => (d.annotations[0].category_id = 99), /unknown category_id 99/],
    ['an unknown image', (d) => (d.annotations[0].image_id = 99), /unknown image_id 99/],
    [
      'an RLE of the wrong size',
      (d) => (d.annotations[0].segmentation = { size: [5, 8], counts: [40] }),
      /RLE size/,
    ],
    [
      'a broken RLE string',
      (d) => (d.annotations[0].segmentation = { size: [H, W], counts: '!!' }),
      /compressed RLE/,
    ],
    ['bad keypoints', (d) => (d.annotations[2].keypoints = [1, 2, 2]), /keypoints must be 6 finite numbers/],
  ];
  for (const [what, spoil, message] of bad) {
    it(`rejects ${what} naming the file and annotation id, or skips it when asked`, () => {
      const d = dataset();
      spoil(d);
      const id = what === 'bad keypoints' ? 102 : 100;
      expect(() => parseCocoDataset(d, 'x/ann.json')).toThrow(InputError);
      expect(() => parseCocoDataset(d, 'x/ann.json')).toThrow(`x/ann.json: annotation ${id}: `);
      expect(() => parseCocoDataset(d, 'x/ann.json')).toThrow(message);
      const ds = parseCocoDataset(d, 'x/ann.json', { onInvalid: 'skip' });
      expect(ds.skipped).toEqual([expect.objectContaining({ file: 'x/ann.json', annotationId: id })]);
      const kept = ds.images.flatMap((_, i) => ds.instances(i).map((a) => a.id));
      expect(kept).toEqual([100, 101, 102].filter((k) => k !== id));
    });
  }
});
