import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { allocateFloat32, float32View, readNumbers } from './backendTensors';
import { RoiTensorError } from './errors';
import type { FeatureMap } from './featureMap';
import type { MultiLevelRoiKernelAttrs, RoiKernelAttrs } from './kernelNames';
import { assignFpnLevels } from './levelMapper';
import { poolRoisBackward, poolRoisForward } from './poolRois';
import type { RoiOpKind, RoiOpParams } from './roiOpParams';
import { validateRoiTable } from './roiTable';

function paramsOf(kind: RoiOpKind, attrs: NamedAttrMap): RoiOpParams {
  const a = attrs as unknown as RoiKernelAttrs;
  return {
    kind,
    outputHeight: a.outputSize[0],
    outputWidth: a.outputSize[1],
    samplingRatio: a.samplingRatio ?? 0,
    aligned: a.aligned ?? false,
    aggregation: kind === 'pool' ? 'max' : (a.aggregation ?? 'avg'),
  };
}

function checkFeatures(info: TensorInfo, name: string): void {
  if (info.shape.length !== 4) {
    throw new RoiTensorError(name, `expected rank 4 [B,H,W,C], got shape [${info.shape}]`);
  }
  if (info.dtype !== 'float32') throw new RoiTensorError(name, `expected float32, got ${info.dtype}`);
}

/** Reads, checks and returns the `[R,5]` RoI table. */
function roiTable(backend: KernelBackend, info: TensorInfo, batch: number): Float64Array {
  if (info.shape.length !== 2 || info.shape[1] !== 5) {
    throw new RoiTensorError(
      'rois',
      `expected shape [R,5] (batchIndex, x1, y1, x2, y2), got [${info.shape}]`,
    );
  }
  const rois = readNumbers(backend, info);
  validateRoiTable(rois, batch);
  return rois;
}

function mapOf(info: TensorInfo, data: Float32Array): FeatureMap {
  const [batch, height, width, channels] = info.shape;
  return { data, batch, height, width, channels };
}

/** Forward kernel of a single-level op: inputs `{features, rois}`. */
export function singleLevelForward(kind: RoiOpKind): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as KernelBackend;
    const { features, rois: roisInfo } = inputs as { features: TensorInfo; rois: TensorInfo };
    checkFeatures(features, 'features');
    const p = paramsOf(kind, attrs!);
    const rois = roiTable(backend, roisInfo, features.shape[0]);
    const R = rois.length / 5;
    const out = allocateFloat32(backend, [R, p.outputHeight, p.outputWidth, features.shape[3]], false);
    const values = out.values;
    const map = mapOf(features, float32View(backend, features));
    const scale = (attrs as unknown as RoiKernelAttrs).spatialScale;
    poolRoisForward([map], [scale], null, rois, p, values);
    return out.finish();
  };
}

/** Gradient kernel of a single-level op: inputs `{dy, rois, features}`, output shaped like features. */
export function singleLevelBackward(kind: RoiOpKind): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as KernelBackend;
    const { dy, features, rois: roisInfo } = inputs as Record<string, TensorInfo>;
    checkFeatures(features, 'features');
    const p = paramsOf(kind, attrs!);
    const rois = roiTable(backend, roisInfo, features.shape[0]);
    const grad = allocateFloat32(backend, features.shape, true);
    const g = grad.values;
    const map = mapOf(features, float32View(backend, features));
    const scale = (attrs as unknown as RoiKernelAttrs).spatialScale;
    poolRoisBackward(map, scale, null, 0, rois, p, float32View(backend, dy), g);
    return grad.finish();
  };
}

function levelsOf(a: MultiLevelRoiKernelAttrs, rois: Float64Array): Int32Array {
  return assignFpnLevels(rois, {
    minLevel: a.minLevel,
    maxLevel: a.minLevel + a.scales.length - 1,
    canonicalScale: a.canonicalScale,
    canonicalLevel: a.canonicalLevel,
    eps: a.eps,
  });
}

/** Forward kernel of the multi-level pooler: inputs `[rois, level0, level1, ...]`. */
export const multiLevelForward: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const list = inputs as unknown as TensorInfo[];
  const a = attrs as unknown as MultiLevelRoiKernelAttrs;
  const levelInfos = list.slice(1);
  levelInfos.forEach((info, l) => {
    checkFeatures(info, `features[${l}]`);
  });
  const p = paramsOf(a.kind, attrs!);
  const rois = roiTable(backend, list[0], levelInfos[0].shape[0]);
  const R = rois.length / 5;
  const levels = levelsOf(a, rois);
  const C = levelInfos[0].shape[3];
  const out = allocateFloat32(backend, [R, p.outputHeight, p.outputWidth, C], false);
  const values = out.values;
  const maps = levelInfos.map((info) => mapOf(info, float32View(backend, info)));
  poolRoisForward(maps, a.scales, levels, rois, p, values);
  return out.finish();
};

/** Gradient kernel of the multi-level pooler for one level: inputs `{dy, rois, features}`. */
export const multiLevelBackward: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { dy, features, rois: roisInfo } = inputs as Record<string, TensorInfo>;
  const a = attrs as unknown as MultiLevelRoiKernelAttrs;
  const level = a.level ?? 0;
  checkFeatures(features, `features[${level}]`);
  const p = paramsOf(a.kind, attrs!);
  const rois = roiTable(backend, roisInfo, features.shape[0]);
  const levels = levelsOf(a, rois);
  const grad = allocateFloat32(backend, features.shape, true);
  const g = grad.values;
  const map = mapOf(features, float32View(backend, features));
  poolRoisBackward(map, a.scales[level], levels, level, rois, p, float32View(backend, dy), g);
  return grad.finish();
};
