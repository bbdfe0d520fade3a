import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

await tf.setBackend('wasm');
await tf.ready();
const be = tf.backend();
const mmK = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
function timeit(label, flops, f, reps = 3) {
  f();
  const t = performance.now();
  for (let i = 0; i < reps; i++) f();
  const ms = (performance.now() - t) / reps;
  console.log(label, ms.toFixed(1), 'ms', (flops / ms / 1e6).toFixed(1), 'GFLOP/s');
}
function mm(a, b, ta, tb) {
  const o = mmK({ inputs: { a, b }, backend: be, attrs: { transposeA: ta, transposeB: tb } });
  be.disposeData(o.dataId);
}
const M = 16384,
  K = 576,
  N = 64;
const A = tf.randomNormal([1, M, K]),
  B = tf.randomNormal([1, K, N]),
  At = tf.randomNormal([1, K, M]),
  Bt = tf.randomNormal([1, N, K]);
timeit('NN', 2 * M * K * N, () => mm(A, B, false, false));
timeit('TN (At^T B)', 2 * M * K * N, () => mm(At, B, true, false));
timeit('NT (A Bt^T)', 2 * M * K * N, () => mm(A, Bt, false, true));
// backprop filter: dW[K,N] = X^T[K,M] dy[M,N]
const dy = tf.randomNormal([1, M, N]);
timeit('dW TN', 2 * M * K * N, () => mm(A, dy, true, false));
timeit('dW NN with At', 2 * M * K * N, () => mm(At, dy, false, false));
// dx cols = dy[M,N] W^T[N,K]
timeit('dcols NT', 2 * M * K * N, () => mm(dy, B, false, true));
const Wt = tf.randomNormal([1, N, K]);
timeit('dcols NN', 2 * M * K * N, () => mm(dy, Wt, false, false));
// conv
for (const [h, c, s] of [
  [128, 64, 1],
  [32, 256, 1],
  [64, 128, 2],
]) {
  const x = tf.randomNormal([1, h, h, c]);
  const w = tf.randomNormal([3, 3, c, c]);
  const ho = h / s;
  const fl = 2 * ho * ho * 9 * c * c;
  timeit(`conv fwd ${h}x${c} s${s}`, fl, () => tf.conv2d(x, w, s, 'same').dispose());
  const dyy = tf.randomNormal([1, ho, ho, c]);
  timeit(
    `conv bwdInput ${h}x${c} s${s}`,
    fl,
    () => tf.conv2dTranspose(dyy, w, [1, h, h, c], s, 'same').dispose(),
    1,
  );
}
// grouped batch matmul: G=32, M=4096, K=36, N=4
const G = 32;
const Ag = tf.randomNormal([G, 4096, 36]),
  Bg = tf.randomNormal([G, 36, 4]);
timeit('grouped bmm', 2 * G * 4096 * 36 * 4, () => mm(Ag, Bg, false, false));
