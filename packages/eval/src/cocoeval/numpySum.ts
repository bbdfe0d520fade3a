/**
 * Sum of `a[offset .. offset + n)` in numpy's order for `np.sum` / `np.mean` on a contiguous
 * float64 vector: the reduction runs over buffers of 8192 elements, added in turn, and each
 * buffer is summed pairwise (blocks of up to 128 with 8 interleaved accumulators, halves
 * recursively). Using numpy's order makes OKS values and averaged stats bit-identical to
 * pycocotools'.
 */
export function numpySum(a: ArrayLike<number>, offset = 0, n = a.length - offset): number {
  const buffer = 8192;
  let res = 0;
  for (let i = 0; i < n; i += buffer) res += pairwiseSum(a, offset + i, Math.min(buffer, n - i));
  return res;
}

function pairwiseSum(a: ArrayLike<number>, offset: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[offset + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[offset];
    let r1 = a[offset + 1];
    let r2 = a[offset + 2];
    let r3 = a[offset + 3];
    let r4 = a[offset + 4];
    let r5 = a[offset + 5];
    let r6 = a[offset + 6];
    let r7 = a[offset + 7];
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      const o = offset + i;
      r0 += a[o];
      r1 += a[o + 1];
      r2 += a[o + 2];
      r3 += a[o + 3];
      r4 += a[o + 4];
      r5 += a[o + 5];
      r6 += a[o + 6];
      r7 += a[o + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[offset + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, offset, n2) + pairwiseSum(a, offset + n2, n - n2);
}
