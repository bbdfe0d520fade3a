/**
 * `roiAlign` on its own: `@rcnn/roi-ops` with tfjs-core and the backend of your choice (here
 * `cpu`), no other rcnn.ts package. The feature map is linear in x and y, so bilinear sampling
 * is exact and every bin's average is the map's value at the bin centre: a closed form to
 * check against.
 */
import '@tensorflow/tfjs-backend-cpu';
import { registerRoiOps, roiAlign } from '@rcnn/roi-ops';
import * as tf from '@tensorflow/tfjs-core';

await tf.setBackend('cpu');
registerRoiOps(); // explicit: importing the package registers nothing

const size = 8; // an 8×8 single-channel map at stride 4 (a 32×32 input image)
const stride = 4;
const value = (x: number, y: number) => x + 10 * y; // at the centre (x + 0.5, y + 0.5) of cell (x, y)
const cells = new Float32Array(size * size);
for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) cells[y * size + x] = value(x, y);

const before = tf.memory().numTensors;
const features = tf.tensor4d(cells, [1, size, size, 1]); // NHWC
const rois = tf.tensor2d([[0, 6, 5, 22, 27]], [1, 5]); // (batchIndex, x1, y1, x2, y2) in input pixels
const pooled = roiAlign(features, rois, { outputSize: 2, spatialScale: 1 / stride, aligned: true });
const out = pooled.dataSync(); // [1, 2, 2, 1]
tf.dispose([features, rois, pooled]);

// aligned: true shifts by half a cell, so feature coordinate u reads value(u - 0.5, v - 0.5).
const [x1, y1, x2, y2] = [6 / stride, 5 / stride, 22 / stride, 27 / stride];
let maxAbsError = 0;
for (let ph = 0; ph < 2; ph++) {
  for (let pw = 0; pw < 2; pw++) {
    const u = x1 + ((pw + 0.5) * (x2 - x1)) / 2;
    const v = y1 + ((ph + 0.5) * (y2 - y1)) / 2;
    maxAbsError = Math.max(maxAbsError, Math.abs(out[ph * 2 + pw] - value(u - 0.5, v - 0.5)));
  }
}
console.log('pooled 2×2 bins:', Array.from(out));
console.log(JSON.stringify({ maxAbsError, leakedTensors: tf.memory().numTensors - before }));
