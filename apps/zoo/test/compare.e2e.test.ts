import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, readCocoDataset, readImageFile } from '@rcnn/data';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSuite, main, type SuiteReport, type VariantResult } from '../src/index';
import { prepareDataset } from '../src/run/prepareDataset';
import { runVariant } from '../src/run/runVariant';
import { captureIo } from './captureIo';

const tmp = mkdtempSync(join(tmpdir(), 'zoo-e2e-'));
const runs = join(tmp, 'runs');
const previousCache = process.env.RCNN_DATA_CACHE;

beforeAll(() => {
  process.env.RCNN_DATA_CACHE = join(tmp, 'cache');
});
afterAll(() => {
  if (previousCache === undefined) delete process.env.RCNN_DATA_CACHE;
  else process.env.RCNN_DATA_CACHE = previousCache;
  rmSync(tmp, { recursive: true, force: true });
});

describe('zoo compare on the micro suite', () => {
  let first: ReturnType<typeof captureIo>;

  it('trains both variants in worker threads and writes tables, JSON and HTML', async () => {
    first = captureIo();
    const code = await main(['compare', '--suite', 'micro', '--workers', '2', '--runs', runs], first);
    expect(first.err()).not.toContain('error');
    expect(code).toBe(0);
    const root = join(runs, 'micro');
    const report = JSON.parse(readFileSync(join(root, 'results.json'), 'utf8')) as SuiteReport;
    expect(report.variants.map((v) => v.variant)).toEqual(['faster-roipool', 'mask-roialign']);
    expect(report.pending).toEqual([]);
    for (const v of report.variants) {
      expect(v.iterations).toBe(2);
      expect(v.history.map((h) => h.iteration)).toEqual([1, 2]);
      expect(Number.isFinite(v.history[1].totalLoss)).toBe(true);
      expect(v.evaluation.images).toBe(2);
      expect(v.machine.backend).toBe('wasm');
      expect(v.seed).toBe(0);
      expect(v.config.kind).toBe(v.variant.startsWith('mask') ? 'maskRcnn' : 'fasterRcnn');
      expect(v.predictions.length).toBe(2);
      for (const p of v.predictions) expect(existsSync(join(root, 'variants', v.variant, p))).toBe(true);
      expect(existsSync(join(root, 'variants', v.variant, 'checkpoint.safetensors'))).toBe(true);
    }
    expect(report.variants[0].evaluation.mask).toBeNull();
    expect(report.variants[1].evaluation.mask).not.toBeNull();
    // The box table (primary) and its mask counterpart, where the Faster R-CNN row has no masks.
    expect(report.tables.map((t) => `${t.id}:${t.metric}`)).toEqual(['micro:box', 'micro-mask:mask']);
    expect(report.tables[1].rows.map((r) => r.applicable)).toEqual([false, true]);
    expect(report.tables[0].rows[1].direction).not.toBe('baseline');
    const md = readFileSync(join(root, 'results.md'), 'utf8');
    expect(md).toContain(
      '| variant | box AP | box AP50 | box AP75 | box APs | box APm | box APl | paper AP | direction |',
    );
    expect(md).toContain('38.2 (+2.0)');
    const html = readFileSync(join(root, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Training loss');
    expect(html.match(/<img src="data:image\/png;base64,/g)?.length).toBe(6); // 2 images × (ground truth + 2 variants)
    expect(html).toContain('<th>ground truth</th>');
    const gt = join(root, 'ground-truth', report.variants[0].predictions[0].split('/').pop() as string);
    const gtImage = decodeImage(readFileSync(gt), gt);
    const val = await readCocoDataset(report.variants[0].dataset.valAnnotations);
    const firstVal = await val.get(0);
    expect(gt.endsWith(`val-${firstVal.imageId}.png`)).toBe(true);
    expect(gtImage.data.some((v, i) => v !== firstVal.image.data[i])).toBe(true);
    expect(html).not.toMatch(/<script|src="http/);
    expect(first.out()).toContain('Smoke test, box AP');
    expect(first.out()).toContain('paper AP');
    expect(first.err()).toMatch(/faster-roipool train .*2\/2/);
    expect(first.err()).toMatch(/mask-roialign eval .*2\/2/);
  });

  it('reuses finished variants when run again', async () => {
    const io = captureIo();
    expect(await main(['compare', '--suite', 'micro', '--workers', '1', '--runs', runs], io)).toBe(0);
    expect(io.err()).toContain('reused finished variant faster-roipool');
    expect(io.err()).toContain('reused finished variant mask-roialign');
    expect(io.err()).not.toMatch(/train .*\d\/2/);
  });

  it('evaluates a checkpoint, predicts on an image and rebuilds the report', async () => {
    const variantDir = join(runs, 'micro', 'variants', 'mask-roialign');
    const evalIo = captureIo();
    expect(await main(['eval', variantDir], evalIo)).toBe(0);
    expect(evalIo.out()).toMatch(/^box\s+\d+\.\d/m);
    expect(evalIo.out()).toMatch(/^mask\s+\d+\.\d/m);

    const bad = captureIo();
    expect(await main(['eval', variantDir, '--data', tmp], bad)).toBe(1);
    expect(bad.err()).toMatch(/^zoo: error: no annotations in /);

    const result = JSON.parse(readFileSync(join(variantDir, 'result.json'), 'utf8')) as VariantResult;
    const image = join(result.dataset.valAnnotations, '..', 'images');
    const { readdirSync } = await import('node:fs');
    const file = join(image, readdirSync(image)[0]);
    const predictIo = captureIo();
    const out = join(tmp, 'pred');
    expect(
      await main(['predict', file, '--model', variantDir, '--out', out, '--score', '0'], predictIo),
    ).toBe(0);
    const written = predictIo.out().split(':')[0];
    expect(existsSync(written)).toBe(true);
    const drawn = decodeImage(readFileSync(written), written);
    const original = await readImageFile(file);
    expect(drawn.width).toBe(original.width);
    const changed = drawn.data.some((v, i) => v !== original.data[i]);
    const detections = Number(/(\d+) detection/.exec(predictIo.out())?.[1]);
    expect(changed).toBe(detections > 0);

    const reportIo = captureIo();
    expect(await main(['report', '--suite', 'micro', '--runs', runs], reportIo)).toBe(0);
    expect(reportIo.out()).toContain('report: ');
  });
});

describe('resuming', () => {
  it('continues an interrupted variant from its checkpoint and reports it finished', async () => {
    const suite = findSuite('micro');
    const budget = { ...suite.budget, iterations: 3 };
    const dataset = await prepareDataset(budget);
    const job = {
      suite: 'micro',
      variant: 'faster-roipool',
      budget,
      runsDir: join(tmp, 'resume'),
      dataset,
      backend: 'wasm',
      trunk: null,
    };
    let reports = 0;
    const stopped = await runVariant(job, { report: () => void reports++, shouldStop: () => reports >= 1 });
    expect(stopped).toEqual({ status: 'interrupted', iteration: 1 });
    const dir = join(tmp, 'resume', 'micro', 'variants', 'faster-roipool');
    expect(existsSync(join(dir, 'checkpoint.safetensors'))).toBe(true);
    expect(existsSync(join(dir, 'result.json'))).toBe(false);
    const tensorsBefore = tf.memory().numTensors;
    const trained: number[] = [];
    const resumed = await runVariant(job, {
      report: (p) => {
        if (p.phase === 'train') trained.push(p.done);
      },
      shouldStop: () => false,
    });
    expect(trained).toEqual([2, 3]);
    // Training, evaluation and drawing free every tensor they make (the detector included).
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(resumed.status).toBe('finished');
    if (resumed.status === 'finished')
      expect(resumed.result.history.map((h) => h.iteration)).toEqual([1, 2, 3]);
  });
});

describe('zoo compare on the R-CNN family smoke suite', () => {
  it('trains and evaluates R-CNN, Fast R-CNN (cached selective search) and Keypoint R-CNN with masks', async () => {
    const io = captureIo();
    const code = await main(['compare', '--suite', 'micro-family', '--workers', '1', '--runs', runs], io);
    expect(io.err()).not.toContain('error');
    expect(code).toBe(0);
    const root = join(runs, 'micro-family');
    const report = JSON.parse(readFileSync(join(root, 'results.json'), 'utf8')) as SuiteReport;
    expect(report.variants.map((v) => `${v.variant}:${v.config.kind}`)).toEqual([
      'rcnn:rcnn',
      'fast-rcnn:fastRcnn',
      'kp-mask:keypointRcnn',
    ]);
    const [r, fast, kp] = report.variants;
    expect(Object.keys(r.history[0].losses).sort()).toEqual(['lossBoxReg', 'lossClassifier']);
    expect(Object.keys(kp.history[0].losses)).toContain('lossKeypoint');
    expect(r.evaluation.mask).toBeNull();
    expect(kp.evaluation.mask).not.toBeNull();
    expect(kp.evaluation.keypoints).not.toBeNull();
    expect(fast.evaluation.keypoints).toBeNull();
    for (const v of report.variants) expect(v.evaluation.predictSeconds).toBeGreaterThan(0);
    // selective search ran once per image and was cached beside the dataset
    const cache = join(fast.dataset.root, 'proposals');
    expect(existsSync(cache)).toBe(true);
    expect(fast.config.proposals?.cacheDirectory).toBe(cache);
    expect(report.tables.map((t) => `${t.id}:${t.metric}`)).toEqual([
      'generations:box',
      'generations-mask:mask',
      'generations-keypoints:keypoints',
    ]);
    const md = readFileSync(join(root, 'results.md'), 'utf8');
    expect(md).toContain(
      '| variant | box AP | box AP50 | box AP75 | box APs | box APm | box APl | s/image | paper AP | direction |',
    );
    expect(md).toContain('| variant | kp AP | kp AP50 | kp AP75 | kp APs | kp APm | kp APl |');
    const html = readFileSync(join(root, 'report.html'), 'utf8');
    expect(html).toContain('keypoint AP');
  }, 300_000);
});

describe('zoo compare with a pretrained trunk', () => {
  it('pretrains the shared trunk once, starts every variant from it and reuses it afterwards', async () => {
    const trunkRuns = join(tmp, 'trunk-runs');
    const args = [
      'compare',
      '--suite',
      'micro',
      '--workers',
      '1',
      '--runs',
      trunkRuns,
      '--pretrain-iterations',
      '3',
    ];
    const io = captureIo();
    expect(await main(args, io)).toBe(0);
    expect(io.err()).toMatch(/pretrain R18 ×1\/4 .*3\/3/);
    expect(io.err()).toMatch(/trunk R18 ×1\/4: 3 pretraining iterations, crop accuracy \d+\.\d% on val/);
    const report = JSON.parse(readFileSync(join(trunkRuns, 'micro', 'results.json'), 'utf8')) as SuiteReport;
    const keys = new Set(report.variants.map((v) => v.trunk?.key));
    // Both variants share the R18 trunk.
    expect(keys.size).toBe(1);
    const trunk = report.variants[0].trunk;
    expect(trunk?.iterations).toBe(3);
    expect(existsSync(trunk?.weights as string)).toBe(true);
    expect(existsSync(join(trunkRuns, 'trunks', trunk?.key as string, 'trunk.json'))).toBe(true);
    const md = readFileSync(join(trunkRuns, 'micro', 'results.md'), 'utf8');
    expect(md).toContain('Trunks pretrained as object-crop classifiers');
    expect(md).toMatch(/R18 ×1\/4 \(3 iterations, \d+\.\d% crop accuracy/);
    // A different budget (more iterations) retrains the variants but reuses the trunk.
    const again = captureIo();
    expect(await main([...args, '--iterations', '3'], again)).toBe(0);
    expect(again.err()).not.toMatch(/pretrain R18 ×1\/4 .*\d\/3/);
    expect(again.err()).toContain('trunk R18 ×1/4: 3 pretraining iterations');
    const bad = captureIo();
    expect(await main([...args, '--pretrain-iterations', 'many'], bad)).toBe(1);
    expect(bad.err()).toMatch(/--pretrain-iterations must be an integer >= 0/);
  });
});
