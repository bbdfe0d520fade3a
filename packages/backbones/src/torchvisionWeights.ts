import {
  type LoadReport,
  type LoadStateDictOptions,
  loadStateDict,
  renameKeys,
  type StateDict,
  selectPrefix,
  upgradeTorchvisionFpnKeys,
} from '@rcnn/core';
import type { Backbone } from './backbone';
import { ResNetFpnBackbone } from './backbones';
import type { ResNetStage } from './resnetStage';

/** Options of {@link loadTorchvisionWeights}. */
export interface TorchvisionWeightsOptions {
  /** See `LoadStateDictOptions.strict`. Default true. */
  readonly strict?: boolean;
  /** Names the file in errors. */
  readonly source?: string;
}

const TRUNK = /^(conv1|bn1|layer[1-4])\./;

function isDetectionCheckpoint(sd: StateDict): boolean {
  for (const k of sd.keys()) if (k.startsWith('backbone.')) return true;
  return false;
}

/**
 * The part of a torchvision state dict that belongs to `backbone`, renamed to its names:
 * - detection checkpoints (`backbone.body.*`, `backbone.fpn.*`, plus `rpn.*`, `roi_heads.*`):
 *   `backbone.` is stripped and everything else dropped; pre-0.13 FPN names are upgraded;
 * - a `BackboneWithFPN` state dict (`body.*`, `fpn.*`): used as it is;
 * - classification checkpoints (`conv1.*`, `layer1.*`, …, `fc.*`): the trunk tensors, moved under
 *   `body.` for FPN backbones; `fc.*` and the stages the backbone lacks (`layer4` of a C4 trunk)
 *   are dropped.
 */
export function torchvisionBackboneStateDict(backbone: Backbone, stateDict: StateDict): StateDict {
  const fpn = backbone instanceof ResNetFpnBackbone;
  let sd = stateDict;
  const hasBody = (m: StateDict) => [...m.keys()].some((k) => k.startsWith('body.'));
  if (isDetectionCheckpoint(sd) || hasBody(sd)) {
    if (isDetectionCheckpoint(sd)) sd = selectPrefix(sd, 'backbone.');
    sd = upgradeTorchvisionFpnKeys(sd);
    if (!fpn) sd = selectPrefix(sd, 'body.');
  } else {
    const trunk: StateDict = new Map([...sd].filter(([k]) => TRUNK.test(k)));
    sd = fpn ? renameKeys(trunk, [{ from: /^/, to: 'body.' }]) : trunk;
  }
  const own = new Set(backbone.namedTensors().map((t) => t.name));
  const stageOf = (k: string) => /^(body\.)?layer(\d)\./.exec(k);
  // Drop trunk stages this backbone does not build (layer4 of a C4 trunk belongs to res5).
  return new Map(
    [...sd].filter(([k]) => {
      const m = stageOf(k);
      if (!m) return true;
      return [...own].some((n) => n.startsWith(`${m[1] ?? ''}layer${m[2]}.`));
    }),
  );
}

/**
 * Load torchvision weights (a classification ResNet/ResNeXt state dict or a detection model's)
 * into `backbone`, transposing to our layouts. With `strict` (default) every tensor of the
 * backbone must be present with the right shape; loading ImageNet weights into an FPN backbone
 * (no `fpn.*` tensors) therefore needs `strict: false`. Returns what was loaded and what was not.
 */
export function loadTorchvisionWeights(
  backbone: Backbone,
  stateDict: StateDict,
  options: TorchvisionWeightsOptions = {},
): LoadReport {
  const opts: LoadStateDictOptions = { strict: options.strict ?? true, source: options.source };
  return loadStateDict(backbone, torchvisionBackboneStateDict(backbone, stateDict), opts);
}

/**
 * Load the res5 head of a C4 detector from a torchvision classification state dict (`layer4.*`)
 * or from a state dict already named like the head (`0.conv1.weight`, …, e.g. selected with
 * `selectPrefix(sd, 'roi_heads.box_head.res5.')`).
 */
export function loadTorchvisionRes5(
  head: ResNetStage,
  stateDict: StateDict,
  options: TorchvisionWeightsOptions = {},
): LoadReport {
  const hasLayer4 = [...stateDict.keys()].some((k) => k.startsWith('layer4.'));
  const sd = hasLayer4 ? selectPrefix(stateDict, 'layer4.') : stateDict;
  return loadStateDict(head, sd, { strict: options.strict ?? true, source: options.source });
}
