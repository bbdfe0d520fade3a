import type { GradConfig, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { engine, getBackend, getKernel } from '@tensorflow/tfjs-core';
import { KernelNotRegisteredError } from '../errors';
import { type ConvPadding, convGeometry } from '../kernels/convGeometry';
import {
  Conv2DGrouped,
  type Conv2DGroupedAttrs,
  Conv2DGroupedBackpropFilter,
  Conv2DGroupedBackpropInput,
} from '../kernels/convolutionKernels';

/** Options of {@link conv2dGrouped}; strides and dilations are `[height, width]` or one number. */
export interface Conv2DGroupedOptions {
  strides?: number | [number, number];
  /** `'same'`, `'valid'`, a number (all sides) or explicit `[[0,0],[top,bottom],[left,right],[0,0]]`. */
  pad: ConvPadding;
  dilations?: number | [number, number];
  /** Number of channel groups (ResNeXt 32x4d: 32); 1 is an ordinary convolution. */
  groups?: number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Grouped 2-D convolution (PyTorch's `Conv2d(groups=G)`), differentiable w.r.t. both inputs.
 *
 * @param x `[N,H,W,C]` float32.
 * @param filter `[kh,kw,C/groups,O]`; output channels `g*(O/groups) .. (g+1)*(O/groups)-1` read
 *   input channels `g*(C/groups) .. (g+1)*(C/groups)-1` (PyTorch's `[O,C/groups,kh,kw]` transposed).
 * @returns `[N,Ho,Wo,O]`.
 * @throws ConvolutionShapeError naming the argument at fault; KernelNotRegisteredError before `initBackend`.
 */
export function conv2dGrouped(x: Tensor4D, filter: Tensor4D, options: Conv2DGroupedOptions): Tensor4D {
  const attrs: Conv2DGroupedAttrs = {
    strides: options.strides ?? 1,
    pad: options.pad,
    dilations: options.dilations ?? 1,
    groups: options.groups ?? 1,
    dimRoundingMode: options.dimRoundingMode,
  };
  convGeometry({ op: 'conv2dGrouped', xShape: x.shape, filterShape: filter.shape, ...attrs });
  const backendName = getBackend();
  if (getKernel(Conv2DGrouped, backendName) == null)
    throw new KernelNotRegisteredError(Conv2DGrouped, backendName);
  return engine().runKernel(Conv2DGrouped, { x, filter }, attrs as unknown as NamedAttrMap) as Tensor4D;
}

/** Gradient of {@link conv2dGrouped}: both halves run this package's grouped kernels. */
export const conv2dGroupedGradConfig: GradConfig = {
  kernelName: Conv2DGrouped,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x, filter] = saved;
    const g = dy as Tensor;
    return {
      x: () =>
        engine().runKernel(Conv2DGroupedBackpropInput, { dy: g, filter }, {
          ...attrs,
          inputShape: x.shape,
        } as unknown as NamedAttrMap) as Tensor,
      filter: () =>
        engine().runKernel(Conv2DGroupedBackpropFilter, { x, dy: g }, {
          ...attrs,
          filterShape: filter.shape,
        } as unknown as NamedAttrMap) as Tensor,
    };
  },
};
