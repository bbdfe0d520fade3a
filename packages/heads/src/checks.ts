import { ConfigError } from '@rcnn/core';

/** Throw a {@link ConfigError} naming `option` unless `value` is a positive integer. */
export function positiveInt(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(option, `expected a positive integer, got ${value}`);
  }
  return value;
}

/** Normalise a square-or-pair size option to `[h, w]`. */
export function sizePair(option: string, value: number | readonly [number, number]): [number, number] {
  const [h, w] = typeof value === 'number' ? [value, value] : value;
  return [positiveInt(`${option}[0]`, h), positiveInt(`${option}[1]`, w)];
}
