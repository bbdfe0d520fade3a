import { InputError } from '../errors';
import { readSafetensors, writeSafetensors } from './safetensors';
import type { StateDict } from './storedTensor';
import { findStateDict, readTorchCheckpoint } from './torchCheckpoint';

/** A weights file's tensors, whatever its format. */
export interface WeightsContent {
  readonly format: 'safetensors' | 'torch';
  /** The state dict (views into the file bytes where possible). */
  readonly tensors: StateDict;
  /** safetensors metadata; empty for PyTorch files. */
  readonly metadata: Record<string, string>;
  /** For PyTorch files, the whole unpickled object (a checkpoint may hold more than weights). */
  readonly root?: unknown;
}

/** Options of {@link readWeights}. */
export interface ReadWeightsOptions {
  /** For PyTorch checkpoints holding more than a state dict: the top-level key of the weights. */
  readonly stateDictKey?: string;
  /** See `TorchCheckpointOptions.keepUnknownObjects`. */
  readonly keepUnknownObjects?: boolean;
}

/**
 * Read weights from a safetensors file or a PyTorch `.pth`/`.pt` checkpoint, told apart by their
 * first bytes. `source` names the file in errors.
 */
export function readWeights(
  bytes: Uint8Array,
  source: string,
  options: ReadWeightsOptions = {},
): WeightsContent {
  // safetensors starts with its header length and then '{'; a length such as 0x380 begins with the
  // bytes 0x80 0x03, like a pickle, so the JSON brace decides first.
  const isSafetensors = bytes.length >= 9 && bytes[8] === 0x7b;
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (!isSafetensors || isZip) {
    const root = readTorchCheckpoint(bytes, source, { keepUnknownObjects: options.keepUnknownObjects });
    return {
      format: 'torch',
      tensors: findStateDict(root, source, options.stateDictKey),
      metadata: {},
      root,
    };
  }
  const { tensors, metadata } = readSafetensors(bytes, source);
  return { format: 'safetensors', tensors, metadata };
}

async function fs() {
  return import('node:fs/promises');
}

/** Read a weights file from disk (Node); see {@link readWeights}. */
export async function readWeightsFile(
  path: string,
  options: ReadWeightsOptions = {},
): Promise<WeightsContent> {
  let buf: Uint8Array;
  try {
    buf = await (await fs()).readFile(path);
  } catch (err) {
    throw new InputError(path, `cannot read weights file (${(err as Error).message})`);
  }
  return readWeights(buf, path, options);
}

/**
 * Write `bytes` to `path` atomically: into a temporary file in the same directory first, then
 * renamed over `path`, so a crash never leaves a half-written file behind.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const f = await fs();
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  try {
    await f.writeFile(tmp, bytes);
    await f.rename(tmp, path);
  } catch (err) {
    await f.rm(tmp, { force: true });
    throw new InputError(path, `cannot write file (${(err as Error).message})`);
  }
}

/** Write tensors to a safetensors file atomically (Node). */
export async function writeSafetensorsFile(
  path: string,
  tensors: StateDict,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, writeSafetensors(tensors, metadata));
}
