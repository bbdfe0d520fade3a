/*
 * 3 x 3, stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, 2016):
 * each 2 x 2 block of outputs ("tile") is computed from its 4 x 4 input patch with 16 products
 * per (input, output) channel pair instead of 36, so the GEMM work is 2.25x smaller.
 *
 *   U = G g G^T      (per filter 3 x 3 -> 4 x 4, once per call)
 *   V = B^T d B      (per tile and input channel, 4 x 4 -> 4 x 4)
 *   M[xi] = V[xi] U[xi]   (16 GEMMs: tiles x C times C x O)
 *   y = A^T M A      (per tile and output channel, 4 x 4 -> 2 x 2), then bias and activation
 *
 * The tiles are cut into blocks of at most MC; one task transforms a block's inputs into its own
 * scratch, runs the 16 products against U (packed once per call into the GEMM's B layout), and
 * writes its outputs, so the transformed data never leaves the task's cache-sized buffers. Every
 * output accumulates over channels in the same order whatever the thread count.
 *
 * Compiled with -mavx2 -mfma; callers check the CPU first (addon.c does).
 */
#include "gemm_internal.h"
#include "kernels.h"
#include "pool.h"
#include "winograd.h"

#include <immintrin.h>
#include <stdlib.h>

#ifndef WINOGRAD_MIN_TILES
#define WINOGRAD_MIN_TILES 48
#endif
#ifndef WINOGRAD_MIN_TILES_FILTER
#define WINOGRAD_MIN_TILES_FILTER 16
#endif

static int winograd_enabled = 1;

void rc_set_winograd(int enabled) { winograd_enabled = enabled != 0; }

int rc_get_winograd(void) { return winograd_enabled; }

/* --------------------------------------------------------------- tiles */

/* The 2 x 2 output tiles of a convolution: `h` x `w` per image (the last row / column may be
 * partial), `count` in all. */
typedef struct {
  long h, w, count;
} tile_grid;

static tile_grid tile_grid_of(const rc_conv_geometry *g) {
  tile_grid t = {(g->out_h + 1) / 2, (g->out_w + 1) / 2, 0};
  t.count = (long)g->batch * t.h * t.w;
  return t;
}

/* Image, tile row and tile column of tile `tile`. */
static inline void tile_position(tile_grid t, long tile, long *n, long *ty, long *tx) {
  *n = tile / (t.h * t.w);
  long rem = tile - *n * t.h * t.w;
  *ty = rem / t.w;
  *tx = rem - *ty * t.w;
}

int rc_winograd_applies(const rc_conv_geometry *g, int filter_gradient) {
  if (!winograd_enabled) return 0;
  if (g->kh != 3 || g->kw != 3 || g->stride_h != 1 || g->stride_w != 1 || g->dil_h != 1 || g->dil_w != 1)
    return 0;
  /* The transforms cost O(C + O) per tile and the products O(C * O): narrow layers stay with the
   * implicit GEMM. */
  if (g->in_c < 16 || g->out_c < 16) return 0;
  /* The forward's filter transform (16 C O once per call) is paid back from about 48 tiles (a
   * 14 x 14 map: measured 1.5x faster at 16 x 16, slower at 8 x 8); the filter gradient has no
   * such fixed cost and wins from 16 tiles. */
  tile_grid t = tile_grid_of(g);
  long per_image = t.h * t.w;
  /* The forward (and the input gradient, a forward of its own) decides per image, so an image's
   * output does not depend on the batch it comes in; the filter gradient sums over the batch. */
  if (!filter_gradient) return per_image >= WINOGRAD_MIN_TILES;
  return t.count >= WINOGRAD_MIN_TILES_FILTER;
}

/* --------------------------------------------------------------- transforms */

