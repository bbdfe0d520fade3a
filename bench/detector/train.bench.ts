// Training proof: a CPU-sized Mask R-CNN trained from scratch on the synthetic shapes dataset on
// wasm, then COCO box and mask AP on the synthetic val split via @rcnn/eval.
//   pnpm --filter @rcnn/bench detector-train                      full run (~45 min budget on 2 cores)
//   pnpm --filter @rcnn/bench detector-train -- --tiny            one-minute smoke run
// Options: --minutes=M training budget (default 40; evaluation comes after), --iterations=N (fixed
// count instead of the budget), --optimizer=adamw|sgd (AdamW as the zoo's runs; sgd is the paper's
// SGD with momentum), --lr (default 1e-3 for AdamW, 0.02 for SGD), --batch=2, --size=256, --width=0.5, --depth=18,
// --write-docs (loss curve and AP table into docs/training-run.md), --train=1000 --val=200 images, --workers=1 (worker threads computing gradients; 1 = in-process, where the native kernels use both cores), --out=DIR (checkpoint and summary.json with the loss curve;
// default .cache/detector-train/), --seed=0, --resume (continue from the checkpoint in --out).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resnetFpn } from '@rcnn/backbones';
import { BatchLoader, ensureSyntheticDataset, readCocoDataset, trainAugmentation } from '@rcnn/data';
import { type CocoDataset, evaluate } from '@rcnn/eval';
import {
  buildDetector,
  DataParallelGradients,
  fcnMaskHead,
  initDetectorBackend,
  learningRateAt,
  maskRcnn,
  Predictor,
  Trainer,
  type TrainProgress,
} from '@rcnn/model-zoo';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const tiny = args.has('tiny');
const num = (k: string, d: number) => Number(args.get(k) ?? d);
const size = num('size', tiny ? 128 : 256);
const batchSize = num('batch', 2);
const budgetMinutes = num('minutes', tiny ? 0.5 : 40);
const optimizer = args.get('optimizer') === 'sgd' ? 'sgd' : 'adamw';
const baseLr = num('lr', optimizer === 'adamw' ? 1e-3 : 0.02);
const seed = num('seed', 0);
const workers = num('workers', 1);
const out =
  args.get('out') ??
  fileURLToPath(new URL(`../../.cache/detector-train/${tiny ? 'tiny' : 'full'}`, import.meta.url));
mkdirSync(out, { recursive: true });

await initDetectorBackend({ backend: args.get('backend') ?? 'wasm' });
const data = await ensureSyntheticDataset({
  config: { width: size, height: size, seed: 7 },
  splits: { train: num('train', tiny ? 40 : 1000), val: num('val', tiny ? 10 : 200) },
  onProgress: (p) => {
    if (p.done % 200 === 0) console.log(`building synthetic dataset: ${p.done}/${p.total}`);
  },
});
const train = await readCocoDataset(data.splits.train.annotations, { imageDir: data.splits.train.images });
const val = await readCocoDataset(data.splits.val.annotations, { imageDir: data.splits.val.images });

const config = maskRcnn({
  numClasses: train.numClasses + 1,
  backbone: resnetFpn({
    depth: num('depth', 18) as 18,
    widthMultiplier: num('width', tiny ? 0.25 : 0.5),
    outChannels: tiny ? 32 : 128,
    norm: 'batch',
    frozenStages: 0,
    seed,
  }),
  transform: { minSize: size, maxSize: size },
  rpn: {
    anchorSizes: [[16], [32], [64], [128], [256]],
    train: { preNmsTopN: 1000, postNmsTopN: 500 },
    test: { preNmsTopN: 500, postNmsTopN: 300 },
  },
  boxHead: { kind: 'twoMlp', representationSize: tiny ? 64 : 256 },
  maskHead: fcnMaskHead({ layers: tiny ? [32] : [128, 128], dimReduced: tiny ? 32 : 128 }),
  roiHeads: { batchSizePerImage: 256, detectionsPerImage: 100 },
  seed,
});
const model = buildDetector(config);
console.log(
  `model: ${(model.numValues() / 1e6).toFixed(2)} M values, images ${size}×${size}, batch ${batchSize}`,
);

const checkpointPath = join(out, 'checkpoint.safetensors');
const makeSource = (state: unknown) => {
  const loader = new BatchLoader(train, {
    batchSize,
    seed,
    dropLast: true,
    // horizontal flips; keypoints are absent from the detector's targets
    transform: trainAugmentation({ flipProbability: 0.5 }),
    state: state as { epoch: number; position: number } | undefined,
  });
  return {
    get state() {
      return loader.state;
    },
    next: async () => (await loader.next()).records,
  };
};

