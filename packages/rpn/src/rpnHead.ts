import { ConfigError, Conv2d, Module, ModuleList, type SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link RpnHead}. */
export interface RpnHeadOptions {
  /** Channels of every feature level (256 for FPN, 1024 for C4). */
  readonly inChannels: number;
  /** Anchors per location A (3 aspect ratios per FPN level; 15 for C4's 5 scales × 3 ratios). */
  readonly numAnchors: number;
  /** Number of shared 3×3 conv + ReLU layers. Default 1, as the paper and torchvision. */
  readonly convDepth?: number;
  readonly rng: SeededRandom;
}

/** Raw per-level outputs of {@link RpnHead.apply}. */
export interface RpnHeadOutput {
  /** Per level `[N,H,W,A]` objectness logits. */
  objectness: tf.Tensor4D[];
  /** Per level `[N,H,W,4A]` deltas, channel `4a + (dx, dy, dw, dh)`. */
  deltas: tf.Tensor4D[];
}

/**
 * The RPN head (torchvision's `RPNHead`): a shared 3×3 conv + ReLU, then 1×1 convs to A
 * objectness logits and 4A box deltas per location, run on every feature level with the same
 * weights. Parameter names follow torchvision 0.14: `conv.0.0.weight` `[3,3,C,C]`,
 * `conv.0.0.bias`, `cls_logits.weight` `[1,1,C,A]`, `cls_logits.bias`, `bbox_pred.weight`
 * `[1,1,C,4A]`, `bbox_pred.bias` (older checkpoints: `conv.weight`, see {@link legacyRpnHeadName}).
 * Init as torchvision: normal(0, 0.01) weights, zero biases.
 */
export class RpnHead extends Module {
  readonly inChannels: number;
  readonly numAnchors: number;
  readonly convs: readonly Conv2d[];
  readonly clsLogits: Conv2d;
  readonly bboxPred: Conv2d;

  constructor(options: RpnHeadOptions) {
    super();
    const { inChannels, numAnchors, rng } = options;
    const depth = options.convDepth ?? 1;
    for (const [name, v, min] of [
      ['inChannels', inChannels, 1],
      ['numAnchors', numAnchors, 1],
      ['convDepth', depth, 0],
    ] as const) {
      if (!Number.isInteger(v) || v < min)
        throw new ConfigError(name, `expected an integer ≥ ${min}, got ${v}`);
    }
    this.inChannels = inChannels;
    this.numAnchors = numAnchors;
    const weightInit = { kind: 'normal', std: 0.01 } as const;
    const biasInit = { kind: 'constant', value: 0 } as const;
    const convs = Array.from(
      { length: depth },
      () =>
        new Conv2d({
          inChannels,
          outChannels: inChannels,
          kernelSize: 3,
          padding: 1,
          weightInit,
          biasInit,
          rng,
        }),
    );
    // torchvision: conv = Sequential(Conv2dNormActivation(...)), whose conv is child 0.
    this.addModule('conv', new ModuleList(convs.map((c) => new ModuleList([c]))));
    this.convs = convs;
    this.clsLogits = this.addModule(
      'cls_logits',
      new Conv2d({ inChannels, outChannels: numAnchors, kernelSize: 1, weightInit, biasInit, rng }),
    );
    this.bboxPred = this.addModule(
      'bbox_pred',
      new Conv2d({ inChannels, outChannels: 4 * numAnchors, kernelSize: 1, weightInit, biasInit, rng }),
    );
  }

  /** `features`: per level `[N,H,W,C]` (NHWC) → objectness and deltas per level. */
  apply(features: readonly tf.Tensor4D[]): RpnHeadOutput {
    features.forEach((f, i) => {
      this.clsLogits.checkInput(f, `features[${i}]`);
    });
    return tf.tidy(() => {
      const objectness: tf.Tensor4D[] = [];
      const deltas: tf.Tensor4D[] = [];
      for (const f of features) {
        const t = this.convs.reduce((x, conv) => conv.apply(x, 'relu'), f);
        objectness.push(this.clsLogits.apply(t));
        deltas.push(this.bboxPred.apply(t));
      }
      return { objectness, deltas };
    });
  }
}

/**
 * Map a pre-0.14 torchvision RPN-head name (`conv.weight`) to the current one
 * (`conv.0.0.weight`), as torchvision's `_load_from_state_dict` does; other names pass unchanged.
 */
export function legacyRpnHeadName(name: string): string {
  return name === 'conv.weight' || name === 'conv.bias' ? `conv.0.0.${name.slice(5)}` : name;
}