/* U = G g G^T for output channels [o, o + 8) of input channel c; w is [3, 3, C, O]. u[16] of 8. */
static inline void filter_transform8(const float *w, long C, long O, long c, long o, __m256 *u) {
  const __m256 half = _mm256_set1_ps(0.5f);
  __m256 g[9];
  for (int t = 0; t < 9; t++) g[t] = _mm256_loadu_ps(w + (t * C + c) * O + o);
  /* Rows: G g (4 x 3). */
  __m256 r[12];
  for (int j = 0; j < 3; j++) {
    __m256 g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
    __m256 s = _mm256_add_ps(g0, g2);
    r[j] = g0;
    r[3 + j] = _mm256_mul_ps(half, _mm256_add_ps(s, g1));
    r[6 + j] = _mm256_mul_ps(half, _mm256_sub_ps(s, g1));
    r[9 + j] = g2;
  }
  /* Columns: (G g) G^T (4 x 4). */
  for (int i = 0; i < 4; i++) {
    __m256 a0 = r[3 * i], a1 = r[3 * i + 1], a2 = r[3 * i + 2];
    __m256 s = _mm256_add_ps(a0, a2);
    u[4 * i] = a0;
    u[4 * i + 1] = _mm256_mul_ps(half, _mm256_add_ps(s, a1));
    u[4 * i + 2] = _mm256_mul_ps(half, _mm256_sub_ps(s, a1));
    u[4 * i + 3] = a2;
  }
}

static inline void filter_transform1(const float *w, long C, long O, long c, long o, float *u) {
  float g[9], r[12];
  for (int t = 0; t < 9; t++) g[t] = w[(t * C + c) * O + o];
  for (int j = 0; j < 3; j++) {
    float s = g[j] + g[6 + j];
    r[j] = g[j];
    r[3 + j] = 0.5f * (s + g[3 + j]);
    r[6 + j] = 0.5f * (s - g[3 + j]);
    r[9 + j] = g[6 + j];
  }
  for (int i = 0; i < 4; i++) {
    float s = r[3 * i] + r[3 * i + 2];
    u[4 * i] = r[3 * i];
    u[4 * i + 1] = 0.5f * (s + r[3 * i + 1]);
    u[4 * i + 2] = 0.5f * (s - r[3 * i + 1]);
    u[4 * i + 3] = r[3 * i + 2];
  }
}

/* V = B^T d B on 16 vectors (rows of d in order), in place. */
#define INPUT_TRANSFORM(T, ADD, SUB)                                  \
  do {                                                                \
    for (int j = 0; j < 4; j++) {                                     \
      T d0 = v[j], d1 = v[4 + j], d2 = v[8 + j], d3 = v[12 + j];      \
      v[j] = SUB(d0, d2);                                             \
      v[4 + j] = ADD(d1, d2);                                         \
      v[8 + j] = SUB(d2, d1);                                         \
      v[12 + j] = SUB(d1, d3);                                        \
    }                                                                 \
    for (int i = 0; i < 4; i++) {                                     \
      T d0 = v[4 * i], d1 = v[4 * i + 1], d2 = v[4 * i + 2], d3 = v[4 * i + 3]; \
      v[4 * i] = SUB(d0, d2);                                         \
      v[4 * i + 1] = ADD(d1, d2);                                     \
      v[4 * i + 2] = SUB(d2, d1);                                     \
      v[4 * i + 3] = SUB(d1, d3);                                     \
    }                                                                 \
  } while (0)

/* y (2 x 2) = A^T m A on 16 vectors: y[0..3] row-major. */
#define OUTPUT_TRANSFORM(T, ADD, SUB)                                             \
  do {                                                                            \
    T s0[4], s1[4];                                                               \
    for (int j = 0; j < 4; j++) {                                                 \
      s0[j] = ADD(ADD(m[j], m[4 + j]), m[8 + j]);                                 \
      s1[j] = SUB(SUB(m[4 + j], m[8 + j]), m[12 + j]);                            \
    }                                                                             \
    y[0] = ADD(ADD(s0[0], s0[1]), s0[2]);                                         \
    y[1] = SUB(SUB(s0[1], s0[2]), s0[3]);                                         \
    y[2] = ADD(ADD(s1[0], s1[1]), s1[2]);                                         \
    y[3] = SUB(SUB(s1[1], s1[2]), s1[3]);                                         \
  } while (0)

