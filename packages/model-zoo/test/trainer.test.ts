import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { ConfigError, Linear, Module, SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BatchSource,
  clipGradientsByNorm,
  learningRateAt,
  NonFiniteLossError,
  readTrainingCheckpoint,
  SgdMomentum,
  type TrainableModel,
  Trainer,
} from '../src/index';
import { AdamW } from '../src/training/adamW';

/** y = x·W + b regression on seeded batches; the loss carries two named terms. */
class Regressor extends Module implements TrainableModel<Float32Array> {
  readonly fc: Linear;
  readonly module = this;
  scale = 1;
  constructor(seed: number) {
    super();
    this.fc = this.addModule(
      'fc',
      new Linear({ inFeatures: 3, outFeatures: 2, rng: new SeededRandom(seed) }),
    );
  }
  computeLosses(batch: Float32Array, rng: SeededRandom): Record<string, tf.Scalar> {
    const n = batch.length / 5;
    const x = tf.tensor2d(batch.subarray(0, n * 3), [n, 3]);
    const y = tf.tensor2d(batch.subarray(n * 3), [n, 2]);
    const pred = this.fc.apply(x);
    // The generator is consumed like a sampler would, so resume must restore it.
    const w = rng.uniform(0.5, 1.5);
    return {
      lossFit: tf.mul(tf.mean(tf.square(tf.sub(pred, y))), w * this.scale) as tf.Scalar,
      lossSmall: tf.mul(tf.sum(tf.abs(pred)), 1e-3) as tf.Scalar,
    };
  }
}

