import { resnetFpn } from '@rcnn/backbones';
import { SeededRandom } from '@rcnn/core';
import { syntheticRecord } from '@rcnn/data';
import * as tf from '@tensorflow/tfjs-core';
import { buildDetector, initDetectorBackend, maskRcnn } from '../src/index';

await initDetectorBackend({ backend: process.argv[2] ?? 'wasm' });
const config = maskRcnn({
  numClasses: 9,
  backbone: resnetFpn({ depth: 18, widthMultiplier: 0.25, outChannels: 32, frozenStages: 0, norm: 'frozen' }),
  transform: { minSize: 128, maxSize: 128 },
  rpn: { train: { preNmsTopN: 200, postNmsTopN: 100 }, test: { preNmsTopN: 100, postNmsTopN: 50 } },
  boxHead: { kind: 'twoMlp', representationSize: 64 },
  maskHead: { kind: 'fcn', layers: [32, 32], dimReduced: 32, classAgnostic: false },
  roiHeads: { batchSizePerImage: 64 },
});
const det = buildDetector(config);
console.log('params', det.numValues(), 'tensors', tf.memory().numTensors);
const rec = syntheticRecord(0, { width: 128, height: 128 });
const rng = new SeededRandom(0);
let t = performance.now();
const before = tf.memory().numTensors;
const { value, grads } =
  process.argv[3] === 'nograd'
    ? { value: tf.scalar(0), grads: {} }
    : tf.variableGrads(() => {
        const l = det.losses([rec], rng);
        console.log(Object.fromEntries(Object.entries(l).map(([k, v]) => [k, v.dataSync()[0]])));
        return tf.addN(Object.values(l)) as tf.Scalar;
      }, det.trainableVariables());
console.log('loss', value.dataSync()[0], 'grads', Object.keys(grads).length, 'ms', performance.now() - t);
tf.dispose([value, ...Object.values(grads)]);
console.log('leak', tf.memory().numTensors - before);
t = performance.now();
const preds = await det.predict([tf.tensor3d(rec.image.data, [128, 128, 3], 'int32')]);
console.log(
  'pred',
  preds[0].scores.length,
  preds[0].maskShape,
  'ms',
  performance.now() - t,
  'leak',
  tf.memory().numTensors - before,
);
