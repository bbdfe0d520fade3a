import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * A job module, loaded once in each worker: its default export runs one job; its optional `setup`
 * export runs first, once per worker (call `initBackend` there: every worker has its own tfjs
 * engine and backend). Jobs and results cross threads by structured clone (plain data, typed arrays).
 */
export interface WorkerJobModule<J, R> {
  default: (job: J) => R | Promise<R>;
  setup?: () => void | Promise<void>;
}

export interface RunInWorkersOptions {
  /** Workers running at once; default `min(jobs, available cores)`. */
  concurrency?: number;
  /**
   * Modules each worker imports before the job module, in order; a module that exports a
   * `register()` function has it called. `['tsx/esm/api']` lets workers load a TypeScript job
   * module (loader flags such as `--import tsx` in `execArgv` do not reach eval'd workers).
   */
  preload?: string[];
  /** Node flags for the workers. Default: the parent's `process.execArgv`. */
  execArgv?: string[];
}

/** A job threw (or its worker died); carries the job index (-1: the module failed to load) and the worker-side error. */
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

type Reply = { ok: true; value: unknown } | { ok: false; name: string; message: string; stack?: string };

// Runs in each worker (eval'd as a script): load the module, run setup, then serve jobs one by one.
const bootstrap = `
const { parentPort, workerData } = require('node:worker_threads');
const toError = (err) => ({ ok: false, name: (err && err.name) || 'Error', message: String((err && err.message) || err), stack: err && err.stack });
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
    try {
      parentPort.postMessage({ ok: true, value: await mod.default(job) });
    } catch (err) {
      parentPort.postMessage(toError(err));
    }
  });
})();
`;

/**
 * Run independent jobs in parallel `worker_threads` (tfjs' wasm backend is single-threaded in
 * Node; this is how a second core gets used). Results come back in job order. The first failure
 * rejects with a {@link WorkerJobError} and terminates every worker; on success all workers are
 * terminated before the promise resolves.
 *
 * @param moduleUrl absolute `file:` URL (or path) of a {@link WorkerJobModule}.
 */
export async function runInWorkers<J, R>(
  moduleUrl: string | URL,
  jobs: readonly J[],
  options: RunInWorkersOptions = {},
): Promise<R[]> {
  const url =
    moduleUrl instanceof URL ? moduleUrl.href : moduleUrl.startsWith('/') ? `file://${moduleUrl}` : moduleUrl;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), jobs.length));
  if (!Number.isInteger(concurrency)) throw new RangeError(`runInWorkers: 'concurrency' must be an integer`);
  const results = new Array<R>(jobs.length);
  if (jobs.length === 0) return results;
  const workers: Worker[] = [];
  let next = 0;
  let finished = 0;
  let settled = false;

  return new Promise<R[]>((resolve, reject) => {
    const shutdown = async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    };
    const fail = (error: WorkerJobError) => {
      if (settled) return;
      settled = true;
      shutdown().then(
        () => reject(error),
        () => reject(error),
      );
    };
    const feed = (worker: Worker, current: { index: number }) => {
      if (settled) return;
      if (next >= jobs.length) return;
      current.index = next++;
      worker.postMessage(jobs[current.index]);
    };
    for (let i = 0; i < concurrency; i++) {
      const worker = new Worker(bootstrap, {
        eval: true,
        workerData: { moduleUrl: url, preload: options.preload ?? [] },
        execArgv: options.execArgv ?? process.execArgv,
      });
      workers.push(worker);
      const current = { index: -1 };
      worker.on('message', (msg: Reply | ({ ready: boolean } & Partial<Reply>)) => {
        if ('ready' in msg) {
          if (msg.ready) feed(worker, current);
          else {
            const e = msg as { name: string; message: string; stack?: string };
            fail(new WorkerJobError(-1, url, e.name, `while loading the job module: ${e.message}`, e.stack));
          }
          return;
        }
        if (!msg.ok) {
          fail(new WorkerJobError(current.index, url, msg.name, msg.message, msg.stack));
          return;
        }
        results[current.index] = msg.value as R;
        finished++;
        if (finished === jobs.length && !settled) {
          settled = true;
          shutdown().then(
            () => resolve(results),
            (err) => reject(err),
          );
          return;
        }
        feed(worker, current);
      });
      worker.on('error', (err) =>
        fail(new WorkerJobError(current.index, url, err.name, err.message, err.stack)),
      );
      worker.on('exit', (code) => {
        if (!settled && code !== 0) {
          fail(new WorkerJobError(current.index, url, 'WorkerExit', `worker exited with code ${code}`));
        }
      });
    }
  });
}
