import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom } from '@rcnn/core';
import { describe, expect, it } from 'vitest';
import {
  COCO_KEYPOINT_FLIP_MAP,
  COCO_KEYPOINT_NAMES,
  type DetectionRecord,
  horizontalFlip,
  resizeImageBilinear,
  resizeRecord,
  syntheticRecord,
  trainAugmentation,
} from '../src/index';

/** The first synthetic scene with at least two persons and four objects. */
function sceneWithPersons(): DetectionRecord {
  for (let i = 0; ; i++) {
    const r = syntheticRecord(i, { seed: 1, personProbability: 0.5 });
    if (r.classIds.filter((c) => c === 1).length >= 2 && r.classIds.length >= 4) return r;
  }
}
const record = sceneWithPersons();
const W = record.image.width;
const H = record.image.height;
const N = record.classIds.length;

function tightBox(mask: Uint8Array, offset: number, width: number, height: number): number[] {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[offset + y * width + x]) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  }
  return [x0, y0, x1 + 1, y1 + 1];
}

function expectSameRecord(a: DetectionRecord, b: DetectionRecord): void {
  expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
  expect(Array.from(a.boxes)).toEqual(Array.from(b.boxes));
  expect(Buffer.from(a.masks!).equals(Buffer.from(b.masks!))).toBe(true);
  expect(Array.from(a.keypoints!)).toEqual(Array.from(b.keypoints!));
  expect(Array.from(a.classIds)).toEqual(Array.from(b.classIds));
}

describe('horizontalFlip', () => {
  const flipped = horizontalFlip(record);

  it('matches a plain-loop reference for pixels, boxes, masks and keypoints', () => {
    expect(N).toBeGreaterThan(3);
    let wrongPixels = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < 3; c++) {
          if (flipped.image.data[(y * W + x) * 3 + c] !== record.image.data[(y * W + W - 1 - x) * 3 + c])
            wrongPixels++;
        }
      }
    }
    expect(wrongPixels).toBe(0);
    for (let i = 0; i < N; i++) {
      const [x1, y1, x2, y2] = record.boxes.slice(4 * i, 4 * i + 4);
      expect(Array.from(flipped.boxes.slice(4 * i, 4 * i + 4))).toEqual([W - x2, y1, W - x1, y2]);
      // Boxes of the synthetic records are tight mask boxes; flipping keeps them tight.
      expect(tightBox(flipped.masks!, i * W * H, W, H)).toEqual(
        Array.from(flipped.boxes.slice(4 * i, 4 * i + 4)),
      );
      for (let k = 0; k < 17; k++) {
        const src = (i * 17 + COCO_KEYPOINT_FLIP_MAP[k]) * 3;
        const dst = (i * 17 + k) * 3;
        const v = record.keypoints![src + 2];
        const want = v > 0 ? [W - record.keypoints![src], record.keypoints![src + 1], v] : [0, 0, 0];
        expect(Array.from(flipped.keypoints!.slice(dst, dst + 3))).toEqual(want.map((t) => Math.fround(t)));
      }
    }
  });

  it('keeps a front-facing figure’s left side on the image right, and is its own inverse', () => {
    const ls = COCO_KEYPOINT_NAMES.indexOf('left_shoulder');
    const rs = COCO_KEYPOINT_NAMES.indexOf('right_shoulder');
    let checked = 0;
    for (const r of [record, flipped]) {
      for (let i = 0; i < N; i++) {
        const kp = r.keypoints!.subarray(i * 51, i * 51 + 51);
        if (kp[ls * 3 + 2] > 0 && kp[rs * 3 + 2] > 0) {
          expect(kp[ls * 3]).toBeGreaterThan(kp[rs * 3]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1);
    const twice = horizontalFlip(flipped);
    expectSameRecord({ ...twice, keypoints: record.keypoints }, record);
    // W - (W - x) rounds once more in float32.
    for (let j = 0; j < record.keypoints!.length; j++) {
      expect(twice.keypoints![j]).toBeCloseTo(record.keypoints![j], 4);
    }
  });

  it('rejects a flip map of the wrong length', () => {
    expect(() => horizontalFlip(record, [0, 1])).toThrow(/flipMap/);
  });
});

interface ResizeCase {
  height: number;
  width: number;
  outHeight: number;
  outWidth: number;
  image: number[];
  bilinear: number[];
  mask: number[];
  nearest: number[];
}
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'resize.json'), 'utf8')) as {
  cases: ResizeCase[];
};

