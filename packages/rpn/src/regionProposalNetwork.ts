import {
  AnchorGenerator,
  BalancedPositiveNegativeSampler,
  BoxCoder,
  ConfigError,
  type ImageSize,
  type Matcher,
  Module,
  type SeededRandom,
  ShapeError,
} from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { rpnMatcher } from './anchorTargets';
import { filterProposals, type ImageProposals } from './filterProposals';
import { flattenPredictions } from './flattenPredictions';
import { RpnHead } from './rpnHead';
import { type RpnTrainingLoss, rpnTrainingLoss } from './rpnTrainingLoss';

/** Proposal counts for one mode (training or testing). */
export interface ProposalCounts {
  /** Per level and image, before NMS. */
  readonly preNmsTopN: number;
  /** Per image, after NMS. */
  readonly postNmsTopN: number;
}

/** Options of {@link RegionProposalNetwork}; defaults are torchvision's Faster/Mask R-CNN FPN. */
export interface RegionProposalNetworkOptions {
  /** Channels of every feature level. */
  readonly inChannels: number;
  /**
   * Anchor sizes and aspect ratios per level. FPN: `sizes [[32],[64],[128],[256],[512]]`, ratios
   * `[0.5, 1, 2]` on each; C4: one level with the paper's 5 scales × 3 ratios.
   */
  readonly anchors: { sizes: readonly (readonly number[])[]; aspectRatios: readonly (readonly number[])[] };
  /** Default 2000 / 2000 (torchvision FPN training). */
  readonly train?: ProposalCounts;
  /** Default 1000 / 1000 (torchvision FPN testing; the paper's C4 uses 300 after NMS). */
  readonly test?: ProposalCounts;
  /** Default 0.7. */
  readonly nmsThresh?: number;
  /** Default 0. */
  readonly scoreThresh?: number;
  /** Anchor IoU for positives. Default 0.7. */
  readonly fgIouThresh?: number;
  /** Anchor IoU below which anchors are negatives. Default 0.3. */
  readonly bgIouThresh?: number;
  /** Anchors sampled per image for the loss. Default 256. */
  readonly batchSizePerImage?: number;
  /** Default 0.5. */
  readonly positiveFraction?: number;
  /** Shared 3×3 convs in the head. Default 1. */
  readonly convDepth?: number;
  /** Initialises the head. */
  readonly rng: SeededRandom;
}

/** Inputs of {@link RegionProposalNetwork.apply}. */
export interface RpnInput {
  /** Feature maps `[N,H,W,C]`, one per anchor level, in level order. */
  features: readonly tf.Tensor4D[];
  /** `[height, width]` of the padded image batch tensor, in pixels (anchor strides derive from it). */
  imageTensorSize: ImageSize;
  /** `[height, width]` of each image before padding (proposals are clipped to it). */
  imageSizes: readonly ImageSize[];
  /** Training: ground-truth boxes per image (`[G·4]`, x1 y1 x2 y2 in input pixels) enable the loss. */
  gtBoxes?: readonly Float32Array[];
  /** Training mode: picks the training proposal counts. Default false. */
  training?: boolean;
  /** Draws the anchors sampled for the loss (needed with `gtBoxes`). */
  rng?: SeededRandom;
}

/** Outputs of {@link RegionProposalNetwork.apply}; the caller disposes every tensor. */
export interface RpnOutput {
  proposals: ImageProposals[];
  /** Present when `gtBoxes` were given. */
  losses?: RpnTrainingLoss;
}

/**
 * The Region Proposal Network (torchvision's `RegionProposalNetwork`): {@link RpnHead} on every
 * feature level (registered as `head`, so weights are torchvision's `rpn.head.*`), anchors from
 * `AnchorGenerator`, deltas decoded with `BoxCoder(1,1,1,1)`, proposals selected by
 * {@link filterProposals} (proposals are not differentiated, as torchvision detaches them), and
 * with ground truth the training loss of {@link rpnTrainingLoss}.
 */
