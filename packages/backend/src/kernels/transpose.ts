/**
 * `dst[c * rows + r] = src[r * cols + c]` (+= when `accumulate`): a row-major `[rows, cols]`
 * matrix transposed, in tiles of 32 rows so both sides stay in cache.
 */
export function transposeInto(
  src: Float32Array,
  rows: number,
  cols: number,
  dst: Float32Array,
  srcOffset = 0,
  dstOffset = 0,
): void {
  const tile = 32;
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const r1 = Math.min(rows, r0 + tile);
    for (let c = 0; c < cols; c++) {
      const d = dstOffset + c * rows;
      for (let r = r0; r < r1; r++) dst[d + r] = src[srcOffset + r * cols + c];
    }
  }
}
