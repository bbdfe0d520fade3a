import { WorkerPool, type WorkerPoolOptions } from './workerPool';

export interface RunInWorkersOptions extends Omit<WorkerPoolOptions, 'size'> {
  /** Workers running at once; default `min(jobs, available cores)`. */
  concurrency?: number;
}

/**
 * Run independent jobs (e.g. two zoo variants) in parallel workers, each with its own tfjs
 * backend. Results come back in job order. The first failure rejects with a `WorkerJobError`
 * (job index, worker-side stack) and terminates every worker; on success all workers are
 * terminated before the promise resolves.
 *
 * @param moduleUrl absolute `file:` URL (or path) of a `WorkerJobModule`.
 */
export async function runInWorkers<J, R>(
  moduleUrl: string | URL,
  jobs: readonly J[],
  options: RunInWorkersOptions = {},
): Promise<R[]> {
  if (jobs.length === 0) return [];
  const { concurrency, ...rest } = options;
  if (concurrency != null && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new RangeError(`runInWorkers: 'concurrency' must be a positive integer, got ${concurrency}`);
  }
  const pool = await WorkerPool.start<J, R>(moduleUrl, {
    ...rest,
    size: Math.min(concurrency ?? (await import('node:os')).availableParallelism(), jobs.length),
  });
  try {
    return await pool.map(jobs);
  } finally {
    await pool.close();
  }
}
