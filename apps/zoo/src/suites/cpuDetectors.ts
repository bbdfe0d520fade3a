import { resnetC4, resnetC5, resnetFpn } from '@rcnn/backbones';
import {
  type DetectorConfig,
  fasterRcnn,
  type MaskHeadConfig,
  maskRcnn,
  type RoiPoolerConfig,
} from '@rcnn/model-zoo';
import type { Budget } from './types';

/** Classes of the synthetic dataset: 9 categories plus background. */
export const SYNTHETIC_NUM_CLASSES = 10;

/** Backbone families at CPU size: the paper's layouts with a quarter of the channels. */
export type CpuBackbone =
  | {
      readonly kind: 'fpn';
      readonly depth: 18 | 34 | 50;
      readonly groups?: number;
      readonly widthPerGroup?: number;
    }
  | { readonly kind: 'c4'; readonly depth: 18 | 34 | 50 }
  | { readonly kind: 'c5'; readonly depth: 18 | 34 | 50 };

/** Width multiplier of every CPU backbone (the paper's widths × 1/4). */
export const CPU_WIDTH = 0.25;
/** FPN channels at CPU size (the paper's 256 × 1/8). */
export const CPU_FPN_CHANNELS = 32;

function backbone(b: CpuBackbone, seed: number) {
  const resnet = {
    depth: b.depth,
    widthMultiplier: CPU_WIDTH,
    // Trained from scratch: nothing frozen, BatchNorm frozen at its initial statistics (an
    // identity map) as the paper does for fine-tuning. Measured at the quick budget
    // (bench/detector/quickRecipe.bench.ts): trainable BatchNorm (and a GroupNorm prototype) gave
    // no better AP within 250–600 iterations and a trainable BatchNorm, which cannot be folded
    // into its convolution, costs ~15% more per iteration.
    frozenStages: 0,
    norm: 'frozen' as const,
    seed,
  };
  if (b.kind === 'fpn') {
    return resnetFpn({
      ...resnet,
      ...(b.groups ? { groups: b.groups, widthPerGroup: b.widthPerGroup ?? 4 } : {}),
      outChannels: CPU_FPN_CHANNELS,
    });
  }
  return b.kind === 'c4' ? resnetC4(resnet) : resnetC5(resnet);
}

/** Options of {@link cpuDetector}. */
export interface CpuDetectorOptions {
  readonly kind: 'fasterRcnn' | 'maskRcnn';
  readonly backbone: CpuBackbone;
  /** Box (and, unless `maskPooler` is given, mask) RoI op. */
  readonly pooler: (outputSize: number) => RoiPoolerConfig;
  readonly maskPooler?: (outputSize: number) => RoiPoolerConfig;
  readonly maskHead?: MaskHeadConfig;
  readonly maskActivation?: 'sigmoid' | 'softmax';
}

/**
 * A paper detector scaled to the synthetic data and 2 CPU cores: images at `budget.imageSize`,
 * anchors 8–128 px (the objects are 8 px up to 80% of the image), fewer proposals and sampled
 * RoIs, 1/4-width ResNet, FPN with 32 channels, heads with 1/8 of the paper's widths. Every
 * choice the paper ablates (RoI op, mask head, activation, backbone) stays a single field.
 */
export function cpuDetector(budget: Budget, o: CpuDetectorOptions): DetectorConfig {
  const fpn = o.backbone.kind === 'fpn';
  const c4 = o.backbone.kind === 'c4';
  const size = budget.imageSize;
  const common = {
    numClasses: SYNTHETIC_NUM_CLASSES,
    backbone: backbone(o.backbone, budget.seed),
    transform: { minSize: size, maxSize: size },
    rpn: {
      anchorSizes: fpn ? [[8], [16], [32], [64], [128]] : [[8, 16, 32, 64, 128]],
      aspectRatios: fpn
        ? [
            [0.5, 1, 2],
            [0.5, 1, 2],
            [0.5, 1, 2],
            [0.5, 1, 2],
            [0.5, 1, 2],
          ]
        : [[0.5, 1, 2]],
      train: { preNmsTopN: 300, postNmsTopN: 150 },
      test: { preNmsTopN: 150, postNmsTopN: fpn ? 100 : 50 },
      batchSizePerImage: 128,
    },
    boxPooler: o.pooler(c4 ? 14 : 7),
    ...(c4 ? {} : { boxHead: { kind: 'twoMlp' as const, representationSize: 128 } }),
    roiHeads: { batchSizePerImage: fpn ? 64 : 32, detectionsPerImage: 50 },
    seed: budget.seed,
  };
  if (o.kind === 'fasterRcnn') return fasterRcnn(common);
  const maskHead: MaskHeadConfig =
    o.maskHead ??
    (c4
      ? { kind: 'res5', dimReduced: 32, classAgnostic: false }
      : { kind: 'fcn', layers: [32, 32, 32, 32], dimReduced: 32, classAgnostic: false });
  return maskRcnn({
    ...common,
    maskHead,
    // The C4 mask head runs res5 on the box pooler's output, so both poolers must agree.
    maskPooler: (o.maskPooler ?? o.pooler)(14),
    maskActivation: o.maskActivation ?? 'sigmoid',
  });
}
