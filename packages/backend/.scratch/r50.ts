import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index';
import { fpnLoss, resnetFpnFromOps } from '../test/helpers/resnetFpnFromOps';

await initBackend({ backend: 'wasm' });
const model = resnetFpnFromOps({ seed: 3 });
const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;

const { value, grads } = tf.variableGrads(() => fpnLoss(model.apply(x)), model.variables);
console.log('loss', value.dataSync()[0]);
tf.tidy(() => {
  for (const v of model.variables) v.assign(tf.sub(v, tf.mul(grads[v.name], 1e-5)));
});
const g2 = tf.variableGrads(() => fpnLoss(model.apply(x)), model.variables);
console.log('loss2', g2.value.dataSync()[0]);
for (const v of model.variables) {
  const g = g2.grads[v.name].dataSync();
  const bad = g.filter((a) => !Number.isFinite(a)).length;
  if (bad) console.log('step2', v.name, v.shape, bad, g.length);
}
for (const v of model.variables) {
  const g = grads[v.name].dataSync();
  const bad = g.filter((a) => !Number.isFinite(a)).length;
  if (bad) console.log(v.name, v.shape, bad, g.length);
}
