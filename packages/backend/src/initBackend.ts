import * as tf from '@tensorflow/tfjs-core';
import { defaultNativeThreads, nativeAddon, nativeAddonStatus } from './kernels/nativeAddon';
import { nativeInstalled, nativeSettings } from './kernels/nativeKernels';
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
  /**
   * Use the native AVX2/FMA kernels on `wasm` (convolutions and their gradients, matrix products,
   * leading-axis Sum, MaxPoolGrad, Add/Sub/Multiply, Relu, Step)
   * when the addon is built and the CPU supports it. Default true; `false` keeps the wasm kernels.
   * Applies on every call (switchable at run time); see `nativeKernelsActive()`.
   */
  native?: boolean;
  /**
   * Threads per native kernel call. Default: the number of cores on the main thread, 1 inside a
   * worker thread (the worker pools already run one worker per core).
   */
  threads?: number;
  /**
   * Native 3×3 stride-1 convolutions (forward, input and filter gradients) with at least 16 input
   * and output channels over at least 48 2×2 output tiles per image (16 in the batch for the filter gradient) use Winograd's F(2×2, 3×3) algorithm:
   * 2.25× fewer multiplications, about 2× faster, float32 error within 2× of the direct
   * product's. Default true; `false` runs every convolution as a direct (implicit GEMM) product.
   */
  winograd?: boolean;
}

/** Where the native kernels stand; see {@link nativeKernelsStatus}. */
export interface NativeKernelsStatus {
  /** Native kernels run for the current backend now. */
  active: boolean;
  /** The addon is loaded and this CPU can run it. */
  available: boolean;
  /** Why the addon is unavailable (empty when available). */
  reason: string;
  /** Requested with `initBackend({ native })` (default true). */
  enabled: boolean;
  /** Threads per native call. */
  threads: number;
  /** Whether 3×3 stride-1 convolutions may use Winograd F(2×2, 3×3) (`initBackend({ winograd })`). */
  winograd: boolean;
}

let threadsChosen = false;

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
  if (options.threads != null && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new RangeError(`initBackend: 'threads' must be a positive integer, got ${options.threads}`);
  }
  nativeSettings.enabled = options.native ?? true;
  nativeSettings.winograd = options.winograd ?? true;
  if (nativeAddonStatus().available) nativeAddon()?.setWinograd(nativeSettings.winograd);
  if (options.threads != null) {
    nativeSettings.threads = options.threads;
    threadsChosen = true;
  } else if (!threadsChosen) {
    nativeSettings.threads = defaultNativeThreads();
    threadsChosen = true;
  }
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

/**
 * Whether the native AVX2/FMA kernels (`native/build/rcnn_native.node`) run for the current tfjs
 * backend: the addon loaded, the backend is `wasm`, and `initBackend` did not get `native: false`.
 */
export function nativeKernelsActive(): boolean {
  return nativeSettings.enabled && nativeInstalled.size > 0 && nativeInstalled.has(tf.getBackend());
}

/** {@link nativeKernelsActive} with the reasons: addon availability, the switch, the thread count. */
export function nativeKernelsStatus(): NativeKernelsStatus {
  const addon = nativeAddonStatus();
  return {
    active: nativeKernelsActive(),
    available: addon.available,
    reason: addon.reason,
    enabled: nativeSettings.enabled,
    threads: nativeSettings.threads,
    winograd: nativeSettings.winograd,
  };
}
