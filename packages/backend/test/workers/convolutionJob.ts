import { threadId } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/index';

export interface ConvolutionJob {
  seed: number;
  fail?: boolean;
}

export interface ConvolutionJobResult {
  seed: number;
  backend: string;
  threadId: number;
  gradientSum: number;
  numTensors: number;
}

export async function setup(): Promise<void> {
  await initBackend({ backend: 'wasm' });
}

/** The sum of a conv filter gradient on wasm: exercises this package's kernels inside a worker. */
export function gradientSum(seed: number): number {
  return tf.tidy(() => {
    const x = tf.randomNormal([1, 9, 9, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
    const g = tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, 2, 'same'))))(w);
    return tf.sum(g).dataSync()[0];
  });
}

export default function run(job: ConvolutionJob): ConvolutionJobResult {
  if (job.fail) throw new RangeError(`job with seed ${job.seed} was asked to fail`);
  return {
    seed: job.seed,
    backend: tf.getBackend(),
    threadId,
    gradientSum: gradientSum(job.seed),
    numTensors: tf.memory().numTensors,
  };
}
