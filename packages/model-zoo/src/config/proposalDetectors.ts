import type { BackboneConfig } from '@rcnn/backbones';
import { ConfigError } from '@rcnn/core';
import type {
  BoxHeadConfig,
  DetectorConfig,
  ExternalProposalsConfig,
  RegionWarpConfig,
  RoiHeadsConfig,
  RoiPoolerConfig,
  TransformConfig,
} from './detectorConfig';
import { fasterRcnn, IMAGENET_MEAN, IMAGENET_STD, roiPoolPooler } from './factories';

/**
 * Selective-search proposals as R-CNN and Fast R-CNN used them: the "fast" strategy, the 2000
 * best-ranked boxes per image in training and at test time, boxes under 2 px dropped.
 */
export function selectiveSearchProposals(
  options: Partial<Omit<ExternalProposalsConfig, 'method'>> = {},
): ExternalProposalsConfig {
  return {
    method: 'selectiveSearch',
    strategy: options.strategy ?? 'fast',
    trainTopN: options.trainTopN ?? 2000,
    testTopN: options.testTopN ?? 2000,
    minSize: options.minSize ?? 2,
    ...(options.cacheDirectory !== undefined ? { cacheDirectory: options.cacheDirectory } : {}),
  };
}

/** Options of {@link fastRcnn}. */
export interface FastRcnnOptions {
  /** Classes including background. */
  readonly numClasses: number;
  readonly backbone: BackboneConfig;
  readonly transform?: Partial<TransformConfig>;
  readonly proposals?: Partial<Omit<ExternalProposalsConfig, 'method'>>;
  readonly boxPooler?: RoiPoolerConfig;
  readonly boxHead?: BoxHeadConfig;
  readonly roiHeads?: Partial<RoiHeadsConfig>;
  readonly seed?: number;
}

/**
 * A Fast R-CNN config (Girshick, ICCV 2015): one CNN pass over the image, RoIPool on
 * selective-search proposals, the two-fc head (res5 for C4 backbones) with softmax
 * classification and class-specific box regression trained with the multi-task loss. Defaults
 * follow the paper: images at scale 600 (longer side ≤ 1000), RoIPool 7×7 (14×14 into res5 for
 * C4), 64 RoIs per image at 25% foreground (its 128 per 2-image batch), 2000 proposals.
 */
export function fastRcnn(options: FastRcnnOptions): DetectorConfig {
  const c4 = options.backbone.kind === 'resnetC4';
  const base = fasterRcnn({
    numClasses: options.numClasses,
    backbone: options.backbone,
    transform: { minSize: 600, maxSize: 1000, ...options.transform },
    boxPooler: options.boxPooler ?? roiPoolPooler({ outputSize: c4 ? 14 : 7 }),
    ...(options.boxHead ? { boxHead: options.boxHead } : {}),
    roiHeads: { batchSizePerImage: 64, ...options.roiHeads },
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  const { rpn: _rpn, ...rest } = base;
  return { ...rest, kind: 'fastRcnn', proposals: selectiveSearchProposals(options.proposals) };
}

/** Options of {@link rcnn}. */
export interface RcnnOptions {
  /** Classes including background. */
  readonly numClasses: number;
  /** The CNN run on each warped region (its last output is averaged over space). */
  readonly backbone: BackboneConfig;
  readonly transform?: Partial<TransformConfig>;
  readonly proposals?: Partial<Omit<ExternalProposalsConfig, 'method'>>;
  readonly regionWarp?: Partial<RegionWarpConfig>;
  /** Width of the fc layer after the CNN (R-CNN's fc7). Default 1024. */
  readonly representationSize?: number;
  readonly roiHeads?: Partial<RoiHeadsConfig>;
  readonly seed?: number;
}

/**
 * An R-CNN config (Girshick et al., CVPR 2014): selective-search proposals; each region, enlarged
 * by 16 px of context (at 227 px), is warped to a 227 × 227 square and passed through the CNN on
 * its own; the pooled CNN features go through one fc layer to a softmax classifier over K + 1
 * classes and class-specific box regression. The paper trains linear SVMs on fc7 features after
 * fine-tuning with a softmax; here the fine-tuned softmax scores the detections directly (as Fast
 * R-CNN later showed works as well), and the box regressor is trained jointly rather than as a
 * separate ridge regression on pool5. Fine-tuning samples 128 regions per image, 25% foreground
 * (IoU ≥ 0.5), as the paper's 32 + 96 mini-batches.
 */
export function rcnn(options: RcnnOptions): DetectorConfig {
  const warp: RegionWarpConfig = {
    size: options.regionWarp?.size ?? 227,
    contextPadding: options.regionWarp?.contextPadding ?? 16,
    inferenceBatch: options.regionWarp?.inferenceBatch ?? 128,
  };
  const representationSize = options.representationSize ?? 1024;
  if (!Number.isInteger(representationSize) || representationSize < 1) {
    throw new ConfigError('representationSize', `expected an integer >= 1, got ${representationSize}`);
  }
  const base = fasterRcnn({
    numClasses: options.numClasses,
    backbone: options.backbone,
    transform: {
      minSize: 600,
      maxSize: 1000,
      imageMean: [...IMAGENET_MEAN],
      imageStd: [...IMAGENET_STD],
      ...options.transform,
    },
    boxHead: { kind: 'twoMlp', representationSize },
    roiHeads: { batchSizePerImage: 128, ...options.roiHeads },
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  const { rpn: _rpn, boxPooler: _pooler, ...rest } = base;
  return {
    ...rest,
    kind: 'rcnn',
    boxHead: { kind: 'regionCnn', representationSize },
    proposals: selectiveSearchProposals(options.proposals),
    regionWarp: warp,
  };
}
