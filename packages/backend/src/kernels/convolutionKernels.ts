import type {
  KernelBackend,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import {
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  getKernel,
} from '@tensorflow/tfjs-core';
import { ConvolutionShapeError } from '../errors';
import { type ConvGeometry, type ConvPadding, convGeometry } from './convGeometry';
import {
  type ConvContext,
  flippedConvBackpropInput,
  groupedConvBackpropFilter,
  groupedConvBackpropInput,
  groupedConvForward,
  phaseConvBackpropInput,
} from './groupedConvolution';

/** Kernel names of the grouped convolution this package adds (NHWC, filter `[kh,kw,C/groups,O]`). */
export const Conv2DGrouped = 'Conv2DGrouped';
export const Conv2DGroupedBackpropInput = 'Conv2DGroupedBackpropInput';
export const Conv2DGroupedBackpropFilter = 'Conv2DGroupedBackpropFilter';

/** Attributes shared by the three grouped convolution kernels. */
export interface Conv2DGroupedAttrs {
  strides: number | [number, number];
  pad: ConvPadding;
  dilations: number | [number, number];
  groups: number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function attrsOf(attrs: NamedAttrMap | undefined): Conv2DGroupedAttrs {
  return attrs as unknown as Conv2DGroupedAttrs;
}

function checkNhwc(op: string, attrs: NamedAttrMap | undefined): void {
  const format = (attrs as { dataFormat?: string } | undefined)?.dataFormat;
  if (format != null && format !== 'NHWC') {
    throw new ConvolutionShapeError(op, 'dataFormat', `must be 'NHWC', got '${format}'`);
  }
}

function geometry(
  op: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  a: Conv2DGroupedAttrs,
) {
  return convGeometry({
    op,
    xShape,
    filterShape,
    strides: a.strides,
    pad: a.pad,
    dilations: a.dilations,
    groups: a.groups,
    dimRoundingMode: a.dimRoundingMode,
  });
}

/** The same geometry seen by a depthwise convolution: groups = C, filter `[kh,kw,1,C*mult]`. */
function depthwiseGeometry(
  op: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  a: Conv2DGroupedAttrs,
) {
  const [kh, kw, c, mult] = filterShape;
  return geometry(op, xShape, [kh, kw, 1, c * mult], { ...a, groups: c });
}

function kernel(
  kernelName: string,
  backendName: string,
  run: (ctx: ConvContext, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap | undefined) => TensorInfo,
): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) =>
    run({ backend: backend as KernelBackend, backendName }, inputs as Record<string, TensorInfo>, attrs);
  return { kernelName, backendName, kernelFunc };
}

/** One group: the backend's own Conv2D kernel (XNNPACK on wasm) beats patch matrices. */
function forward(
  ctx: ConvContext,
  x: TensorInfo,
  filter: TensorInfo,
  geo: ConvGeometry,
  a: Conv2DGroupedAttrs,
) {
  const conv2d = geo.groups === 1 ? getKernel('Conv2D', ctx.backendName) : undefined;
  if (conv2d == null) return groupedConvForward(ctx, x, filter, geo);
  const attrs = {
    strides: a.strides,
    pad: a.pad,
    dilations: a.dilations,
    dimRoundingMode: a.dimRoundingMode,
    dataFormat: 'NHWC',
  };
  return conv2d.kernelFunc({
    inputs: { x, filter },
    backend: ctx.backend,
    attrs: attrs as unknown as NamedAttrMap,
  }) as TensorInfo;
}

/**
 * The grouped convolution kernels, built only on the backend's BatchMatMul and JS loops over its
 * memory, so they run on any backend that can read its tensors synchronously (cpu, wasm).
 */
export function groupedConvolutionKernels(backendName: string): KernelConfig[] {
  return [
    kernel(Conv2DGrouped, backendName, (ctx, { x, filter }, attrs) => {
      const a = attrsOf(attrs);
      return forward(ctx, x, filter, geometry(Conv2DGrouped, x.shape, filter.shape, a), a);
    }),
    kernel(Conv2DGroupedBackpropInput, backendName, (ctx, { dy, filter }, attrs) => {
      const a = attrsOf(attrs) as Conv2DGroupedAttrs & { inputShape: number[] };
      return groupedConvBackpropInput(
        ctx,
        dy,
        filter,
        geometry(Conv2DGroupedBackpropInput, a.inputShape, filter.shape, a),
      );
    }),
    kernel(Conv2DGroupedBackpropFilter, backendName, (ctx, { x, dy }, attrs) => {
      const a = attrsOf(attrs) as Conv2DGroupedAttrs & { filterShape: number[] };
      return groupedConvBackpropFilter(
        ctx,
        x,
        dy,
        geometry(Conv2DGroupedBackpropFilter, x.shape, a.filterShape, a),
      );
    }),
  ];
}

/**
 * Replacements for tfjs' convolution gradient kernels (Conv2DBackpropFilter and the depthwise
 * pair are missing on wasm; its Conv2DBackpropInput is ~10x slower than the forward conv).
 */
export function convolutionGradientKernels(backendName: string): KernelConfig[] {
  return [
    kernel(Conv2DBackpropInput, backendName, (ctx, { dy, filter }, attrs) => {
      checkNhwc(Conv2DBackpropInput, attrs);
      const a = attrsOf(attrs) as Conv2DGroupedAttrs & { inputShape: number[] };
      const geo = geometry(Conv2DBackpropInput, a.inputShape, filter.shape, {
        ...a,
        dilations: 1,
        groups: 1,
      });
      return (
        flippedConvBackpropInput(ctx, dy, filter, geo) ??
        phaseConvBackpropInput(ctx, dy, filter, geo) ??
        groupedConvBackpropInput(ctx, dy, filter, geo)
      );
    }),
    kernel(Conv2DBackpropFilter, backendName, (ctx, { x, dy }, attrs) => {
      checkNhwc(Conv2DBackpropFilter, attrs);
      const a = attrsOf(attrs) as Conv2DGroupedAttrs & { filterShape: number[] };
      const geo = geometry(Conv2DBackpropFilter, x.shape, a.filterShape, { ...a, dilations: 1, groups: 1 });
      return groupedConvBackpropFilter(ctx, x, dy, geo);
    }),
    kernel(DepthwiseConv2dNativeBackpropInput, backendName, (ctx, { dy, filter }, attrs) => {
      const a = attrsOf(attrs) as Conv2DGroupedAttrs & { inputShape: number[] };
      const geo = depthwiseGeometry(DepthwiseConv2dNativeBackpropInput, a.inputShape, filter.shape, a);
      const [kh, kw, c, mult] = filter.shape;
      const grouped = { dataId: filter.dataId, shape: [kh, kw, 1, c * mult], dtype: filter.dtype };
      return groupedConvBackpropInput(ctx, dy, grouped, geo);
    }),
    kernel(DepthwiseConv2dNativeBackpropFilter, backendName, (ctx, { x, dy }, attrs) => {
      const a = attrsOf(attrs) as Conv2DGroupedAttrs & { filterShape: number[] };
      const geo = depthwiseGeometry(DepthwiseConv2dNativeBackpropFilter, x.shape, a.filterShape, a);
      const out = groupedConvBackpropFilter(ctx, x, dy, geo);
      return { dataId: out.dataId, shape: [...a.filterShape], dtype: out.dtype };
    }),
  ];
}
