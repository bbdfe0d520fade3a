import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@rcnn/core';
import { COCO_PERSON_SKELETON, createRgbImage, decodeImage, type RgbImage } from '@rcnn/data';
import { describe, expect, it } from 'vitest';
import {
  blendMask,
  classColor,
  drawBox,
  drawDetections,
  drawKeypoints,
  drawLine,
  drawText,
  GLYPH_HEIGHT,
  GLYPH_WIDTH,
  glyphBitmap,
  measureText,
  type Rgb,
  writePng,
} from '../src/index';

const RED: Rgb = [255, 0, 0];

function pixel(image: RgbImage, x: number, y: number): number[] {
  const o = (y * image.width + x) * 3;
  return [image.data[o], image.data[o + 1], image.data[o + 2]];
}

/** Pixels equal to `color`, as "x,y" strings. */
function painted(image: RgbImage, color: Rgb): Set<string> {
  const out = new Set<string>();
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < image.width; x++) {
      const p = pixel(image, x, y);
      if (p[0] === color[0] && p[1] === color[1] && p[2] === color[2]) out.add(`${x},${y}`);
    }
  return out;
}

describe('drawBox', () => {
  it('outlines exactly the border pixels the box covers', () => {
    const im = createRgbImage(10, 8);
    drawBox(im, [2, 1, 6, 5], RED, 1);
    const expected = new Set<string>();
    for (let y = 1; y < 5; y++)
      for (let x = 2; x < 6; x++) if (x === 2 || x === 5 || y === 1 || y === 4) expected.add(`${x},${y}`);
    expect(painted(im, RED)).toEqual(expected);
  });

  it('rounds fractional coordinates outwards and clips at the image edge', () => {
    const im = createRgbImage(6, 6);
    drawBox(im, [3.5, -2, 9.2, 2.3], RED, 1);
    // x spans pixels 3..5 (clipped at 5), y spans 0..2; the right edge (pixel 9) is outside.
    const got = painted(im, RED);
    expect(got.has('3,0') && got.has('3,2') && got.has('5,2') && got.has('4,2')).toBe(true);
    expect(got.has('4,1')).toBe(false);
    expect(got.has('5,1')).toBe(false);
  });

  it('draws thick outlines inwards', () => {
    const im = createRgbImage(12, 12);
    drawBox(im, [1, 1, 11, 11], RED, 2);
    expect(pixel(im, 2, 5)).toEqual([...RED]);
    expect(pixel(im, 3, 5)).toEqual([0, 0, 0]);
    expect(pixel(im, 9, 9)).toEqual([...RED]);
    expect(pixel(im, 8, 8)).toEqual([0, 0, 0]);
  });

  it('names the box in its errors', () => {
    const im = createRgbImage(4, 4);
    expect(() => drawBox(im, [0, 0, 1], RED)).toThrow(InputError);
    expect(() => drawBox(im, [0, 0, Number.NaN, 1], RED)).toThrow(/box: non-finite/);
  });
});

describe('blendMask', () => {
  it('tints foreground pixels with alpha and leaves the rest', () => {
    const im = createRgbImage(4, 3);
    im.data.fill(100);
    const mask = new Float32Array(12);
    mask[5] = 0.9; // (1,1)
    mask[6] = 0.4; // (2,1): below the threshold
    blendMask(im, mask, [200, 0, 100], { alpha: 0.5 });
    expect(pixel(im, 1, 1)).toEqual([150, 50, 100]);
    expect(pixel(im, 2, 1)).toEqual([100, 100, 100]);
    expect(pixel(im, 0, 0)).toEqual([100, 100, 100]);
  });

  it('paints the outline opaque and the interior blended', () => {
    const im = createRgbImage(5, 5);
    const mask = new Uint8Array(25);
    for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) mask[y * 5 + x] = 1;
    blendMask(im, mask, [200, 100, 0], { alpha: 0.5, outline: true });
    expect(pixel(im, 1, 1)).toEqual([200, 100, 0]);
    expect(pixel(im, 2, 2)).toEqual([100, 50, 0]);
  });

  it('rejects a mask of the wrong size', () => {
    expect(() => blendMask(createRgbImage(4, 4), new Uint8Array(15), RED)).toThrow(/mask: expected 16/);
  });
});

describe('drawLine', () => {
  it('draws gap-free diagonal and horizontal lines including both ends', () => {
    const im = createRgbImage(8, 8);
    drawLine(im, 0, 0, 7, 7, RED);
    for (let i = 0; i < 8; i++) expect(pixel(im, i, i)).toEqual([...RED]);
    expect(painted(im, RED).size).toBe(8);
    const im2 = createRgbImage(8, 3);
    drawLine(im2, 6, 1, 1, 1, RED);
    expect(painted(im2, RED)).toEqual(new Set(['1,1', '2,1', '3,1', '4,1', '5,1', '6,1']));
  });

  it('has 8-connected steps on a steep line', () => {
    const im = createRgbImage(10, 10);
    drawLine(im, 1, 0, 4, 9, RED);
    const ys = new Set([...painted(im, RED)].map((p) => Number(p.split(',')[1])));
    expect(ys.size).toBe(10);
  });
});

