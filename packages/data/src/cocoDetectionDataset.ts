import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, InputError } from '@rcnn/core';
import { annToRle, decode, frCompressed } from '@rcnn/eval';
import type { CocoAnnotation, CocoCategory, CocoDataset, CocoImage, CocoSegmentation } from './cocoFormat';
import type { DetectionRecord } from './detectionRecord';
import { readImageFile } from './imageCodec';

/** What to do with an invalid image or annotation: throw an InputError, or skip it and report it. */
export type InvalidPolicy = 'throw' | 'skip';

/** An image or annotation left out under `onInvalid: 'skip'`, and why. */
export interface SkippedItem {
  /** The annotations file. */
  readonly file: string;
  readonly imageId?: number;
  readonly annotationId?: number;
  readonly reason: string;
}

/** Options of {@link parseCocoDataset} and `readCocoDataset`. */
export interface CocoReadOptions {
  /** Folder the images' `file_name`s are relative to. Default: `<annotations folder>/images`, or the annotations folder itself when that does not exist. */
  imageDir?: string;
  /** Invalid images/annotations throw (default) or are skipped and listed in `skipped`. */
  onInvalid?: InvalidPolicy;
  /** Called for every skipped item (only with `onInvalid: 'skip'`). */
  onSkip?: (item: SkippedItem) => void;
  /** Check at load time that every image file exists. Default true when an image folder is known. */
  checkImages?: boolean;
  /** How far (pixels) a bbox may reach outside its image before it is invalid. Default 1. */
  bboxTolerance?: number;
}

/** A validated annotation with its contiguous class id. Boxes are COCO `[x, y, w, h]`. */
export interface CocoInstance {
  readonly id: number;
  readonly categoryId: number;
  readonly classId: number;
  readonly bbox: readonly [number, number, number, number];
  readonly area: number;
  readonly isCrowd: boolean;
  readonly segmentation: CocoSegmentation | null;
  readonly keypoints: readonly number[] | null;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v != null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * A COCO-format detection dataset (instances, crowd regions, segmentations as polygons or RLE,
 * person keypoints), validated, with COCO's non-contiguous category ids mapped to contiguous class
 * ids 1..K in ascending category-id order (0 is background) and back.
 */
export class CocoDetectionDataset {
  /** Categories sorted by id; `categories[c - 1]` has class id `c`. */
  readonly categories: readonly CocoCategory[];
  /** Images kept (in file order), including those without annotations. */
  readonly images: readonly CocoImage[];
  /** What `onInvalid: 'skip'` left out. */
  readonly skipped: readonly SkippedItem[];
  /** Keypoints per instance (the most any category declares), 0 without keypoint categories. */
  readonly numKeypoints: number;
  /** True when every kept annotation has a segmentation, so records carry masks. */
  readonly hasMasks: boolean;
  private readonly classOfCategory = new Map<number, number>();
  private readonly instancesOfImage: CocoInstance[][];

  /** Use {@link parseCocoDataset} or `readCocoDataset`. */
  constructor(
    /** The annotations file, named in errors. */
    readonly file: string,
    /** Folder of the images, or null when only annotations are available. */
    readonly imageDir: string | null,
    categories: CocoCategory[],
    images: CocoImage[],
    instances: CocoInstance[][],
    skipped: SkippedItem[],
  ) {
    this.categories = categories;
    categories.forEach((c, i) => {
      this.classOfCategory.set(c.id, i + 1);
    });
    this.images = images;
    this.instancesOfImage = instances;
    this.skipped = skipped;
    this.numKeypoints = Math.max(0, ...categories.map((c) => c.keypoints?.length ?? 0));
    this.hasMasks = instances.every((list) => list.every((a) => a.segmentation != null));
  }

  /** Number of images. */
  get length(): number {
    return this.images.length;
  }

  /** Number of object classes K (background excluded). */
  get numClasses(): number {
    return this.categories.length;
  }

  /** Class names by class id; index 0 is `'__background__'`. */
  get classNames(): string[] {
    return ['__background__', ...this.categories.map((c) => c.name)];
  }