#define VADD(a, b) _mm256_add_ps(a, b)
#define VSUB(a, b) _mm256_sub_ps(a, b)
#define SADD(a, b) ((a) + (b))
#define SSUB(a, b) ((a) - (b))

/* --------------------------------------------------------------- the job */

typedef struct {
  const rc_conv_geometry *g;
  const float *x;
  const float *upack; /* [16][C rows in KC blocks][O padded to NR], the GEMM's B layout */
  float *y;
  const float *bias;
  int activation;
  tile_grid grid;
  long block;                   /* tiles per task, a multiple of MR, at most MC */
  long o_pad;                   /* O rounded up to NR */
} wino_job;

static inline long packed_u_offset(const wino_job *j, long xi, long pc) {
  return xi * (long)j->g->in_c * j->o_pad + pc * j->o_pad;
}

/* Transform the 4 x 4 input patches of tiles [t0, t0 + count) into v[xi - xi0][t][c] (row stride
 * C, `plane` floats per xi) for xi in [xi0, xi1). */
static void transform_inputs(const rc_conv_geometry *g, const float *x, tile_grid grid, long t0, long count,
                             float *v, long plane, int xi0, int xi1) {
  const long C = g->in_c, H = g->in_h, W = g->in_w;
  const __m256 zero = _mm256_setzero_ps();
  for (long t = 0; t < count; t++) {
    long tile = t0 + t;
    long n, ty, tx;
    tile_position(grid, tile, &n, &ty, &tx);
    long ih0 = 2 * ty - g->pad_top, iw0 = 2 * tx - g->pad_left;
    const float *img = x + n * H * W * C;
    const float *rows[16];
    for (int a = 0; a < 4; a++)
      for (int b = 0; b < 4; b++) {
        long ih = ih0 + a, iw = iw0 + b;
        rows[4 * a + b] = ih >= 0 && ih < H && iw >= 0 && iw < W ? img + (ih * W + iw) * C : NULL;
      }
    float *dst = v + t * C;
    long c = 0;
    for (; c + 8 <= C; c += 8) {
      __m256 v[16];
      for (int q = 0; q < 16; q++) v[q] = rows[q] ? _mm256_loadu_ps(rows[q] + c) : zero;
      INPUT_TRANSFORM(__m256, VADD, VSUB);
      for (int q = xi0; q < xi1; q++) _mm256_storeu_ps(dst + (q - xi0) * plane + c, v[q]);
    }
    for (; c < C; c++) {
      float v[16];
      for (int q = 0; q < 16; q++) v[q] = rows[q] ? rows[q][c] : 0.0f;
      INPUT_TRANSFORM(float, SADD, SSUB);
      for (int q = xi0; q < xi1; q++) dst[(q - xi0) * plane + c] = v[q];
    }
  }
}

static inline float activate(float v, int activation) {
  if (activation == RC_ACT_RELU) return v > 0.0f ? v : 0.0f;
  if (activation == RC_ACT_RELU6) return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
  return v;
}

static inline __m256 activate8(__m256 v, int activation) {
  if (activation == RC_ACT_RELU) return _mm256_max_ps(v, _mm256_setzero_ps());
  if (activation == RC_ACT_RELU6)
    return _mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(6.0f));
  return v;
}

