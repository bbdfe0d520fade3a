/** A max-heap of region pairs keyed by similarity (entries are invalidated lazily by the caller). */
export class PairHeap {
  private keys = new Float64Array(64);
  private first = new Int32Array(64);
  private second = new Int32Array(64);
  size = 0;

  push(key: number, a: number, b: number): void {
    if (this.size === this.keys.length) {
      const grow = <T extends Float64Array | Int32Array>(old: T): T => {
        const next = new (old.constructor as new (n: number) => T)(old.length * 2);
        next.set(old);
        return next;
      };
      this.keys = grow(this.keys);
      this.first = grow(this.first);
      this.second = grow(this.second);
    }
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent] >= key) break;
      this.move(parent, i);
      i = parent;
    }
    this.keys[i] = key;
    this.first[i] = a;
    this.second[i] = b;
  }

  /** Remove the pair with the largest key; returns `[a, b]`. The heap must not be empty. */
  pop(): [number, number] {
    const top: [number, number] = [this.first[0], this.second[0]];
    const last = --this.size;
    const key = this.keys[last];
    const a = this.first[last];
    const b = this.second[last];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.keys[child + 1] > this.keys[child]) child++;
      if (this.keys[child] <= key) break;
      this.move(child, i);
      i = child;
    }
    this.keys[i] = key;
    this.first[i] = a;
    this.second[i] = b;
    return top;
  }

  private move(from: number, to: number): void {
    this.keys[to] = this.keys[from];
    this.first[to] = this.first[from];
    this.second[to] = this.second[from];
  }
}
