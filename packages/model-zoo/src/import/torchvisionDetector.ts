import { type ResNetDepth, resnetFpn } from '@rcnn/backbones';
import {
  ConfigError,
  type LoadReport,
  loadStateDict,
  readWeightsFile,
  type StateDict,
  upgradeTorchvisionFpnKeys,
} from '@rcnn/core';
import { legacyKeypointHeadName, legacyMaskHeadName } from '@rcnn/heads';
import { legacyRpnHeadName } from '@rcnn/rpn';
import * as tf from '@tensorflow/tfjs-core';
import type { DetectorConfig } from '../config/detectorConfig';
import { fasterRcnn, IMAGENET_MEAN, IMAGENET_STD, maskRcnn } from '../config/factories';
import { keypointRcnn, keypointRcnnHead } from '../config/keypointRcnn';
import { buildDetector } from '../detector/buildDetector';
import type { GeneralizedRcnn } from '../detector/generalizedRcnn';

/** torchvision trunk names `loadTorchvisionDetector` understands, with their ResNet settings. */
export const TORCHVISION_BACKBONES = {
  resnet18: { depth: 18 },
  resnet34: { depth: 34 },
  resnet50: { depth: 50 },
  resnet101: { depth: 101 },
  resnet152: { depth: 152 },
  resnext50_32x4d: { depth: 50, groups: 32, widthPerGroup: 4 },
  resnext101_32x8d: { depth: 101, groups: 32, widthPerGroup: 8 },
  resnext101_64x4d: { depth: 101, groups: 64, widthPerGroup: 4 },
  wide_resnet50_2: { depth: 50, widthPerGroup: 128 },
  wide_resnet101_2: { depth: 101, widthPerGroup: 128 },
} as const satisfies Record<string, { depth: ResNetDepth; groups?: number; widthPerGroup?: number }>;

export type TorchvisionBackboneName = keyof typeof TORCHVISION_BACKBONES;

/**
 * Options of {@link loadTorchvisionDetector}: torchvision's constructor arguments in camelCase,
 * with torchvision's defaults.
 */
export interface TorchvisionDetectorOptions {
  readonly arch: 'maskrcnn' | 'fasterrcnn' | 'keypointrcnn';
  /** The trunk of `resnet_fpn_backbone(backbone_name=...)`. */
  readonly backbone: TorchvisionBackboneName;
  /** Classes including background. Default 91 (COCO); 2 (background, person) for `keypointrcnn`. */
  readonly numClasses?: number;
  /** Keypoint types of `keypointrcnn`. Default 17. */
  readonly numKeypoints?: number;
  /**
   * Conv widths of a `keypointrcnn` keypoint head passed to torchvision as
   * `keypoint_head=KeypointRCNNHeads(256, layers)` (with `KeypointRCNNPredictor(layers[-1], K)`).
   * Default eight of 512, torchvision's.
   */
  readonly keypointLayers?: readonly number[];
  /**
   * Shorter side(s); inference uses the last. Default 800; for `keypointrcnn` torchvision's
   * `(640, 672, 704, 736, 768, 800)`.
   */
  readonly minSize?: number | readonly number[];
  /** Default 1333. */
  readonly maxSize?: number;
  /** RGB mean/std in 0..1 units as torchvision takes them. Default ImageNet's. */
  readonly imageMean?: readonly number[];
  readonly imageStd?: readonly number[];
  /** Default 0.05. */
  readonly boxScoreThresh?: number;
  /** Default 0.5. */
  readonly boxNmsThresh?: number;
  /** Default 100. */
  readonly boxDetectionsPerImg?: number;
  /** Defaults 1000 / 1000. */
  readonly rpnPreNmsTopNTest?: number;
  readonly rpnPostNmsTopNTest?: number;
  /** Defaults 2000 / 2000 (used when fine-tuning the imported model). */
  readonly rpnPreNmsTopNTrain?: number;
  readonly rpnPostNmsTopNTrain?: number;
  /** Default 0.7. */
  readonly rpnNmsThresh?: number;
  /**
   * torchvision's `trainable_backbone_layers` (0–5) for later fine-tuning: the first `5 − n`
   * stages are frozen. Default 3.
   */
  readonly trainableBackboneLayers?: number;
  /** Reject files with missing or unexpected tensors. Default true. */
  readonly strict?: boolean;
}

