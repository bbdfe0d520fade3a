import { ResNet, type ResNetConfig } from '@rcnn/backbones';
import {
  ConfigError,
  Linear,
  moduleStateDict,
  normalizeImage,
  SeededRandom,
  type StateDict,
} from '@rcnn/core';
import type { DetectionRecord } from '@rcnn/data';
import * as tf from '@tensorflow/tfjs-core';
import { IMAGENET_MEAN, IMAGENET_STD } from '../config/factories';
import { AdamW } from '../training/adamW';
import { NonFiniteLossError } from '../training/nonFiniteLossError';
import { type ObjectCropOptions, ObjectCropSampler } from './objectCrops';

/** Progress of {@link pretrainTrunk}, reported every iteration. */
export interface TrunkPretrainingProgress {
  readonly iteration: number;
  readonly maxIterations: number;
  /** Cross-entropy of this batch. */
  readonly loss: number;
  /** Fraction of this batch's crops classified right. */
  readonly accuracy: number;
  readonly learningRate: number;
  readonly iterationsPerSecond: number;
}

/** Options of {@link pretrainTrunk}. */
export interface TrunkPretrainingOptions {
  /**
   * The trunk to pretrain (depth, width, groups…). It is built with trainable BatchNorm and all
   * four stages whatever `norm`/`frozenStages` say; detectors then load it with their own norm.
   */
  readonly resnet: ResNetConfig;
  /** Object classes (1..numClasses in the records); the classifier adds background as class 0. */
  readonly numClasses: number;
  /** Where crops come from (a detection dataset's training split). */
  readonly records: readonly DetectionRecord[];
  /** Held-out records: the result reports crop accuracy on them. */
  readonly validationRecords?: readonly DetectionRecord[];
  readonly iterations: number;
  /** Crops per iteration. Default 64. */
  readonly batchSize?: number;
  /** AdamW peak rate. Default 2e-3. */
  readonly learningRate?: number;
  /** AdamW decoupled weight decay. Default 5e-4. */
  readonly weightDecay?: number;
  /** Linear warm-up, then cosine decay to zero. Default min(100, iterations / 10). */
  readonly warmupIterations?: number;
  /** Normalisation, in pixel units (0..255); must match the detectors'. Default ImageNet's. */
  readonly imageMean?: readonly number[];
  readonly imageStd?: readonly number[];
  readonly crops?: ObjectCropOptions;
  /** Seeds the classifier's initialisation, crop sampling and order. Default 0. */
  readonly seed?: number;
  readonly onProgress?: (p: TrunkPretrainingProgress) => void;
  /** Polled every iteration; true ends training early (the result says how far it got). */
  readonly shouldStop?: () => boolean;
}

/** One point of the pretraining curve. */
export interface TrunkPretrainingPoint {
  readonly iteration: number;
  readonly loss: number;
  readonly accuracy: number;
}

/** What {@link pretrainTrunk} returns. */
export interface TrunkPretrainingResult {
  /**
   * The trained classifier as a torchvision classification state dict (`conv1.*`, `bn1.*`,
   * `layer1.*` … `layer4.*`, `fc.*`, PyTorch layout): `loadTorchvisionWeights` and
   * {@link loadPretrainedTrunk} take it as they take ImageNet weights.
   */
  readonly stateDict: StateDict;
  readonly iterations: number;
  /** True when `shouldStop` ended training before `iterations`. */
  readonly stopped: boolean;
  readonly seconds: number;
  /** Loss and accuracy, averaged over windows of about 1/50 of the run. */
  readonly history: readonly TrunkPretrainingPoint[];
  /** Crop accuracy (inference-mode BatchNorm) on `validationRecords`, when given. */
  readonly validationAccuracy: number | null;
  /** Objects crops were drawn from. */
  readonly objects: number;
}

const VALIDATION_CROPS = 512;

/** `[n,s,s,3]` crops (0..255) as a normalised tensor. */
function normalise(
  pixels: Float32Array,
  n: number,
  s: number,
  mean: readonly number[],
  std: readonly number[],
) {
  return tf.tidy(() => normalizeImage(tf.tensor4d(pixels, [n, s, s, 3]), mean, std));
}

/**
 * Pretrain a ResNet / ResNeXt trunk as a crop classifier over a detection dataset's objects and
 * background, the counterpart here of the ImageNet initialisation every detector of the Mask R-CNN
 * paper starts from (no download needed: the crops come from the training split). The network is
 * the trunk, global average pooling and one fully connected layer, trained with BatchNorm on
 * batch statistics, softmax cross-entropy and AdamW. Detectors then fine-tune from it with
 * BatchNorm frozen at the learned statistics, as the paper fine-tunes ImageNet models. Leaves no
 * tensors behind.
 */
