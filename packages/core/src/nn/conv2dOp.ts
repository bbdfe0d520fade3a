import { conv2dGrouped } from '@rcnn/backend';
import * as tf from '@tensorflow/tfjs-core';

/** Geometry of a 2-D convolution in torch's terms (symmetric zero padding). */
export interface Conv2dGeometry {
  readonly stride: readonly [number, number];
  /** Zero padding added on both sides, `[top/bottom, left/right]` in pixels. */
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

/** Activation applied after the bias, fused into the convolution where the backend can. */
export type ConvActivation = 'linear' | 'relu';

function padOf(padding: readonly [number, number]): number | tf.backend_util.ExplicitPadding {
  const [ph, pw] = padding;
  if (ph === pw) return ph;
  return [
    [0, 0],
    [ph, ph],
    [pw, pw],
    [0, 0],
  ];
}

function plainConv(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  g: Conv2dGeometry,
  activation: ConvActivation,
): tf.Tensor4D {
  return tf.fused.conv2d({
    x,
    filter,
    bias: bias ?? undefined,
    strides: [g.stride[0], g.stride[1]],
    pad: padOf(g.padding),
    dilations: [g.dilation[0], g.dilation[1]],
    activation,
  });
}

/**
 * 2-D convolution in NHWC with torch semantics: `x` `[N,H,W,C]`, `filter` `[kh,kw,C/groups,O]`,
 * optional `bias` `[O]`, output `[N,H',W',O]` with `H' = floor((H + 2·ph − dh·(kh−1) − 1)/sh) + 1`.
 * Grouped convolutions (`groups > 1`, run by `conv2dGrouped` from @rcnn/backend, which
 * `initBackend` registers): input channels `[k·C/g, (k+1)·C/g)` feed output channels
 * `[k·O/g, (k+1)·O/g)`, as in torch. Differentiable with respect to `x`, `filter` and `bias` (dilation 1 only, a tfjs
 * limit).
 */
export function conv2dNhwc(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  geometry: Conv2dGeometry,
  activation: ConvActivation = 'linear',
): tf.Tensor4D {
  const groups = geometry.groups;
  if (groups === 1) return plainConv(x, filter, bias, geometry, activation);
  return tf.tidy(() => {
    let y = conv2dGrouped(x, filter, {
      strides: [geometry.stride[0], geometry.stride[1]],
      pad: padOf(geometry.padding),
      dilations: [geometry.dilation[0], geometry.dilation[1]],
      groups,
    });
    if (bias != null) y = tf.add(y, bias);
    return activation === 'relu' ? tf.relu(y) : y;
  });
}
