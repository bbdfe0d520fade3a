// Detector speed against torchvision, both measured in this run on this machine:
// Mask R-CNN R50-FPN inference at 800×1333 (100 detections through the mask head) and one training
// step at 512×512 (SGD, all backbone stages trainable as torchvision does without pretrained weights), medians over --reps.
//   pnpm --filter @rcnn/bench detector-speed                 full setting
//   pnpm --filter @rcnn/bench detector-speed -- --tiny       small sizes, a smoke run
// Options: --backend=wasm|cpu (default wasm), --reps=N (default 3), --threads=N for torch (default 2).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '@rcnn/core';
import { syntheticRecord } from '@rcnn/data';
import { buildDetector, initDetectorBackend, SgdMomentum, torchvisionDetectorConfig } from '@rcnn/model-zoo';
import * as tf from '@tensorflow/tfjs-core';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const tiny = args.has('tiny');
const reps = Number(args.get('reps') ?? (tiny ? 1 : 3));
const threads = Number(args.get('threads') ?? 2);
const inference: [number, number] = tiny ? [240, 320] : [800, 1333];
const [minSize, maxSize] = tiny ? [240, 320] : [800, 1333];
const trainSize = tiny ? 128 : 512;
await initDetectorBackend({ backend: args.get('backend') ?? 'wasm' });

function median(fn: () => Promise<void> | void, n: number): Promise<number> {
  return (async () => {
    await fn();
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn();
      times.push((performance.now() - t) / 1000);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  })();
}

// Ours: inference with random weights (score threshold 0, so 100 detections reach the mask head).
const inferModel = buildDetector(
  torchvisionDetectorConfig({ arch: 'maskrcnn', backbone: 'resnet50', boxScoreThresh: 0, minSize, maxSize }),
);
const image = tf.tidy(() =>
  tf.cast(tf.mul(tf.randomUniform([...inference, 3], 0, 1, 'float32', 5), 255), 'int32'),
) as tf.Tensor3D;
const oursInference = await median(async () => {
  await inferModel.predict([image]);
}, reps);
inferModel.dispose();
image.dispose();

// Ours: one training step (losses, gradients, SGD update) on a synthetic record.
const record = syntheticRecord(0, { width: trainSize, height: trainSize });
const numClasses = 9;
const trainModel = buildDetector(
  torchvisionDetectorConfig({
    arch: 'maskrcnn',
    backbone: 'resnet50',
    numClasses,
    minSize: trainSize,
    maxSize: trainSize,
    // torchvision ignores trainable_backbone_layers without pretrained weights: all 5 stages train
    trainableBackboneLayers: 5,
  }),
);
const params = trainModel.namedParameters().filter(([, v]) => v.trainable);
const sgd = new SgdMomentum(params, { momentum: 0.9, weightDecay: 1e-4 });
const nameOf = new Map(params.map(([n, v]) => [v.name, n]));
const rng = new SeededRandom(0);
const oursTrain = await median(() => {
  const { value, grads } = tf.variableGrads(
    () => tf.addN(Object.values(trainModel.losses([record], rng))) as tf.Scalar,
    params.map(([, v]) => v),
  );
  sgd.step(new Map(Object.entries(grads).map(([k, g]) => [nameOf.get(k) as string, g])), 0.001);
  tf.dispose([value, ...Object.values(grads)]);
}, reps);
sgd.dispose();
trainModel.dispose();

// torchvision, same run.
const dir = mkdtempSync(join(tmpdir(), 'rcnn-detector-speed-'));
const specPath = join(dir, 'spec.json');
writeFileSync(
  specPath,
  JSON.stringify({
    threads,
    reps,
    inference,
    minSize,
    maxSize,
    train: {
      height: trainSize,
      width: trainSize,
      numClasses,
      image: Buffer.from(record.image.data).toString('base64'),
      masks: Buffer.from(record.masks ?? new Uint8Array(0)).toString('base64'),
      boxes: Array.from(record.boxes),
      labels: Array.from(record.classIds),
    },
  }),
);
const script = fileURLToPath(new URL('./torchvision_detector_speed.py', import.meta.url));
const torchvision = JSON.parse(
  execFileSync('/usr/bin/python3', [script, specPath], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop() as string,
) as {
  inference: number;
  trainStep: number;
};
rmSync(dir, { recursive: true, force: true });

const row = (label: string, ours: number, ref: number) =>
  `| ${label} | ${ours.toFixed(2)} s | ${ref.toFixed(2)} s | ${(ref / ours).toFixed(2)}× |`;
console.log(
  `\n| Mask R-CNN R50-FPN (${args.get('backend') ?? 'wasm'} vs torch ${threads} threads) | rcnn.ts | torchvision | speed-up |`,
);
console.log('|---|---|---|---|');
console.log(row(`inference ${inference.join('×')}`, oursInference, torchvision.inference));
console.log(row(`training step ${trainSize}×${trainSize}`, oursTrain, torchvision.trainStep));
