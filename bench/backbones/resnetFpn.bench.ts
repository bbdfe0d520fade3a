// ResNet-FPN backbone forward speed against torchvision, both measured in this run on this machine.
//   pnpm --filter @rcnn/bench backbones            ResNet-50-FPN at 800x1344 and 512x512 (the setting)
//   pnpm --filter @rcnn/bench backbones -- --tiny  seconds-long smoke run (64x64, one repetition)
// Options: --backend=wasm|cpu (default wasm), --reps=N (default 3), --threads=N torch threads (default 2),
//          --depth=18|34|50|101 (default 50), --sizes=HxW,HxW (overrides the defaults).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ResNetDepth, ResNetFpnBackbone, resnetFpn } from '@rcnn/backbones';
import { initBackend } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const tiny = args.has('tiny');
const backend = args.get('backend') ?? 'wasm';
const reps = Number(args.get('reps') ?? (tiny ? 1 : 3));
const threads = Number(args.get('threads') ?? 2);
const depth = Number(args.get('depth') ?? 50) as ResNetDepth;
const sizes: Array<[number, number]> = (args.get('sizes') ?? (tiny ? '64x64' : '800x1344,512x512'))
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);

function medianMs(fn: () => void, n: number): number {
  fn(); // warm-up (kernel set-up, first allocations)
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function main() {
  await initBackend({ backend });
  const model = new ResNetFpnBackbone(resnetFpn({ depth }));
  const ours: Record<string, number> = {};
  for (const [h, w] of sizes) {
    const x = tf.randomUniform([1, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    ours[`${h}x${w}`] = medianMs(() => {
      const out = model.apply(x, false);
      for (const t of Object.values(out)) t.dataSync();
      tf.dispose(Object.values(out));
    }, reps);
    x.dispose();
  }
  model.dispose();

  const dir = mkdtempSync(join(tmpdir(), 'bench-backbones-'));
  let theirs: Record<string, number>;
  try {
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ threads, reps, depth, sizes }));
    const script = fileURLToPath(new URL('./torchvision_backbone.py', import.meta.url));
    theirs = JSON.parse(execFileSync('/usr/bin/python3', [script, spec], { encoding: 'utf8' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `ResNet-${depth}-FPN forward, batch 1: rcnn.ts on ${backend} (1 thread) vs torchvision (${threads} threads)`,
  );
  console.log('size        rcnn.ts ms   torchvision ms   ratio (ours / torchvision)');
  for (const key of Object.keys(ours)) {
    const r = ours[key] / theirs[key];
    console.log(
      `${key.padEnd(11)} ${ours[key].toFixed(0).padStart(10)} ${theirs[key].toFixed(0).padStart(16)}   ${r.toFixed(2)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
