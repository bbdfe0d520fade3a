/**
 * The project's typed errors. Every error names its culprit (a tensor, an option, a file or an
 * annotation) so a message alone says what to fix.
 */

/** Base class of every error rcnn.ts raises on purpose; `instanceof RcnnError` catches them all. */
export class RcnnError extends Error {
  override readonly name: string = 'RcnnError';
}

/** A dimension in an expected shape: a fixed size, or `null` for "any size". */
export type ShapeDim = number | null;

function formatShape(shape: readonly ShapeDim[]): string {
  return `[${shape.map((d) => (d == null ? '*' : String(d))).join(',')}]`;
}

/**
 * A tensor (or typed array viewed as one) has the wrong shape or rank.
 *
 * `expected` is either a shape with `null` for free dimensions (printed as `*`), or a free-text
 * description such as `'[N,4]'` when the rule is not a fixed shape.
 */
export class ShapeError extends RcnnError {
  override readonly name = 'ShapeError';
  constructor(
    /** Name of the offending tensor or argument, e.g. `'boxes'`. */
    readonly tensor: string,
    readonly expected: readonly ShapeDim[] | string,
    readonly actual: readonly number[],
    detail?: string,
  ) {
    const exp = typeof expected === 'string' ? expected : formatShape(expected);
    super(`${tensor}: expected shape ${exp}, got ${formatShape(actual)}${detail ? ` (${detail})` : ''}`);
  }
}

/**
 * Bad data: a non-finite coordinate, a malformed annotation, an unreadable file, an index out of
 * range. `culprit` names the file, annotation or tensor at fault.
 */
export class InputError extends RcnnError {
  override readonly name = 'InputError';
  constructor(
    readonly culprit: string,
    readonly detail: string,
  ) {
    super(`${culprit}: ${detail}`);
  }
}

/** An option has an invalid value or options contradict each other. `option` names it. */
export class ConfigError extends RcnnError {
  override readonly name = 'ConfigError';
  constructor(
    readonly option: string,
    readonly detail: string,
  ) {
    super(`option '${option}': ${detail}`);
  }
}
