import { initBackend } from '@rcnn/backend';
import { SeededRandom } from '@rcnn/core';
import { FastRcnnPredictor, FcnMaskHead, TwoMlpHead } from '@rcnn/heads';
import { fastRcnnLoss, sigmoidMaskLoss } from '@rcnn/losses';
import { RegionProposalNetwork } from '@rcnn/rpn';
import * as tf from '@tensorflow/tfjs-core';
import { benchArgs, medianMs, runPythonReference } from '../common/harness';

const args = benchArgs();
const tiny = args.has('tiny');
const backend = args.get('backend') ?? 'wasm';
const reps = Number(args.get('reps') ?? (tiny ? 1 : 3));
const timed = (fn: () => void) => medianMs(fn, reps);
const image: [number, number] = tiny ? [128, 192] : [800, 1344];
const channels = tiny ? 16 : 256;
const strides = tiny ? [4, 8, 16] : [4, 8, 16, 32, 64];
const images = tiny ? 1 : 2;
const numClasses = tiny ? 5 : 91;
const representation = tiny ? 64 : 1024;
const boxRois = tiny ? 32 : 1024; // 512 sampled RoIs per image, 2 images
const maskRois = tiny ? 8 : 128; // positives: 25% of 512
const rng = new SeededRandom(0);
const roiLabels = Array.from({ length: boxRois }, (_, i) => (i % 4 === 0 ? 1 + (i % (numClasses - 1)) : 0));
const maskLabels = Array.from({ length: maskRois }, (_, i) => 1 + (i % (numClasses - 1)));
const gtBoxes = Array.from({ length: images }, (_, img) =>
  Array.from({ length: 6 }, (_, k) => {
    const x = 20 + ((k * 97 + img * 31) % (image[1] - 200));
    const y = 20 + ((k * 61 + img * 17) % (image[0] - 200));
    return [x, y, x + 40 + k * 25, y + 30 + k * 20];
  }).flat(),
);

async function ours(): Promise<Record<string, number>> {
  await initBackend({ backend });
  const out: Record<string, number> = {};
  const [H, W] = image;
  const feats = strides.map(
    (s) =>
      tf.randomNormal(
        [images, Math.ceil(H / s), Math.ceil(W / s), channels],
        0,
        1,
        'float32',
        s,
      ) as tf.Tensor4D,
  );
  const rpn = new RegionProposalNetwork({
    inChannels: channels,
    anchors: { sizes: strides.map((_, i) => [32 * 2 ** i]), aspectRatios: strides.map(() => [0.5, 1, 2]) },
    rng,
  });
  const imageSizes = Array.from({ length: images }, () => image);
  const gt = gtBoxes.map((b) => Float32Array.from(b));
  const optimizerVars = rpn.trainableVariables();
  out['rpn forward (test)'] = timed(() => {
    const r = rpn.apply({ features: feats, imageTensorSize: image, imageSizes });
    tf.dispose(r.proposals.flatMap((p) => [p.boxes, p.scores]));
  });
  out['rpn train step'] = timed(() => {
    const { value, grads } = tf.variableGrads(() => {
      const r = rpn.apply({
        features: feats,
        imageTensorSize: image,
        imageSizes,
        gtBoxes: gt,
        training: true,
        rng,
      });
      tf.dispose(r.proposals.flatMap((p) => [p.boxes, p.scores]));
      return tf.add(r.losses!.objectness, r.losses!.boxRegression) as tf.Scalar;
    }, optimizerVars);
    tf.dispose([value, ...Object.values(grads)]);
  });
  tf.dispose(feats);
  rpn.dispose();

  const boxHead = new TwoMlpHead({
    inChannels: channels,
    resolution: 7,
    representationSize: representation,
    rng,
  });
  const boxPred = new FastRcnnPredictor({ inChannels: representation, numClasses, rng });
  const pooled = tf.randomNormal([boxRois, 7, 7, channels], 0, 1, 'float32', 1) as tf.Tensor4D;
  const regT = tf.randomNormal([boxRois, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
  out['box head forward'] = timed(() => {
    tf.tidy(() => boxPred.apply(boxHead.apply(pooled)));
  });
  out['box head + fastrcnn_loss fwd+bwd'] = timed(() => {
    const { value, grads } = tf.variableGrads(() => {
      const p = boxPred.apply(boxHead.apply(pooled));
      const l = fastRcnnLoss(p.classLogits, p.boxDeltas, roiLabels, regT);
      return tf.add(l.classification, l.boxRegression) as tf.Scalar;
    }, [...boxHead.trainableVariables(), ...boxPred.trainableVariables()]);
    tf.dispose([value, ...Object.values(grads)]);
  });
  tf.dispose([pooled, regT]);
  boxHead.dispose();
  boxPred.dispose();

  const maskHead = new FcnMaskHead({
    inChannels: channels,
    layers: [channels, channels, channels, channels],
    dimReduced: channels,
    numClasses,
    rng,
  });
  const mpooled = tf.randomNormal([maskRois, 14, 14, channels], 0, 1, 'float32', 3) as tf.Tensor4D;
  const mtargets = tf.tidy(() =>
    tf.cast(tf.greater(tf.randomUniform([maskRois, 28, 28], 0, 1, 'float32', 4), 0.5), 'float32'),
  ) as tf.Tensor3D;
  out['mask head forward'] = timed(() => {
    tf.tidy(() => maskHead.apply(mpooled));
  });
  out['mask head + mask loss fwd+bwd'] = timed(() => {
    const { value, grads } = tf.variableGrads(
      () => sigmoidMaskLoss(maskHead.apply(mpooled), maskLabels, mtargets),
      maskHead.trainableVariables(),
    );
    tf.dispose([value, ...Object.values(grads)]);
  });
  tf.dispose([mpooled, mtargets]);
  maskHead.dispose();
  return out;
}

function torchvision(): Record<string, number> {
  return runPythonReference(new URL('./torchvision_parts.py', import.meta.url), {
    image,
    channels,
    strides,
    images,
    numClasses,
    representation,
    boxRois,
    maskRois,
    roiLabels,
    maskLabels,
    gtBoxes,
    reps,
  });
}

const mine = await ours();
const ref = torchvision();
console.log(
  `Detector parts, image ${image.join('×')} ×${images}, C=${channels}, strides ${strides}, ${numClasses} classes, ` +
    `${boxRois} box RoIs, ${maskRois} mask RoIs; ${backend} vs torchvision (2 threads), median of ${reps}`,
);
console.log('case | ours ms | torchvision ms | ours/torchvision');
for (const name of Object.keys(mine)) {
  const a = mine[name];
  const b = ref[name];
  console.log(`${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)}`);
}
