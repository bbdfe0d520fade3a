import type { BackboneConfig } from '@rcnn/backbones';
import { ConfigError } from '@rcnn/core';
import type { Aggregation } from '@rcnn/roi-ops';
import type {
  BoxHeadConfig,
  DetectorConfig,
  FcnMaskHeadConfig,
  MaskBranchConfig,
  MaskHeadConfig,
  MlpMaskHeadConfig,
  Res5MaskHeadConfig,
  RoiHeadsConfig,
  RoiPoolerConfig,
  RpnConfig,
  TransformConfig,
} from './detectorConfig';

/** torchvision's ImageNet normalisation in 0..255 units. */
export const IMAGENET_MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255] as const;
export const IMAGENET_STD = [0.229 * 255, 0.224 * 255, 0.225 * 255] as const;

/** RoIAlign (Mask R-CNN §3) as the pooler. Defaults: torchvision's (`aligned` false, average). */
export function roiAlignPooler(
  options: { outputSize?: number; samplingRatio?: number; aligned?: boolean; aggregation?: Aggregation } = {},
): RoiPoolerConfig {
  return {
    op: {
      kind: 'align',
      samplingRatio: options.samplingRatio ?? 2,
      aligned: options.aligned ?? false,
      aggregation: options.aggregation ?? 'avg',
    },
    outputSize: options.outputSize ?? 7,
  };
}

/** RoIWarp (bilinear on quantised RoIs, Table 2c) as the pooler. */
export function roiWarpPooler(
  options: { outputSize?: number; samplingRatio?: number; aggregation?: Aggregation } = {},
): RoiPoolerConfig {
  return {
    op: {
      kind: 'warp',
      samplingRatio: options.samplingRatio ?? 2,
      aggregation: options.aggregation ?? 'avg',
    },
    outputSize: options.outputSize ?? 7,
  };
}

/** RoIPool (Fast R-CNN, quantised max pooling) as the pooler. */
export function roiPoolPooler(options: { outputSize?: number } = {}): RoiPoolerConfig {
  return { op: { kind: 'pool' }, outputSize: options.outputSize ?? 7 };
}

/** FCN mask head; defaults are the paper's FPN head (4 × conv 256, deconv 256, class-specific). */
export function fcnMaskHead(options: Partial<Omit<FcnMaskHeadConfig, 'kind'>> = {}): FcnMaskHeadConfig {
  return {
    kind: 'fcn',
    layers: options.layers ?? [256, 256, 256, 256],
    dimReduced: options.dimReduced ?? 256,
    classAgnostic: options.classAgnostic ?? false,
  };
}

/** MLP mask head of Table 2e; default fc 1024 → 1024 → K·28². */
export function mlpMaskHead(options: Partial<Omit<MlpMaskHeadConfig, 'kind'>> = {}): MlpMaskHeadConfig {
  return {
    kind: 'mlp',
    hiddenSizes: options.hiddenSizes ?? [1024, 1024],
    maskResolution: options.maskResolution ?? 28,
    classAgnostic: options.classAgnostic ?? false,
  };
}

/** C4 mask head sharing the box head's res5 (needs a `resnetC4` backbone and the `res5` box head). */
export function res5MaskHead(options: Partial<Omit<Res5MaskHeadConfig, 'kind'>> = {}): Res5MaskHeadConfig {
  return {
    kind: 'res5',
    dimReduced: options.dimReduced ?? 256,
    classAgnostic: options.classAgnostic ?? false,
  };
}

/** Options of {@link fasterRcnn} and {@link maskRcnn}: every field optional, defaults per backbone kind. */
export interface FasterRcnnOptions {
  /** Classes including background. */
  readonly numClasses: number;
  readonly backbone: BackboneConfig;
  readonly transform?: Partial<TransformConfig>;
  readonly rpn?: Partial<RpnConfig>;
  readonly boxPooler?: RoiPoolerConfig;
  readonly boxHead?: BoxHeadConfig;
  readonly roiHeads?: Partial<RoiHeadsConfig>;
  readonly seed?: number;
}

/** Options of {@link maskRcnn}. */
export interface MaskRcnnOptions extends FasterRcnnOptions {
  readonly maskPooler?: RoiPoolerConfig;
  readonly maskHead?: MaskHeadConfig;
  readonly maskActivation?: 'sigmoid' | 'softmax';
}

function isFpn(backbone: BackboneConfig): boolean {
  return backbone.kind === 'resnetFpn';
}

