import * as tf from '@tensorflow/tfjs-core';
import { assertBoxTensor } from './boxes/boxInput';
import { ConfigError, ShapeError } from './errors';

/** torchvision's default clamp of the decoded log-scale deltas: `log(1000 / 16)`. */
export const DEFAULT_BBOX_XFORM_CLIP = Math.log(1000 / 16);

/** Regression weights `(wx, wy, ww, wh)`: `(1,1,1,1)` for the RPN, `(10,10,5,5)` for RoI heads. */
export type BoxCoderWeights = readonly [wx: number, wy: number, ww: number, wh: number];

/**
 * Encodes boxes as regression deltas relative to reference boxes (anchors or proposals) and
 * decodes them back, exactly as torchvision's `det_utils.BoxCoder`:
 *
 * `dx = wx·(gx − px)/pw`, `dy = wy·(gy − py)/ph`, `dw = ww·log(gw/pw)`, `dh = wh·log(gh/ph)`,
 * with centres `x1 + 0.5·w` and widths `x2 − x1` (no `+1`). Decoding clamps `dw, dh` from above
 * only, at `bboxXformClip`, so `exp` cannot overflow.
 */
export class BoxCoder {
  readonly weights: BoxCoderWeights;
  readonly bboxXformClip: number;

  /**
   * @param weights `(wx, wy, ww, wh)`, all positive.
   * @param bboxXformClip upper clamp of decoded `dw/ww` and `dh/wh` (default `log(1000/16)`).
   */
  constructor(weights: BoxCoderWeights, bboxXformClip: number = DEFAULT_BBOX_XFORM_CLIP) {
    if (weights?.length !== 4 || weights.some((w) => !(w > 0) || !Number.isFinite(w))) {
      throw new ConfigError('weights', `expected four positive finite numbers, got [${weights}]`);
    }
    if (Number.isNaN(bboxXformClip)) throw new ConfigError('bboxXformClip', 'must be a number, got NaN');
    this.weights = [weights[0], weights[1], weights[2], weights[3]];
    this.bboxXformClip = bboxXformClip;
  }

  /**
   * Regression targets of `referenceBoxes` (ground truth) relative to `proposals`.
   *
   * @param referenceBoxes `[N,4]` (x1, y1, x2, y2) target boxes in pixels.
   * @param proposals `[N,4]` (x1, y1, x2, y2) anchors/proposals in pixels, one per target.
   * @returns `[N,4]` float32 deltas `(dx, dy, dw, dh)` (the caller disposes it).
   */
  encode(referenceBoxes: tf.Tensor2D, proposals: tf.Tensor2D): tf.Tensor2D {
    assertBoxTensor('referenceBoxes', referenceBoxes);
    assertBoxTensor('proposals', proposals);
    if (referenceBoxes.shape[0] !== proposals.shape[0]) {
      throw new ShapeError(
        'referenceBoxes',
        [proposals.shape[0], 4],
        referenceBoxes.shape,
        'one per proposal',
      );
    }
    const [wx, wy, ww, wh] = this.weights;
    return tf.tidy(() => {
      const [px1, py1, px2, py2] = tf.unstack(proposals, 1);
      const [gx1, gy1, gx2, gy2] = tf.unstack(referenceBoxes, 1);
      const pw = tf.sub(px2, px1);
      const ph = tf.sub(py2, py1);
      const pcx = tf.add(px1, tf.mul(0.5, pw));
      const pcy = tf.add(py1, tf.mul(0.5, ph));
      const gw = tf.sub(gx2, gx1);
      const gh = tf.sub(gy2, gy1);
      const gcx = tf.add(gx1, tf.mul(0.5, gw));
      const gcy = tf.add(gy1, tf.mul(0.5, gh));
      const dx = tf.div(tf.mul(wx, tf.sub(gcx, pcx)), pw);
      const dy = tf.div(tf.mul(wy, tf.sub(gcy, pcy)), ph);
      const dw = tf.mul(ww, tf.log(tf.div(gw, pw)));
      const dh = tf.mul(wh, tf.log(tf.div(gh, ph)));
      return tf.stack([dx, dy, dw, dh], 1) as tf.Tensor2D;
    });
  }

  /**
   * Apply deltas to boxes. Class-specific decoding: with `K` sets of deltas per box (`[N,4K]`
   * or `[N,K,4]`), each proposal is decoded once per class.
   *
   * @param deltas `[N,4K]` or `[N,K,4]` float32 deltas `(dx, dy, dw, dh)` per class.
   * @param proposals `[N,4]` (x1, y1, x2, y2) boxes in pixels the deltas are relative to.
   * @returns decoded (x1, y1, x2, y2) boxes with the shape of `deltas` (the caller disposes it).
   *   Boxes are not clipped: see `clipBoxesToImage`.
   */
  decode<T extends tf.Tensor2D | tf.Tensor3D>(deltas: T, proposals: tf.Tensor2D): T {
    assertBoxTensor('proposals', proposals);
    const n = proposals.shape[0];
    const ok =
      (deltas.rank === 2 && deltas.shape[1] % 4 === 0) || (deltas.rank === 3 && deltas.shape[2] === 4);
    if (!ok || deltas.shape[0] !== n) {
      throw new ShapeError('deltas', `[${n},4K] or [${n},K,4]`, deltas.shape, 'one row per proposal');
    }
    const [wx, wy, ww, wh] = this.weights;
    const clip = this.bboxXformClip;
    return tf.tidy(() => {
      const k = deltas.rank === 2 ? deltas.shape[1] / 4 : (deltas.shape[1] as number);
      const d = tf.reshape(deltas, [n, k, 4]);
      const [p1, p2, p3, p4] = tf.unstack(proposals, 1);
      const pw = tf.sub(p3, p1);
      const ph = tf.sub(p4, p2);
      const pcx = tf.expandDims(tf.add(p1, tf.mul(0.5, pw)), 1);
      const pcy = tf.expandDims(tf.add(p2, tf.mul(0.5, ph)), 1);
      const pw2 = tf.expandDims(pw, 1);
      const ph2 = tf.expandDims(ph, 1);
      const [ddx, ddy, ddw, ddh] = tf.unstack(d, 2);
      const dx = tf.div(ddx, wx);
      const dy = tf.div(ddy, wy);
      const dw = tf.minimum(tf.div(ddw, ww), clip);
      const dh = tf.minimum(tf.div(ddh, wh), clip);
      const cx = tf.add(tf.mul(dx, pw2), pcx);
      const cy = tf.add(tf.mul(dy, ph2), pcy);
      const halfW = tf.mul(0.5, tf.mul(tf.exp(dw), pw2));
      const halfH = tf.mul(0.5, tf.mul(tf.exp(dh), ph2));
      const out = tf.stack([tf.sub(cx, halfW), tf.sub(cy, halfH), tf.add(cx, halfW), tf.add(cy, halfH)], 2);
      return tf.reshape(out, deltas.shape) as T;
    });
  }
}
