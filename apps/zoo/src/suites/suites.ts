import { roiAlignPooler, roiPoolPooler, roiWarpPooler } from '@rcnn/model-zoo';
import { UsageError } from '../cli/usageError';
import { type CpuBackbone, cpuDetector } from './cpuDetectors';
import { cpuFastRcnn, cpuKeypointRcnn, cpuRcnn } from './familyDetectors';
import type { Budget, SuiteSpec, VariantSpec } from './types';

/**
 * The scenes of the zoo's suites: 1–4 objects of at least 16 px per image and no crowd regions
 * (the generator's defaults draw 2–9 objects from 8 px and crowds). At the quick budget the
 * CPU-sized detectors reach about twice the box AP and five times the mask AP on these scenes
 * than on the default ones (`bench/detector/quickRecipe.bench.ts --data=...`), so the tables
 * compare detectors that already localise instead of ones near initialisation.
 */
export const ZOO_SCENE: Budget['scene'] = {
  minObjects: 1,
  maxObjects: 4,
  minObjectSize: 16,
  crowdProbability: 0,
};

/** The quick suite's budget: ≤ 15 minutes on 2 cores including the dataset. */
export const QUICK_BUDGET: Budget = {
  imageSize: 160,
  trainImages: 400,
  valImages: 50,
  iterations: 700,
  batchSize: 2,
  baseLearningRate: 0.02,
  warmupIterations: 100,
  datasetSeed: 0,
  scene: ZOO_SCENE,
  seed: 0,
  gridImages: 4,
  pretrainIterations: 1000,
};

/**
 * The paper-table suites' budget: the quick suite's scenes and pretrained trunk (the same
 * pretraining set, so the R18 trunk is pretrained once for all suites), 2.5× the training images,
 * twice the val images (less noisy AP), more iterations.
 */
export const FULL_BUDGET: Budget = {
  imageSize: 160,
  trainImages: 1000,
  valImages: 100,
  iterations: 800,
  batchSize: 2,
  baseLearningRate: 0.02,
  warmupIterations: 100,
  datasetSeed: 0,
  scene: ZOO_SCENE,
  seed: 0,
  gridImages: 4,
  pretrainIterations: 1000,
};

/** A smoke budget: a few iterations on a handful of the smallest images. */
export const MICRO_BUDGET: Budget = {
  imageSize: 128,
  trainImages: 4,
  valImages: 2,
  iterations: 2,
  batchSize: 1,
  baseLearningRate: 0.01,
  warmupIterations: 0,
  datasetSeed: 0,
  scene: {},
  seed: 0,
  gridImages: 2,
  pretrainIterations: 0,
};

const FPN18: CpuBackbone = { kind: 'fpn', depth: 18 };
const C4_18: CpuBackbone = { kind: 'c4', depth: 18 };
const C5_18: CpuBackbone = { kind: 'c5', depth: 18 };

const align = (aggregation: 'max' | 'avg') => (outputSize: number) =>
  roiAlignPooler({ outputSize, samplingRatio: 2, aggregation });
const warp = (aggregation: 'max' | 'avg') => (outputSize: number) =>
  roiWarpPooler({ outputSize, samplingRatio: 2, aggregation });
const pool = (outputSize: number) => roiPoolPooler({ outputSize });

function maskVariant(
  id: string,
  label: string,
  backbone: CpuBackbone,
  pooler: (s: number) => ReturnType<typeof pool>,
  relativeCost: number,
  extra: Partial<Parameters<typeof cpuDetector>[1]> = {},
): VariantSpec {
  return {
    id,
    label,
    relativeCost,
    build: (b) => cpuDetector(b, { kind: 'maskRcnn', backbone, pooler, ...extra }),
  };
}

function fasterVariant(
  id: string,
  label: string,
  backbone: CpuBackbone,
  pooler: (s: number) => ReturnType<typeof pool>,
  relativeCost: number,
): VariantSpec {
  return { id, label, relativeCost, build: (b) => cpuDetector(b, { kind: 'fasterRcnn', backbone, pooler }) };
}

