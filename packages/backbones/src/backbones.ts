import { ConfigError, Module, SeededRandom } from '@rcnn/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { Backbone, FeatureSpec } from './backbone';
import { FeaturePyramidNetwork } from './featurePyramidNetwork';
import { RESNET_STRIDES, ResNet, type ResNetFeature } from './resnet';
import { type ResNetConfig, resolveResNet } from './resnetConfig';
import { ResNetStage } from './resnetStage';

/** Config of {@link ResNetFpnBackbone}: torchvision's `resnet_fpn_backbone`. */
export interface ResNetFpnConfig {
  readonly kind: 'resnetFpn';
  readonly resnet: ResNetConfig;
  /** FPN channels. Default 256. */
  readonly outChannels?: number;
  /** Trunk stages feeding the FPN (torchvision's `returned_layers` + 1). Default res2…res5. */
  readonly inFeatures?: readonly ResNetFeature[];
  /** Add the max-pooled extra level (`p6` for res2…res5). Default true. */
  readonly lastLevelMaxPool?: boolean;
  /** Default 32 (torchvision's `GeneralizedRCNNTransform`). */
  readonly sizeDivisibility?: number;
}

/** Config of {@link ResNetC4Backbone}: the res2–res4 trunk (stride 16) of C4 detectors. */
export interface ResNetC4Config {
  readonly kind: 'resnetC4';
  readonly resnet: ResNetConfig;
  /** Default 32. */
  readonly sizeDivisibility?: number;
}

/** Config of {@link ResNetC5Backbone}: the full trunk, `res5` at stride 32 (the paper's Table 2d). */
export interface ResNetC5Config {
  readonly kind: 'resnetC5';
  readonly resnet: ResNetConfig;
  /** Default 32. */
  readonly sizeDivisibility?: number;
}

/** Every backbone config; {@link buildBackbone} builds any of them. */
export type BackboneConfig = ResNetFpnConfig | ResNetC4Config | ResNetC5Config;

type Depthless = Omit<ResNetConfig, 'depth'> & { depth?: ResNetConfig['depth'] };

/** A ResNet-FPN config (`resnetFpn({ depth: 50 })`); ResNet fields and FPN fields side by side. */
export function resnetFpn(
  options: Depthless & Partial<Omit<ResNetFpnConfig, 'kind' | 'resnet'>> = {},
): ResNetFpnConfig {
  const { outChannels, inFeatures, lastLevelMaxPool, sizeDivisibility, ...resnet } = options;
  return {
    kind: 'resnetFpn',
    resnet: { depth: 50, ...resnet },
    outChannels: outChannels ?? 256,
    inFeatures: inFeatures ?? ['res2', 'res3', 'res4', 'res5'],
    lastLevelMaxPool: lastLevelMaxPool ?? true,
    sizeDivisibility: sizeDivisibility ?? 32,
  };
}

/** A ResNet-C4 trunk config (`resnetC4({ depth: 101 })`). */
export function resnetC4(options: Depthless & { sizeDivisibility?: number } = {}): ResNetC4Config {
  const { sizeDivisibility, ...resnet } = options;
  return { kind: 'resnetC4', resnet: { depth: 50, ...resnet }, sizeDivisibility: sizeDivisibility ?? 32 };
}

/** A ResNet-C5 config (`resnetC5({ depth: 50 })`). */
export function resnetC5(options: Depthless & { sizeDivisibility?: number } = {}): ResNetC5Config {
  const { sizeDivisibility, ...resnet } = options;
  return { kind: 'resnetC5', resnet: { depth: 50, ...resnet }, sizeDivisibility: sizeDivisibility ?? 32 };
}

function checkDivisibility(v: number): number {
  if (!Number.isInteger(v) || v < 0)
    throw new ConfigError('sizeDivisibility', `must be an integer >= 0, got ${v}`);
  return v;
}

/**
 * torchvision's `BackboneWithFPN` over a ResNet: children `body` (the trunk, names
 * `body.layer1.0.conv1.weight`) and `fpn` (`fpn.inner_blocks.0.0.weight`), so detection
 * checkpoints' `backbone.*` tensors load by stripping `backbone.`. Outputs `p2` … `p5` (strides
 * 4 … 32) and `p6` (stride 64) for the default levels.
 */
export class ResNetFpnBackbone extends Module implements Backbone {
  readonly config: ResNetFpnConfig;
  readonly outputs: Readonly<Record<string, FeatureSpec>>;
  readonly sizeDivisibility: number;
  readonly body: ResNet;
  readonly fpn: FeaturePyramidNetwork;
  private readonly inFeatures: readonly ResNetFeature[];