/** Detections of one image as tensors (the caller disposes them), like torchvision's output dict. */
export interface DetectionTensors {
  /** `[N,4]` `(x1, y1, x2, y2)` in the image's pixels. */
  boxes: tf.Tensor2D;
  /** `[N]` class probabilities, decreasing. */
  scores: tf.Tensor1D;
  /** `[N]` class ids (int32, torchvision's: 1..numClasses−1). */
  labels: tf.Tensor1D;
  /** `[N,H,W]` mask probabilities pasted into the image (Mask R-CNN). */
  masks?: tf.Tensor3D;
  /** `[N,K,3]` `(x, y, 1)` keypoints in the image's pixels (Keypoint R-CNN). */
  keypoints?: tf.Tensor3D;
  /** `[N,K]` keypoint scores (heatmap logits; torchvision's `keypoints_scores`). */
  keypointsScores?: tf.Tensor2D;
}

/** A torchvision-compatible detector: {@link TorchvisionDetector.predict} answers like `model.eval()(images)`. */
export class TorchvisionDetector {
  constructor(
    /** The underlying detector (its `predict` works on batches and returns plain arrays). */
    readonly model: GeneralizedRcnn,
    /** What loading the weights did. */
    readonly loadReport: LoadReport,
  ) {}

  /** The config the detector was built from. */
  get config(): DetectorConfig {
    return this.model.config;
  }

  /**
   * Detect objects in one image.
   *
   * @param image `[H,W,3]` RGB with values 0..255 (any numeric dtype).
   */
  async predict(image: tf.Tensor3D): Promise<DetectionTensors> {
    const [p] = await this.model.predict([image]);
    const n = p.labels.length;
    const out: DetectionTensors = {
      boxes: tf.tensor2d(p.boxes, [n, 4]),
      scores: tf.tensor1d(p.scores),
      labels: tf.tensor1d(p.labels, 'int32'),
    };
    if (p.masks !== undefined) out.masks = tf.tensor3d(p.masks, [n, p.imageSize[0], p.imageSize[1]]);
    if (p.keypoints !== undefined && p.keypointScores !== undefined) {
      const k = n === 0 ? (this.config.keypoint?.numKeypoints ?? 0) : p.keypointScores.length / n;
      out.keypoints = tf.tensor3d(p.keypoints, [n, k, 3]);
      out.keypointsScores = tf.tensor2d(p.keypointScores, [n, k]);
    }
    return out;
  }

  /** Free the weights. */
  dispose(): void {
    this.model.dispose();
  }
}

/**
 * The {@link DetectorConfig} equal to torchvision's `{arch}_resnet*_fpn` model with these options
 * (trunk with frozen BatchNorm, FPN 256, torchvision's RPN and RoI-head settings).
 */
