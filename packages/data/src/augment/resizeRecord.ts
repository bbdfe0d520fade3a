import { ConfigError } from '@rcnn/core';
import type { DetectionRecord } from '../detectionRecord';
import type { RgbImage } from '../image';

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ConfigError(
      'size',
      `target width and height must be positive integers, got ${width}x${height}`,
    );
  }
}

/** Source coordinate of output pixel `d` (half-pixel centres, clamped at 0), as torch's `align_corners=False`. */
function sourceIndex(d: number, scale: number): number {
  const s = (d + 0.5) * scale - 0.5;
  return Math.max(s, 0);
}

/**
 * Bilinear resize of an RGB image with half-pixel centres (torch's `interpolate(mode='bilinear',
 * align_corners=False)` without antialiasing), rounded to the nearest byte.
 */
export function resizeImageBilinear(image: RgbImage, width: number, height: number): RgbImage {
  checkSize(width, height);
  const { width: iw, height: ih, data } = image;
  const out = new Uint8Array(width * height * 3);
  const sx = iw / width;
  const sy = ih / height;
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const lxs = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const s = sourceIndex(x, sx);
    const x0 = Math.min(Math.floor(s), iw - 1);
    x0s[x] = x0;
    x1s[x] = Math.min(x0 + 1, iw - 1);
    lxs[x] = s - x0;
  }
  for (let y = 0; y < height; y++) {
    const s = sourceIndex(y, sy);
    const y0 = Math.min(Math.floor(s), ih - 1);
    const y1 = Math.min(y0 + 1, ih - 1);
    const ly = s - y0;
    const r0 = y0 * iw;
    const r1 = y1 * iw;
    for (let x = 0; x < width; x++) {
      const lx = lxs[x];
      const a = (r0 + x0s[x]) * 3;
      const b = (r0 + x1s[x]) * 3;
      const c = (r1 + x0s[x]) * 3;
      const d = (r1 + x1s[x]) * 3;
      const o = (y * width + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = data[a + ch] + (data[b + ch] - data[a + ch]) * lx;
        const bottom = data[c + ch] + (data[d + ch] - data[c + ch]) * lx;
        out[o + ch] = Math.round(top + (bottom - top) * ly);
      }
    }
  }
  return { width, height, data: out };
}

/**
 * Resize a record to `width` x `height` pixels: the image bilinearly, masks by nearest neighbour
 * (torch's `mode='nearest'`: source index `floor(d * in / out)`), boxes and keypoint coordinates
 * scaled per axis, areas by the product of the two scales.
 */
export function resizeRecord(record: DetectionRecord, width: number, height: number): DetectionRecord {
  checkSize(width, height);
  const { width: iw, height: ih } = record.image;
  const fx = width / iw;
  const fy = height / ih;
  const n = record.classIds.length;
  const boxes = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    boxes[4 * i] = record.boxes[4 * i] * fx;
    boxes[4 * i + 1] = record.boxes[4 * i + 1] * fy;
    boxes[4 * i + 2] = record.boxes[4 * i + 2] * fx;
    boxes[4 * i + 3] = record.boxes[4 * i + 3] * fy;
  }
  const areas = record.areas.map((a) => a * fx * fy);
  let masks: Uint8Array | null = null;
  if (record.masks != null) {
    masks = new Uint8Array(n * width * height);
    const cols = new Int32Array(width);
    for (let x = 0; x < width; x++) cols[x] = Math.min(Math.floor((x * iw) / width), iw - 1);
    for (let i = 0; i < n; i++) {
      const src = i * iw * ih;
      const dst = i * width * height;
      for (let y = 0; y < height; y++) {
        const row = src + Math.min(Math.floor((y * ih) / height), ih - 1) * iw;
        const out = dst + y * width;
        for (let x = 0; x < width; x++) masks[out + x] = record.masks[row + cols[x]];
      }
    }
  }
  let keypoints: Float32Array | null = null;
  if (record.keypoints != null) {
    keypoints = record.keypoints.slice();
    for (let j = 0; j < keypoints.length; j += 3) {
      keypoints[j] *= fx;
      keypoints[j + 1] *= fy;
    }
  }
  return {
    ...record,
    image: resizeImageBilinear(record.image, width, height),
    boxes,
    areas,
    masks,
    keypoints,
    classIds: record.classIds.slice(),
    isCrowd: record.isCrowd.slice(),
    annotationIds: record.annotationIds.slice(),
  };
}
