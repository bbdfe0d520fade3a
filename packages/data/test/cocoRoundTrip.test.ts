import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BuildProgress,
  type CocoDataset,
  ensureSyntheticDataset,
  printBuildProgress,
  readCocoDataset,
  syntheticDatasetKey,
  syntheticRecord,
  writeSyntheticDataset,
} from '../src/index';

const config = { seed: 11, crowdProbability: 0.5, personProbability: 0.35 };
const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('synthetic COCO dataset on disk', () => {
  const dir = tempDir('rcnn-synth-');
  const written = writeSyntheticDataset(dir, { config, splits: { train: 10, val: 4 } });

  it('writes a genuine COCO layout with polygons, compressed and uncompressed RLE, crowds and keypoints', async () => {
    const paths = await written;
    expect(Object.keys(paths)).toEqual(['train', 'val']);
    expect(readdirSync(paths.train.images).length).toBe(10);
    const train = JSON.parse(readFileSync(paths.train.annotations, 'utf8')) as CocoDataset;
    const val = JSON.parse(readFileSync(paths.val.annotations, 'utf8')) as CocoDataset;
    expect(train.images.map((i) => i.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(val.images.map((i) => i.id)).toEqual([11, 12, 13, 14]);
    const ids = [...train.annotations, ...val.annotations].map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    const anns = train.annotations;
    const polygons = anns.filter((a) => Array.isArray(a.segmentation));
    const compressed = anns.filter(
      (a) => typeof (a.segmentation as { counts?: unknown }).counts === 'string',
    );
    const uncompressed = anns.filter((a) => Array.isArray((a.segmentation as { counts?: unknown }).counts));
    expect(polygons.length).toBeGreaterThan(0);
    expect(compressed.length).toBeGreaterThan(0);
    expect(uncompressed.length).toBeGreaterThan(0);
    expect(uncompressed.every((a) => a.iscrowd === 1)).toBe(true);
    expect(polygons.every((a) => a.iscrowd === 0)).toBe(true);
    const persons = anns.filter((a) => a.category_id === 1);
    expect(persons.length).toBeGreaterThan(0);
    for (const p of persons) {
      expect(p.keypoints!.length).toBe(51);
      expect(p.num_keypoints).toBe(p.keypoints!.filter((_, j) => j % 3 === 2 && p.keypoints![j] > 0).length);
    }
    expect(train.categories.find((c) => c.id === 1)!.keypoints!.length).toBe(17);
  });

  it('reads back exactly what the generator made (pixels, boxes, masks, classes, keypoints)', async () => {
    const paths = await written;
    for (const split of ['train', 'val'] as const) {
      const ds = await readCocoDataset(paths[split].annotations);
      expect(ds.skipped).toEqual([]);
      expect(ds.numClasses).toBe(9);
      expect(ds.classNames.slice(0, 3)).toEqual(['__background__', 'person', 'ellipse']);
      expect(ds.hasMasks).toBe(true);
      expect(ds.numKeypoints).toBe(17);
      for (let i = 0; i < ds.length; i++) {
        const got = await ds.get(i);
        const want = syntheticRecord(got.imageId - 1, config);
        expect(Buffer.from(got.image.data).equals(Buffer.from(want.image.data))).toBe(true);
        expect(Array.from(got.boxes)).toEqual(Array.from(want.boxes));
        expect(Array.from(got.classIds)).toEqual(Array.from(want.classIds));
        expect(Array.from(got.isCrowd)).toEqual(Array.from(want.isCrowd));
        expect(Array.from(got.areas)).toEqual(Array.from(want.areas));
        expect(Buffer.from(got.masks!).equals(Buffer.from(want.masks!))).toBe(true);
        expect(Array.from(got.keypoints!)).toEqual(Array.from(want.keypoints!));
        for (let k = 0; k < got.classIds.length; k++) {
          expect(ds.categoryIdOf(got.classIds[k])).toBe(ds.instances(i)[k].categoryId);
        }
      }
    }
  });

  it('is identical across runs (byte-identical annotations and images)', async () => {
    const paths = await written;
    const again = tempDir('rcnn-synth-');
    const second = await writeSyntheticDataset(again, { config, splits: { train: 10, val: 4 } });
    expect(readFileSync(second.val.annotations).equals(readFileSync(paths.val.annotations))).toBe(true);
    for (const f of readdirSync(paths.val.images)) {
      expect(readFileSync(join(second.val.images, f)).equals(readFileSync(join(paths.val.images, f)))).toBe(
        true,
      );
    }
  });
});

describe('ensureSyntheticDataset', () => {
  it('builds once into a hashed cache folder with progress, atomically, then reuses it', async () => {
    const cacheDir = tempDir('rcnn-cache-');
    const progress: BuildProgress[] = [];
    const options = { name: 'tiny', config: { seed: 2 }, splits: { train: 3, val: 2 }, cacheDir };
    const first = await ensureSyntheticDataset({ ...options, onProgress: (p) => progress.push(p) });
    expect(first.built).toBe(true);
    expect(first.root).toBe(join(cacheDir, `tiny-${syntheticDatasetKey(options)}`));
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5]);
    expect(progress.every((p) => p.total === 5)).toBe(true);
    expect(progress.map((p) => p.split)).toEqual(['train', 'train', 'train', 'val', 'val']);
    expect(readdirSync(cacheDir)).toEqual([`tiny-${syntheticDatasetKey(options)}`]);
    expect(existsSync(first.splits.val.annotations)).toBe(true);
    const second = await ensureSyntheticDataset(options);
    expect(second.built).toBe(false);
    expect(second.root).toBe(first.root);
    expect(syntheticDatasetKey({ config: { seed: 3 }, splits: options.splits })).not.toBe(
      syntheticDatasetKey(options),
    );
    expect(syntheticDatasetKey({ config: { seed: 2, width: 256 }, splits: options.splits })).toBe(
      syntheticDatasetKey(options),
    );
  });

  it('lets concurrent builders of the same dataset race safely: one copy survives, no temporary folders', async () => {
    const cacheDir = tempDir('rcnn-cache-');
    const options = { name: 'race', config: { seed: 5 }, splits: { train: 2 }, cacheDir };
    const [a, b] = await Promise.all([ensureSyntheticDataset(options), ensureSyntheticDataset(options)]);
    expect(a.root).toBe(b.root);
    expect([a.built, b.built].filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(readdirSync(cacheDir)).toEqual([`race-${syntheticDatasetKey(options)}`]);
    expect(readdirSync(join(a.root, 'train', 'images')).length).toBe(2);
    expect(syntheticDatasetKey({ config: { seed: 5 }, splits: { train: 3 } })).not.toBe(
      syntheticDatasetKey(options),
    );
  });

  it('prints build progress once per percent, ending with a newline', () => {
    const lines: string[] = [];
    const report = printBuildProgress('shapes', { write: (t: string) => lines.push(t) });
    for (let done = 1; done <= 300; done++) report({ split: 'train', done, total: 300 });
    expect(lines.length).toBe(101);
    expect(lines.slice(0, 2)).toEqual(['shapes: 1/300 images (0%)\n', 'shapes: 3/300 images (1%)\n']);
    expect(lines.at(-1)).toBe('shapes: 300/300 images (100%)\n');
  });
});
