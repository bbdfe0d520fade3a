import { initBackend, nativeKernelsActive, nativeKernelsStatus } from '@rcnn/backend';
import { DataParallel } from '@rcnn/backend/workers';
import * as tf from '@tensorflow/tfjs-core';
import { benchArgs, medianMs, runPythonReference } from '../common/harness';
import { benchModel } from './benchModel.ts';

const args = benchArgs();
const tiny = args.has('tiny');
const backend = args.get('backend') ?? 'wasm';
const reps = Number(args.get('reps') ?? (tiny ? 1 : 3));
const threads = Number(args.get('threads') ?? 2);
const parallel = !args.has('no-parallel');
// Native kernels (AVX2/FMA addon; with Winograd for 3x3 stride-1 convolutions, and again with
// every convolution direct unless --no-direct) against the pure-wasm kernels, all in this run;
// --no-native measures wasm only. --native-threads=N sets the native threads (default: the cores).
const compareNative = backend === 'wasm' && !args.has('no-native');
const nativeThreads = args.has('native-threads') ? Number(args.get('native-threads')) : undefined;
const sgemmSize = tiny ? 256 : 1000;
// Read by the data-parallel workers (they inherit the environment).
process.env.RCNN_ENGINE_NATIVE = compareNative ? '1' : '0';
// Read by benchModel here and in the data-parallel workers (they inherit the environment).
process.env.RCNN_ENGINE_MODEL = args.get('model') ?? 'backbones';

interface ConvSpec {
  /** NHWC input. */
  x: [number, number, number, number];
  out: number;
  stride: number;
}
const convs: ConvSpec[] = tiny
  ? [
      { x: [1, 32, 32, 16], out: 16, stride: 1 },
      { x: [1, 16, 16, 32], out: 32, stride: 2 },
    ]
  : [
      { x: [1, 128, 128, 64], out: 64, stride: 1 },
      { x: [1, 32, 32, 256], out: 256, stride: 1 },
      { x: [1, 64, 64, 128], out: 128, stride: 2 },
      { x: [1, 16, 16, 512], out: 512, stride: 1 },
    ];
const sizes = tiny ? [64] : [256, 512];

function convLayer(spec: ConvSpec) {
  const [n, h, w, c] = spec.x;
  const x = tf.randomNormal(spec.x, 0, 1, 'float32', 1) as tf.Tensor4D;
  const filter = tf.randomNormal([3, 3, c, spec.out], 0, 1, 'float32', 2) as tf.Tensor4D;
  const y = tf.conv2d(x, filter, spec.stride, 'same');
  const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
  const attrs = { strides: spec.stride, pad: 'same', dataFormat: 'NHWC' } as const;
  // Single layers take milliseconds: at least 7 repetitions, so one slow moment of the host
  // does not make the median.
  const layerReps = Math.max(reps, 7);
  const forward = medianMs(() => tf.conv2d(x, filter, spec.stride, 'same').dispose(), layerReps);
  // The two kernels tf.conv2d's gradient runs.
  const backwardInput = medianMs(
    () =>
      (
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropInput',
            { dy, filter },
            { ...attrs, inputShape: [n, h, w, c] },
          ) as tf.Tensor
      ).dispose(),
    layerReps,
  );
  const backwardFilter = medianMs(
    () =>
      (
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { ...attrs, filterShape: [3, 3, c, spec.out] },
          ) as tf.Tensor
      ).dispose(),
    layerReps,
  );
  const gflop = (2 * y.size * 9 * c) / 1e9;
  tf.dispose([x, filter, y, dy]);
  return { forward, backwardInput, backwardFilter, backward: backwardInput + backwardFilter, gflop };
}

function fpnStep(size: number) {
  const model = benchModel();
  const x = tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const forward = medianMs(() => tf.tidy(() => model.loss(x).dataSync()), reps);
  const step = medianMs(() => {
    const { value, grads } = tf.variableGrads(() => model.loss(x), model.variables);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  }, reps);
  model.dispose();
  x.dispose();
  return { forward, step };
}

