// Trains one variant of the zoo's quick suite with a given recipe and scores it on the val split,
// so recipes (norm, learning rate, warm-up, iterations, RoI sampling, image size) can be compared
// by AP at equal iterations and roughly equal time. Prints seconds per iteration and box/mask AP.
//   pnpm --filter @rcnn/bench quick-recipe --variant=mask-roialign --iterations=250 --norm=batch
//   pnpm --filter @rcnn/bench quick-recipe --tiny      a smoke form (4 iterations, 8/4 images)
// Flags: --variant --iterations --lr --warmup --norm=frozen|batch --optimizer=sgd|adamw
// --image-size --batch-size --roi-batch (sampled RoIs per image) --roi-pos (positive fraction)
// --rpn-batch --decay=<fraction of iterations of the one step decay, 0 = none> --clip
// --weight-decay --val-images --train-images --eval-at=150,300 (extra evaluations on the way)
// --eval-train (score the training images: can the model fit them at all?) --label=NAME
// --data=minObjects:1,maxObjects:4 (synthetic generator options, see @rcnn/data's SyntheticConfig)
// --threads=N (native kernel threads)
// --pretrain=N (first pretrain the trunk as a crop classifier for N iterations of 64 crops and
// start the detector from it) --pretrain-lr --pretrain-crop=64

import { readFileSync } from 'node:fs';
import {
  BatchLoader,
  type DetectionRecord,
  ensureSyntheticDataset,
  readCocoDataset,
  trainAugmentation,
} from '@rcnn/data';
import type { CocoDataset } from '@rcnn/eval';
import {
  buildDetector,
  type DetectorConfig,
  initDetectorBackend,
  loadPretrainedTrunk,
  pretrainTrunk,
  Trainer,
} from '@rcnn/model-zoo';
import { evaluateDetector, findSuite } from '@rcnn/zoo';
import { benchArgs } from '../common/harness';

const args = benchArgs();
const tiny = args.has('tiny');
const num = (k: string, d: number) => (args.has(k) ? Number(args.get(k)) : d);
const suite = findSuite('quick');
const variantId = args.get('variant') ?? 'mask-roialign';
const spec = suite.variants.find((v) => v.id === variantId);
if (!spec) throw new Error(`quick has no variant ${variantId}`);
const b0 = suite.budget;
const iterations = num('iterations', tiny ? 4 : b0.iterations);
const budget = {
  ...b0,
  iterations,
  imageSize: num('image-size', b0.imageSize),
  batchSize: num('batch-size', b0.batchSize),
  trainImages: num('train-images', tiny ? 8 : b0.trainImages),
  valImages: num('val-images', tiny ? 4 : b0.valImages),
  baseLearningRate: num('lr', b0.baseLearningRate),
  warmupIterations: Math.min(num('warmup', b0.warmupIterations), Math.max(0, iterations - 1)),
};
/** The config fields the flags override (plain JSON, so a structured clone is safe to edit). */
interface Patchable {
  backbone: { resnet: { norm: string } };
  roiHeads: { batchSizePerImage: number; positiveFraction: number };
  rpn: { batchSizePerImage: number };
}
const config = structuredClone(spec.build(budget)) as DetectorConfig;
const editable = config as unknown as Patchable;
if (args.has('norm')) editable.backbone.resnet.norm = args.get('norm') as string;
if (args.has('roi-pos')) editable.roiHeads.positiveFraction = num('roi-pos', 0.25);
if (args.has('roi-batch')) editable.roiHeads.batchSizePerImage = num('roi-batch', 64);
if (args.has('rpn-batch')) editable.rpn.batchSizePerImage = num('rpn-batch', 128);

