import { initBackend } from '@rcnn/backend';
import { multiLevelRoiPool, registerRoiOps, roiAlign } from '@rcnn/roi-ops';
import * as tf from '@tensorflow/tfjs-core';
import { benchArgs, medianMs, runPythonReference } from '../common/harness';

const args = benchArgs();
const tiny = args.has('tiny');
const backend = args.get('backend') ?? 'wasm';
const reps = Number(args.get('reps') ?? (tiny ? 1 : 5));
const timed = (fn: () => void) => medianMs(fn, reps);
const image: [number, number] = tiny ? [224, 352] : [800, 1344];
const channels = tiny ? 16 : 256;
const strides = [4, 8, 16, 32];

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Proposal-like boxes: log-uniform sides 16..800 px, aspect 1:2..2:1, clipped to the image. */
function proposals(count: number, seed: number): number[] {
  const rand = random(seed);
  const [H, W] = image;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const side = 16 * 50 ** rand();
    const aspect = 2 ** (rand() * 2 - 1);
    const w = Math.min(side * Math.sqrt(aspect), W);
    const h = Math.min(side / Math.sqrt(aspect), H);
    const x1 = rand() * (W - w);
    const y1 = rand() * (H - h);
    out.push(0, x1, y1, x1 + w, y1 + h);
  }
  return out.map(Math.fround);
}

interface Case {
  name: string;
  kind: 'multi' | 'single';
  rois: number[];
  outputSize: number;
  samplingRatio: number;
  level?: number;
}

const cases: Case[] = [
  {
    name: 'MultiScaleRoIAlign 512 RoIs 7x7',
    kind: 'multi',
    rois: proposals(512, 1),
    outputSize: 7,
    samplingRatio: 2,
  },
  {
    name: 'MultiScaleRoIAlign 100 RoIs 14x14 (mask)',
    kind: 'multi',
    rois: proposals(100, 2),
    outputSize: 14,
    samplingRatio: 2,
  },
  {
    name: 'roi_align P3 512 RoIs 7x7',
    kind: 'single',
    rois: proposals(512, 3),
    outputSize: 7,
    samplingRatio: 2,
    level: 1,
  },
];

async function ours(): Promise<Record<string, { forward: number; forwardBackward: number }>> {
  await initBackend({ backend });
  registerRoiOps();
  const [H, W] = image;
  const feats = strides.map(
    (s) => tf.randomNormal([1, H / s, W / s, channels], 0, 1, 'float32', 0) as tf.Tensor4D,
  );
  const results: Record<string, { forward: number; forwardBackward: number }> = {};
  for (const c of cases) {
    const rois = tf.tensor2d(c.rois, [c.rois.length / 5, 5]);
    const pool = (fs: tf.Tensor4D[]) =>
      c.kind === 'multi'
        ? multiLevelRoiPool(fs, rois, {
            outputSize: c.outputSize,
            strides,
            op: { kind: 'align', samplingRatio: c.samplingRatio },
          })
        : roiAlign(fs[0], rois, {
            outputSize: c.outputSize,
            spatialScale: 1 / strides[c.level!],
            samplingRatio: c.samplingRatio,
          });
    // The single-level case pools from (and differentiates w.r.t.) one map only.
    const inputs = c.kind === 'multi' ? feats : [feats[c.level!]];
    // cpu and wasm run kernels synchronously, so no read-back is needed to time them (torchvision's
    // side does not copy its results either).
    const forward = timed(() => {
      pool(inputs).dispose();
    });
    const forwardBackward = timed(() => {
      const grads = tf.grads((...fs: tf.Tensor[]) => tf.sum(pool(fs as tf.Tensor4D[])))(inputs);
      tf.dispose(grads);
    });
    results[c.name] = { forward, forwardBackward };
    rois.dispose();
  }
  tf.dispose(feats);
  return results;
}

function torchvision(): Record<string, { forward: number; forwardBackward: number }> {
  return runPythonReference(new URL('./torchvision_roi_ops.py', import.meta.url), {
    image,
    channels,
    strides,
    reps,
    cases,
  });
}

const mine = await ours();
const ref = torchvision();
console.log(
  `RoI ops, image ${image.join('×')}, C=${channels}, FPN strides ${strides}, ${backend} vs torchvision (2 threads), median of ${reps}`,
);
console.log('case | pass | ours ms | torchvision ms | ours/torchvision');
for (const c of cases) {
  for (const pass of ['forward', 'forwardBackward'] as const) {
    const a = mine[c.name][pass];
    const b = ref[c.name][pass];
    console.log(`${c.name} | ${pass} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)}`);
  }
}
