import { expectNoLeaks, initBackend } from '@rcnn/backend';
import { ConfigError, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { filterProposals } from '../src/index';
import fixture from './fixtures/rpn.json';
import { filterProposalsRef, maxAbsDiff } from './reference';

const f = fixture.filter;
const total = f.numAnchorsPerLevel.reduce((a, b) => a + b, 0);
const sizes = f.imageSizes as [number, number][];

describe.each(['cpu', 'wasm'])('filterProposals on %s', (backend) => {
  it.each(f.cases.map((c, i) => [i, c] as const))(
    "case %i matches torchvision's filter_proposals",
    async (_i, c) => {
      await initBackend({ backend });
      const proposals = tf.tensor3d(f.proposals, [2, total, 4]);
      const objectness = tf.tensor2d(f.objectness, [2, total]);
      await expectNoLeaks(() => {
        const out = filterProposals(proposals, objectness, sizes, f.numAnchorsPerLevel, {
          preNmsTopN: c.preNmsTopN,
          postNmsTopN: c.postNmsTopN,
          scoreThresh: c.scoreThresh,
        });
        out.forEach((p, img) => {
          expect(p.boxes.shape).toEqual([c.scores[img].length, 4]);
          expect(maxAbsDiff(p.boxes.dataSync(), c.boxes[img])).toBeLessThan(1e-4);
          expect(maxAbsDiff(p.scores.dataSync(), c.scores[img])).toBeLessThan(1e-6);
          const ref = filterProposalsRef(
            f.proposals,
            f.objectness,
            total,
            img,
            sizes[img],
            f.numAnchorsPerLevel,
            c.preNmsTopN,
            c.postNmsTopN,
            0.7,
            c.scoreThresh,
            1e-3,
          );
          expect(maxAbsDiff(p.boxes.dataSync(), ref.boxes)).toBeLessThan(1e-4);
          expect(maxAbsDiff(p.scores.dataSync(), ref.scores)).toBeLessThan(1e-6);
        });
        tf.dispose(out.flatMap((p) => [p.boxes, p.scores]));
      });
      tf.dispose([proposals, objectness]);
    },
  );
});

describe('filterProposals top-n', () => {
  it('keeps ties in index order across a large level, as the float64 reference', async () => {
    await initBackend({ backend: 'cpu' });
    const t = 3000;
    const levels = [2500, 500];
    // Logits rounded to a coarse grid so many tie; boxes spread so NMS keeps most of them.
    const logits = Float32Array.from({ length: t }, (_, i) => Math.round(Math.sin(i * 12.9898) * 8) / 4);
    const boxes = Float32Array.from({ length: t * 4 }, (_, k) => {
      const i = Math.floor(k / 4);
      const x = (i % 60) * 10;
      const y = Math.floor(i / 60) * 10;
      return [x, y, x + 8, y + 8][k % 4];
    });
    const proposals = tf.tensor3d(boxes, [1, t, 4]);
    const objectness = tf.tensor2d(logits, [1, t]);
    await expectNoLeaks(() => {
      const [out] = filterProposals(proposals, objectness, [[600, 600]], levels, {
        preNmsTopN: 300,
        postNmsTopN: 400,
      });
      const ref = filterProposalsRef(boxes, logits, t, 0, [600, 600], levels, 300, 400, 0.7, 0, 1e-3);
      expect(out.scores.shape[0]).toBe(ref.scores.length);
      expect(maxAbsDiff(out.boxes.dataSync(), ref.boxes)).toBe(0);
      expect(maxAbsDiff(out.scores.dataSync(), ref.scores)).toBeLessThan(1e-6);
      tf.dispose([out.boxes, out.scores]);
    });
    tf.dispose([proposals, objectness]);
  });
});

describe('filterProposals inputs', () => {
  it('name the tensor or option at fault', async () => {
    await initBackend({ backend: 'cpu' });
    const p = tf.zeros([1, 6, 4]) as tf.Tensor3D;
    const o = tf.zeros([1, 6]);
    expect(() => filterProposals(p, o, [[10, 10]], [4, 1])).toThrow(/numAnchorsPerLevel/);
    expect(() => filterProposals(p, o, [], [6])).toThrow(ShapeError);
    expect(() => filterProposals(p, o, [[10, 10]], [6], { preNmsTopN: -1 })).toThrow(ConfigError);
    const empty = filterProposals(p, o, [[10, 10]], [6]);
    expect(empty[0].boxes.shape).toEqual([0, 4]);
    tf.dispose([p, o, empty[0].boxes, empty[0].scores]);
  });
});
