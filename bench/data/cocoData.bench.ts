/**
 * @rcnn/data speed against the Python reference, in one run on the same machine:
 *  1. building the synthetic COCO dataset (generate + PNG + JSON), absolute time;
 *  2. reading it back: annotations parsed and validated, every image decoded and every mask
 *     decoded, ours (`readCocoDataset` + `get`) vs pycocotools `COCO` + PIL + `annToMask`
 *     (what torchvision's CocoDetection-based references do), printing the ratio.
 *
 * Usage (from the repository root):
 *   PYTHONPATH=/tmp/cocoapi/PythonAPI pnpm --filter @rcnn/bench data [images] [size]
 * defaults: 1000 images of 256x256. pycocotools must be built from the upstream cocoapi source
 * (see tools/reference/data_coco_parity.py); without it only our timings are printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSyntheticImage, readCocoDataset, writeSyntheticDataset } from '@rcnn/data';

const images = Number(process.argv[2] ?? 1000);
const size = Number(process.argv[3] ?? 256);
const config = { width: size, height: size, seed: 1 };
const dir = mkdtempSync(join(tmpdir(), 'rcnn-bench-data-'));

try {
  for (let i = 0; i < 5; i++) generateSyntheticImage(10_000 + i, config);
  let t0 = performance.now();
  const reps = Math.min(images, 200);
  for (let i = 0; i < reps; i++) generateSyntheticImage(i, config);
  const genMs = (performance.now() - t0) / reps;
  console.log(
    `generate ${size}x${size}: ${genMs.toFixed(2)} ms/image (pixels + masks + annotations, no files)`,
  );

  t0 = performance.now();
  const paths = await writeSyntheticDataset(dir, { config, splits: { train: images } });
  const buildS = (performance.now() - t0) / 1000;
  console.log(`build ${images} images to disk (PNG + annotations.json): ${buildS.toFixed(2)} s`);

  t0 = performance.now();
  const ds = await readCocoDataset(paths.train.annotations);
  let pixels = 0;
  for (let i = 0; i < ds.length; i++) {
    const r = await ds.get(i);
    pixels += r.masks!.length;
  }
  const oursS = (performance.now() - t0) / 1000;
  console.log(`ours: read + decode all images and masks: ${oursS.toFixed(2)} s (${pixels} mask pixels)`);

  const script = join(dir, 'reference.py');
  writeFileSync(
    script,
    `
import sys, time, numpy as np
if not hasattr(np, 'float'): np.float = float
from PIL import Image
from pycocotools.coco import COCO
import contextlib, io
ann, root = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    coco = COCO(ann)
total = 0
for img_id in coco.getImgIds():
    info = coco.loadImgs(img_id)[0]
    im = np.asarray(Image.open(root + '/' + info['file_name']).convert('RGB'))
    anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id))
    masks = [coco.annToMask(a) for a in anns]
    total += sum(m.size for m in masks)
print(time.perf_counter() - t0, total)
`,
  );
  try {
    const out = execFileSync('/usr/bin/python3', [script, paths.train.annotations, paths.train.images], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '2' },
    });
    const [refS, refPixels] = out.trim().split(/\s+/).map(Number);
    console.log(`pycocotools + PIL: ${refS.toFixed(2)} s (${refPixels} mask pixels)`);
    console.log(`ratio reference / ours: ${(refS / oursS).toFixed(2)}x (> 1 means ours is faster)`);
  } catch (err) {
    console.log(`reference skipped (pycocotools not importable?): ${(err as Error).message.split('\n')[0]}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
