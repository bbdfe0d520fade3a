import { WorkerPool } from '@rcnn/backend/workers';
import { ConfigError } from '@rcnn/core';
import type { DetectionRecord } from '@rcnn/data';
import type { GeneralizedRcnn } from '../detector/generalizedRcnn';
import type { DetectorGradientJob, DetectorGradientResult } from './detectorGradientJob';
import type { ComputedGradients, GradientSource } from './trainer';

/** Options of {@link DataParallelGradients.start}. */
export interface DataParallelOptions {
  /** Worker threads (each with its own tfjs backend). Default 2. */
  readonly workers?: number;
  /** Backend in the workers. Default 'wasm'. */
  readonly backend?: string;
}

/**
 * Data-parallel training for detectors: each step splits the batch into one shard per worker
 * thread, each worker computes its shard's loss terms and gradients with the current weights, and
 * the results are averaged (loss terms, gradients and BatchNorm running statistics). Plug it into
 * the `Trainer` as `gradientSource`; with two workers both cores of a 2-core machine train.
 * Shards draw their sampling from `seed + shard`, so a resumed run repeats them.
 */
export class DataParallelGradients implements GradientSource<DetectionRecord[]> {
  private constructor(
    private readonly model: GeneralizedRcnn,
    private readonly pool: WorkerPool<DetectorGradientJob, DetectorGradientResult>,
    private readonly backend: string,
  ) {}

  static async start(
    model: GeneralizedRcnn,
    options: DataParallelOptions = {},
  ): Promise<DataParallelGradients> {
    const workers = options.workers ?? 2;
    if (!Number.isInteger(workers) || workers < 1)
      throw new ConfigError('workers', `expected a positive integer, got ${workers}`);
    // From source (tests, tsx) the job is TypeScript; from the build, a sibling chunk.
    const fromSource = import.meta.url.endsWith('.ts');
    const url = fromSource
      ? new URL('./detectorGradientJob.ts', import.meta.url)
      : new URL('./training/detectorGradientJob.js', import.meta.url);
    const pool = await WorkerPool.start<DetectorGradientJob, DetectorGradientResult>(url, {
      size: workers,
      ...(fromSource ? { preload: ['tsx/esm/api'] } : {}),
    });
    return new DataParallelGradients(model, pool, options.backend ?? 'wasm');
  }

  get workers(): number {
    return this.pool.size;
  }

  async compute(batch: DetectionRecord[], seed: number): Promise<ComputedGradients> {
    const named = this.model.namedTensors();
    // copies: a view into the backend's memory would clone the whole heap to each worker
    const tensors = named.map((t) => (t.variable.dataSync() as Float32Array).slice());
    const shards = Math.min(this.pool.size, batch.length);
    const per = Math.ceil(batch.length / shards);
    const jobs: DetectorGradientJob[] = [];
    for (let i = 0; i < shards; i++) {
      const records = batch.slice(i * per, (i + 1) * per);
      if (records.length > 0)
        jobs.push({ backend: this.backend, config: this.model.config, tensors, records, seed: seed + i });
    }
    const results = await this.pool.map(jobs);
    const trainable = named.filter((t) => t.kind === 'parameter' && t.variable.trainable);
    const buffers = named.filter((t) => t.kind === 'buffer');
    const mean = (arrays: Float32Array[]) => {
      const out = new Float32Array(arrays[0].length);
      for (const a of arrays) for (let k = 0; k < a.length; k++) out[k] += a[k];
      for (let k = 0; k < out.length; k++) out[k] /= arrays.length;
      return out;
    };
    const losses: Record<string, number> = {};
    for (const name of Object.keys(results[0].losses)) {
      losses[name] = results.reduce((s, r) => s + r.losses[name], 0) / results.length;
    }
    return {
      losses,
      grads: new Map(trainable.map((t, i) => [t.name, mean(results.map((r) => r.grads[i]))])),
      buffers: new Map(buffers.map((t, i) => [t.name, mean(results.map((r) => r.buffers[i]))])),
    };
  }

  /** Stop the workers. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
