/**
 * A run-length encoded binary mask, as COCO stores it.
 *
 * The mask is `h` rows by `w` columns. Runs are taken over the pixels in **column-major** order
 * (down the first column, then down the second, ...: pixel `(x, y)` is at flat index `x * h + y`),
 * alternating background and foreground and always starting with background, so `counts[0]` may
 * be 0. The counts sum to `h * w`.
 */
export interface Rle {
  /** Height in pixels (rows). */
  readonly h: number;
  /** Width in pixels (columns). */
  readonly w: number;
  /** Run lengths, column-major, background first. */
  readonly counts: Uint32Array;
}

/** COCO's compressed RLE JSON object: `size` is `[height, width]`, `counts` the LEB128-like string. */
export interface CompressedRle {
  size: [number, number];
  counts: string;
}

/** COCO's uncompressed RLE JSON object (used for crowd regions): `size` is `[height, width]`. */
export interface UncompressedRle {
  size: [number, number];
  counts: number[];
}

/**
 * A COCO `segmentation` field: a list of polygons (each a flat `[x0, y0, x1, y1, ...]` list in
 * pixel coordinates), an uncompressed RLE, or a compressed RLE.
 */
export type Segmentation = number[][] | UncompressedRle | CompressedRle;
