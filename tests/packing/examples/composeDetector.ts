/**
 * A Faster R-CNN assembled from parts, without @rcnn/model-zoo: a small ResNet-FPN from
 * @rcnn/backbones, the RPN from @rcnn/rpn, RoIAlign from @rcnn/roi-ops, the box head and
 * predictor from @rcnn/heads and the Fast R-CNN loss from @rcnn/losses. The second-stage
 * bookkeeping (matching proposals to ground truth, sampling, box targets, per-class NMS) uses
 * @rcnn/core's primitives directly. It trains a few steps on @rcnn/data's synthetic scenes, then
 * predicts. Any part can be swapped for your own: a backbone only has to return NHWC feature
 * maps, a pooler only has to map (features, RoIs) to `[R,7,7,C]`.
 */

import { ResNetFpnBackbone, resnetFpn } from '@rcnn/backbones';
import { initBackend } from '@rcnn/backend';
import {
  BalancedPositiveNegativeSampler,
  BoxCoder,
  batchedNms,
  clipBoxesToImage,
  Matcher,
  SeededRandom,
} from '@rcnn/core';
import { type DetectionRecord, syntheticCategories, syntheticRecord } from '@rcnn/data';
import { FastRcnnPredictor, TwoMlpHead } from '@rcnn/heads';
import { fastRcnnLoss } from '@rcnn/losses';
import { registerRoiOps, roiPooler } from '@rcnn/roi-ops';
import { RegionProposalNetwork } from '@rcnn/rpn';
import * as tf from '@tensorflow/tfjs-core';

await initBackend(); // wasm in Node: every gradient plus the training kernels wasm lacks
registerRoiOps(); // RoIAlign & co. as tfjs kernels with gradients (explicit, not on import)

// ---- The parts ---------------------------------------------------------------------------
const rng = new SeededRandom(0);
const numClasses = syntheticCategories().length + 1; // + background (class 0)
const channels = 32;
// A CPU-sized ResNet-18-FPN: a quarter of the width, one block per stage, trainable BatchNorm.
const backbone = new ResNetFpnBackbone(
  resnetFpn({ depth: 18, widthMultiplier: 0.25, stageDepths: [1, 1, 1, 1], outChannels: channels }),
);
const levels = Object.keys(backbone.outputs); // ['p2', 'p3', 'p4', 'p5', 'p6'], finest first
const rpn = new RegionProposalNetwork({
  inChannels: channels,
  anchors: { sizes: levels.map((_, i) => [16 * 2 ** i]), aspectRatios: levels.map(() => [0.5, 1, 2]) },
  train: { preNmsTopN: 300, postNmsTopN: 100 },
  test: { preNmsTopN: 300, postNmsTopN: 50 },
  rng,
});
const pooled = ['p2', 'p3', 'p4', 'p5'];
const pooler = roiPooler({
  featureNames: pooled,
  strides: pooled.map((name) => backbone.outputs[name].stride),
  outputSize: 7,
  op: { kind: 'align', samplingRatio: 2 }, // { kind: 'pool' } gives Fast R-CNN's RoIPool
});
const boxHead = new TwoMlpHead({ inChannels: channels, resolution: 7, representationSize: 128, rng });
const predictor = new FastRcnnPredictor({ inChannels: 128, numClasses, rng });
const boxCoder = new BoxCoder([10, 10, 5, 5]);
const matcher = new Matcher({ highThreshold: 0.5, lowThreshold: 0.5, allowLowQualityMatches: false });
const sampler = new BalancedPositiveNegativeSampler({ batchSizePerImage: 64, positiveFraction: 0.25 });

// ---- Data: synthetic scenes as plain records ---------------------------------------------
const records = [0, 1].map((i) => syntheticRecord(i, { width: 128, height: 128, maxObjects: 4 }));

/** RGB 0..255 HWC bytes → `[1,H,W,3]` normalised with ImageNet's mean and std. */
function inputImage(record: DetectionRecord): tf.Tensor4D {
  const { width, height, data } = record.image;
  return tf.tidy(() => {
    const rgb = tf.tensor4d(data, [1, height, width, 3], 'float32');
    return tf.div(tf.sub(rgb, [123.675, 116.28, 103.53]), [58.395, 57.12, 57.375]) as tf.Tensor4D;
  });
}

/** Ground truth without crowd regions: `[G,4]` boxes and `[G]` class ids. */
function groundTruth(record: DetectionRecord): { boxes: Float32Array; classIds: Int32Array } {
  const keep = Array.from(record.classIds.keys()).filter((i) => record.isCrowd[i] === 0);
  return {
    boxes: Float32Array.from(keep.flatMap((i) => Array.from(record.boxes.subarray(4 * i, 4 * i + 4)))),
    classIds: Int32Array.from(keep.map((i) => record.classIds[i])),
  };
}

/**
 * The second stage's training sample, as torchvision's RoIHeads draws it: proposals plus the
 * ground-truth boxes, matched at IoU 0.5, 64 RoIs with at most a quarter positive.
 */