  /** The contiguous class id (1..K) of a COCO category id. */
  classIdOf(categoryId: number): number {
    const c = this.classOfCategory.get(categoryId);
    if (c == null) throw new InputError(this.file, `unknown category_id ${categoryId}`);
    return c;
  }

  /** The COCO category id of a contiguous class id (1..K). */
  categoryIdOf(classId: number): number {
    if (!Number.isInteger(classId) || classId < 1 || classId > this.categories.length) {
      throw new InputError('classId', `must be an integer in [1, ${this.categories.length}], got ${classId}`);
    }
    return this.categories[classId - 1].id;
  }

  /** The validated annotations of image `index` (0-based position in `images`). */
  instances(index: number): readonly CocoInstance[] {
    this.checkIndex(index);
    return this.instancesOfImage[index];
  }

  /** Path of image `index`'s file. */
  imagePath(index: number): string {
    this.checkIndex(index);
    if (this.imageDir == null) throw new ConfigError('imageDir', `no image folder given for ${this.file}`);
    return join(this.imageDir, this.images[index].file_name);
  }

  /**
   * Load image `index` with its annotations as a {@link DetectionRecord}: pixels decoded to RGB,
   * boxes converted to `(x1, y1, x2, y2)` and clipped to the image, masks decoded from polygons or
   * RLE, keypoints laid out `[N,K,3]`.
   */
  async get(index: number): Promise<DetectionRecord> {
    const info = this.images[index];
    const path = this.imagePath(index);
    const image = await readImageFile(path);
    if (image.width !== info.width || image.height !== info.height) {
      throw new InputError(
        path,
        `decoded size ${image.width}x${image.height} differs from image ${info.id}'s ${info.width}x${info.height} in ${this.file}`,
      );
    }
    return this.toRecord(index, image);
  }

  /** Build the record of image `index` around already decoded pixels (sizes must match the JSON). */
  toRecord(index: number, image: DetectionRecord['image']): DetectionRecord {
    this.checkIndex(index);
    const info = this.images[index];
    const { width, height } = info;
    if (image.width !== width || image.height !== height) {
      throw new InputError(
        'image',
        `expected ${width}x${height} for image ${info.id}, got ${image.width}x${image.height}`,
      );
    }
    const list = this.instancesOfImage[index];
    const n = list.length;
    const boxes = new Float32Array(n * 4);
    const classIds = new Int32Array(n);
    const isCrowd = new Uint8Array(n);
    const areas = new Float32Array(n);
    const annotationIds = new Int32Array(n);
    const masks = this.hasMasks ? new Uint8Array(n * width * height) : null;
    const k = this.numKeypoints;
    const keypoints = k > 0 ? new Float32Array(n * k * 3) : null;
    list.forEach((a, i) => {
      const [x, y, w, h] = a.bbox;
      boxes[4 * i] = Math.min(Math.max(x, 0), width);
      boxes[4 * i + 1] = Math.min(Math.max(y, 0), height);
      boxes[4 * i + 2] = Math.min(Math.max(x + w, 0), width);
      boxes[4 * i + 3] = Math.min(Math.max(y + h, 0), height);
      classIds[i] = a.classId;
      isCrowd[i] = a.isCrowd ? 1 : 0;
      areas[i] = a.area;
      annotationIds[i] = a.id;
      if (masks != null && a.segmentation != null) {
        masks.set(decode(annToRle(a.segmentation, height, width)), i * width * height);
      }
      if (keypoints != null && a.keypoints != null) keypoints.set(a.keypoints, i * k * 3);
    });
    return { imageId: info.id, image, boxes, classIds, isCrowd, areas, annotationIds, masks, keypoints };
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.images.length) {
      throw new InputError('index', `must be an integer in [0, ${this.images.length}), got ${index}`);
    }
  }
}

/** Collects validation failures, throwing or recording them by policy. */
class Validator {
  readonly skipped: SkippedItem[] = [];
  constructor(
    readonly file: string,
    readonly policy: InvalidPolicy,
    readonly onSkip?: (item: SkippedItem) => void,
  ) {}

