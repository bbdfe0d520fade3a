import { ConfigError } from '@rcnn/core';
import type { NormKind } from './norm';

/** ResNet depths torchvision defines. */
export type ResNetDepth = 18 | 34 | 50 | 101 | 152;

/**
 * A ResNet / ResNeXt trunk, in torchvision's terms. Plain data (JSON), so checkpoints embed it.
 *
 * `widthMultiplier` and `stageDepths` make smaller variants for CPU work (e.g. "R50 at ×0.25
 * width"); such variants are not weight-compatible with torchvision's models.
 */
export interface ResNetConfig {
  readonly depth: ResNetDepth;
  /** Groups of the 3×3 convs (ResNeXt cardinality). Default 1. */
  readonly groups?: number;
  /** torchvision's `width_per_group`. Default 64 (ResNeXt-50 32×4d: 4; ResNeXt-101 32×8d: 8). */
  readonly widthPerGroup?: number;
  /** Scales the stem width (64) and every stage's `planes` (64, 128, 256, 512). Default 1. */
  readonly widthMultiplier?: number;
  /** Blocks per stage res2…res5, replacing the depth's (e.g. `[1, 1, 1, 1]`). */
  readonly stageDepths?: readonly [number, number, number, number];
  /** BatchNorm flavour. Default `frozen` (torchvision's `FrozenBatchNorm2d`). */
  readonly norm?: NormKind;
  /** BatchNorm eps. Default 1e-5 (torchvision's). */
  readonly normEps?: number;
  /**
   * Stages whose parameters are frozen, counted from the input: 0 none, 1 the stem (conv1/bn1),
   * 2 the stem and res2, … 5 everything. torchvision's `trainable_layers = t` is
   * `frozenStages = 5 − t`; its detection default (3 trainable) is 2. Frozen stages' BatchNorm
   * layers use their running statistics even in training. Default 0.
   */
  readonly frozenStages?: number;
  /** Seed of the initial weights. Default 0. */
  readonly seed?: number;
}

/** A {@link ResNetConfig} with every default filled in and the layer widths computed. */
export interface ResolvedResNet {
  readonly block: 'basic' | 'bottleneck';
  readonly expansion: number;
  readonly stageDepths: readonly [number, number, number, number];
  readonly stemChannels: number;
  /** `planes` of res2…res5. */
  readonly planes: readonly [number, number, number, number];
  /** Output channels of res2…res5. */
  readonly stageChannels: readonly [number, number, number, number];
  readonly groups: number;
  readonly widthPerGroup: number;
  readonly norm: NormKind;
  readonly normEps: number;
  readonly frozenStages: number;
  readonly seed: number;
}

const DEPTHS: Record<
  ResNetDepth,
  { block: 'basic' | 'bottleneck'; stages: [number, number, number, number] }
> = {
  18: { block: 'basic', stages: [2, 2, 2, 2] },
  34: { block: 'basic', stages: [3, 4, 6, 3] },
  50: { block: 'bottleneck', stages: [3, 4, 6, 3] },
  101: { block: 'bottleneck', stages: [3, 4, 23, 3] },
  152: { block: 'bottleneck', stages: [3, 8, 36, 3] },
};

function positiveInt(option: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new ConfigError(option, `expected a positive integer, got ${v}`);
  return v;
}

/** Fill defaults, validate and compute widths. Throws a ConfigError naming the bad option. */
export function resolveResNet(config: ResNetConfig): ResolvedResNet {
  const spec = DEPTHS[config.depth];
  if (!spec) throw new ConfigError('depth', `must be one of 18, 34, 50, 101, 152, got ${config.depth}`);
  const groups = positiveInt('groups', config.groups ?? 1);
  const widthPerGroup = positiveInt('widthPerGroup', config.widthPerGroup ?? 64);
  const m = config.widthMultiplier ?? 1;
  if (!(m > 0)) throw new ConfigError('widthMultiplier', `must be > 0, got ${m}`);
  const stageDepths = config.stageDepths ?? spec.stages;
  if (stageDepths.length !== 4) throw new ConfigError('stageDepths', 'needs four entries (res2…res5)');
  stageDepths.forEach((d) => {
    positiveInt('stageDepths', d);
  });
  const frozenStages = config.frozenStages ?? 0;
  if (!Number.isInteger(frozenStages) || frozenStages < 0 || frozenStages > 5) {
    throw new ConfigError('frozenStages', `must be an integer in [0, 5], got ${frozenStages}`);
  }
  const normEps = config.normEps ?? 1e-5;
  if (!(normEps >= 0)) throw new ConfigError('normEps', `must be >= 0, got ${normEps}`);
  const norm = config.norm ?? 'frozen';
  if (norm !== 'frozen' && norm !== 'batch')
    throw new ConfigError('norm', `must be 'frozen' or 'batch', got ${norm}`);
  if (spec.block === 'basic' && (groups !== 1 || widthPerGroup !== 64)) {
    throw new ConfigError(
      'groups',
      `ResNet-${config.depth} uses BasicBlock, which supports only groups=1, widthPerGroup=64`,
    );
  }
  const scale = (c: number) => Math.max(1, Math.round(c * m));
  const planes = [64, 128, 256, 512].map(scale) as [number, number, number, number];
  const expansion = spec.block === 'basic' ? 1 : 4;
  return {
    block: spec.block,
    expansion,
    stageDepths: [...stageDepths] as [number, number, number, number],
    stemChannels: scale(64),
    planes,
    stageChannels: planes.map((p) => p * expansion) as [number, number, number, number],
    groups,
    widthPerGroup,
    norm,
    normEps,
    frozenStages,
    seed: config.seed ?? 0,
  };
}
