import type * as tf from '@tensorflow/tfjs-core';
import { InputError, RcnnError } from '../errors';
import type { Module } from '../nn/module';
import { fromTorchLayout, torchShapeOf, toTorchLayout } from './layout';
import { type StateDict, type StoredTensor, toFloat32 } from './storedTensor';

/** Options of {@link loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * Strict (default): every tensor of the module must be found with the right shape and every
   * tensor of the state dict must be used; otherwise a {@link StateDictError} is thrown before
   * anything is assigned. Non-strict: load what matches and report the rest.
   */
  readonly strict?: boolean;
  /**
   * Names never reported as missing or unexpected. Default: torch's `*.num_batches_tracked`
   * counters, which no layer here uses.
   */
  readonly ignore?: (name: string) => boolean;
  /** Names the source in errors. */
  readonly source?: string;
}

/** What {@link loadStateDict} did. Shapes are in PyTorch's layout. */
export interface LoadReport {
  readonly loaded: string[];
  /** Module tensors the state dict lacks. */
  readonly missing: string[];
  /** State-dict tensors the module lacks. */
  readonly unexpected: string[];
  readonly shapeMismatch: Array<{ name: string; expected: number[]; actual: number[] }>;
}

/** A strict load found missing, unexpected or mis-shaped tensors; {@link StateDictError.report} lists them. */
export class StateDictError extends RcnnError {
  override readonly name = 'StateDictError';
  constructor(
    /** Names the checkpoint or state dict at fault. */
    readonly culprit: string,
    readonly report: LoadReport,
  ) {
    const list = (label: string, names: string[]) =>
      names.length === 0
        ? []
        : [`${names.length} ${label}: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}`];
    super(
      [
        `${culprit}: state dict does not match the model`,
        ...list('missing', report.missing),
        ...list('unexpected', report.unexpected),
        ...list(
          'with the wrong shape',
          report.shapeMismatch.map((m) => `${m.name} (model [${m.expected}], file [${m.actual}])`),
        ),
      ].join('; '),
    );
  }
}

const DEFAULT_IGNORE = (name: string) => name.endsWith('num_batches_tracked');

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Copy a PyTorch-layout state dict into `module`'s variables by dotted name, transposing each
 * tensor to our layout (conv, transposed conv and linear weights; see ARCHITECTURE.md) and
 * converting it to float32. Rename or select keys first with `selectPrefix` / `renameKeys`.
 */
export function loadStateDict(
  module: Module,
  stateDict: StateDict,
  options: LoadStateDictOptions = {},
): LoadReport {
  const strict = options.strict ?? true;
  const ignore = options.ignore ?? DEFAULT_IGNORE;
  const source = options.source ?? 'state dict';
  const report: LoadReport = { loaded: [], missing: [], unexpected: [], shapeMismatch: [] };
  const plan: Array<{ target: ReturnType<Module['namedTensors']>[number]; stored: StoredTensor }> = [];
  const own = module.namedTensors();
  const ownNames = new Set(own.map((t) => t.name));
  for (const target of own) {
    const stored = stateDict.get(target.name);
    if (!stored) {
      if (!ignore(target.name)) report.missing.push(target.name);
      continue;
    }
    const expected = torchShapeOf(target.variable.shape, target.layout);
    if (!sameShape(expected, stored.shape)) {
      report.shapeMismatch.push({ name: target.name, expected, actual: [...stored.shape] });
      continue;
    }
    plan.push({ target, stored });
  }
  for (const name of stateDict.keys()) {
    if (!ownNames.has(name) && !ignore(name)) report.unexpected.push(name);
  }
  if (strict && (report.missing.length || report.unexpected.length || report.shapeMismatch.length)) {
    throw new StateDictError(source, report);
  }
  for (const { target, stored } of plan) {
    const value = fromTorchLayout(toFloat32(stored, target.name), stored.shape, target.layout);
    target.variable.assign(value);
    value.dispose();
    report.loaded.push(target.name);
  }
  return report;
}

/**
 * The module's parameters and buffers as a float32 state dict in PyTorch's layout and naming
 * (what `torch`'s `load_state_dict` expects). Values are copies.
 */
export function moduleStateDict(module: Module): StateDict {
  const out: StateDict = new Map();
  for (const t of module.namedTensors()) {
    const torch = toTorchLayout(t.variable, t.layout);
    out.set(t.name, { dtype: 'F32', shape: torch.shape, data: torch.dataSync() as Float32Array });
    torch.dispose();
  }
  return out;
}

/** The subset of `stateDict` whose names start with `prefix`, with the prefix removed (no copies). */
export function selectPrefix(stateDict: StateDict, prefix: string): StateDict {
  const out: StateDict = new Map();
  for (const [k, v] of stateDict) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}

/**
 * Rename keys: each rule replaces the first match of `from` (a string prefix or a RegExp) by `to`;
 * rules apply in order. Keys no rule matches are kept as they are.
 */
export function renameKeys(
  stateDict: StateDict,
  rules: ReadonlyArray<{ from: string | RegExp; to: string }>,
): StateDict {
  const out: StateDict = new Map();
  for (const [k, v] of stateDict) {
    let name = k;
    for (const { from, to } of rules) {
      if (typeof from === 'string') {
        if (name.startsWith(from)) name = to + name.slice(from.length);
      } else {
        name = name.replace(from, to);
      }
    }
    if (out.has(name)) throw new InputError(name, `two tensors are renamed to '${name}' (from '${k}')`);
    out.set(name, v);
  }
  return out;
}

/**
 * torchvision ≥ 0.13 wraps each FPN conv in a `Conv2dNormActivation`, so `fpn.inner_blocks.0.weight`
 * became `fpn.inner_blocks.0.0.weight`; checkpoints saved before (including torchvision's COCO
 * detection weights) use the old names. This maps old names to new ones and leaves others alone.
 */
export function upgradeTorchvisionFpnKeys(stateDict: StateDict): StateDict {
  return renameKeys(stateDict, [
    { from: /(^|\.)(inner_blocks|layer_blocks)\.(\d+)\.(weight|bias)$/, to: '$1$2.$3.0.$4' },
  ]);
}

/** Float32 copy of one stored tensor as a tfjs tensor in our layout (for one-off imports). */
export function storedToTensor(
  stored: StoredTensor,
  layout: Parameters<typeof fromTorchLayout>[2] = 'same',
): tf.Tensor {
  return fromTorchLayout(toFloat32(stored), stored.shape, layout);
}
