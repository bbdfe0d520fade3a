// The ResNet-50-FPN the engine bench trains: @rcnn/backbones' (the one the detectors use, default)
// or the raw-ops one from the backend's training-step test (`RCNN_ENGINE_MODEL=ops`).
import { buildBackbone, resnetFpn } from '@rcnn/backbones';
import type * as tf from '@tensorflow/tfjs-core';
import { fpnLoss, resnetFpnFromOps } from '../../packages/backend/test/helpers/resnetFpnFromOps.ts';

export interface BenchModel {
  readonly name: string;
  readonly variables: tf.Variable[];
  /** Sum of mean squares of every FPN level for `x` `[N,H,W,3]`. */
  loss(x: tf.Tensor4D): tf.Scalar;
  dispose(): void;
}

export function benchModel(kind = process.env.RCNN_ENGINE_MODEL ?? 'backbones'): BenchModel {
  if (kind === 'ops') {
    const model = resnetFpnFromOps({ seed: 1 });
    return {
      name: 'R50-FPN from raw ops',
      variables: model.variables,
      loss: (x) => fpnLoss(model.apply(x)),
      dispose: () => model.dispose(),
    };
  }
  if (kind !== 'backbones') throw new RangeError(`engine bench: unknown model '${kind}' (backbones | ops)`);
  // All stages trainable, frozen BN: torchvision's resnet_fpn_backbone(trainable_layers=5).
  const backbone = buildBackbone(resnetFpn({ depth: 50, frozenStages: 0 }));
  return {
    name: '@rcnn/backbones resnetFpn R50',
    variables: backbone.trainableVariables(),
    loss: (x) => fpnLoss(backbone.apply(x, true) as Record<string, tf.Tensor4D>),
    dispose: () => backbone.dispose(),
  };
}
