import { Conv2d, Module, type SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { positiveInt } from '../checks';

/** Options of {@link KeypointRcnnHeads}. */
export interface KeypointRcnnHeadsOptions {
  /** Channels of the pooled features (256 for FPN). */
  readonly inChannels: number;
  /** Output channels of each 3×3 conv. Default eight convs of 512, the paper's keypoint head. */
  readonly layers?: readonly number[];
  readonly rng: SeededRandom;
}

/**
 * The conv stack of the keypoint head (torchvision's `KeypointRCNNHeads`): 3×3 convs with ReLU,
 * size preserved (14×14 RoIs stay 14×14). torchvision 0.14 builds it as one `nn.Sequential` of
 * conv, ReLU, conv, ..., so the state-dict names are `0.weight` `[3,3,C_in,C_out]` here (torch
 * `[C_out,C_in,3,3]`), `0.bias`, `2.weight`, ..., `14.bias`; Detectron's `conv_fcn1..8` names map
 * to them with {@link legacyKeypointHeadName}. Init as torchvision: Kaiming normal (fan out, ReLU
 * gain), zero bias.
 */
export class KeypointRcnnHeads extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly convs: readonly Conv2d[];

  constructor(options: KeypointRcnnHeadsOptions) {
    super();
    this.inChannels = positiveInt('inChannels', options.inChannels);
    const layers = options.layers ?? [512, 512, 512, 512, 512, 512, 512, 512];
    const convs: Conv2d[] = [];
    let prev = this.inChannels;
    layers.forEach((width, i) => {
      const conv = new Conv2d({
        inChannels: prev,
        outChannels: positiveInt(`layers[${i}]`, width),
        kernelSize: 3,
        padding: 1,
        weightInit: { kind: 'kaimingNormal', mode: 'fanOut', nonlinearity: 'relu' },
        biasInit: { kind: 'constant', value: 0 },
        rng: options.rng,
      });
      // The ReLUs sit at the odd indices of torchvision's Sequential.
      this.addModule(String(2 * i), conv);
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
 * Map a Detectron-style keypoint-head name (`conv_fcn1.weight`, 1-based) to torchvision 0.14's
 * Sequential index (`0.weight`); other names pass unchanged.
 */
export function legacyKeypointHeadName(name: string): string {
  const m = /^conv_fcn(\d+)\.(weight|bias)$/.exec(name);
  return m ? `${2 * (Number(m[1]) - 1)}.${m[2]}` : name;
}