// The schedule needs an iteration count: fixed, or measured from a short calibration.
let iterations = args.has('iterations') ? num('iterations', 0) : 0;
// A resumed run keeps the first run's iteration count, so its schedule is unchanged.
const runFile = join(out, 'run.json');
if (iterations === 0 && args.has('resume') && existsSync(runFile)) {
  iterations = (JSON.parse(readFileSync(runFile, 'utf8')) as { iterations: number }).iterations;
  console.log(`resuming a run of ${iterations} iterations`);
}
if (iterations === 0) {
  const probe = buildDetector(config);
  const probeParallel = workers > 1 ? await DataParallelGradients.start(probe, { workers }) : undefined;
  const calib = new Trainer({
    model: probe,
    gradientSource: probeParallel,
    createSource: makeSource,
    config,
    schedule: { baseLearningRate: baseLr / 100 },
    maxIterations: 4,
    // the first iteration warms the kernels up; time the next three
    onProgress: (p) => {
      if (p.iteration === 1) t0 = performance.now();
    },
  });
  let t0 = performance.now();
  await calib.run();
  const perIter = (performance.now() - t0) / 3000;
  calib.dispose();
  await probeParallel?.close();
  probe.dispose();
  iterations = Math.max(10, Math.floor((budgetMinutes * 60) / perIter));
  console.log(
    `calibration: ${perIter.toFixed(2)} s/iteration → ${iterations} iterations in ${budgetMinutes} min`,
  );
}
writeFileSync(runFile, JSON.stringify({ iterations }));
const schedule = {
  baseLearningRate: baseLr,
  warmupIterations: Math.min(500, Math.floor(iterations / 10)),
  warmupFactor: 0.001,
  milestones: [Math.floor(iterations * 0.75), Math.floor(iterations * 0.9)],
  gamma: 0.1,
};
const curve: Array<{ iteration: number; loss: number; lr: number } & Record<string, number>> = [];
const started = performance.now();
const parallel = workers > 1 ? await DataParallelGradients.start(model, { workers }) : undefined;
const trainer = new Trainer({
  model,
  gradientSource: parallel,
  createSource: makeSource,
  config,
  schedule,
  optimizer,
  momentum: 0.9,
  weightDecay: 1e-4,
  clipGradientNorm: 10,
  maxIterations: iterations,
  seed,
  checkpointPath,
  checkpointEvery: 200,
  resume: args.has('resume'),
  progressEvery: tiny ? 5 : 20,
  onProgress: (p: TrainProgress) => {
    curve.push({ iteration: p.iteration, loss: p.totalLoss, lr: p.learningRate, ...p.losses });
    const terms = Object.entries(p.losses)
      .map(([k, v]) => `${k.replace('loss', '')} ${v.toFixed(3)}`)
      .join(' ');
    console.log(
      `it ${p.iteration}/${p.maxIterations} loss ${p.totalLoss.toFixed(3)} (${terms}) lr ${p.learningRate.toExponential(2)} ` +
        `${p.iterationsPerSecond.toFixed(2)} it/s eta ${(p.etaSeconds / 60).toFixed(1)} min`,
    );
  },
});
await trainer.run();
trainer.dispose();
await parallel?.close();
const trainSeconds = (performance.now() - started) / 1000;

// Evaluation on the val split.
const evalStart = performance.now();
const predictor = new Predictor(model, { batchSize: 1 });
const categoryIds = val.categories.map((c) => c.id);
const results = [];
for (let i = 0; i < val.length; i++) {
  const record = await val.get(i);
  const [prediction] = await predictor.predict([record.image]);
  results.push(...Predictor.cocoResults([prediction], [record.imageId], categoryIds));
}
const gt = JSON.parse(readFileSync(data.splits.val.annotations, 'utf8')) as CocoDataset;
const box = evaluate(gt, results, { iouType: 'bbox' });
const segm = evaluate(gt, results, { iouType: 'segm' });
const evalSeconds = (performance.now() - evalStart) / 1000;
const summary = {
  config,
  iterations,
  schedule,
  trainMinutes: trainSeconds / 60,
  evalMinutes: evalSeconds / 60,
  boxAp: box.stats[0] * 100,
  boxAp50: box.stats[1] * 100,
  maskAp: segm.stats[0] * 100,
  maskAp50: segm.stats[1] * 100,
  curve,
};
writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 1));
if (args.has('write-docs')) {
  // The loss curve (about 25 rows) and the result, as docs/training-run.md.
  const every = Math.max(1, Math.ceil(curve.length / 25));
  const rows = curve.filter((_, i) => i % every === 0 || i === curve.length - 1);
  const terms = Object.keys(rows[0] ?? {}).filter((k) => k.startsWith('loss') && k !== 'loss');
  const doc = [
    '# Training proof: the last run',
    '',
    `Written by \`pnpm --filter @rcnn/bench detector-train -- ${process.argv
      .slice(2)
      .filter((a) => a !== '--')
      .join(' ')}\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    `${iterations} iterations in ${summary.trainMinutes.toFixed(1)} min (+${summary.evalMinutes.toFixed(1)} min evaluation): ` +
      `**box AP ${summary.boxAp.toFixed(1)}** (AP50 ${summary.boxAp50.toFixed(1)}), **mask AP ${summary.maskAp.toFixed(1)}** (AP50 ${summary.maskAp50.toFixed(1)}).`,
    '',
    `| iteration | lr | total | ${terms.join(' | ')} |`,
    `|---|---|---|${terms.map(() => '---').join('|')}|`,
    ...rows.map(
      (r) =>
        `| ${r.iteration} | ${r.lr.toExponential(1)} | ${r.loss.toFixed(3)} | ${terms.map((t) => r[t].toFixed(3)).join(' | ')} |`,
    ),
    '',
  ].join('\n');
  writeFileSync(fileURLToPath(new URL('../../docs/training-run.md', import.meta.url)), doc);
}
console.log(
  `\nMask R-CNN R${config.backbone.kind === 'resnetFpn' ? config.backbone.resnet.depth : ''}-FPN ×${args.get('width') ?? (tiny ? 0.25 : 0.5)} from scratch, ${iterations} iterations ` +
    `in ${summary.trainMinutes.toFixed(1)} min (+${summary.evalMinutes.toFixed(1)} min eval):` +
    `\n  box AP ${summary.boxAp.toFixed(1)} (AP50 ${summary.boxAp50.toFixed(1)}), mask AP ${summary.maskAp.toFixed(1)} (AP50 ${summary.maskAp50.toFixed(1)})` +
    `\n  targets: box AP >= 50, mask AP >= 45 within 45 minutes; summary and curve in ${out}/summary.json`,
);
console.log(`final lr ${learningRateAt(schedule, iterations - 1).toExponential(2)}`);
predictor.dispose();