export class RegionProposalNetwork extends Module {
  readonly head: RpnHead;
  readonly anchorGenerator: AnchorGenerator;
  readonly boxCoder = new BoxCoder([1, 1, 1, 1]);
  readonly matcher: Matcher;
  readonly sampler: BalancedPositiveNegativeSampler;
  readonly train: ProposalCounts;
  readonly test: ProposalCounts;
  readonly nmsThresh: number;
  readonly scoreThresh: number;
  /** torchvision's fixed `min_size` of proposals, in pixels. */
  readonly minSize = 1e-3;

  constructor(options: RegionProposalNetworkOptions) {
    super();
    this.anchorGenerator = new AnchorGenerator(options.anchors);
    const perLocation = this.anchorGenerator.numAnchorsPerLocation();
    if (perLocation.some((a) => a !== perLocation[0])) {
      throw new ConfigError(
        'anchors',
        `every level needs the same number of anchors per location, got [${perLocation}]`,
      );
    }
    this.head = this.addModule(
      'head',
      new RpnHead({
        inChannels: options.inChannels,
        numAnchors: perLocation[0],
        convDepth: options.convDepth,
        rng: options.rng,
      }),
    );
    this.matcher = rpnMatcher(options.fgIouThresh ?? 0.7, options.bgIouThresh ?? 0.3);
    this.sampler = new BalancedPositiveNegativeSampler({
      batchSizePerImage: options.batchSizePerImage ?? 256,
      positiveFraction: options.positiveFraction ?? 0.5,
    });
    this.train = options.train ?? { preNmsTopN: 2000, postNmsTopN: 2000 };
    this.test = options.test ?? { preNmsTopN: 1000, postNmsTopN: 1000 };
    this.nmsThresh = options.nmsThresh ?? 0.7;
    this.scoreThresh = options.scoreThresh ?? 0;
  }

  /**
   * Proposals for a batch (and, given ground truth, the RPN losses). Use inside the function an
   * optimizer differentiates to train the head.
   */
  apply(input: RpnInput): RpnOutput {
    const { features, imageTensorSize, imageSizes } = input;
    if (features.length !== this.anchorGenerator.numLevels) {
      throw new ShapeError(
        'features',
        [this.anchorGenerator.numLevels],
        [features.length],
        'one map per anchor level',
      );
    }
    if (input.gtBoxes != null && input.rng == null) {
      throw new ConfigError('rng', 'training with gtBoxes needs a SeededRandom to sample anchors');
    }
    const counts = input.training ? this.train : this.test;
    const featureSizes = features.map((f) => [f.shape[1], f.shape[2]] as const);
    const anchors = this.anchorGenerator.anchors(imageTensorSize, featureSizes);
    // tidy keeps the tensors nested in the returned object; its types only know plain containers.
    const run = (): RpnOutput => {
      const raw = this.head.apply(features);
      const flat = flattenPredictions(raw.objectness, raw.deltas);
      const [n, t] = flat.objectness.shape;
      const anchorT = tf.tensor2d(anchors, [t, 4]);
      const decoded = this.boxCoder.decode(
        tf.reshape(flat.deltas, [n * t, 4]) as tf.Tensor2D,
        n === 1 ? anchorT : (tf.tile(anchorT, [n, 1]) as tf.Tensor2D),
      );
      const proposals = filterProposals(
        tf.reshape(decoded, [n, t, 4]) as tf.Tensor3D,
        flat.objectness,
        imageSizes,
        flat.numAnchorsPerLevel,
        {
          preNmsTopN: counts.preNmsTopN,
          postNmsTopN: counts.postNmsTopN,
          nmsThresh: this.nmsThresh,
          scoreThresh: this.scoreThresh,
          minSize: this.minSize,
        },
      );
      if (input.gtBoxes == null) return { proposals };
      const losses = rpnTrainingLoss({
        objectness: flat.objectness,
        deltas: flat.deltas,
        anchors,
        gtBoxes: input.gtBoxes,
        rng: input.rng!,
        matcher: this.matcher,
        sampler: this.sampler,
        boxCoder: this.boxCoder,
      });
      return { proposals, losses };
    };
    return tf.tidy(() => run() as unknown as tf.TensorContainer) as unknown as RpnOutput;
  }
}
