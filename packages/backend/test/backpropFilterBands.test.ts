import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, initBackend } from '../src/index';
import { convGeometry } from '../src/kernels/convGeometry';
import { groupedConvBackpropFilter, PATCH_MATRIX_BUDGET } from '../src/kernels/groupedConvolution';
import { maxAbs, maxAbsDiff, type RefConv, randomValues, refConvGrads } from './helpers/reference';

const cases: { name: string; c: RefConv; pad: 'same' | 'valid' }[] = [
  {
    name: '3×3 same, 2 images',
    c: {
      xShape: [2, 7, 9, 5],
      wShape: [3, 3, 5, 4],
      stride: [1, 1],
      dilation: [1, 1],
      pad: 'same',
      groups: 1,
    },
    pad: 'same',
  },
  {
    name: '3×3 stride 2 valid',
    c: {
      xShape: [2, 9, 8, 3],
      wShape: [3, 3, 3, 2],
      stride: [2, 2],
      dilation: [1, 1],
      pad: 'valid',
      groups: 1,
    },
    pad: 'valid',
  },
  {
    name: '1×1 pointwise',
    c: {
      xShape: [2, 5, 6, 4],
      wShape: [1, 1, 4, 3],
      stride: [1, 1],
      dilation: [1, 1],
      pad: 'valid',
      groups: 1,
    },
    pad: 'valid',
  },
];

describe('filter gradient summed over bands of output rows', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`matches the float64 reference for every band size (${backend})`, async () => {
      await initBackend({ backend, native: false });
      for (const { name, c, pad } of cases) {
        const geo = convGeometry({
          op: 'test',
          xShape: c.xShape,
          filterShape: c.wShape,
          strides: c.stride,
          pad,
          dilations: 1,
          groups: 1,
        });
        const xv = randomValues(
          c.xShape.reduce((a, b) => a * b),
          1,
        );
        const dyv = randomValues(geo.batch * geo.outHeight * geo.outWidth * geo.outChannels, 2);
        const wv = new Float64Array(c.wShape.reduce((a, b) => a * b));
        const { dw: ref } = refConvGrads(c, xv, wv, dyv);
        const x = tf.tensor4d(Float32Array.from(xv), c.xShape);
        const dy = tf.tensor4d(Float32Array.from(dyv), [
          geo.batch,
          geo.outHeight,
          geo.outWidth,
          geo.outChannels,
        ]);
        const kg = c.wShape[0] * c.wShape[1] * c.wShape[2];
        const rows = geo.batch * geo.outHeight;
        // band of 1, 2, 3 rows, and the whole matrix at once (the default budget)
        for (const budget of [
          kg * geo.outWidth,
          2 * kg * geo.outWidth,
          3 * kg * geo.outWidth,
          PATCH_MATRIX_BUDGET,
        ]) {
          await expectNoLeaks(() => {
            const b = tf.backend();
            const info = groupedConvBackpropFilter({ backend: b, backendName: backend }, x, dy, geo, budget);
            const got = tf.engine().makeTensorFromTensorInfo(info);
            expect(got.shape, name).toEqual(c.wShape);
            const err = maxAbsDiff(got.dataSync(), ref);
            expect(err, `${name}, budget ${budget} (rows ${rows})`).toBeLessThan(
              1e-5 * Math.max(1, maxAbs(ref)),
            );
            got.dispose();
          });
        }
        tf.dispose([x, dy]);
      }
    });
  }
});
