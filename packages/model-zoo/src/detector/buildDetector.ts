import { type Backbone, buildBackbone, resnetRes5Head } from '@rcnn/backbones';
import { ConfigError, type Module, SeededRandom } from '@rcnn/core';
import {
  type BoxHead,
  C4BoxHead,
  C4MaskHead,
  FastRcnnPredictor,
  FcnMaskHead,
  KeypointRcnnHead,
  type MaskHead,
  MlpMaskHead,
  TwoMlpHead,
} from '@rcnn/heads';
import { type RoiPooler, roiPooler } from '@rcnn/roi-ops';
import { RegionProposalNetwork } from '@rcnn/rpn';
import type {
  DetectorConfig,
  ExternalProposalsConfig,
  RegionWarpConfig,
  RoiPoolerConfig,
} from '../config/detectorConfig';
import { ExternalProposals } from './externalProposals';
import { GeneralizedRcnn } from './generalizedRcnn';
import { KeypointBranch } from './keypointBranch';
import { ImageAsFeatures, RegionCnnHead, RegionWarpPooler } from './regionCnn';
import { RoiHeads } from './roiHeads';

/**
 * Feature maps the RoI poolers read: every backbone output except FPN's max-pooled extra level
 * (torchvision pools from `'0'…'3'`, never `'pool'`).
 */
function poolerFeatures(backbone: Backbone, config: DetectorConfig): string[] {
  const names = Object.keys(backbone.outputs);
  if (
    config.backbone.kind === 'resnetFpn' &&
    config.backbone.lastLevelMaxPool !== false &&
    names.length > 1
  ) {
    return names.slice(0, -1);
  }
  return names;
}

function makePooler(backbone: Backbone, names: string[], config: RoiPoolerConfig) {
  return roiPooler({
    featureNames: names,
    strides: names.map((n) => backbone.outputs[n].stride),
    outputSize: config.outputSize,
    op: config.op,
  });
}

/** Check that a config's parts fit its kind (R-CNN and Fast R-CNN need external proposals, the others an RPN). */
function checkKind(config: DetectorConfig): void {
  const kinds = ['rcnn', 'fastRcnn', 'fasterRcnn', 'maskRcnn', 'keypointRcnn'];
  if (!kinds.includes(config.kind)) {
    throw new ConfigError('kind', `expected one of ${kinds.join(', ')}, got ${JSON.stringify(config.kind)}`);
  }
  const external = config.kind === 'rcnn' || config.kind === 'fastRcnn';
  if (external) {
    if (config.proposals === undefined)
      throw new ConfigError('proposals', `${config.kind} needs external proposals (e.g. selective search)`);
    if (config.rpn !== undefined)
      throw new ConfigError('rpn', `${config.kind} takes external proposals and has no RPN`);
    if (config.mask || config.keypoint)
      throw new ConfigError(
        'kind',
        `${config.kind} has no mask or keypoint branch; use maskRcnn or keypointRcnn`,
      );
  } else if (config.rpn === undefined) {
    throw new ConfigError('rpn', `${config.kind} needs an RPN config`);
  }
  if ((config.kind === 'rcnn') !== (config.regionWarp !== undefined)) {
    throw new ConfigError(
      'regionWarp',
      "R-CNN (and only R-CNN) warps regions: give 'regionWarp' with kind 'rcnn'",
    );
  }
  if (config.kind !== 'rcnn' && config.boxPooler === undefined) {
    throw new ConfigError('boxPooler', `${config.kind} needs a RoI pooler config`);
  }
}

/**
 * Build the detector a {@link DetectorConfig} describes, with freshly initialised weights (the
 * backbone seeded by its own config, the heads by `config.seed`). The caller disposes it.
 */
