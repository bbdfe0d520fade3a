import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@rcnn/core';
import type { CocoAnnotation, CocoDataset, CocoImage } from '../cocoFormat';
import { encodePng } from '../imageCodec';
import { syntheticCategories } from './categories';
import { generateSyntheticImage } from './generateSyntheticImage';
import { syntheticAnnotations } from './syntheticAnnotations';
import { resolveSyntheticConfig, type SyntheticConfig } from './syntheticConfig';

/** Progress of a dataset build: `done` of `total` images written, over all splits. */
export interface BuildProgress {
  readonly split: string;
  readonly done: number;
  readonly total: number;
}

/** Options of {@link writeSyntheticDataset}. */
export interface WriteSyntheticOptions {
  /** Generator options (defaults in `DEFAULT_SYNTHETIC_CONFIG`). */
  config?: Partial<SyntheticConfig>;
  /** Image count per split, in order; default `{ train: 1000, val: 200 }`. */
  splits?: Record<string, number>;
  /** Called after every image. */
  onProgress?: (progress: BuildProgress) => void;
}

/** Default split sizes of a synthetic dataset. */
export const DEFAULT_SYNTHETIC_SPLITS: Readonly<Record<string, number>> = { train: 1000, val: 200 };

/** Where a split of a dataset written by {@link writeSyntheticDataset} lives. */
export interface SplitPaths {
  /** `<dir>/<split>/annotations.json` */
  readonly annotations: string;
  /** `<dir>/<split>/images`, the folder `file_name`s are relative to. */
  readonly images: string;
}

/** Check split names and sizes; names become folder names. */
export function checkSplits(splits: Record<string, number>): void {
  const names = Object.keys(splits);
  if (names.length === 0) throw new ConfigError('splits', 'needs at least one split');
  for (const name of names) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) {
      throw new ConfigError('splits', `split name '${name}' must be letters, digits, '_' or '-'`);
    }
    const n = splits[name];
    if (!Number.isInteger(n) || n < 0)
      throw new ConfigError(`splits.${name}`, `must be a non-negative integer, got ${n}`);
  }
}

/**
 * Generate a synthetic dataset and write it to `dir` as a genuine COCO dataset, one folder per
 * split: `<dir>/<split>/images/<id>.png` (lossless RGB PNG) and `<dir>/<split>/annotations.json`.
 * Splits hold different images of the same generator (split k continues the image index where
 * split k-1 stopped); image ids and annotation ids are unique across splits and start at 1.
 *
 * @returns the paths of each split.
 */
export async function writeSyntheticDataset(
  dir: string,
  options: WriteSyntheticOptions = {},
): Promise<Record<string, SplitPaths>> {
  const config = resolveSyntheticConfig(options.config);
  const splits = options.splits ?? DEFAULT_SYNTHETIC_SPLITS;
  checkSplits(splits);
  const total = Object.values(splits).reduce((a, b) => a + b, 0);
  const paths: Record<string, SplitPaths> = {};
  let index = 0;
  let annotationId = 1;
  let done = 0;
  for (const [split, count] of Object.entries(splits)) {
    const images = join(dir, split, 'images');
    await mkdir(images, { recursive: true });
    const dataset: CocoDataset = {
      info: {
        description: `rcnn.ts synthetic shapes and persons, split '${split}'`,
        version: '1',
        year: 2026,
        contributor: 'rcnn.ts @rcnn/data',
        generator_config: config,
      },
      licenses: [],
      images: [] as CocoImage[],
      annotations: [] as CocoAnnotation[],
      categories: syntheticCategories(),
    };
    for (let k = 0; k < count; k++, index++) {
      const sample = generateSyntheticImage(index, config);
      const id = index + 1;
      const fileName = `${String(id).padStart(6, '0')}.png`;
      await writeFile(join(images, fileName), encodePng(sample.image));
      dataset.images.push({ id, file_name: fileName, width: config.width, height: config.height });
      const anns = syntheticAnnotations(sample, id, annotationId);
      annotationId += anns.length;
      dataset.annotations.push(...anns);
      done++;
      options.onProgress?.({ split, done, total });
    }
    const annotations = join(dir, split, 'annotations.json');
    await writeFile(annotations, JSON.stringify(dataset));
    paths[split] = { annotations, images };
  }
  return paths;
}
