import { ConfigError, Conv2d, Module, ModuleList, type SeededRandom, ShapeError } from '@rcnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { subsampleStride2 } from './subsampleStride2';
import { upsampleNearest } from './upsampleNearest';

/** Options of {@link FeaturePyramidNetwork}. */
export interface FeaturePyramidNetworkOptions {
  /** Channels of each input level, finest first. */
  readonly inChannelsList: readonly number[];
  /** Channels of every output level (256 in the FPN paper). */
  readonly outChannels: number;
  /** Append P(last+1) by max-pooling the coarsest output (torchvision's `LastLevelMaxPool`). */
  readonly lastLevelMaxPool: boolean;
  readonly rng: SeededRandom;
}

/** torchvision's FPN conv init: kaiming uniform with `a = 1`, zero bias. */
const FPN_INIT = { kind: 'kaimingUniform', a: 1 } as const;

function fpnConv(inC: number, outC: number, k: number, rng: SeededRandom): ModuleList<Conv2d> {
  // Wrapped in a one-element list: torchvision ≥ 0.13 names these `inner_blocks.i.0.weight`.
  return new ModuleList([
    new Conv2d({
      inChannels: inC,
      outChannels: outC,
      kernelSize: k,
      padding: (k - 1) / 2,
      weightInit: FPN_INIT,
      biasInit: { kind: 'constant', value: 0 },
      rng,
    }),
  ]);
}

/**
 * torchvision's `FeaturePyramidNetwork` (Lin et al. 2017): a 1×1 lateral conv per level
 * (`inner_blocks`), a top-down path adding the ×2 nearest-upsampled coarser level, and a 3×3
 * output conv per level (`layer_blocks`), optionally followed by `LastLevelMaxPool` (a 1×1 max
 * pool with stride 2 on the coarsest output).
 */
export class FeaturePyramidNetwork extends Module {
  readonly inChannelsList: readonly number[];
  readonly outChannels: number;
  readonly lastLevelMaxPool: boolean;
  readonly innerBlocks: ModuleList<ModuleList<Conv2d>>;
  readonly layerBlocks: ModuleList<ModuleList<Conv2d>>;

  constructor(options: FeaturePyramidNetworkOptions) {
    super();
    const { inChannelsList, outChannels, rng } = options;
    if (inChannelsList.length === 0) throw new ConfigError('inChannelsList', 'needs at least one level');
    this.inChannelsList = [...inChannelsList];
    this.outChannels = outChannels;
    this.lastLevelMaxPool = options.lastLevelMaxPool;
    this.innerBlocks = this.addModule(
      'inner_blocks',
      new ModuleList(inChannelsList.map((c) => fpnConv(c, outChannels, 1, rng))),
    );
    this.layerBlocks = this.addModule(
      'layer_blocks',
      new ModuleList(inChannelsList.map(() => fpnConv(outChannels, outChannels, 3, rng))),
    );
  }

  /**
   * `features` finest first, level i `[N,H_i,W_i,inChannelsList[i]]` → outputs finest first, each
   * `[N,H_i,W_i,outChannels]`, plus the pooled extra level `[N,ceil(H/2),ceil(W/2),outChannels]`
   * when `lastLevelMaxPool` is set.
   */
  apply(features: readonly tf.Tensor4D[]): tf.Tensor4D[] {
    const L = this.inChannelsList.length;
    if (features.length !== L) {
      throw new ShapeError(
        'features',
        `${L} feature maps`,
        [features.length],
        'input of FeaturePyramidNetwork',
      );
    }
    features.forEach((f, i) => {
      this.innerBlocks.items[i].items[0].checkInput(f, `features[${i}]`);
    });
    return tf.tidy(() => {
      const results: tf.Tensor4D[] = new Array(L);
      let lastInner = this.innerBlocks.items[L - 1].items[0].apply(features[L - 1]);
      results[L - 1] = this.layerBlocks.items[L - 1].items[0].apply(lastInner);
      for (let i = L - 2; i >= 0; i--) {
        const lateral = this.innerBlocks.items[i].items[0].apply(features[i]);
        const topDown = upsampleNearest(lastInner, lateral.shape[1], lateral.shape[2]);
        lastInner = tf.add(lateral, topDown);
        results[i] = this.layerBlocks.items[i].items[0].apply(lastInner);
      }
      if (this.lastLevelMaxPool) results.push(subsampleStride2(results[L - 1]));
      return results;
    });
  }
}
