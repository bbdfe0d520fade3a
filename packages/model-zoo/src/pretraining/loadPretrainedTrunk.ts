import {
  type Backbone,
  loadTorchvisionRes5,
  loadTorchvisionWeights,
  ResNetC4Backbone,
  ResNetC5Backbone,
  ResNetFpnBackbone,
  type ResNetStage,
} from '@rcnn/backbones';
import { InputError, type StateDict } from '@rcnn/core';
import { C4BoxHead } from '@rcnn/heads';
import type { GeneralizedRcnn } from '../detector/generalizedRcnn';
import { RegionCnnHead } from '../detector/regionCnn';

/** Which parts of a detector {@link loadPretrainedTrunk} initialised, by tensor count. */
export interface PretrainedTrunkReport {
  /** Tensors loaded into the backbone's trunk (for R-CNN: the per-region CNN). */
  readonly trunk: number;
  /** Tensors loaded into a C4 detector's res5 head (from `layer4.*`). */
  readonly res5: number;
}

function isResNetBackbone(b: Backbone): boolean {
  return b instanceof ResNetFpnBackbone || b instanceof ResNetC4Backbone || b instanceof ResNetC5Backbone;
}

function loadTrunk(backbone: Backbone, stateDict: StateDict, source: string): number {
  const report = loadTorchvisionWeights(backbone, stateDict, { strict: false, source });
  // Only the FPN's own layers may stay as they were; every trunk tensor must come from the file.
  const trunkMissing = report.missing.filter((n) => !n.startsWith('fpn.'));
  if (trunkMissing.length > 0 || report.shapeMismatch.length > 0) {
    const what =
      report.shapeMismatch.length > 0
        ? `shape mismatch at ${report.shapeMismatch[0].name} (expected [${report.shapeMismatch[0].expected}], got [${report.shapeMismatch[0].actual}])`
        : `lacks ${trunkMissing.length} trunk tensors, e.g. ${trunkMissing[0]}`;
    throw new InputError(source, `does not fit this detector's trunk: ${what}`);
  }
  return report.loaded.length;
}

/**
 * Initialise a detector's trunk from a classification state dict (what `pretrainTrunk` returns,
 * or torchvision ImageNet weights), as the paper initialises from ImageNet: the ResNet trunk of
 * the backbone, the res5 head of C4 detectors (from `layer4.*`), or R-CNN's per-region CNN. FPN
 * layers, the RPN and the heads keep their fresh initialisation; `fc.*` is not used. Throws an
 * InputError naming `source` when the weights do not fit the trunk (another depth or width).
 */
export function loadPretrainedTrunk(
  detector: GeneralizedRcnn,
  stateDict: StateDict,
  source = 'pretrained trunk',
): PretrainedTrunkReport {
  let trunk = 0;
  let res5 = 0;
  if (isResNetBackbone(detector.backbone)) trunk += loadTrunk(detector.backbone, stateDict, source);
  const head = detector.roiHeads.boxHead;
  if (head instanceof RegionCnnHead && isResNetBackbone(head.body))
    trunk += loadTrunk(head.body, stateDict, source);
  if (head instanceof C4BoxHead) {
    res5 = loadTorchvisionRes5(head.res5 as unknown as ResNetStage, stateDict, { strict: true, source })
      .loaded.length;
  }
  if (trunk === 0) throw new InputError(source, 'this detector has no ResNet trunk to initialise');
  return { trunk, res5 };
}
