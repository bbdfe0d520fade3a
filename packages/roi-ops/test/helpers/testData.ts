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

/** Random NHWC features in [-1, 1), as float32 values held in a Float64Array. */
export function randomFeatures(shape: [number, number, number, number], seed: number): Float64Array {
  const rand = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: n }, () => Math.fround(rand() * 2 - 1));
}

/**
 * A `[R,5]` RoI table in input pixels for a `H`×`W` feature map at `scale`: random boxes inside,
 * across the border and outside, plus tiny, zero-size and whole-map ones. Values are float32.
 */
export function randomRois(
  count: number,
  H: number,
  W: number,
  scale: number,
  batch: number,
  seed: number,
): Float64Array {
  const rand = seededRandom(seed);
  const rows: number[][] = [
    [0, 0, 0, W, H],
    [batch - 1, 2.5, 2.5, 2.5, 2.5],
    [0, 1.3, 2.2, 1.5, 2.3],
    [batch - 1, -1.5, -0.7, W / 2, H / 3],
    [0, W - 2.2, H - 1.4, W + 3.1, H + 2.6],
    [batch - 1, W + 4, 1, W + 7, 3],
  ];
  while (rows.length < count) {
    const x1 = rand() * (W + 2) - 1;
    const y1 = rand() * (H + 2) - 1;
    rows.push([Math.floor(rand() * batch), x1, y1, x1 + rand() * W * 0.8, y1 + rand() * H * 0.8]);
  }
  return Float64Array.from(
    rows.slice(0, count).flatMap(([b, ...xy]) => [b, ...xy.map((v) => Math.fround(v / scale))]),
  );
}
