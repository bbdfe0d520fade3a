import type { DetectorConfig } from '@rcnn/model-zoo';
import type { Budget } from '../suites/types';
import type { MachineInfo } from './machineInfo';
import type { TrunkRef } from './pretrainedTrunks';

/** COCO summary numbers of one IoU type, as fractions 0..1 (-1 where COCOeval has no data). */
export interface CocoStats {
  readonly ap: number;
  readonly ap50: number;
  readonly ap75: number;
  readonly apSmall: number;
  readonly apMedium: number;
  readonly apLarge: number;
}

/** Evaluation of a detector on a dataset split. */
export interface EvaluationSummary {
  readonly box: CocoStats;
  /** Mask AP, for detectors with a mask branch. */
  readonly mask: CocoStats | null;
  /**
   * Keypoint AP (OKS) on the categories with keypoints, for detectors with a keypoint branch.
   * COCO has no small keypoint range: `apSmall` is -1, `apMedium`/`apLarge` are APM/APL.
   */
  readonly keypoints?: CocoStats | null;
  readonly images: number;
  /** Seconds spent in `predict` alone (proposals, network, post-processing), all images. */
  readonly predictSeconds?: number;
  readonly detections: number;
  readonly seconds: number;
}

/** One point of a loss curve. */
export interface HistoryPoint {
  readonly iteration: number;
  readonly totalLoss: number;
  readonly losses: Readonly<Record<string, number>>;
  readonly learningRate: number;
}

/** The synthetic dataset a run used. */
export interface DatasetInfo {
  readonly root: string;
  readonly trainAnnotations: string;
  readonly valAnnotations: string;
  readonly classNames: readonly string[];
}

/** What a finished variant records (`result.json`). */
export interface VariantResult {
  readonly suite: string;
  readonly variant: string;
  readonly label: string;
  /** Hash of config, budget and dataset; a mismatch makes the result stale. */
  readonly fingerprint: string;
  readonly config: DetectorConfig;
  readonly budget: Budget;
  readonly seed: number;
  readonly dataset: DatasetInfo;
  readonly iterations: number;
  readonly trainSeconds: number;
  readonly evaluation: EvaluationSummary;
  readonly history: readonly HistoryPoint[];
  /** Drawn val predictions, paths relative to the variant folder. */
  readonly predictions: readonly string[];
  readonly machine: MachineInfo;
  /** The pretrained trunk it started from (null: random weights). */
  readonly trunk?: TrunkRef | null;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** Everything a worker needs to train and evaluate one variant (plain data: crosses threads). */
export interface VariantJob {
  readonly suite: string;
  readonly variant: string;
  readonly budget: Budget;
  readonly runsDir: string;
  readonly dataset: DatasetInfo;
  readonly backend: string;
  /** The pretrained trunk the detector starts from, or null for random weights. */
  readonly trunk: TrunkRef | null;
}

/** A progress report of a running variant. */
export interface VariantProgress {
  readonly variant: string;
  readonly phase: 'train' | 'eval' | 'draw';
  readonly done: number;
  readonly total: number;
  /** Latest total loss while training. */
  readonly loss?: number;
  readonly iterationsPerSecond?: number;
}

/** How a variant job ended. */
export type VariantOutcome =
  | { readonly status: 'finished'; readonly result: VariantResult; readonly reused: boolean }
  | { readonly status: 'interrupted'; readonly iteration: number }
  /** Training diverged (a NaN or infinite loss); the last good checkpoint is kept. */
  | { readonly status: 'failed'; readonly message: string };
