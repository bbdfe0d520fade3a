// Worker side of the data-parallel ResNet-50-FPN step in engine.bench.ts: one shard's loss and gradients.
import { initBackend } from '@rcnn/backend';
import type { GradientJob, GradientResult } from '@rcnn/backend/workers';
import * as tf from '@tensorflow/tfjs-core';
import { type BenchModel, benchModel } from './benchModel.ts';

/** A shard of images, NHWC float32. */
export interface ImageShard {
  images: Float32Array;
  shape: [number, number, number, number];
}

let model: BenchModel;

export async function setup(): Promise<void> {
  // One native thread per worker (the default in workers); RCNN_ENGINE_NATIVE=0 keeps the wasm kernels.
  await initBackend({ backend: 'wasm', native: process.env.RCNN_ENGINE_NATIVE !== '0' });
  model = benchModel();
}

export default function run(job: GradientJob<ImageShard>): GradientResult {
  tf.tidy(() => {
    model.variables.forEach((v, i) => {
      v.assign(tf.tensor(job.weights[i], v.shape));
    });
  });
  const x = tf.tensor4d(job.shard.images, job.shard.shape);
  const { value, grads } = tf.variableGrads(() => model.loss(x), model.variables);
  const result = {
    loss: value.dataSync()[0],
    grads: model.variables.map((v) => grads[v.name].dataSync() as Float32Array),
  };
  tf.dispose([x, value, ...Object.values(grads)]);
  return result;
}
