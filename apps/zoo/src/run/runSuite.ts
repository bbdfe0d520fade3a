import { BroadcastChannel } from 'node:worker_threads';
import { runInWorkers } from '@rcnn/backend/workers';
import { initDetectorBackend } from '@rcnn/model-zoo';
import type { ProgressBoard } from '../progress/progressBoard';
import type { Budget, SuiteSpec } from '../suites/types';
import { writeGroundTruthGrid } from './groundTruthGrid';
import { prepareDataset } from './prepareDataset';
import {
  ensureTrunk,
  type PlannedTrunk,
  plannedTrunks,
  preparePretrainingSet,
  type TrunkRef,
  trunkRef,
} from './pretrainedTrunks';
import { suitePaths } from './runLayout';
import { runVariant } from './runVariant';
import type { StopSignal } from './stopSignal';
import type { DatasetInfo, VariantJob, VariantOutcome, VariantProgress, VariantResult } from './types';
import { type ChannelMessage, RUN_CHANNEL } from './variantWorker';
import { variantWorkerModule } from './workerModule';

/** Options of {@link runSuite}. */
export interface RunSuiteOptions {
  readonly suite: SuiteSpec;
  readonly budget: Budget;
  readonly runsDir: string;
  /** Variants trained at once, each in its own worker thread; 1 runs them in this thread. */
  readonly workers: number;
  readonly backend: string;
  readonly board: ProgressBoard;
  readonly stop: StopSignal;
  /** Run only these variant ids (default all). */
  readonly only?: readonly string[];
}

/** What {@link runSuite} did. */
export interface RunSuiteOutcome {
  readonly dataset: DatasetInfo;
  readonly finished: VariantResult[];
  readonly reused: string[];
  readonly interrupted: string[];
  /** Variants whose training diverged, with the reason. */
  readonly failed: { variant: string; message: string }[];
}

function describe(p: VariantProgress): { label: string; detail: string } {
  if (p.phase === 'train') {
    const rate = p.iterationsPerSecond ? `${p.iterationsPerSecond.toFixed(2)} it/s` : '';
    const loss = p.loss !== undefined ? `loss ${p.loss.toFixed(3)}` : '';
    return { label: `${p.variant} train`, detail: [loss, rate].filter(Boolean).join('  ') };
  }
  return { label: `${p.variant} ${p.phase === 'eval' ? 'eval' : 'draw'}`, detail: '' };
}

/**
 * Build (or reuse) the dataset, pretrain (or reuse) the trunk each variant starts from (once per
 * architecture, in this thread, on every core), then train and evaluate every variant that is not
 * already finished, `workers` at a time in worker threads (each with its own tfjs engine: tfjs'
 * wasm backend uses one core). Progress goes to `board`; a stop request makes every running
 * variant checkpoint and return, and no new one start.
 */
export async function runSuite(o: RunSuiteOptions): Promise<RunSuiteOutcome> {
  const { board, suite } = o;
  const dataset = await prepareDataset(o.budget, (done, total) =>
    board.update('dataset', 'dataset', done, total),
  );
  board.remove('dataset');
  board.log(dataset.built ? `dataset: built ${dataset.root}` : `dataset: reusing ${dataset.root}`);
  await writeGroundTruthGrid(dataset, o.budget.gridImages, suitePaths(o.runsDir, suite.name).groundTruth);
  const ids = o.only ?? suite.variants.map((v) => v.id);
  const datasetInfo: DatasetInfo = {
    root: dataset.root,
    trainAnnotations: dataset.trainAnnotations,
    valAnnotations: dataset.valAnnotations,
    classNames: dataset.classNames,
  };
  // The shared pretrained trunks, once per architecture (and reused across suites).
  const pretrainingSet =
    o.budget.pretrainIterations > 0
      ? await preparePretrainingSet(o.budget, (done, total) =>
          board.update('pretrain-set', 'pretraining set', done, total),
        )
      : null;
  board.remove('pretrain-set');
  if (pretrainingSet?.built) board.log(`pretraining set: built ${pretrainingSet.root}`);
  const planned = pretrainingSet
    ? plannedTrunks(suite, ids, o.budget, pretrainingSet.root, o.runsDir)
    : new Map<string, PlannedTrunk>();
  const trunks = new Map<string, TrunkRef>();
  // Pretraining runs in this thread, so this thread needs the engine.
  if (planned.size > 0) await initDetectorBackend({ backend: o.backend });
  for (const plan of new Map([...planned.values()].map((p) => [p.key, p])).values()) {
    if (o.stop.stopped || !pretrainingSet) break;
    const label = `pretrain ${plan.label}`;
    const record = await ensureTrunk(plan, o.budget, pretrainingSet, o.runsDir, {
      report: (done, total, detail) => board.update(`trunk-${plan.key}`, label, done, total, detail),
      shouldStop: () => o.stop.stopped,
    });
    board.remove(`trunk-${plan.key}`);
    if (record === null) break;
    const accuracy =
      record.validationAccuracy === null
        ? ''
        : `, crop accuracy ${(100 * record.validationAccuracy).toFixed(1)}% on val`;
    board.log(
      `trunk ${plan.label}: ${record.iterations} pretraining iterations${accuracy} (${plan.weights})`,
    );
    trunks.set(plan.key, trunkRef(plan, record));
  }
  if (o.stop.stopped) {
    return { dataset, finished: [], reused: [], interrupted: [...ids], failed: [] };
  }
  const jobs: VariantJob[] = ids.map((variant) => ({
    suite: suite.name,
    variant,
    budget: o.budget,
    runsDir: o.runsDir,
    dataset: datasetInfo,
    backend: o.backend,
    trunk: trunks.get(planned.get(variant)?.key ?? '') ?? null,
  }));
  const onProgress = (p: VariantProgress) => {
    const { label, detail } = describe(p);
    board.update(p.variant, label, p.done, p.total, detail);
  };
  let outcomes: VariantOutcome[];
  if (o.workers <= 1 || jobs.length <= 1) {
    outcomes = [];
    for (const job of jobs) {
      if (o.stop.stopped) break;
      outcomes.push(await runVariant(job, { report: onProgress, shouldStop: () => o.stop.stopped }));
      board.remove(job.variant);
    }
  } else {
    const channel = new BroadcastChannel(RUN_CHANNEL);
    channel.onmessage = (event) => {
      const msg = (event as { data?: ChannelMessage }).data;
      if (msg?.type === 'progress') onProgress(msg.progress);
    };
    o.stop.onStop(() => channel.postMessage({ type: 'stop' } satisfies ChannelMessage));
    const worker = variantWorkerModule();
    try {
      outcomes = await runInWorkers<VariantJob, VariantOutcome>(worker.url, jobs, {
        concurrency: o.workers,
        preload: worker.preload,
        execArgv: worker.execArgv,
      });
    } finally {
      channel.close();
    }
  }
  const finished: VariantResult[] = [];
  const reused: string[] = [];
  const interrupted: string[] = [];
  const failed: { variant: string; message: string }[] = [];
  outcomes.forEach((out, i) => {
    if (out.status === 'finished') {
      finished.push(out.result);
      if (out.reused) reused.push(jobs[i].variant);
    } else if (out.status === 'failed') failed.push({ variant: jobs[i].variant, message: out.message });
    else interrupted.push(jobs[i].variant);
  });
  for (const job of jobs.slice(outcomes.length)) interrupted.push(job.variant);
  return { dataset, finished, reused, interrupted, failed };
}
