import type { DetectorConfig } from '@rcnn/model-zoo';
import type { Budget } from '../suites/types';
import type { DatasetInfo } from './types';

/** `run.json` beside a checkpoint: what was trained, on what, and how to name its classes. */
export interface RunInfo {
  readonly suite: string;
  readonly variant: string;
  readonly label: string;
  readonly fingerprint: string;
  readonly config: DetectorConfig;
  readonly budget: Budget;
  readonly dataset: DatasetInfo;
  readonly startedAt: string;
}
