import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';

/** Deterministic uniform [0, 1) numbers (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Largest |a[i] - b[i]|; throws when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export interface FixtureTensor {
  shape: number[];
  data: number[];
}

export interface SingleCase {
  name: string;
  op: 'align' | 'pool';
  spatialScale: number;
  outputSize: [number, number];
  samplingRatio: number;
  aligned: boolean;
  features: FixtureTensor;
  rois: FixtureTensor;
  output: FixtureTensor;
  dy: FixtureTensor;
  gradFeatures: FixtureTensor;
}

export interface Fixtures {
  source: string;
  cases: SingleCase[];
  multiLevel: {
    strides: number[];
    outputSize: [number, number];
    samplingRatio: number;
    features: FixtureTensor[];
    rois: FixtureTensor;
    levels: number[];
    output: FixtureTensor;
    dy: FixtureTensor;
    gradFeatures: FixtureTensor[];
  };
  levelMapper: { minLevel: number; maxLevel: number; rois: FixtureTensor; levels: number[] };
}

/** The torchvision fixtures written by tools/reference/roi_ops.py. */
export function loadFixtures(): Fixtures {
  return JSON.parse(readFileSync(new URL('../fixtures/roi_ops.json', import.meta.url), 'utf8')) as Fixtures;
}

/** A float32 tensor of a fixture. */
export function fixtureTensor(t: FixtureTensor): tf.Tensor {
  return tf.tensor(t.data, t.shape, 'float32');
}
