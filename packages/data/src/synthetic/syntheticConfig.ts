import { ConfigError } from '@rcnn/core';

/** Options of the synthetic scene generator. Sizes are pixels. */
export interface SyntheticConfig {
  /** Seed of the whole dataset; image `i` depends only on (`seed`, `i`). Default 0. */
  seed: number;
  /** Image width, 128..800. Default 256. */
  width: number;
  /** Image height, 128..800. Default 256. */
  height: number;
  /** Fewest objects drawn per image (before occlusion may hide some). Default 2. */
  minObjects: number;
  /** Most objects drawn per image. Default 9. */
  maxObjects: number;
  /** Chance that each drawn object is a person figure rather than a shape. Default 0.25. */
  personProbability: number;
  /** Chance that an image holds a crowd region (a cluster of small shapes annotated once, `iscrowd: 1`). Default 0.1. */
  crowdProbability: number;
  /** Smallest object extent (pixels). Default 8. */
  minObjectSize: number;
  /** Largest object extent as a fraction of the shorter image side. Default 0.8. */
  maxObjectFraction: number;
  /** Objects with fewer visible pixels than this are not annotated. Default 16. */
  minVisibleArea: number;
  /** Objects with less than this fraction of their pixels visible are not annotated. Default 0.15. */
  minVisibleFraction: number;
}

/** The defaults of {@link SyntheticConfig}. */
export const DEFAULT_SYNTHETIC_CONFIG: Readonly<SyntheticConfig> = {
  seed: 0,
  width: 256,
  height: 256,
  minObjects: 2,
  maxObjects: 9,
  personProbability: 0.25,
  crowdProbability: 0.1,
  minObjectSize: 8,
  maxObjectFraction: 0.8,
  minVisibleArea: 16,
  minVisibleFraction: 0.15,
};

function check(ok: boolean, option: string, detail: string): void {
  if (!ok) throw new ConfigError(option, detail);
}

/** Fill in defaults and validate; every violation is a ConfigError naming the option. */
export function resolveSyntheticConfig(options: Partial<SyntheticConfig> = {}): SyntheticConfig {
  const c: SyntheticConfig = { ...DEFAULT_SYNTHETIC_CONFIG };
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    if (!(k in DEFAULT_SYNTHETIC_CONFIG)) throw new ConfigError(k, 'unknown synthetic dataset option');
    (c as unknown as Record<string, number>)[k] = v as number;
  }
  const int = (v: number) => Number.isInteger(v);
  const prob = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;
  check(int(c.seed), 'seed', `must be an integer, got ${c.seed}`);
  check(
    int(c.width) && c.width >= 128 && c.width <= 800,
    'width',
    `must be an integer in [128, 800], got ${c.width}`,
  );
  check(
    int(c.height) && c.height >= 128 && c.height <= 800,
    'height',
    `must be an integer in [128, 800], got ${c.height}`,
  );
  check(
    int(c.minObjects) && c.minObjects >= 0,
    'minObjects',
    `must be a non-negative integer, got ${c.minObjects}`,
  );
  check(
    int(c.maxObjects) && c.maxObjects >= c.minObjects && c.maxObjects <= 100,
    'maxObjects',
    `must be an integer in [minObjects, 100], got ${c.maxObjects}`,
  );
  check(prob(c.personProbability), 'personProbability', `must be in [0, 1], got ${c.personProbability}`);
  check(prob(c.crowdProbability), 'crowdProbability', `must be in [0, 1], got ${c.crowdProbability}`);
  check(
    Number.isFinite(c.minObjectSize) && c.minObjectSize >= 4,
    'minObjectSize',
    `must be >= 4 pixels, got ${c.minObjectSize}`,
  );
  check(
    Number.isFinite(c.maxObjectFraction) &&
      c.maxObjectFraction <= 1 &&
      c.maxObjectFraction * Math.min(c.width, c.height) >= c.minObjectSize,
    'maxObjectFraction',
    `must be <= 1 and leave room above minObjectSize, got ${c.maxObjectFraction}`,
  );
  check(
    Number.isFinite(c.minVisibleArea) && c.minVisibleArea >= 1,
    'minVisibleArea',
    `must be >= 1 pixel, got ${c.minVisibleArea}`,
  );
  check(prob(c.minVisibleFraction), 'minVisibleFraction', `must be in [0, 1], got ${c.minVisibleFraction}`);
  return c;
}