const quick: SuiteSpec = {
  name: 'quick',
  description: 'RoIPool vs RoIWarp vs RoIAlign (Mask R-CNN, R18-FPN) and Faster vs Mask R-CNN',
  budget: QUICK_BUDGET,
  variants: [
    maskVariant('mask-roipool', 'RoIPool', FPN18, pool, 1.6),
    maskVariant('mask-roiwarp', 'RoIWarp (avg)', FPN18, warp('avg'), 1.6),
    maskVariant('mask-roialign', 'RoIAlign (avg)', FPN18, align('avg'), 1),
    fasterVariant('faster-roialign', 'Faster R-CNN, RoIAlign', FPN18, align('avg'), 0.7),
  ],
  tables: [
    {
      id: 'roi',
      title: 'RoI layer, mask AP (R18-FPN ×1/4)',
      paperTable: 'Table 2c',
      metric: 'mask',
      rows: ['mask-roipool', 'mask-roiwarp', 'mask-roialign'],
      paper: [
        { ap: 26.9, ap50: 48.8, ap75: 26.4 },
        { ap: 27.1, ap50: 48.9, ap75: 27.1 },
        { ap: 30.3, ap50: 51.2, ap75: 31.5 },
      ],
      paperFinding: 'RoIAlign beats RoIPool by +3.4 AP; RoIWarp (bilinear, still quantised) barely helps',
    },
    {
      id: 'detection',
      title: 'Faster vs Mask R-CNN, box AP (R18-FPN ×1/4)',
      paperTable: 'Table 3',
      metric: 'box',
      rows: ['faster-roialign', 'mask-roialign'],
      rowLabels: ['Faster R-CNN, RoIAlign', 'Mask R-CNN, RoIAlign'],
      paper: [
        { ap: 37.3, ap50: 59.6, ap75: 40.3 },
        { ap: 38.2, ap50: 60.3, ap75: 41.7 },
      ],
      paperFinding: 'training with the mask branch adds +0.9 box AP (multitask training)',
    },
  ],
};

const roi: SuiteSpec = {
  name: 'roi',
  description: 'Table 2c (RoI layers, C4 stride 16) and Table 2d (C5 stride 32: RoIPool vs RoIAlign)',
  budget: FULL_BUDGET,
  variants: [
    maskVariant('c4-roipool', 'RoIPool (max)', C4_18, pool, 2),
    maskVariant('c4-roiwarp-max', 'RoIWarp (max)', C4_18, warp('max'), 2),
    maskVariant('c4-roiwarp-avg', 'RoIWarp (avg)', C4_18, warp('avg'), 2),
    maskVariant('c4-roialign-max', 'RoIAlign (max)', C4_18, align('max'), 1.6),
    maskVariant('c4-roialign-avg', 'RoIAlign (avg)', C4_18, align('avg'), 1.6),
    maskVariant('c5-roipool', 'C5 stride 32, RoIPool', C5_18, pool, 1.4),
    maskVariant('c5-roialign', 'C5 stride 32, RoIAlign', C5_18, align('avg'), 0.9),
  ],
  tables: [
    {
      id: 'roi-c4',
      title: 'RoI layer, mask AP (R18-C4 ×1/4, stride 16)',
      paperTable: 'Table 2c',
      metric: 'mask',
      rows: ['c4-roipool', 'c4-roiwarp-max', 'c4-roiwarp-avg', 'c4-roialign-max', 'c4-roialign-avg'],
      paper: [
        { ap: 26.9, ap50: 48.8, ap75: 26.4 },
        { ap: 27.2, ap50: 49.2, ap75: 27.1 },
        { ap: 27.1, ap50: 48.9, ap75: 27.1 },
        { ap: 30.2, ap50: 51.0, ap75: 31.8 },
        { ap: 30.3, ap50: 51.2, ap75: 31.5 },
      ],
      paperFinding:
        'alignment is the only factor behind the gap: RoIAlign +3.3 over RoIPool, max vs avg do not matter',
    },
    {
      id: 'roi-c5-mask',
      title: 'Large stride, mask AP (R18-C5 ×1/4, stride 32)',
      paperTable: 'Table 2d',
      metric: 'mask',
      rows: ['c5-roipool', 'c5-roialign'],
      paper: [
        { ap: 23.6, ap50: 46.5, ap75: 21.6 },
        { ap: 30.9, ap50: 51.8, ap75: 32.1 },
      ],
      paperFinding: 'at stride 32 RoIAlign gains +7.3 mask AP, most at high IoU (+10.5 AP75)',
    },
    {
      id: 'roi-c5-box',
      title: 'Large stride, box AP (R18-C5 ×1/4, stride 32)',
      paperTable: 'Table 2d',
      metric: 'box',
      rows: ['c5-roipool', 'c5-roialign'],
      paper: [
        { ap: 28.2, ap50: 52.7, ap75: 26.9 },
        { ap: 34.0, ap50: 55.3, ap75: 36.4 },
      ],
      paperFinding: 'RoIAlign also gains +5.8 box AP at stride 32',
    },
  ],
};

