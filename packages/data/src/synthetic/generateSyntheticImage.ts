import { SeededRandom } from '@rcnn/core';
import type { RgbImage } from '../image';
import { SHAPE_KINDS, SYNTHETIC_CATEGORY_IDS, type SyntheticKind } from './categories';
import { type Fill, objectFill, paintBackground } from './paint';
import { personFigure } from './personFigure';
import { polygonPixels } from './rasterize';
import { placePolygon, shapeOutline } from './shapeOutlines';
import { resolveSyntheticConfig, type SyntheticConfig } from './syntheticConfig';

/** One annotated object of a synthetic image; everything describes its *visible* pixels. */
export interface SyntheticInstance {
  readonly kind: SyntheticKind;
  readonly categoryId: number;
  /** A crowd region: several small shapes of one kind annotated together (COCO `iscrowd: 1`). */
  readonly isCrowd: boolean;
  /** Visible mask, `height * width` bytes of 0/1, row-major. */
  readonly mask: Uint8Array;
  /** Visible pixel count. */
  readonly area: number;
  /** Tight box of the visible mask, COCO `[x, y, width, height]` in pixels. */
  readonly bbox: [number, number, number, number];
  /**
   * The outline as a COCO polygon `[x0, y0, ...]` when it describes the mask exactly (a shape
   * without holes, wholly inside the image and not occluded); otherwise `null` and the mask is
   * written as RLE.
   */
  readonly polygon: number[] | null;
  /** Persons only: 17 COCO keypoints `[x, y, v] * 17`; v = 2 visible, 1 occluded, 0 outside the image (x = y = 0). */
  readonly keypoints: number[] | null;
  /** Number of keypoints with v > 0. */
  readonly numKeypoints: number;
}

/** A generated image and its annotations. */
export interface SyntheticSample {
  readonly image: RgbImage;
  readonly instances: SyntheticInstance[];
}

interface Drawn {
  kind: SyntheticKind;
  isCrowd: boolean;
  pixels: Int32Array[];
  fills: Fill[];
  polygon: number[] | null;
  keypoints: Float64Array | null;
}

/**
 * Whether a keypoint in pixel `(x, y)` is visible: its pixel, or (for thin limbs of small figures,
 * whose rasterised outline can miss the joint's own pixel) a neighbour within one pixel, shows
 * instance `i`. A keypoint under a later object is labelled but not visible (v = 1).
 */
function showsInstance(
  owner: Int32Array,
  width: number,
  height: number,
  x: number,
  y: number,
  i: number,
): boolean {
  const o = owner[y * width + x];
  if (o === i) return true;
  if (o > i) return false;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const u = x + dx;
      const v = y + dy;
      if (u >= 0 && v >= 0 && u < width && v < height && owner[v * width + u] === i) return true;
    }
  }
  return false;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** COCO's area buckets (pixels²): small < 32², medium < 96², large above. */
const AREA_BUCKETS = [
  [0, 32 * 32],
  [32 * 32, 96 * 96],
  [96 * 96, Number.POSITIVE_INFINITY],
] as const;
const BUCKET_WEIGHTS = [0.3, 0.3, 0.4];
/** Rough share of its `size x size` square a shape covers, to aim sizes at an area bucket. */
const FILL_FACTOR = 0.6;

/**
 * A shape extent (pixels) aimed at a COCO area bucket (30% small, 30% medium, 40% large),
 * log-uniform within the bucket and clamped to [minSize, maxSize]. Large shapes are weighted up
 * because they are drawn first and occlusion and truncation shrink many of them a bucket.
 */
function shapeSize(rng: SeededRandom, minSize: number, maxSize: number): number {
  const u = rng.next();
  const bucket = u < BUCKET_WEIGHTS[0] ? 0 : u < BUCKET_WEIGHTS[0] + BUCKET_WEIGHTS[1] ? 1 : 2;
  const lo = Math.max(minSize, Math.sqrt(AREA_BUCKETS[bucket][0] / FILL_FACTOR));
  const hi = Math.min(maxSize, Math.sqrt(AREA_BUCKETS[bucket][1] / FILL_FACTOR));
  return lo < hi ? logUniform(rng, lo, hi) : logUniform(rng, minSize, maxSize);
}

function logUniform(rng: SeededRandom, lo: number, hi: number): number {
  return Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
}

function drawShape(
  rng: SeededRandom,
  kind: Exclude<SyntheticKind, 'person'>,
  size: number,
  cx: number,
  cy: number,
  width: number,
  height: number,
): { pixels: Int32Array; polygon: number[] | null } {
  const vertices = Math.max(12, Math.min(64, Math.round(size * 0.6)));
  const outline = shapeOutline(kind, rng, vertices);
  const aspectSpread = kind === 'ellipse' || kind === 'rectangle' ? 0.45 : 0.2;
  const aspect = Math.exp(rng.normal(0, aspectSpread));
  const sx = (size / 2) * Math.sqrt(aspect);
  const sy = size / 2 / Math.sqrt(aspect);
  const angle = rng.uniform(0, 2 * Math.PI);
  // Coordinates are rounded as they will be written, so the stored polygon rasterises to
  // exactly the pixels painted here.
  const outer = placePolygon(outline.outer, sx, sy, angle, cx, cy).map(round2);
  const holes = outline.holes.map((h) => placePolygon(h, sx, sy, angle, cx, cy).map(round2));
  const pixels = polygonPixels(outer, holes, width, height);
  let inside = holes.length === 0;
  for (let i = 0; inside && i < outer.length; i += 2) {
    inside = outer[i] >= 0 && outer[i] <= width && outer[i + 1] >= 0 && outer[i + 1] <= height;
  }
  return { pixels, polygon: inside ? outer : null };
}