/* Outputs of tiles [t0, t0 + count) from m[xi][t][o] (row stride O). */
static void transform_outputs(const wino_job *j, long t0, long count, const float *mm) {
  const rc_conv_geometry *g = j->g;
  const long O = g->out_c, OH = g->out_h, OW = g->out_w;
  const long plane = (long)j->block * O;
  for (long t = 0; t < count; t++) {
    long tile = t0 + t;
    long n, ty, tx;
    tile_position(j->grid, tile, &n, &ty, &tx);
    long oh = 2 * ty, ow = 2 * tx;
    float *out[4];
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 2; b++)
        out[2 * a + b] = oh + a < OH && ow + b < OW ? j->y + ((n * OH + oh + a) * OW + ow + b) * O : NULL;
    const float *src = mm + t * O;
    long o = 0;
    for (; o + 8 <= O; o += 8) {
      __m256 m[16], y[4];
      for (int q = 0; q < 16; q++) m[q] = _mm256_loadu_ps(src + q * plane + o);
      OUTPUT_TRANSFORM(__m256, VADD, VSUB);
      __m256 b = j->bias ? _mm256_loadu_ps(j->bias + o) : _mm256_setzero_ps();
      for (int q = 0; q < 4; q++)
        if (out[q]) _mm256_storeu_ps(out[q] + o, activate8(_mm256_add_ps(y[q], b), j->activation));
    }
    for (; o < O; o++) {
      float m[16], y[4];
      for (int q = 0; q < 16; q++) m[q] = src[q * plane + o];
      OUTPUT_TRANSFORM(float, SADD, SSUB);
      float b = j->bias ? j->bias[o] : 0.0f;
      for (int q = 0; q < 4; q++)
        if (out[q]) out[q][o] = activate(y[q] + b, j->activation);
    }
  }
}

/* One block of tiles: transform, 16 products, inverse transform. scratch: v, m, packed A. */
static void block_task(void *ctx, long task, float *scratch) {
  const wino_job *j = ctx;
  const long C = j->g->in_c, O = j->g->out_c;
  long t0 = task * j->block;
  long count = j->grid.count - t0 < j->block ? j->grid.count - t0 : j->block;
  float *v = scratch;
  float *m = v + 16 * j->block * C;
  float *apack = m + 16 * j->block * O;
  transform_inputs(j->g, j->x, j->grid, t0, count, v, j->block * C, 0, 16);
  const long slivers = (O + NR - 1) / NR;
  for (long xi = 0; xi < 16; xi++) {
    const float *a = v + xi * j->block * C;
    float *c = m + xi * j->block * O;
    for (long pc = 0; pc < C; pc += KC) {
      long kc = C - pc < KC ? C - pc : KC;
      float beta = pc == 0 ? 0.0f : 1.0f;
      rc_pack_a(a, C, 1, 0, count, pc, kc, apack);
      const float *u = j->upack + packed_u_offset(j, xi, pc);
      for (long s = 0; s < slivers; s++) {
        long nr = O - s * NR < NR ? O - s * NR : NR;
        const float *bs = u + s * NR * kc;
        for (long ir = 0; ir < count; ir += MR) {
          long mr = count - ir < MR ? count - ir : MR;
          rc_micro_kernel(kc, apack + ir * kc, bs, c + ir * O + s * NR, O, 1, mr, nr, beta);
        }
      }
    }
  }
  transform_outputs(j, t0, count, m);
}

typedef struct {
  const float *w;
  long C, O, o_pad;
  float *upack; /* [16][C rows in KC blocks][O padded to NR], the GEMM's B layout */
  long per;     /* input channels per task */
} filter_job;

/* Where U[xi][c][o] lives in the packed layout (o within one NR-wide sliver). */
static inline float *packed_u(const filter_job *f, long xi, long c, long o) {
  long pc = c / KC * KC;
  long kc = f->C - pc < KC ? f->C - pc : KC;
  return f->upack + xi * f->C * f->o_pad + pc * f->o_pad + (o / NR) * NR * kc + (c - pc) * NR + o % NR;
}

/* Transform the filters of a range of input channels straight into the packed layout. */
static void filter_task(void *ctx, long task, float *scratch) {
  (void)scratch;
  const filter_job *f = ctx;
  const long C = f->C, O = f->O;
  long c0 = task * f->per, c1 = c0 + f->per < C ? c0 + f->per : C;
  for (long c = c0; c < c1; c++) {
    long o = 0;
    for (; o + 8 <= O; o += 8) {
      __m256 u[16];
      filter_transform8(f->w, C, O, c, o, u);
      for (int q = 0; q < 16; q++) _mm256_storeu_ps(packed_u(f, q, c, o), u[q]);
    }
    for (; o < f->o_pad; o++) {
      float u[16] = {0};
      if (o < O) filter_transform1(f->w, C, O, c, o, u);
      for (int q = 0; q < 16; q++) *packed_u(f, q, c, o) = u[q];
    }
  }
}

