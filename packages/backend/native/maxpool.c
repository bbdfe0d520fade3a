/*
 * Gradient of a 2-D max pool (NHWC, dilation 1). One pool task per input row (image, row): it
 * zeroes that row of dx, then visits every output position whose window covers the row, finds
 * the window's first maximum per channel (row-major window order, strict `>`, as tfjs' cpu
 * backend) and adds dy to dx where that maximum lies in the task's row. Windows spanning several
 * rows are searched once per row they cover (a 3x3 / stride 2 pool: about twice), which keeps
 * every write inside the task's own row: no races, no atomics, results independent of threads.
 *
 * Compiled with -mavx2 -mfma (the channel loops vectorise); callers check the CPU first.
 */
#include <math.h>
#include <string.h>

#include "pool.h"
#include "training_ops.h"

typedef struct {
  const rc_pool_geometry *g;
  const float *x, *dy;
  float *dx;
} max_pool_grad_job;

static long floor_div(long a, long b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

static void max_pool_grad_task(void *v, long task, float *scratch) {
  const max_pool_grad_job *j = v;
  const rc_pool_geometry *g = j->g;
  const long C = g->channels, in_h = g->in_h, in_w = g->in_w;
  const long b = task / in_h, xr = task % in_h;
  float *restrict best = scratch;
  int *restrict pos = (int *)(scratch + C);
  float *restrict dx_row = j->dx + (b * in_h + xr) * in_w * C;
  memset(dx_row, 0, (size_t)(in_w * C) * sizeof(float));
  const float *x_img = j->x + b * in_h * in_w * C;
  // Output rows yr whose window [yr*sh - pt, yr*sh - pt + kh) holds xr.
  long yr_lo = floor_div(xr + g->pad_top - g->kh, g->stride_h) + 1;
  long yr_hi = floor_div(xr + g->pad_top, g->stride_h);
  if (yr_lo < 0) yr_lo = 0;
  if (yr_hi > g->out_h - 1) yr_hi = g->out_h - 1;
  const int row_lo = (int)(xr * in_w), row_hi = (int)((xr + 1) * in_w);
  for (long yr = yr_lo; yr <= yr_hi; yr++) {
    const long rc = yr * g->stride_h - g->pad_top;
    const long r0 = rc > 0 ? rc : 0;
    const long r1 = rc + g->kh < in_h ? rc + g->kh : in_h;
    for (long yc = 0; yc < g->out_w; yc++) {
      const long cc = yc * g->stride_w - g->pad_left;
      const long c0 = cc > 0 ? cc : 0;
      const long c1 = cc + g->kw < in_w ? cc + g->kw : in_w;
      for (long d = 0; d < C; d++) {
        best[d] = -INFINITY;
        pos[d] = -1;
      }
      for (long r = r0; r < r1; r++) {
        for (long c = c0; c < c1; c++) {
          const float *restrict xp = x_img + (r * in_w + c) * C;
          const int p = (int)(r * in_w + c);
          for (long d = 0; d < C; d++) {
            const float value = xp[d];
            const int greater = value > best[d];
            best[d] = greater ? value : best[d];
            pos[d] = greater ? p : pos[d];
          }
        }
      }
      const float *restrict dyp = j->dy + ((b * g->out_h + yr) * g->out_w + yc) * C;
      for (long d = 0; d < C; d++) {
        const int p = pos[d];
        if (p >= row_lo && p < row_hi) dx_row[(long)(p - row_lo) * C + d] += dyp[d];
      }
    }
  }
}

int rc_max_pool_grad(int threads, const rc_pool_geometry *g, const float *x, const float *dy, float *dx) {
  const long tasks = (long)g->batch * g->in_h;
  if (tasks == 0 || g->in_w == 0 || g->channels == 0) return 0;
  max_pool_grad_job j = {g, x, dy, dx};
  return rc_pool_run(threads, tasks, max_pool_grad_task, &j, 2 * (size_t)g->channels);
}
