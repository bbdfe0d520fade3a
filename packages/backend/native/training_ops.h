/* Float32 reductions and pooling gradients of a training step (AVX2 + FMA, thread pool). */
#ifndef RCNN_NATIVE_TRAINING_OPS_H
#define RCNN_NATIVE_TRAINING_OPS_H

/* Geometry of a 2-D max pool over x [N,H,W,C] giving y [N,Ho,Wo,C] (pads are the rows / columns
 * before the first input row / column; dilation 1). */
typedef struct {
  int batch, in_h, in_w, channels;
  int out_h, out_w;
  int kh, kw;
  int stride_h, stride_w;
  int pad_top, pad_left;
} rc_pool_geometry;

/* Every function returns 0, or -1 when memory for its buffers could not be allocated. */

/* y[c] = sum over r < rows of x[r * cols + c] (x row-major [rows, cols], y [cols]). Each of a fixed
 * number of row chunks is summed in float32 in row order, the chunks in float64 in order: the
 * result does not depend on the thread count. */
int rc_sum_rows(int threads, const float *x, long rows, long cols, float *y);

/* dx = gradient of max_pool(x) w.r.t. x given dy [N,Ho,Wo,C] (overwrites dx [N,H,W,C]). Each
 * window's gradient goes to its first maximum in row-major window order; a window without one
 * (empty, or all NaN) passes none. */
int rc_max_pool_grad(int threads, const rc_pool_geometry *g, const float *x, const float *dy, float *dx);

enum { RC_BIN_ADD = 0, RC_BIN_SUB = 1, RC_BIN_MUL = 2 };
enum { RC_BCAST_NONE = 0, RC_BCAST_B = 1, RC_BCAST_A = 2 };
enum { RC_UN_RELU = 0, RC_UN_STEP = 1 };

/* y[i] = a[i] op b[i] for i < n. broadcast RC_BCAST_B: b has `channels` elements, b[i % channels];
 * RC_BCAST_A: likewise a (n a multiple of channels). */
int rc_binary(int threads, int op, int broadcast, const float *a, const float *b, float *y, long n, long channels);

/* y[i] = relu(x[i]) (NaN stays NaN) or step(x[i]) = x > 0 ? 1 : alpha (NaN stays NaN). */
int rc_unary(int threads, int op, float alpha, const float *x, float *y, long n);

#endif