const maskLoss: SuiteSpec = {
  name: 'mask-loss',
  description: 'Table 2b (softmax vs sigmoid masks) and class-specific vs class-agnostic masks (C4)',
  budget: FULL_BUDGET,
  variants: [
    maskVariant('sigmoid', 'sigmoid, class-specific', C4_18, align('avg'), 1.6),
    maskVariant('softmax', 'softmax', C4_18, align('avg'), 1.6, { maskActivation: 'softmax' }),
    maskVariant('agnostic', 'sigmoid, class-agnostic', C4_18, align('avg'), 1.6, {
      maskHead: { kind: 'res5', dimReduced: 32, classAgnostic: true },
    }),
  ],
  tables: [
    {
      id: 'activation',
      title: 'Multinomial vs independent masks, mask AP (R18-C4 ×1/4)',
      paperTable: 'Table 2b',
      metric: 'mask',
      rows: ['softmax', 'sigmoid'],
      rowLabels: ['softmax', 'sigmoid'],
      paper: [
        { ap: 24.8, ap50: 44.1, ap75: 25.1 },
        { ap: 30.3, ap50: 51.2, ap75: 31.5 },
      ],
      paperFinding: 'independent sigmoid masks beat a softmax across classes by +5.5 AP',
    },
    {
      id: 'agnostic',
      title: 'Class-specific vs class-agnostic masks, mask AP (R18-C4 ×1/4)',
      paperTable: 'Section 4.2',
      metric: 'mask',
      rows: ['sigmoid', 'agnostic'],
      rowLabels: ['class-specific', 'class-agnostic'],
      paper: [{ ap: 30.3 }, { ap: 29.7 }],
      paperFinding: 'a class-agnostic mask is nearly as good (-0.6 AP)',
    },
  ],
};

const maskHeadSuite: SuiteSpec = {
  name: 'mask-head',
  description: 'Table 2e: MLP vs FCN mask heads (FPN)',
  budget: FULL_BUDGET,
  variants: [
    maskVariant('mlp-2fc', 'MLP fc, fc', FPN18, align('avg'), 1, {
      maskHead: { kind: 'mlp', hiddenSizes: [128, 128], maskResolution: 28, classAgnostic: false },
    }),
    maskVariant('mlp-3fc', 'MLP fc, fc, fc', FPN18, align('avg'), 1, {
      maskHead: { kind: 'mlp', hiddenSizes: [128, 128, 128], maskResolution: 28, classAgnostic: false },
    }),
    maskVariant('fcn', 'FCN conv ×4, deconv', FPN18, align('avg'), 1),
  ],
  tables: [
    {
      id: 'mask-head',
      title: 'Mask head, mask AP (R18-FPN ×1/4, widths ×1/8)',
      paperTable: 'Table 2e',
      metric: 'mask',
      rows: ['mlp-2fc', 'mlp-3fc', 'fcn'],
      paper: [
        { ap: 31.5, ap50: 53.7, ap75: 32.8 },
        { ap: 31.5, ap50: 54.0, ap75: 32.6 },
        { ap: 33.6, ap50: 55.2, ap75: 35.3 },
      ],
      paperFinding: 'the fully convolutional head keeps the spatial layout and gains +2.1 AP over MLPs',
    },
  ],
};

const backboneSuite: SuiteSpec = {
  name: 'backbone',
  description: 'Table 2a: C4 vs FPN, depth, ResNeXt (all at 1/4 width)',
  budget: FULL_BUDGET,
  variants: [
    maskVariant('r18-c4', 'R18-C4', C4_18, align('avg'), 1.6),
    maskVariant('r34-c4', 'R34-C4', { kind: 'c4', depth: 34 }, align('avg'), 2.4),
    maskVariant('r18-fpn', 'R18-FPN', FPN18, align('avg'), 1),
    maskVariant('r34-fpn', 'R34-FPN', { kind: 'fpn', depth: 34 }, align('avg'), 1.6),
    maskVariant('r50-fpn', 'R50-FPN', { kind: 'fpn', depth: 50 }, align('avg'), 2.2),
    maskVariant(
      'x50-fpn',
      'ResNeXt-50 8×16d-FPN',
      { kind: 'fpn', depth: 50, groups: 8, widthPerGroup: 16 },
      align('avg'),
      2.8,
    ),
  ],
  tables: [
    {
      id: 'backbone',
      title: 'Backbone, mask AP (widths ×1/4; R18/R34 stand for R50/R101, X50 for X101)',
      paperTable: 'Table 2a',
      metric: 'mask',
      rows: ['r18-c4', 'r34-c4', 'r18-fpn', 'r34-fpn', 'r50-fpn', 'x50-fpn'],
      paper: [
        { ap: 30.3, ap50: 51.2, ap75: 31.5 },
        { ap: 32.7, ap50: 54.2, ap75: 34.3 },
        { ap: 33.6, ap50: 55.2, ap75: 35.3 },
        { ap: 35.4, ap50: 57.3, ap75: 37.5 },
        null,
        { ap: 36.7, ap50: 59.5, ap75: 38.9 },
      ],
      paperFinding: 'deeper helps, FPN helps more than depth, ResNeXt helps further',
    },
  ],
};

