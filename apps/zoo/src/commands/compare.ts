import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import type { CliIo } from '../cli/io';
import { intOption, type ParsedCommand, stringOption } from '../cli/parseCommand';
import { UsageError } from '../cli/usageError';
import { formatDuration } from '../progress/formatDuration';
import { ProgressBoard } from '../progress/progressBoard';
import { writeSuiteReport } from '../report/writeSuiteReport';
import { finishedResults } from '../run/finishedResults';
import { defaultRunsDir } from '../run/runLayout';
import { runSuite } from '../run/runSuite';
import { StopSignal } from '../run/stopSignal';
import { budgetWithOverrides } from '../suites/budgetOptions';
import { findSuite } from '../suites/suites';
import type { SuiteSpec } from '../suites/types';

/** Worker threads by default: one per core, no more than there are variants. */
export function defaultWorkers(variants: number): number {
  return Math.max(1, Math.min(availableParallelism(), variants));
}

/**
 * Install a Ctrl-C handler for the duration of `work`: the first Ctrl-C asks running variants to
 * checkpoint and stop; a second one quits at once (every file is written atomically, so nothing
 * is left half-written either way).
 */
export async function withInterrupt<T>(io: CliIo, stop: StopSignal, work: () => Promise<T>): Promise<T> {
  const onSigint = () => {
    if (stop.stopped) {
      io.stderr.write('\nzoo: stopped\n');
      process.exit(130);
    }
    io.stderr.write('\nzoo: stopping: checkpointing the running variants (Ctrl-C again quits now)\n');
    stop.stop();
  };
  process.on('SIGINT', onSigint);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Options shared by `compare` and `train`. */
export function commonRunOptions(cmd: ParsedCommand) {
  return {
    runsDir: stringOption(cmd.options, 'runs') ?? defaultRunsDir(),
    backend: stringOption(cmd.options, 'backend', 'wasm'),
  };
}

/** Run (part of) a suite and report on it; returns the exit code. */
export async function runAndReport(
  io: CliIo,
  suite: SuiteSpec,
  cmd: ParsedCommand,
  only: readonly string[] | undefined,
  workersOption: number | undefined,
): Promise<number> {
  const budget = budgetWithOverrides(suite.budget, cmd.options);
  const { runsDir, backend } = commonRunOptions(cmd);
  const count = only?.length ?? suite.variants.length;
  const workers = workersOption ?? defaultWorkers(count);
  const stop = new StopSignal();
  const board = new ProgressBoard(io.stderr);
  const start = performance.now();
  board.log(
    `zoo: suite ${suite.name} (${count} variant${count > 1 ? 's' : ''}, ${budget.iterations} iterations each, ${budget.imageSize} px, ${budget.pretrainIterations > 0 ? `pretrained trunk (${budget.pretrainIterations} iterations)` : 'random init'}, ${workers} worker${workers > 1 ? 's' : ''}); runs in ${relative(process.cwd(), runsDir) || '.'}`,
  );
  const outcome = await withInterrupt(io, stop, () =>
    runSuite({ suite, budget, runsDir, workers, backend, board, stop, only }),
  );
  board.close();
  for (const id of outcome.reused) io.stderr.write(`reused finished variant ${id}\n`);
  const onDisk = await finishedResults(runsDir, suite);
  const fresh = new Map(outcome.finished.map((r) => [r.variant, r]));
  const merged = [
    ...outcome.finished,
    ...onDisk.filter((r) => !fresh.has(r.variant) && JSON.stringify(r.budget) === JSON.stringify(budget)),
  ];
  const { text, paths } = await writeSuiteReport(runsDir, suite, merged);
  io.stdout.write(`\n${text}\n\n`);
  io.stdout.write(
    `report: ${paths.reportHtml}\ntables: ${paths.resultsMarkdown}\ndata:   ${paths.resultsJson}\n`,
  );
  io.stderr.write(`zoo: ${suite.name} took ${formatDuration((performance.now() - start) / 1000)}\n`);
  for (const f of outcome.failed) {
    io.stderr.write(
      `zoo: error: variant ${f.variant} diverged: ${f.message}\n  hint: lower the learning rate or rerun with another seed\n`,
    );
  }
  if (outcome.interrupted.length > 0) {
    io.stderr.write(
      `zoo: interrupted; not finished: ${outcome.interrupted.join(', ')}. Run the same command again to continue from the last checkpoints.\n`,
    );
    return 130;
  }
  return outcome.failed.length > 0 ? 1 : 0;
}

/** `zoo compare --suite <name>`. */
export async function compareCommand(cmd: ParsedCommand, io: CliIo): Promise<number> {
  const suite = findSuite(stringOption(cmd.options, 'suite', 'quick'));
  const onlyRaw = stringOption(cmd.options, 'only');
  let only: string[] | undefined;
  if (onlyRaw !== undefined) {
    only = onlyRaw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const ids = suite.variants.map((v) => v.id);
    const bad = only.filter((id) => !ids.includes(id));
    if (bad.length > 0 || only.length === 0) {
      throw new UsageError(
        `suite ${suite.name} has no variant '${bad[0] ?? onlyRaw}'`,
        `its variants: ${ids.join(', ')}`,
      );
    }
  }
  const workers = intOption(cmd.options, 'workers', 1, 64);
  return runAndReport(io, suite, cmd, only, workers);
}
