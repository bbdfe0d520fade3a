import type { BackboneConfig } from '@rcnn/backbones';
import type { RoiOpConfig } from '@rcnn/roi-ops';

/** Input transform of a detector (torchvision's `GeneralizedRCNNTransform` settings). */
export interface TransformConfig {
  /** Shorter-side target(s) in pixels; training picks one at random, inference uses the last. */
  readonly minSize: number | readonly number[];
  /** Cap on the longer side in pixels. */
  readonly maxSize: number;
  /** Per-channel RGB mean in 0..255 units. */
  readonly imageMean: readonly number[];
  /** Per-channel RGB standard deviation in 0..255 units. */
  readonly imageStd: readonly number[];
}

/** Proposal counts for one mode. */
export interface ProposalCountsConfig {
  /** Per level and image, before NMS. */
  readonly preNmsTopN: number;
  /** Per image, after NMS. */
  readonly postNmsTopN: number;
}

/** Region Proposal Network settings. */
export interface RpnConfig {
  /** Anchor sizes (pixels) per feature level. */
  readonly anchorSizes: readonly (readonly number[])[];
  /** Anchor aspect ratios (h/w) per feature level. */
  readonly aspectRatios: readonly (readonly number[])[];
  readonly train: ProposalCountsConfig;
  readonly test: ProposalCountsConfig;
  /** NMS IoU between proposals. */
  readonly nmsThreshold: number;
  /** Anchor IoU for positives (0.7) and below which anchors are negatives (0.3). */
  readonly foregroundIou: number;
  readonly backgroundIou: number;
  /** Anchors sampled per image (256) and their positive fraction (0.5). */
  readonly batchSizePerImage: number;
  readonly positiveFraction: number;
}

/** A RoI feature extractor: which op (RoIAlign / RoIWarp / RoIPool) and its output size. */
export interface RoiPoolerConfig {
  readonly op: RoiOpConfig;
  /** Bins per side of each RoI's output. */
  readonly outputSize: number;
}

/** FPN box head: two fully connected layers (torchvision's `TwoMLPHead`). */
export interface TwoMlpBoxHeadConfig {
  readonly kind: 'twoMlp';
  readonly representationSize: number;
}

/** C4 box head: the res5 stage on the pooled RoIs, then average pooling. */
export interface Res5BoxHeadConfig {
  readonly kind: 'res5';
}

/**
 * R-CNN's box head: the whole backbone runs on each warped region, its last feature map is
 * averaged over space, then one fc layer with ReLU (R-CNN's fc7) feeds the box predictor.
 */
export interface RegionCnnBoxHeadConfig {
  readonly kind: 'regionCnn';
  readonly representationSize: number;
}

export type BoxHeadConfig = TwoMlpBoxHeadConfig | Res5BoxHeadConfig | RegionCnnBoxHeadConfig;

/**
 * Proposals from outside the network (R-CNN, Fast R-CNN): selective search (Uijlings et al.
 * 2013) on each image, the best-ranked boxes kept.
 */
export interface ExternalProposalsConfig {
  readonly method: 'selectiveSearch';
  /** Selective search preset: `'single'`, `'fast'` (R-CNN's, ~2k boxes on PASCAL) or `'quality'`. */
  readonly strategy: 'single' | 'fast' | 'quality';
  /** Best-ranked proposals used per image in training. */
  readonly trainTopN: number;
  /** Best-ranked proposals used per image at inference. */
  readonly testTopN: number;
  /** Proposals narrower or shorter than this (input pixels) are dropped. */
  readonly minSize: number;
  /**
   * Folder where each image's proposals are kept (keyed by the image's content and the
   * strategy), so they are computed once per image as R-CNN and Fast R-CNN did. Absent: kept in
   * memory only.
   */
  readonly cacheDirectory?: string;
}

/** R-CNN's region warp (Girshick et al. 2014, §2.1 and appendix A). */
export interface RegionWarpConfig {
  /** Side in pixels of the square each region is warped to (227 in the paper). */
  readonly size: number;
  /**
   * Context around the region, in pixels of the warped frame (16 at 227 in the paper); the
   * region is enlarged so that this many pixels of surrounding image show on each side. Image
   * outside the frame is filled with the mean (zero after normalisation).
   */
  readonly contextPadding: number;
  /** Regions per CNN batch at inference (bounds memory; training uses the sampled RoIs). */
  readonly inferenceBatch: number;
}

