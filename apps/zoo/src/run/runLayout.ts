import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where a suite's run keeps its files: `<runsDir>/<suite>/…`. */
export interface SuitePaths {
  readonly root: string;
  readonly resultsJson: string;
  readonly resultsMarkdown: string;
  readonly reportHtml: string;
  /** Val images with their ground truth drawn (the first row of the report's grid). */
  readonly groundTruth: string;
}

/** Files of one variant: `<runsDir>/<suite>/variants/<id>/…`. */
export interface VariantPaths {
  readonly root: string;
  /** Training checkpoint (weights, momentum, data order, iteration), rewritten atomically. */
  readonly checkpoint: string;
  /** What the variant is (config, budget, fingerprint, class names): written before training starts. */
  readonly runInfo: string;
  /** Loss curve so far. */
  readonly history: string;
  /** Written last, atomically: its presence means the variant is finished. */
  readonly result: string;
  readonly predictions: string;
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

/** The default runs folder: `$ZOO_RUNS`, else `<repository root or cwd>/runs/zoo`. */
export function defaultRunsDir(): string {
  const env = process.env.ZOO_RUNS;
  return env ? resolve(env) : join(repositoryRoot(process.cwd()), 'runs', 'zoo');
}

export function suitePaths(runsDir: string, suite: string): SuitePaths {
  const root = join(resolve(runsDir), suite);
  return {
    root,
    resultsJson: join(root, 'results.json'),
    resultsMarkdown: join(root, 'results.md'),
    reportHtml: join(root, 'report.html'),
    groundTruth: join(root, 'ground-truth'),
  };
}

export function variantPaths(runsDir: string, suite: string, variant: string): VariantPaths {
  const root = join(resolve(runsDir), suite, 'variants', variant);
  return {
    root,
    checkpoint: join(root, 'checkpoint.safetensors'),
    runInfo: join(root, 'run.json'),
    history: join(root, 'history.json'),
    result: join(root, 'result.json'),
    predictions: join(root, 'predictions'),
  };
}
