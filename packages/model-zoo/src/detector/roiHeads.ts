import {
  BalancedPositiveNegativeSampler,
  BoxCoder,
  type BoxCoderWeights,
  ConfigError,
  clipBoxesToImage,
  Matcher,
  Module,
  type SeededRandom,
} from '@rcnn/core';
import {
  type BoxHead,
  type FastRcnnPredictor,
  type MaskActivation,
  type MaskHead,
  maskProbabilities,
} from '@rcnn/heads';
import { fastRcnnLoss, multinomialMaskLoss, sigmoidMaskLoss } from '@rcnn/losses';
import type { RoiPooler } from '@rcnn/roi-ops';
import * as tf from '@tensorflow/tfjs-core';
import type { KeypointBranch } from './keypointBranch';
import { projectMasksOnBoxes } from './maskTargets';
import { type DetectionOptions, postprocessDetections } from './postprocessDetections';
import { type SampledRois, sampleRois } from './roiTargets';
import type { FeatureMaps, ImageDetections, ImageTargets, Size } from './types';

/** Training settings of the RoI heads; defaults follow the paper for FPN. */
export interface RoiHeadsTrainOptions {
  /** IoU at or above which a RoI is foreground. Default 0.5. */
  readonly foregroundIou?: number;
  /** IoU below which a RoI is background. Default 0.5. */
  readonly backgroundIou?: number;
  /** RoIs sampled per image. Default 512 (FPN; the paper uses 64 for C4). */
  readonly batchSizePerImage?: number;
  /** Fraction of positives in the sample. Default 0.25. */
  readonly positiveFraction?: number;
  /** Box-coder weights. Default `[10, 10, 5, 5]`. */
  readonly boxCoderWeights?: BoxCoderWeights;
  /** Smooth-L1 beta of the box loss. Default 1/9 (torchvision). */
  readonly boxLossBeta?: number;
}

/** The parts of {@link RoiHeads}. Modules are registered under torchvision's names. */
export interface RoiHeadsParts {
  readonly boxPooler: RoiPooler;
  readonly boxHead: BoxHead & Module;
  readonly boxPredictor: FastRcnnPredictor;
  readonly maskPooler?: RoiPooler;
  readonly maskHead?: MaskHead;
  /** The mask head's modules and their state-dict names (`mask_head`, `mask_predictor`). */
  readonly maskModules?: ReadonlyArray<readonly [string, Module]>;
  readonly maskActivation?: MaskActivation;
  /** Side m of the mask head's output (28 for the FCN head on 14×14 RoIs). */
  readonly maskResolution?: number;
  /** The keypoint branch (Keypoint R-CNN); its head registers as `keypoint_head`, `keypoint_predictor`. */
  readonly keypoint?: KeypointBranch;
  readonly train?: RoiHeadsTrainOptions;
  readonly detection?: DetectionOptions;
}

/** Loss terms of the RoI heads (scalars the caller disposes). */
export interface RoiHeadsLosses {
  lossClassifier: tf.Scalar;
  lossBoxReg: tf.Scalar;
  lossMask?: tf.Scalar;
  lossKeypoint?: tf.Scalar;
}

/**
 * The second stage of Faster / Mask R-CNN (torchvision's `RoIHeads`): pool each RoI's features,
 * classify it and refine its box per class; with a mask branch, predict an m×m mask per class;
 * with a keypoint branch, K keypoint heatmaps per RoI (Mask R-CNN §5).
 * Training follows the paper (positive at IoU ≥ 0.5, balanced sampling, mask loss on positives
 * only against the ground-truth mask cropped to the RoI); inference scores, NMSes per class,
 * keeps the top 100 and runs the mask branch on those boxes only.
 */
export class RoiHeads extends Module {
  readonly boxPooler: RoiPooler;
  readonly boxHead: BoxHead & Module;
  readonly boxPredictor: FastRcnnPredictor;
  readonly maskPooler: RoiPooler | null;
  readonly maskHead: MaskHead | null;
  readonly maskActivation: MaskActivation;
  readonly keypoint: KeypointBranch | null;
  readonly boxCoder: BoxCoder;
  readonly detection: DetectionOptions;
  private readonly matcher: Matcher;
  private readonly sampler: BalancedPositiveNegativeSampler;
  private readonly boxLossBeta: number;
  private readonly maskSide: number | null;

