import { InputError } from '../errors';
import { type PickleCallable, PickleObject, unpickle } from './pickle';
import {
  DTYPE_BYTES,
  numElements,
  type StateDict,
  type StoredData,
  type StoredTensor,
  viewAs,
  type WeightDType,
} from './storedTensor';
import { readZipDirectory, zipMemberBytes } from './zipArchive';

/** Options of {@link readTorchCheckpoint}. */
export interface TorchCheckpointOptions {
  /**
   * Keep instances of globals other than tensors and containers (an `argparse.Namespace` in a
   * training checkpoint, say) as inert {@link PickleObject}s instead of rejecting the file.
   * They are data only: nothing is ever executed. Default false.
   */
  readonly keepUnknownObjects?: boolean;
}

const STORAGE_DTYPES: Readonly<Record<string, WeightDType>> = {
  DoubleStorage: 'F64',
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

interface StorageRef {
  readonly key: string;
  readonly dtype: WeightDType;
  readonly numel: number;
  /** Element offset into the root storage (legacy storage views only). */
  readonly elementOffset: number;
  bytes: Uint8Array | null;
}

class PendingTensor {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);
}

function makeFindGlobal(source: string, keepUnknown: boolean) {
  const fail = (detail: string): never => {
    throw new InputError(source, detail);
  };
  const rebuild = (args: readonly unknown[]) => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof Object) || !('dtype' in storage) || !('key' in storage)) {
      fail('a tensor refers to something that is not a storage');
    }
    if (
      typeof offset !== 'number' ||
      !isIntArray(size) ||
      !isIntArray(stride) ||
      size.length !== stride.length
    ) {
      fail('a tensor has a malformed offset, size or stride');
    }
    return new PendingTensor(storage as StorageRef, offset as number, size as number[], stride as number[]);
  };
  return (module: string, name: string): ((args: readonly unknown[]) => unknown) | null | undefined => {
    if (module === 'collections' && name === 'OrderedDict') return () => new Map();
    if (module === 'torch._utils') {
      if (name === '_rebuild_tensor_v2' || name === '_rebuild_tensor') return rebuild;
      if (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state') return (args) => args[0];
    }
    if (module === 'torch' && name in STORAGE_DTYPES) return null;
    if (module === 'torch' && name === 'Size') return (args) => args[0];
    if (module === '_codecs' && name === 'encode') {
      return (args) => {
        const [text, encoding] = args;
        if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1'))
          fail('unsupported _codecs.encode');
        return Uint8Array.from(text as string, (c) => c.charCodeAt(0));
      };
    }
    return keepUnknown ? null : undefined;
  };
}

function storageDtype(type: unknown, source: string): WeightDType {
  const t = type as PickleCallable;
  const dtype = t != null && t.module === 'torch' ? STORAGE_DTYPES[t.name] : undefined;
  if (!dtype) throw new InputError(source, `unsupported storage type ${t?.module}.${t?.name}`);
  return dtype;
}

function materialise(t: PendingTensor, source: string): StoredTensor {
  const { storage, shape, stride } = t;
  const dtype = storage.dtype;
  const count = numElements(shape);
  if (storage.bytes == null) throw new InputError(source, `storage '${storage.key}' has no data`);
  const avail = storage.bytes.byteLength / DTYPE_BYTES[dtype];
  const base = storage.elementOffset + t.offset;
  if (count === 0) return { dtype, shape, data: viewAs(dtype, storage.bytes, 0, 0) };
  let last = base;
  for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * stride[i];
  if (base < 0 || last >= avail) {
    throw new InputError(source, `a tensor of shape [${shape}] reaches past its storage '${storage.key}'`);
  }
  let contiguous = true;
  let expect = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) contiguous = false;
    expect *= shape[i];
  }
  const all = viewAs(dtype, storage.bytes, 0, avail);
  if (contiguous) return { dtype, shape, data: all.subarray(base, base + count) as StoredData };
  // A strided view (e.g. a saved transpose): gather it into a fresh array.
  const out = new (all.constructor as new (n: number) => StoredData)(count);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < count; k++) {
    let off = base;
    for (let i = 0; i < shape.length; i++) off += idx[i] * stride[i];
    (out as unknown as unknown[])[k] = (all as unknown as unknown[])[off];
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++idx[i] < shape[i]) break;
      idx[i] = 0;
    }
  }
  return { dtype, shape, data: out };
}

