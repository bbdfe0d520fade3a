import { createHash } from 'node:crypto';
import type { DetectorConfig } from '@rcnn/model-zoo';
import type { Budget } from '../suites/types';

/** Bumped when the training or evaluation procedure changes, so older results are redone. */
export const RUN_FORMAT_VERSION = 3; // 2: AdamW instead of SGD; 3: pretrained trunks

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** A short hash of everything that determines a variant's result. */
export function variantFingerprint(
  config: DetectorConfig,
  budget: Budget,
  datasetRoot: string,
  trunkKey: string | null = null,
): string {
  const dataset = datasetRoot.split(/[\\/]/).pop();
  const text = JSON.stringify(canonical({ version: RUN_FORMAT_VERSION, config, budget, dataset, trunkKey }));
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
