/**
 * COCO evaluation speed: @rcnn/eval's `evaluate` against pycocotools' COCOeval on the same
 * synthetic dataset, in the same run, for bbox and segm.
 *
 *   pnpm --filter @rcnn/bench eval -- \
 *     [--images 5000] [--dets 100] [--types bbox,segm] [--size 256] \
 *     [--pycocotools /tmp/cocoapi/PythonAPI]
 *
 * pycocotools is built from the upstream cocoapi outside the repository (see
 * tools/reference/coco_eval.py) and run with /usr/bin/python3. Both sides are timed from parsed
 * JSON objects to final stats (pycocotools: loadRes + evaluate + accumulate + summarize). The
 * script checks that both give the same stats and prints the speed ratio.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CocoAnnotation,
  type CocoDataset,
  type CocoResult,
  evaluate,
  frPoly,
  type IouType,
  toCompressed,
} from '@rcnn/eval';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const numImages = Number(arg('images', '5000'));
const detsPerImage = Number(arg('dets', '100'));
const types = arg('types', 'bbox,segm').split(',') as IouType[];
const size = Number(arg('size', '256'));
const pycocotools = arg('pycocotools', process.env.PYCOCOTOOLS_PATH ?? '/tmp/cocoapi/PythonAPI');
const numCats = 10;

/** mulberry32: a small seeded PRNG so every run scores the same data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function polygonIn(r: () => number, x: number, y: number, w: number, h: number): number[] {
  const k = 6 + Math.floor(r() * 6);
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const a = (2 * Math.PI * (i + r() * 0.8)) / k;
    const rad = 0.6 + 0.4 * r();
    out.push(x + w / 2 + (rad * w * Math.cos(a)) / 2, y + h / 2 + (rad * h * Math.sin(a)) / 2);
  }
  return out.map((v) => Math.round(v * 100) / 100);
}

function makeData(): { gt: CocoDataset; dets: CocoResult[] } {
  const r = rng(7);
  const gt: CocoDataset = {
    images: [],
    annotations: [],
    categories: Array.from({ length: numCats }, (_, i) => ({ id: 1 + 2 * i, name: `c${i}` })),
  };
  const dets: CocoResult[] = [];
  let annId = 1;
  for (let i = 0; i < numImages; i++) {
    const id = i + 1;
    gt.images.push({ id, height: size, width: size });
    const objs: CocoAnnotation[] = [];
    const nGt = 1 + Math.floor(r() * 12);
    for (let j = 0; j < nGt; j++) {
      const s = Math.exp(Math.log(6) + r() * Math.log((size * 0.8) / 6));
      const w = Math.min(size - 1, s * (0.6 + 0.8 * r()));
      const h = Math.min(size - 1, (s * s) / w);
      const x = r() * (size - w);
      const y = r() * (size - h);
      const poly = polygonIn(r, x, y, w, h);
      objs.push({
        id: annId++,
        image_id: id,
        category_id: 1 + 2 * Math.floor(r() * numCats),
        bbox: [x, y, w, h],
        area: w * h * 0.75,
        iscrowd: r() < 0.03 ? 1 : 0,
        segmentation: [poly],
      });
    }
    gt.annotations.push(...objs);
    for (let d = 0; d < detsPerImage; d++) {
      const src = d < 2 * objs.length && r() < 0.8 ? objs[d % objs.length] : null;
      let [x, y, w, h] = src
        ? (src.bbox as number[])
        : [r() * size * 0.8, r() * size * 0.8, 4 + r() * 60, 4 + r() * 60];
      if (src) {
        x += (r() - 0.5) * 0.2 * w;
        y += (r() - 0.5) * 0.2 * h;
        w *= 0.85 + 0.3 * r();
        h *= 0.85 + 0.3 * r();
      }
      x = Math.max(0, Math.min(size - 2, x));
      y = Math.max(0, Math.min(size - 2, y));
      w = Math.min(size - x, w);
      h = Math.min(size - y, h);
      const cat = src && r() < 0.9 ? src.category_id : 1 + 2 * Math.floor(r() * numCats);
      const score = Math.round(r() * 1000) / 1000;
      const bbox = [x, y, w, h].map((v) => Math.round(v * 100) / 100);
      const det: CocoResult = { image_id: id, category_id: cat, bbox, score };
      dets.push(det);
    }
  }
  return { gt, dets };
}

/** Segm results as torchvision writes them: a compressed RLE per detection, no box. */
function segmResults(dets: CocoResult[]): CocoResult[] {
  const r = rng(11);
  return dets.map((d) => {
    const [x, y, w, h] = d.bbox as number[];
    const rle = frPoly(polygonIn(r, x, y, w, h), size, size);
    return {
      image_id: d.image_id,
      category_id: d.category_id,
      score: d.score,
      segmentation: toCompressed(rle),
    };
  });
}

const { gt, dets } = makeData();
const dir = mkdtempSync(join(tmpdir(), 'rcnn-eval-bench-'));
const pyScript = fileURLToPath(new URL('./pycocotools_eval.py', import.meta.url));
console.log(
  `${numImages} images x ${detsPerImage} detections, ${gt.annotations.length} ground truths, ${numCats} categories, ${size}x${size}`,
);
try {
  writeFileSync(join(dir, 'gt.json'), JSON.stringify(gt));
  for (const iouType of types) {
    const results = iouType === 'segm' ? segmResults(dets) : dets;
    writeFileSync(join(dir, `res_${iouType}.json`), JSON.stringify(results));
    // Warm the JIT on a small slice, then time the full run on fresh copies.
    evaluate(structuredClone(gt), structuredClone(results.slice(0, 2000)), { iouType });
    const gtCopy = structuredClone(gt);
    const resCopy = structuredClone(results);
    const t0 = performance.now();
    const ours = evaluate(gtCopy, resCopy, { iouType });
    const oursS = (performance.now() - t0) / 1000;
    const py = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [pyScript, join(dir, 'gt.json'), join(dir, `res_${iouType}.json`), iouType],
        {
          env: { ...process.env, PYTHONPATH: pycocotools },
          maxBuffer: 1 << 26,
        },
      ).toString(),
    ) as { seconds: number; stats: number[] };
    const maxDiff = Math.max(...ours.stats.map((v, i) => Math.abs(v - py.stats[i])));
    console.log(
      `${iouType.padEnd(5)} @rcnn/eval ${oursS.toFixed(2)} s | pycocotools ${py.seconds.toFixed(2)} s | ` +
        `speed-up ${(py.seconds / oursS).toFixed(2)}x | AP ${ours.stats[0].toFixed(4)} | max |stats diff| ${maxDiff.toExponential(2)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
