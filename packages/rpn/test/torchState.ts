import type { Module, NamedTensor } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';

/** A state-dict entry as the fixture scripts write it: torch layout, row-major values. */
export interface TorchTensor {
  shape: number[];
  data: number[];
}

/** Convert one torch-layout tensor to this project's layout for `layout`. */
export function fromTorchLayout(t: TorchTensor, layout: NamedTensor['layout']): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.tensor(t.data, t.shape);
    switch (layout) {
      case 'conv2d':
        return tf.transpose(x, [2, 3, 1, 0]);
      case 'convTranspose2d':
        return tf.transpose(x, [2, 3, 1, 0]);
      case 'linear':
        return tf.transpose(x, [1, 0]);
      default:
        return x;
    }
  });
}

/** Assign a torchvision state dict to `module` by name (test helper: the real importer lives in the model zoo). */
export function loadTorchState(module: Module, state: Record<string, TorchTensor>): void {
  const ours = module.namedTensors();
  const names = ours.map((t) => t.name).sort();
  const theirs = Object.keys(state).sort();
  if (JSON.stringify(names) !== JSON.stringify(theirs)) {
    throw new Error(`names differ: ours ${names.join(',')} vs torch ${theirs.join(',')}`);
  }
  for (const t of ours) {
    const v = fromTorchLayout(state[t.name], t.layout);
    t.variable.assign(v);
    v.dispose();
  }
}
