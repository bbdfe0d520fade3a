// Wall time of the README's main job, `zoo compare --suite quick`, from nothing: a fresh dataset
// cache and runs folder, so dataset generation, worker start-up, training, evaluation and the
// report are all counted. The reference is the budget the suite is designed for (15 minutes on
// 2 cores) and the app's own estimate (`zoo suites`); per variant it prints seconds per iteration.
//   pnpm --filter @rcnn/bench zoo-quick            the real suite
//   pnpm --filter @rcnn/bench zoo-quick --tiny     a smoke form (3 iterations, 8/4 images)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimateSuiteSeconds, findSuite, main, REFERENCE_SPEED, type SuiteReport } from '@rcnn/zoo';
import { benchArgs } from '../common/harness';

const args = benchArgs();
const tiny = args.has('tiny');
const workers = Number(args.get('workers') ?? Math.min(availableParallelism(), 4));
const BUDGET_SECONDS = 15 * 60;

const dir = mkdtempSync(join(tmpdir(), 'zoo-bench-'));
process.env.RCNN_DATA_CACHE = join(dir, 'cache');
const runs = join(dir, 'runs');
const extra = tiny ? ['--iterations', '3', '--train-images', '8', '--val-images', '4'] : [];
try {
  const t0 = performance.now();
  const code = await main([
    'compare',
    '--suite',
    'quick',
    '--workers',
    String(workers),
    '--runs',
    runs,
    ...extra,
  ]);
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`zoo compare exited with ${code}`);
  const report = JSON.parse(readFileSync(join(runs, 'quick', 'results.json'), 'utf8')) as SuiteReport;
  const suite = findSuite('quick');
  const estimate = estimateSuiteSeconds(suite, report.budget, REFERENCE_SPEED, workers);
  console.log(
    `\nquick suite${tiny ? ' (tiny)' : ''}: ${report.budget.iterations} iterations/variant, ${workers} workers`,
  );
  for (const v of report.variants) {
    console.log(
      `  ${v.variant.padEnd(16)} ${(v.trainSeconds / v.iterations).toFixed(3)} s/iteration  eval ${(v.evaluation.seconds / v.evaluation.images).toFixed(3)} s/image`,
    );
  }
  console.log(
    `wall ${seconds.toFixed(1)} s; budget ${BUDGET_SECONDS} s; ratio wall/budget ${(seconds / BUDGET_SECONDS).toFixed(3)}`,
  );
  console.log(
    `app estimate ${estimate.toFixed(1)} s; ratio wall/estimate ${(seconds / estimate).toFixed(3)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