  constructor(config: ResNetFpnConfig) {
    super();
    const full: ResNetFpnConfig = {
      kind: 'resnetFpn',
      resnet: config.resnet,
      outChannels: config.outChannels ?? 256,
      inFeatures: config.inFeatures ?? ['res2', 'res3', 'res4', 'res5'],
      lastLevelMaxPool: config.lastLevelMaxPool ?? true,
      sizeDivisibility: config.sizeDivisibility ?? 32,
    };
    this.config = full;
    this.sizeDivisibility = checkDivisibility(full.sizeDivisibility!);
    const inFeatures = full.inFeatures!;
    const order: ResNetFeature[] = ['res2', 'res3', 'res4', 'res5'];
    if (
      inFeatures.length === 0 ||
      inFeatures.some(
        (f, i) => order.indexOf(f) < 0 || (i > 0 && order.indexOf(f) <= order.indexOf(inFeatures[i - 1])),
      )
    ) {
      throw new ConfigError(
        'inFeatures',
        `must be increasing names among ${order.join(', ')}, got ${inFeatures.join(', ')}`,
      );
    }
    this.inFeatures = inFeatures;
    this.body = this.addModule('body', new ResNet(config.resnet, 4));
    const channels = this.body.channels;
    const outChannels = full.outChannels!;
    if (!Number.isInteger(outChannels) || outChannels < 1)
      throw new ConfigError('outChannels', `must be a positive integer, got ${outChannels}`);
    this.fpn = this.addModule(
      'fpn',
      new FeaturePyramidNetwork({
        inChannelsList: inFeatures.map((f) => channels[f]!),
        outChannels,
        lastLevelMaxPool: full.lastLevelMaxPool!,
        rng: new SeededRandom(this.body.resolved.seed).fork(1),
      }),
    );
    const outputs: Record<string, FeatureSpec> = {};
    for (const f of inFeatures)
      outputs[`p${f.slice(3)}`] = { channels: outChannels, stride: RESNET_STRIDES[f] };
    if (full.lastLevelMaxPool) {
      const last = inFeatures[inFeatures.length - 1];
      outputs[`p${Number(last.slice(3)) + 1}`] = { channels: outChannels, stride: RESNET_STRIDES[last] * 2 };
    }
    this.outputs = outputs;
  }

  apply(images: tf.Tensor4D, training: boolean): Record<string, tf.Tensor4D> {
    const feats = this.body.apply(images, training, this.inFeatures);
    const list = this.inFeatures.map((f) => feats[f]!);
    try {
      const levels = this.fpn.apply(list);
      return Object.fromEntries(Object.keys(this.outputs).map((name, i) => [name, levels[i]]));
    } finally {
      for (const t of list) t.dispose();
    }
  }
}

/**
 * The C4 trunk: stem + res2…res4 with torchvision's names (`conv1`, `bn1`, `layer1` … `layer3`),
 * output `res4` at stride 16. The detector's box head runs res5 on pooled RoIs
 * ({@link resnetRes5Head}).
 */
export class ResNetC4Backbone extends ResNet implements Backbone {
  readonly config: ResNetC4Config;
  readonly outputs: Readonly<Record<string, FeatureSpec>>;
  readonly sizeDivisibility: number;

  constructor(config: ResNetC4Config) {
    super(config.resnet, 3);
    this.config = config;
    this.sizeDivisibility = checkDivisibility(config.sizeDivisibility ?? 32);
    this.outputs = { res4: { channels: this.stages[2].outChannels, stride: 16 } };
  }

  override apply(images: tf.Tensor4D, training: boolean): Record<string, tf.Tensor4D> {
    return super.apply(images, training, ['res4']) as Record<string, tf.Tensor4D>;
  }
}

/** The full trunk with torchvision's names (`conv1` … `layer4`), output `res5` at stride 32. */
export class ResNetC5Backbone extends ResNet implements Backbone {
  readonly config: ResNetC5Config;
  readonly outputs: Readonly<Record<string, FeatureSpec>>;
  readonly sizeDivisibility: number;

  constructor(config: ResNetC5Config) {
    super(config.resnet, 4);
    this.config = config;
    this.sizeDivisibility = checkDivisibility(config.sizeDivisibility ?? 32);
    this.outputs = { res5: { channels: this.stages[3].outChannels, stride: 32 } };
  }

  override apply(images: tf.Tensor4D, training: boolean): Record<string, tf.Tensor4D> {
    return super.apply(images, training, ['res5']) as Record<string, tf.Tensor4D>;
  }
}

/**
 * The res5 stage of a C4 detector's box head (torchvision's `layer4`, first block stride 2):
 * `[R,14,14,C4]` pooled RoI features → `[R,7,7,C5]`. Parameters are named `0.conv1.weight`, …;
 * torchvision ImageNet weights load from its `layer4.*` tensors (see `loadTorchvisionWeights`).
 * The frozen-stage setting of `config` applies (frozen when `frozenStages` is 5).
 */
export function resnetRes5Head(config: ResNetC4Config | ResNetConfig): ResNetStage {
  const resnet = 'kind' in config ? config.resnet : config;
  const r = resolveResNet(resnet);
  // Its own random stream: the head is built apart from the trunk.
  const stage = new ResNetStage(r, 3, r.stageChannels[2], 2, new SeededRandom(r.seed).fork(5));
  if (r.frozenStages >= 5) stage.freeze();
  return stage;
}

/** Build the backbone a config describes. */
export function buildBackbone(config: BackboneConfig): Backbone {
  switch (config.kind) {
    case 'resnetFpn':
      return new ResNetFpnBackbone(config);
    case 'resnetC4':
      return new ResNetC4Backbone(config);
    case 'resnetC5':
      return new ResNetC5Backbone(config);
    default:
      throw new ConfigError(
        'kind',
        `unknown backbone kind ${JSON.stringify((config as { kind: unknown }).kind)}`,
      );
  }
}
