/**
 * End-to-end tour of @rcnn/core on a synthetic image: input transform, FPN anchors, RPN-style
 * matching and sampling, box encoding, and NMS of noisy detections, on the wasm backend.
 *
 * Run from the repository root: `pnpm demo`.
 */
import { initBackend } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';
import {
  AnchorGenerator,
  BalancedPositiveNegativeSampler,
  BoxCoder,
  batchedNms,
  boxIouArray,
  ImageTransform,
  Matcher,
  nms,
  SeededRandom,
} from '../src/index';

const backend = await initBackend({ backend: 'wasm' });
const rng = new SeededRandom(2024);
const [H, W] = [480, 640];

// 1. A synthetic RGB image (0..255) with three filled rectangles on a noisy background.
const gt = [
  [60, 80, 170, 190],
  [300, 150, 377, 227],
  [420, 200, 600, 420],
];
const pixels = new Float32Array(H * W * 3);
for (let i = 0; i < pixels.length; i++) pixels[i] = 90 + rng.normal(0, 12);
gt.forEach(([x1, y1, x2, y2], k) => {
  for (let y = y1; y < y2; y++)
    for (let x = x1; x < x2; x++) pixels.set([200 - 60 * k, 60 + 50 * k, 40 + 70 * k], (y * W + x) * 3);
});

// 2. Model input: torchvision's resize rule (800/1333), ImageNet mean/std in 0..255 units, pad to 32.
const transform = new ImageTransform({
  minSize: 800,
  maxSize: 1333,
  imageMean: [123.675, 116.28, 103.53],
  imageStd: [58.395, 57.12, 57.375],
  sizeDivisibility: 32,
});
const image = tf.tensor3d(pixels, [H, W, 3]);
const gtTensor = tf.tensor2d(gt);
const batch = transform.apply([image], [{ boxes: gtTensor }]);
const [inH, inW] = batch.imageSizes[0];
const [, padH, padW] = batch.images.shape;
const gtInput = batch.annotations?.[0].boxes?.dataSync() as Float32Array;
console.log(`backend: ${backend}`);
console.log(`image ${H}x${W} -> resized ${inH}x${inW} -> padded batch [${batch.images.shape}]`);

// 3. FPN anchors: strides 4..64, one size per level, three aspect ratios.
const strides = [4, 8, 16, 32, 64];
const featureSizes = strides.map((s) => [Math.ceil(padH / s), Math.ceil(padW / s)] as [number, number]);
const anchorGen = new AnchorGenerator({
  sizes: [[32], [64], [128], [256], [512]],
  aspectRatios: strides.map(() => [0.5, 1, 2]),
});
const levels = anchorGen.anchorsPerLevel([padH, padW], featureSizes);
const anchors = anchorGen.anchors([padH, padW], featureSizes);
const numAnchors = anchors.length / 4;
levels.forEach((l, i) => {
  const [fh, fw] = featureSizes[i];
  console.log(`  level P${i + 2} stride ${strides[i]}: feature ${fh}x${fw} -> ${l.length / 4} anchors`);
});
console.log(`anchors: ${numAnchors} in total`);

// 4. RPN matching (0.7 / 0.3, low-quality matches allowed) and balanced sampling (256, 50%).
const matcher = new Matcher({ highThreshold: 0.7, lowThreshold: 0.3, allowLowQualityMatches: true });
let t0 = performance.now();
const matches = matcher.matchBoxes(gtInput, anchors);
const matchMs = performance.now() - t0;
const iou = boxIouArray(gtInput, anchors);
const labels = new Int32Array(numAnchors);
let pos = 0;
let neg = 0;
let ignored = 0;
let posIouSum = 0;
for (let a = 0; a < numAnchors; a++) {
  if (matches[a] >= 0) {
    labels[a] = 1;
    pos++;
    posIouSum += iou[matches[a] * numAnchors + a];
  } else if (matches[a] === Matcher.BELOW_LOW_THRESHOLD) {
    labels[a] = 0;
    neg++;
  } else {
    labels[a] = -1;
    ignored++;
  }
}
console.log(
  `matching: ${pos} positive, ${neg} negative, ${ignored} ignored anchors (${matchMs.toFixed(1)} ms); mean IoU of positives ${(posIouSum / pos).toFixed(3)}`,
);
gt.forEach((_, g) => {
  let best = 0;
  for (let a = 0; a < numAnchors; a++) best = Math.max(best, iou[g * numAnchors + a]);
  console.log(`  gt ${g}: best anchor IoU ${best.toFixed(3)}`);
});
const sampler = new BalancedPositiveNegativeSampler({ batchSizePerImage: 256, positiveFraction: 0.5 });
const sampled = sampler.sample(labels, rng);
console.log(`sampler: ${sampled.positive.length} positives + ${sampled.negative.length} negatives`);

