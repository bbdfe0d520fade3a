import { WorkerPool, type WorkerPoolOptions } from './workerPool';

/** What a data-parallel job module's default export receives: the weights and one shard. */
export interface GradientJob<S> {
  /** Current weights, in the module's own variable order (shared memory: read, never write). */
  weights: Float32Array[];
  shard: S;
}

/** What it returns: the loss on its shard and the gradient of each weight, same order. */
export interface GradientResult {
  loss: number;
  grads: Float32Array[];
}

/**
 * Data-parallel gradients on worker threads: each step sends the current weights and one shard of
 * the batch to each worker (its job module computes the loss and gradients on that shard, e.g.
 * with `tf.variableGrads`) and averages the results, which equals the full-batch gradient of a
 * mean loss when the shards are the same size. The caller applies the update.
 */
export class DataParallel<S> {
  /** Weights live in shared memory: each step copies them once, workers read them in place. */
  private shared: Float32Array[] = [];

  private constructor(private readonly pool: WorkerPool<GradientJob<S>, GradientResult>) {}

  static async start<S>(moduleUrl: string | URL, options: WorkerPoolOptions = {}): Promise<DataParallel<S>> {
    return new DataParallel(await WorkerPool.start<GradientJob<S>, GradientResult>(moduleUrl, options));
  }

  get workers(): number {
    return this.pool.size;
  }

  /** Mean loss and mean gradients over `shards` (one job per shard). */
  async step(weights: Float32Array[], shards: readonly S[]): Promise<GradientResult> {
    if (shards.length === 0) throw new RangeError(`DataParallel.step: 'shards' is empty`);
    if (this.shared.length !== weights.length || this.shared.some((w, i) => w.length !== weights[i].length)) {
      this.shared = weights.map((w) => new Float32Array(new SharedArrayBuffer(w.byteLength)));
    }
    weights.forEach((w, i) => {
      this.shared[i].set(w);
    });
    const results = await this.pool.map(shards.map((shard) => ({ weights: this.shared, shard })));
    const grads = weights.map((w, i) => {
      const mean = new Float32Array(w.length);
      for (const r of results) {
        const g = r.grads[i];
        if (g == null || g.length !== w.length) {
          throw new RangeError(
            `DataParallel.step: gradient ${i} has ${g?.length ?? 0} values, weight has ${w.length}`,
          );
        }
        for (let k = 0; k < g.length; k++) mean[k] += g[k];
      }
      for (let k = 0; k < mean.length; k++) mean[k] /= results.length;
      return mean;
    });
    return { loss: results.reduce((a, r) => a + r.loss, 0) / results.length, grads };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
