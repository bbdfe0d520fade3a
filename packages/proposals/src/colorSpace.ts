import { ConfigError } from '@rcnn/core';
import type { ProposalImage } from './proposalImage';

/**
 * Colour spaces of selective search (Uijlings et al. 2013, Table 1): RGB, HSV, Lab, rgI
 * (normalised r, g and intensity), the hue channel H alone and the intensity I alone.
 */
export type ColorSpace = 'rgb' | 'hsv' | 'lab' | 'rgi' | 'hue' | 'intensity';

/** The colour spaces {@link convertColorSpace} accepts. */
export const COLOR_SPACES: readonly ColorSpace[] = ['rgb', 'hsv', 'lab', 'rgi', 'hue', 'intensity'];

/** A float image with `channels` values per pixel, row-major HWC, each channel in [0, 255]. */
export interface ChannelImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Float32Array;
}

/** Hue in [0, 1) of an RGB triple (0 for greys). */
function hue(r: number, g: number, b: number, max: number, min: number): number {
  const d = max - min;
  if (d === 0) return 0;
  let h: number;
  if (max === r) h = (g - b) / d;
  else if (max === g) h = 2 + (b - r) / d;
  else h = 4 + (r - g) / d;
  h /= 6;
  return h < 0 ? h + 1 : h;
}

const srgbToLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const labF = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);

/**
 * Convert an 8-bit RGB image to one of selective search's colour spaces, every channel scaled to
 * [0, 255] so one `k` of the graph segmentation means the same in each: HSV (hue as a fraction of
 * the circle), Lab (L·2.55, a + 128, b + 128: OpenCV's 8-bit convention; sRGB, D65), rgI
 * (r = R/(R+G+B), g = G/(R+G+B), both ·255, grey gives 1/3; I = (R+G+B)/3), hue alone, intensity
 * alone.
 */
export function convertColorSpace(image: ProposalImage, space: ColorSpace): ChannelImage {
  const { width, height, data } = image;
  const n = width * height;
  const channels = space === 'hue' || space === 'intensity' ? 1 : 3;
  const out = new Float32Array(n * channels);
  for (let p = 0; p < n; p++) {
    const r = data[3 * p];
    const g = data[3 * p + 1];
    const b = data[3 * p + 2];
    switch (space) {
      case 'rgb':
        out[3 * p] = r;
        out[3 * p + 1] = g;
        out[3 * p + 2] = b;
        break;
      case 'hsv':
      case 'hue': {
        const max = Math.max(r, g, b);
        const min = Math.min(r, g, b);
        const h = hue(r, g, b, max, min) * 255;
        if (space === 'hue') {
          out[p] = h;
        } else {
          out[3 * p] = h;
          out[3 * p + 1] = max === 0 ? 0 : ((max - min) / max) * 255;
          out[3 * p + 2] = max;
        }
        break;
      }
      case 'lab': {
        const lr = srgbToLinear(r / 255);
        const lg = srgbToLinear(g / 255);
        const lb = srgbToLinear(b / 255);
        const x = (0.412453 * lr + 0.35758 * lg + 0.180423 * lb) / 0.950456;
        const y = 0.212671 * lr + 0.71516 * lg + 0.072169 * lb;
        const z = (0.019334 * lr + 0.119193 * lg + 0.950227 * lb) / 1.088754;
        const fy = labF(y);
        out[3 * p] = (116 * fy - 16) * 2.55;
        out[3 * p + 1] = 500 * (labF(x) - fy) + 128;
        out[3 * p + 2] = 200 * (fy - labF(z)) + 128;
        break;
      }
      case 'rgi': {
        const s = r + g + b;
        out[3 * p] = s === 0 ? 85 : (r / s) * 255;
        out[3 * p + 1] = s === 0 ? 85 : (g / s) * 255;
        out[3 * p + 2] = s / 3;
        break;
      }
      case 'intensity':
        out[p] = (r + g + b) / 3;
        break;
      default:
        throw new ConfigError(
          'colorSpace',
          `unknown colour space '${String(space)}'; expected one of ${COLOR_SPACES.join(', ')}`,
        );
    }
  }
  return { width, height, channels, data: out };
}
