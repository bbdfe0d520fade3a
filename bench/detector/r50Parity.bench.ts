// Weight compatibility at full size: torchvision maskrcnn_resnet50_fpn / fasterrcnn_resnet50_fpn
// (hashed weights and BatchNorm statistics, box_score_thresh 0) loaded from torch.save .pth files
// with loadTorchvisionDetector, compared with torchvision's own outputs on the same image.
//   /usr/bin/python3 tools/reference/detector_r50_parity.py /tmp/rcnn-r50-parity
//   pnpm --filter @rcnn/bench detector-parity -- --dir=/tmp/rcnn-r50-parity [--backend=wasm]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initDetectorBackend, loadTorchvisionDetector } from '@rcnn/model-zoo';
import * as tf from '@tensorflow/tfjs-core';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const dir = args.get('dir') ?? '/tmp/rcnn-r50-parity';
await initDetectorBackend({ backend: args.get('backend') ?? 'wasm' });
interface Expected {
  resizedSize: [number, number];
  proposals: number[];
  raw: { boxes: number[]; scores: number[]; labels: number[]; masks?: number[] };
  final: { boxes: number[]; scores: number[]; labels: number[] };
}
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
  image: { height: number; width: number; data: string };
  models: Record<'maskrcnn' | 'fasterrcnn', Expected>;
};
const { height, width, data } = expected.image;
const image = tf.tensor3d(new Uint8Array(Buffer.from(data, 'base64')), [height, width, 3], 'int32');

const rows = (a: ArrayLike<number>) =>
  Array.from({ length: a.length / 4 }, (_, i) => Array.from(a).slice(i * 4, i * 4 + 4));
const linf = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

for (const arch of ['maskrcnn', 'fasterrcnn'] as const) {
  const e = expected.models[arch];
  const detector = await loadTorchvisionDetector(join(dir, `${arch}_resnet50_fpn.pth`), {
    arch,
    backbone: 'resnet50',
    boxScoreThresh: 0,
  });
  const t0 = performance.now();
  const raw = detector.model.detectRaw([image]);
  const seconds = (performance.now() - t0) / 1000;
  const gotP = rows(raw.proposals[0]);
  const expP = rows(e.proposals);
  const proposalErr = Math.max(...expP.map((b) => Math.min(...gotP.map((g) => linf(g, b)))));
  const d = raw.detections[0];
  const gotB = rows(d.boxes);
  const used = new Set<number>();
  let boxErr = 0;
  let scoreErr = 0;
  let maskErr = 0;
  const unmatched: number[] = [];
  rows(e.raw.boxes).forEach((b, i) => {
    let best = -1;
    let bestD = Number.POSITIVE_INFINITY;
    gotB.forEach((g, j) => {
      if (used.has(j) || d.labels[j] !== e.raw.labels[i]) return;
      const dist = linf(g, b);
      if (dist < bestD) [best, bestD] = [j, dist];
    });
    if (best < 0 || bestD > 0.05) {
      unmatched.push(e.raw.scores[i]);
      return;
    }
    used.add(best);
    boxErr = Math.max(boxErr, bestD);
    scoreErr = Math.max(scoreErr, Math.abs(d.scores[best] - e.raw.scores[i]));
    if (e.raw.masks && d.masks) {
      for (let k = 0; k < 784; k++)
        maskErr = Math.max(maskErr, Math.abs(d.masks[best * 784 + k] - e.raw.masks[i * 784 + k]));
    }
  });
  const cut = e.raw.scores[e.raw.scores.length - 1];
  console.log(
    `${arch}_resnet50_fpn (${height}×${width} → ${raw.imageSizes[0].join('×')}, torchvision ${e.resizedSize.join('×')}), ${seconds.toFixed(1)} s:\n` +
      `  proposals ${gotP.length}/${expP.length}, max |Δ| ${proposalErr.toExponential(2)} px\n` +
      `  detections matched ${e.raw.scores.length - unmatched.length}/${e.raw.scores.length}` +
      ` (unmatched scores ${unmatched.map((s) => s.toFixed(4)).join(', ') || 'none'}; cut-off ${cut.toFixed(4)})\n` +
      `  boxes max |Δ| ${boxErr.toExponential(2)} px, scores ${scoreErr.toExponential(2)}` +
      (e.raw.masks ? `, 28×28 mask probabilities ${maskErr.toExponential(2)}` : ''),
  );
  detector.dispose();
}
image.dispose();