  /** Throws under 'throw'; under 'skip' records and returns false. */
  fail(where: { imageId?: number; annotationId?: number }, reason: string): false {
    const name =
      where.annotationId != null
        ? `${this.file}: annotation ${where.annotationId}`
        : where.imageId != null
          ? `${this.file}: image ${where.imageId}`
          : this.file;
    if (this.policy === 'throw') throw new InputError(name, reason);
    const item: SkippedItem = { file: this.file, ...where, reason };
    this.skipped.push(item);
    this.onSkip?.(item);
    return false;
  }
}

function checkSegmentation(segm: unknown, image: CocoImage): string | null {
  if (Array.isArray(segm)) {
    if (segm.length === 0) return 'segmentation is an empty polygon list';
    for (let p = 0; p < segm.length; p++) {
      const poly = segm[p];
      if (!Array.isArray(poly) || !poly.every(isFiniteNumber))
        return `polygon ${p} is not a list of finite numbers`;
      if (poly.length % 2 !== 0) return `polygon ${p} has an odd number of coordinates (${poly.length})`;
      if (poly.length < 6) return `polygon ${p} has ${poly.length / 2} points; a polygon needs at least 3`;
    }
    return null;
  }
  if (!isObject(segm)) return 'segmentation must be a polygon list or an RLE object';
  const size = segm.size;
  if (!Array.isArray(size) || size[0] !== image.height || size[1] !== image.width) {
    return `RLE size ${JSON.stringify(size)} differs from the image's [height, width] [${image.height}, ${image.width}]`;
  }
  if (typeof segm.counts === 'string') {
    try {
      frCompressed({ size: [image.height, image.width], counts: segm.counts });
    } catch (err) {
      return `malformed compressed RLE: ${(err as Error).message}`;
    }
    return null;
  }
  if (!Array.isArray(segm.counts) || !segm.counts.every((c) => Number.isInteger(c) && c >= 0)) {
    return 'RLE counts must be a string or a list of non-negative integers';
  }
  let total = 0;
  for (const c of segm.counts as number[]) total += c;
  if (total !== image.height * image.width)
    return `RLE counts sum to ${total}, expected ${image.height * image.width}`;
  return null;
}

/**
 * Validate a parsed COCO dataset object and index it. `file` names the source in errors; every
 * failure is an InputError naming the file and the image or annotation id (or, with
 * `onInvalid: 'skip'`, a reported skip): images missing on disk, unknown image or category ids,
 * polygons with fewer than 3 points, bboxes outside the image, malformed RLE or keypoints.
 */