function defaultRpn(backbone: BackboneConfig): RpnConfig {
  if (isFpn(backbone)) {
    return {
      anchorSizes: [[32], [64], [128], [256], [512]],
      aspectRatios: [
        [0.5, 1, 2],
        [0.5, 1, 2],
        [0.5, 1, 2],
        [0.5, 1, 2],
        [0.5, 1, 2],
      ],
      train: { preNmsTopN: 2000, postNmsTopN: 2000 },
      test: { preNmsTopN: 1000, postNmsTopN: 1000 },
      nmsThreshold: 0.7,
      foregroundIou: 0.7,
      backgroundIou: 0.3,
      batchSizePerImage: 256,
      positiveFraction: 0.5,
    };
  }
  // One level, the paper's 5 scales × 3 aspect ratios, 300 proposals at test time.
  return {
    anchorSizes: [[32, 64, 128, 256, 512]],
    aspectRatios: [[0.5, 1, 2]],
    train: { preNmsTopN: 12000, postNmsTopN: 2000 },
    test: { preNmsTopN: 6000, postNmsTopN: 300 },
    nmsThreshold: 0.7,
    foregroundIou: 0.7,
    backgroundIou: 0.3,
    batchSizePerImage: 256,
    positiveFraction: 0.5,
  };
}

function checkNumClasses(n: number): number {
  if (!Number.isInteger(n) || n < 2) {
    throw new ConfigError('numClasses', `expected an integer >= 2 (background included), got ${n}`);
  }
  return n;
}

/**
 * A Faster R-CNN config. FPN backbones get torchvision's `fasterrcnn_resnet50_fpn` settings
 * (5 anchor levels, RoIAlign 7×7 on p2–p5, two fc 1024, 512 RoIs per image); C4 backbones the
 * paper's (one anchor level with 15 anchors, RoIAlign 14×14 on res4, res5 box head, 64 RoIs,
 * 300 test proposals); C5 backbones RoIAlign 7×7 on res5 with the two-fc head.
 */
export function fasterRcnn(options: FasterRcnnOptions): DetectorConfig {
  const { backbone } = options;
  const fpn = isFpn(backbone);
  const c4 = backbone.kind === 'resnetC4';
  const boxHead = options.boxHead ?? (c4 ? { kind: 'res5' } : { kind: 'twoMlp', representationSize: 1024 });
  if (boxHead.kind === 'res5' && !c4)
    throw new ConfigError('boxHead', "the 'res5' box head needs a resnetC4 backbone");
  return {
    kind: 'fasterRcnn',
    numClasses: checkNumClasses(options.numClasses),
    backbone,
    transform: {
      minSize: 800,
      maxSize: 1333,
      imageMean: [...IMAGENET_MEAN],
      imageStd: [...IMAGENET_STD],
      ...options.transform,
    },
    rpn: { ...defaultRpn(backbone), ...options.rpn },
    boxPooler: options.boxPooler ?? roiAlignPooler({ outputSize: c4 ? 14 : 7, samplingRatio: 2 }),
    boxHead,
    roiHeads: {
      foregroundIou: 0.5,
      backgroundIou: 0.5,
      batchSizePerImage: fpn ? 512 : 64,
      positiveFraction: 0.25,
      boxCoderWeights: [10, 10, 5, 5],
      classAgnosticBoxes: false,
      scoreThreshold: 0.05,
      nmsThreshold: 0.5,
      detectionsPerImage: 100,
      ...options.roiHeads,
    },
    seed: options.seed ?? 0,
  };
}

/**
 * A Mask R-CNN config: {@link fasterRcnn} plus the mask branch. FPN: RoIAlign 14×14 and the FCN
 * head (torchvision's `maskrcnn_resnet50_fpn`); C4: the res5-sharing head of Fig. 4 left.
 * Sigmoid (independent) masks unless `maskActivation: 'softmax'`.
 */
export function maskRcnn(options: MaskRcnnOptions): DetectorConfig {
  const base = fasterRcnn(options);
  const c4 = options.backbone.kind === 'resnetC4';
  const head = options.maskHead ?? (c4 && base.boxHead.kind === 'res5' ? res5MaskHead() : fcnMaskHead());
  if (head.kind === 'res5' && base.boxHead.kind !== 'res5') {
    throw new ConfigError('maskHead', "the 'res5' mask head shares the 'res5' box head of a C4 detector");
  }
  const mask: MaskBranchConfig = {
    pooler:
      options.maskPooler ??
      (head.kind === 'res5'
        ? (base.boxPooler as RoiPoolerConfig)
        : roiAlignPooler({ outputSize: 14, samplingRatio: 2 })),
    head,
    activation: options.maskActivation ?? 'sigmoid',
  };
  return { ...base, kind: 'maskRcnn', mask };
}
