import { ConfigError, InputError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link SgdMomentum}; names and semantics follow `torch.optim.SGD`. */
export interface SgdOptions {
  /** Momentum factor. Default 0.9 (the Mask R-CNN recipe). */
  readonly momentum?: number;
  /** L2 penalty added to each gradient as `weightDecay · param`. Default 1e-4. */
  readonly weightDecay?: number;
}

/**
 * Stochastic gradient descent with momentum and weight decay, exactly `torch.optim.SGD`
 * (dampening 0, no Nesterov): `g ← grad + wd·p; buf ← momentum·buf + g` (`buf ← g` on the first
 * step), `p ← p − lr·buf`. The momentum buffers are named after the parameters so that a
 * checkpoint can store and restore them.
 */
export class SgdMomentum {
  readonly momentum: number;
  readonly weightDecay: number;
  private readonly params: ReadonlyMap<string, tf.Variable>;
  private readonly buffers = new Map<string, tf.Variable>();

  /** @param params trainable parameters by name (e.g. `Module.namedParameters()`, trainable ones). */
  constructor(params: ReadonlyArray<readonly [string, tf.Variable]>, options: SgdOptions = {}) {
    this.momentum = options.momentum ?? 0.9;
    this.weightDecay = options.weightDecay ?? 1e-4;
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw new ConfigError('momentum', `expected a value in [0, 1), got ${this.momentum}`);
    }
    if (!(this.weightDecay >= 0))
      throw new ConfigError('weightDecay', `expected >= 0, got ${this.weightDecay}`);
    this.params = new Map(params);
  }

  /** Names of the parameters this optimizer updates. */
  get parameterNames(): string[] {
    return [...this.params.keys()];
  }

  /**
   * Apply one update. `grads` maps parameter names to gradients (as `tf.variableGrads` returns
   * them keyed by variable name, re-keyed by the caller); parameters without a gradient are left
   * alone. The gradients are not disposed.
   */
  step(grads: ReadonlyMap<string, tf.Tensor>, learningRate: number): void {
    if (!Number.isFinite(learningRate) || learningRate < 0) {
      throw new ConfigError('learningRate', `expected a finite value >= 0, got ${learningRate}`);
    }
    for (const [name, grad] of grads) {
      const param = this.params.get(name);
      if (param === undefined) throw new InputError(`grads.${name}`, 'is not a parameter of this optimizer');
      tf.tidy(() => {
        const g = this.weightDecay > 0 ? tf.add(grad, tf.mul(param, this.weightDecay)) : grad;
        let update: tf.Tensor = g;
        if (this.momentum > 0) {
          const buf = this.buffers.get(name);
          if (buf === undefined) {
            this.buffers.set(name, tf.variable(g, false));
            update = g;
          } else {
            update = tf.add(tf.mul(buf, this.momentum), g);
            buf.assign(update);
          }
        }
        param.assign(tf.sub(param, tf.mul(update, learningRate)));
      });
    }
  }

  /** Copies of the momentum buffers by parameter name (the caller disposes them). */
  momentumState(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, buf] of this.buffers) out.set(name, tf.clone(buf));
    return out;
  }

  /** Replace the momentum buffers (copied; `state` stays the caller's). Unknown names throw. */
  setMomentumState(state: ReadonlyMap<string, tf.Tensor>): void {
    for (const [name, value] of state) {
      const param = this.params.get(name);
      if (param === undefined)
        throw new InputError(`momentum.${name}`, 'is not a parameter of this optimizer');
      if (value.size !== param.size) {
        throw new InputError(`momentum.${name}`, `has ${value.size} values, the parameter ${param.size}`);
      }
      const existing = this.buffers.get(name);
      const reshaped = tf.tidy(() => tf.reshape(value, param.shape));
      if (existing) {
        existing.assign(reshaped);
        reshaped.dispose();
      } else {
        this.buffers.set(name, tf.variable(reshaped, false));
        reshaped.dispose();
      }
    }
  }

  /** Free the momentum buffers. */
  dispose(): void {
    for (const buf of this.buffers.values()) buf.dispose();
    this.buffers.clear();
  }
}