export function parseCocoDataset(
  json: unknown,
  file: string,
  options: CocoReadOptions = {},
): CocoDetectionDataset {
  const policy = options.onInvalid ?? 'throw';
  if (policy !== 'throw' && policy !== 'skip')
    throw new ConfigError('onInvalid', `must be 'throw' or 'skip', got ${policy}`);
  const tolerance = options.bboxTolerance ?? 1;
  if (!(tolerance >= 0)) throw new ConfigError('bboxTolerance', `must be >= 0, got ${tolerance}`);
  const imageDir = options.imageDir ?? null;
  const checkImages = options.checkImages ?? imageDir != null;
  const v = new Validator(file, policy, options.onSkip);
  if (!isObject(json)) throw new InputError(file, 'a COCO dataset must be a JSON object');
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(json[key])) throw new InputError(file, `missing the '${key}' array`);
  }
  const raw = json as unknown as CocoDataset;

  const categories: CocoCategory[] = [];
  const categoryIds = new Set<number>();
  raw.categories.forEach((c, i) => {
    if (!isObject(c) || !Number.isInteger(c.id) || typeof c.name !== 'string') {
      throw new InputError(file, `categories[${i}] needs an integer id and a string name`);
    }
    if (categoryIds.has(c.id)) throw new InputError(file, `duplicate category id ${c.id}`);
    if (c.keypoints != null && !Array.isArray(c.keypoints)) {
      throw new InputError(file, `category ${c.id}: keypoints must be a list of names`);
    }
    categoryIds.add(c.id);
    categories.push(c);
  });
  categories.sort((a, b) => a.id - b.id);
  const keypointsOf = new Map(categories.map((c) => [c.id, c.keypoints?.length ?? 0]));
  const classOf = new Map(categories.map((c, i) => [c.id, i + 1]));

  const images: CocoImage[] = [];
  const indexOfImage = new Map<number, number>();
  const seen = new Set<number>();
  raw.images.forEach((im, i) => {
    if (!isObject(im) || !Number.isInteger(im.id))
      throw new InputError(file, `images[${i}] needs an integer id`);
    if (seen.has(im.id)) throw new InputError(file, `duplicate image id ${im.id}`);
    seen.add(im.id);
    const where = { imageId: im.id };
    if (typeof im.file_name !== 'string' || im.file_name.length === 0) {
      v.fail(where, 'file_name must be a non-empty string');
      return;
    }
    if (!Number.isInteger(im.width) || !Number.isInteger(im.height) || im.width <= 0 || im.height <= 0) {
      v.fail(where, `width and height must be positive integers, got ${im.width}x${im.height}`);
      return;
    }
    if (checkImages && imageDir != null && !existsSync(join(imageDir, im.file_name))) {
      v.fail(where, `image file not found: ${join(imageDir, im.file_name)}`);
      return;
    }
    indexOfImage.set(im.id, images.length);
    images.push(im);
  });

  const instances: CocoInstance[][] = images.map(() => []);
  raw.annotations.forEach((a: CocoAnnotation, i) => {
    if (!isObject(a) || !Number.isInteger(a.id))
      throw new InputError(file, `annotations[${i}] needs an integer id`);
    const where = { annotationId: a.id, imageId: a.image_id };
    const index = indexOfImage.get(a.image_id);
    if (index == null) {
      if (seen.has(a.image_id)) return; // its image was skipped and reported already
      v.fail(where, `unknown image_id ${a.image_id}`);
      return;
    }
    const image = images[index];
    if (!categoryIds.has(a.category_id)) {
      v.fail(where, `unknown category_id ${a.category_id}`);
      return;
    }
    const b = a.bbox;
    if (!Array.isArray(b) || b.length !== 4 || !b.every(isFiniteNumber)) {
      v.fail(where, `bbox must be [x, y, width, height] of 4 finite numbers, got ${JSON.stringify(b)}`);
      return;
    }
    if (b[2] <= 0 || b[3] <= 0) {
      v.fail(where, `bbox ${JSON.stringify(b)} has a non-positive width or height`);
      return;
    }
    if (
      b[0] < -tolerance ||
      b[1] < -tolerance ||
      b[0] + b[2] > image.width + tolerance ||
      b[1] + b[3] > image.height + tolerance
    ) {
      v.fail(
        where,
        `bbox ${JSON.stringify(b)} lies outside image ${image.id} (${image.width}x${image.height})`,
      );
      return;
    }
    const segmentation = a.segmentation ?? null;
    if (segmentation != null) {
      const problem = checkSegmentation(segmentation, image);
      if (problem != null) {
        v.fail(where, problem);
        return;
      }
    }
    const k = keypointsOf.get(a.category_id) ?? 0;
    let keypoints: number[] | null = null;
    if (a.keypoints != null && k > 0) {
      if (!Array.isArray(a.keypoints) || a.keypoints.length !== 3 * k || !a.keypoints.every(isFiniteNumber)) {
        v.fail(where, `keypoints must be ${3 * k} finite numbers (x, y, v for ${k} keypoints)`);
        return;
      }
      keypoints = a.keypoints;
    }
    const iscrowd = a.iscrowd ?? 0;
    if (iscrowd !== 0 && iscrowd !== 1) {
      v.fail(where, `iscrowd must be 0 or 1, got ${iscrowd}`);
      return;
    }
    let area = a.area;
    if (area == null) area = b[2] * b[3];
    if (!isFiniteNumber(area) || area < 0) {
      v.fail(where, `area must be a non-negative number, got ${a.area}`);
      return;
    }
    instances[index].push({
      id: a.id,
      categoryId: a.category_id,
      classId: classOf.get(a.category_id)!,
      bbox: [b[0], b[1], b[2], b[3]],
      area,
      isCrowd: iscrowd === 1,
      segmentation,
      keypoints,
    });
  });
  return new CocoDetectionDataset(file, imageDir, categories, images, instances, v.skipped);
}
