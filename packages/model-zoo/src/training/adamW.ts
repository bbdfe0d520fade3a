import { ConfigError, InputError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link AdamW}; names and semantics follow `torch.optim.AdamW`. */
export interface AdamWOptions {
  /** Decay of the first-moment average. Default 0.9. */
  readonly beta1?: number;
  /** Decay of the second-moment average. Default 0.999. */
  readonly beta2?: number;
  /** Added to the denominator. Default 1e-8. */
  readonly eps?: number;
  /** Decoupled weight decay: `p ← p − lr·wd·p` before the Adam step. Default 1e-4. */
  readonly weightDecay?: number;
}

/** Names of AdamW's state tensors in {@link AdamW.momentumState}. */
const EXP_AVG = 'exp_avg.';
const EXP_AVG_SQ = 'exp_avg_sq.';
const STEP = 'step';

/**
 * Adam with decoupled weight decay, exactly `torch.optim.AdamW` (no amsgrad): with step count
 * `t`, `p ← p·(1 − lr·wd)`, `m ← β1·m + (1−β1)·g`, `v ← β2·v + (1−β2)·g²`,
 * `p ← p − lr·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + eps)`. Adaptive steps make early training of
 * randomly initialised detectors far less sensitive to the learning rate and to the very
 * different gradient scales of backbone and heads. Its state (`exp_avg.<name>`,
 * `exp_avg_sq.<name>`, `step`) goes through the same checkpoint slots as SGD's momentum.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly params: ReadonlyMap<string, tf.Variable>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private steps = 0;

  /** @param params trainable parameters by name (e.g. `Module.namedParameters()`, trainable ones). */
  constructor(params: ReadonlyArray<readonly [string, tf.Variable]>, options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 1e-4;
    for (const [name, b] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new ConfigError(name, `expected a value in [0, 1), got ${b}`);
    }
    if (!(this.eps > 0)) throw new ConfigError('eps', `expected a positive number, got ${this.eps}`);
    if (!(this.weightDecay >= 0))
      throw new ConfigError('weightDecay', `expected >= 0, got ${this.weightDecay}`);
    this.params = new Map(params);
  }

  /** Names of the parameters this optimizer updates. */
  get parameterNames(): string[] {
    return [...this.params.keys()];
  }

  /** Steps taken so far (the `t` of the bias corrections). */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * One AdamW update of every parameter in `grads` (by name, same shape as the parameter);
   * parameters without a gradient are left alone. Does not dispose `grads`.
   */
  step(grads: ReadonlyMap<string, tf.Tensor>, learningRate: number): void {
    if (!Number.isFinite(learningRate) || learningRate < 0) {
      throw new ConfigError('learningRate', `expected a finite value >= 0, got ${learningRate}`);
    }
    for (const name of grads.keys()) {
      if (!this.params.has(name))
        throw new InputError(`grads.${name}`, 'is not a parameter of this optimizer');
    }
    this.steps++;
    const c1 = 1 - this.beta1 ** this.steps;
    const c2 = 1 - this.beta2 ** this.steps;
    for (const [name, grad] of grads) {
      const param = this.params.get(name) as tf.Variable;
      tf.tidy(() => {
        let m = this.m.get(name);
        let v = this.v.get(name);
        if (m === undefined || v === undefined) {
          m = tf.variable(tf.zerosLike(param), false);
          v = tf.variable(tf.zerosLike(param), false);
          this.m.set(name, m);
          this.v.set(name, v);
        }
        const g = tf.reshape(grad, param.shape);
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const decayed = this.weightDecay > 0 ? tf.mul(param, 1 - learningRate * this.weightDecay) : param;
        const denom = tf.add(tf.sqrt(tf.div(v, c2)), this.eps);
        param.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), learningRate / c1)));
      });
    }
  }

  /** Copies of the state (`exp_avg.<name>`, `exp_avg_sq.<name>`, `step` as `[1]`); the caller disposes them. */
  momentumState(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, t] of this.m) out.set(EXP_AVG + name, tf.clone(t));
    for (const [name, t] of this.v) out.set(EXP_AVG_SQ + name, tf.clone(t));
    out.set(STEP, tf.tensor1d([this.steps]));
    return out;
  }

  /** Restore state saved by {@link AdamW.momentumState} (values are copied). */
  setMomentumState(state: ReadonlyMap<string, tf.Tensor>): void {
    for (const [key, value] of state) {
      if (key === STEP) {
        this.steps = value.dataSync()[0];
        continue;
      }
      const first = key.startsWith(EXP_AVG);
      const second = key.startsWith(EXP_AVG_SQ);
      const name = second ? key.slice(EXP_AVG_SQ.length) : first ? key.slice(EXP_AVG.length) : key;
      const param = this.params.get(name);
      if ((!first && !second) || param === undefined)
        throw new InputError(`momentum.${key}`, 'is not state of this AdamW optimizer');
      if (value.size !== param.size) {
        throw new InputError(`momentum.${key}`, `has ${value.size} values, the parameter ${param.size}`);
      }
      const store = second ? this.v : this.m;
      const reshaped = tf.tidy(() => tf.reshape(value, param.shape));
      const existing = store.get(name);
      if (existing) existing.assign(reshaped);
      else store.set(name, tf.variable(reshaped, false));
      reshaped.dispose();
    }
  }

  /** Free the state. */
  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
