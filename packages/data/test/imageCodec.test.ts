import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@rcnn/core';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, encodeJpeg, encodePng, readImageFile, sniffImageFormat } from '../src/index';

function randomImage(width: number, height: number, seed: number) {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, data };
}

describe('PNG and JPEG codecs', () => {
  it('round-trips PNG losslessly', () => {
    const image = randomImage(37, 23, 1);
    const bytes = encodePng(image);
    expect(sniffImageFormat(bytes)).toBe('png');
    const back = decodeImage(bytes);
    expect(back.width).toBe(37);
    expect(back.height).toBe(23);
    expect(Array.from(back.data)).toEqual(Array.from(image.data));
  });

  it('expands grey and RGBA PNGs to RGB', () => {
    const png = new PNG({ width: 3, height: 2 });
    // Opaque for the grey file: pngjs's writer composites alpha onto white when it drops it.
    for (let i = 0; i < 6; i++) png.data.set([10 * i, 10 * i, 10 * i, 255], 4 * i);
    const grey = PNG.sync.write(png, { colorType: 0 });
    for (let i = 0; i < 6; i++) png.data[4 * i + 3] = 128;
    const rgba = PNG.sync.write(png, { colorType: 6 });
    for (const bytes of [grey, rgba]) {
      const image = decodeImage(bytes);
      expect(Array.from(image.data)).toEqual([
        0, 0, 0, 10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40, 50, 50, 50,
      ]);
    }
  });

  it('decodes JPEG close to the source (smooth image, quality 95)', () => {
    const width = 32;
    const height = 24;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data.set([x * 6, y * 8, 128], (y * width + x) * 3);
    }
    const bytes = encodeJpeg({ width, height, data }, 95);
    expect(sniffImageFormat(bytes)).toBe('jpeg');
    const back = decodeImage(bytes);
    expect([back.width, back.height]).toEqual([width, height]);
    let err = 0;
    for (let i = 0; i < data.length; i++) err += Math.abs(back.data[i] - data[i]);
    expect(err / data.length).toBeLessThan(3);
  });

  it('names the file for unknown formats, corrupt data and missing files', async () => {
    expect(() => decodeImage(new Uint8Array([1, 2, 3, 4]), 'a.bin')).toThrow(/a\.bin: not a PNG or JPEG/);
    const truncated = encodePng(randomImage(8, 8, 2)).slice(0, 40);
    expect(() => decodeImage(truncated, 'cut.png')).toThrow(InputError);
    expect(() => decodeImage(truncated, 'cut.png')).toThrow(/cut\.png: cannot decode PNG/);
    const dir = mkdtempSync(join(tmpdir(), 'rcnn-codec-'));
    await expect(readImageFile(join(dir, 'nope.png'))).rejects.toThrow(/nope\.png: image file not found/);
    writeFileSync(join(dir, 'ok.png'), encodePng(randomImage(4, 5, 3)));
    const ok = await readImageFile(join(dir, 'ok.png'));
    expect([ok.width, ok.height]).toEqual([4, 5]);
    rmSync(dir, { recursive: true, force: true });
  });
});
