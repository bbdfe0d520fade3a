import { ConfigError, loadStateDict, type Module, SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW } from './adamW';
import { clipGradientsByNorm, globalNorm } from './clipGradients';
import { checkSchedule, type LearningRateSchedule, learningRateAt } from './learningRate';
import { NonFiniteLossError } from './nonFiniteLossError';
import { SgdMomentum } from './sgd';
import { readTrainingCheckpoint, saveTrainingCheckpoint, type TrainingState } from './trainingCheckpoint';

/** A model the {@link Trainer} can train: its module (weights) and its loss terms for a batch. */
export interface TrainableModel<B> {
  readonly module: Module;
  /**
   * Loss terms (scalars) for one batch in training mode, e.g. `{ lossClassifier, lossBoxReg,
   * lossMask, lossObjectness, lossRpnBoxReg }`. Called inside `tf.variableGrads`; `rng` drives
   * every random choice (anchor and RoI sampling), so a resumed run repeats them.
   */
  computeLosses(batch: B, rng: SeededRandom): Record<string, tf.Scalar>;
}

/** Loss terms and gradients of one batch computed elsewhere (e.g. on worker threads). */
export interface ComputedGradients {
  /** Loss terms by name. */
  readonly losses: Readonly<Record<string, number>>;
  /** Gradient of each trainable parameter by dotted name, flat in the parameter's layout. */
  readonly grads: ReadonlyMap<string, Float32Array>;
  /** New values of buffers (e.g. BatchNorm running statistics) by dotted name. */
  readonly buffers?: ReadonlyMap<string, Float32Array>;
}

/** Computes a batch's gradients outside the trainer's own `tf.variableGrads` (data parallelism). */
export interface GradientSource<B> {
  /** `seed` drives the sampling for this batch (drawn from the trainer's generator, so resume repeats it). */
  compute(batch: B, seed: number): Promise<ComputedGradients>;
}

/** Where batches come from; `state` is plain JSON that `createSource` accepts back on resume. */
export interface BatchSource<B> {
  next(): Promise<B>;
  readonly state: unknown;
}

/** One progress report. */
export interface TrainProgress {
  /** Iterations completed. */
  readonly iteration: number;
  readonly maxIterations: number;
  /** Loss terms of the last iteration. */
  readonly losses: Readonly<Record<string, number>>;
  readonly totalLoss: number;
  readonly learningRate: number;
  /** Global gradient norm before clipping. */
  readonly gradientNorm: number;
  /** Iterations per second since this run started (or resumed). */
  readonly iterationsPerSecond: number;
  /** Estimated seconds to `maxIterations`. */
  readonly etaSeconds: number;
}

/** Options of {@link Trainer}. */
export interface TrainerOptions<B> {
  readonly model: TrainableModel<B>;
  /** Builds the batch source, from a saved state when resuming (`undefined` on a fresh start). */
  readonly createSource: (state: unknown | undefined) => BatchSource<B>;
  /** JSON config embedded in checkpoints (what rebuilds the model, e.g. a detector config). */
  readonly config: unknown;
  readonly schedule: LearningRateSchedule;
  /**
   * `sgd` (default): SGD with momentum, the paper's recipe. `adamw`: AdamW (β 0.9/0.999,
   * decoupled weight decay), which trains randomly initialised detectors much faster at
   * small batches; use a learning rate around 1e-3 with it.
   */
  readonly optimizer?: 'sgd' | 'adamw';
  /** SGD momentum. Default 0.9. */
  readonly momentum?: number;
  /** Weight decay. Default 1e-4. */
  readonly weightDecay?: number;
  /** Clip the global gradient norm to this value. Default: no clipping. */
  readonly clipGradientNorm?: number;
  /** Iterations to train for (total, counting those before a resume). */
  readonly maxIterations: number;
  /** Seed of the trainer's generator (sampling inside the model). Default 0. */
  readonly seed?: number;
  /** Checkpoint file; written atomically every `checkpointEvery` iterations, at the end and on SIGINT. */
  readonly checkpointPath?: string;
  /** Default 0: only at the end and on interrupt. */
  readonly checkpointEvery?: number;
  /** Resume from `checkpointPath` when it exists. Default true. */
  readonly resume?: boolean;
  /** Install a SIGINT handler that checkpoints and stops after the current iteration. Default true with a `checkpointPath`. */
  readonly handleInterrupt?: boolean;
  /**
   * Compute gradients with this instead of in-process `tf.variableGrads` (e.g.
   * `DataParallelGradients` on worker threads). The model's `computeLosses` is then unused.
   */
  readonly gradientSource?: GradientSource<B>;
  /** Called every `progressEvery` iterations (default 1). */
  readonly onProgress?: (progress: TrainProgress) => void;
  readonly progressEvery?: number;
}

/** What {@link Trainer.run} did. */
export interface TrainResult {
  /** Iterations completed in total. */
  readonly iteration: number;
  /** True when stopped by {@link Trainer.stop} or SIGINT before `maxIterations`. */
  readonly interrupted: boolean;
  /** Loss terms of the last iteration. */
  readonly lastLosses: Readonly<Record<string, number>>;
}

