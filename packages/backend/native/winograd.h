/* Winograd F(2x2, 3x3) convolutions (winograd.c). */
#ifndef RCNN_NATIVE_WINOGRAD_H
#define RCNN_NATIVE_WINOGRAD_H

#include "kernels.h"

/* Whether a convolution (filter_gradient 0) or its filter gradient (1) takes the Winograd path
 * for this geometry: 3 x 3, stride 1, dilation 1, at least 16 input and output channels, enough
 * 2 x 2 output tiles, and not switched off. */
int rc_winograd_applies(const rc_conv_geometry *g, int filter_gradient);

/* Switch the Winograd path on (default) or off (every convolution then runs the implicit GEMM). */
void rc_set_winograd(int enabled);
int rc_get_winograd(void);

/* y = activation(conv(x, w) + bias) for a geometry rc_winograd_applies accepts. */
int rc_conv2d_winograd(int threads, const rc_conv_geometry *g, const float *x, const float *w, float *y,
                       const float *bias, int activation);

/* dw = gradient of conv(x, w) w.r.t. w given dy, for a geometry rc_winograd_applies accepts. */
int rc_conv2d_backprop_filter_winograd(int threads, const rc_conv_geometry *g, const float *x, const float *dy,
                                       float *dw);

#endif