/** FCN mask head (the paper's Fig. 4 right): 3×3 convs, a 2× deconv and 1×1 mask logits. */
export interface FcnMaskHeadConfig {
  readonly kind: 'fcn';
  /** Channels of each 3×3 conv (4 × 256 in the paper). */
  readonly layers: readonly number[];
  /** Deconv channels. */
  readonly dimReduced: number;
  readonly classAgnostic: boolean;
}

/** MLP mask head (the paper's Table 2e): fully connected layers to K·m² logits. */
export interface MlpMaskHeadConfig {
  readonly kind: 'mlp';
  /** Hidden fc sizes, e.g. `[1024, 1024]`. */
  readonly hiddenSizes: readonly number[];
  /** Output side m. */
  readonly maskResolution: number;
  readonly classAgnostic: boolean;
}

/** C4 mask head (the paper's Fig. 4 left): shares the box head's res5, then deconv + 1×1. */
export interface Res5MaskHeadConfig {
  readonly kind: 'res5';
  readonly dimReduced: number;
  readonly classAgnostic: boolean;
}

export type MaskHeadConfig = FcnMaskHeadConfig | MlpMaskHeadConfig | Res5MaskHeadConfig;

/** The mask branch. */
export interface MaskBranchConfig {
  readonly pooler: RoiPoolerConfig;
  readonly head: MaskHeadConfig;
  /** Independent per-class sigmoid masks (the paper's choice) or a softmax across classes (Table 2b). */
  readonly activation: 'sigmoid' | 'softmax';
}

/** The Mask R-CNN keypoint head (§5): 3×3 convs, a 2× deconv to K logit maps, bilinear 2× upsampling. */
export interface KeypointRcnnHeadConfig {
  readonly kind: 'keypointRcnn';
  /** Channels of each 3×3 conv (8 × 512 in the paper). */
  readonly layers: readonly number[];
}

export type KeypointHeadConfig = KeypointRcnnHeadConfig;

/** The keypoint branch: K one-hot m×m masks, m = 4 × the pooled side (56 for 14×14 RoIs). */
export interface KeypointBranchConfig {
  readonly pooler: RoiPoolerConfig;
  readonly head: KeypointHeadConfig;
  /** Keypoint types K (17 for COCO persons). */
  readonly numKeypoints: number;
}

/** RoI head settings: training targets and inference post-processing. */
export interface RoiHeadsConfig {
  readonly foregroundIou: number;
  readonly backgroundIou: number;
  /** RoIs sampled per image: 512 (FPN) or 64 (C4). */
  readonly batchSizePerImage: number;
  readonly positiveFraction: number;
  readonly boxCoderWeights: readonly [number, number, number, number];
  /** Class-agnostic box regression (one set of deltas for all classes). */
  readonly classAgnosticBoxes: boolean;
  /** Inference: detections need a class probability above this. */
  readonly scoreThreshold: number;
  /** Inference: per-class NMS IoU. */
  readonly nmsThreshold: number;
  /** Inference: detections kept per image (the mask branch runs on these). */
  readonly detectionsPerImage: number;
}

/**
 * A whole detector as plain JSON data: what {@link buildDetector} builds and what checkpoints
 * embed. Make one with {@link rcnn}, {@link fastRcnn}, {@link fasterRcnn}, {@link maskRcnn} or
 * {@link keypointRcnn}; change any part by replacing one field.
 */
export interface DetectorConfig {
  readonly kind: 'rcnn' | 'fastRcnn' | 'fasterRcnn' | 'maskRcnn' | 'keypointRcnn';
  /** Number of classes including background (torchvision's `num_classes`). */
  readonly numClasses: number;
  readonly backbone: BackboneConfig;
  readonly transform: TransformConfig;
  /** The region proposal network; absent for R-CNN and Fast R-CNN, which use {@link DetectorConfig.proposals}. */
  readonly rpn?: RpnConfig;
  /** Proposals from outside the network (R-CNN, Fast R-CNN). */
  readonly proposals?: ExternalProposalsConfig;
  /** R-CNN: each proposal is warped from the image instead of pooled from feature maps. */
  readonly regionWarp?: RegionWarpConfig;
  /** The RoI feature extractor; absent for R-CNN, which warps image regions ({@link DetectorConfig.regionWarp}). */
  readonly boxPooler?: RoiPoolerConfig;
  readonly boxHead: BoxHeadConfig;
  readonly roiHeads: RoiHeadsConfig;
  /** Present for Mask R-CNN. */
  readonly mask?: MaskBranchConfig;
  /** Present for Keypoint R-CNN. */
  readonly keypoint?: KeypointBranchConfig;
  /** Seed of the heads' initial weights (the backbone has its own in its config). */
  readonly seed: number;
}
