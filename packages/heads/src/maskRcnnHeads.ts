import { Conv2d, Module, ModuleList, type SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { positiveInt } from './checks';

/** Options of {@link MaskRcnnHeads}. */
export interface MaskRcnnHeadsOptions {
  /** Channels of the pooled features (256 for FPN). */
  readonly inChannels: number;
  /** Output channels of each 3×3 conv. Default `[256, 256, 256, 256]`, the paper's FCN head. */
  readonly layers?: readonly number[];
  /**
   * Dilation (and padding) of the convs. Default 1. tfjs has no convolution gradient for
   * dilation > 1, so a dilated head runs (e.g. with imported weights) but cannot be trained.
   */
  readonly dilation?: number;
  readonly rng: SeededRandom;
}

/**
 * The FCN part of the FPN mask head (torchvision's `MaskRCNNHeads`): a stack of 3×3 convs with
 * ReLU, size preserved. Parameter names follow torchvision 0.14's `state_dict()`:
 * `0.0.weight` `[3,3,C_in,C_out]`, `0.0.bias`, `1.0.weight`, ... (older checkpoints use
 * `mask_fcn1.weight`, see {@link legacyMaskHeadName}). Init as torchvision: Kaiming normal
 * (fan out, ReLU gain), zero bias.
 */
export class MaskRcnnHeads extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly convs: readonly Conv2d[];

  constructor(options: MaskRcnnHeadsOptions) {
    super();
    this.inChannels = positiveInt('inChannels', options.inChannels);
    const layers = options.layers ?? [256, 256, 256, 256];
    const dilation = positiveInt('dilation', options.dilation ?? 1);
    const convs: Conv2d[] = [];
    let prev = this.inChannels;
    layers.forEach((width, i) => {
      const conv = new Conv2d({
        inChannels: prev,
        outChannels: positiveInt(`layers[${i}]`, width),
        kernelSize: 3,
        padding: dilation,
        dilation,
        weightInit: { kind: 'kaimingNormal', mode: 'fanOut', nonlinearity: 'relu' },
        biasInit: { kind: 'constant', value: 0 },
        rng: options.rng,
      });
      // torchvision wraps each conv in Conv2dNormActivation, whose conv is child 0.
      this.addModule(String(i), new ModuleList([conv]));
      convs.push(conv);
      prev = width;
    });
    this.convs = convs;
    this.outChannels = prev;
  }

  /** `pooled` `[R,h,w,C_in]` → `[R,h,w,C_out]`. */
  apply(pooled: tf.Tensor4D): tf.Tensor4D {
    if (this.convs.length > 0) this.convs[0].checkInput(pooled, 'pooled');
    return tf.tidy(() => this.convs.reduce((x, conv) => conv.apply(x, 'relu'), pooled));
  }
}

/**
 * Map a pre-0.14 torchvision mask-head name (`mask_fcn1.weight`) to the current one
 * (`0.0.weight`), as torchvision's `_load_from_state_dict` does; other names pass unchanged.
 */
export function legacyMaskHeadName(name: string): string {
  const m = /^mask_fcn(\d+)\.(weight|bias)$/.exec(name);
  return m ? `${Number(m[1]) - 1}.0.${m[2]}` : name;
}