export async function pretrainTrunk(options: TrunkPretrainingOptions): Promise<TrunkPretrainingResult> {
  const iterations = options.iterations;
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new ConfigError('iterations', `must be a positive integer, got ${iterations}`);
  if (!Number.isInteger(options.numClasses) || options.numClasses < 1)
    throw new ConfigError('numClasses', `must be a positive integer, got ${options.numClasses}`);
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 2)
    throw new ConfigError('batchSize', `must be an integer >= 2 (BatchNorm needs a batch), got ${batchSize}`);
  const lr = options.learningRate ?? 2e-3;
  if (!(lr > 0)) throw new ConfigError('learningRate', `must be positive, got ${lr}`);
  const warmup = options.warmupIterations ?? Math.min(100, Math.floor(iterations / 10));
  if (!Number.isInteger(warmup) || warmup < 0 || warmup >= iterations)
    throw new ConfigError('warmupIterations', `must be an integer in [0, iterations), got ${warmup}`);
  const mean = options.imageMean ?? IMAGENET_MEAN;
  const std = options.imageStd ?? IMAGENET_STD;
  const seed = options.seed ?? 0;
  for (const [i, r] of options.records.entries()) {
    for (const c of r.classIds) {
      if (c < 1 || c > options.numClasses)
        throw new ConfigError(
          'numClasses',
          `records[${i}] has class id ${c}, outside 1..${options.numClasses}`,
        );
    }
  }

  const sampler = new ObjectCropSampler(options.records, options.crops, seed);
  const trunk = new ResNet({ ...options.resnet, norm: 'batch', frozenStages: 0, seed }, 4);
  const channels = trunk.channels.res5 as number;
  const fc = new Linear({
    inFeatures: channels,
    outFeatures: options.numClasses + 1,
    rng: new SeededRandom(seed).fork(1),
  });
  const params: Array<[string, tf.Variable]> = [
    ...trunk.namedParameters().filter(([, v]) => v.trainable),
    ...fc.namedParameters('fc.'),
  ];
  const optimizer = new AdamW(params, { weightDecay: options.weightDecay ?? 5e-4 });
  const nameOf = new Map(params.map(([n, v]) => [v.name, n]));
  const logits = (x: tf.Tensor4D, training: boolean): tf.Tensor2D =>
    tf.tidy(() => {
      const { res5 } = trunk.apply(x, training, ['res5']);
      return fc.apply(tf.mean(res5 as tf.Tensor4D, [1, 2]) as tf.Tensor2D);
    });

  const history: TrunkPretrainingPoint[] = [];
  const window = Math.max(1, Math.floor(iterations / 50));
  let sumLoss = 0;
  let sumAccuracy = 0;
  let inWindow = 0;
  const start = performance.now();
  let done = 0;
  let stopped = false;
  try {
    for (let it = 1; it <= iterations; it++) {
      if (options.shouldStop?.()) {
        stopped = true;
        break;
      }
      const rate =
        it <= warmup
          ? (lr * it) / (warmup + 1)
          : 0.5 * lr * (1 + Math.cos((Math.PI * (it - warmup)) / (iterations - warmup + 1)));
      const batch = sampler.sample(batchSize);
      const x = normalise(batch.pixels, batchSize, batch.size, mean, std);
      const labels = tf.tensor1d(batch.labels, 'int32');
      let correct = 0;
      const { value, grads } = tf.variableGrads(
        () => {
          const z = logits(x, true);
          correct = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), labels), 'int32')).dataSync()[0]);
          const oneHot = tf.oneHot(labels, options.numClasses + 1);
          return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(z)), 1))) as tf.Scalar;
        },
        params.map(([, v]) => v),
      );
      const loss = value.dataSync()[0];
      value.dispose();
      x.dispose();
      labels.dispose();
      if (!Number.isFinite(loss)) {
        for (const g of Object.values(grads)) g.dispose();
        throw new NonFiniteLossError('lossClassifier', loss, it);
      }
      const byName = new Map<string, tf.Tensor>();
      for (const [k, g] of Object.entries(grads)) byName.set(nameOf.get(k) as string, g);
      optimizer.step(byName, rate);
      for (const g of byName.values()) g.dispose();
      done = it;
      const accuracy = correct / batchSize;
      sumLoss += loss;
      sumAccuracy += accuracy;
      inWindow++;
      if (it % window === 0 || it === iterations) {
        history.push({ iteration: it, loss: sumLoss / inWindow, accuracy: sumAccuracy / inWindow });
        sumLoss = 0;
        sumAccuracy = 0;
        inWindow = 0;
      }
      options.onProgress?.({
        iteration: it,
        maxIterations: iterations,
        loss,
        accuracy,
        learningRate: rate,
        iterationsPerSecond: it / ((performance.now() - start) / 1000),
      });
      // Let progress and stop messages through.
      await new Promise((r) => setImmediate(r));
    }
    const seconds = (performance.now() - start) / 1000;

    let validationAccuracy: number | null = null;
    if (options.validationRecords && options.validationRecords.length > 0) {
      const held = new ObjectCropSampler(
        options.validationRecords,
        { ...options.crops, flip: false },
        seed + 1,
      );
      let correct = 0;
      for (let done2 = 0; done2 < VALIDATION_CROPS; done2 += batchSize) {
        const n = Math.min(batchSize, VALIDATION_CROPS - done2);
        const batch = held.sample(n);
        correct += tf.tidy(() => {
          const z = logits(normalise(batch.pixels, n, batch.size, mean, std), false);
          const right = tf.equal(tf.argMax(z, 1), tf.tensor1d(batch.labels, 'int32'));
          return tf.sum(tf.cast(right, 'int32')).dataSync()[0];
        });
      }
      validationAccuracy = correct / VALIDATION_CROPS;
    }

    const stateDict = moduleStateDict(trunk);
    for (const [k, v] of moduleStateDict(fc)) stateDict.set(`fc.${k}`, v);
    return {
      stateDict,
      iterations: done,
      stopped,
      seconds,
      history,
      validationAccuracy,
      objects: sampler.objectCount,
    };
  } finally {
    optimizer.dispose();
    trunk.dispose();
    fc.dispose();
  }
}
