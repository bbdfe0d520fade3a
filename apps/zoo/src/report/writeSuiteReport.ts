import { join } from 'node:path';
import { writeJsonAtomic, writeTextAtomic } from '../run/atomicFiles';
import { suitePaths } from '../run/runLayout';
import type { VariantResult } from '../run/types';
import type { SuiteSpec } from '../suites/types';
import { htmlReport } from './htmlReport';
import { tablesToMarkdown, tablesToText } from './renderTables';
import { resultTables } from './resultTables';
import { type SuiteReport, sceneText, trunkSentence } from './suiteReport';

/** Build a suite's report from its finished variants. */
export function buildSuiteReport(suite: SuiteSpec, finished: readonly VariantResult[]): SuiteReport {
  const byId = new Map(finished.map((r) => [r.variant, r]));
  const ordered = suite.variants
    .map((v) => byId.get(v.id))
    .filter((r): r is VariantResult => r !== undefined);
  const newest = [...ordered].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt)).pop();
  return {
    suite: suite.name,
    description: suite.description,
    budget: ordered[0]?.budget ?? suite.budget,
    seed: ordered[0]?.seed ?? suite.budget.seed,
    machine: newest?.machine ?? null,
    generatedAt: new Date().toISOString(),
    trunks: [...new Map(ordered.flatMap((r) => (r.trunk ? [[r.trunk.key, r.trunk] as const] : []))).values()],
    computeSeconds: ordered.reduce((s, r) => s + r.trainSeconds + r.evaluation.seconds, 0),
    variants: ordered,
    pending: suite.variants.filter((v) => !byId.has(v.id)).map((v) => v.id),
    tables: resultTables(suite, byId),
  };
}

/**
 * Write `results.json`, `results.md` and `report.html` into the suite's run folder (each
 * atomically) and return the tables as terminal text.
 */
export async function writeSuiteReport(
  runsDir: string,
  suite: SuiteSpec,
  finished: readonly VariantResult[],
): Promise<{ report: SuiteReport; text: string; paths: ReturnType<typeof suitePaths> }> {
  const report = buildSuiteReport(suite, finished);
  const paths = suitePaths(runsDir, suite.name);
  const b = report.budget;
  const md = [
    `# rcnn.ts zoo: ${suite.name}`,
    '',
    `${suite.description}.`,
    '',
    `Synthetic data, ${b.trainImages} train / ${b.valImages} val images of ${b.imageSize}×${b.imageSize} px${sceneText(b.scene) ? ` (${sceneText(b.scene)})` : ''}; ${b.iterations} iterations × ${b.batchSize} images; seed ${report.seed}.`,
    trunkSentence(report),
    report.machine
      ? `Machine: ${report.machine.cpuModel}, ${report.machine.cores} cores, Node ${report.machine.node}, tfjs ${report.machine.backend}. Generated ${report.generatedAt}.`
      : `Generated ${report.generatedAt}.`,
    'AP in percent; deltas in parentheses are against the first row of each table, like the paper\'s "+5.5".',
    '',
    tablesToMarkdown(report.tables),
    '',
  ].join('\n');
  await writeJsonAtomic(paths.resultsJson, report);
  await writeTextAtomic(paths.resultsMarkdown, md);
  await writeTextAtomic(
    paths.reportHtml,
    htmlReport(report, join(paths.root, 'variants'), paths.groundTruth),
  );
  return { report, text: tablesToText(report.tables), paths };
}
