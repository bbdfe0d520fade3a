const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;

/**
 * Indices `0..n−1` ordered by ascending non-negative float32 `weights` (stable): an LSD radix sort
 * on the IEEE-754 bits (which order like the values for non-negative floats) in three 11-bit
 * passes, small enough for the counts to stay in cache. Linear time; the graph segmentation sorts
 * ~4 edges per pixel with it.
 */
export function sortByWeight(weights: Float32Array): Uint32Array {
  const n = weights.length;
  const bits = new Uint32Array(weights.buffer, weights.byteOffset, n);
  let keys = Uint32Array.from(bits);
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let nextKeys = new Uint32Array(n);
  let nextOrder = new Uint32Array(n);
  const counts = new Uint32Array(BUCKETS);
  for (let shift = 0; shift < 32; shift += DIGIT_BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i] >>> shift) & (BUCKETS - 1)]++;
    if (counts[(keys[0] >>> shift) & (BUCKETS - 1)] === n) continue;
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = counts[b];
      counts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      const at = counts[(key >>> shift) & (BUCKETS - 1)]++;
      nextKeys[at] = key;
      nextOrder[at] = order[i];
    }
    [keys, nextKeys] = [nextKeys, keys];
    [order, nextOrder] = [nextOrder, order];
  }
  return order;
}
