import { InputError } from '../errors';

/** A Python object the unpickler could not map to a JS value but was told to keep as inert data. */
export class PickleObject {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: readonly unknown[],
    public state: unknown = undefined,
  ) {}
}

/** A global (`module.name`) that the caller allowed; `call` builds its value from the REDUCE args. */
export interface PickleCallable {
  readonly module: string;
  readonly name: string;
  readonly call: ((args: readonly unknown[]) => unknown) | null;
}

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  /** Names the data in errors (a file and member). */
  readonly source: string;
  /**
   * Return a builder for an allowed global, `null` for a global whose instances are kept as
   * inert {@link PickleObject}s, or `undefined` to reject it (the default for every global).
   */
  readonly findGlobal?: (
    module: string,
    name: string,
  ) => ((args: readonly unknown[]) => unknown) | null | undefined;
  /** Resolve a persistent id (PyTorch uses them for tensor storages). Persistent ids are rejected without it. */
  readonly persistentLoad?: (pid: unknown) => unknown;
}

const MARK = Symbol('mark');

/**
 * A restricted pickle reader. It understands the opcodes of protocols 2–5 that `torch.save` and
 * plain containers use (dicts, lists, tuples, numbers, strings, bytes, memo, persistent ids,
 * globals, REDUCE/NEWOBJ/BUILD). It never imports or executes anything: a global is only ever
 * looked up through `findGlobal`, and anything else (an unknown global or opcode) throws an
 * {@link InputError} naming the global or opcode and the byte offset.
 *
 * Dicts become `Map`s (keys kept as they are), lists and tuples become arrays.
 *
 * @returns the unpickled value and the offset just after its STOP opcode (files such as PyTorch's
 *   legacy format hold several pickles back to back).
 */
export function unpickle(
  bytes: Uint8Array,
  offset: number,
  options: UnpickleOptions,
): { value: unknown; end: number } {
  const { source } = options;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8');
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let p = offset;

  const fail = (detail: string): never => {
    throw new InputError(source, `cannot unpickle at byte ${p}: ${detail}`);
  };
  const need = (n: number) => {
    if (p + n > bytes.length) fail('unexpected end of data');
  };
  const u8 = () => {
    need(1);
    return bytes[p++];
  };
  const u16 = () => {
    need(2);
    const v = dv.getUint16(p, true);
    p += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = dv.getUint32(p, true);
    p += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('length too large');
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    const s = bytes.subarray(p, p + n);
    p += n;
    return s;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) fail('unterminated text line');
    const s = new TextDecoder('latin1').decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) fail('stack underflow');
    const v = stack.pop();
    if (v === MARK) fail('unexpected MARK');
    return v;
  };
  const top = () => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m == null) fail('no MARK on the stack');
    const items = stack.splice(m as number);
    items.shift();
    return items;
  };
  const longFrom = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const global = (module: string, name: string): PickleCallable => {
    const found = options.findGlobal?.(module, name);
    if (found === undefined) {
      fail(
        `global '${module}.${name}' is not allowed (only tensor and container types are read; nothing is executed)`,
      );
    }
    return { module, name, call: found ?? null };
  };
  const isCallable = (v: unknown): v is PickleCallable =>
    v != null && typeof v === 'object' && 'call' in v && 'module' in v && 'name' in v;
  const setItem = (target: unknown, k: unknown, v: unknown) => {
    if (target instanceof Map) target.set(k, v);
    else fail('SETITEM on a value that is not a dict');
  };
  const memoPut = (i: number) => memo.set(i, top());
  const memoGet = (i: number) => {
    if (!memo.has(i)) fail(`memo entry ${i} is missing`);
    stack.push(memo.get(i));
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: p };
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const m = new Map();
        for (let i = 0; i + 1 < items.length; i += 2) m.set(items[i], items[i + 1]);
        stack.push(m);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) fail('APPEND to a value that is not a list');
        (list as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS to a value that is not a list');
        (list as unknown[]).push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItem(top(), k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const target = top();
        for (let i = 0; i + 1 < items.length; i += 2) setItem(target, items[i], items[i + 1]);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(dv.getInt32(p, true));
        p += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(longFrom(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(longFrom(take(u32())));
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(dv.getFloat64(p, false));
        p += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(take(u64())));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(new TextDecoder('latin1').decode(take(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(new TextDecoder('latin1').decode(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x71: // BINPUT
        memoPut(u8());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x68: // BINGET
        memoGet(u8());
        break;
      case 0x6a: // LONG_BINGET
        memoGet(u32());
        break;
      case 0x30: // POP
        if (stack.length > 0 && stack[stack.length - 1] === MARK) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail('persistent ids are not supported here');
        stack.push(options.persistentLoad!(pid));
        break;
      }
      case 0x52: // REDUCE
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const fn = pop();
        if (!isCallable(fn))
          fail(`${op === 0x52 ? 'REDUCE' : 'NEWOBJ'} on a value that is not an allowed global`);
        if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
        const c = fn as PickleCallable;
        stack.push(
          c.call ? c.call(args as unknown[]) : new PickleObject(c.module, c.name, args as unknown[]),
        );
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const target = top();
        if (target instanceof PickleObject) target.state = state;
        else if (!(target instanceof Map)) fail('BUILD on a value that takes no state');
        // A Map's state is the OrderedDict's attributes (torch's `_metadata`): not needed.
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