export function torchvisionDetectorConfig(options: TorchvisionDetectorOptions): DetectorConfig {
  if (options.arch !== 'maskrcnn' && options.arch !== 'fasterrcnn' && options.arch !== 'keypointrcnn') {
    throw new ConfigError(
      'arch',
      `expected 'maskrcnn', 'fasterrcnn' or 'keypointrcnn', got ${JSON.stringify(options.arch)}`,
    );
  }
  const trunk = TORCHVISION_BACKBONES[options.backbone];
  if (trunk === undefined) {
    throw new ConfigError(
      'backbone',
      `unknown torchvision backbone ${JSON.stringify(options.backbone)}; expected one of ${Object.keys(TORCHVISION_BACKBONES).join(', ')}`,
    );
  }
  const trainable = options.trainableBackboneLayers ?? 3;
  if (!Number.isInteger(trainable) || trainable < 0 || trainable > 5) {
    throw new ConfigError('trainableBackboneLayers', `expected an integer in 0..5, got ${trainable}`);
  }
  const mean = options.imageMean ?? IMAGENET_MEAN.map((v) => v / 255);
  const std = options.imageStd ?? IMAGENET_STD.map((v) => v / 255);
  const keypoints = options.arch === 'keypointrcnn';
  const factory = options.arch === 'maskrcnn' ? maskRcnn : keypoints ? keypointRcnn : fasterRcnn;
  return factory({
    numClasses: options.numClasses ?? (keypoints ? 2 : 91),
    ...(keypoints
      ? {
          numKeypoints: options.numKeypoints ?? 17,
          ...(options.keypointLayers
            ? { keypointHead: keypointRcnnHead({ layers: options.keypointLayers }) }
            : {}),
        }
      : {}),
    backbone: resnetFpn({ ...trunk, norm: 'frozen', frozenStages: 5 - trainable }),
    transform: {
      minSize: options.minSize ?? (keypoints ? [640, 672, 704, 736, 768, 800] : 800),
      maxSize: options.maxSize ?? 1333,
      imageMean: mean.map((v) => v * 255),
      imageStd: std.map((v) => v * 255),
    },
    rpn: {
      train: {
        preNmsTopN: options.rpnPreNmsTopNTrain ?? 2000,
        postNmsTopN: options.rpnPostNmsTopNTrain ?? 2000,
      },
      test: {
        preNmsTopN: options.rpnPreNmsTopNTest ?? 1000,
        postNmsTopN: options.rpnPostNmsTopNTest ?? 1000,
      },
      nmsThreshold: options.rpnNmsThresh ?? 0.7,
    },
    roiHeads: {
      scoreThreshold: options.boxScoreThresh ?? 0.05,
      nmsThreshold: options.boxNmsThresh ?? 0.5,
      detectionsPerImage: options.boxDetectionsPerImg ?? 100,
    },
  });
}

/**
 * Rename a torchvision detection state dict's older names to the current ones (FPN convs before
 * 0.13, RPN head conv and mask head convs before 0.14), as torchvision's own loaders do, and
 * Detectron-style keypoint-head convs (`conv_fcn1…8`) to torchvision's Sequential indices.
 */
export function upgradeTorchvisionDetectorKeys(stateDict: StateDict): StateDict {
  const out: StateDict = new Map();
  for (const [name, t] of upgradeTorchvisionFpnKeys(stateDict)) {
    let n = name;
    if (n.startsWith('rpn.head.')) n = `rpn.head.${legacyRpnHeadName(n.slice('rpn.head.'.length))}`;
    if (n.startsWith('roi_heads.mask_head.')) {
      n = `roi_heads.mask_head.${legacyMaskHeadName(n.slice('roi_heads.mask_head.'.length))}`;
    }
    if (n.startsWith('roi_heads.keypoint_head.')) {
      n = `roi_heads.keypoint_head.${legacyKeypointHeadName(n.slice('roi_heads.keypoint_head.'.length))}`;
    }
    out.set(n, t);
  }
  return out;
}

/**
 * Load a torchvision Mask / Faster / Keypoint R-CNN (ResNet-FPN) from its state dict (`.pth`
 * from `torch.save(model.state_dict())`, or `.safetensors`) with torchvision's tensor names
 * (`keypointrcnn_resnet50_fpn`'s `roi_heads.keypoint_head.*`, `roi_heads.keypoint_predictor.*`
 * included). The result's `predict(image)` gives torchvision's `model.eval()([image / 255])[0]`
 * in the image's own pixels.
 */
export async function loadTorchvisionDetector(
  file: string,
  options: TorchvisionDetectorOptions,
): Promise<TorchvisionDetector> {
  const config = torchvisionDetectorConfig(options);
  const { tensors } = await readWeightsFile(file);
  const model = buildDetector(config);
  try {
    const report = loadStateDict(model, upgradeTorchvisionDetectorKeys(tensors), {
      strict: options.strict ?? true,
      source: file,
    });
    return new TorchvisionDetector(model, report);
  } catch (err) {
    model.dispose();
    throw err;
  }
}
