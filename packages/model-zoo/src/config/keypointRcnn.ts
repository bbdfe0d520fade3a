import { ConfigError } from '@rcnn/core';
import type { DetectorConfig, KeypointRcnnHeadConfig, RoiPoolerConfig } from './detectorConfig';
import { fasterRcnn, type MaskRcnnOptions, maskRcnn, roiAlignPooler } from './factories';

/** The paper's keypoint head (§5): `layers` 3×3 convs (default eight of 512), deconv, 2× upsampling. */
export function keypointRcnnHead(options: { layers?: readonly number[] } = {}): KeypointRcnnHeadConfig {
  return { kind: 'keypointRcnn', layers: options.layers ?? [512, 512, 512, 512, 512, 512, 512, 512] };
}

/** Options of {@link keypointRcnn}: {@link MaskRcnnOptions} with the keypoint branch's fields. */
export interface KeypointRcnnOptions extends Omit<MaskRcnnOptions, 'numClasses'> {
  /** Classes including background. Default 2 (background, person), torchvision's. */
  readonly numClasses?: number;
  /** Keypoint types K. Default 17 (COCO persons). */
  readonly numKeypoints?: number;
  /** Default RoIAlign 14×14, sampling ratio 2 (torchvision's `keypoint_roi_pool`). */
  readonly keypointPooler?: RoiPoolerConfig;
  readonly keypointHead?: KeypointRcnnHeadConfig;
}

/**
 * A Keypoint R-CNN config (Mask R-CNN §5): {@link fasterRcnn} plus the keypoint branch, whose
 * head turns each positive RoI's pooled 14×14 features into K heatmaps of 56×56 (one-hot
 * targets, spatial softmax loss). Defaults are torchvision's `keypointrcnn_resnet50_fpn`
 * (2 classes, 17 keypoints, RoIAlign 14×14, eight convs of 512). Keypoint-only unless a
 * `maskHead` (or `maskPooler` / `maskActivation`) is given: then the mask branch of
 * {@link maskRcnn} runs beside it (keypoint & mask, the paper's Tables 4 and 5).
 */
export function keypointRcnn(options: KeypointRcnnOptions): DetectorConfig {
  const numKeypoints = options.numKeypoints ?? 17;
  if (!Number.isInteger(numKeypoints) || numKeypoints < 1) {
    throw new ConfigError('numKeypoints', `expected a positive integer, got ${numKeypoints}`);
  }
  const head = options.keypointHead ?? keypointRcnnHead();
  if (head.kind !== 'keypointRcnn') {
    throw new ConfigError(
      'keypointHead.kind',
      `unknown keypoint head ${JSON.stringify((head as { kind: unknown }).kind)}`,
    );
  }
  const full = { ...options, numClasses: options.numClasses ?? 2 };
  const withMask =
    options.maskHead !== undefined ||
    options.maskPooler !== undefined ||
    options.maskActivation !== undefined;
  const base = withMask ? maskRcnn(full) : fasterRcnn(full);
  return {
    ...base,
    kind: 'keypointRcnn',
    keypoint: {
      pooler: options.keypointPooler ?? roiAlignPooler({ outputSize: 14, samplingRatio: 2 }),
      head,
      numKeypoints,
    },
  };
}
