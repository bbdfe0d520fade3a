import { type DetectorConfig, type RoiPoolerConfig, selectiveSearchProposals } from '@rcnn/model-zoo';
import { type CpuBackbone, cpuDetector } from './cpuDetectors';
import type { Budget } from './types';

/**
 * Selective search for the zoo's small images: the "fast" strategy (~500 boxes on a 160 px
 * synthetic image, ~0.35 s each on one core), all of them in training, the best 300 at test.
 * The boxes are cached per image beside the dataset by the runner (see `withProposalCache`).
 */
function zooProposals() {
  return selectiveSearchProposals({ strategy: 'fast', trainTopN: 1000, testTopN: 300, minSize: 4 });
}

/**
 * Fast R-CNN at CPU size: the zoo's Faster R-CNN with its RPN replaced by selective-search
 * proposals (same backbone, RoI op and head), so the two rows differ only in where proposals
 * come from, as between the two papers.
 */
export function cpuFastRcnn(
  budget: Budget,
  backbone: CpuBackbone,
  pooler: (outputSize: number) => RoiPoolerConfig,
): DetectorConfig {
  const { rpn: _rpn, ...base } = cpuDetector(budget, { kind: 'fasterRcnn', backbone, pooler });
  return { ...base, kind: 'fastRcnn', proposals: zooProposals() };
}

/**
 * R-CNN at CPU size: the zoo's ResNet-18 trunk (C5, same width and normalisation as the other
 * rows) run on each selective-search region, warped to 64 × 64 px with 4 px of context (R-CNN's
 * 227 px and 16 px, scaled like our images are to the paper's), an fc of 128 then softmax and
 * class-specific box regression; 32 regions per image in training (25% foreground).
 */
export function cpuRcnn(budget: Budget): DetectorConfig {
  const base = cpuDetector(budget, {
    kind: 'fasterRcnn',
    backbone: { kind: 'c5', depth: 18 },
    pooler: (outputSize) => ({ op: { kind: 'pool' }, outputSize }),
  });
  const { rpn: _rpn, boxPooler: _pooler, ...rest } = base;
  return {
    ...rest,
    kind: 'rcnn',
    boxHead: { kind: 'regionCnn', representationSize: 128 },
    proposals: zooProposals(),
    regionWarp: { size: 64, contextPadding: 4, inferenceBatch: 100 },
    roiHeads: { ...rest.roiHeads, batchSizePerImage: 32 },
  };
}

/** Options of {@link cpuKeypointRcnn}. */
export interface CpuKeypointOptions {
  readonly pooler: (outputSize: number) => RoiPoolerConfig;
  /** Add the mask branch (the paper's "keypoint & mask"). */
  readonly withMask: boolean;
}

/**
 * Keypoint R-CNN at CPU size (Mask R-CNN §5): the zoo's R18-FPN detector over all synthetic
 * classes plus the keypoint head (8 × conv3×3 at 1/8 of the paper's 512 channels, deconv and 2×
 * upsampling to 56 × 56 heatmaps, 17 keypoints); only person instances carry visible keypoints,
 * so only RoIs on persons train the keypoint branch, as on COCO.
 */
export function cpuKeypointRcnn(
  budget: Budget,
  backbone: CpuBackbone,
  o: CpuKeypointOptions,
): DetectorConfig {
  const base = cpuDetector(budget, {
    kind: o.withMask ? 'maskRcnn' : 'fasterRcnn',
    backbone,
    pooler: o.pooler,
  });
  return {
    ...base,
    kind: 'keypointRcnn',
    keypoint: {
      pooler: o.pooler(14),
      head: { kind: 'keypointRcnn', layers: [64, 64, 64, 64, 64, 64, 64, 64] },
      numKeypoints: 17,
    },
  };
}

/**
 * The config with its external proposals cached under `<datasetRoot>/proposals`, so each image's
 * selective search runs once for all variants and runs (configs without them are returned as is).
 */
export function withProposalCache(config: DetectorConfig, datasetRoot: string): DetectorConfig {
  if (config.proposals === undefined) return config;
  return { ...config, proposals: { ...config.proposals, cacheDirectory: `${datasetRoot}/proposals` } };
}
