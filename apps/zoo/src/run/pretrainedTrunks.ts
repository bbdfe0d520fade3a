import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ResNetConfig, resolveResNet } from '@rcnn/backbones';
import { readSafetensors, type StateDict, writeSafetensors } from '@rcnn/core';
import { type DetectionRecord, ensureSyntheticDataset, readCocoDataset } from '@rcnn/data';
import { type DetectorConfig, pretrainTrunk, type TrunkPretrainingPoint } from '@rcnn/model-zoo';
import type { Budget, SuiteSpec } from '../suites/types';
import { readJsonIfExists, writeJsonAtomic, writeTextAtomic } from './atomicFiles';

/** Crops per pretraining iteration. */
export const PRETRAIN_BATCH = 64;
/** Side of the square object crops the trunk is pretrained on. */
export const PRETRAIN_CROP = 64;
/** AdamW peak rate of pretraining (cosine decay after a short warm-up). */
export const PRETRAIN_LEARNING_RATE = 2e-3;
/**
 * Images of the pretraining set: scenes like the suite's but drawn with another seed, so the
 * trunk never sees the detection splits (as ImageNet is not COCO), and five times as many as the
 * detection training split (at most this many), so 64-crop batches do not cycle over the same
 * few thousand objects: on the detection split alone (400 images) crop accuracy reached 90% on
 * training crops but 60% on held-out ones.
 */
export const PRETRAIN_IMAGES = 2000;
/** Val images of the pretraining set (crop accuracy of the trunk), at most. */
export const PRETRAIN_VAL_IMAGES = 100;
/** Added to the budget's dataset seed for the pretraining set. */
const PRETRAIN_SEED_OFFSET = 1000;

/** Train and val images of a budget's pretraining set. */
export function pretrainingSetSplits(budget: Budget): { train: number; val: number } {
  return {
    train: Math.min(PRETRAIN_IMAGES, 5 * budget.trainImages),
    val: Math.min(PRETRAIN_VAL_IMAGES, 2 * budget.valImages),
  };
}

/** The pretraining set of a budget: built on first use into the dataset cache, then reused. */
export async function preparePretrainingSet(
  budget: Budget,
  onProgress?: (done: number, total: number) => void,
): Promise<{ root: string; train: string; val: string; built: boolean }> {
  const paths = await ensureSyntheticDataset({
    name: 'zoo-pretrain',
    config: {
      ...budget.scene,
      seed: budget.datasetSeed + PRETRAIN_SEED_OFFSET,
      width: budget.imageSize,
      height: budget.imageSize,
    },
    splits: pretrainingSetSplits(budget),
    onProgress: onProgress ? (p) => onProgress(p.done, p.total) : undefined,
  });
  return {
    root: paths.root,
    train: paths.splits.train.annotations,
    val: paths.splits.val.annotations,
    built: paths.built,
  };
}

/** A pretrained trunk a variant starts from (plain data: crosses worker threads). */
export interface TrunkRef {
  /** Hash of the architecture, dataset and pretraining settings; part of the variant's fingerprint. */
  readonly key: string;
  /** Weights: a torchvision-style classification state dict (safetensors). */
  readonly weights: string;
  /** e.g. `R18 ×1/4`. */
  readonly label: string;
  /** Pretraining iterations, seconds and crop accuracy on the val split. */
  readonly iterations: number;
  readonly seconds: number;
  readonly validationAccuracy: number | null;
}

/** A trunk a suite needs, before it is pretrained. */
export interface PlannedTrunk {
  readonly key: string;
  readonly weights: string;
  readonly label: string;
  readonly resnet: ResNetConfig;
}

/** What `trunk.json` beside the weights records. */
export interface TrunkRecord {
  readonly key: string;
  readonly label: string;
  readonly resnet: ResNetConfig;
  readonly iterations: number;
  readonly batchSize: number;
  readonly cropSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly dataset: string;
  readonly objects: number;
  readonly seconds: number;
  /** Crop classification accuracy (9 classes + background) on the val split. */
  readonly validationAccuracy: number | null;
  readonly history: readonly TrunkPretrainingPoint[];
  readonly finishedAt: string;
}

/** The ResNet a detector config's trunk is (the backbone's, or R-CNN's per-region CNN). */
export function trunkConfigOf(config: DetectorConfig): ResNetConfig {
  return config.backbone.resnet;
}

/** The architecture fields of a ResNet config: what pretrained weights must match. */
function architecture(resnet: ResNetConfig) {
  const r = resolveResNet(resnet);
  return {
    block: r.block,
    stageDepths: r.stageDepths,
    stemChannels: r.stemChannels,
    planes: r.planes,
    stageChannels: r.stageChannels,
    groups: r.groups,
    widthPerGroup: r.widthPerGroup,
    normEps: r.normEps,
  };
}

/** `R18 ×1/4`, `X50-32x4d ×1/4`: a trunk's name in progress lines and records. */
export function trunkLabel(resnet: ResNetConfig): string {
  const r = resolveResNet(resnet);
  const depth = resnet.depth;
  const name = r.groups > 1 ? `X${depth}-${r.groups}x${r.widthPerGroup}d` : `R${depth}`;
  const w = resnet.widthMultiplier ?? 1;
  return w === 1 ? name : `${name} ×${w === 0.25 ? '1/4' : w === 0.5 ? '1/2' : w}`;
}

