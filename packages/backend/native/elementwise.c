/*
 * Float32 elementwise maps of a training step: Add, Sub, Multiply of same-shape operands or of an
 * [..., C] tensor and a per-channel [C] operand (frozen BatchNorm's scale and shift, biases), and
 * Relu / Step (the Relu gradient's mask). Work is cut into fixed blocks of whole rows of C taken by
 * pool tasks; every element is computed independently, so results do not depend on threads.
 *
 * Compiled with -mavx2 -mfma (the loops vectorise); callers check the CPU first.
 */
#include <math.h>

#include "pool.h"
#include "training_ops.h"

#define BLOCK 32768

typedef struct {
  int op, broadcast;
  const float *a, *b;
  float *y;
  long n, channels, per;
} binary_job;

#define BINARY_LOOP(expr)                                                                                     \
  do {                                                                                                        \
    if (j->broadcast == RC_BCAST_NONE) {                                                                      \
      for (long i = i0; i < i1; i++) {                                                                        \
        const float u = a[i], v = b[i];                                                                       \
        y[i] = (expr);                                                                                        \
      }                                                                                                       \
    } else if (j->broadcast == RC_BCAST_B) {                                                                  \
      for (long r = i0; r < i1; r += C)                                                                       \
        for (long c = 0; c < C; c++) {                                                                        \
          const float u = a[r + c], v = b[c];                                                                 \
          y[r + c] = (expr);                                                                                  \
        }                                                                                                     \
    } else {                                                                                                  \
      for (long r = i0; r < i1; r += C)                                                                       \
        for (long c = 0; c < C; c++) {                                                                        \
          const float u = a[c], v = b[r + c];                                                                 \
          y[r + c] = (expr);                                                                                  \
        }                                                                                                     \
    }                                                                                                         \
  } while (0)

static void binary_task(void *v, long task, float *scratch) {
  (void)scratch;
  const binary_job *j = v;
  const float *restrict a = j->a;
  const float *restrict b = j->b;
  float *restrict y = j->y;
  const long C = j->channels;
  const long i0 = task * j->per;
  const long i1 = i0 + j->per < j->n ? i0 + j->per : j->n;
  switch (j->op) {
    case RC_BIN_ADD:
      BINARY_LOOP(u + v);
      break;
    case RC_BIN_SUB:
      BINARY_LOOP(u - v);
      break;
    default:
      BINARY_LOOP(u * v);
      break;
  }
}

int rc_binary(int threads, int op, int broadcast, const float *a, const float *b, float *y, long n, long channels) {
  if (n <= 0) return 0;
  const long c = broadcast == RC_BCAST_NONE || channels < 1 ? 1 : channels;
  /* whole rows of `c` per task */
  long per = BLOCK / c * c;
  if (per < c) per = c;
  binary_job j = {op, broadcast, a, b, y, n, c, per};
  return rc_pool_run(threads, (n + per - 1) / per, binary_task, &j, 0);
}

typedef struct {
  int op;
  float alpha;
  const float *x;
  float *y;
  long n;
} unary_job;

static void unary_task(void *v, long task, float *scratch) {
  (void)scratch;
  const unary_job *j = v;
  const float *restrict x = j->x;
  float *restrict y = j->y;
  const long i0 = task * BLOCK;
  const long i1 = i0 + BLOCK < j->n ? i0 + BLOCK : j->n;
  if (j->op == RC_UN_RELU) {
    for (long i = i0; i < i1; i++) y[i] = x[i] <= 0 ? 0.0f : x[i]; /* -0 -> 0, NaN kept */
  } else {
    const float alpha = j->alpha;
    for (long i = i0; i < i1; i++) y[i] = x[i] > 0 ? 1.0f : (x[i] != x[i] ? x[i] : alpha);
  }
}

int rc_unary(int threads, int op, float alpha, const float *x, float *y, long n) {
  if (n <= 0) return 0;
  unary_job j = {op, alpha, x, y, n};
  return rc_pool_run(threads, (n + BLOCK - 1) / BLOCK, unary_task, &j, 0);
}
