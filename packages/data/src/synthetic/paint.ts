import type { SeededRandom } from '@rcnn/core';

/** An RGB colour, components 0..255. */
export type Rgb = readonly [number, number, number];

/** Writes the colour of pixel `(x, y)` into `out[offset..offset+2]`. */
export type Fill = (out: Uint8Array, offset: number, x: number, y: number) => void;

/** HSV (h in [0, 1), s and v in [0, 1]) to RGB 0..255. */
export function hsvToRgb(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  let r: number;
  let g: number;
  let b: number;
  switch (((i % 6) + 6) % 6) {
    case 0:
      [r, g, b] = [v, t, p];
      break;
    case 1:
      [r, g, b] = [q, v, p];
      break;
    case 2:
      [r, g, b] = [p, v, t];
      break;
    case 3:
      [r, g, b] = [p, q, v];
      break;
    case 4:
      [r, g, b] = [t, p, v];
      break;
    default:
      [r, g, b] = [v, p, q];
  }
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** A vivid random colour (objects stand out from the muted backgrounds, but not always by much). */
export function objectColour(rng: SeededRandom): Rgb {
  return hsvToRgb(rng.next(), rng.uniform(0.35, 1), rng.uniform(0.3, 1));
}

/** A muted random colour for backgrounds. */
export function backgroundColour(rng: SeededRandom): Rgb {
  return hsvToRgb(rng.next(), rng.uniform(0.05, 0.45), rng.uniform(0.25, 0.85));
}

function clampByte(v: number): number {
  return v < 0 ? 0 : Math.min(v, 255);
}

/** A tiny integer hash, for per-pixel noise that depends only on position and a seed. */
function hashNoise(x: number, y: number, seed: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= h >>> 13;
  return ((h & 0xffff) / 65535) * 2 - 1;
}

/**
 * A random object texture: solid, gradient, stripes, checker or dots, in two related colours,
 * with per-pixel noise. `size` (pixels) scales the pattern so small objects stay readable.
 */
export function objectFill(rng: SeededRandom, size: number): Fill {
  const a = objectColour(rng);
  const b: Rgb =
    rng.next() < 0.5
      ? objectColour(rng)
      : [clampByte(a[0] * 0.55 + 20), clampByte(a[1] * 0.55 + 20), clampByte(a[2] * 0.55 + 20)];
  const noise = rng.uniform(0, 14);
  const seed = rng.nextUint32();
  const kind = rng.int(0, 5);
  const angle = rng.uniform(0, Math.PI);
  const ux = Math.cos(angle);
  const uy = Math.sin(angle);
  const period = Math.max(3, size * rng.uniform(0.08, 0.25));
  const x0 = rng.uniform(0, 1000);
  const y0 = rng.uniform(0, 1000);
  const mix = (out: Uint8Array, o: number, t: number, x: number, y: number) => {
    const n = noise * hashNoise(x, y, seed);
    out[o] = clampByte(a[0] + (b[0] - a[0]) * t + n);
    out[o + 1] = clampByte(a[1] + (b[1] - a[1]) * t + n);
    out[o + 2] = clampByte(a[2] + (b[2] - a[2]) * t + n);
  };
  switch (kind) {
    case 0:
      return (out, o, x, y) => mix(out, o, 0, x, y);
    case 1:
      return (out, o, x, y) => {
        const t = ((x - x0) * ux + (y - y0) * uy) / (size * 1.2);
        mix(out, o, t - Math.floor(t), x, y);
      };
    case 2:
      return (out, o, x, y) => {
        const t = ((x - x0) * ux + (y - y0) * uy) / period;
        mix(out, o, t - Math.floor(t) < 0.5 ? 0 : 1, x, y);
      };
    case 3:
      return (out, o, x, y) => {
        const u = Math.floor(((x - x0) * ux + (y - y0) * uy) / period);
        const v = Math.floor((-(x - x0) * uy + (y - y0) * ux) / period);
        mix(out, o, (u + v) & 1, x, y);
      };
    default:
      return (out, o, x, y) => {
        const u = (x - x0) / period;
        const v = (y - y0) / period;
        const du = u - Math.round(u);
        const dv = v - Math.round(v);
        mix(out, o, du * du + dv * dv < 0.09 ? 1 : 0, x, y);
      };
  }
}

/** A flat colour with a little per-pixel noise (skin, clothing). */
export function solidFill(colour: Rgb, noise: number, seed: number): Fill {
  return (out, o, x, y) => {
    const n = noise * hashNoise(x, y, seed);
    out[o] = clampByte(colour[0] + n);
    out[o + 1] = clampByte(colour[1] + n);
    out[o + 2] = clampByte(colour[2] + n);
  };
}

/**
 * Paint a cluttered, textured background into `data` (HWC RGB): a two-colour gradient, smooth
 * low-frequency blotches, an optional faint regular pattern, per-pixel noise, then unlabelled
 * clutter (thin lines and scribbles) that a detector must learn to ignore.
 */
export function paintBackground(data: Uint8Array, width: number, height: number, rng: SeededRandom): void {
  const c0 = backgroundColour(rng);
  const c1 = backgroundColour(rng);
  const angle = rng.uniform(0, 2 * Math.PI);
  const gx = Math.cos(angle) / width;
  const gy = Math.sin(angle) / height;
  // Low-frequency value noise: a coarse random grid, bilinearly interpolated.
  const grid = rng.int(3, 9);
  const values = new Float64Array((grid + 1) * (grid + 1) * 3);
  const blotch = rng.uniform(10, 45);
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-blotch, blotch);
  const pattern = rng.int(0, 3);
  const patternPeriod = rng.uniform(4, 24);
  const patternAmp = pattern === 0 ? 0 : rng.uniform(4, 14);
  const noise = rng.uniform(2, 12);
  const seed = rng.nextUint32();
  // Per-column terms are computed once; per row, the coarse grid is interpolated along y first.
  const g1 = grid + 1;
  const colIx = new Int32Array(width);
  const colTx = new Float64Array(width);
  const colCell = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = (x / width) * grid;
    colIx[x] = Math.min(grid - 1, Math.floor(fx));
    colTx[x] = fx - colIx[x];
    colCell[x] = Math.floor(x / patternPeriod);
  }
  const row = new Float64Array(g1 * 3);
  for (let y = 0; y < height; y++) {
    const fy = (y / height) * grid;
    const iy = Math.min(grid - 1, Math.floor(fy));
    const ty = fy - iy;
    for (let k = 0; k < g1 * 3; k++)
      row[k] = values[iy * g1 * 3 + k] * (1 - ty) + values[(iy + 1) * g1 * 3 + k] * ty;
    const rowCell = Math.floor(y / patternPeriod);
    const t0 = (-width / 2) * gx + (y - height / 2) * gy + 0.5;
    for (let x = 0; x < width; x++) {
      let t = t0 + x * gx;
      t = t < 0 ? 0 : Math.min(t, 1);
      let p = 0;
      if (pattern === 1) p = Math.floor((x + y) / patternPeriod) & 1 ? patternAmp : -patternAmp;
      else if (pattern === 2) p = (colCell[x] + rowCell) & 1 ? patternAmp : 0;
      const n = noise * hashNoise(x, y, seed) + p;
      const o = (y * width + x) * 3;
      const a = colIx[x] * 3;
      const tx = colTx[x];
      data[o] = clampByte(c0[0] + (c1[0] - c0[0]) * t + row[a] * (1 - tx) + row[a + 3] * tx + n);
      data[o + 1] = clampByte(c0[1] + (c1[1] - c0[1]) * t + row[a + 1] * (1 - tx) + row[a + 4] * tx + n);
      data[o + 2] = clampByte(c0[2] + (c1[2] - c0[2]) * t + row[a + 2] * (1 - tx) + row[a + 5] * tx + n);
    }
  }
  const lines = rng.int(2, 14);
  for (let i = 0; i < lines; i++) {
    const colour = rng.next() < 0.5 ? backgroundColour(rng) : objectColour(rng);
    const radius = rng.uniform(0.5, 1.6);
    let x = rng.uniform(0, width);
    let y = rng.uniform(0, height);
    let heading = rng.uniform(0, 2 * Math.PI);
    const steps = rng.int(1, 6);
    const turn = rng.uniform(0, 1.2);
    for (let s = 0; s < steps; s++) {
      const len = rng.uniform(0.05, 0.35) * Math.max(width, height);
      const x2 = x + Math.cos(heading) * len;
      const y2 = y + Math.sin(heading) * len;
      paintSegment(data, width, height, x, y, x2, y2, radius, colour);
      x = x2;
      y = y2;
      heading += rng.uniform(-turn, turn);
    }
  }
}

function paintSegment(
  data: Uint8Array,
  width: number,
  height: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  r: number,
  colour: Rgb,
): void {
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + r));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + r));
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy || 1;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - ax;
      const py = y + 0.5 - ay;
      let t = (px * dx + py * dy) / len2;
      t = t < 0 ? 0 : Math.min(t, 1);
      const ex = px - t * dx;
      const ey = py - t * dy;
      if (ex * ex + ey * ey <= r * r) {
        const o = (y * width + x) * 3;
        data[o] = colour[0];
        data[o + 1] = colour[1];
        data[o + 2] = colour[2];
      }
    }
  }
}