/**
 * Generate image `index` of the synthetic dataset described by `options` (defaults in
 * {@link DEFAULT_SYNTHETIC_CONFIG}). Deterministic: the same seed, index and options always give
 * the same pixels and annotations, independent of which other images were generated.
 *
 * A scene is a cluttered textured background with objects drawn back to front (larger ones tend
 * to be further back); later objects occlude earlier ones and every annotation describes only
 * what remains visible. Shape sizes aim at COCO's small / medium / large area buckets (30 / 30 /
 * 40% of shapes; after occlusion about 40 / 48 / 12% of annotations) within [`minObjectSize`, `maxObjectFraction` x shorter side]; person heights are
 * log-uniform from 20 pixels to 1.15x that limit.
 */
export function generateSyntheticImage(
  index: number,
  options: Partial<SyntheticConfig> = {},
): SyntheticSample {
  const config = resolveSyntheticConfig(options);
  const { width, height } = config;
  const rng = new SeededRandom(config.seed).fork(index);
  const data = new Uint8Array(width * height * 3);
  paintBackground(data, width, height, rng);

  const maxSize = config.maxObjectFraction * Math.min(width, height);
  const plans: { kind: SyntheticKind | 'crowd'; size: number; z: number }[] = [];
  const count = rng.int(config.minObjects, config.maxObjects + 1);
  for (let i = 0; i < count; i++) {
    const person = rng.next() < config.personProbability;
    const kind: SyntheticKind = person ? 'person' : rng.choice(SHAPE_KINDS);
    const size = person
      ? logUniform(rng, Math.max(config.minObjectSize, 20), Math.max(maxSize, 20) * 1.15)
      : shapeSize(rng, config.minObjectSize, maxSize);
    plans.push({ kind, size, z: -Math.log(size) + rng.normal(0, 0.6) });
  }
  if (rng.next() < config.crowdProbability) plans.push({ kind: 'crowd', size: 0, z: rng.normal(-3, 1) });
  plans.sort((a, b) => a.z - b.z);

  const drawn: Drawn[] = [];
  for (const plan of plans) {
    const cx = rng.uniform(0, width);
    const cy = rng.uniform(0, height);
    if (plan.kind === 'person') {
      const figure = personFigure(rng, cx, cy, plan.size, width, height);
      drawn.push({
        kind: 'person',
        isCrowd: false,
        pixels: figure.parts.map((p) => p.pixels),
        fills: figure.parts.map((p) => p.fill),
        polygon: null,
        keypoints: figure.keypoints,
      });
    } else if (plan.kind === 'crowd') {
      const kind = rng.choice(SHAPE_KINDS);
      const members = rng.int(4, 11);
      const spread = rng.uniform(8, 24);
      const fill = objectFill(rng, 10);
      const pixels: Int32Array[] = [];
      for (let m = 0; m < members; m++) {
        const size = rng.uniform(6, 14);
        const shape = drawShape(
          rng,
          kind,
          size,
          cx + rng.normal(0, spread),
          cy + rng.normal(0, spread),
          width,
          height,
        );
        pixels.push(shape.pixels);
      }
      drawn.push({
        kind,
        isCrowd: true,
        pixels,
        fills: pixels.map(() => fill),
        polygon: null,
        keypoints: null,
      });
    } else {
      const shape = drawShape(rng, plan.kind, plan.size, cx, cy, width, height);
      drawn.push({
        kind: plan.kind,
        isCrowd: false,
        pixels: [shape.pixels],
        fills: [objectFill(rng, plan.size)],
        polygon: shape.polygon,
        keypoints: null,
      });
    }
  }

  // Paint back to front; `owner` ends up naming the instance each pixel shows.
  const owner = new Int32Array(width * height).fill(-1);
  const fullArea = new Int32Array(drawn.length);
  drawn.forEach((d, i) => {
    for (let part = 0; part < d.pixels.length; part++) {
      const fill = d.fills[part];
      for (const p of d.pixels[part]) {
        if (owner[p] !== i) {
          owner[p] = i;
          fullArea[i]++;
        }
        const y = Math.floor(p / width);
        fill(data, p * 3, p - y * width, y);
      }
    }
  });
  const visibleArea = new Int32Array(drawn.length);
  for (let p = 0; p < owner.length; p++) if (owner[p] >= 0) visibleArea[owner[p]]++;

  const instances: SyntheticInstance[] = [];
  drawn.forEach((d, i) => {
    const area = visibleArea[i];
    if (area < config.minVisibleArea || (!d.isCrowd && area < config.minVisibleFraction * fullArea[i]))
      return;
    const mask = new Uint8Array(width * height);
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    for (const pixels of d.pixels) {
      for (const p of pixels) {
        if (owner[p] !== i) continue;
        mask[p] = 1;
        const y = Math.floor(p / width);
        const x = p - y * width;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
    let keypoints: number[] | null = null;
    let numKeypoints = 0;
    if (d.keypoints) {
      keypoints = [];
      for (let k = 0; k < 17; k++) {
        const x = round2(d.keypoints[2 * k]);
        const y = round2(d.keypoints[2 * k + 1]);
        if (x < 0 || y < 0 || x >= width || y >= height) {
          keypoints.push(0, 0, 0);
          continue;
        }
        keypoints.push(x, y, showsInstance(owner, width, height, Math.floor(x), Math.floor(y), i) ? 2 : 1);
        numKeypoints++;
      }
    }
    instances.push({
      kind: d.kind,
      categoryId: SYNTHETIC_CATEGORY_IDS[d.kind],
      isCrowd: d.isCrowd,
      mask,
      area,
      bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1],
      polygon: d.polygon != null && area === fullArea[i] ? d.polygon : null,
      keypoints,
      numKeypoints,
    });
  });
  return { image: { width, height, data }, instances };
}
