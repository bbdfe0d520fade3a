import { batchedNms, nms, SeededRandom } from '@rcnn/core';
import { benchArgs, medianMs, runPythonReference } from '../common/harness';

const args = benchArgs();
const tiny = args.has('tiny');
const reps = Number(args.get('reps') ?? (tiny ? 1 : 7));
const timed = (fn: () => void) => medianMs(fn, reps);
const n = tiny ? 1000 : 10_000;

/** Proposal-like boxes on an 800×1333 image: log-uniform sides 16..800 px, aspect 1:2..2:1. */
function proposals(count: number, seed: number): { boxes: number[]; scores: number[]; classes: number[] } {
  const rng = new SeededRandom(seed);
  const [H, W] = [800, 1333];
  const boxes: number[] = [];
  const scores: number[] = [];
  const classes: number[] = [];
  for (let i = 0; i < count; i++) {
    const side = 16 * 50 ** rng.next();
    const aspect = 2 ** rng.uniform(-1, 1);
    const w = Math.min(side * Math.sqrt(aspect), W);
    const h = Math.min(side / Math.sqrt(aspect), H);
    const x1 = rng.uniform(0, W - w);
    const y1 = rng.uniform(0, H - h);
    boxes.push(x1, y1, x1 + w, y1 + h);
    scores.push(rng.next());
    classes.push(rng.int(0, 80));
  }
  return { boxes: boxes.map(Math.fround), scores: scores.map(Math.fround), classes };
}

interface Case {
  name: string;
  kind: 'nms' | 'batched';
  iouThreshold: number;
  boxes: number[];
  scores: number[];
  classes: number[];
}
const base = proposals(n, 1);
const cases: Case[] = [
  { name: `nms ${n} boxes @0.7 (RPN)`, kind: 'nms', iouThreshold: 0.7, ...base },
  { name: `nms ${n} boxes @0.5`, kind: 'nms', iouThreshold: 0.5, ...base },
  { name: `batched_nms ${n} boxes, 80 classes @0.5`, kind: 'batched', iouThreshold: 0.5, ...base },
];
if (args.has('large')) {
  cases.push({ name: 'nms 100000 boxes @0.7', kind: 'nms', iouThreshold: 0.7, ...proposals(100_000, 2) });
}

function ours(): Record<string, { ms: number; keep: number[] }> {
  const results: Record<string, { ms: number; keep: number[] }> = {};
  for (const c of cases) {
    // typed arrays in, as a pipeline holds them after reading its tensors
    const boxes = Float32Array.from(c.boxes);
    const scores = Float32Array.from(c.scores);
    const classes = Int32Array.from(c.classes);
    const run = () =>
      c.kind === 'nms'
        ? nms(boxes, scores, c.iouThreshold)
        : batchedNms(boxes, scores, classes, c.iouThreshold);
    const ms = timed(() => {
      run();
    });
    results[c.name] = { ms, keep: Array.from(run()) };
  }
  return results;
}

function torchvision(): Record<string, { ms: number; keep: number[] }> {
  return runPythonReference(new URL('./torchvision_nms.py', import.meta.url), { reps, cases });
}

const mine = ours();
const ref = torchvision();
console.log(
  `NMS, proposal-like boxes on 800×1333, @rcnn/core (typed arrays) vs torchvision (2 threads), median of ${reps}`,
);
console.log(
  'case | kept (ours/torchvision) | same kept (order up to ties) | ours ms | torchvision ms | ours/torchvision',
);
for (const c of cases) {
  const a = mine[c.name];
  const b = ref[c.name];
  // torchvision's per-class path re-sorts its result with an unstable sort, so equal scores may
  // come out in another order: compare the kept sets, and the order up to ties.
  const sameSet = [...a.keep].sort((x, y) => x - y).join() === [...b.keep].sort((x, y) => x - y).join();
  const sameOrder = sameSet && a.keep.every((v, i) => v === b.keep[i] || c.scores[v] === c.scores[b.keep[i]]);
  const same = sameSet && sameOrder;
  console.log(
    `${c.name} | ${a.keep.length}/${b.keep.length} | ${same ? 'yes' : 'NO'} | ${a.ms.toFixed(2)} | ${b.ms.toFixed(2)} | ${(a.ms / b.ms).toFixed(2)}`,
  );
}
