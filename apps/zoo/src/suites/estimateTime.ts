import { pretrainingSetSplits, trunkConfigOf, trunkLabel } from '../run/pretrainedTrunks';
import type { VariantResult } from '../run/types';
import type { Budget, SuiteSpec } from './types';

/** Seconds per unit of work on some machine; units are defined by {@link estimateSuiteSeconds}. */
export interface SpeedCalibration {
  /** One training iteration of a relative-cost-1 variant on 160 px images, batch 2, one core. */
  readonly secondsPerIteration: number;
  /** One val image through a relative-cost-1 variant at 160 px (prediction and scoring). */
  readonly secondsPerEvalImage: number;
  /** Generating and writing one synthetic image at 160 px. */
  readonly secondsPerDatasetImage: number;
  /** One pretraining iteration (64 crops of 64 px) of the R18 ×1/4 trunk, every core. */
  readonly secondsPerPretrainIteration?: number;
  /** Where the figures come from. */
  readonly source: string;
}

/**
 * Figures measured for the quick suite's R18-FPN Mask R-CNN on one core of the 2-core
 * development machine (tfjs wasm); `zoo suites` replaces them by this machine's own timings once
 * a run has finished here.
 */
export const REFERENCE_SPEED: SpeedCalibration = {
  secondsPerIteration: 0.2,
  secondsPerEvalImage: 0.12,
  secondsPerDatasetImage: 0.02,
  secondsPerPretrainIteration: 0.27,
  source:
    'reference figures of the 2-core development machine with the native kernels built (about 4x slower without)',
};

/** Pretraining cost of a trunk relative to R18 (measured on the CPU widths). */
function trunkCost(depth: number, groups: number): number {
  const base = depth >= 50 ? 2.6 : depth >= 34 ? 1.9 : 1;
  return groups > 1 ? base * 1.6 : base;
}

/** Seconds to build the pretraining set and pretrain the distinct trunks the suite's variants start from. */
export function estimatePretrainSeconds(suite: SuiteSpec, budget: Budget, speed: SpeedCalibration): number {
  if (budget.pretrainIterations <= 0) return 0;
  const perIteration = speed.secondsPerPretrainIteration ?? REFERENCE_SPEED.secondsPerPretrainIteration ?? 0;
  const trunks = new Map<string, number>();
  for (const v of suite.variants) {
    const r = trunkConfigOf(v.build(budget));
    trunks.set(trunkLabel(r), trunkCost(r.depth, r.groups ?? 1));
  }
  const { train, val } = pretrainingSetSplits(budget);
  let total = (train + val) * sizeFactor(budget) * speed.secondsPerDatasetImage;
  for (const cost of trunks.values()) total += budget.pretrainIterations * perIteration * cost;
  return total;
}

/** Process and worker start-up (tfjs wasm, module loading; more from the TypeScript sources). */
const STARTUP_SECONDS = 20;

/** Two variants in parallel do not run quite twice as fast (shared memory bandwidth, the main thread). */
const PARALLEL_EFFICIENCY = 0.85;

function sizeFactor(b: Budget): number {
  return (b.imageSize / 160) ** 2;
}

/** Seconds one variant takes to train and evaluate. */
export function estimateVariantSeconds(relativeCost: number, b: Budget, speed: SpeedCalibration): number {
  const train = b.iterations * relativeCost * sizeFactor(b) * (b.batchSize / 2) * speed.secondsPerIteration;
  const evaluate = (b.valImages + b.gridImages) * relativeCost * sizeFactor(b) * speed.secondsPerEvalImage;
  return train + evaluate;
}

/**
 * Wall-clock estimate of a whole suite: start-up, dataset build, trunk pretraining (as if no
 * trunk were cached yet), then the variants spread over
 * `workers` threads (longest first), each thread a core.
 */
export function estimateSuiteSeconds(
  suite: SuiteSpec,
  budget: Budget,
  speed: SpeedCalibration,
  workers: number,
): number {
  const dataset = (budget.trainImages + budget.valImages) * sizeFactor(budget) * speed.secondsPerDatasetImage;
  const costs = suite.variants
    .map((v) => estimateVariantSeconds(v.relativeCost, budget, speed))
    .sort((a, b) => b - a);
  const lanes = Math.max(1, Math.min(workers, costs.length));
  const load = new Array<number>(lanes).fill(0);
  for (const c of costs) {
    const i = load.indexOf(Math.min(...load));
    load[i] += c;
  }
  const efficiency = lanes > 1 ? PARALLEL_EFFICIENCY : 1;
  const pretrain = estimatePretrainSeconds(suite, budget, speed);
  return STARTUP_SECONDS + dataset + pretrain + Math.max(...load) / efficiency;
}

/**
 * This machine's speed, measured from finished runs (`result.json` of any suite): the median
 * over runs of seconds per unit of training and evaluation work. Falls back to `fallback`
 * without runs.
 */
export function calibrateFromResults(
  results: readonly { result: VariantResult; relativeCost: number }[],
  fallback: SpeedCalibration = REFERENCE_SPEED,
): SpeedCalibration {
  const train: number[] = [];
  const evals: number[] = [];
  for (const { result: r, relativeCost } of results) {
    const b = r.budget;
    const units = r.iterations * relativeCost * sizeFactor(b) * (b.batchSize / 2);
    if (units > 0 && r.trainSeconds > 0) train.push(r.trainSeconds / units);
    const evalUnits = r.evaluation.images * relativeCost * sizeFactor(b);
    if (evalUnits > 0) evals.push(r.evaluation.seconds / evalUnits);
  }
  if (train.length === 0) return fallback;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    secondsPerIteration: median(train),
    secondsPerEvalImage: evals.length ? median(evals) : fallback.secondsPerEvalImage,
    secondsPerDatasetImage: fallback.secondsPerDatasetImage,
    secondsPerPretrainIteration: fallback.secondsPerPretrainIteration,
    source: `measured on this machine from ${train.length} finished variant${train.length > 1 ? 's' : ''}`,
  };
}
