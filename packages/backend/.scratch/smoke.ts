import * as tf from '@tensorflow/tfjs-core';
import { conv2dGrouped, initBackend } from '../src/index';

async function run(backend: string, f: () => tf.Tensor[]) {
  await initBackend({ backend });
  return f().map((t) => {
    const d = t.dataSync().slice();
    t.dispose();
    return d;
  });
}
function maxDiff(a: Float32Array, b: Float32Array) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
await initBackend({ backend: 'cpu' });
const xs = tf.randomNormal([2, 9, 11, 6]).arraySync() as number[][][][];
const ws = tf.randomNormal([3, 3, 6, 8]).arraySync() as number[][][][];
for (const [s, pad] of [
  [1, 'same'],
  [2, 'same'],
  [2, 'valid'],
  [
    1,
    [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  ],
] as const) {
  const f = () => {
    const x = tf.tensor4d(xs),
      w = tf.tensor4d(ws);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad as any))),
    );
    const r = g([x, w]);
    x.dispose();
    w.dispose();
    return r;
  };
  const c = await run('cpu', f);
  const wv = await run('wasm', f);
  console.log(s, JSON.stringify(pad), maxDiff(c[0], wv[0]), maxDiff(c[1], wv[1]));
}
// timing
await initBackend({ backend: 'wasm' });
function timeit(label: string, fl: number, f: () => void, reps = 3) {
  f();
  const t = performance.now();
  for (let i = 0; i < reps; i++) f();
  const ms = (performance.now() - t) / reps;
  console.log(label, ms.toFixed(1), 'ms', (fl / ms / 1e6).toFixed(1), 'GFLOP/s');
  return ms;
}
for (const [h, c, s] of [
  [128, 64, 1],
  [32, 256, 1],
  [64, 128, 2],
]) {
  const x = tf.randomNormal([1, h, h, c]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, c, c]) as tf.Tensor4D;
  const ho = h / s;
  const fl = 2 * ho * ho * 9 * c * c;
  const dy = tf.randomNormal([1, ho, ho, c]) as tf.Tensor4D;
  const f = timeit(`fwd ${h}x${c} s${s}`, fl, () => tf.conv2d(x, w, s, 'same').dispose());
  const bi = timeit(`bwdIn`, fl, () => tf.conv2dTranspose(dy, w, [1, h, h, c], s, 'same').dispose());
  const bf = timeit(`bwdFilter`, fl, () =>
    (
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: s, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, c, c] },
        ) as tf.Tensor
    ).dispose(),
  );
  console.log('  backward/forward', ((bi + bf) / f).toFixed(2));
}
const x = tf.randomNormal([1, 64, 64, 128]) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, 4, 128]) as tf.Tensor4D;
timeit('grouped 64x128 g32', 2 * 64 * 64 * 36 * 128, () =>
  conv2dGrouped(x, w, { pad: 'same', groups: 32 }).dispose(),
);