  constructor(parts: RoiHeadsParts) {
    super();
    this.boxPooler = parts.boxPooler;
    this.boxHead = this.addModule('box_head', parts.boxHead);
    this.boxPredictor = this.addModule('box_predictor', parts.boxPredictor);
    if ((parts.maskHead === undefined) !== (parts.maskPooler === undefined)) {
      throw new ConfigError('maskHead', 'a mask head needs a mask pooler and vice versa');
    }
    this.maskPooler = parts.maskPooler ?? null;
    this.maskHead = parts.maskHead ?? null;
    for (const [name, m] of parts.maskModules ?? []) this.addModule(name, m);
    this.maskActivation = parts.maskActivation ?? 'sigmoid';
    this.maskSide = parts.maskResolution ?? null;
    this.keypoint = parts.keypoint ?? null;
    if (this.keypoint) {
      this.addModule('keypoint_head', this.keypoint.head.keypointHead);
      this.addModule('keypoint_predictor', this.keypoint.head.keypointPredictor);
    }
    const t = parts.train ?? {};
    this.boxCoder = new BoxCoder(t.boxCoderWeights ?? [10, 10, 5, 5]);
    this.matcher = new Matcher({
      highThreshold: t.foregroundIou ?? 0.5,
      lowThreshold: t.backgroundIou ?? 0.5,
      allowLowQualityMatches: false,
    });
    this.sampler = new BalancedPositiveNegativeSampler({
      batchSizePerImage: t.batchSizePerImage ?? 512,
      positiveFraction: t.positiveFraction ?? 0.25,
    });
    this.boxLossBeta = t.boxLossBeta ?? 1 / 9;
    this.detection = parts.detection ?? {};
  }

  /** Whether this head predicts masks. */
  get hasMask(): boolean {
    return this.maskHead !== null;
  }

  /** Whether this head predicts keypoints. */
  get hasKeypoints(): boolean {
    return this.keypoint !== null;
  }

  /**
   * Training losses for a batch.
   *
   * @param features backbone maps of the batch.
   * @param proposals per image `[P,4]` proposals in input pixels (not differentiated).
   * @param targets per image ground truth in input pixels.
   * @param imageSizes per image `[H,W]` before padding (mask targets are at this size).
   */
  losses(
    features: FeatureMaps,
    proposals: readonly Float32Array[],
    targets: readonly ImageTargets[],
    imageSizes: readonly Size[],
    rng: SeededRandom,
  ): RoiHeadsLosses {
    const samples: SampledRois[] = proposals.map((p, i) =>
      sampleRois(p, targets[i].boxes, targets[i].labels, this.matcher, this.sampler, rng),
    );
    return tf.tidy(() => {
      const rois = batchRois(samples.map((s) => s.boxes));
      const labels = concatInt(samples.map((s) => s.labels));
      const regressionTargets = this.boxCoder.encode(
        tf.tensor2d(concatFloat(samples.map((s) => s.matchedBoxes)), [labels.length, 4]),
        tf.tensor2d(concatFloat(samples.map((s) => s.boxes)), [labels.length, 4]),
      );
      const pooled = this.boxPooler.apply(features, rois);
      const { classLogits, boxDeltas } = this.boxPredictor.apply(this.boxHead.apply(pooled, true));
      const { classification, boxRegression } = fastRcnnLoss(
        classLogits,
        boxDeltas,
        labels,
        regressionTargets,
        {
          beta: this.boxLossBeta,
        },
      );
      const out: RoiHeadsLosses = { lossClassifier: classification, lossBoxReg: boxRegression };
      if (this.maskHead !== null && this.maskPooler !== null) {
        out.lossMask = this.maskLoss(features, samples, targets, imageSizes);
      }
      if (this.keypoint !== null)
        out.lossKeypoint = this.keypoint.loss(features, samples, targets, batchRois);
      return out as unknown as tf.TensorContainerObject;
    }) as unknown as RoiHeadsLosses;
  }

  private maskLoss(
    features: FeatureMaps,
    samples: readonly SampledRois[],
    targets: readonly ImageTargets[],
    imageSizes: readonly Size[],
  ): tf.Scalar {
    const posBoxes: Float32Array[] = [];
    const posLabels: Int32Array[] = [];
    const maskTargets: tf.Tensor3D[] = [];
    const m = this.maskResolution();
    samples.forEach((s, img) => {
      const idx: number[] = [];
      s.labels.forEach((l, k) => {
        if (l > 0) idx.push(k);
      });
      const boxes = new Float32Array(idx.length * 4);
      const matched = new Int32Array(idx.length);
      const labels = new Int32Array(idx.length);
      idx.forEach((k, j) => {
        boxes.set(s.boxes.subarray(k * 4, k * 4 + 4), j * 4);
        matched[j] = s.matchedIndex[k];
        labels[j] = s.labels[k];
      });
      const gtMasks = targets[img].masks;
      if (gtMasks == null)
        throw new ConfigError(`targets[${img}].masks`, 'a mask head needs ground-truth masks');
      posBoxes.push(boxes);
      posLabels.push(labels);
      maskTargets.push(
        projectMasksOnBoxes(gtMasks, imageSizes[img][0], imageSizes[img][1], boxes, matched, m),
      );
    });
    const rois = batchRois(posBoxes);
    const logits = (this.maskHead as MaskHead).apply(
      (this.maskPooler as RoiPooler).apply(features, rois),
      true,
    );
    const labels = concatInt(posLabels);
    const t = maskTargets.length === 1 ? maskTargets[0] : tf.concat(maskTargets, 0);
    return this.maskActivation === 'softmax'
      ? multinomialMaskLoss(logits, labels, t)
      : sigmoidMaskLoss(logits, labels, t);
  }