/**
 * Trains a model with the Mask R-CNN recipe: SGD with momentum and weight decay, linear warm-up
 * then step decay, optional gradient clipping, seeded sampling, progress reports (loss terms,
 * it/s, ETA), atomic checkpoints that carry weights, momentum, generator and loader state and the
 * iteration, so that a resumed run continues exactly as an uninterrupted one. A NaN or infinite
 * loss term stops training with a {@link NonFiniteLossError} naming it, before any update.
 */
export class Trainer<B> {
  private readonly options: TrainerOptions<B>;
  private readonly optimizer: SgdMomentum | AdamW;
  private readonly rng: SeededRandom;
  private readonly params: Array<[string, tf.Variable]>;
  private source: BatchSource<B> | null = null;
  private iterationValue = 0;
  private stopRequested = false;

  constructor(options: TrainerOptions<B>) {
    checkSchedule(options.schedule);
    if (!Number.isInteger(options.maxIterations) || options.maxIterations < 0) {
      throw new ConfigError('maxIterations', `expected an integer >= 0, got ${options.maxIterations}`);
    }
    const every = options.checkpointEvery ?? 0;
    if (!Number.isInteger(every) || every < 0)
      throw new ConfigError('checkpointEvery', `expected an integer >= 0, got ${every}`);
    const progressEvery = options.progressEvery ?? 1;
    if (!Number.isInteger(progressEvery) || progressEvery < 1) {
      throw new ConfigError('progressEvery', `expected a positive integer, got ${progressEvery}`);
    }
    if (options.clipGradientNorm !== undefined && !(options.clipGradientNorm > 0)) {
      throw new ConfigError(
        'clipGradientNorm',
        `expected a positive number, got ${options.clipGradientNorm}`,
      );
    }
    this.options = options;
    this.params = options.model.module.namedParameters().filter(([, v]) => v.trainable);
    const kind = options.optimizer ?? 'sgd';
    if (kind !== 'sgd' && kind !== 'adamw')
      throw new ConfigError('optimizer', `expected 'sgd' or 'adamw', got ${JSON.stringify(kind)}`);
    this.optimizer =
      kind === 'adamw'
        ? new AdamW(this.params, { weightDecay: options.weightDecay })
        : new SgdMomentum(this.params, { momentum: options.momentum, weightDecay: options.weightDecay });
    this.rng = new SeededRandom(options.seed ?? 0);
  }

  /** Iterations completed so far. */
  get iteration(): number {
    return this.iterationValue;
  }

  /** Ask {@link Trainer.run} to checkpoint and return after the current iteration. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Train up to `maxIterations`, resuming from the checkpoint first when allowed. Resolves when
   * done or interrupted; rejects with {@link NonFiniteLossError} on a NaN/inf loss (no checkpoint
   * is written then, so the last good one stays).
   */
  async run(): Promise<TrainResult> {
    const o = this.options;
    if (this.source === null) await this.restore();
    const source = this.source as BatchSource<B>;
    const onSigint = () => this.stop();
    const handle = o.handleInterrupt ?? o.checkpointPath !== undefined;
    if (handle) process.on('SIGINT', onSigint);
    const start = performance.now();
    const startIteration = this.iterationValue;
    let lastLosses: Record<string, number> = {};
    try {
      while (this.iterationValue < o.maxIterations && !this.stopRequested) {
        const batch = await source.next();
        const lr = learningRateAt(o.schedule, this.iterationValue);
        const { losses, gradientNorm } = o.gradientSource
          ? await this.externalStep(o.gradientSource, batch, lr)
          : this.step(batch, lr);
        lastLosses = losses;
        this.iterationValue++;
        const done = this.iterationValue - startIteration;
        if (
          o.onProgress &&
          (this.iterationValue % (o.progressEvery ?? 1) === 0 || this.iterationValue === o.maxIterations)
        ) {
          const seconds = (performance.now() - start) / 1000;
          const rate = seconds > 0 ? done / seconds : 0;
          o.onProgress({
            iteration: this.iterationValue,
            maxIterations: o.maxIterations,
            losses,
            totalLoss: Object.values(losses).reduce((a, b) => a + b, 0),
            learningRate: lr,
            gradientNorm,
            iterationsPerSecond: rate,
            etaSeconds: rate > 0 ? (o.maxIterations - this.iterationValue) / rate : Number.POSITIVE_INFINITY,
          });
        }
        const every = o.checkpointEvery ?? 0;
        if (every > 0 && this.iterationValue % every === 0 && this.iterationValue < o.maxIterations) {
          await this.checkpoint();
        }
      }
      await this.checkpoint();
    } finally {
      if (handle) process.off('SIGINT', onSigint);
    }
    const interrupted = this.iterationValue < o.maxIterations;
    this.stopRequested = false;
    return { iteration: this.iterationValue, interrupted, lastLosses };
  }