// 5. Encode the sampled positives' targets and decode them back.
const coder = new BoxCoder([1, 1, 1, 1]);
const posIdx = Array.from(sampled.positive);
const roundTripError = tf.tidy(() => {
  const a = tf.tensor2d(
    posIdx.flatMap((i) => Array.from(anchors.subarray(4 * i, 4 * i + 4))),
    [posIdx.length, 4],
  );
  const g = tf.tensor2d(
    posIdx.flatMap((i) => Array.from(gtInput.subarray(4 * matches[i], 4 * matches[i] + 4))),
    [posIdx.length, 4],
  );
  const deltas = coder.encode(g, a);
  return tf.max(tf.abs(tf.sub(coder.decode(deltas, a), g))).dataSync()[0];
});
console.log(
  `box coder: ${posIdx.length} targets encoded, decode(encode(gt)) max error ${roundTripError.toExponential(2)} px`,
);

// 6. NMS of noisy detections: jittered copies of each box plus random clutter.
const dets: number[] = [];
const scores: number[] = [];
const classes: number[] = [];
for (let g = 0; g < gt.length; g++) {
  const [x1, y1, x2, y2] = Array.from(gtInput.subarray(4 * g, 4 * g + 4));
  const s = 0.05 * Math.max(x2 - x1, y2 - y1);
  for (let k = 0; k < 3000; k++) {
    dets.push(x1 + rng.normal(0, s), y1 + rng.normal(0, s), x2 + rng.normal(0, s), y2 + rng.normal(0, s));
    scores.push(rng.uniform(0.3, 1));
    classes.push(g % 2);
  }
}
for (let k = 0; k < 5000; k++) {
  const x = rng.uniform(0, inW - 50);
  const y = rng.uniform(0, inH - 50);
  dets.push(x, y, x + rng.uniform(10, 200), y + rng.uniform(10, 200));
  scores.push(rng.uniform(0, 0.6));
  classes.push(rng.int(0, 2));
}
const detBoxes = tf.tensor2d(dets, [scores.length, 4]);
const detScores = tf.tensor1d(scores);
nms(detBoxes, detScores, 0.5); // warm-up (JIT)
t0 = performance.now();
const keep = nms(detBoxes, detScores, 0.5);
const nmsMs = performance.now() - t0;
t0 = performance.now();
const keepBatched = batchedNms(detBoxes, detScores, classes, 0.5, { scoreThreshold: 0.5, topK: 100 });
const batchedMs = performance.now() - t0;
const keptBoxes = Float32Array.from(Array.from(keep).flatMap((i) => dets.slice(4 * i, 4 * i + 4)));
const keptIou = boxIouArray(gtInput, keptBoxes);
const hits = gt.map((_, g) => {
  let best = 0;
  for (let k = 0; k < Math.min(keep.length, 10); k++) best = Math.max(best, keptIou[g * keep.length + k]);
  return best;
});
console.log(
  `nms: ${scores.length} detections -> ${keep.length} kept in ${nmsMs.toFixed(1)} ms; best IoU with each gt among the top 10: ${hits.map((h) => h.toFixed(3)).join(', ')}`,
);
console.log(
  `batchedNms (2 classes, score > 0.5, top 100): ${keepBatched.length} kept in ${batchedMs.toFixed(1)} ms`,
);

// 7. Back to original image coordinates.
const top = tf.tensor2d(
  Array.from(keep.subarray(0, 3)).flatMap((i) => dets.slice(4 * i, 4 * i + 4)),
  [3, 4],
);
const [back] = transform.postprocess([{ boxes: top }], batch.imageSizes, batch.originalSizes);
const backBoxes = back.boxes?.arraySync() as number[][];
console.log('top 3 detections in original pixels:');
for (const b of backBoxes) console.log(`  [${b.map((v) => v.toFixed(1)).join(', ')}]`);

tf.dispose(
  [image, gtTensor, batch.images, batch.annotations?.[0].boxes, detBoxes, detScores, top, back.boxes].filter(
    (t) => t != null,
  ),
);
console.log(`tensors alive at exit: ${tf.memory().numTensors}`);
