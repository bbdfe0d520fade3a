import { ConfigError, InputError } from './errors';

/** Any array `shuffle` can permute in place. */
export type ShuffleArray<T> = T[] | Int32Array | Uint32Array | Float32Array | Float64Array | Uint8Array;

/** splitmix32: spreads a 32-bit seed into well-mixed state words. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function checkSeed(seed: number, option: string): number {
  if (!Number.isFinite(seed) || !Number.isInteger(seed)) {
    throw new ConfigError(option, `a seed must be a finite integer, got ${seed}`);
  }
  // Seeds beyond 32 bits fold their high part in, so 2**32 + 1 and 1 differ.
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return (seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d);
}

/**
 * A seeded pseudo-random generator (xoshiro128**, state seeded by splitmix32). Every stochastic
 * step in rcnn.ts (sampling, shuffling, augmentation, initialisation) takes one, so runs repeat
 * exactly for a seed. It is not the same stream as torch's generator: parity tests compare
 * statistics, or inject the indices, never raw random draws.
 */
export class SeededRandom {
  /** The seed this generator was created from (after folding to 32 bits). */
  readonly seed: number;
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.seed = checkSeed(seed, 'seed');
    let x = this.seed;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      words.push(splitmix32(x));
    }
    [this.s0, this.s1, this.s2, this.s3] = words;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  next(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform float in [low, high). */
  uniform(low = 0, high = 1): number {
    if (!(high >= low)) throw new ConfigError('high', `uniform needs high >= low, got [${low}, ${high})`);
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [low, high) (high exclusive), without modulo bias. */
  int(low: number, high: number): number {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new ConfigError('high', `int needs integers low < high, got [${low}, ${high})`);
    }
    const range = high - low;
    if (range > 4294967296) return low + Math.floor(this.next() * range);
    // Rejection sampling: draw from the largest multiple of `range` below 2**32.
    const limit = 4294967296 - (4294967296 % range);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return low + (x % range);
  }

  /** Normal deviate with the given mean and standard deviation (Box–Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal != null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Shuffle `array` in place (Fisher–Yates) and return it. */
  shuffle<A extends ShuffleArray<unknown>>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A uniformly chosen element of a non-empty array. */
  choice<T>(array: ArrayLike<T>): T {
    if (array.length === 0) throw new InputError('array', 'choice needs a non-empty array');
    return array[this.int(0, array.length)];
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  /**
   * `k` distinct indices drawn uniformly from 0..n-1, in random order (a partial Fisher–Yates;
   * same distribution as `torch.randperm(n)[:k]`).
   */
  sampleIndices(n: number, k: number): Int32Array {
    if (!Number.isInteger(n) || n < 0) throw new ConfigError('n', `must be a non-negative integer, got ${n}`);
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new ConfigError('k', `must be an integer in [0, ${n}], got ${k}`);
    }
    const pool = new Int32Array(n);
    for (let i = 0; i < n; i++) pool[i] = i;
    for (let i = 0; i < k; i++) {
      const j = this.int(i, n);
      const tmp = pool[i];
      pool[i] = pool[j];
      pool[j] = tmp;
    }
    return pool.slice(0, k);
  }

  /**
   * An independent generator for sub-stream `stream` (e.g. one per image or per worker). It
   * depends only on this generator's seed and `stream`, not on how many numbers were drawn, so
   * forks are reproducible whatever order the work runs in.
   */
  fork(stream: number): SeededRandom {
    const s = checkSeed(stream, 'stream');
    return new SeededRandom(splitmix32(this.seed ^ splitmix32(s ^ 0x5bd1e995)));
  }

  /** The full generator state, for checkpoints; restore it with {@link SeededRandom.setState}. */
  getState(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Restore a state from {@link SeededRandom.getState}. */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new InputError('state', 'expected four 32-bit unsigned integers');
    }
    if (state.every((w) => w === 0)) throw new InputError('state', 'the all-zero state is invalid');
    [this.s0, this.s1, this.s2, this.s3] = state.map((w) => w | 0);
    this.spareNormal = null;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