int rc_conv2d_winograd(int threads, const rc_conv_geometry *g, const float *x, const float *w, float *y,
                       const float *bias, int activation) {
  const long C = g->in_c, O = g->out_c;
  const long o_pad = (O + NR - 1) / NR * NR;
  /* Kept by this thread between calls: fresh pages for 16 C O floats (16 MB at 512 x 512) on
   * every call cost about as much as the products on a 16 x 16 map. */
  float *upack = rc_thread_buffer(0, (size_t)(16 * C * o_pad));
  if (upack == NULL) return -1;
  long ftasks = threads > 1 && C >= 8L * threads ? 4L * threads : 1;
  filter_job f = {w, C, O, o_pad, upack, (C + ftasks - 1) / ftasks};
  int rc = rc_pool_run(threads, ftasks, filter_task, &f, 0);
  if (rc != 0) return rc;
  wino_job j;
  j.g = g;
  j.x = x;
  j.upack = upack;
  j.y = y;
  j.bias = bias;
  j.activation = activation;
  j.grid = tile_grid_of(g);
  j.o_pad = o_pad;
  /* Blocks of at most MC tiles (each reads all of U once per block: big blocks reuse it), split
   * so that every thread has one, and never below 4 slivers. */
  long want = (j.grid.count + threads - 1) / threads;
  long block = (want + MR - 1) / MR * MR;
  if (block > MC) block = MC;
  if (block < 4 * MR) block = 4 * MR;
  j.block = block;
  long tasks = (j.grid.count + block - 1) / block;
  size_t scratch = (size_t)(16 * block * C + 16 * block * O + block * KC);
  return rc_pool_run(threads, tasks, block_task, &j, scratch);
}

/* ------------------------------------------------------- filter gradient */

/*
 * dW = G^T [ sum over tiles of (B^T d B) (.) (A e A^T) ] G, with d a tile's 4 x 4 input patch and
 * e its 2 x 2 output gradient: 16 products dU[xi] (C x O) = V[xi]^T (C x tiles) E[xi] (tiles x O)
 * over all tiles, then one inverse transform per filter. The 16 xi are split between tasks; each
 * task walks every tile in order (blocks of KC tiles), transforming only its own xi, so every
 * sum runs in the same order whatever the thread count.
 */

typedef struct {
  const rc_conv_geometry *g;
  const float *x, *dy;
  float *du; /* [16][C][O] */
  tile_grid grid;
  int per_task; /* xi per task */
} wino_grad_job;

/* e (2 x 2, zero outside the output) -> A e A^T (4 x 4) for tiles [t0, t0 + count), output
 * channels all, into e_out[xi - xi0][t][o] (row stride O, `plane` floats per xi). */
