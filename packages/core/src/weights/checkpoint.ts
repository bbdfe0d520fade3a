import { InputError } from '../errors';
import type { Module } from '../nn/module';
import { loadStateDict, moduleStateDict } from './loadStateDict';
import { readSafetensors, writeSafetensors } from './safetensors';
import type { StateDict } from './storedTensor';
import { writeFileAtomic } from './weightsFile';

/** Value of the `format` metadata entry that marks our checkpoints. */
export const CHECKPOINT_FORMAT = 'rcnn.ts-checkpoint';
/** Version of the checkpoint layout written by {@link encodeCheckpoint}. */
export const CHECKPOINT_VERSION = '1';

/** A decoded checkpoint: the config that rebuilds the model, its weights and any extra metadata. */
export interface CheckpointContent<C> {
  readonly config: C;
  /** Weights in PyTorch layout and naming (load them with `loadStateDict`). */
  readonly stateDict: StateDict;
  /** Extra string metadata given when saving (e.g. `step`). */
  readonly metadata: Record<string, string>;
}

/**
 * Encode `module`'s weights and the JSON-serialisable `config` that builds it as a safetensors
 * file. Weights are stored in PyTorch's layout and names, so the file also loads into the
 * torchvision model with `safetensors.torch.load_file`. `metadata` adds string entries.
 */
export function encodeCheckpoint(
  module: Module,
  config: unknown,
  metadata: Record<string, string> = {},
): Uint8Array {
  const json = JSON.stringify(config);
  if (json === undefined) throw new InputError('config', 'is not JSON-serialisable');
  for (const key of ['format', 'version', 'config']) {
    if (key in metadata) throw new InputError(`metadata.${key}`, 'is reserved');
  }
  return writeSafetensors(moduleStateDict(module), {
    ...metadata,
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    config: json,
  });
}

/** Decode bytes written by {@link encodeCheckpoint}; `source` names them in errors. */
export function decodeCheckpoint<C = unknown>(
  bytes: Uint8Array,
  source = 'checkpoint',
): CheckpointContent<C> {
  const { tensors, metadata } = readSafetensors(bytes, source);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new InputError(
      source,
      `not an rcnn.ts checkpoint (metadata format is ${JSON.stringify(metadata.format)})`,
    );
  }
  if (metadata.version !== CHECKPOINT_VERSION) {
    throw new InputError(source, `unsupported checkpoint version ${JSON.stringify(metadata.version)}`);
  }
  let config: C;
  try {
    config = JSON.parse(metadata.config ?? '');
  } catch {
    throw new InputError(source, 'embedded config is not valid JSON');
  }
  const { format: _f, version: _v, config: _c, ...rest } = metadata;
  return { config, stateDict: tensors, metadata: rest };
}

/** Save a checkpoint file atomically (temporary file, then rename). Node only. */
export async function saveCheckpoint(
  path: string,
  module: Module,
  config: unknown,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(module, config, metadata));
}

/** Read a checkpoint file written by {@link saveCheckpoint}. Node only. */
export async function loadCheckpoint<C = unknown>(path: string): Promise<CheckpointContent<C>> {
  const { readFile } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError(path, `cannot read checkpoint (${(err as Error).message})`);
  }
  return decodeCheckpoint<C>(bytes, path);
}

/**
 * Rebuild a model from a checkpoint: `build(config)` creates it, then its weights are loaded
 * strictly. The caller owns (and disposes) the returned module.
 */
export function restoreCheckpoint<C, M extends Module>(
  content: CheckpointContent<C>,
  build: (config: C) => M,
  source = 'checkpoint',
): M {
  const model = build(content.config);
  try {
    loadStateDict(model, content.stateDict, { source });
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