function resolveTensors(root: unknown, source: string): unknown {
  const done = new Map<PendingTensor, StoredTensor>();
  const seen = new Set<unknown>();
  const visit = (v: unknown): unknown => {
    if (v instanceof PendingTensor) {
      let t = done.get(v);
      if (!t) {
        t = materialise(v, source);
        done.set(v, t);
      }
      return t;
    }
    if (v == null || typeof v !== 'object' || seen.has(v)) return v;
    seen.add(v);
    if (v instanceof Map) {
      for (const [k, x] of v) v.set(k, visit(x));
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = visit(v[i]);
    } else if (v instanceof PickleObject) {
      v.state = visit(v.state);
      (v.args as unknown[]).forEach((a, i) => {
        (v.args as unknown[])[i] = visit(a);
      });
    }
    return v;
  };
  return visit(root);
}

function readZipCheckpoint(bytes: Uint8Array, source: string, keepUnknown: boolean): unknown {
  const entries = readZipDirectory(bytes, source);
  const pkl = [...entries.keys()].find((n) => n.endsWith('data.pkl') && n.split('/').length === 2);
  if (!pkl) throw new InputError(source, 'zip archive has no <name>/data.pkl: not a PyTorch checkpoint');
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  if (order && new TextDecoder().decode(zipMemberBytes(bytes, order, source)).trim() !== 'little') {
    throw new InputError(source, 'big-endian checkpoints are not supported');
  }
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new InputError(
        source,
        `unsupported persistent id ${JSON.stringify(Array.isArray(pid) ? pid[0] : pid)}`,
      );
    }
    const key = String(pid[2]);
    const existing = storages.get(key);
    if (existing) return existing;
    const dtype = storageDtype(pid[1], source);
    const entry = entries.get(`${prefix}data/${key}`);
    if (!entry) throw new InputError(source, `storage '${key}' is missing from the archive`);
    const ref: StorageRef = {
      key,
      dtype,
      numel: Number(pid[4]),
      elementOffset: 0,
      bytes: zipMemberBytes(bytes, entry, source),
    };
    storages.set(key, ref);
    return ref;
  };
  const { value } = unpickle(zipMemberBytes(bytes, entries.get(pkl)!, source), 0, {
    source: `${source} (${pkl})`,
    findGlobal: makeFindGlobal(source, keepUnknown),
    persistentLoad,
  });
  return value;
}

function readLegacyCheckpoint(bytes: Uint8Array, source: string, keepUnknown: boolean): unknown {
  const plain = { source };
  const magic = unpickle(bytes, 0, plain);
  if (magic.value !== LEGACY_MAGIC)
    throw new InputError(source, 'not a PyTorch checkpoint (bad magic number)');
  const protocol = unpickle(bytes, magic.end, plain);
  if (protocol.value !== 1001)
    throw new InputError(source, `unsupported legacy protocol ${String(protocol.value)}`);
  const sysInfo = unpickle(bytes, protocol.end, plain);
  const info = sysInfo.value;
  if (info instanceof Map && info.get('little_endian') === false) {
    throw new InputError(source, 'big-endian checkpoints are not supported');
  }
  const roots = new Map<string, { dtype: WeightDType; numel: number; refs: StorageRef[] }>();
  const persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 6) {
      throw new InputError(
        source,
        `unsupported persistent id ${JSON.stringify(Array.isArray(pid) ? pid[0] : pid)}`,
      );
    }
    const dtype = storageDtype(pid[1], source);
    const rootKey = String(pid[2]);
    let root = roots.get(rootKey);
    if (!root) {
      root = { dtype, numel: Number(pid[4]), refs: [] };
      roots.set(rootKey, root);
    }
    const view = pid[5] as [string, number, number] | null;
    const ref: StorageRef = {
      key: view ? String(view[0]) : rootKey,
      dtype,
      numel: view ? Number(view[2]) : root.numel,
      elementOffset: view ? Number(view[1]) : 0,
      bytes: null,
    };
    root.refs.push(ref);
    return ref;
  };
  const main = unpickle(bytes, sysInfo.end, {
    source,
    findGlobal: makeFindGlobal(source, keepUnknown),
    persistentLoad,
  });
  const keys = unpickle(bytes, main.end, plain);
  if (!Array.isArray(keys.value)) throw new InputError(source, 'storage key list is missing');
  let p = keys.end;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys.value as unknown[]) {
    const root = roots.get(String(key));
    if (!root) throw new InputError(source, `storage '${String(key)}' is not referenced`);
    if (p + 8 > bytes.length) throw new InputError(source, 'file ends inside the storage data');
    const numel = Number(dv.getBigInt64(p, true));
    const len = numel * DTYPE_BYTES[root.dtype];
    if (p + 8 + len > bytes.length)
      throw new InputError(source, `storage '${String(key)}' runs past the end of the file`);
    const data = bytes.subarray(p + 8, p + 8 + len);
    for (const ref of root.refs) ref.bytes = data;
    p += 8 + len;
  }
  return main.value;
}