static void transform_output_grads(const wino_grad_job *j, long t0, long count, float *e_out, long plane,
                                   int xi0, int xi1) {
  const rc_conv_geometry *g = j->g;
  const long O = g->out_c, OH = g->out_h, OW = g->out_w;
  const __m256 zero = _mm256_setzero_ps();
  for (long t = 0; t < count; t++) {
    long tile = t0 + t;
    long n, ty, tx;
    tile_position(j->grid, tile, &n, &ty, &tx);
    long oh = 2 * ty, ow = 2 * tx;
    const float *src[4];
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 2; b++)
        src[2 * a + b] = oh + a < OH && ow + b < OW ? j->dy + ((n * OH + oh + a) * OW + ow + b) * O : NULL;
    float *dst = e_out + t * O;
    long o = 0;
    for (; o + 8 <= O; o += 8) {
      __m256 e[4];
      for (int q = 0; q < 4; q++) e[q] = src[q] ? _mm256_loadu_ps(src[q] + o) : zero;
      /* Rows: A e (4 x 2), A = [1 0; 1 1; 1 -1; 0 -1]. */
      __m256 r[8] = {e[0],
                     e[1],
                     _mm256_add_ps(e[0], e[2]),
                     _mm256_add_ps(e[1], e[3]),
                     _mm256_sub_ps(e[0], e[2]),
                     _mm256_sub_ps(e[1], e[3]),
                     _mm256_sub_ps(zero, e[2]),
                     _mm256_sub_ps(zero, e[3])};
      for (int i = 0; i < 4; i++) {
        __m256 a0 = r[2 * i], a1 = r[2 * i + 1];
        __m256 v[4] = {a0, _mm256_add_ps(a0, a1), _mm256_sub_ps(a0, a1), _mm256_sub_ps(zero, a1)};
        for (int q = 0; q < 4; q++) {
          int xi = 4 * i + q;
          if (xi >= xi0 && xi < xi1) _mm256_storeu_ps(dst + (xi - xi0) * plane + o, v[q]);
        }
      }
    }
    for (; o < O; o++) {
      float e[4];
      for (int q = 0; q < 4; q++) e[q] = src[q] ? src[q][o] : 0.0f;
      float r[8] = {e[0], e[1], e[0] + e[2], e[1] + e[3], e[0] - e[2], e[1] - e[3], -e[2], -e[3]};
      for (int i = 0; i < 4; i++) {
        float a0 = r[2 * i], a1 = r[2 * i + 1];
        float v[4] = {a0, a0 + a1, a0 - a1, -a1};
        for (int q = 0; q < 4; q++) {
          int xi = 4 * i + q;
          if (xi >= xi0 && xi < xi1) dst[(xi - xi0) * plane + o] = v[q];
        }
      }
    }
  }
}

/* Task: dU[xi] for xi in [task * per_task, +per_task), over every tile. Scratch: V and E of one
 * block for those xi, the packed B (E) of one xi, and a packed A panel. */
static void grad_task(void *ctx, long task, float *scratch) {
  const wino_grad_job *j = ctx;
  const long C = j->g->in_c, O = j->g->out_c;
  const int xi0 = (int)task * j->per_task, xi1 = xi0 + j->per_task < 16 ? xi0 + j->per_task : 16;
  const long nxi = xi1 - xi0;
  const long o_pad = (O + NR - 1) / NR * NR;
  float *v = scratch;
  float *e = v + nxi * KC * C;
  float *bpack = e + nxi * KC * O;
  float *apack = bpack + KC * o_pad;
  const long slivers = o_pad / NR;
  for (long t0 = 0; t0 < j->grid.count; t0 += KC) {
    long kc = j->grid.count - t0 < KC ? j->grid.count - t0 : KC;
    transform_inputs(j->g, j->x, j->grid, t0, kc, v, KC * C, xi0, xi1);
    transform_output_grads(j, t0, kc, e, KC * O, xi0, xi1);
    float beta = t0 == 0 ? 0.0f : 1.0f;
    for (long q = 0; q < nxi; q++) {
      /* dU[xi] (C x O) += V[xi]^T (C x kc) E[xi] (kc x O). */
      rc_pack_b_rows(e + q * KC * O, O, 0, kc, 0, O, bpack);
      const float *vt = v + q * KC * C; /* element (c, t) at vt[t * C + c] */
      float *du = j->du + (xi0 + q) * C * O;
      for (long ic = 0; ic < C; ic += MC) {
        long mc = C - ic < MC ? C - ic : MC;
        rc_pack_a(vt, 1, C, ic, mc, 0, kc, apack);
        for (long s = 0; s < slivers; s++) {
          long nr = O - s * NR < NR ? O - s * NR : NR;
          for (long ir = 0; ir < mc; ir += MR) {
            long mr = mc - ir < MR ? mc - ir : MR;
            rc_micro_kernel(kc, apack + ir * kc, bpack + s * NR * kc, du + (ic + ir) * O + s * NR, O, 1, mr, nr,
                            beta);
          }
        }
      }
    }
  }
}

typedef struct {
  const float *du;
  float *dw;
  long C, O, per;
} grad_out_job;

