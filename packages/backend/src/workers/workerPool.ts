import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * A job module, loaded once in each worker: its default export runs one job; its optional `setup`
 * export runs first, once per worker (call `initBackend` there: every worker has its own tfjs
 * engine and backend). Jobs and results cross threads by structured clone (plain data, typed
 * arrays); the buffers of typed arrays in a result are transferred, not copied.
 */
export interface WorkerJobModule<J, R> {
  default: (job: J) => R | Promise<R>;
  setup?: () => void | Promise<void>;
}

export interface WorkerPoolOptions {
  /** Number of workers; default: the available cores. */
  size?: number;
  /**
   * Modules each worker imports before the job module, in order; a module that exports a
   * `register()` function has it called. `['tsx/esm/api']` lets workers load a TypeScript job
   * module (loader flags such as `--import tsx` in `execArgv` do not reach eval'd workers).
   */
  preload?: string[];
  /** Node flags for the workers. Default: the parent's `process.execArgv`. */
  execArgv?: string[];
}

/** A job threw, its worker died or the pool closed; carries the job index (-1: not a job). */
export class WorkerJobError extends Error {
  override readonly name = 'WorkerJobError';
  constructor(
    readonly jobIndex: number,
    readonly moduleUrl: string,
    readonly causeName: string,
    causeMessage: string,
    readonly workerStack?: string,
  ) {
    super(`job ${jobIndex} of ${moduleUrl} failed: ${causeName}: ${causeMessage}`);
  }
}

type Reply =
  | { ready: true }
  | { ready: false; name: string; message: string; stack?: string }
  | { ok: true; value: unknown }
  | { ok: false; name: string; message: string; stack?: string };

// Runs in each worker (eval'd as a script): load the module, run setup, then serve jobs one by one.
const bootstrap = `
const { parentPort, workerData } = require('node:worker_threads');
const toError = (err) => ({ ok: false, name: (err && err.name) || 'Error', message: String((err && err.message) || err), stack: err && err.stack });
const buffersOf = (value, found = new Set(), depth = 0) => {
  if (value == null || typeof value !== 'object' || depth > 4) return found;
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) found.add(value.buffer);
    return found;
  }
  for (const v of Object.values(value)) buffersOf(v, found, depth + 1);
  return found;
};
(async () => {
  let mod;
  try {
    for (const specifier of workerData.preload) {
      const pre = await import(specifier);
      if (typeof pre.register === 'function') pre.register();
    }
    mod = await import(workerData.moduleUrl);
    if (typeof mod.default !== 'function') throw new TypeError('the job module has no default export function');
    if (typeof mod.setup === 'function') await mod.setup();
    parentPort.postMessage({ ready: true });
  } catch (err) {
    parentPort.postMessage({ ready: false, ...toError(err) });
    return;
  }
  parentPort.on('message', async (job) => {
    let reply;
    try {
      reply = { ok: true, value: await mod.default(job) };
    } catch (err) {
      parentPort.postMessage(toError(err));
      return;
    }
    parentPort.postMessage(reply, [...buffersOf(reply.value)]);
  });
})();
`;

interface Pending {
  index: number;
  job: unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  current?: Pending;
}

/**
 * Long-lived `worker_threads` workers, each running one job module (tfjs' wasm backend is
 * single-threaded in Node; this is how the other cores get used). `run` queues a job for the next
 * idle worker. A job that throws rejects only its own promise; a worker that dies rejects its job
 * and breaks the pool (later jobs reject). Always `close()` it.
 */
export class WorkerPool<J, R> {
  private readonly queue: Pending[] = [];
  private readonly idle: Slot[] = [];
  private broken: WorkerJobError | undefined;
  private closed = false;
  private submitted = 0;

  private constructor(
    readonly moduleUrl: string,
    private readonly slots: Slot[],
  ) {}

  /** Start `size` workers and wait until each has loaded the module and run its `setup`. */
  static async start<J, R>(
    moduleUrl: string | URL,
    options: WorkerPoolOptions = {},
  ): Promise<WorkerPool<J, R>> {
    const url =
      moduleUrl instanceof URL
        ? moduleUrl.href
        : moduleUrl.startsWith('/')
          ? `file://${moduleUrl}`
          : moduleUrl;
    const size = options.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`WorkerPool: 'size' must be a positive integer, got ${size}`);
    const slots: Slot[] = [];
    const ready: Array<Promise<void>> = [];
    for (let i = 0; i < size; i++) {
      const worker = new Worker(bootstrap, {
        eval: true,
        workerData: { moduleUrl: url, preload: options.preload ?? [] },
        execArgv: options.execArgv ?? process.execArgv,
      });
      slots.push({ worker });
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (msg: Reply) => {
            if (!('ready' in msg)) return;
            worker.off('message', onMessage);
            worker.off('error', onError);
            if (msg.ready) resolve();
            else
              reject(
                new WorkerJobError(
                  -1,
                  url,
                  msg.name,
                  `while loading the job module: ${msg.message}`,
                  msg.stack,
                ),
              );
          };
          const onError = (err: Error) =>
            reject(new WorkerJobError(-1, url, err.name, err.message, err.stack));
          worker.on('message', onMessage);
          worker.on('error', onError);
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await Promise.all(slots.map((s) => s.worker.terminate()));
      throw err;
    }
    const pool = new WorkerPool<J, R>(url, slots);
    for (const slot of slots) pool.attach(slot);
    return pool;
  }

  /** Number of workers. */
  get size(): number {
    return this.slots.length;
  }

  /** Run one job on the next idle worker. */
  run(job: J): Promise<R> {
    const index = this.submitted++;
    if (this.closed)
      return Promise.reject(new WorkerJobError(index, this.moduleUrl, 'PoolClosed', 'the pool is closed'));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ index, job, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Run jobs in parallel; results in job order; rejects with the first failure. */
  map(jobs: readonly J[]): Promise<R[]> {
    return Promise.all(jobs.map((job) => this.run(job)));
  }

  /** Terminate every worker; queued and running jobs reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = (p: Pending) =>
      new WorkerJobError(p.index, this.moduleUrl, 'PoolClosed', 'the pool was closed');
    for (const p of this.queue.splice(0)) p.reject(error(p));
    for (const slot of this.slots) {
      if (slot.current) slot.current.reject(error(slot.current));
      slot.current = undefined;
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private attach(slot: Slot): void {
    slot.worker.on('message', (msg: Reply) => {
      const p = slot.current;
      if (p == null || 'ready' in msg) return;
      slot.current = undefined;
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new WorkerJobError(p.index, this.moduleUrl, msg.name, msg.message, msg.stack));
      this.idle.push(slot);
      this.dispatch();
    });
    const die = (name: string, message: string, stack?: string) => {
      if (this.closed) return;
      const p = slot.current;
      slot.current = undefined;
      this.broken ??= new WorkerJobError(p?.index ?? -1, this.moduleUrl, name, message, stack);
      p?.reject(new WorkerJobError(p.index, this.moduleUrl, name, message, stack));
      for (const q of this.queue.splice(0)) q.reject(this.broken);
    };
    slot.worker.on('error', (err) => die(err.name, err.message, err.stack));
    slot.worker.on('exit', (code) => die('WorkerExit', `worker exited with code ${code}`));
    this.idle.push(slot);
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.idle.length > 0 && !this.broken) {
      const slot = this.idle.shift()!;
      const p = this.queue.shift()!;
      slot.current = p;
      slot.worker.postMessage(p.job);
    }
  }
}
