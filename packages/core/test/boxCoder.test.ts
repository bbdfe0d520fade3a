import { expectNoLeaks } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BoxCoder,
  type BoxCoderWeights,
  ConfigError,
  DEFAULT_BBOX_XFORM_CLIP,
  ShapeError,
} from '../src/index';
import {
  BACKENDS,
  expectClose,
  finiteDifference,
  fixture,
  flat,
  maxAbsDiff,
  take,
  useBackend,
} from './helpers';

interface CoderCase {
  weights: BoxCoderWeights;
  proposals: number[][];
  gt: number[][];
  targets: number[][];
  deltas: number[][];
  decoded: number[][][];
  decoded1: number[][];
  roundtrip: number[][];
}
const fx = fixture<{ clip: number; cases: CoderCase[]; empty_decoded_shape: number[] }>('box_coder.json');

// float64 plain-loop references
function encodeRef(w: BoxCoderWeights, gt: ArrayLike<number>, p: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.length; i += 4) {
    const pw = p[i + 2] - p[i];
    const ph = p[i + 3] - p[i + 1];
    const gw = gt[i + 2] - gt[i];
    const gh = gt[i + 3] - gt[i + 1];
    out.push(
      (w[0] * (gt[i] + 0.5 * gw - (p[i] + 0.5 * pw))) / pw,
      (w[1] * (gt[i + 1] + 0.5 * gh - (p[i + 1] + 0.5 * ph))) / ph,
      w[2] * Math.log(gw / pw),
      w[3] * Math.log(gh / ph),
    );
  }
  return out;
}
function decodeRef(w: BoxCoderWeights, d: ArrayLike<number>, p: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  const clip = Math.log(1000 / 16);
  for (let i = 0; i < p.length / 4; i++) {
    const pw = p[4 * i + 2] - p[4 * i];
    const ph = p[4 * i + 3] - p[4 * i + 1];
    const cx = p[4 * i] + 0.5 * pw;
    const cy = p[4 * i + 1] + 0.5 * ph;
    for (let c = 0; c < k; c++) {
      const o = 4 * (i * k + c);
      const x = (d[o] / w[0]) * pw + cx;
      const y = (d[o + 1] / w[1]) * ph + cy;
      const bw = Math.exp(Math.min(d[o + 2] / w[2], clip)) * pw;
      const bh = Math.exp(Math.min(d[o + 3] / w[3], clip)) * ph;
      out.push(x - 0.5 * bw, y - 0.5 * bh, x + 0.5 * bw, y + 0.5 * bh);
    }
  }
  return out;
}