const detection: SuiteSpec = {
  name: 'detection',
  description: 'Table 3: Faster R-CNN RoIPool, Faster R-CNN RoIAlign, Mask R-CNN (box AP, FPN)',
  budget: FULL_BUDGET,
  variants: [
    fasterVariant('faster-roipool', 'Faster R-CNN, RoIPool', FPN18, pool, 1.1),
    fasterVariant('faster-roialign', 'Faster R-CNN, RoIAlign', FPN18, align('avg'), 0.7),
    maskVariant('mask-roialign', 'Mask R-CNN', FPN18, align('avg'), 1),
  ],
  tables: [
    {
      id: 'detection',
      title: 'Object detection, box AP (R18-FPN ×1/4)',
      paperTable: 'Table 3',
      metric: 'box',
      rows: ['faster-roipool', 'faster-roialign', 'mask-roialign'],
      paper: [
        { ap: 36.2, ap50: 59.1, ap75: 39.0 },
        { ap: 37.3, ap50: 59.6, ap75: 40.3 },
        { ap: 38.2, ap50: 60.3, ap75: 41.7 },
      ],
      paperFinding: 'RoIAlign +1.1 box AP, multitask training with masks +0.9 more',
    },
  ],
};

function familyVariant(
  id: string,
  label: string,
  relativeCost: number,
  build: VariantSpec['build'],
): VariantSpec {
  return { id, label, relativeCost, build };
}

const RCNN_VARIANT = familyVariant('rcnn', 'R-CNN', 2.7, (b) => cpuRcnn(b));
const FAST_RCNN_VARIANT = familyVariant('fast-rcnn', 'Fast R-CNN, RoIPool', 1.3, (b) =>
  cpuFastRcnn(b, FPN18, pool),
);
const KP_MASK_VARIANT = familyVariant('kp-mask', 'Keypoint R-CNN, keypoint & mask', 4.2, (b) =>
  cpuKeypointRcnn(b, FPN18, { pooler: align('avg'), withMask: true }),
);

const GENERATIONS_FINDING =
  'each generation is faster and more accurate: R-CNN 66.0 mAP at 47 s/image, Fast R-CNN 66.9 at ' +
  '0.32 s (+ ~2 s of selective search), Faster R-CNN 69.9 at 0.2 s (VOC 2007, VGG16, one GPU); ' +
  'Mask R-CNN adds masks at ~5 fps';

const generations: SuiteSpec = {
  name: 'generations',
  description: 'R-CNN vs Fast R-CNN vs Faster R-CNN vs Mask R-CNN: box AP, mask AP, seconds per image',
  budget: FULL_BUDGET,
  variants: [
    RCNN_VARIANT,
    FAST_RCNN_VARIANT,
    fasterVariant('faster-roipool', 'Faster R-CNN, RoIPool', FPN18, pool, 1.1),
    maskVariant('mask-roialign', 'Mask R-CNN, RoIAlign', FPN18, align('avg'), 1),
  ],
  tables: [
    {
      id: 'generations',
      title: 'The R-CNN family, box AP (ResNet-18 ×1/4)',
      paperTable: 'the lineage',
      metric: 'box',
      speed: true,
      rows: ['rcnn', 'fast-rcnn', 'faster-roipool', 'mask-roialign'],
      paper: [null, null, null, null],
      paperFinding: GENERATIONS_FINDING,
    },
  ],
};

const KEYPOINT_TABLE_4 = [
  { ap: 62.7, ap50: 87.0, ap75: 68.4 },
  { ap: 63.1, ap50: 87.3, ap75: 68.7 },
];