function source(state: unknown): BatchSource<Float32Array> {
  let position = (state as { position: number } | undefined)?.position ?? 0;
  return {
    get state() {
      return { position };
    },
    async next() {
      const rng = new SeededRandom(1000 + position++);
      const n = 4;
      const out = new Float32Array(n * 5);
      for (let i = 0; i < n; i++) {
        const x = [rng.normal(), rng.normal(), rng.normal()];
        out.set(x, i * 3);
        out[n * 3 + i * 2] = 2 * x[0] - x[1] + 0.5;
        out[n * 3 + i * 2 + 1] = x[2] - 1;
      }
      return out;
    },
  };
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rcnn-trainer-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const schedule = { baseLearningRate: 0.05, warmupIterations: 3, milestones: [12], gamma: 0.5 };

describe('learning rate and optimizer', () => {
  it('follows linear warm-up then step decay', async () => {
    await initBackend({ backend: 'cpu' });
    const s = { baseLearningRate: 0.02, warmupIterations: 10, warmupFactor: 0.001, milestones: [20, 30] };
    expect(learningRateAt(s, 0)).toBeCloseTo(0.02 * 0.001, 12);
    expect(learningRateAt(s, 5)).toBeCloseTo(0.02 * (0.001 + 0.999 * 0.5), 12);
    expect(learningRateAt(s, 10)).toBeCloseTo(0.02, 12);
    expect(learningRateAt(s, 20)).toBeCloseTo(0.002, 12);
    expect(learningRateAt(s, 31)).toBeCloseTo(0.0002, 12);
    const model = new Regressor(1);
    expect(() => new Trainer({ ...baseOptions(model), schedule: { baseLearningRate: -1 } })).toThrow(
      ConfigError,
    );
    expect(() => new Trainer({ ...baseOptions(model), maxIterations: 1.5 })).toThrow(/maxIterations/);
    model.dispose();
  });

  it.each(['cpu', 'wasm'])('SGD matches a float64 loop of torch.optim.SGD on %s', async (backend) => {
    await initBackend({ backend });
    const p = tf.variable(tf.tensor1d([1, -2, 3]));
    const opt = new SgdMomentum([['p', p]], { momentum: 0.9, weightDecay: 0.1 });
    const ref = [1, -2, 3];
    const buf = [0, 0, 0];
    const grads = [
      [0.5, -1, 2],
      [1, 1, -1],
      [-0.25, 0, 3],
    ];
    const apply = (g: number[], step: number) => {
      const gt = tf.tensor1d(g);
      opt.step(new Map([['p', gt]]), 0.1);
      gt.dispose();
      for (let i = 0; i < 3; i++) {
        const d = g[i] + 0.1 * ref[i];
        buf[i] = step === 0 ? d : 0.9 * buf[i] + d;
        ref[i] -= 0.1 * buf[i];
      }
    };
    // the first step creates the momentum buffer; later ones must not add tensors
    apply(grads[0], 0);
    await expectNoLeaks(() => {
      apply(grads[1], 1);
      apply(grads[2], 2);
    }, 'sgd steps after the first');
    const got = p.dataSync();
    for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(ref[i], 5);
    opt.dispose();
    p.dispose();
  });

  it.each(['cpu', 'wasm'])('AdamW matches a float64 loop of torch.optim.AdamW on %s', async (backend) => {
    await initBackend({ backend });
    const p = tf.variable(tf.tensor1d([1, -2, 3]));
    const opt = new AdamW([['p', p]], { beta1: 0.8, beta2: 0.95, eps: 1e-3, weightDecay: 0.1 });
    const ref = [1, -2, 3];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    const grads = [
      [0.5, -1, 2],
      [1, 1, -1],
      [-0.25, 0, 3],
    ];
    const lr = 0.05;
    const apply = (g: number[], t: number) => {
      const gt = tf.tensor1d(g);
      opt.step(new Map([['p', gt]]), lr);
      gt.dispose();
      for (let i = 0; i < 3; i++) {
        ref[i] *= 1 - lr * 0.1;
        m[i] = 0.8 * m[i] + 0.2 * g[i];
        v[i] = 0.95 * v[i] + 0.05 * g[i] * g[i];
        const mHat = m[i] / (1 - 0.8 ** t);
        const vHat = v[i] / (1 - 0.95 ** t);
        ref[i] -= (lr * mHat) / (Math.sqrt(vHat) + 1e-3);
      }
    };
    apply(grads[0], 1);
    await expectNoLeaks(() => {
      apply(grads[1], 2);
      apply(grads[2], 3);
    }, 'adamw steps after the first');
    const got = p.dataSync();
    for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(ref[i], 5);
    expect(opt.stepCount).toBe(3);
    // The state round-trips: a second optimizer restored from it takes the same next step.
    const q = tf.variable(tf.tensor1d(Array.from(got)));
    const restored = new AdamW([['p', q]], { beta1: 0.8, beta2: 0.95, eps: 1e-3, weightDecay: 0.1 });
    const state = opt.momentumState();
    expect([...state.keys()].sort()).toEqual(['exp_avg.p', 'exp_avg_sq.p', 'step']);
    restored.setMomentumState(state);
    tf.dispose([...state.values()]);
    const g = tf.tensor1d([0.3, -0.7, 0.1]);
    opt.step(new Map([['p', g]]), lr);
    restored.step(new Map([['p', g]]), lr);
    expect(Array.from(q.dataSync())).toEqual(Array.from(p.dataSync()));
    expect(() => restored.setMomentumState(new Map([['exp_avg.other', g]]))).toThrow(/exp_avg\.other/);
    expect(() => new AdamW([['p', p]], { beta2: 1 })).toThrow(/beta2/);
    g.dispose();
    for (const o of [opt, restored]) o.dispose();
    tf.dispose([p, q]);
  });

  it('clips the global norm like clip_grad_norm_', async () => {
    await initBackend({ backend: 'cpu' });
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor1d([0, 4]);
    const { grads, norm } = clipGradientsByNorm(
      new Map([
        ['a', a],
        ['b', b],
      ]),
      1,
    );
    expect(norm).toBeCloseTo(5, 6);
    expect(grads.get('a')?.dataSync()[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
    expect(grads.get('b')?.dataSync()[1]).toBeCloseTo(4 / (5 + 1e-6), 6);
    tf.dispose([a, b, ...grads.values()]);
  });
});

function baseOptions(
  model: Regressor,
  extra: Partial<ConstructorParameters<typeof Trainer<Float32Array>>[0]> = {},
) {
  return {
    model,
    createSource: source,
    config: { kind: 'regressor' },
    schedule,
    maxIterations: 20,
    seed: 7,
    ...extra,
  };
}

describe.each(['cpu', 'wasm'])('Trainer on %s', (backend) => {
  it('lowers the loss, reports progress and leaks no tensors over many iterations', async () => {
    await initBackend({ backend });
    const model = new Regressor(1);
    const reports: number[] = [];
    const trainer = new Trainer(
      baseOptions(model, {
        maxIterations: 40,
        onProgress: (p) => {
          reports.push(p.losses.lossFit);
          expect(p.iterationsPerSecond).toBeGreaterThan(0);
          expect(Number.isFinite(p.etaSeconds)).toBe(true);
        },
      }),
    );
    // warm up once so the first momentum buffers exist, then count tensors over the rest.
    await trainer.run();
    expect(reports.length).toBe(40);
    expect(reports[39]).toBeLessThan(reports[0] * 0.2);
    const more = new Trainer(baseOptions(model, { maxIterations: 30, clipGradientNorm: 1 }));
    const first = await more.run();
    expect(first.iteration).toBe(30);
    const before = tf.memory().numTensors;
    const again = new Trainer(baseOptions(model, { maxIterations: 30, clipGradientNorm: 1 }));
    await again.run();
    // only the new optimizer's momentum buffers remain
    expect(tf.memory().numTensors - before).toBe(model.trainableVariables().length);
    again.dispose();
    more.dispose();
    trainer.dispose();
    model.dispose();
  });

  it('resumes exactly from an atomic checkpoint written on SIGINT', async () => {
    await initBackend({ backend });
    const dir = tempDir();
    const straight = new Regressor(3);
    const t1 = new Trainer(baseOptions(straight));
    await t1.run();
    const expected = straight.fc.weight.dataSync().slice();

    const path = join(dir, 'ckpt.safetensors');
    const resumed = new Regressor(3);
    const sigintListeners = process.listenerCount('SIGINT');
    const t2 = new Trainer(
      baseOptions(resumed, {
        checkpointPath: path,
        checkpointEvery: 4,
        onProgress: (p) => {
          // an interrupt (Ctrl-C) checkpoints and stops after the current iteration
          if (p.iteration === 9) process.emit('SIGINT');
        },
      }),
    );
    const partial = await t2.run();
    expect(partial).toMatchObject({ iteration: 9, interrupted: true });
    expect(readdirSync(dir)).toEqual(['ckpt.safetensors']);
    const ckpt = await readTrainingCheckpoint(path);
    expect(ckpt.training?.iteration).toBe(9);
    expect(ckpt.config).toEqual({ kind: 'regressor' });
    expect(ckpt.momentum.size).toBe(2);

    // a fresh process: new model with other initial weights, restored from the file
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
    const fresh = new Regressor(99);
    const t3 = new Trainer(baseOptions(fresh, { checkpointPath: path }));
    const done = await t3.run();
    expect(done).toMatchObject({ iteration: 20, interrupted: false });
    const got = fresh.fc.weight.dataSync();
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i], 5);
    for (const t of [t1, t2, t3]) t.dispose();
    for (const m of [straight, resumed, fresh]) m.dispose();
  });

  it('resumes AdamW training exactly from a checkpoint', async () => {
    await initBackend({ backend });
    const dir = tempDir();
    const adam = { optimizer: 'adamw' as const, schedule: { baseLearningRate: 0.01 } };
    const straight = new Regressor(3);
    const t1 = new Trainer(baseOptions(straight, adam));
    await t1.run();
    const path = join(dir, 'adam.safetensors');
    const resumed = new Regressor(3);
    const t2 = new Trainer(
      baseOptions(resumed, {
        ...adam,
        checkpointPath: path,
        handleInterrupt: false,
        onProgress: (p) => {
          if (p.iteration === 7) t2.stop();
        },
      }),
    );
    expect(await t2.run()).toMatchObject({ iteration: 7, interrupted: true });
    const fresh = new Regressor(99);
    const t3 = new Trainer(baseOptions(fresh, { ...adam, checkpointPath: path }));
    expect(await t3.run()).toMatchObject({ iteration: 20, interrupted: false });
    const want = straight.fc.weight.dataSync();
    const got = fresh.fc.weight.dataSync();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
    for (const t of [t1, t2, t3]) t.dispose();
    for (const m of [straight, resumed, fresh]) m.dispose();
  });

  it('stop() ends a run early', async () => {
    await initBackend({ backend });
    const model = new Regressor(4);
    const t = new Trainer(baseOptions(model, { onProgress: (p) => p.iteration === 3 && t.stop() }));
    expect(await t.run()).toMatchObject({ iteration: 3, interrupted: true });
    t.dispose();
    model.dispose();
  });

  it('stops with an error naming the non-finite loss term, before updating', async () => {
    await initBackend({ backend });
    const model = new Regressor(5);
    model.scale = Number.NaN;
    const before = model.fc.weight.dataSync().slice();
    const trainer = new Trainer(baseOptions(model));
    const err = await trainer.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as NonFiniteLossError).term).toBe('lossFit');
    expect((err as Error).message).toMatch(/lossFit.*NaN.*iteration 0/);
    expect(Array.from(model.fc.weight.dataSync())).toEqual(Array.from(before));
    trainer.dispose();
    model.dispose();
  });
});
