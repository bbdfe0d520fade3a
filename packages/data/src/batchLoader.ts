import { ConfigError, InputError, SeededRandom } from '@rcnn/core';
import type { RecordTransform } from './augment/augmentation';
import type { DetectionRecord } from './detectionRecord';

/** Anything with a length and indexed records, e.g. a `CocoDetectionDataset`. */
export interface RecordSource {
  readonly length: number;
  get(index: number): DetectionRecord | Promise<DetectionRecord>;
}

/**
 * Where a loader stands: `position` samples of epoch `epoch` have been handed out. Plain JSON;
 * store it in a checkpoint and pass it back as `state` to resume exactly.
 */
export interface LoaderState {
  readonly epoch: number;
  readonly position: number;
}

/** Options of {@link BatchLoader}. */
export interface BatchLoaderOptions {
  /** Records per batch. */
  batchSize: number;
  /** Seed of the sample order and of the augmentations. Default 0. */
  seed?: number;
  /** Shuffle every epoch (default true); false keeps dataset order. */
  shuffle?: boolean;
  /** Drop an epoch's last incomplete batch. Default false. */
  dropLast?: boolean;
  /** Applied to every record with its own generator. */
  transform?: RecordTransform;
  /** Resume from a saved state. Default `{ epoch: 0, position: 0 }`. */
  state?: LoaderState;
}

/** One batch and where it came from. */
export interface Batch {
  readonly epoch: number;
  /** Dataset indices of the records, in batch order. */
  readonly indices: number[];
  readonly records: DetectionRecord[];
}

/**
 * Yields batches of records in a seeded order, epoch after epoch. The order of epoch `e` and the
 * augmentation of the sample in slot `k` of that order depend only on (`seed`, `e`, `k`), so a
 * loader rebuilt from a saved {@link LoaderState} continues with exactly the batches the original
 * would have produced.
 */
export class BatchLoader {
  private epochValue: number;
  private positionValue: number;
  private readonly batchSize: number;
  private readonly seed: number;
  private readonly shuffle: boolean;
  private readonly dropLast: boolean;
  private readonly transform: RecordTransform | undefined;
  private cachedOrder: { epoch: number; order: Int32Array } | null = null;

  constructor(
    readonly source: RecordSource,
    options: BatchLoaderOptions,
  ) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new ConfigError('batchSize', `must be a positive integer, got ${batchSize}`);
    }
    if (source.length === 0) throw new InputError('source', 'the dataset is empty');
    if (options.dropLast && source.length < batchSize) {
      throw new ConfigError(
        'dropLast',
        `dataset of ${source.length} records has no full batch of ${batchSize}`,
      );
    }
    this.batchSize = batchSize;
    this.seed = new SeededRandom(options.seed ?? 0).seed;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    this.transform = options.transform;
    const state = options.state ?? { epoch: 0, position: 0 };
    if (!Number.isInteger(state.epoch) || state.epoch < 0) {
      throw new ConfigError('state.epoch', `must be a non-negative integer, got ${state.epoch}`);
    }
    if (!Number.isInteger(state.position) || state.position < 0 || state.position > source.length) {
      throw new ConfigError(
        'state.position',
        `must be an integer in [0, ${source.length}], got ${state.position}`,
      );
    }
    this.epochValue = state.epoch;
    this.positionValue = state.position;
  }

  /** The current state, to save and resume from. */
  get state(): LoaderState {
    return { epoch: this.epochValue, position: this.positionValue };
  }

  /** Full batches per epoch (plus one partial batch unless `dropLast`). */
  get batchesPerEpoch(): number {
    const n = this.source.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample order of `epoch`: a permutation of the dataset indices. */
  order(epoch: number): Int32Array {
    if (this.cachedOrder?.epoch === epoch) return this.cachedOrder.order;
    const n = this.source.length;
    let order: Int32Array;
    if (this.shuffle) order = new SeededRandom(this.seed).fork(epoch).permutation(n);
    else {
      order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
    }
    this.cachedOrder = { epoch, order };
    return order;
  }

  /** The next batch, moving to the next epoch when this one is exhausted. */
  async next(): Promise<Batch> {
    const n = this.source.length;
    if (this.positionValue >= n || (this.dropLast && this.positionValue + this.batchSize > n)) {
      this.epochValue++;
      this.positionValue = 0;
    }
    const epoch = this.epochValue;
    const start = this.positionValue;
    const end = Math.min(n, start + this.batchSize);
    const order = this.order(epoch);
    const epochRng = new SeededRandom(this.seed).fork(epoch);
    const indices = Array.from(order.subarray(start, end));
    const records = await Promise.all(
      indices.map(async (index, k) => {
        const record = await this.source.get(index);
        // Stream 0 of the epoch generator is the order; slot k augments with stream k + 1.
        return this.transform ? this.transform(record, epochRng.fork(start + k + 1)) : record;
      }),
    );
    this.positionValue = end;
    return { epoch, indices, records };
  }

  /** The remaining batches of the current epoch (all of the next one if this one is finished). */
  async *epoch(): AsyncGenerator<Batch> {
    const n = this.source.length;
    if (this.positionValue >= n || (this.dropLast && this.positionValue + this.batchSize > n)) {
      this.epochValue++;
      this.positionValue = 0;
    }
    const epoch = this.epochValue;
    while (
      this.epochValue === epoch &&
      this.positionValue < n &&
      !(this.dropLast && this.positionValue + this.batchSize > n)
    ) {
      yield await this.next();
    }
  }
}
