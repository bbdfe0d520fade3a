import { boxIouArray, ConfigError, InputError, SeededRandom } from '@rcnn/core';
import type { DetectionRecord } from '@rcnn/data';

/** Options of {@link ObjectCropSampler}. Sizes are pixels of the crops or fractions of a box side. */
export interface ObjectCropOptions {
  /** Crops are `cropSize × cropSize`. Default 64. */
  readonly cropSize?: number;
  /** Context added on each side of an object box, as a fraction of its side. Default 0.15. */
  readonly context?: number;
  /** Random change of the box's scale (±, fraction of its side). Default 0.15. */
  readonly scaleJitter?: number;
  /** Random shift of the box's centre (±, fraction of its side). Default 0.1. */
  readonly shiftJitter?: number;
  /** Fraction of a batch that are background crops (class 0). Default 0.25. */
  readonly backgroundFraction?: number;
  /** A background crop overlaps every object box by less than this IoU. Default 0.3. */
  readonly maxBackgroundIou?: number;
  /** Objects whose box is smaller than this on either side are not sampled. Default 4. */
  readonly minBoxSize?: number;
  /** Mirror crops left-right with probability 0.5. Default true. */
  readonly flip?: boolean;
  /** Colour of pixels outside the image, RGB 0..255. Default the ImageNet mean. */
  readonly fill?: readonly [number, number, number];
}

/** {@link ObjectCropOptions} with every default filled in. */
export interface ResolvedCropOptions {
  readonly cropSize: number;
  readonly context: number;
  readonly scaleJitter: number;
  readonly shiftJitter: number;
  readonly backgroundFraction: number;
  readonly maxBackgroundIou: number;
  readonly minBoxSize: number;
  readonly flip: boolean;
  readonly fill: readonly [number, number, number];
}

/** A batch of crops: `pixels` `[n, cropSize, cropSize, 3]` RGB 0..255 (float), `labels` `[n]`. */
export interface CropBatch {
  readonly pixels: Float32Array;
  readonly labels: Int32Array;
  readonly size: number;
}

interface ObjectRef {
  readonly record: number;
  readonly box: readonly [number, number, number, number];
  readonly label: number;
}

function resolve(o: ObjectCropOptions): ResolvedCropOptions {
  const r: ResolvedCropOptions = {
    cropSize: o.cropSize ?? 64,
    context: o.context ?? 0.15,
    scaleJitter: o.scaleJitter ?? 0.15,
    shiftJitter: o.shiftJitter ?? 0.1,
    backgroundFraction: o.backgroundFraction ?? 0.25,
    maxBackgroundIou: o.maxBackgroundIou ?? 0.3,
    minBoxSize: o.minBoxSize ?? 4,
    flip: o.flip ?? true,
    fill: o.fill ?? [0.485 * 255, 0.456 * 255, 0.406 * 255],
  };
  if (!Number.isInteger(r.cropSize) || r.cropSize < 8 || r.cropSize > 512)
    throw new ConfigError('cropSize', `must be an integer in [8, 512], got ${r.cropSize}`);
  for (const k of ['context', 'scaleJitter', 'shiftJitter'] as const) {
    if (!(r[k] >= 0 && r[k] <= 1)) throw new ConfigError(k, `must be in [0, 1], got ${r[k]}`);
  }
  if (!(r.backgroundFraction >= 0 && r.backgroundFraction < 1))
    throw new ConfigError('backgroundFraction', `must be in [0, 1), got ${r.backgroundFraction}`);
  if (!(r.maxBackgroundIou > 0 && r.maxBackgroundIou <= 1))
    throw new ConfigError('maxBackgroundIou', `must be in (0, 1], got ${r.maxBackgroundIou}`);
  if (!(r.minBoxSize >= 1)) throw new ConfigError('minBoxSize', `must be >= 1, got ${r.minBoxSize}`);
  if (r.fill.length !== 3) throw new ConfigError('fill', `must hold 3 values, got ${r.fill.length}`);
  return r;
}

/**
 * Labelled crops of the annotated objects of a detection dataset, for pretraining a trunk as an
 * image classifier (the role ImageNet plays for the paper's detectors): each object box, enlarged
 * by some context and jittered in scale and position, is warped bilinearly to a square crop
 * labelled with its class id (1..C); a share of each batch are background crops (label 0), boxes
 * that overlap no object by `maxBackgroundIou` or more. Crowd regions are neither objects nor
 * background. Sampling is seeded: the same seed gives the same batches.
 */
export class ObjectCropSampler {
  readonly options: ResolvedCropOptions;
  private readonly records: readonly DetectionRecord[];
  private readonly objects: ObjectRef[] = [];
  private readonly rng: SeededRandom;

  constructor(records: readonly DetectionRecord[], options: ObjectCropOptions = {}, seed = 0) {
    this.options = resolve(options);
    this.records = records;
    this.rng = new SeededRandom(seed);
    records.forEach((r, i) => {
      const n = r.classIds.length;
      if (r.boxes.length !== 4 * n)
        throw new InputError(`records[${i}].boxes`, `holds ${r.boxes.length} values for ${n} annotations`);
      for (let k = 0; k < n; k++) {
        if (r.isCrowd[k]) continue;
        const b = r.boxes.subarray(4 * k, 4 * k + 4);
        if (b[2] - b[0] < this.options.minBoxSize || b[3] - b[1] < this.options.minBoxSize) continue;
        this.objects.push({ record: i, box: [b[0], b[1], b[2], b[3]], label: r.classIds[k] });
      }
    });
    if (this.objects.length === 0) {
      throw new InputError(
        'records',
        `hold no object of at least ${this.options.minBoxSize} px that is not a crowd region`,
      );
    }
  }

