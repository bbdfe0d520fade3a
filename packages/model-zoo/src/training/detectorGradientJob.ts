import { SeededRandom } from '@rcnn/core';
import type { DetectionRecord } from '@rcnn/data';
import * as tf from '@tensorflow/tfjs-core';
import type { DetectorConfig } from '../config/detectorConfig';
import { buildDetector } from '../detector/buildDetector';
import type { GeneralizedRcnn } from '../detector/generalizedRcnn';
import { initDetectorBackend } from '../initDetectorBackend';

/** One worker's share of a data-parallel step (see `DataParallelGradients`). */
export interface DetectorGradientJob {
  readonly backend: string;
  readonly config: DetectorConfig;
  /** Every parameter and buffer of the model, in `namedTensors()` order, our layout. */
  readonly tensors: readonly Float32Array[];
  readonly records: readonly DetectionRecord[];
  readonly seed: number;
}

/** Loss terms, gradients of the trainable parameters and the buffers after the step. */
export interface DetectorGradientResult {
  readonly losses: Record<string, number>;
  /** In the order of the trainable parameters among `namedTensors()`. */
  readonly grads: Float32Array[];
  /** In the order of the buffers among `namedTensors()`. */
  readonly buffers: Float32Array[];
}

let model: GeneralizedRcnn | null = null;
let modelKey = '';

/** Worker side: rebuild the detector once per config, load the sent weights, differentiate the losses. */
export default async function detectorGradients(job: DetectorGradientJob): Promise<DetectorGradientResult> {
  await initDetectorBackend({ backend: job.backend });
  const key = JSON.stringify(job.config);
  if (model === null || key !== modelKey) {
    model?.dispose();
    model = buildDetector(job.config);
    modelKey = key;
  }
  const named = model.namedTensors();
  if (named.length !== job.tensors.length) {
    throw new RangeError(`expected ${named.length} tensors, got ${job.tensors.length}`);
  }
  named.forEach((t, i) => {
    tf.tidy(() => t.variable.assign(tf.tensor(job.tensors[i], t.variable.shape)));
  });
  const trainable = named
    .filter((t) => t.kind === 'parameter' && t.variable.trainable)
    .map((t) => t.variable);
  const terms: Array<[string, tf.Scalar]> = [];
  const { value, grads } = tf.variableGrads(() => {
    const losses = (model as GeneralizedRcnn).losses(
      job.records as DetectionRecord[],
      new SeededRandom(job.seed),
    );
    for (const [k, v] of Object.entries(losses)) terms.push([k, tf.keep(v as tf.Scalar)]);
    return tf.addN(terms.map(([, v]) => v)) as tf.Scalar;
  }, trainable);
  const losses: Record<string, number> = {};
  for (const [k, v] of terms) losses[k] = v.dataSync()[0];
  const out = {
    losses,
    grads: trainable.map((v) => grads[v.name].dataSync().slice() as Float32Array),
    buffers: named
      .filter((t) => t.kind === 'buffer')
      .map((t) => t.variable.dataSync().slice() as Float32Array),
  };
  tf.dispose([value, ...Object.values(grads), ...terms.map(([, v]) => v)]);
  return out;
}
