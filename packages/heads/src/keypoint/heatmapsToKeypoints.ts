import { InputError, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';

/** Keypoints decoded from heatmaps by {@link heatmapsToKeypoints}. */
export interface DecodedKeypoints {
  /** `[R,K,3]` `(x, y, 1)` in the pixels of the RoIs' image, row-major (COCO order). */
  readonly keypoints: Float32Array;
  /** `[R,K]` the resized heatmap's value (logit) at each keypoint, torchvision's keypoint score. */
  readonly scores: Float32Array;
}

const f32 = Math.fround;
const A = -0.75;

/** torch's bicubic kernel for |t| ≤ 1 and 1 < |t| < 2 (Keys, a = −0.75). */
function cubicWeights(t: number, out: Float64Array): void {
  const near = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  const far = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  out[0] = far(t + 1);
  out[1] = near(t);
  out[2] = near(1 - t);
  out[3] = far(2 - t);
}

/** Source taps (clamped) and weights of a bicubic resize from `inSize` to `outSize` samples. */
function bicubicTaps(inSize: number, outSize: number): { taps: Int32Array; weights: Float64Array } {
  const taps = new Int32Array(outSize * 4);
  const weights = new Float64Array(outSize * 4);
  const scale = f32(inSize / outSize);
  const w = new Float64Array(4);
  for (let o = 0; o < outSize; o++) {
    // torch's area_pixel_compute_source_index with cubic=true: half-pixel centres, no clamp at 0.
    const real = f32(f32(scale * (o + 0.5)) - 0.5);
    const base = Math.floor(real);
    cubicWeights(f32(real - base), w);
    for (let k = 0; k < 4; k++) {
      taps[o * 4 + k] = Math.min(Math.max(base - 1 + k, 0), inSize - 1);
      weights[o * 4 + k] = w[k];
    }
  }
  return { taps, weights };
}

function readRois(rois: tf.Tensor2D | Float32Array, count: number): Float32Array {
  if (rois instanceof tf.Tensor) {
    if (rois.rank !== 2 || rois.shape[0] !== count || rois.shape[1] !== 4) {
      throw new ShapeError('rois', [count, 4], rois.shape);
    }
    return Float32Array.from(rois.dataSync());
  }
  if (rois.length !== count * 4)
    throw new ShapeError('rois', [count, 4], [rois.length], 'flat length must be 4R');
  return rois;
}

/**
 * Turn keypoint heatmaps into image keypoints as torchvision's `heatmaps_to_keypoints` (the
 * Mask R-CNN keypoint inference): each RoI's m×m heatmaps are resized bicubically (a = −0.75,
 * half-pixel centres, torch's `F.interpolate(mode="bicubic", align_corners=False)`) to the RoI's
 * size rounded up (`ceil(max(w, 1))` × `ceil(max(h, 1))` pixels), the first maximum of each is
 * taken, and its cell centre (`d + 0.5`, Heckbert's discrete-to-continuous convention that the
 * training targets also use) is mapped back to image pixels. Runs on typed arrays in float64
 * with torchvision's float32 box arithmetic; the heatmaps are read back from the backend once.
 *
 * @param heatmaps `[R,m,m,K]` heatmap logits, NHWC (torchvision: `[R,K,m,m]`). m may be any size.
 * @param rois `[R,4]` `(x1, y1, x2, y2)` boxes the heatmaps were predicted for, in image pixels.
 */
export function heatmapsToKeypoints(
  heatmaps: tf.Tensor4D,
  rois: tf.Tensor2D | Float32Array,
): DecodedKeypoints {
  if (heatmaps.rank !== 4 || heatmaps.shape[1] !== heatmaps.shape[2]) {
    throw new ShapeError('heatmaps', '[R,m,m,K]', heatmaps.shape, 'heatmaps must be square');
  }
  const [r, m, , k] = heatmaps.shape;
  const boxes = readRois(rois, r);
  const maps = heatmaps.dataSync() as Float32Array;
  const keypoints = new Float32Array(r * k * 3);
  const scores = new Float32Array(r * k);
  for (let i = 0; i < r; i++) {
    const [x1, y1, x2, y2] = [boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]];
    if (![x1, y1, x2, y2].every(Number.isFinite)) {
      throw new InputError('rois', `row ${i} has a non-finite coordinate`);
    }
    const width = Math.max(f32(x2 - x1), 1);
    const height = Math.max(f32(y2 - y1), 1);
    const outW = Math.ceil(width);
    const outH = Math.ceil(height);
    const widthCorrection = f32(width / outW);
    const heightCorrection = f32(height / outH);
    const cols = bicubicTaps(m, outW);
    const rows = bicubicTaps(m, outH);
    // Resize along x first (m rows × outW), then along y per output pixel: torch's tap order.
    const rowsX = new Float64Array(m * outW);
    for (let kp = 0; kp < k; kp++) {
      const mapBase = i * m * m * k + kp;
      for (let y = 0; y < m; y++) {
        for (let x = 0; x < outW; x++) {
          let s = 0;
          for (let t = 0; t < 4; t++)
            s += cols.weights[x * 4 + t] * maps[mapBase + (y * m + cols.taps[x * 4 + t]) * k];
          rowsX[y * outW + x] = s;
        }
      }
      let best = Number.NEGATIVE_INFINITY;
      let bestX = 0;
      let bestY = 0;
      for (let y = 0; y < outH; y++) {
        const t0 = rows.taps[y * 4];
        const t1 = rows.taps[y * 4 + 1];
        const t2 = rows.taps[y * 4 + 2];
        const t3 = rows.taps[y * 4 + 3];
        const w0 = rows.weights[y * 4];
        const w1 = rows.weights[y * 4 + 1];
        const w2 = rows.weights[y * 4 + 2];
        const w3 = rows.weights[y * 4 + 3];
        for (let x = 0; x < outW; x++) {
          const v =
            w0 * rowsX[t0 * outW + x] +
            w1 * rowsX[t1 * outW + x] +
            w2 * rowsX[t2 * outW + x] +
            w3 * rowsX[t3 * outW + x];
          if (v > best) {
            best = v;
            bestX = x;
            bestY = y;
          }
        }
      }
      const o = (i * k + kp) * 3;
      keypoints[o] = f32(f32((bestX + 0.5) * widthCorrection) + x1);
      keypoints[o + 1] = f32(f32((bestY + 0.5) * heightCorrection) + y1);
      keypoints[o + 2] = 1;
      scores[i * k + kp] = best;
    }
  }
  return { keypoints, scores };
}