  private maskResolution(): number {
    if (this.maskSide === null)
      throw new ConfigError('maskResolution', 'a mask head needs its output resolution');
    return this.maskSide;
  }

  /**
   * Inference: per image, detections in input pixels (masks `[D,m,m]` per detection).
   *
   * @param proposals per image `[P,4]` proposals in input pixels.
   * @param imageSizes per image `[H,W]` before padding (boxes are clipped to it).
   */
  detect(
    features: FeatureMaps,
    proposals: readonly Float32Array[],
    imageSizes: readonly Size[],
  ): ImageDetections[] {
    const counts = proposals.map((p) => p.length / 4);
    const numClasses = this.boxPredictor.numClasses;
    const perImage = tf.tidy(() => {
      const rois = batchRois(proposals);
      const { classLogits, boxDeltas } = this.boxPredictor.apply(
        this.boxHead.apply(this.boxPooler.apply(features, rois)),
      );
      const probs = tf.softmax(classLogits);
      let offset = 0;
      return counts.map((c, img) => {
        const deltas = tf.slice(boxDeltas, [offset, 0], [c, boxDeltas.shape[1]]);
        const props = tf.tensor2d(proposals[img], [c, 4]);
        let decoded = this.boxCoder.decode(tf.reshape(deltas, [c, -1, 4]) as tf.Tensor3D, props);
        if (decoded.shape[1] === 1) decoded = tf.tile(decoded, [1, numClasses, 1]);
        const clipped = clipBoxesToImage(decoded, [imageSizes[img][0], imageSizes[img][1]]);
        const p = tf.slice(probs, [offset, 0], [c, numClasses]);
        offset += c;
        return [p, clipped] as [tf.Tensor, tf.Tensor];
      });
    });
    const detections = perImage.map(([p, b]) => {
      const d = postprocessDetections(
        p.dataSync() as Float32Array,
        b.dataSync() as Float32Array,
        numClasses,
        this.detection,
      );
      tf.dispose([p, b]);
      return d;
    });
    const withKeypoints = this.keypoint ? this.keypoint.detect(features, detections, batchRois) : detections;
    return this.maskHead === null ? withKeypoints : this.detectMasks(features, withKeypoints);
  }

  private detectMasks(features: FeatureMaps, detections: ImageDetections[]): ImageDetections[] {
    const m = this.maskResolution();
    const total = detections.reduce((n, d) => n + d.labels.length, 0);
    if (total === 0) return detections.map((d) => ({ ...d, masks: new Float32Array(0), maskShape: [m, m] }));
    const probs = tf.tidy(() => {
      const rois = batchRois(detections.map((d) => d.boxes));
      const logits = (this.maskHead as MaskHead).apply((this.maskPooler as RoiPooler).apply(features, rois));
      return maskProbabilities(logits, concatInt(detections.map((d) => d.labels)), this.maskActivation);
    });
    const all = probs.dataSync() as Float32Array;
    probs.dispose();
    let offset = 0;
    return detections.map((d) => {
      const n = d.labels.length * m * m;
      const masks = all.slice(offset, offset + n);
      offset += n;
      return { ...d, masks, maskShape: [m, m] };
    });
  }
}

/** Per-image `[P_i,4]` boxes → `[ΣP_i,5]` `(batchIndex, x1, y1, x2, y2)`. */
export function batchRois(boxes: readonly Float32Array[]): tf.Tensor2D {
  const total = boxes.reduce((n, b) => n + b.length / 4, 0);
  const out = new Float32Array(total * 5);
  let r = 0;
  boxes.forEach((b, img) => {
    for (let i = 0; i < b.length / 4; i++, r++) {
      out[r * 5] = img;
      out.set(b.subarray(i * 4, i * 4 + 4), r * 5 + 1);
    }
  });
  return tf.tensor2d(out, [total, 5]);
}

function concatFloat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function concatInt(parts: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
