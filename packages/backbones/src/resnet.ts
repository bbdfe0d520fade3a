import { ConfigError, Conv2d, Module, SeededRandom } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { convNorm, makeNorm, type NormLayer } from './norm';
import { type ResNetConfig, type ResolvedResNet, resolveResNet } from './resnetConfig';
import { ResNetStage } from './resnetStage';

/** Names of the ResNet feature maps: `res2` (stride 4) … `res5` (stride 32), as detectron2. */
export type ResNetFeature = 'res2' | 'res3' | 'res4' | 'res5';

/** Stride of each ResNet feature map. */
export const RESNET_STRIDES: Readonly<Record<ResNetFeature, number>> = {
  res2: 4,
  res3: 8,
  res4: 16,
  res5: 32,
};

const FEATURES: ResNetFeature[] = ['res2', 'res3', 'res4', 'res5'];

/**
 * A ResNet / ResNeXt trunk with torchvision's module names (`conv1`, `bn1`, `layer1` … `layer4`),
 * without the classifier. `numStages` 3 stops after `layer3` (the C4 trunk); 4 builds the full
 * trunk. Input `[N,H,W,3]` normalised images.
 */
export class ResNet extends Module {
  readonly resolved: ResolvedResNet;
  readonly conv1: Conv2d;
  readonly bn1: NormLayer;
  readonly stages: readonly ResNetStage[];
  private stemFrozen = false;

  constructor(config: ResNetConfig, numStages: 3 | 4 = 4) {
    super();
    const r = resolveResNet(config);
    this.resolved = r;
    const rng = new SeededRandom(r.seed);
    this.conv1 = this.addModule(
      'conv1',
      new Conv2d({
        inChannels: 3,
        outChannels: r.stemChannels,
        kernelSize: 7,
        stride: 2,
        padding: 3,
        bias: false,
        weightInit: { kind: 'kaimingNormal', mode: 'fanOut', nonlinearity: 'relu' },
        rng,
      }),
    );
    this.bn1 = this.addModule('bn1', makeNorm(r.norm, r.stemChannels, r.normEps));
    const stages: ResNetStage[] = [];
    let inC = r.stemChannels;
    for (let s = 0; s < numStages; s++) {
      const stage = new ResNetStage(r, s, inC, s === 0 ? 1 : 2, rng);
      stages.push(this.addModule(`layer${s + 1}`, stage));
      inC = stage.outChannels;
    }
    this.stages = stages;
    this.freezeStages(r.frozenStages);
  }

  /**
   * Freeze the first `n` stages (1 = stem; 2 = stem + res2; …) and unfreeze the rest. Frozen
   * parameters are not trainable and their BatchNorm layers use running statistics.
   */
  freezeStages(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > 5)
      throw new ConfigError('frozenStages', `must be in [0, 5], got ${n}`);
    this.stemFrozen = n >= 1;
    this.conv1.setTrainable(!this.stemFrozen);
    this.bn1.setTrainable(!this.stemFrozen);
    this.stages.forEach((stage, i) => {
      stage.freeze(n >= i + 2);
    });
  }

  /** Output channels of each built stage's feature map. */
  get channels(): Partial<Record<ResNetFeature, number>> {
    return Object.fromEntries(this.stages.map((s, i) => [FEATURES[i], s.outChannels]));
  }

  /** The stem: 7×7/2 conv, norm, ReLU, 3×3/2 max pool → `[N,ceil(H/4),ceil(W/4),stem]`. */
  applyStem(images: tf.Tensor4D, training: boolean): tf.Tensor4D {
    if (images.rank !== 4 || images.shape[3] !== 3) {
      this.conv1.checkInput(images, 'images');
    }
    return tf.tidy(() => {
      const x = convNorm(this.conv1, this.bn1, images, true, training && !this.stemFrozen);
      return tf.maxPool(x, 3, 2, 1);
    });
  }

  /**
   * Run the trunk and return the requested feature maps (default: every built stage). Feature
   * maps not requested are freed as soon as the next stage has consumed them.
   */
  apply(
    images: tf.Tensor4D,
    training: boolean,
    wanted: readonly ResNetFeature[] = FEATURES.slice(0, this.stages.length),
  ): Partial<Record<ResNetFeature, tf.Tensor4D>> {
    for (const w of wanted) {
      const i = FEATURES.indexOf(w);
      if (i < 0 || i >= this.stages.length) {
        throw new ConfigError(
          'wanted',
          `feature '${w}' is not produced by this ${this.stages.length}-stage trunk`,
        );
      }
    }
    const last = Math.max(...wanted.map((w) => FEATURES.indexOf(w)));
    const out: Partial<Record<ResNetFeature, tf.Tensor4D>> = {};
    let x = this.applyStem(images, training);
    for (let i = 0; i <= last; i++) {
      const y = this.stages[i].apply(x, training);
      x.dispose();
      x = y;
      if (wanted.includes(FEATURES[i])) out[FEATURES[i]] = tf.clone(y);
    }
    x.dispose();
    return out;
  }
}
