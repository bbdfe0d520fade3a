import { backend_util } from '@tensorflow/tfjs-core';
import { ConvolutionShapeError } from '../errors';

/** Padding as tfjs takes it: a mode, a number (all sides) or explicit `[[0,0],[t,b],[l,r],[0,0]]`. */
export type ConvPadding = 'same' | 'valid' | number | backend_util.ExplicitPadding;

/**
 * Everything a grouped 2-D convolution's loops need, NHWC. Input `[N,H,W,C]`, filter
 * `[kh,kw,C/groups,O]`, output `[N,Ho,Wo,O]`; output channel `g*(O/groups)+j` sees input channels
 * `g*(C/groups) .. (g+1)*(C/groups)-1`.
 */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  groups: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  /** Rows / columns of zero padding before the first input row / column. */
  padTop: number;
  padLeft: number;
}

export interface ConvGeometryParams {
  xShape: readonly number[];
  /** `[kh, kw, C/groups, O]`. */
  filterShape: readonly number[];
  strides: number | [number, number];
  pad: ConvPadding;
  dilations?: number | [number, number];
  groups?: number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** Op name used in error messages. */
  op: string;
}

/** Validate shapes and compute the geometry of a (grouped) convolution. */
export function convGeometry(p: ConvGeometryParams): ConvGeometry {
  const groups = p.groups ?? 1;
  if (p.xShape.length !== 4)
    throw new ConvolutionShapeError(p.op, 'x', `must be rank 4 [N,H,W,C], got [${p.xShape}]`);
  if (p.filterShape.length !== 4) {
    throw new ConvolutionShapeError(
      p.op,
      'filter',
      `must be rank 4 [kh,kw,C/groups,O], got [${p.filterShape}]`,
    );
  }
  if (!Number.isInteger(groups) || groups < 1) {
    throw new ConvolutionShapeError(p.op, 'groups', `must be a positive integer, got ${groups}`);
  }
  const [batch, inHeight, inWidth, inChannels] = p.xShape;
  const [kh, kw, cg, outChannels] = p.filterShape;
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new ConvolutionShapeError(
      p.op,
      'groups',
      `${groups} must divide input channels (${inChannels}) and output channels (${outChannels})`,
    );
  }
  if (cg !== inChannels / groups) {
    throw new ConvolutionShapeError(
      p.op,
      'filter',
      `shape [${p.filterShape}] needs dim 2 = C/groups = ${inChannels}/${groups} = ${inChannels / groups}`,
    );
  }
  const info = backend_util.computeConv2DInfo(
    [batch, inHeight, inWidth, inChannels],
    [kh, kw, inChannels, outChannels],
    p.strides,
    p.dilations ?? 1,
    p.pad,
    p.dimRoundingMode,
    false,
    'channelsLast',
  );
  if (info.outHeight <= 0 || info.outWidth <= 0) {
    throw new ConvolutionShapeError(p.op, 'x', `[${p.xShape}] is too small for a ${kh}x${kw} filter`);
  }
  return {
    batch,
    inHeight,
    inWidth,
    inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels,
    groups,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}
