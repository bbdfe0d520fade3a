import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SuiteSpec } from '../suites/types';
import { readJsonIfExists } from './atomicFiles';
import { suitePaths, variantPaths } from './runLayout';
import type { VariantResult } from './types';

/**
 * The finished variants of a suite on disk. When variants were run with different budgets, only
 * those sharing the budget of the most recently finished one are returned, so a table never
 * mixes training lengths or image sizes.
 */
export async function finishedResults(runsDir: string, suite: SuiteSpec): Promise<VariantResult[]> {
  const dir = join(suitePaths(runsDir, suite.name).root, 'variants');
  if (!existsSync(dir)) return [];
  const known = new Set(suite.variants.map((v) => v.id));
  const results: VariantResult[] = [];
  for (const id of await readdir(dir)) {
    if (!known.has(id)) continue;
    const r = await readJsonIfExists<VariantResult>(variantPaths(runsDir, suite.name, id).result);
    if (r?.evaluation && r.config) results.push(r);
  }
  if (results.length === 0) return [];
  const newest = [...results].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt)).pop() as VariantResult;
  const key = JSON.stringify(newest.budget);
  return results.filter((r) => JSON.stringify(r.budget) === key);
}