/* dW[3][3][c][o] = G^T dU[.][c][o] G for a range of input channels. */
static void grad_out_task(void *ctx, long task, float *scratch) {
  (void)scratch;
  const grad_out_job *f = ctx;
  const long C = f->C, O = f->O, plane = C * O;
  long c0 = task * f->per, c1 = c0 + f->per < C ? c0 + f->per : C;
  const __m256 half = _mm256_set1_ps(0.5f);
  for (long c = c0; c < c1; c++) {
    long o = 0;
    for (; o + 8 <= O; o += 8) {
      __m256 u[16], r[12];
      for (int q = 0; q < 16; q++) u[q] = _mm256_loadu_ps(f->du + q * plane + c * O + o);
      /* Rows: G^T u (3 x 4), G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1]. */
      for (int k = 0; k < 4; k++) {
        __m256 s = _mm256_mul_ps(half, _mm256_add_ps(u[4 + k], u[8 + k]));
        r[k] = _mm256_add_ps(u[k], s);
        r[4 + k] = _mm256_mul_ps(half, _mm256_sub_ps(u[4 + k], u[8 + k]));
        r[8 + k] = _mm256_add_ps(s, u[12 + k]);
      }
      for (int i = 0; i < 3; i++) {
        __m256 s = _mm256_mul_ps(half, _mm256_add_ps(r[4 * i + 1], r[4 * i + 2]));
        __m256 w0 = _mm256_add_ps(r[4 * i], s);
        __m256 w1 = _mm256_mul_ps(half, _mm256_sub_ps(r[4 * i + 1], r[4 * i + 2]));
        __m256 w2 = _mm256_add_ps(s, r[4 * i + 3]);
        _mm256_storeu_ps(f->dw + ((i * 3 + 0) * C + c) * O + o, w0);
        _mm256_storeu_ps(f->dw + ((i * 3 + 1) * C + c) * O + o, w1);
        _mm256_storeu_ps(f->dw + ((i * 3 + 2) * C + c) * O + o, w2);
      }
    }
    for (; o < O; o++) {
      float u[16], r[12];
      for (int q = 0; q < 16; q++) u[q] = f->du[q * plane + c * O + o];
      for (int k = 0; k < 4; k++) {
        float s = 0.5f * (u[4 + k] + u[8 + k]);
        r[k] = u[k] + s;
        r[4 + k] = 0.5f * (u[4 + k] - u[8 + k]);
        r[8 + k] = s + u[12 + k];
      }
      for (int i = 0; i < 3; i++) {
        float s = 0.5f * (r[4 * i + 1] + r[4 * i + 2]);
        f->dw[((i * 3 + 0) * C + c) * O + o] = r[4 * i] + s;
        f->dw[((i * 3 + 1) * C + c) * O + o] = 0.5f * (r[4 * i + 1] - r[4 * i + 2]);
        f->dw[((i * 3 + 2) * C + c) * O + o] = s + r[4 * i + 3];
      }
    }
  }
}

int rc_conv2d_backprop_filter_winograd(int threads, const rc_conv_geometry *g, const float *x, const float *dy,
                                       float *dw) {
  const long C = g->in_c, O = g->out_c;
  float *du = rc_thread_buffer(1, (size_t)(16 * C * O));
  if (du == NULL) return -1;
  wino_grad_job j;
  j.g = g;
  j.x = x;
  j.dy = dy;
  j.du = du;
  j.grid = tile_grid_of(g);
  /* The xi split: one group per thread (at most 8 groups); each group transforms every tile, so
   * more groups repeat the (cheap) transforms more often. */
  int groups = threads < 1 ? 1 : threads > 8 ? 8 : threads;
  j.per_task = (16 + groups - 1) / groups;
  long tasks = (16 + j.per_task - 1) / j.per_task;
  const long o_pad = (O + NR - 1) / NR * NR;
  size_t scratch = (size_t)(j.per_task * KC * (C + O) + KC * o_pad + MC * KC);
  int rc = rc_pool_run(threads, tasks, grad_task, &j, scratch);
  if (rc == 0) {
    long otasks = threads > 1 && C >= 8L * threads ? 4L * threads : 1;
    grad_out_job f = {du, dw, C, O, (C + otasks - 1) / otasks};
    rc = rc_pool_run(threads, otasks, grad_out_task, &f, 0);
  }
  return rc;
}
