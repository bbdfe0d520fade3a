import { ConfigError } from '../errors';

/** A size given once for both axes or as `[height, width]`. */
export type Pair = number | readonly [number, number];

/** Expand a {@link Pair} to `[height, width]`, checking each is an integer ≥ `min`. */
export function toPair(value: Pair, option: string, min: number): [number, number] {
  const pair: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  for (const v of pair) {
    if (!Number.isInteger(v) || v < min) {
      throw new ConfigError(
        option,
        `expected an integer >= ${min} (or a pair of them), got ${JSON.stringify(value)}`,
      );
    }
  }
  return pair;
}
