import { resnetFpn } from '@rcnn/backbones';
import { type DetectorConfig, maskRcnn } from '../../src/index';

/** A CPU-sized Mask R-CNN for tests: R18-FPN at quarter width with one block per stage, 96 px input. */
export function tinyMaskRcnnConfig(numClasses = 9): DetectorConfig {
  return maskRcnn({
    numClasses,
    backbone: resnetFpn({
      depth: 18,
      stageDepths: [1, 1, 1, 1],
      widthMultiplier: 0.25,
      outChannels: 32,
      norm: 'frozen',
      seed: 3,
    }),
    transform: { minSize: 96, maxSize: 96 },
    rpn: {
      train: { preNmsTopN: 150, postNmsTopN: 60 },
      test: { preNmsTopN: 100, postNmsTopN: 40 },
      batchSizePerImage: 64,
    },
    boxHead: { kind: 'twoMlp', representationSize: 48 },
    maskHead: { kind: 'fcn', layers: [16], dimReduced: 16, classAgnostic: false },
    roiHeads: { batchSizePerImage: 32, detectionsPerImage: 20 },
    seed: 5,
  });
}