/** Float64 plain-loop bilinear resize with half-pixel centres (the reference). */
function bilinearReference(src: Float64Array, h: number, w: number, oh: number, ow: number): Float64Array {
  const out = new Float64Array(oh * ow * 3);
  for (let y = 0; y < oh; y++) {
    const sy = Math.max(0, ((y + 0.5) * h) / oh - 0.5);
    const y0 = Math.min(Math.floor(sy), h - 1);
    const y1 = Math.min(y0 + 1, h - 1);
    for (let x = 0; x < ow; x++) {
      const sx = Math.max(0, ((x + 0.5) * w) / ow - 0.5);
      const x0 = Math.min(Math.floor(sx), w - 1);
      const x1 = Math.min(x0 + 1, w - 1);
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => src[(yy * w + xx) * 3 + c];
        const top = at(y0, x0) * (1 - (sx - x0)) + at(y0, x1) * (sx - x0);
        const bottom = at(y1, x0) * (1 - (sx - x0)) + at(y1, x1) * (sx - x0);
        out[(y * ow + x) * 3 + c] = top * (1 - (sy - y0)) + bottom * (sy - y0);
      }
    }
  }
  return out;
}

describe('resize', () => {
  it('matches torch bilinear (align_corners=False) and a float64 reference to rounding', () => {
    let maxTorch = 0;
    for (const c of fixture.cases) {
      const image = { width: c.width, height: c.height, data: Uint8Array.from(c.image) };
      const out = resizeImageBilinear(image, c.outWidth, c.outHeight);
      const ref = bilinearReference(Float64Array.from(c.image), c.height, c.width, c.outHeight, c.outWidth);
      for (let i = 0; i < out.data.length; i++) {
        expect(Math.abs(out.data[i] - ref[i])).toBeLessThanOrEqual(0.5 + 1e-9);
        expect(Math.abs(ref[i] - c.bilinear[i])).toBeLessThan(1e-6);
        maxTorch = Math.max(maxTorch, Math.abs(out.data[i] - c.bilinear[i]));
      }
    }
    expect(maxTorch).toBeLessThanOrEqual(0.5 + 1e-6);
  });

  it('resizes masks like torch nearest and scales boxes, areas and keypoints', () => {
    for (const c of fixture.cases) {
      const r: DetectionRecord = {
        imageId: 1,
        image: { width: c.width, height: c.height, data: Uint8Array.from(c.image) },
        boxes: Float32Array.from([1, 2, 3, 3]),
        classIds: Int32Array.from([1]),
        isCrowd: Uint8Array.from([0]),
        areas: Float32Array.from([4]),
        annotationIds: Int32Array.from([9]),
        masks: Uint8Array.from(c.mask),
        keypoints: Float32Array.from([1.5, 2.5, 2, 0, 0, 0]),
      };
      const out = resizeRecord(r, c.outWidth, c.outHeight);
      const fx = c.outWidth / c.width;
      const fy = c.outHeight / c.height;
      expect(Array.from(out.masks!)).toEqual(c.nearest);
      expect(Array.from(out.boxes)).toEqual([1 * fx, 2 * fy, 3 * fx, 3 * fy].map(Math.fround));
      expect(out.areas[0]).toBeCloseTo(4 * fx * fy, 5);
      expect(Array.from(out.keypoints!)).toEqual([1.5 * fx, 2.5 * fy, 2, 0, 0, 0].map(Math.fround));
    }
  });

  it('leaves pixels unchanged at the same size', () => {
    const same = resizeImageBilinear(record.image, W, H);
    expect(Buffer.from(same.data).equals(Buffer.from(record.image.data))).toBe(true);
  });
});

describe('trainAugmentation', () => {
  it('is repeatable for a seed and applies scale jitter with a max-size cap and flips', () => {
    const augment = trainAugmentation({ shortSides: [128, 192], maxSize: 300 });
    const a = augment(record, new SeededRandom(4));
    const b = augment(record, new SeededRandom(4));
    expectSameRecord(a, b);
    const sizes = new Set<number>();
    let flips = 0;
    for (let s = 0; s < 24; s++) {
      const out = augment(record, new SeededRandom(s));
      sizes.add(out.image.width);
      expect(out.image.width).toBe(out.image.height);
      const scale = out.image.width / W;
      const unflipped = resizeRecord(record, out.image.width, out.image.height);
      if (out.boxes[0] !== unflipped.boxes[0]) {
        flips++;
        expectSameRecord(horizontalFlip(unflipped), out);
      } else expectSameRecord(unflipped, out);
      expect([0.5, 0.75]).toContain(scale);
    }
    expect([...sizes].sort()).toEqual([128, 192]);
    expect(flips).toBeGreaterThan(4);
    expect(flips).toBeLessThan(20);
    const capped = trainAugmentation({ shortSides: [512], maxSize: 384, flipProbability: 0 })(
      record,
      new SeededRandom(0),
    );
    expect([capped.image.width, capped.image.height]).toEqual([384, 384]);
    expect(() => trainAugmentation({ flipProbability: 2 })).toThrow(/flipProbability/);
  });
});