/** Batch-2 step: one thread vs two workers each taking one image and averaging gradients. */
async function dataParallelStep(size: number) {
  const model = benchModel();
  const images = tf.randomUniform([2, size, size, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
  const oneThread = medianMs(() => {
    const { value, grads } = tf.variableGrads(() => model.loss(images), model.variables);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  }, reps);
  const weights = model.variables.map((v) => v.dataSync() as Float32Array);
  const pixels = images.dataSync() as Float32Array;
  const half = pixels.length / 2;
  const shards = [0, 1].map((i) => ({
    images: pixels.slice(i * half, (i + 1) * half),
    shape: [1, size, size, 3] as [number, number, number, number],
  }));
  model.dispose();
  images.dispose();
  const pool = await DataParallel.start(new URL('./resnetFpnGradientJob.ts', import.meta.url), {
    size: 2,
    preload: ['tsx/esm/api'],
  });
  try {
    await pool.step(weights, shards);
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await pool.step(weights, shards);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { oneThread, twoWorkers: times[Math.floor(times.length / 2)] };
  } finally {
    await pool.close();
  }
}

/** Square float32 matMul on the current kernels: GFLOP/s. */
function sgemm(n: number) {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 7);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 8);
  const ms = medianMs(() => tf.matMul(a, b).dispose(), Math.max(reps, 3));
  tf.dispose([a, b]);
  return (2 * n ** 3) / 1e6 / ms;
}

function torchvision() {
  return runPythonReference<{
    sgemm: number;
    convs: Array<{ forward: number; backward: number }>;
    fpn: Array<{ size: number; forward: number; step: number }>;
  }>(new URL('./torchvision_engine.py', import.meta.url), {
    threads,
    reps,
    sgemm: sgemmSize,
    convs,
    sizes,
  });
}

const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);

interface ModeResult {
  label: string;
  sgemm: number;
  convs: ReturnType<typeof convLayer>[];
  fpn: ReturnType<typeof fpnStep>[];
}

async function measure(native: boolean, winograd = true): Promise<ModeResult> {
  await initBackend({ backend, native, threads: nativeThreads, winograd });
  if (native && !nativeKernelsActive()) {
    throw new Error(
      `engine bench: native kernels unavailable (${nativeKernelsStatus().reason}); use --no-native`,
    );
  }
  const label = native
    ? `native${winograd ? '' : ', direct'} (${nativeKernelsStatus().threads} threads)`
    : `${backend} (1 thread)`;
  return { label, sgemm: sgemm(sgemmSize), convs: convs.map(convLayer), fpn: sizes.map(fpnStep) };
}

type Reference = ReturnType<typeof torchvision>;
/** Mean of two reference runs, field by field (the host's speed drifts over a long run). */
function meanReference(a: Reference, b: Reference): Reference {
  const avg = (x: number, y: number) => (x + y) / 2;
  return {
    sgemm: avg(a.sgemm, b.sgemm),
    convs: a.convs.map((c, i) => ({
      forward: avg(c.forward, b.convs[i].forward),
      backward: avg(c.backward, b.convs[i].backward),
    })),
    fpn: a.fpn.map((f, i) => ({
      size: f.size,
      forward: avg(f.forward, b.fpn[i].forward),
      step: avg(f.step, b.fpn[i].step),
    })),
  };
}

// torchvision is measured before and after our modes, and the two runs averaged.
const refBefore = torchvision();
const modes: ModeResult[] = [];
if (compareNative) {
  modes.push(await measure(true));
  // The same native kernels with Winograd off: every convolution a direct (implicit GEMM) product.
  if (!args.has('no-direct')) modes.push(await measure(true, false));
}
modes.push(await measure(false));
// Data-parallel workers use what the first mode used (native: one native thread per worker).
await initBackend({ backend, native: compareNative, threads: nativeThreads });
const dataParallel = [];
if (parallel) for (const size of sizes) dataParallel.push(await dataParallelStep(size));
const refAfter = torchvision();
const ref = meanReference(refBefore, refAfter);

