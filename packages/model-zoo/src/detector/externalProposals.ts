import { ConfigError } from '@rcnn/core';
import { type ProposalImage, selectiveSearch } from '@rcnn/proposals';
import type { ExternalProposalsConfig } from '../config/detectorConfig';

/** The parts of `node:fs` the proposal cache uses (absent in browsers: memory only). */
interface SyncFs {
  existsSync(path: string): boolean;
  mkdirSync(path: string, options: { recursive: true }): unknown;
  readFileSync(path: string): Uint8Array;
  writeFileSync(path: string, data: Uint8Array): void;
  renameSync(from: string, to: string): void;
}

function nodeFs(): SyncFs | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:fs') as SyncFs | undefined;
}

/** Check an {@link ExternalProposalsConfig}, naming the field at fault. */
export function checkExternalProposals(config: ExternalProposalsConfig): void {
  if (config.method !== 'selectiveSearch') {
    throw new ConfigError(
      'proposals.method',
      `expected 'selectiveSearch', got ${JSON.stringify(config.method)}`,
    );
  }
  if (!['single', 'fast', 'quality'].includes(config.strategy)) {
    throw new ConfigError(
      'proposals.strategy',
      `expected 'single', 'fast' or 'quality', got ${JSON.stringify(config.strategy)}`,
    );
  }
  for (const key of ['trainTopN', 'testTopN'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1)
      throw new ConfigError(`proposals.${key}`, `expected an integer >= 1, got ${config[key]}`);
  }
  if (!(config.minSize >= 0)) {
    throw new ConfigError('proposals.minSize', `expected a number >= 0, got ${config.minSize}`);
  }
}

/**
 * 64-bit FNV-1a of an image's size and bytes as 16 hex digits: the cache key of its proposals.
 * Two 32-bit lanes with different offsets keep it fast on plain numbers.
 */
export function imageContentKey(image: ProposalImage): string {
  let a = 0x811c9dc5 ^ image.width;
  let b = 0x050c5d1f ^ image.height;
  const d = image.data;
  for (let i = 0; i < d.length; i++) {
    a = Math.imul(a ^ d[i], 0x01000193);
    b = Math.imul(b ^ d[i], 0x01000193) ^ (a >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * Selective-search proposals for R-CNN and Fast R-CNN, computed once per image and reused: in
 * memory (the most recent `memoryEntries` images) and, with `cacheDirectory`, on disk as raw
 * float32 `[N,4]` files named by the image's content and the strategy (written to a temporary
 * file, then renamed, so concurrent workers and interrupted runs never leave a partial file).
 */
export class ExternalProposals {
  readonly config: ExternalProposalsConfig;
  private readonly memory = new Map<string, Float32Array>();
  private readonly memoryEntries: number;

  constructor(config: ExternalProposalsConfig, options: { memoryEntries?: number } = {}) {
    checkExternalProposals(config);
    this.config = config;
    this.memoryEntries = options.memoryEntries ?? 4096;
  }

  /**
   * Boxes `[N,4]` `(x1, y1, x2, y2)` in the image's pixels, best-ranked first, at most
   * `trainTopN` (training) or `testTopN` (inference), none with a side below `minSize`.
   */
  propose(image: ProposalImage, training: boolean): Float32Array {
    const all = this.allProposals(image);
    const n = Math.min(all.length / 4, training ? this.config.trainTopN : this.config.testTopN);
    return all.subarray(0, n * 4);
  }

  private allProposals(image: ProposalImage): Float32Array {
    const key = `${this.config.strategy}-${imageContentKey(image)}`;
    const hit = this.memory.get(key);
    if (hit) {
      // refresh its place in the eviction order
      this.memory.delete(key);
      this.memory.set(key, hit);
      return hit;
    }
    const fs = this.config.cacheDirectory ? nodeFs() : undefined;
    const file = fs ? `${this.config.cacheDirectory}/${key}.f32` : '';
    let boxes: Float32Array | undefined;
    if (fs?.existsSync(file)) {
      const bytes = fs.readFileSync(file);
      if (bytes.byteLength % 16 === 0) {
        boxes = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      }
    }
    if (boxes === undefined) {
      boxes = this.compute(image);
      if (fs) {
        fs.mkdirSync(this.config.cacheDirectory as string, { recursive: true });
        const tmp = `${file}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
        fs.writeFileSync(tmp, new Uint8Array(boxes.buffer, boxes.byteOffset, boxes.byteLength));
        fs.renameSync(tmp, file);
      }
    }
    this.memory.set(key, boxes);
    if (this.memory.size > this.memoryEntries) {
      const oldest = this.memory.keys().next().value as string;
      this.memory.delete(oldest);
    }
    return boxes;
  }

  private compute(image: ProposalImage): Float32Array {
    const { boxes } = selectiveSearch(image, { strategy: this.config.strategy });
    const limit = Math.max(this.config.trainTopN, this.config.testTopN);
    const min = this.config.minSize;
    const kept: number[] = [];
    for (let i = 0; i < boxes.length / 4 && kept.length < limit * 4; i++) {
      const [x1, y1, x2, y2] = boxes.subarray(i * 4, i * 4 + 4);
      if (x2 - x1 >= min && y2 - y1 >= min) kept.push(x1, y1, x2, y2);
    }
    return Float32Array.from(kept);
  }
}