  /** Number of objects crops are drawn from. */
  get objectCount(): number {
    return this.objects.length;
  }

  /** Objects per class id (index = class id), for reporting class balance. */
  classCounts(numClasses: number): number[] {
    const counts = new Array<number>(numClasses + 1).fill(0);
    for (const o of this.objects) if (o.label <= numClasses) counts[o.label]++;
    return counts;
  }

  /** The next `n` crops: objects drawn uniformly, `backgroundFraction` of them background. */
  sample(n: number): CropBatch {
    if (!Number.isInteger(n) || n < 1)
      throw new ConfigError('batchSize', `must be a positive integer, got ${n}`);
    const s = this.options.cropSize;
    const pixels = new Float32Array(n * s * s * 3);
    const labels = new Int32Array(n);
    const background = Math.round(n * this.options.backgroundFraction);
    for (let i = 0; i < n; i++) {
      const { record, box, label } = i < background ? this.backgroundBox() : this.objectBox();
      labels[i] = label;
      const flip = this.options.flip && this.rng.next() < 0.5;
      this.warp(this.records[record], box, pixels.subarray(i * s * s * 3, (i + 1) * s * s * 3), flip);
    }
    return { pixels, labels, size: s };
  }

  private objectBox(): ObjectRef {
    const o = this.objects[Math.floor(this.rng.next() * this.objects.length)];
    const { context, scaleJitter, shiftJitter } = this.options;
    const [x1, y1, x2, y2] = o.box;
    const w = x2 - x1;
    const h = y2 - y1;
    const cx = (x1 + x2) / 2 + this.rng.uniform(-shiftJitter, shiftJitter) * w;
    const cy = (y1 + y2) / 2 + this.rng.uniform(-shiftJitter, shiftJitter) * h;
    const sw = w * (1 + 2 * context) * (1 + this.rng.uniform(-scaleJitter, scaleJitter));
    const sh = h * (1 + 2 * context) * (1 + this.rng.uniform(-scaleJitter, scaleJitter));
    return { record: o.record, box: [cx - sw / 2, cy - sh / 2, cx + sw / 2, cy + sh / 2], label: o.label };
  }

  private backgroundBox(): ObjectRef {
    let best: ObjectRef | null = null;
    let bestIou = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 20; attempt++) {
      const record = Math.floor(this.rng.next() * this.records.length);
      const r = this.records[record];
      const { width, height } = r.image;
      const side = this.rng.uniform(Math.max(this.options.minBoxSize, 8), 0.6 * Math.min(width, height));
      const aspect = Math.exp(this.rng.uniform(-Math.LN2, Math.LN2));
      const w = Math.min(width, side * Math.sqrt(aspect));
      const h = Math.min(height, side / Math.sqrt(aspect));
      const x1 = this.rng.uniform(0, width - w);
      const y1 = this.rng.uniform(0, height - h);
      const box: [number, number, number, number] = [x1, y1, x1 + w, y1 + h];
      let worst = 0;
      for (const o of boxIouArray(Float32Array.from(box), r.boxes)) worst = Math.max(worst, o);
      if (worst < bestIou) {
        best = { record, box, label: 0 };
        bestIou = worst;
      }
      if (worst < this.options.maxBackgroundIou) break;
    }
    return best as ObjectRef;
  }

  /** Bilinear warp of `box` (pixel edges; pixel i spans [i, i+1)) onto the crop, fill outside. */
  private warp(record: DetectionRecord, box: readonly number[], out: Float32Array, flip: boolean): void {
    const s = this.options.cropSize;
    const { width, height, data } = record.image;
    const fill = this.options.fill;
    const bw = (box[2] - box[0]) / s;
    const bh = (box[3] - box[1]) / s;
    for (let v = 0; v < s; v++) {
      const y = box[1] + (v + 0.5) * bh - 0.5;
      const y0 = Math.floor(y);
      const fy = y - y0;
      for (let u = 0; u < s; u++) {
        const x = box[0] + (u + 0.5) * bw - 0.5;
        const x0 = Math.floor(x);
        const fx = x - x0;
        const o = 3 * (v * s + (flip ? s - 1 - u : u));
        for (let c = 0; c < 3; c++) {
          let acc = 0;
          for (let dy = 0; dy < 2; dy++) {
            const yy = y0 + dy;
            const wy = dy === 0 ? 1 - fy : fy;
            for (let dx = 0; dx < 2; dx++) {
              const xx = x0 + dx;
              const wx = dx === 0 ? 1 - fx : fx;
              const inside = xx >= 0 && xx < width && yy >= 0 && yy < height;
              acc += wx * wy * (inside ? data[3 * (yy * width + xx) + c] : fill[c]);
            }
          }
          out[o + c] = acc;
        }
      }
    }
  }
}
