import * as tf from '@tensorflow/tfjs-core';
import { registerTfjsGradients } from './registerTfjsGradients';
import { installTrainingKernels, registerTrainingGradients } from './trainingKernels';

/** Raised when a requested tfjs backend is not registered or fails to initialise. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly backend: string,
    detail: string,
  ) {
    super(`tfjs backend '${backend}' is unavailable: ${detail}`);
  }
}

export interface InitBackendOptions {
  /**
   * Backend name. `'wasm'` (default in Node: SIMD, fastest available here) and `'cpu'` (slow,
   * the numeric reference in tests) are bundled; any other name (e.g. `'tensorflow'` from
   * `@tensorflow/tfjs-node`, `'webgl'`, `'webgpu'`) must already be registered by the caller.
   */
  backend?: 'wasm' | 'cpu' | (string & {});
}

let gradientsRegistered = false;
const extensionsByBackend = new Map<string, Array<() => void>>();
const registeredExtensions = new Set<string>();

/**
 * Register a function that installs kernels for one backend (missing training kernels, faster
 * replacements). It runs once, the first time `initBackend` selects that backend.
 */
export function registerBackendExtension(backend: string, install: () => void): void {
  const list = extensionsByBackend.get(backend) ?? [];
  list.push(install);
  extensionsByBackend.set(backend, list);
  if (registeredExtensions.has(backend) && tf.findBackend(backend) != null) install();
}

async function loadBundledBackend(name: string): Promise<void> {
  if (name === 'cpu' && tf.findBackendFactory('cpu') == null) {
    await import('@tensorflow/tfjs-backend-cpu');
  } else if (name === 'wasm' && tf.findBackendFactory('wasm') == null) {
    await import('@tensorflow/tfjs-backend-wasm');
  }
}

/**
 * Pick and initialise a tfjs backend, register every gradient tfjs ships plus the ones it lacks
 * (GatherNd, TopK, StridedSlice, grouped convolution), and the kernels this project adds for the
 * backend (see `installTrainingKernels`). Idempotent: calling it again with the same backend is cheap; with another
 * backend it switches. Registration is explicit (nothing happens on import).
 *
 * @returns the name of the active backend.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<string> {
  const name = options.backend ?? 'wasm';
  if (!gradientsRegistered) {
    await registerTfjsGradients();
    registerTrainingGradients();
    gradientsRegistered = true;
  }
  await loadBundledBackend(name);
  if (tf.findBackendFactory(name) == null) {
    const known = Object.keys(tf.engine().registryFactory).join(', ') || 'none';
    throw new BackendUnavailableError(
      name,
      `no such backend is registered (registered: ${known}). Import its package (e.g. @tensorflow/tfjs-node) first.`,
    );
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    throw new BackendUnavailableError(name, (err as Error).message);
  }
  if (!ok) throw new BackendUnavailableError(name, 'initialisation failed');
  await tf.ready();
  if (!registeredExtensions.has(name)) {
    registeredExtensions.add(name);
    installTrainingKernels(name);
    for (const install of extensionsByBackend.get(name) ?? []) install();
  }
  return name;
}
