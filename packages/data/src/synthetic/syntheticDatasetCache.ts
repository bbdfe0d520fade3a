import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '@rcnn/core';
import { resolveSyntheticConfig } from './syntheticConfig';
import {
  checkSplits,
  DEFAULT_SYNTHETIC_SPLITS,
  type SplitPaths,
  type WriteSyntheticOptions,
  writeSyntheticDataset,
} from './writeSyntheticDataset';

/**
 * Bumped whenever the generator's output changes for a given config, so stale caches are never
 * reused.
 */
export const SYNTHETIC_GENERATOR_VERSION = 1;

/** Options of {@link ensureSyntheticDataset}. */
export interface EnsureSyntheticOptions extends WriteSyntheticOptions {
  /** Dataset name, the first part of its cache folder. Default `'shapes'`. */
  name?: string;
  /** Cache root. Default: `$RCNN_DATA_CACHE`, else `<repository root or cwd>/.cache/rcnn-data`. */
  cacheDir?: string;
}

/** A synthetic dataset on disk. */
export interface SyntheticDatasetPaths {
  /** The dataset folder, `<cacheDir>/<name>-<hash>`. */
  readonly root: string;
  /** Paths of each split's annotations file and image folder. */
  readonly splits: Record<string, SplitPaths>;
  /** Whether this call built it (false: it was already cached). */
  readonly built: boolean;
}

/** The nearest folder above `start` holding `pnpm-workspace.yaml` or `.git`, else `start`. */
function repositoryRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) || existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

/** The default cache root: `$RCNN_DATA_CACHE`, else `<repository root or cwd>/.cache/rcnn-data`. */
export function defaultCacheDir(): string {
  const env = process.env.RCNN_DATA_CACHE;
  if (env) return resolve(env);
  return join(repositoryRoot(process.cwd()), '.cache', 'rcnn-data');
}

/** A short hash of everything that determines a synthetic dataset's bytes. */
export function syntheticDatasetKey(options: WriteSyntheticOptions = {}): string {
  const config = resolveSyntheticConfig(options.config);
  const splits = options.splits ?? DEFAULT_SYNTHETIC_SPLITS;
  checkSplits(splits);
  const canonical = JSON.stringify({
    version: SYNTHETIC_GENERATOR_VERSION,
    config: Object.fromEntries(Object.entries(config).sort(([a], [b]) => a.localeCompare(b))),
    splits: Object.entries(splits),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

function splitPaths(root: string, splits: Record<string, number>): Record<string, SplitPaths> {
  return Object.fromEntries(
    Object.keys(splits).map((s) => [
      s,
      { annotations: join(root, s, 'annotations.json'), images: join(root, s, 'images') },
    ]),
  );
}

/**
 * The synthetic dataset for `options`, built on first use and cached in
 * `<cacheDir>/<name>-<hash of config and splits>`. The build writes into a temporary sibling
 * folder and renames it into place, so an interrupted build never leaves a half dataset behind and
 * concurrent builders do not corrupt each other (the first rename wins, the other copy is removed).
 * `onProgress` reports every image written.
 */
export async function ensureSyntheticDataset(
  options: EnsureSyntheticOptions = {},
): Promise<SyntheticDatasetPaths> {
  const name = options.name ?? 'shapes';
  if (!/^[A-Za-z0-9_-]+$/.test(name))
    throw new ConfigError('name', `must be letters, digits, '_' or '-', got '${name}'`);
  const splits = options.splits ?? DEFAULT_SYNTHETIC_SPLITS;
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
  const root = join(cacheDir, `${name}-${syntheticDatasetKey(options)}`);
  const complete = () => Object.values(splitPaths(root, splits)).every((p) => existsSync(p.annotations));
  if (complete()) return { root, splits: splitPaths(root, splits), built: false };
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${root}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    await writeSyntheticDataset(tmp, options);
    try {
      await rename(tmp, root);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another process finished the same dataset first: keep theirs.
      if (!(code === 'EEXIST' || code === 'ENOTEMPTY') || !complete()) throw err;
      await rm(tmp, { recursive: true, force: true });
      return { root, splits: splitPaths(root, splits), built: false };
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { root, splits: splitPaths(root, splits), built: true };
}
