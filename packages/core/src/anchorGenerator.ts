import type { ImageSize } from './boxes/clipBoxes';
import { ConfigError, ShapeError } from './errors';

const f32 = Math.fround;

/** Round half to even, like `torch.round`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Options of {@link AnchorGenerator}: one entry per feature level, in level order. */
export interface AnchorGeneratorOptions {
  /** Anchor sizes (square-root of the area, in input pixels) per level, e.g. `[[32], [64], ...]`. */
  sizes: readonly (readonly number[])[];
  /** Aspect ratios `height / width` per level, e.g. `[[0.5, 1, 2], ...]`. */
  aspectRatios: readonly (readonly number[])[];
}

/**
 * torchvision's `AnchorGenerator`. Each level has `A = ratios × sizes` cell anchors centred on
 * the origin, ordered ratio-major (`for ratio: for size:`), with width `size/√ratio` and height
 * `size·√ratio`, computed in float32 and rounded half-to-even (torchvision's `base_anchors.round()`,
 * which e.g. turns a 45-pixel square into `[-22, -22, 22, 22]`). A level's anchors are the cell
 * anchors shifted to every cell corner `(x·strideW, y·strideH)`, where
 * `stride = floor(imageSize / featureSize)` per axis, ordered `(y, x, anchor)`; levels are
 * concatenated in order.
 */
export class AnchorGenerator {
  readonly sizes: readonly (readonly number[])[];
  readonly aspectRatios: readonly (readonly number[])[];
  /** Per level, the `A` cell anchors as a flat `[A*4]` (x1, y1, x2, y2) float32 array. */
  readonly cellAnchors: readonly Float32Array[];

  constructor(options: AnchorGeneratorOptions) {
    const { sizes, aspectRatios } = options;
    if (!Array.isArray(sizes) || sizes.length === 0) {
      throw new ConfigError('sizes', 'expected a non-empty list of size lists, one per level');
    }
    if (!Array.isArray(aspectRatios) || aspectRatios.length !== sizes.length) {
      throw new ConfigError(
        'aspectRatios',
        `expected one list per level (${sizes.length} levels in sizes), got ${aspectRatios?.length}`,
      );
    }
    sizes.forEach((level, l) => {
      if (!Array.isArray(level) || level.length === 0 || level.some((s) => !(s > 0) || !Number.isFinite(s))) {
        throw new ConfigError(`sizes[${l}]`, `expected a non-empty list of positive sizes, got [${level}]`);
      }
    });
    aspectRatios.forEach((level, l) => {
      if (!Array.isArray(level) || level.length === 0 || level.some((r) => !(r > 0) || !Number.isFinite(r))) {
        throw new ConfigError(
          `aspectRatios[${l}]`,
          `expected a non-empty list of positive ratios, got [${level}]`,
        );
      }
    });
    this.sizes = sizes.map((s) => [...s]);
    this.aspectRatios = aspectRatios.map((r) => [...r]);
    this.cellAnchors = sizes.map((s, l) => AnchorGenerator.makeCellAnchors(s, aspectRatios[l]));
  }

  /** torchvision's `generate_anchors`: `[A*4]` zero-centred anchors, ratio-major, rounded. */
  static makeCellAnchors(sizes: readonly number[], aspectRatios: readonly number[]): Float32Array {
    const out = new Float32Array(4 * sizes.length * aspectRatios.length);
    let k = 0;
    for (const ratio of aspectRatios) {
      const hRatio = f32(Math.sqrt(f32(ratio)));
      const wRatio = f32(1 / hRatio);
      for (const size of sizes) {
        const halfW = f32(f32(wRatio * f32(size)) / 2);
        const halfH = f32(f32(hRatio * f32(size)) / 2);
        out[k++] = roundHalfEven(-halfW);
        out[k++] = roundHalfEven(-halfH);
        out[k++] = roundHalfEven(halfW);
        out[k++] = roundHalfEven(halfH);
      }
    }
    return out;
  }

  /** Number of levels. */
  get numLevels(): number {
    return this.sizes.length;
  }

  /** Anchors per feature-map location for each level (`sizes × ratios`). */
  numAnchorsPerLocation(): number[] {
    return this.cellAnchors.map((c) => c.length / 4);
  }

  /**
   * The anchors of each level for one (padded) input image.
   *
   * @param imageSize `[height, width]` of the batched input tensor in pixels (after padding,
   *   as torchvision uses `image_list.tensors.shape[-2:]`).
   * @param featureSizes `[height, width]` of each level's feature map, one per level.
   * @returns per level a flat `[H*W*A*4]` float32 array of (x1, y1, x2, y2) anchors in input
   *   pixels, ordered `(y, x, anchor)`.
   */
  anchorsPerLevel(imageSize: ImageSize, featureSizes: readonly ImageSize[]): Float32Array[] {
    if (imageSize?.length !== 2 || !imageSize.every((v) => Number.isInteger(v) && v > 0)) {
      throw new ShapeError('imageSize', '[height, width] positive integers', [...(imageSize ?? [])]);
    }
    if (featureSizes?.length !== this.numLevels) {
      throw new ShapeError(
        'featureSizes',
        [this.numLevels, 2],
        [featureSizes?.length ?? 0, 2],
        'one per level',
      );
    }
    return featureSizes.map((fs, l) => {
      if (fs?.length !== 2 || !fs.every((v) => Number.isInteger(v) && v >= 0)) {
        throw new ShapeError(`featureSizes[${l}]`, '[height, width] non-negative integers', [...(fs ?? [])]);
      }
      const [gh, gw] = fs;
      const strideH = gh > 0 ? Math.floor(imageSize[0] / gh) : 0;
      const strideW = gw > 0 ? Math.floor(imageSize[1] / gw) : 0;
      const cell = this.cellAnchors[l];
      const a = cell.length / 4;
      const out = new Float32Array(gh * gw * a * 4);
      let k = 0;
      for (let y = 0; y < gh; y++) {
        const sy = y * strideH;
        for (let x = 0; x < gw; x++) {
          const sx = x * strideW;
          for (let j = 0; j < a; j++) {
            out[k++] = sx + cell[4 * j];
            out[k++] = sy + cell[4 * j + 1];
            out[k++] = sx + cell[4 * j + 2];
            out[k++] = sy + cell[4 * j + 3];
          }
        }
      }
      return out;
    });
  }

  /**
   * All levels' anchors concatenated, as torchvision returns them per image.
   *
   * @returns a flat `[sum(H*W*A)*4]` float32 array, ordered `(level, y, x, anchor)`.
   */
  anchors(imageSize: ImageSize, featureSizes: readonly ImageSize[]): Float32Array {
    const levels = this.anchorsPerLevel(imageSize, featureSizes);
    const out = new Float32Array(levels.reduce((s, l) => s + l.length, 0));
    let offset = 0;
    for (const l of levels) {
      out.set(l, offset);
      offset += l.length;
    }
    return out;
  }
}