/**
 * Read a PyTorch checkpoint written by `torch.save` — the zip format (PyTorch ≥ 1.6) or the legacy
 * format — without executing any of it (see {@link unpickle}). Tensors come back as
 * {@link StoredTensor}s whose data view the file bytes (contiguous tensors are not copied);
 * dicts come back as `Map`s, lists and tuples as arrays.
 *
 * @param bytes the whole file.
 * @param source names the file in errors.
 */
export function readTorchCheckpoint(
  bytes: Uint8Array,
  source = 'checkpoint',
  options: TorchCheckpointOptions = {},
): unknown {
  const keep = options.keepUnknownObjects ?? false;
  try {
    let root: unknown;
    if (
      bytes.length >= 4 &&
      bytes[0] === 0x50 &&
      bytes[1] === 0x4b &&
      bytes[2] === 0x03 &&
      bytes[3] === 0x04
    ) {
      root = readZipCheckpoint(bytes, source, keep);
    } else if (bytes.length >= 2 && bytes[0] === 0x80) {
      root = readLegacyCheckpoint(bytes, source, keep);
    } else {
      throw new InputError(source, 'not a PyTorch checkpoint (neither a zip archive nor a pickle)');
    }
    return resolveTensors(root, source);
  } catch (err) {
    if (err instanceof InputError) throw err;
    // Corrupt sizes or offsets surface as RangeError/TypeError from typed arrays: report the file.
    throw new InputError(source, `corrupt PyTorch checkpoint (${(err as Error).message})`);
  }
}

/** Whether a value read by {@link readTorchCheckpoint} is a tensor. */
export function isStoredTensor(v: unknown): v is StoredTensor {
  return (
    v != null && typeof v === 'object' && 'dtype' in v && 'shape' in v && 'data' in v && !(v instanceof Map)
  );
}

/**
 * The state dict inside a checkpoint object: the object itself when it maps names to tensors,
 * otherwise the entry under `key` (default: the first of `model`, `state_dict`, `model_state_dict`,
 * `module` that holds one). Non-tensor entries of the state dict are skipped.
 */
export function findStateDict(root: unknown, source = 'checkpoint', key?: string): StateDict {
  const asStateDict = (v: unknown): StateDict | null => {
    if (!(v instanceof Map)) return null;
    const out: StateDict = new Map();
    for (const [k, t] of v) if (typeof k === 'string' && isStoredTensor(t)) out.set(k, t);
    return out.size > 0 ? out : null;
  };
  if (key != null) {
    const sd = root instanceof Map ? asStateDict(root.get(key)) : null;
    if (!sd) throw new InputError(source, `checkpoint has no state dict under '${key}'`);
    return sd;
  }
  const direct = asStateDict(root);
  if (direct) return direct;
  if (root instanceof Map) {
    for (const k of ['model', 'state_dict', 'model_state_dict', 'module']) {
      const sd = asStateDict(root.get(k));
      if (sd) return sd;
    }
    const keys = [...root.keys()].map(String).join(', ');
    throw new InputError(source, `no state dict found (top-level keys: ${keys}); pass the key that holds it`);
  }
  throw new InputError(source, 'checkpoint does not hold a dict of tensors');
}
