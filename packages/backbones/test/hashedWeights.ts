/**
 * The weight rule of tools/reference/backbones.py, reproduced bit for bit: every tensor is a
 * function of its state-dict name and element index, so fixtures need not store weights.
 */
import { type Module, type StateDict, torchShapeOf } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';

function fnv1a(name: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(name)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** The hash of element `i` of tensor `h`, as 24 bits scaled to [0, 1). */
function hashAt(h: number, i: number): number {
  let x = (h ^ Math.imul(i, 0x9e3779b9)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x ^= x >>> 16;
  return (x >>> 8) / 16777216;
}

/** u in [0, 1) with 24 random bits, a function of (name, index). */
export function hashedUniform(name: string, n: number): Float64Array {
  const h = fnv1a(name);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = hashAt(h, i);
  return out;
}

function hashedValues(name: string, shape: number[], names: Set<string>): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const h = fnv1a(name);
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  const isBn = names.has(`${name.slice(0, name.length - leaf.length)}running_var`);
  const out = new Float32Array(n);
  let f: (v: number) => number;
  if (shape.length === 4) {
    const s = Math.sqrt(6 / (shape[1] * shape[2] * shape[3]));
    f = (v) => (2 * v - 1) * s;
  } else if (isBn && leaf === 'weight') f = (v) => 0.5 + 0.5 * v;
  else if (isBn && leaf === 'running_var') f = (v) => 0.5 + v;
  else f = (v) => (2 * v - 1) * 0.1;
  for (let i = 0; i < n; i++) out[i] = f(hashAt(h, i));
  return out;
}

/**
 * A PyTorch-layout state dict for `module`'s tensors, filled by the hash rule. `keyPrefix` is
 * prepended to the stored names (not hashed), `rename` maps our name to the file's name.
 */
export function hashedStateDict(
  module: Module,
  keyPrefix = '',
  rename: (name: string) => string = (n) => n,
): StateDict {
  const entries = module.namedTensors();
  const names = new Set(entries.map((e) => e.name));
  const sd: StateDict = new Map();
  for (const e of entries) {
    const shape = torchShapeOf(e.variable.shape, e.layout);
    sd.set(keyPrefix + rename(e.name), { dtype: 'F32', shape, data: hashedValues(e.name, shape, names) });
  }
  return sd;
}

/** The fixture input: NCHW hashed values in [-1, 1), returned as an NHWC tensor. */
export function hashedInput([n, c, h, w]: number[]): tf.Tensor4D {
  const u = hashedUniform('input', n * c * h * w);
  const data = Float32Array.from(u, (v) => 2 * v - 1);
  return tf.tidy(() => tf.transpose(tf.tensor4d(data, [n, c, h, w]), [0, 2, 3, 1]));
}
