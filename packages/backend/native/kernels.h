/* Float32 GEMM and NHWC convolution kernels (AVX2 + FMA, thread pool). Layouts: row-major; x
 * [N,H,W,C], filter [kh,kw,C,O] (= [K,O] with K = kh*kw*C), y [N,Ho,Wo,O]. */
#ifndef RCNN_NATIVE_KERNELS_H
#define RCNN_NATIVE_KERNELS_H

enum { RC_ACT_LINEAR = 0, RC_ACT_RELU = 1, RC_ACT_RELU6 = 2 };

/* Geometry of a 2-D convolution (pads are the rows / columns of zeros before the first input
 * row / column; they may be negative). */
typedef struct {
  int batch, in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int kh, kw;
  int stride_h, stride_w;
  int dil_h, dil_w;
  int pad_top, pad_left;
} rc_conv_geometry;

/* Every function returns 0, or -1 when memory for its buffers could not be allocated. */

/* C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b] for b < batch (op(A) M x K, op(B) K x N, C M x N,
 * row-major; A stored [K,M] when trans_a, B stored [N,K] when trans_b); element strides between
 * batches may be 0 to broadcast. Then C += bias (length N, may be NULL) and the activation. */
int rc_sgemm(int threads, int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a,
              const float *b, float beta, float *c, long batch, long stride_a, long stride_b, long stride_c,
              const float *bias, int activation);

/* y = activation(conv(x, w) + bias); bias length O or NULL. */
int rc_conv2d(int threads, const rc_conv_geometry *g, const float *x, const float *w, float *y,
               const float *bias, int activation);

/* dx = gradient of conv(x, w) w.r.t. x given dy (overwrites dx). */
int rc_conv2d_backprop_input(int threads, const rc_conv_geometry *g, const float *dy, const float *w,
                              float *dx);

/* dw = gradient of conv(x, w) w.r.t. w given dy (overwrites dw). */
int rc_conv2d_backprop_filter(int threads, const rc_conv_geometry *g, const float *x, const float *dy,
                               float *dw);

#endif