const backend = await initDetectorBackend({
  backend: args.get('backend'),
  ...(args.has('threads') ? { threads: num('threads', 2) } : {}),
});
const dataOverrides = Object.fromEntries(
  (args.get('data') ?? '')
    .split(',')
    .filter((s) => s !== '')
    .map((kv) => {
      const [k, v] = kv.split(':');
      return [k, Number(v)];
    }),
);
const paths = await ensureSyntheticDataset({
  name: 'zoo',
  config: {
    ...budget.scene,
    seed: budget.datasetSeed,
    width: budget.imageSize,
    height: budget.imageSize,
    ...dataOverrides,
  },
  splits: { train: budget.trainImages, val: budget.valImages },
});
const train = await readCocoDataset(paths.splits.train.annotations);
// --eval-train scores the training images instead (a check that the model can fit them at all).
const evalSplit = args.has('eval-train') ? paths.splits.train : paths.splits.val;
const val = await readCocoDataset(evalSplit.annotations);
const detector = buildDetector(config);
if (num('pretrain', 0) > 0) {
  const records: DetectionRecord[] = [];
  for (let i = 0; i < train.length; i++) records.push(await train.get(i));
  const held: DetectionRecord[] = [];
  for (let i = 0; i < val.length; i++) held.push(await val.get(i));
  const cfg = config as unknown as { backbone: { resnet: Parameters<typeof pretrainTrunk>[0]['resnet'] } };
  const p0 = performance.now();
  const pre = await pretrainTrunk({
    resnet: cfg.backbone.resnet,
    numClasses: config.numClasses - 1,
    records,
    validationRecords: held,
    iterations: num('pretrain', 0),
    learningRate: num('pretrain-lr', 2e-3),
    crops: { cropSize: num('pretrain-crop', 64) },
    seed: budget.seed,
    onProgress: (p) => {
      if (p.iteration % 100 === 0)
        console.log(
          `pretrain ${p.iteration} loss ${p.loss.toFixed(3)} acc ${p.accuracy.toFixed(2)} ${p.iterationsPerSecond.toFixed(2)} it/s`,
        );
    },
  });
  const loaded = loadPretrainedTrunk(detector, pre.stateDict);
  console.log(
    `PRETRAIN ${pre.iterations} it ${((performance.now() - p0) / 1000).toFixed(0)} s, held-out crop accuracy ${pre.validationAccuracy}, loaded ${loaded.trunk}+${loaded.res5} tensors`,
  );
}
const decay = num('decay', 0.8);
type Records = readonly DetectionRecord[];
const t0 = performance.now();
let last = t0;
let stopTarget = iterations;
const trainer = new Trainer<Records>({
  model: detector,
  config,
  createSource: () => {
    const loader = new BatchLoader(train, {
      batchSize: budget.batchSize,
      seed: budget.seed,
      transform: trainAugmentation({ flipProbability: 0.5 }),
    });
    return { next: async () => (await loader.next()).records, state: null };
  },
  schedule: {
    baseLearningRate: budget.baseLearningRate,
    warmupIterations: budget.warmupIterations,
    milestones: decay > 0 ? [Math.floor(iterations * decay)] : [],
  },
  momentum: 0.9,
  optimizer: args.get('optimizer') === 'adamw' ? 'adamw' : 'sgd',
  weightDecay: num('weight-decay', 1e-4),
  clipGradientNorm: num('clip', 10),
  maxIterations: iterations,
  seed: budget.seed,
  handleInterrupt: false,
  onProgress: (p) => {
    if (p.iteration >= stopTarget) trainer.stop();
    if (p.iteration % 25 === 0 || p.iteration === p.maxIterations) {
      const now = performance.now();
      const l = Object.entries(p.losses)
        .map(([k, v]) => `${k.replace('loss', '')} ${v.toFixed(3)}`)
        .join(' ');
      console.log(
        `it ${p.iteration} ${((now - last) / 1000).toFixed(1)}s total ${p.totalLoss.toFixed(3)} gn ${p.gradientNorm.toFixed(1)} | ${l}`,
      );
      last = now;
    }
  },
});
const gt = JSON.parse(readFileSync(evalSplit.annotations, 'utf8')) as CocoDataset;
const label = args.get('label') ?? [...args].map(([k, v]) => `${k}=${v}`).join(' ');
// Evaluate at these iterations too (training pauses meanwhile; its time is not counted).
const evalAt = (args.get('eval-at') ?? '')
  .split(',')
  .filter((s) => s !== '')
  .map(Number)
  .filter((n) => n > 0 && n < iterations);
let trainSeconds = 0;
for (const stopAt of [...evalAt, iterations]) {
  const start = performance.now();
  while (trainer.iteration < stopAt) {
    stopTarget = stopAt;
    await trainer.run();
  }
  trainSeconds += (performance.now() - start) / 1000;
  const ev = await evaluateDetector(detector, val, gt);
  if (ev === null) throw new Error('evaluation stopped');
  console.log(
    `RESULT ${label} | backend ${backend} | ${stopAt} it ${trainSeconds.toFixed(0)} s (${(trainSeconds / stopAt).toFixed(3)} s/it) | box AP ${(100 * ev.box.ap).toFixed(1)} AP50 ${(100 * ev.box.ap50).toFixed(1)}` +
      (ev.mask ? ` | mask AP ${(100 * ev.mask.ap).toFixed(1)} AP50 ${(100 * ev.mask.ap50).toFixed(1)}` : '') +
      ` | eval ${ev.seconds.toFixed(0)} s, ${ev.detections} dets`,
  );
}
trainer.dispose();
detector.dispose?.();
