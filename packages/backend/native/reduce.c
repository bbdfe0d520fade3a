/*
 * Column sums of a row-major matrix: the Sum of an [N,H,W,C] tensor over all axes but the channels
 * (the gradients of per-channel scales, shifts and biases). Rows are cut into a fixed number of
 * chunks (independent of the thread count), each summed into its own row of partial sums by one
 * pool task; the partial rows are then added in float64, in order, on the calling thread.
 *
 * Compiled with -mavx2 -mfma (the inner loops vectorise); callers check the CPU first.
 */
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "training_ops.h"

#define MAX_CHUNKS 64
#define MIN_CHUNK_ROWS 64

typedef struct {
  const float *x;
  long rows, cols, per;
  float *partial;
} sum_rows_job;

static void sum_rows_task(void *v, long task, float *scratch) {
  (void)scratch;
  const sum_rows_job *j = v;
  const long r0 = task * j->per;
  const long r1 = r0 + j->per < j->rows ? r0 + j->per : j->rows;
  const long cols = j->cols;
  float *restrict p = j->partial + task * cols;
  memcpy(p, j->x + r0 * cols, (size_t)cols * sizeof(float));
  for (long r = r0 + 1; r < r1; r++) {
    const float *restrict row = j->x + r * cols;
    for (long c = 0; c < cols; c++) p[c] += row[c];
  }
}

int rc_sum_rows(int threads, const float *x, long rows, long cols, float *y) {
  if (cols <= 0) return 0;
  if (rows <= 0) {
    memset(y, 0, (size_t)cols * sizeof(float));
    return 0;
  }
  long per = (rows + MAX_CHUNKS - 1) / MAX_CHUNKS;
  if (per < MIN_CHUNK_ROWS) per = MIN_CHUNK_ROWS;
  const long chunks = (rows + per - 1) / per;
  float *partial = malloc((size_t)chunks * cols * sizeof(float));
  double *acc = calloc((size_t)cols, sizeof(double));
  if (partial == NULL || acc == NULL) {
    free(partial);
    free(acc);
    return -1;
  }
  sum_rows_job j = {x, rows, cols, per, partial};
  int rc = rc_pool_run(threads, chunks, sum_rows_task, &j, 0);
  if (rc == 0) {
    for (long t = 0; t < chunks; t++) {
      const float *p = partial + t * cols;
      for (long c = 0; c < cols; c++) acc[c] += p[c];
    }
    for (long c = 0; c < cols; c++) y[c] = (float)acc[c];
  }
  free(partial);
  free(acc);
  return rc;
}
