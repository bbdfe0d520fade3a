import { ConfigError, Conv2d, Module, ModuleList, type SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { convNorm, makeNorm, type NormKind, type NormLayer } from './norm';

/** What every residual block needs to be built. */
export interface BlockOptions {
  readonly inChannels: number;
  /** torchvision's `planes`: the block outputs `planes × expansion` channels. */
  readonly planes: number;
  /** Stride of the block (in the 3×3 conv, as torchvision's ResNet v1.5). */
  readonly stride: number;
  /** Grouped-conv groups of the 3×3 conv (ResNeXt). BasicBlock needs 1. */
  readonly groups: number;
  /** torchvision's `width_per_group` (64 for ResNet; ResNeXt 32×4d uses 4). */
  readonly widthPerGroup: number;
  readonly norm: NormKind;
  readonly normEps: number;
  readonly rng: SeededRandom;
}

/** torchvision's ResNet conv init: kaiming normal, fan-out, ReLU gain. */
const RESNET_CONV_INIT = { kind: 'kaimingNormal', mode: 'fanOut', nonlinearity: 'relu' } as const;

function conv(inC: number, outC: number, k: number, stride: number, rng: SeededRandom, groups = 1): Conv2d {
  return new Conv2d({
    inChannels: inC,
    outChannels: outC,
    kernelSize: k,
    stride,
    padding: (k - 1) / 2,
    groups,
    bias: false,
    weightInit: RESNET_CONV_INIT,
    rng,
  });
}

/** The 1×1 projection shortcut (`downsample.0` conv, `downsample.1` norm). */
class Downsample extends ModuleList<Conv2d | NormLayer> {
  readonly conv: Conv2d;
  readonly norm: NormLayer;
  constructor(inC: number, outC: number, stride: number, o: BlockOptions) {
    const c = conv(inC, outC, 1, stride, o.rng);
    const n = makeNorm(o.norm, outC, o.normEps);
    super([c, n]);
    this.conv = c;
    this.norm = n;
  }
}

/** A residual block of either kind. */
export abstract class ResNetBlock extends Module {
  abstract readonly outChannels: number;
  /** `x` `[N,H,W,inChannels]` → `[N,H/stride,W/stride,outChannels]`. */
  abstract apply(x: tf.Tensor4D, useBatchStats: boolean): tf.Tensor4D;
}

/** torchvision's `BasicBlock` (ResNet-18/34): two 3×3 convs, expansion 1. */
export class BasicBlock extends ResNetBlock {
  static readonly expansion = 1;
  readonly outChannels: number;
  readonly conv1: Conv2d;
  readonly bn1: NormLayer;
  readonly conv2: Conv2d;
  readonly bn2: NormLayer;
  readonly downsample: Downsample | null;

  constructor(o: BlockOptions) {
    super();
    if (o.groups !== 1 || o.widthPerGroup !== 64) {
      throw new ConfigError(
        'groups',
        'BasicBlock (ResNet-18/34) only supports groups=1 and widthPerGroup=64',
      );
    }
    this.outChannels = o.planes;
    this.conv1 = this.addModule('conv1', conv(o.inChannels, o.planes, 3, o.stride, o.rng));
    this.bn1 = this.addModule('bn1', makeNorm(o.norm, o.planes, o.normEps));
    this.conv2 = this.addModule('conv2', conv(o.planes, o.planes, 3, 1, o.rng));
    this.bn2 = this.addModule('bn2', makeNorm(o.norm, o.planes, o.normEps));
    this.downsample =
      o.stride !== 1 || o.inChannels !== o.planes
        ? this.addModule('downsample', new Downsample(o.inChannels, o.planes, o.stride, o))
        : null;
  }

  apply(x: tf.Tensor4D, useBatchStats: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      const out = convNorm(this.conv1, this.bn1, x, true, useBatchStats);
      const main = convNorm(this.conv2, this.bn2, out, false, useBatchStats);
      const identity = this.downsample
        ? convNorm(this.downsample.conv, this.downsample.norm, x, false, useBatchStats)
        : x;
      return tf.relu(tf.add(main, identity)) as tf.Tensor4D;
    });
  }
}

/**
 * torchvision's `Bottleneck` (ResNet-50/101/152, ResNeXt): 1×1 reduce, 3×3 (strided, grouped),
 * 1×1 expand ×4. Inner width `floor(planes·widthPerGroup/64)·groups`.
 */
export class Bottleneck extends ResNetBlock {
  static readonly expansion = 4;
  readonly outChannels: number;
  readonly conv1: Conv2d;
  readonly bn1: NormLayer;
  readonly conv2: Conv2d;
  readonly bn2: NormLayer;
  readonly conv3: Conv2d;
  readonly bn3: NormLayer;
  readonly downsample: Downsample | null;

  constructor(o: BlockOptions) {
    super();
    const width = Math.floor((o.planes * o.widthPerGroup) / 64) * o.groups;
    if (width < 1)
      throw new ConfigError('widthPerGroup', `gives an inner width of ${width} for planes=${o.planes}`);
    const out = o.planes * Bottleneck.expansion;
    this.outChannels = out;
    this.conv1 = this.addModule('conv1', conv(o.inChannels, width, 1, 1, o.rng));
    this.bn1 = this.addModule('bn1', makeNorm(o.norm, width, o.normEps));
    this.conv2 = this.addModule('conv2', conv(width, width, 3, o.stride, o.rng, o.groups));
    this.bn2 = this.addModule('bn2', makeNorm(o.norm, width, o.normEps));
    this.conv3 = this.addModule('conv3', conv(width, out, 1, 1, o.rng));
    this.bn3 = this.addModule('bn3', makeNorm(o.norm, out, o.normEps));
    this.downsample =
      o.stride !== 1 || o.inChannels !== out
        ? this.addModule('downsample', new Downsample(o.inChannels, out, o.stride, o))
        : null;
  }

  apply(x: tf.Tensor4D, useBatchStats: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      const a = convNorm(this.conv1, this.bn1, x, true, useBatchStats);
      const b = convNorm(this.conv2, this.bn2, a, true, useBatchStats);
      const main = convNorm(this.conv3, this.bn3, b, false, useBatchStats);
      const identity = this.downsample
        ? convNorm(this.downsample.conv, this.downsample.norm, x, false, useBatchStats)
        : x;
      return tf.relu(tf.add(main, identity)) as tf.Tensor4D;
    });
  }
}
