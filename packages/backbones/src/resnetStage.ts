import { ModuleList, type SeededRandom } from '@rcnn/core';
import type * as tf from '@tensorflow/tfjs-core';
import { BasicBlock, Bottleneck, type ResNetBlock } from './resnetBlocks';
import type { ResolvedResNet } from './resnetConfig';

/**
 * One ResNet stage (torchvision's `layerK`, detectron2's `resK+1`): blocks named `0`, `1`, …,
 * the first one strided and projecting. Also serves as the res5 head of C4 detectors.
 */
export class ResNetStage extends ModuleList<ResNetBlock> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly stride: number;
  /**
   * Frozen: parameters not trainable and BatchNorm layers always on running statistics.
   * Set through {@link ResNetStage.freeze}.
   */
  private frozenFlag = false;

  constructor(r: ResolvedResNet, stageIndex: number, inChannels: number, stride: number, rng: SeededRandom) {
    const planes = r.planes[stageIndex];
    const blocks: ResNetBlock[] = [];
    let inC = inChannels;
    for (let b = 0; b < r.stageDepths[stageIndex]; b++) {
      const options = {
        inChannels: inC,
        planes,
        stride: b === 0 ? stride : 1,
        groups: r.groups,
        widthPerGroup: r.widthPerGroup,
        norm: r.norm,
        normEps: r.normEps,
        rng,
      };
      const block = r.block === 'basic' ? new BasicBlock(options) : new Bottleneck(options);
      blocks.push(block);
      inC = block.outChannels;
    }
    super(blocks);
    this.inChannels = inChannels;
    this.outChannels = inC;
    this.stride = stride;
  }

  get frozen(): boolean {
    return this.frozenFlag;
  }

  /** Freeze (or unfreeze) the stage: see {@link ResNetStage.frozen}. */
  freeze(frozen = true): this {
    this.frozenFlag = frozen;
    this.setTrainable(!frozen);
    return this;
  }

  /**
   * `x` `[N,H,W,inChannels]` → `[N,ceil(H/stride),ceil(W/stride),outChannels]`. With `training`,
   * trainable BatchNorm layers of an unfrozen stage use batch statistics.
   */
  apply(x: tf.Tensor4D, training = false): tf.Tensor4D {
    const useBatchStats = training && !this.frozenFlag;
    let out = x;
    for (const block of this.items) {
      const next = block.apply(out, useBatchStats);
      if (out !== x) out.dispose();
      out = next;
    }
    return out;
  }
}