describe.each(BACKENDS)('BoxCoder on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('uses torchvision clamp log(1000/16)', () => {
    expect(DEFAULT_BBOX_XFORM_CLIP).toBeCloseTo(fx.clip, 12);
    expect(new BoxCoder([1, 1, 1, 1]).bboxXformClip).toBe(DEFAULT_BBOX_XFORM_CLIP);
  });

  for (const c of fx.cases) {
    it(`encodes and decodes like torchvision, weights (${c.weights})`, async () => {
      const coder = new BoxCoder(c.weights);
      const maxErr = await expectNoLeaks(() => {
        const p = tf.tensor2d(c.proposals);
        const gt = tf.tensor2d(c.gt);
        const d = tf.tensor2d(c.deltas);
        const targets = take(coder.encode(gt, p));
        const eTargets = maxAbsDiff(targets, flat(c.targets));
        expectClose(targets, encodeRef(c.weights, flat(c.gt), flat(c.proposals)), 1e-5, 1e-5);
        // [N,4K] in, [N,4K] out; [N,K,4] in, [N,K,4] out
        const decoded = take(coder.decode(d, p));
        const d3 = tf.reshape(d, [c.deltas.length, 3, 4]) as tf.Tensor3D;
        const decoded3 = coder.decode(d3, p);
        expect(decoded3.shape).toEqual([c.deltas.length, 3, 4]);
        const eDecoded = maxAbsDiff(decoded, flat(c.decoded));
        expect(maxAbsDiff(take(decoded3), decoded)).toBe(0);
        expectClose(decoded, decodeRef(c.weights, flat(c.deltas), flat(c.proposals), 3), 1e-5, 1e-5);
        const d1 = tf.slice(d, [0, 0], [-1, 4]) as tf.Tensor2D;
        const eDecoded1 = maxAbsDiff(take(coder.decode(d1, p)), flat(c.decoded1));
        const tt = tf.tensor2d(c.targets);
        const eRound = maxAbsDiff(take(coder.decode(tt, p)), flat(c.roundtrip));
        tf.dispose([p, gt, d, d3, d1, tt]);
        return Math.max(eTargets, eDecoded / 1e3, eDecoded1 / 1e3, eRound);
      });
      // decoded boxes reach ~6e4 px (clamped dw = log(62.5)), so they are compared relative
      expect(maxErr).toBeLessThanOrEqual(1e-5);
    });
  }

  it('decodes large dw/dh at the clamp and leaves negative ones unclamped', async () => {
    await expectNoLeaks(() => {
      const coder = new BoxCoder([1, 1, 1, 1]);
      const p = tf.tensor2d([[0, 0, 16, 16]]);
      const d = tf.tensor2d([[0, 0, 100, -10]]);
      const [x1, y1, x2, y2] = take(coder.decode(d, p));
      expect(x2 - x1).toBeCloseTo(1000, 2);
      expect(Math.abs((y2 - y1) / (16 * Math.exp(-10)) - 1)).toBeLessThan(2e-3);
      expect(y1 + y2).toBeCloseTo(16, 5);
      tf.dispose([p, d]);
    });
  });

  it('handles empty inputs', async () => {
    await expectNoLeaks(() => {
      const coder = new BoxCoder([10, 10, 5, 5]);
      const none = tf.zeros([0, 4]) as tf.Tensor2D;
      const decoded = coder.decode(none, none);
      expect(decoded.shape).toEqual(fx.empty_decoded_shape);
      const encoded = coder.encode(none, none);
      expect(encoded.shape).toEqual([0, 4]);
      tf.dispose([none, decoded, encoded]);
    });
  });

  it('has gradients matching finite differences (decode w.r.t. deltas, encode w.r.t. targets)', async () => {
    const w: BoxCoderWeights = [10, 10, 5, 5];
    const coder = new BoxCoder(w);
    const p0 = [
      [2, 3, 20, 15],
      [10, 8, 30, 40],
    ];
    const d0 = [0.5, -0.3, 0.2, -0.1, 1.5, 0.7, -0.4, 0.6];
    const g0 = [
      [4, 5, 22, 11],
      [9, 12, 35, 33],
    ];
    const mix = [0.9, -0.5, 0.3, 1.2, -0.7, 0.4, 1.1, -0.2];
    const dot = (v: number[]) => v.reduce((s, x, i) => s + x * mix[i], 0);
    const decodeFd = finiteDifference((x) => dot(decodeRef(w, x, flat(p0), 1)), Float64Array.from(d0));
    const encodeFd = finiteDifference((x) => dot(encodeRef(w, x, flat(p0))), Float64Array.from(flat(g0)));
    await expectNoLeaks(() => {
      const p = tf.tensor2d(p0);
      const m = tf.tensor2d(mix, [2, 4]);
      const d = tf.tensor2d(d0, [2, 4]);
      const g = tf.tensor2d(g0);
      const gd = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(coder.decode(x as tf.Tensor2D, p), m)))(d);
      expectClose(take(gd), decodeFd, 1e-3, 1e-3);
      const ge = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(coder.encode(x as tf.Tensor2D, p), m)))(g);
      expectClose(take(ge), encodeFd, 1e-3, 1e-3);
      tf.dispose([p, m, d, g]);
    });
  });

  it('rejects bad weights and shapes with typed errors', () => {
    expect(() => new BoxCoder([1, 1, 1] as never)).toThrow(ConfigError);
    expect(() => new BoxCoder([1, 1, 0, 1])).toThrow(/weights/);
    const p = tf.zeros([3, 4]) as tf.Tensor2D;
    const bad = tf.zeros([3, 6]) as tf.Tensor2D;
    const other = tf.zeros([2, 4]) as tf.Tensor2D;
    const coder = new BoxCoder([1, 1, 1, 1]);
    expect(() => coder.decode(bad, p)).toThrow(ShapeError);
    expect(() => coder.decode(other, p)).toThrow(/deltas/);
    expect(() => coder.encode(other, p)).toThrow(/referenceBoxes/);
    expect(() => coder.encode(p, bad)).toThrow(/proposals/);
    tf.dispose([p, bad, other]);
  });
});
