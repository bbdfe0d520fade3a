import { parseArgs } from 'node:util';
import { UsageError } from './usageError';

/** The commands `zoo` knows. */
export const COMMANDS = ['compare', 'train', 'eval', 'predict', 'report', 'suites'] as const;
export type CommandName = (typeof COMMANDS)[number];

/** A parsed command line. */
export interface ParsedCommand {
  readonly command: CommandName | 'help' | 'version';
  /** Command whose help was asked for (`zoo train --help`, `zoo help train`). */
  readonly helpFor?: CommandName;
  readonly positionals: readonly string[];
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
}

const BUDGET = [
  'iterations',
  'train-images',
  'val-images',
  'image-size',
  'batch-size',
  'pretrain-iterations',
  'seed',
] as const;
const S = { type: 'string' } as const;

const OPTIONS: Record<CommandName, Record<string, { type: 'string' | 'boolean' }>> = {
  compare: {
    suite: S,
    only: S,
    workers: S,
    runs: S,
    backend: S,
    ...Object.fromEntries(BUDGET.map((b) => [b, S])),
  },
  train: { suite: S, runs: S, backend: S, ...Object.fromEntries(BUDGET.map((b) => [b, S])) },
  eval: { data: S, images: S, limit: S, backend: S },
  predict: { model: S, out: S, score: S, backend: S },
  report: { suite: S, runs: S },
  suites: { runs: S },
};

/** Positional arguments each command takes: [min, max]. */
const POSITIONALS: Record<CommandName, [number, number, string]> = {
  compare: [0, 0, ''],
  train: [1, 1, '<variant>'],
  eval: [1, 1, '<checkpoint>'],
  predict: [1, Number.POSITIVE_INFINITY, '<image...>'],
  report: [0, 0, ''],
  suites: [0, 0, ''],
};

function closest(word: string, choices: readonly string[]): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i][j] = Math.min(
          d[i - 1][j] + 1,
          d[i][j - 1] + 1,
          d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
    return d[a.length][b.length];
  };
  const best = [...choices].sort((a, b) => dist(word, a) - dist(word, b))[0];
  return best !== undefined && dist(word, best) <= Math.max(2, Math.floor(best.length / 3))
    ? best
    : undefined;
}

/**
 * Parse `zoo`'s arguments (without `node` and the script). Unknown commands or options, missing
 * or extra arguments and options without a value raise a {@link UsageError} with a hint.
 */
export function parseCommand(argv: readonly string[]): ParsedCommand {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h')
    return { command: 'help', positionals: [], options: {} };
  if (first === '--version' || first === '-v') return { command: 'version', positionals: [], options: {} };
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) return { command: 'help', positionals: [], options: {} };
    if (!(COMMANDS as readonly string[]).includes(topic)) throw unknownCommand(topic);
    return { command: 'help', helpFor: topic as CommandName, positionals: [], options: {} };
  }
  if (!(COMMANDS as readonly string[]).includes(first)) throw unknownCommand(first);
  const command = first as CommandName;
  if (rest.includes('--help') || rest.includes('-h'))
    return { command: 'help', helpFor: command, positionals: [], options: {} };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options: OPTIONS[command], allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(msg);
    if (unknown) {
      const name = unknown[1].replace(/^-+/, '');
      const guess = closest(name, Object.keys(OPTIONS[command]));
      throw new UsageError(
        `unknown option ${unknown[1]} for 'zoo ${command}'`,
        guess
          ? `did you mean --${guess}? ('zoo ${command} --help' lists the options)`
          : `'zoo ${command} --help' lists the options`,
      );
    }
    const missing = /Option '(-{1,2}[^' ]+)[^']*' argument missing/.exec(msg);
    if (missing)
      throw new UsageError(`option ${missing[1]} needs a value`, `'zoo ${command} --help' shows its format`);
    throw new UsageError(msg.split('\n')[0], `'zoo ${command} --help' lists the options`);
  }
  const [min, max, what] = POSITIONALS[command];
  const positionals = parsed.positionals;
  if (positionals.length < min) {
    throw new UsageError(`'zoo ${command}' needs ${what}`, `e.g. ${exampleOf(command)}`);
  }
  if (positionals.length > max) {
    throw new UsageError(
      `unexpected argument '${positionals[max]}' for 'zoo ${command}'`,
      max === 0 ? `'zoo ${command}' takes options only; see 'zoo ${command} --help'` : `it takes ${what}`,
    );
  }
  return { command, positionals, options: parsed.values as Record<string, string | boolean | undefined> };
}

function exampleOf(command: CommandName): string {
  return {
    compare: 'zoo compare --suite quick',
    train: 'zoo train mask-roialign',
    eval: 'zoo eval runs/zoo/quick/variants/mask-roialign',
    predict: 'zoo predict photo.png --model runs/zoo/quick/variants/mask-roialign',
    report: 'zoo report',
    suites: 'zoo suites',
  }[command];
}

function unknownCommand(word: string): UsageError {
  if (word.startsWith('-'))
    return new UsageError(
      `expected a command before ${word}`,
      `commands: ${COMMANDS.join(', ')}; see 'zoo --help'`,
    );
  const guess = closest(word, COMMANDS);
  return new UsageError(
    `unknown command '${word}'`,
    guess
      ? `did you mean 'zoo ${guess}'? (commands: ${COMMANDS.join(', ')})`
      : `commands: ${COMMANDS.join(', ')}; see 'zoo --help'`,
  );
}

/** An integer option within `[min, max]`, or `undefined` when absent. */
export function intOption(
  options: ParsedCommand['options'],
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new UsageError(
      `--${name} must be ${range}, got '${raw}'`,
      `e.g. --${name} ${Math.max(min, Math.min(max, 2))}`,
    );
  }
  return v;
}

/** A number option within `[min, max]`, or `undefined` when absent. */
export function numberOption(
  options: ParsedCommand['options'],
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || v < min || v > max) {
    throw new UsageError(
      `--${name} must be a number in [${min}, ${max}], got '${raw}'`,
      `e.g. --${name} ${(min + max) / 2}`,
    );
  }
  return v;
}

/** A string option, or `fallback`. */
export function stringOption(options: ParsedCommand['options'], name: string, fallback: string): string;
export function stringOption(options: ParsedCommand['options'], name: string): string | undefined;
export function stringOption(
  options: ParsedCommand['options'],
  name: string,
  fallback?: string,
): string | undefined {
  const raw = options[name];
  return typeof raw === 'string' ? raw : fallback;
}
