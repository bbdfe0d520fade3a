import { InputError } from '../errors';
import {
  DTYPE_BYTES,
  numElements,
  type StateDict,
  type StoredTensor,
  viewAs,
  type WeightDType,
} from './storedTensor';

/** Contents of a safetensors file: the tensors (views into the file bytes) and its string metadata. */
export interface SafetensorsContent {
  readonly tensors: StateDict;
  /** The `__metadata__` map (string to string), empty when absent. */
  readonly metadata: Record<string, string>;
}

const MAX_HEADER_BYTES = 100_000_000;

function fail(source: string, detail: string): never {
  throw new InputError(source, `not a valid safetensors file: ${detail}`);
}

/**
 * Parse a safetensors file (8-byte little-endian header length, JSON header, raw little-endian
 * tensor data). Tensors are views into `bytes` (copied only when misaligned). `source` names the
 * file in errors.
 */
export function readSafetensors(bytes: Uint8Array, source = 'safetensors bytes'): SafetensorsContent {
  if (bytes.length < 8) fail(source, `only ${bytes.length} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.length) {
    fail(source, `header length ${headerLen} does not fit in ${bytes.length} bytes`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    fail(source, `header is not JSON (${(err as Error).message})`);
  }
  if (header == null || typeof header !== 'object' || Array.isArray(header))
    fail(source, 'header is not an object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: StateDict = new Map();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (entry == null || typeof entry !== 'object') fail(source, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(source, `metadata '${k}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) {
      fail(source, `tensor '${name}' has unsupported dtype ${JSON.stringify(e.dtype)}`);
    }
    const dtype = e.dtype as WeightDType;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail(source, `tensor '${name}' has a malformed shape ${JSON.stringify(e.shape)}`);
    }
    const offsets = e.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0)
    ) {
      fail(source, `tensor '${name}' has malformed data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    const count = numElements(e.shape);
    if (end < begin || end > dataLen || end - begin !== count * DTYPE_BYTES[dtype]) {
      fail(
        source,
        `tensor '${name}' data_offsets [${begin}, ${end}] do not match shape [${e.shape}] ${dtype}`,
      );
    }
    tensors.set(name, {
      dtype,
      shape: e.shape as number[],
      data: viewAs(dtype, bytes, dataStart + begin, count),
    });
  }
  return { tensors, metadata };
}

function dataBytes(t: StoredTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/**
 * Serialise tensors (and optional string metadata) to safetensors bytes, readable by the
 * `safetensors` Python package and `torch`. Tensors are laid out by decreasing element size so
 * every tensor stays aligned without gaps.
 */
export function writeSafetensors(tensors: StateDict, metadata: Record<string, string> = {}): Uint8Array {
  const entries = [...tensors.entries()];
  for (const [name, t] of entries) {
    if (t.data.length !== numElements(t.shape)) {
      throw new InputError(
        name,
        `shape [${t.shape}] needs ${numElements(t.shape)} elements, data has ${t.data.length}`,
      );
    }
  }
  const order = entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => DTYPE_BYTES[b.e[1].dtype] - DTYPE_BYTES[a.e[1].dtype] || a.i - b.i)
    .map(({ e }) => e);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of order) {
    const len = t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + len] };
    offset += len;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const [, t] of order) {
    out.set(dataBytes(t), pos);
    pos += t.data.byteLength;
  }
  return out;
}
