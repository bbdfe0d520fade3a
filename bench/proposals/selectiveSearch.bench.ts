// Selective search: our @rcnn/proposals against OpenCV's ximgproc (Debian python3-opencv, run
// through /usr/bin/python3 with 2 threads) on the same images in the same run: seconds per image
// at 500×375, proposals per image, and recall on the synthetic val set (AR@100, AR@1000 at IoU
// .5:.95, recall at 0.5 and 0.7 with all proposals).
//   pnpm --filter @rcnn/bench proposals                 full setting (fast; 5 speed images, 200 val images)
//   pnpm --filter @rcnn/bench proposals -- --tiny       smoke run (1 speed image, 3 val images)
// Options: --strategy=single|fast|quality, --speed-images=N, --val-images=N, --no-opencv.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SYNTHETIC_SPLITS, type DetectionRecord, syntheticRecord } from '@rcnn/data';
import { type ProposalRecall, proposalRecall, selectiveSearch } from '@rcnn/proposals';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const tiny = args.has('tiny');
const strategy = (args.get('strategy') ?? 'fast') as 'single' | 'fast' | 'quality';
const speedImages = Number(args.get('speed-images') ?? (tiny ? 1 : 5));
const valImages = Number(args.get('val-images') ?? (tiny ? 3 : DEFAULT_SYNTHETIC_SPLITS.val));
const useOpenCv = !args.has('no-opencv');

interface Run {
  seconds: number[];
  boxes: Float32Array[];
}

function groundTruth(r: DetectionRecord): Float32Array {
  const rows: number[] = [];
  r.isCrowd.forEach((crowd, j) => {
    if (!crowd) rows.push(...r.boxes.subarray(4 * j, 4 * j + 4));
  });
  return Float32Array.from(rows);
}

function runOurs(records: DetectionRecord[]): Run {
  const run: Run = { seconds: [], boxes: [] };
  for (const r of records) {
    const t0 = performance.now();
    const { boxes } = selectiveSearch(r.image, { strategy, seed: 0 });
    run.seconds.push((performance.now() - t0) / 1000);
    run.boxes.push(boxes);
  }
  return run;
}

function runOpenCv(records: DetectionRecord[], dir: string, tag: string): Run {
  const images = records.map((r, i) => {
    const path = join(dir, `${tag}-${i}.rgb`);
    writeFileSync(path, r.image.data);
    return { path, width: r.image.width, height: r.image.height };
  });
  const spec = join(dir, `${tag}.json`);
  writeFileSync(spec, JSON.stringify({ strategy, images }));
  const script = fileURLToPath(new URL('./opencv_selective_search.py', import.meta.url));
  const out = execFileSync('/usr/bin/python3', [script, spec], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const parsed = JSON.parse(out) as { seconds: number; boxes: number[][] }[];
  return {
    seconds: parsed.map((p) => p.seconds),
    boxes: parsed.map((p) => Float32Array.from(p.boxes.flat())),
  };
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / Math.max(a.length, 1);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

function recallRow(name: string, run: Run, records: DetectionRecord[]): string {
  const images = (n: number) =>
    records.map((r, i) => ({ proposals: run.boxes[i].subarray(0, 4 * n), groundTruth: groundTruth(r) }));
  const all = Number.POSITIVE_INFINITY;
  const ar100 = proposalRecall(images(100));
  const ar1000 = proposalRecall(images(1000));
  const at: ProposalRecall = proposalRecall(images(all), { iouThresholds: [0.5, 0.7] });
  const perImage = mean(run.boxes.map((b) => b.length / 4));
  return `| ${name} | ${perImage.toFixed(0)} | ${ar100.averageRecall.toFixed(3)} | ${ar1000.averageRecall.toFixed(3)} | ${at.recalls[0].toFixed(3)} | ${at.recalls[1].toFixed(3)} |`;
}

const dir = mkdtempSync(join(tmpdir(), 'rcnn-proposals-bench-'));
try {
  // Speed: COCO-like 500×375 synthetic scenes.
  const speed = Array.from({ length: speedImages }, (_, i) =>
    syntheticRecord(5000 + i, { width: 500, height: 375 }),
  );
  runOurs(speed.slice(0, 1)); // JIT warm-up
  const oursSpeed = runOurs(speed);
  console.log(`selective search '${strategy}', ${speedImages} image(s) of 500×375`);
  console.log('| implementation | median s/image | proposals/image |');
  console.log('| --- | --- | --- |');
  console.log(
    `| @rcnn/proposals | ${median(oursSpeed.seconds).toFixed(2)} | ${mean(oursSpeed.boxes.map((b) => b.length / 4)).toFixed(0)} |`,
  );
  let cvSpeed: Run | null = null;
  if (useOpenCv) {
    cvSpeed = runOpenCv(speed, dir, 'speed');
    console.log(
      `| OpenCV ximgproc | ${median(cvSpeed.seconds).toFixed(2)} | ${mean(cvSpeed.boxes.map((b) => b.length / 4)).toFixed(0)} |`,
    );
    console.log(
      `ratio ours/OpenCV (time): ${(median(oursSpeed.seconds) / median(cvSpeed.seconds)).toFixed(2)}`,
    );
  }

  // Recall: the synthetic val split (image indices after the train split, default 256×256).
  const val = Array.from({ length: valImages }, (_, i) =>
    syntheticRecord(DEFAULT_SYNTHETIC_SPLITS.train + i),
  );
  const oursVal = runOurs(val);
  console.log(
    `\nrecall on ${valImages} synthetic val image(s), ${val.reduce((s, r) => s + groundTruth(r).length / 4, 0)} objects`,
  );
  console.log('| implementation | proposals/image | AR@100 | AR@1000 | R@0.5 (all) | R@0.7 (all) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(recallRow('@rcnn/proposals', oursVal, val));
  if (useOpenCv) console.log(recallRow('OpenCV ximgproc', runOpenCv(val, dir, 'val'), val));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
