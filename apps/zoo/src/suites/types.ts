import type { SyntheticConfig } from '@rcnn/data';
import type { DetectorConfig } from '@rcnn/model-zoo';

/**
 * How much work a suite does: dataset size, image size, training length. Everything here is
 * recorded with each run, and any change makes finished variants stale (they are retrained).
 */
export interface Budget {
  /** Synthetic images are `imageSize × imageSize` pixels; the detectors take them at that size. */
  readonly imageSize: number;
  readonly trainImages: number;
  readonly valImages: number;
  /** SGD iterations per variant. */
  readonly iterations: number;
  /** Images per iteration. */
  readonly batchSize: number;
  readonly baseLearningRate: number;
  readonly warmupIterations: number;
  /** Seed of the synthetic dataset. */
  readonly datasetSeed: number;
  /**
   * Scene settings of the synthetic dataset beyond its size and seed (objects per image, object
   * sizes, crowd regions…; see `SyntheticConfig` of `@rcnn/data`); empty means its defaults.
   */
  readonly scene: Readonly<Partial<Omit<SyntheticConfig, 'seed' | 'width' | 'height'>>>;
  /** Seed of the weights, sampling and data order. */
  readonly seed: number;
  /** Val images drawn with each variant's predictions in the report. */
  readonly gridImages: number;
  /**
   * Iterations (of 64 object crops) of the shared trunk pretraining every variant starts from,
   * the counterpart of the paper's ImageNet initialisation; 0 trains every variant from random
   * weights.
   */
  readonly pretrainIterations: number;
}

/** One trained-and-evaluated detector of a suite: a row in one or more tables. */
export interface VariantSpec {
  /** Folder-safe id, unique within its suite, e.g. `mask-roialign`. */
  readonly id: string;
  /** Row name as in the paper's tables, e.g. `RoIAlign (avg)`. */
  readonly label: string;
  /** The detector for a budget: every part chosen by a config factory of `@rcnn/model-zoo`. */
  readonly build: (budget: Budget) => DetectorConfig;
  /**
   * Relative cost of one iteration (1 = the quick suite's R18-FPN Mask R-CNN with RoIAlign);
   * feeds time estimates. RoIPool/RoIWarp variants train ~1.6× slower than RoIAlign here.
   */
  readonly relativeCost: number;
}

/** What a table reports: box AP, mask AP or keypoint AP (OKS). */
export type Metric = 'box' | 'mask' | 'keypoints';

/** The paper's numbers for one row (percent AP), when it has them. */
export interface PaperRow {
  readonly ap: number;
  readonly ap50?: number;
  readonly ap75?: number;
}

/** A table of a suite: rows are variants, deltas are against the first row. */
export interface TableSpec {
  readonly id: string;
  readonly title: string;
  /** Which of the paper's tables it mirrors, e.g. `Table 2c`. */
  readonly paperTable: string;
  /** The metric the paper reports in that table. */
  readonly metric: Metric;
  /** Add a seconds-per-image column (inference, proposals included), as in the lineage's speed comparisons. */
  readonly speed?: boolean;
  /** Variant ids, baseline first. */
  readonly rows: readonly string[];
  /** Row names when they differ from the variants' labels (same order as `rows`). */
  readonly rowLabels?: readonly string[];
  /** The paper's figures for the same rows (same order), or null where the paper has no such row. */
  readonly paper: readonly (PaperRow | null)[];
  /** What the paper concludes from the table (one line). */
  readonly paperFinding: string;
}

/** A named set of variants run and compared together. */
export interface SuiteSpec {
  readonly name: string;
  readonly description: string;
  readonly budget: Budget;
  readonly variants: readonly VariantSpec[];
  readonly tables: readonly TableSpec[];
  /** Shown by `zoo suites` but only meant for tests and smoke runs. */
  readonly smoke?: boolean;
}
