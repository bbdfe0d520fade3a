/**
 * Loading of the optional native addon (`native/build/rcnn_native.node`, built by
 * `scripts/build-native.mjs`): AVX2 + FMA SGEMM and NHWC convolutions on a thread pool. Node only;
 * in a browser (or without the built file, or on a CPU without AVX2/FMA) nothing is loaded and the
 * wasm kernels stay in place. Node built-ins are reached through `process.getBuiltinModule`, never
 * imported, so this module is safe to bundle for browsers.
 */

/** The addon's functions. Tensors are Float32Array views (of the wasm heap: no copy). */
export interface NativeAddon {
  cpuSupported(): boolean;
  /**
   * Switch the Winograd F(2×2, 3×3) path of 3×3 stride-1 convolutions (forward, input and filter
   * gradients; on by default) on or off process-wide; returns the previous setting.
   */
  setWinograd(enabled: boolean): boolean;
  /** `c[b] = alpha·op(a[b])·op(b[b]) + beta·c[b]` (row-major, strides in elements, 0 broadcasts), then `+ bias[n]` and the activation. */
  sgemm(
    threads: number,
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
    batch: number,
    strideA: number,
    strideB: number,
    strideC: number,
    bias: Float32Array | null,
    activation: number,
  ): void;
  /** `geometry`: see {@link nativeGeometry}. x `[N,H,W,C]`, filter `[kh,kw,C,O]`, y `[N,Ho,Wo,O]`. */
  conv2d(
    threads: number,
    geometry: number[],
    x: Float32Array,
    filter: Float32Array,
    y: Float32Array,
    bias: Float32Array | null,
    activation: number,
  ): void;
  conv2dBackpropInput(
    threads: number,
    geometry: number[],
    dy: Float32Array,
    filter: Float32Array,
    dx: Float32Array,
  ): void;
  conv2dBackpropFilter(
    threads: number,
    geometry: number[],
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
  ): void;
  /** `y[c] = Σ_r x[r·cols + c]` (x row-major `[rows, cols]`, y `[cols]`). */
  sumRows(threads: number, x: Float32Array, rows: number, cols: number, y: Float32Array): void;
  /**
   * Max-pool gradient: x `[N,H,W,C]`, dy `[N,Ho,Wo,C]`, dx `[N,H,W,C]` (overwritten); `geometry`
   * `[N, H, W, C, Ho, Wo, kh, kw, strideH, strideW, padTop, padLeft]`.
   */
  maxPoolGrad(threads: number, geometry: number[], x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /**
   * `y = a op b` over `n` elements (op 0 add, 1 sub, 2 mul); broadcast 0: same shape, 1: `b` is
   * per channel (`b[i % channels]`), 2: `a` is per channel.
   */
  binary(
    threads: number,
    op: number,
    broadcast: number,
    a: Float32Array,
    b: Float32Array,
    y: Float32Array,
    n: number,
    channels: number,
  ): void;
  /** `y = relu(x)` (op 0) or `step(x) = x > 0 ? 1 : alpha` (op 1), NaN kept, over `n` elements. */
  unary(threads: number, op: number, alpha: number, x: Float32Array, y: Float32Array, n: number): void;
}

/** Activation codes the native kernels apply after the bias. */
export const nativeActivations: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2 };

interface NodeProcess {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  getBuiltinModule?(id: string): unknown;
}

export interface NativeAddonStatus {
  /** The addon is loaded and this CPU runs it. */
  available: boolean;
  /** Why it is not available (empty when it is). */
  reason: string;
  /** The file loaded, or the files looked for. */
  path: string;
}

let loaded: { addon: NativeAddon | null; status: NativeAddonStatus } | undefined;

function nodeProcess(): NodeProcess | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return proc?.versions?.node != null && typeof proc.getBuiltinModule === 'function' ? proc : undefined;
}

function load(): { addon: NativeAddon | null; status: NativeAddonStatus } {
  const proc = nodeProcess();
  if (proc?.getBuiltinModule == null) {
    return { addon: null, status: { available: false, reason: 'not Node ≥ 20.16', path: '' } };
  }
  const { createRequire } = proc.getBuiltinModule('node:module') as {
    createRequire(from: string | URL): (id: string) => unknown;
  };
  const { existsSync } = proc.getBuiltinModule('node:fs') as { existsSync(p: string): boolean };
  const { fileURLToPath } = proc.getBuiltinModule('node:url') as { fileURLToPath(u: URL): string };
  const override = proc.env?.RCNN_NATIVE_ADDON;
  // dist/index.js sits one level below the package root, src/kernels/*.ts two. The path is
  // joined at run time so that browser bundlers do not take it for an asset to bundle.
  const relative = ['native', 'build', 'rcnn_native.node'].join('/');
  const candidates =
    override != null && override !== ''
      ? [override]
      : [`../${relative}`, `../../${relative}`].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const file = candidates.find((p) => existsSync(p));
  if (file == null) {
    return {
      addon: null,
      status: {
        available: false,
        reason: 'addon not built (run `node scripts/build-native.mjs` in @rcnn/backend)',
        path: candidates.join(', '),
      },
    };
  }
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (err) {
    return {
      addon: null,
      status: { available: false, reason: `cannot load: ${(err as Error).message}`, path: file },
    };
  }
  if (!addon.cpuSupported()) {
    return { addon: null, status: { available: false, reason: 'this CPU lacks AVX2/FMA', path: file } };
  }
  return { addon, status: { available: true, reason: '', path: file } };
}

/** The native addon, loaded on first use; null when unavailable (see {@link nativeAddonStatus}). */
export function nativeAddon(): NativeAddon | null {
  loaded ??= load();
  return loaded.addon;
}

/** Whether the native addon loaded, and if not, why. */
export function nativeAddonStatus(): NativeAddonStatus {
  loaded ??= load();
  return { ...loaded.status };
}

/**
 * Default native thread count: the machine's cores on the main thread, 1 inside a worker thread
 * (`runInWorkers`, `WorkerPool`, `DataParallel` start one worker per core already; more threads
 * per worker would oversubscribe the cores).
 */
export function defaultNativeThreads(): number {
  const proc = nodeProcess();
  if (proc?.getBuiltinModule == null) return 1;
  const { isMainThread } = proc.getBuiltinModule('node:worker_threads') as { isMainThread: boolean };
  if (!isMainThread) return 1;
  const os = proc.getBuiltinModule('node:os') as {
    availableParallelism?(): number;
    cpus(): unknown[];
  };
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}