describe('drawText', () => {
  it('renders each glyph bitmap at the given scale', () => {
    const im = createRgbImage(20, 20);
    drawText(im, '7', 2, 3, { color: RED, scale: 2 });
    const g = glyphBitmap('7');
    for (let r = 0; r < GLYPH_HEIGHT; r++)
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        const on = pixel(im, 3 + c * 2 + 1, 4 + r * 2 + 1)[0] === 255;
        expect(on).toBe(g[r * GLYPH_WIDTH + c] === 1);
      }
  });

  it('measures text including the margin and fills the background', () => {
    expect(measureText('ab')).toEqual({ width: 2 * 6 - 1 + 2, height: 9 });
    expect(measureText('')).toEqual({ width: 0, height: 9 });
    const im = createRgbImage(30, 12);
    drawText(im, 'a', 0, 0, { color: [255, 255, 255], background: [0, 0, 255] });
    expect(pixel(im, 0, 0)).toEqual([0, 0, 255]);
    expect(pixel(im, 6, 8)).toEqual([0, 0, 255]);
    expect(pixel(im, 7, 0)).toEqual([0, 0, 0]);
  });

  it('draws lowercase as capitals and unknown characters as ?', () => {
    expect(glyphBitmap('q')).toEqual(glyphBitmap('Q'));
    expect(glyphBitmap('é')).toEqual(glyphBitmap('?'));
  });
});

describe('drawKeypoints', () => {
  it('joins visible keypoints with the skeleton and skips invisible ones', () => {
    const im = createRgbImage(20, 20);
    const kps = new Float32Array([2.5, 2.5, 2, 12.5, 2.5, 2, 12.5, 15.5, 0]);
    drawKeypoints(im, kps, 3, RED, {
      skeleton: [
        [1, 2],
        [2, 3],
      ],
      pointSize: 1,
      pointColor: [0, 255, 0],
    });
    expect(pixel(im, 2, 2)).toEqual([0, 255, 0]);
    expect(pixel(im, 7, 2)).toEqual([...RED]);
    expect(pixel(im, 12, 9)).toEqual([0, 0, 0]);
    expect(pixel(im, 12, 15)).toEqual([0, 0, 0]);
  });

  it('rejects skeleton pairs outside the keypoints', () => {
    expect(() =>
      drawKeypoints(createRgbImage(4, 4), new Float32Array(6), 2, RED, { skeleton: [[1, 3]] }),
    ).toThrow(/skeleton: pair \[1, 3\]/);
  });
});

describe('drawDetections', () => {
  const H = 40;
  const W = 60;
  const base = createRgbImage(W, H);
  base.data.fill(50);
  const masks = new Uint8Array(2 * H * W);
  for (let y = 12; y < 30; y++) for (let x = 10; x < 30; x++) masks[y * W + x] = 1;
  const dets = {
    boxes: new Float32Array([10, 12, 30, 30, 35, 5, 55, 25]),
    labels: new Int32Array([1, 2]),
    scores: new Float32Array([0.9, 0.3]),
    masks,
  };

  it('draws masks, boxes and labels of detections above the threshold on a copy', () => {
    const before = Uint8Array.from(base.data);
    const out = drawDetections(base, dets, { classNames: ['bg', 'person', 'star'], scoreThreshold: 0.5 });
    expect(base.data).toEqual(before);
    const c1 = classColor(1);
    expect(pixel(out, 10, 20)).toEqual([...c1]); // box edge
    const inside = pixel(out, 20, 22);
    for (let k = 0; k < 3; k++) expect(inside[k]).toBe(Math.round(50 * 0.55 + c1[k] * 0.45));
    // label strip just above the box holds the class colour
    expect(pixel(out, 10, 11)).toEqual([...c1]);
    // the low-scoring detection is not drawn
    expect(pixel(out, 54, 20)).toEqual([50, 50, 50]);
    const all = drawDetections(base, dets, { scoreThreshold: 0 });
    expect(pixel(all, 45, 24)).toEqual([...classColor(2)]);
  });

  it('draws keypoints when given', () => {
    const kps = new Float32Array(2 * 17 * 3);
    kps.set([20.5, 20.5, 2], 0);
    const out = drawDetections(
      base,
      { ...dets, masks: undefined, keypoints: kps },
      { skeleton: COCO_PERSON_SKELETON, labels: false },
    );
    expect(pixel(out, 20, 20)).toEqual([255, 255, 255]);
  });

  it('checks array sizes against the number of detections', () => {
    expect(() => drawDetections(base, { ...dets, boxes: new Float32Array(4) })).toThrow(
      /detections.boxes: expected 2×4/,
    );
    expect(() => drawDetections(base, { ...dets, masks: new Uint8Array(10) })).toThrow(/detections.masks/);
    expect(() => drawDetections({ width: 4, height: 4, data: new Uint8Array(3) }, dets)).toThrow(InputError);
  });
});

describe('writePng', () => {
  it('writes a PNG that decodes to the same pixels, leaving no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viz-'));
    try {
      const im = createRgbImage(7, 5);
      for (let i = 0; i < im.data.length; i++) im.data[i] = (i * 37) % 256;
      const path = join(dir, 'sub', 'out.png');
      await writePng(path, im);
      const back = decodeImage(readFileSync(path), path);
      expect(back.width).toBe(7);
      expect(back.data).toEqual(im.data);
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(join(dir, 'sub'))).toEqual(['out.png']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
