import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  decodeCheckpoint,
  float32Tensor,
  InputError,
  type Module,
  moduleStateDict,
  type StateDict,
  toFloat32,
  writeFileAtomic,
  writeSafetensors,
} from '@rcnn/core';
import type * as tf from '@tensorflow/tfjs-core';

/** Prefix of the optimizer's momentum buffers inside a training checkpoint. */
export const MOMENTUM_PREFIX = 'trainer.momentum.';

/** Where training stood when a checkpoint was written: everything needed to resume exactly. */
export interface TrainingState {
  /** Iterations completed. */
  readonly iteration: number;
  /** `SeededRandom.getState()` of the trainer's generator. */
  readonly rngState: readonly number[];
  /** The batch source's state (e.g. a `LoaderState`), plain JSON. */
  readonly sourceState: unknown;
}

/** A decoded training checkpoint. */
export interface TrainingCheckpoint<C> {
  readonly config: C;
  /** Model weights only, PyTorch layout and names (momentum entries removed). */
  readonly stateDict: StateDict;
  /** Momentum buffers by parameter name, in our (tfjs) layout, flattened. */
  readonly momentum: Map<string, { shape: number[]; data: Float32Array }>;
  /** `null` for a plain model checkpoint without training state. */
  readonly training: TrainingState | null;
}

/**
 * Encode a checkpoint that `decodeCheckpoint` from `@rcnn/core` also reads (same format marker
 * and embedded config), with the optimizer's momentum buffers stored as extra tensors under
 * {@link MOMENTUM_PREFIX} and the {@link TrainingState} as JSON metadata.
 */
export function encodeTrainingCheckpoint(
  module: Module,
  config: unknown,
  momentum: ReadonlyMap<string, tf.Tensor>,
  training: TrainingState,
): Uint8Array {
  const tensors = moduleStateDict(module);
  for (const [name, t] of momentum) {
    tensors.set(MOMENTUM_PREFIX + name, float32Tensor(t.dataSync() as Float32Array, t.shape));
  }
  const json = JSON.stringify(config);
  if (json === undefined) throw new InputError('config', 'is not JSON-serialisable');
  return writeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    config: json,
    training: JSON.stringify(training),
  });
}

/** Write {@link encodeTrainingCheckpoint}'s bytes atomically (temporary file, then rename). */
export async function saveTrainingCheckpoint(
  path: string,
  module: Module,
  config: unknown,
  momentum: ReadonlyMap<string, tf.Tensor>,
  training: TrainingState,
): Promise<void> {
  await writeFileAtomic(path, encodeTrainingCheckpoint(module, config, momentum, training));
}

/** Decode a checkpoint (with or without training state); `source` names it in errors. */
export function decodeTrainingCheckpoint<C = unknown>(
  bytes: Uint8Array,
  source = 'checkpoint',
): TrainingCheckpoint<C> {
  const content = decodeCheckpoint<C>(bytes, source);
  const stateDict: StateDict = new Map();
  const momentum = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of content.stateDict) {
    if (name.startsWith(MOMENTUM_PREFIX)) {
      momentum.set(name.slice(MOMENTUM_PREFIX.length), {
        shape: [...t.shape],
        data: toFloat32(t, name),
      });
    } else stateDict.set(name, t);
  }
  let training: TrainingState | null = null;
  if (content.metadata.training !== undefined) {
    try {
      training = JSON.parse(content.metadata.training) as TrainingState;
    } catch {
      throw new InputError(source, 'training state metadata is not valid JSON');
    }
    if (
      !Number.isInteger(training.iteration) ||
      training.iteration < 0 ||
      !Array.isArray(training.rngState)
    ) {
      throw new InputError(source, 'training state metadata is malformed');
    }
  }
  return { config: content.config, stateDict, momentum, training };
}

/** Read a checkpoint file (Node). */
export async function readTrainingCheckpoint<C = unknown>(path: string): Promise<TrainingCheckpoint<C>> {
  const { readFile } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError(path, `cannot read checkpoint (${(err as Error).message})`);
  }
  return decodeTrainingCheckpoint<C>(bytes, path);
}