  /** Write a checkpoint now (no-op without `checkpointPath`). */
  async checkpoint(): Promise<void> {
    const path = this.options.checkpointPath;
    if (path === undefined || this.source === null) return;
    const momentum = this.optimizer.momentumState();
    try {
      const state: TrainingState = {
        iteration: this.iterationValue,
        rngState: this.rng.getState(),
        sourceState: this.source.state,
      };
      await saveTrainingCheckpoint(path, this.options.model.module, this.options.config, momentum, state);
    } finally {
      for (const t of momentum.values()) t.dispose();
    }
  }

  /** Free the optimizer state (the model stays the caller's). */
  dispose(): void {
    this.optimizer.dispose();
  }

  private async restore(): Promise<void> {
    const o = this.options;
    let sourceState: unknown;
    if (o.checkpointPath !== undefined && (o.resume ?? true)) {
      const { access } = await import('node:fs/promises');
      const exists = await access(o.checkpointPath).then(
        () => true,
        () => false,
      );
      if (exists) {
        const ckpt = await readTrainingCheckpoint(o.checkpointPath);
        loadStateDict(o.model.module, ckpt.stateDict, { source: o.checkpointPath });
        if (ckpt.training !== null) {
          const momentum = new Map<string, tf.Tensor>();
          for (const [name, m] of ckpt.momentum) momentum.set(name, tf.tensor(m.data, m.shape));
          try {
            this.optimizer.setMomentumState(momentum);
          } finally {
            for (const t of momentum.values()) t.dispose();
          }
          this.iterationValue = ckpt.training.iteration;
          this.rng.setState(ckpt.training.rngState);
          sourceState = ckpt.training.sourceState;
        }
      }
    }
    this.source = o.createSource(sourceState);
  }

  private async externalStep(
    source: GradientSource<B>,
    batch: B,
    lr: number,
  ): Promise<{ losses: Record<string, number>; gradientNorm: number }> {
    const computed = await source.compute(batch, this.rng.int(0, 2 ** 31 - 1));
    for (const [name, v] of Object.entries(computed.losses)) {
      if (!Number.isFinite(v)) throw new NonFiniteLossError(name, v, this.iterationValue);
    }
    const shapes = new Map(this.params.map(([n, v]) => [n, v.shape]));
    const grads = new Map<string, tf.Tensor>();
    try {
      for (const [name, g] of computed.grads) {
        const shape = shapes.get(name);
        if (shape === undefined)
          throw new ConfigError(
            'gradientSource',
            `returned a gradient for '${name}', not a trainable parameter`,
          );
        grads.set(name, tf.tensor(g, shape));
      }
      const gradientNorm = this.applyGradients(grads, lr);
      if (computed.buffers) {
        const buffers = new Map(this.options.model.module.namedBuffers());
        for (const [name, value] of computed.buffers) {
          const buffer = buffers.get(name);
          if (buffer === undefined)
            throw new ConfigError('gradientSource', `returned '${name}', not a buffer of the model`);
          tf.tidy(() => buffer.assign(tf.tensor(value, buffer.shape)));
        }
      }
      return { losses: { ...computed.losses }, gradientNorm };
    } finally {
      for (const g of grads.values()) g.dispose();
    }
  }

  /** Clip (when configured) and apply; returns the norm before clipping. Does not dispose `grads`. */
  private applyGradients(grads: Map<string, tf.Tensor>, lr: number): number {
    const o = this.options;
    if (o.clipGradientNorm !== undefined) {
      const clipped = clipGradientsByNorm(grads, o.clipGradientNorm);
      try {
        this.optimizer.step(clipped.grads, lr);
      } finally {
        for (const g of clipped.grads.values()) g.dispose();
      }
      return clipped.norm;
    }
    const norm = globalNorm(grads);
    this.optimizer.step(grads, lr);
    return norm;
  }

  private step(batch: B, lr: number): { losses: Record<string, number>; gradientNorm: number } {
    const o = this.options;
    const kept: Array<[string, tf.Scalar]> = [];
    const vars = this.params.map(([, v]) => v);
    const { value, grads } = tf.variableGrads(() => {
      const terms = o.model.computeLosses(batch, this.rng);
      const entries = Object.entries(terms);
      if (entries.length === 0) throw new ConfigError('computeLosses', 'returned no loss terms');
      for (const [name, t] of entries) kept.push([name, tf.keep(t)]);
      return tf.addN(entries.map(([, t]) => t)) as tf.Scalar;
    }, vars);
    const byName = new Map<string, tf.Tensor>();
    const nameOf = new Map(this.params.map(([n, v]) => [v.name, n]));
    for (const [varName, g] of Object.entries(grads)) byName.set(nameOf.get(varName) as string, g);
    const losses: Record<string, number> = {};
    try {
      for (const [name, t] of kept) {
        const v = t.dataSync()[0];
        if (!Number.isFinite(v)) throw new NonFiniteLossError(name, v, this.iterationValue);
        losses[name] = v;
      }
      return { losses, gradientNorm: this.applyGradients(byName, lr) };
    } finally {
      value.dispose();
      for (const [, t] of kept) t.dispose();
      for (const g of byName.values()) g.dispose();
    }
  }
}