const keypoints: SuiteSpec = {
  name: 'keypoints',
  description: 'Tables 4–6: keypoint-only vs keypoint & mask; RoIPool vs RoIAlign for keypoints',
  budget: FULL_BUDGET,
  variants: [
    familyVariant('kp-only', 'Keypoint R-CNN, keypoint-only', 3.4, (b) =>
      cpuKeypointRcnn(b, FPN18, { pooler: align('avg'), withMask: false }),
    ),
    KP_MASK_VARIANT,
    familyVariant('kp-roipool', 'Keypoint R-CNN, RoIPool', 2.3, (b) =>
      cpuKeypointRcnn(b, FPN18, { pooler: pool, withMask: false }),
    ),
  ],
  tables: [
    {
      id: 'multitask',
      title: 'Keypoint-only vs keypoint & mask, keypoint AP (R18-FPN ×1/4)',
      paperTable: 'Tables 4 and 5',
      metric: 'keypoints',
      rows: ['kp-only', 'kp-mask'],
      paper: KEYPOINT_TABLE_4,
      paperFinding: 'keypoints gain from multitask training with masks (+0.4 AP^kp, test-dev)',
    },
    {
      id: 'keypoint-roi',
      title: 'RoIPool vs RoIAlign, keypoint AP (R18-FPN ×1/4)',
      paperTable: 'Table 6',
      metric: 'keypoints',
      rows: ['kp-roipool', 'kp-only'],
      rowLabels: ['RoIPool', 'RoIAlign'],
      paper: [
        { ap: 59.8, ap50: 86.2, ap75: 66.7 },
        { ap: 64.2, ap50: 86.6, ap75: 69.7 },
      ],
      paperFinding: 'RoIAlign +4.4 AP^kp over RoIPool: keypoints need exact localisation',
    },
  ],
};

const micro: SuiteSpec = {
  name: 'micro',
  description: 'smoke test: two tiny variants, two iterations each (checks the pipeline, not the models)',
  budget: MICRO_BUDGET,
  smoke: true,
  variants: [
    fasterVariant('faster-roipool', 'Faster R-CNN, RoIPool', FPN18, pool, 0.7),
    maskVariant('mask-roialign', 'Mask R-CNN, RoIAlign', FPN18, align('avg'), 1),
  ],
  tables: [
    {
      id: 'micro',
      title: 'Smoke test, box AP',
      paperTable: 'Table 3',
      metric: 'box',
      rows: ['faster-roipool', 'mask-roialign'],
      paper: [{ ap: 36.2 }, { ap: 38.2 }],
      paperFinding: 'not meaningful: two iterations',
    },
  ],
};

const microFamily: SuiteSpec = {
  name: 'micro-family',
  description: 'smoke test: R-CNN, Fast R-CNN and Keypoint R-CNN with masks, two iterations each',
  budget: MICRO_BUDGET,
  smoke: true,
  variants: [RCNN_VARIANT, FAST_RCNN_VARIANT, KP_MASK_VARIANT],
  tables: [
    {
      id: 'generations',
      title: 'Smoke test, box AP',
      paperTable: 'the lineage',
      metric: 'box',
      speed: true,
      rows: ['rcnn', 'fast-rcnn', 'kp-mask'],
      paper: [null, null, null],
      paperFinding: 'not meaningful: two iterations',
    },
  ],
};

/** Every suite, in the order `zoo suites` lists them. */
export const SUITES: readonly SuiteSpec[] = [
  quick,
  roi,
  maskLoss,
  maskHeadSuite,
  backboneSuite,
  detection,
  generations,
  keypoints,
  micro,
  microFamily,
];

/** The suite called `name`; a {@link UsageError} listing the names otherwise. */
export function findSuite(name: string): SuiteSpec {
  const suite = SUITES.find((s) => s.name === name);
  if (!suite) {
    throw new UsageError(
      `unknown suite '${name}'`,
      `choose one of ${SUITES.map((s) => s.name).join(', ')} (run 'zoo suites' for details)`,
    );
  }
  return suite;
}

/**
 * A variant by `suite/variant` or by a bare variant id when only one suite has it (the default
 * suite `quick` wins ties).
 */
export function findVariant(name: string, suiteName?: string): { suite: SuiteSpec; variant: VariantSpec } {
  const [s, v] = name.includes('/') ? name.split('/', 2) : [suiteName, name];
  const candidates = (s ? [findSuite(s)] : SUITES).flatMap((suite) =>
    suite.variants.filter((x) => x.id === v).map((variant) => ({ suite, variant })),
  );
  if (candidates.length === 0) {
    const all = (s ? [findSuite(s)] : SUITES.filter((x) => !x.smoke)).flatMap((x) =>
      x.variants.map((y) => `${x.name}/${y.id}`),
    );
    throw new UsageError(`unknown variant '${name}'`, `choose one of ${all.join(', ')}`);
  }
  if (candidates.length > 1) {
    const quickOne = candidates.find((c) => c.suite.name === 'quick');
    if (quickOne) return quickOne;
    throw new UsageError(
      `variant '${name}' is in several suites`,
      `name it as ${candidates.map((c) => `${c.suite.name}/${c.variant.id}`).join(' or ')}`,
    );
  }
  return candidates[0];
}
