import { findBackend } from '@tensorflow/tfjs-core';

/**
 * Raised when the wasm backend cannot allocate a tensor: its heap is capped at 4 GiB (wasm32) and
 * the request does not fit (or is 4 GiB or more). Nothing was allocated or written.
 */
export class WasmHeapExhaustedError extends Error {
  override readonly name = 'WasmHeapExhaustedError';
  constructor(
    /** Bytes requested. */
    readonly bytes: number,
    /** Heap size in bytes when the request failed. */
    readonly heapBytes: number,
  ) {
    super(
      `wasm backend: cannot allocate ${bytes} bytes (${(bytes / 2 ** 30).toFixed(2)} GiB); the heap is at ` +
        `${(heapBytes / 2 ** 30).toFixed(2)} GiB of at most 4 GiB. Use smaller inputs or fewer images per step.`,
    );
  }
}

/** The part of the emscripten module behind tfjs-backend-wasm that allocates tensors. */
interface WasmModule {
  _malloc(bytes: number): number;
  _free(address: number): void;
  asm?: { malloc?: (bytes: number) => number };
  HEAPU8: Uint8Array;
}

const guarded = Symbol('rcnn.heapGuard');

/** The most the wasm32 heap of tfjs-backend-wasm can grow to (4 GiB less one 64 KiB page). */
const MAX_HEAP_BYTES = 2 ** 32 - 2 ** 16;

/**
 * Make every tensor allocation of the wasm backend fail loudly. tfjs-backend-wasm takes
 * `_malloc`'s result as the tensor's address without checking it; when the heap cannot grow
 * (4 GiB cap, or fragmentation) `_malloc` returns 0, and the kernel then writes the tensor over the
 * start of the heap: the allocator's own bookkeeping, so a later `free` traps with "memory access
 * out of bounds" far from the cause. Requests near or above 4 GiB overflow inside the allocator
 * (or wrap as a 32-bit argument) and come back as a small block at a real address, with the same
 * result. Both now throw
 * {@link WasmHeapExhaustedError} before anything is written. Idempotent.
 */
export function guardWasmHeap(backendName = 'wasm'): void {
  const backend = findBackend(backendName) as unknown as { wasm?: WasmModule } | null;
  const wasm = backend?.wasm;
  if (wasm == null || typeof wasm._malloc !== 'function') return;
  if ((wasm._malloc as { [guarded]?: true })[guarded]) return;
  // Emscripten's `_malloc` export is a stub that, on its first call, replaces itself on the module
  // with the raw wasm export (which would drop this wrapper): wrap the raw export directly.
  const malloc = wasm.asm?.malloc ?? wasm._malloc;
  const checked = Object.assign(
    (bytes: number): number => {
      if (bytes > MAX_HEAP_BYTES) throw new WasmHeapExhaustedError(bytes, wasm.HEAPU8.length);
      const address = malloc(bytes) >>> 0;
      if (bytes > 0 && (address === 0 || address + bytes > wasm.HEAPU8.length)) {
        if (address !== 0) wasm._free(address);
        throw new WasmHeapExhaustedError(bytes, wasm.HEAPU8.length);
      }
      return address;
    },
    { [guarded]: true as const },
  );
  wasm._malloc = checked;
}
