import { ConfigError } from '@rcnn/core';

/** The learning-rate schedule of the Mask R-CNN recipe (torchvision's detection reference). */
export interface LearningRateSchedule {
  /** Base learning rate. */
  readonly baseLearningRate: number;
  /** Iterations of linear warm-up from `warmupFactor · base` to `base`. Default 0. */
  readonly warmupIterations?: number;
  /** Starting fraction of the warm-up. Default 1/1000 (torchvision's `LinearLR(start_factor=0.001)`). */
  readonly warmupFactor?: number;
  /** Iterations at which the rate is multiplied by `gamma` (step decay). Default none. */
  readonly milestones?: readonly number[];
  /** Step-decay factor. Default 0.1. */
  readonly gamma?: number;
}

/** Check a schedule; throws {@link ConfigError} naming the bad field. */
export function checkSchedule(schedule: LearningRateSchedule): void {
  const { baseLearningRate } = schedule;
  if (!(Number.isFinite(baseLearningRate) && baseLearningRate > 0)) {
    throw new ConfigError('baseLearningRate', `expected a positive number, got ${baseLearningRate}`);
  }
  const warmup = schedule.warmupIterations ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new ConfigError('warmupIterations', `expected an integer >= 0, got ${warmup}`);
  }
  const factor = schedule.warmupFactor ?? 1e-3;
  if (!(factor > 0 && factor <= 1))
    throw new ConfigError('warmupFactor', `expected a value in (0, 1], got ${factor}`);
  const gamma = schedule.gamma ?? 0.1;
  if (!(gamma > 0)) throw new ConfigError('gamma', `expected a positive number, got ${gamma}`);
  const milestones = schedule.milestones ?? [];
  milestones.forEach((m, i) => {
    if (!Number.isInteger(m) || m < 1 || (i > 0 && m <= milestones[i - 1])) {
      throw new ConfigError(
        `milestones[${i}]`,
        `expected increasing positive integers, got ${milestones.join(', ')}`,
      );
    }
  });
}

/**
 * Learning rate used at (zero-based) `iteration`: linear warm-up, `factor = w + (1 − w)·i/W` for
 * `i < W` (torchvision's `LinearLR` stepped per iteration), times `gamma^k` where `k` counts the
 * milestones `<= iteration` (`MultiStepLR`).
 */
export function learningRateAt(schedule: LearningRateSchedule, iteration: number): number {
  const warmup = schedule.warmupIterations ?? 0;
  const w = schedule.warmupFactor ?? 1e-3;
  const gamma = schedule.gamma ?? 0.1;
  let lr = schedule.baseLearningRate;
  if (iteration < warmup) lr *= w + ((1 - w) * iteration) / warmup;
  for (const m of schedule.milestones ?? []) if (iteration >= m) lr *= gamma;
  return lr;
}
