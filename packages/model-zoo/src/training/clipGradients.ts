import * as tf from '@tensorflow/tfjs-core';

/**
 * Scale gradients so that their global L2 norm is at most `maxNorm`, as
 * `torch.nn.utils.clip_grad_norm_` (factor `maxNorm / (norm + 1e-6)`, applied only when below 1).
 * Returns the new gradients (the caller disposes both maps) and the norm before clipping.
 */
export function clipGradientsByNorm(
  grads: ReadonlyMap<string, tf.Tensor>,
  maxNorm: number,
): { grads: Map<string, tf.Tensor>; norm: number } {
  const norm = globalNorm(grads);
  const factor = maxNorm / (norm + 1e-6);
  const out = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) out.set(name, factor < 1 ? tf.mul(g, factor) : tf.clone(g));
  return { grads: out, norm };
}

/** Global L2 norm of a set of gradients. */
export function globalNorm(grads: ReadonlyMap<string, tf.Tensor>): number {
  if (grads.size === 0) return 0;
  const sq = tf.tidy(() => tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
  const value = Math.sqrt(sq.dataSync()[0]);
  sq.dispose();
  return value;
}
