import { type ResNetDepth, ResNetFpnBackbone, resnetFpn } from '@rcnn/backbones';
import { initBackend, nativeKernelsStatus } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import { benchArgs, medianMs, runPythonReference } from '../common/harness';

const args = benchArgs();
const tiny = args.has('tiny');
const backend = args.get('backend') ?? 'wasm';
const reps = Number(args.get('reps') ?? (tiny ? 1 : 3));
const threads = Number(args.get('threads') ?? 2);
const depth = Number(args.get('depth') ?? 50) as ResNetDepth;
const sizes: Array<[number, number]> = (args.get('sizes') ?? (tiny ? '64x64' : '800x1344,512x512'))
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);

/** Which kernels ran: the native ones (with their thread count) or tfjs' own on one thread. */
function kernels(): string {
  const native = nativeKernelsStatus();
  return native.active ? `native kernels, ${native.threads} threads` : 'its own kernels, 1 thread';
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

  const theirs = runPythonReference<Record<string, number>>(
    new URL('./torchvision_backbone.py', import.meta.url),
    {
      threads,
      reps,
      depth,
      sizes,
    },
  );

  console.log(
    `ResNet-${depth}-FPN forward, batch 1: rcnn.ts on ${backend} (${kernels()}) vs torchvision (${threads} threads)`,
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