function sampleRois(proposals: Float32Array, gt: { boxes: Float32Array; classIds: Int32Array }) {
  const boxes = new Float32Array(proposals.length + gt.boxes.length);
  boxes.set(proposals);
  boxes.set(gt.boxes, proposals.length);
  const matches = matcher.matchBoxes(gt.boxes, boxes); // ground-truth index, or < 0 for background
  const labels = Int32Array.from(matches, (m) => (m >= 0 ? gt.classIds[m] : 0));
  const { positive, negative } = sampler.sample(labels, rng);
  const picked = [...positive, ...negative];
  const roiBoxes = picked.flatMap((i) => Array.from(boxes.subarray(4 * i, 4 * i + 4)));
  // Background RoIs regress to themselves (zero targets): the loss ignores them anyway.
  const matched = picked.flatMap((i) =>
    Array.from(
      matches[i] >= 0
        ? gt.boxes.subarray(4 * matches[i], 4 * matches[i] + 4)
        : boxes.subarray(4 * i, 4 * i + 4),
    ),
  );
  return { boxes: roiBoxes, matched, labels: Int32Array.from(picked, (i) => labels[i]) };
}

/** `[R,4]` boxes of image 0 → `[R,5]` RoIs `(batchIndex, x1, y1, x2, y2)` for the pooler. */
function toRois(boxes: tf.Tensor2D): tf.Tensor2D {
  return tf.concat([tf.zeros([boxes.shape[0], 1]), boxes], 1) as tf.Tensor2D;
}

/** The summed Faster R-CNN loss of one image (a scalar the optimizer differentiates). */
function trainingLoss(record: DetectionRecord): tf.Scalar {
  const { height, width } = record.image;
  const gt = groundTruth(record);
  const features = backbone.apply(inputImage(record), true);
  const { proposals, losses } = rpn.apply({
    features: levels.map((name) => features[name]),
    imageTensorSize: [height, width],
    imageSizes: [[height, width]],
    gtBoxes: [gt.boxes],
    training: true,
    rng,
  });
  const sample = sampleRois(proposals[0].boxes.dataSync() as Float32Array, gt); // proposals: no gradient
  const roiBoxes = tf.tensor2d(sample.boxes, [sample.labels.length, 4]);
  const head = predictor.apply(boxHead.apply(pooler.apply(features, toRois(roiBoxes))));
  const targets = boxCoder.encode(tf.tensor2d(sample.matched, [sample.labels.length, 4]), roiBoxes);
  const { classification, boxRegression } = fastRcnnLoss(
    head.classLogits,
    head.boxDeltas,
    sample.labels,
    targets,
  );
  if (losses === undefined) throw new Error('the RPN returns losses when given ground truth');
  return tf.addN([losses.objectness, losses.boxRegression, classification, boxRegression]) as tf.Scalar;
}

/** One detection in input pixels. */
interface Detection {
  box: [number, number, number, number];
  score: number;
  classId: number;
}

/** Inference: proposals → class scores and per-class boxes → score threshold → per-class NMS. */
function predict(record: DetectionRecord, scoreThreshold = 0.05): Detection[] {
  const { height, width } = record.image;
  const [probabilities, classBoxes] = tf.tidy(() => {
    const features = backbone.apply(inputImage(record), false);
    const { proposals } = rpn.apply({
      features: levels.map((name) => features[name]),
      imageTensorSize: [height, width],
      imageSizes: [[height, width]],
    });
    const boxes = proposals[0].boxes;
    const head = predictor.apply(boxHead.apply(pooler.apply(features, toRois(boxes))));
    const deltas = tf.reshape(head.boxDeltas, [boxes.shape[0], numClasses, 4]) as tf.Tensor3D;
    return [tf.softmax(head.classLogits), clipBoxesToImage(boxCoder.decode(deltas, boxes), [height, width])];
  });
  const count = probabilities.shape[0];
  const scores = probabilities.dataSync(); // [P, numClasses]
  const perClass = classBoxes.dataSync(); // [P, numClasses, 4]
  tf.dispose([probabilities, classBoxes]);
  const candidates: Detection[] = [];
  for (let p = 0; p < count; p++) {
    for (let c = 1; c < numClasses; c++) {
      const score = scores[p * numClasses + c];
      const at = (p * numClasses + c) * 4;
      const box = Array.from(perClass.subarray(at, at + 4)) as Detection['box'];
      if (score > scoreThreshold && box[2] - box[0] > 1e-2 && box[3] - box[1] > 1e-2) {
        candidates.push({ box, score, classId: c });
      }
    }
  }
  const keep = batchedNms(
    candidates.map((d) => d.box),
    candidates.map((d) => d.score),
    candidates.map((d) => d.classId),
    0.5,
    { topK: 100 },
  );
  return Array.from(keep, (i) => candidates[i]);
}

// ---- Train a few steps, then predict -------------------------------------------------------
const optimizer = tf.train.momentum(0.005, 0.9);
const variables = [backbone, rpn, boxHead, predictor].flatMap((part) => part.trainableVariables());
const losses: number[] = [];
let tensorsAfterFirstStep = 0; // the optimizer's momentum slots exist from the first step on
for (let step = 0; step < 8; step++) {
  const loss = optimizer.minimize(() => trainingLoss(records[step % records.length]), true, variables);
  losses.push((await loss!.data())[0]);
  loss!.dispose();
  if (step === 0) tensorsAfterFirstStep = tf.memory().numTensors;
  console.log(`step ${step}: loss ${losses[step].toFixed(4)}`);
}
// Eight steps leave every class score low: keep them all here (a trained model uses 0.05).
const detections = predict(records[0], 0);
console.log(`${detections.length} detections on image 0, best:`, detections[0]);
const leakedTensors = tf.memory().numTensors - tensorsAfterFirstStep;
optimizer.dispose();
console.log(JSON.stringify({ losses, detections, leakedTensors }));
