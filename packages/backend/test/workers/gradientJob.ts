import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/index';
import type { GradientJob, GradientResult } from '../../src/workers';

export interface ImageShard {
  images: Float32Array;
  targets: Float32Array;
  count: number;
}

export const imageShape: [number, number, number] = [6, 7, 3];
export const weightShapes = [
  [3, 3, 3, 4],
  [1, 1, 4, 2],
];

export async function setup(): Promise<void> {
  await initBackend({ backend: 'wasm' });
}

/** Mean-square loss of a two-conv model on a shard, and its gradients w.r.t. the weights. */
export function shardGradients(weights: Float32Array[], shard: ImageShard): GradientResult {
  return tf.tidy(() => {
    const ws = weights.map((w, i) => tf.tensor4d(w, weightShapes[i] as [number, number, number, number]));
    const x = tf.tensor4d(shard.images, [shard.count, imageShape[0], imageShape[1], imageShape[2]]);
    const target = tf.tensor4d(shard.targets, [shard.count, 3, 4, 2]);
    const loss = (a: tf.Tensor, b: tf.Tensor) =>
      tf.mean(
        tf.square(
          tf.sub(
            tf.conv2d(tf.relu(tf.conv2d(x, a as tf.Tensor4D, 2, 'same')), b as tf.Tensor4D, 1, 'same'),
            target,
          ),
        ),
      );
    const { value, grads } = tf.valueAndGrads(loss)(ws);
    return { loss: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

export default function run(job: GradientJob<ImageShard>): GradientResult {
  return shardGradients(job.weights, job.shard);
}
