import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/index';
import { runInWorkers, WorkerJobError } from '../src/workers';
import { type ConvolutionJob, type ConvolutionJobResult, gradientSum } from './workers/convolutionJob';

const jobModule = new URL('./workers/convolutionJob.ts', import.meta.url);
const preload = ['tsx/esm/api'];

describe('runInWorkers', () => {
  it('runs independent jobs on two workers, each with its own wasm backend, results in job order', async () => {
    const jobs: ConvolutionJob[] = [{ seed: 1 }, { seed: 2 }, { seed: 3 }, { seed: 4 }];
    const results = await runInWorkers<ConvolutionJob, ConvolutionJobResult>(jobModule, jobs, {
      concurrency: 2,
      preload,
    });
    await initBackend({ backend: 'wasm' });
    expect(results.map((r) => r.seed)).toEqual([1, 2, 3, 4]);
    // Jobs ran off the main thread (id 0), on at most two workers (whichever was ready took them).
    const threads = new Set(results.map((r) => r.threadId));
    expect(threads.has(0)).toBe(false);
    expect(threads.size).toBeLessThanOrEqual(2);
    for (const r of results) {
      expect(r.backend).toBe('wasm');
      expect(r.numTensors).toBe(0);
      expect(r.gradientSum).toBeCloseTo(gradientSum(r.seed), 3);
    }
  });

  it('rejects with the failing job index and message, and shuts every worker down', async () => {
    const jobs: ConvolutionJob[] = [{ seed: 1 }, { seed: 2, fail: true }, { seed: 3 }];
    const error = await runInWorkers(jobModule, jobs, { concurrency: 1, preload }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerJobError);
    expect((error as WorkerJobError).jobIndex).toBe(1);
    expect((error as Error).message).toMatch(/RangeError: job with seed 2 was asked to fail/);
  });

  it('reports a module that cannot be loaded', async () => {
    const missing = new URL('./workers/noSuchModule.ts', import.meta.url);
    await expect(runInWorkers(missing, [1], { preload })).rejects.toThrow(/while loading the job module/);
  });

  it('returns at once for no jobs', async () => {
    expect(await runInWorkers(jobModule, [], { preload })).toEqual([]);
  });
});