function trunkKey(resnet: ResNetConfig, budget: Budget, pretrainingSet: string): string {
  const text = JSON.stringify({
    version: 1,
    architecture: architecture(resnet),
    iterations: budget.pretrainIterations,
    batch: PRETRAIN_BATCH,
    crop: PRETRAIN_CROP,
    rate: PRETRAIN_LEARNING_RATE,
    seed: budget.seed,
    dataset: pretrainingSet.split(/[\\/]/).pop(),
  });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Where pretrained trunks live: `<runsDir>/trunks/<key>/`, shared by every suite of a runs folder. */
export function trunkPaths(runsDir: string, key: string): { root: string; weights: string; record: string } {
  const root = join(resolve(runsDir), 'trunks', key);
  return { root, weights: join(root, 'trunk.safetensors'), record: join(root, 'trunk.json') };
}

/** The trunk each variant of a suite starts from, or an empty map when the budget trains from scratch. */
export function plannedTrunks(
  suite: SuiteSpec,
  variantIds: readonly string[],
  budget: Budget,
  pretrainingSet: string,
  runsDir: string,
): Map<string, PlannedTrunk> {
  const out = new Map<string, PlannedTrunk>();
  if (budget.pretrainIterations <= 0) return out;
  for (const id of variantIds) {
    const spec = suite.variants.find((v) => v.id === id);
    if (!spec) continue;
    const resnet = trunkConfigOf(spec.build(budget));
    const key = trunkKey(resnet, budget, pretrainingSet);
    out.set(id, { key, weights: trunkPaths(runsDir, key).weights, label: trunkLabel(resnet), resnet });
  }
  return out;
}

/** Hooks of {@link ensureTrunk}. */
export interface TrunkHooks {
  readonly report: (done: number, total: number, detail: string) => void;
  readonly shouldStop: () => boolean;
}

/**
 * The trunk `ref` names, pretrained now unless a finished one is on disk. Weights and record are
 * written atomically once pretraining ends, so an interrupted pretraining leaves nothing (it
 * starts over next time: minutes, not hours). Returns null when stopped.
 */
export async function ensureTrunk(
  ref: PlannedTrunk,
  budget: Budget,
  pretrainingSet: { root: string; train: string; val: string },
  runsDir: string,
  hooks: TrunkHooks,
): Promise<TrunkRecord | null> {
  const paths = trunkPaths(runsDir, ref.key);
  const existing = await readJsonIfExists<TrunkRecord>(paths.record);
  if (existing && existing.key === ref.key && existsSync(paths.weights)) return existing;
  const loadAll = async (file: string) => {
    const split = await readCocoDataset(file);
    const records: DetectionRecord[] = [];
    for (let i = 0; i < split.length; i++) records.push(await split.get(i));
    return { records, classes: split.classNames.length };
  };
  const { records, classes } = await loadAll(pretrainingSet.train);
  const { records: validationRecords } = await loadAll(pretrainingSet.val);
  const result = await pretrainTrunk({
    resnet: ref.resnet,
    numClasses: classes,
    records,
    validationRecords,
    iterations: budget.pretrainIterations,
    batchSize: PRETRAIN_BATCH,
    learningRate: PRETRAIN_LEARNING_RATE,
    crops: { cropSize: PRETRAIN_CROP },
    seed: budget.seed,
    onProgress: (p) =>
      hooks.report(
        p.iteration,
        p.maxIterations,
        `loss ${p.loss.toFixed(3)}  acc ${(100 * p.accuracy).toFixed(0)}%  ${p.iterationsPerSecond.toFixed(2)} it/s`,
      ),
    shouldStop: hooks.shouldStop,
  });
  if (result.stopped) return null;
  const record: TrunkRecord = {
    key: ref.key,
    label: ref.label,
    resnet: ref.resnet,
    iterations: result.iterations,
    batchSize: PRETRAIN_BATCH,
    cropSize: PRETRAIN_CROP,
    learningRate: PRETRAIN_LEARNING_RATE,
    seed: budget.seed,
    dataset: pretrainingSet.root,
    objects: result.objects,
    seconds: result.seconds,
    validationAccuracy: result.validationAccuracy,
    history: result.history,
    finishedAt: new Date().toISOString(),
  };
  await writeTextAtomic(
    paths.weights,
    writeSafetensors(result.stateDict, { format: 'torchvision-classification' }),
  );
  await writeJsonAtomic(paths.record, record);
  return record;
}

/** What a variant records of the trunk it started from. */
export function trunkRef(planned: PlannedTrunk, record: TrunkRecord): TrunkRef {
  return {
    key: planned.key,
    weights: planned.weights,
    label: record.label,
    iterations: record.iterations,
    seconds: record.seconds,
    validationAccuracy: record.validationAccuracy,
  };
}

/** Read a trunk's weights written by {@link ensureTrunk}. */
export async function readTrunkWeights(path: string): Promise<StateDict> {
  return readSafetensors(new Uint8Array(await readFile(path)), path).tensors;
}
