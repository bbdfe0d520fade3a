/**
 * Growable work buffers shared by all RoIs of one kernel call, so per-RoI precomputation
 * (sample taps, bin bounds) allocates nothing in the steady state.
 */
export class RoiScratch {
  private readonly f64 = new Map<string, Float64Array>();
  private readonly i32 = new Map<string, Int32Array>();

  /** A Float64Array of at least `n` elements (contents undefined). */
  float64(name: string, n: number): Float64Array {
    let a = this.f64.get(name);
    if (a === undefined || a.length < n) {
      a = new Float64Array(Math.max(n, 2 * (a?.length ?? 0), 16));
      this.f64.set(name, a);
    }
    return a;
  }

  /** A zero-filled Float64Array of at least `n` elements that callers must leave zeroed. */
  zeroedFloat64(name: string, n: number): Float64Array {
    const a = this.f64.get(name);
    if (a !== undefined && a.length >= n) return a;
    const fresh = new Float64Array(Math.max(n, 16));
    this.f64.set(name, fresh);
    return fresh;
  }

  /** An Int32Array of at least `n` elements (contents undefined). */
  int32(name: string, n: number): Int32Array {
    let a = this.i32.get(name);
    if (a === undefined || a.length < n) {
      a = new Int32Array(Math.max(n, 2 * (a?.length ?? 0), 16));
      this.i32.set(name, a);
    }
    return a;
  }
}