console.log(
  `# engine bench: tfjs ${modes.map((m) => m.label).join(' and ')} vs torch ${threads} thread(s); median of ${reps}; model: ${process.env.RCNN_ENGINE_MODEL}`,
);
console.log(`\n## SGEMM ${sgemmSize}x${sgemmSize}x${sgemmSize} (GFLOP/s, higher is better)`);
const torchGflops = (2 * sgemmSize ** 3) / 1e6 / ref.sgemm;
console.log(
  `${modes.map((m) => `${m.label}: ${f1(m.sgemm)}`).join('; ')}; torch: ${f1(torchGflops)}; ratios torch/ours: ${modes.map((m) => f2(torchGflops / m.sgemm)).join(' / ')}`,
);

console.log('\n## 3x3 conv layer, pad same (ms; bwd = input + filter gradient; ratio = ours / torch)');
console.log(
  `| input NHWC -> out, stride | ${modes.map((m) => `${m.label} fwd | bwd (input + filter) | bwd/fwd | fwd GFLOP/s | bwd GFLOP/s`).join(' | ')} | torch fwd | torch bwd | ${modes.map((m) => `${m.label} fwd ratio | bwd ratio`).join(' | ')} |`,
);
console.log(
  `|---|${modes.map(() => '---|---|---|---|---|').join('')}---|---|${modes.map(() => '---|---|').join('')}`,
);
convs.forEach((spec, i) => {
  const t = ref.convs[i];
  const cells = modes.map((m) => {
    const o = m.convs[i];
    return `${f1(o.forward)} | ${f1(o.backward)} (${f1(o.backwardInput)} + ${f1(o.backwardFilter)}) | ${f2(o.backward / o.forward)} | ${f1(o.gflop / (o.forward / 1e3))} | ${f1((2 * o.gflop) / (o.backward / 1e3))}`;
  });
  const ratios = modes.map(
    (m) => `${f2(m.convs[i].forward / t.forward)} | ${f2(m.convs[i].backward / t.backward)}`,
  );
  console.log(
    `| ${spec.x.join('x')} -> ${spec.out}, s${spec.stride} | ${cells.join(' | ')} | ${f1(t.forward)} | ${f1(t.backward)} | ${ratios.join(' | ')} |`,
  );
});
console.log('\n## ResNet-50-FPN, batch 1 (ms; step = forward + backward of sum of mean squares of P2..P6)');
console.log(
  `torch step, run before / after ours: ${refBefore.fpn.map((f, i) => `${f.size}: ${f1(f.step)} / ${f1(refAfter.fpn[i].step)}`).join('; ')} (the mean is used)`,
);
console.log(
  `| size | ${modes.map((m) => `${m.label} fwd | step`).join(' | ')} | torch fwd | torch step | ${modes.map((m) => `${m.label} fwd ratio | step ratio`).join(' | ')} |`,
);
console.log(`|---|${modes.map(() => '---|---|').join('')}---|---|${modes.map(() => '---|---|').join('')}`);
sizes.forEach((size, i) => {
  const t = ref.fpn[i];
  const cells = modes.map((m) => `${f1(m.fpn[i].forward)} | ${f1(m.fpn[i].step)}`);
  const ratios = modes.map((m) => `${f2(m.fpn[i].forward / t.forward)} | ${f2(m.fpn[i].step / t.step)}`);
  console.log(
    `| ${size} | ${cells.join(' | ')} | ${f1(t.forward)} | ${f1(t.step)} | ${ratios.join(' | ')} |`,
  );
});
if (parallel) {
  console.log(
    `\n## ResNet-50-FPN step, batch 2: main thread (${modes[0].label}) vs DataParallel on two workers (ms)`,
  );
  console.log('| size | main thread | two workers | speed-up |');
  console.log('|---|---|---|---|');
  sizes.forEach((size, i) => {
    const d = dataParallel[i];
    console.log(`| ${size} | ${f1(d.oneThread)} | ${f1(d.twoWorkers)} | ${f2(d.oneThread / d.twoWorkers)} |`);
  });
}
console.log(
  '\nratio < 1: ours faster. Goals: conv bwd/fwd <= 2.5; R50-FPN step ratio <= 1 (native). Workers run one native thread each.',
);
