import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DetectorConfig, Predictor } from '@rcnn/model-zoo';
import { UsageError } from '../cli/usageError';
import { readJsonIfExists } from './atomicFiles';
import type { RunInfo } from './runInfo';

/** A predictor rebuilt from a checkpoint, with the run record saved beside it when there is one. */
export interface LoadedDetector {
  readonly predictor: Predictor;
  readonly config: DetectorConfig;
  readonly file: string;
  readonly runInfo: RunInfo | null;
}

/**
 * The checkpoint file `path` names: the file itself or `checkpoint.safetensors` in a variant
 * folder; a {@link UsageError} with a hint when there is none.
 */
export function resolveCheckpointFile(path: string): string {
  let file = path;
  if (existsSync(path) && statSync(path).isDirectory()) file = join(path, 'checkpoint.safetensors');
  if (!existsSync(file)) {
    throw new UsageError(
      `no checkpoint at ${path}`,
      "train one with 'zoo train <variant>' (checkpoints land in runs/zoo/<suite>/variants/<variant>/)",
    );
  }
  return file;
}

/**
 * Load a checkpoint through `Predictor.fromCheckpoint` of `@rcnn/model-zoo` (the detector config
 * is embedded). `path` may be the checkpoint file or a variant folder holding
 * `checkpoint.safetensors`. Call `initDetectorBackend` first.
 */
export async function loadDetectorCheckpoint(path: string): Promise<LoadedDetector> {
  const file = resolveCheckpointFile(path);
  const predictor = await Predictor.fromCheckpoint(file);
  const runInfo = await readJsonIfExists<RunInfo>(join(dirname(file), 'run.json'));
  return { predictor, config: predictor.model.config, file, runInfo };
}