export function buildDetector(config: DetectorConfig): GeneralizedRcnn {
  const built: Module[] = [];
  try {
    checkKind(config);
    const rng = new SeededRandom(config.seed);
    // R-CNN runs its backbone on each warped region (inside the box head); the RoI stage reads
    // the image itself.
    const regionCnn = config.kind === 'rcnn';
    const cnn = buildBackbone(config.backbone);
    built.push(cnn);
    const backbone: Backbone = regionCnn ? new ImageAsFeatures() : cnn;
    if (regionCnn) built.push(backbone);
    const outputs = Object.entries(backbone.outputs);
    const channels = outputs[0][1].channels;
    if (outputs.some(([, spec]) => spec.channels !== channels)) {
      throw new ConfigError('backbone', 'every feature level must have the same number of channels');
    }
    const rpnFeatures = outputs.map(([name]) => name);
    let rpn: RegionProposalNetwork | null = null;
    let externalProposals: ExternalProposals | null = null;
    const r = config.rpn;
    if (r !== undefined) {
      if (r.anchorSizes.length !== rpnFeatures.length) {
        throw new ConfigError(
          'rpn.anchorSizes',
          `one entry per feature level (${rpnFeatures.join(', ')}), got ${r.anchorSizes.length}`,
        );
      }
      rpn = new RegionProposalNetwork({
        inChannels: channels,
        anchors: { sizes: r.anchorSizes, aspectRatios: r.aspectRatios },
        train: r.train,
        test: r.test,
        nmsThresh: r.nmsThreshold,
        fgIouThresh: r.foregroundIou,
        bgIouThresh: r.backgroundIou,
        batchSizePerImage: r.batchSizePerImage,
        positiveFraction: r.positiveFraction,
        rng: rng.fork(1),
      });
      built.push(rpn);
    } else {
      externalProposals = new ExternalProposals(config.proposals as ExternalProposalsConfig);
    }

    const poolNames = poolerFeatures(backbone, config);
    const boxPooler: RoiPooler = regionCnn
      ? new RegionWarpPooler(config.regionWarp as RegionWarpConfig)
      : makePooler(backbone, poolNames, config.boxPooler as RoiPoolerConfig);
    let boxHead: BoxHead & Module;
    if (regionCnn) {
      if (config.boxHead.kind !== 'regionCnn')
        throw new ConfigError('boxHead', "R-CNN needs the 'regionCnn' box head");
      boxHead = new RegionCnnHead({
        body: cnn,
        representationSize: config.boxHead.representationSize,
        inferenceBatch: (config.regionWarp as RegionWarpConfig).inferenceBatch,
        rng: rng.fork(2),
      });
    } else if (config.boxHead.kind === 'regionCnn') {
      throw new ConfigError('boxHead', "the 'regionCnn' box head belongs to R-CNN (kind 'rcnn')");
    } else if (config.boxHead.kind === 'twoMlp') {
      boxHead = new TwoMlpHead({
        inChannels: channels,
        resolution: (config.boxPooler as RoiPoolerConfig).outputSize,
        representationSize: config.boxHead.representationSize,
        rng: rng.fork(2),
      });
    } else if (config.boxHead.kind === 'res5') {
      if (config.backbone.kind !== 'resnetC4')
        throw new ConfigError('boxHead', "'res5' needs a resnetC4 backbone");
      boxHead = new C4BoxHead({ res5: resnetRes5Head(config.backbone) });
    } else {
      throw new ConfigError(
        'boxHead.kind',
        `unknown box head ${JSON.stringify((config.boxHead as { kind: unknown }).kind)}`,
      );
    }
    built.push(boxHead);
    const boxPredictor = new FastRcnnPredictor({
      inChannels: boxHead.outFeatures,
      numClasses: config.numClasses,
      classAgnosticBoxes: config.roiHeads.classAgnosticBoxes,
      rng: rng.fork(3),
    });
    built.push(boxPredictor);

    let mask: {
      pooler: ReturnType<typeof roiPooler>;
      head: MaskHead;
      modules: Array<[string, Module]>;
      resolution: number;
    } | null = null;
    if (config.mask) {
      const m = config.mask;
      const pooler = makePooler(backbone, poolNames, m.pooler);
      const common = { numClasses: config.numClasses, classAgnostic: m.head.classAgnostic, rng: rng.fork(4) };
      if (m.head.kind === 'fcn') {
        const head = new FcnMaskHead({
          inChannels: channels,
          layers: m.head.layers,
          dimReduced: m.head.dimReduced,
          ...common,
        });
        built.push(head);
        mask = {
          pooler,
          head,
          modules: [
            ['mask_head', head.maskHead],
            ['mask_predictor', head.maskPredictor],
          ],
          resolution: 2 * m.pooler.outputSize,
        };
      } else if (m.head.kind === 'mlp') {
        const head = new MlpMaskHead({
          inChannels: channels,
          inputResolution: m.pooler.outputSize,
          hiddenSizes: m.head.hiddenSizes,
          maskResolution: m.head.maskResolution,
          ...common,
        });
        built.push(head);
        mask = { pooler, head, modules: [['mask_head', head]], resolution: m.head.maskResolution };
      } else if (m.head.kind === 'res5') {
        if (!(boxHead instanceof C4BoxHead))
          throw new ConfigError('mask.head', "'res5' needs the 'res5' box head");
        const head = new C4MaskHead({ boxHead, dimReduced: m.head.dimReduced, ...common });
        built.push(head);
        // res5 halves the pooled side, the deconv doubles it back.
        mask = { pooler, head, modules: [['mask_head', head]], resolution: m.pooler.outputSize };
      } else {
        throw new ConfigError(
          'mask.head.kind',
          `unknown mask head ${JSON.stringify((m.head as { kind: unknown }).kind)}`,
        );
      }
    }
    let keypoint: KeypointBranch | undefined;
    if (config.keypoint) {
      const k = config.keypoint;
      if (k.head.kind !== 'keypointRcnn') {
        throw new ConfigError(
          'keypoint.head.kind',
          `unknown keypoint head ${JSON.stringify((k.head as { kind: unknown }).kind)}`,
        );
      }
      const head = new KeypointRcnnHead({
        inChannels: channels,
        layers: k.head.layers,
        numKeypoints: k.numKeypoints,
        rng: rng.fork(5),
      });
      built.push(head);
      keypoint = new KeypointBranch(makePooler(backbone, poolNames, k.pooler), head);
    }
    const rh = config.roiHeads;
    const roiHeads = new RoiHeads({
      boxPooler,
      boxHead,
      boxPredictor,
      ...(mask
        ? {
            maskPooler: mask.pooler,
            maskHead: mask.head,
            maskModules: mask.modules,
            maskResolution: mask.resolution,
            maskActivation: config.mask?.activation,
          }
        : {}),
      ...(keypoint ? { keypoint } : {}),
      train: {
        foregroundIou: rh.foregroundIou,
        backgroundIou: rh.backgroundIou,
        batchSizePerImage: rh.batchSizePerImage,
        positiveFraction: rh.positiveFraction,
        boxCoderWeights: rh.boxCoderWeights,
      },
      detection: {
        scoreThreshold: rh.scoreThreshold,
        nmsThreshold: rh.nmsThreshold,
        detectionsPerImage: rh.detectionsPerImage,
      },
    });
    return new GeneralizedRcnn(config, { backbone, rpn, externalProposals, roiHeads, rpnFeatures });
  } catch (err) {
    for (const m of built) m.dispose();
    throw err;
  }
}
