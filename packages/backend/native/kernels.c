/*
 * Float32 matrix products and NHWC convolutions for @rcnn/backend, AVX2 + FMA, on pool.c's threads.
 *
 * One GEMM drives everything: C = alpha * A * B + beta * C where A (M x K) and B (K x N) are
 * "operands" read through strides (so transposes cost nothing) or through an implicit patch
 * matrix of a convolution input (im2col done while packing, never materialised).
 *
 * Blocking (Goto / BLIS layout): for each NC-wide column panel and KC-deep slice of K, B is packed
 * into NR-wide slivers; for each MC-row block of A packed into MR-row slivers, the 6 x 16 register
 * micro-kernel (12 __m256 accumulators) runs over every sliver pair. Threads (pool.c) take
 * independent tasks, each a rectangle of C (a range of rows x a range of columns) computed over
 * the whole of K with its own packing: no barrier inside a product, so a thread the OS does not
 * schedule delays nothing. Every element accumulates in float32 along K in order, KC terms at a
 * time, whatever the thread count.
 *
 * This file is compiled with -mavx2 -mfma; callers must check the CPU first (addon.c does).
 */
#include "kernels.h"
#include "gemm_internal.h"
#include "pool.h"
#include "winograd.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>


/* ---------------------------------------------------------------- operands */

enum { OP_DENSE = 0, OP_PATCHES = 1 };

/* Element (r, c) of a matrix operand. Dense: p[r*rs + c*cs]. Patches: the im2col matrix of a
 * convolution input, row r = output pixel, column c = (tap, input channel). */
typedef struct {
  int kind;
  const float *p;
  long rs, cs;
  const rc_conv_geometry *g;
} operand;

void *rc_alloc_aligned(size_t bytes) {
  size_t rounded = (bytes + 63) & ~(size_t)63;
  return aligned_alloc(64, rounded ? rounded : 64);
}
#define alloc_aligned rc_alloc_aligned

/* Walk one row `m` of the patch matrix from column k0, `len` columns, calling EMIT(t, src_or_null)
 * for runs. Written as a macro-free function with a destination index map to keep packing fast. */
typedef struct {
  long n, oh, ow;
} pixel;

static inline pixel pixel_of(const rc_conv_geometry *g, long m) {
  pixel px;
  long hw = (long)g->out_h * g->out_w;
  px.n = m / hw;
  long rem = m - px.n * hw;
  px.oh = rem / g->out_w;
  px.ow = rem - px.oh * g->out_w;
  return px;
}

/* Copy patch-matrix row m, columns [k0, k0+len), to out[t * ostride]. The tap position is
 * advanced incrementally (no division per tap: the 7x7 stem has runs of 3 channels). */
static void patch_row(const rc_conv_geometry *g, const float *x, long m, long k0, long len, float *out,
                      long ostride) {
  pixel px = pixel_of(g, m);
  const long C = g->in_c;
  long tap = k0 / C;
  long c = k0 - tap * C;
  long ki = tap / g->kw, kj = tap - ki * g->kw;
  const long ih0 = px.oh * g->stride_h - g->pad_top, iw0 = px.ow * g->stride_w - g->pad_left;
  const float *img = x + px.n * g->in_h * g->in_w * C;
  while (len > 0) {
    long ih = ih0 + ki * g->dil_h, iw = iw0 + kj * g->dil_w;
    long run = C - c < len ? C - c : len;
    if (ih >= 0 && ih < g->in_h && iw >= 0 && iw < g->in_w) {
      const float *src = img + (ih * g->in_w + iw) * C + c;
      if (ostride == 1) {
        memcpy(out, src, (size_t)run * sizeof(float));
      } else {
        for (long t = 0; t < run; t++) out[t * ostride] = src[t];
      }
    } else if (ostride == 1) {
      memset(out, 0, (size_t)run * sizeof(float));
    } else {
      for (long t = 0; t < run; t++) out[t * ostride] = 0.0f;
    }
    out += run * ostride;
    len -= run;
    c = 0;
    if (++kj == g->kw) {
      kj = 0;
      ki++;
    }
  }
}

/* Patch-matrix row m, columns [j0, j0+nc), written in B's sliver layout: column j0+j goes to
 * dst[(j / NR) * sliver + j % NR] (dst already offset to this row); the last sliver's tail is
 * zeroed. One pixel decomposition per row, not one per sliver. */
static void patch_row_slivers(const rc_conv_geometry *g, const float *x, long m, long j0, long nc, float *dst,
                              long sliver) {
  pixel px = pixel_of(g, m);
  const long C = g->in_c;
  long tap = j0 / C;
  long c = j0 - tap * C;
  long ki = tap / g->kw, kj = tap - ki * g->kw;
  const long ih0 = px.oh * g->stride_h - g->pad_top, iw0 = px.ow * g->stride_w - g->pad_left;
  const float *img = x + px.n * g->in_h * g->in_w * C;
  long j = 0;
  while (j < nc) {
    long ih = ih0 + ki * g->dil_h, iw = iw0 + kj * g->dil_w;
    long run = C - c < nc - j ? C - c : nc - j;
    const float *src =
        ih >= 0 && ih < g->in_h && iw >= 0 && iw < g->in_w ? img + (ih * g->in_w + iw) * C + c : NULL;
    for (long t = 0; t < run;) {
      long pos = j + t;
      long piece = NR - (pos & (NR - 1));
      if (piece > run - t) piece = run - t;
      float *d = dst + (pos / NR) * sliver + (pos & (NR - 1));
      /* Pieces are at most NR floats: plain loops beat memcpy calls here. */
      if (src != NULL) {
        for (long q = 0; q < piece; q++) d[q] = src[t + q];
      } else {
        for (long q = 0; q < piece; q++) d[q] = 0.0f;
      }
      t += piece;
    }
    j += run;
    c = 0;
    if (++kj == g->kw) {
      kj = 0;
      ki++;
    }
  }
  if (nc & (NR - 1)) {
    float *tail = dst + (nc / NR) * sliver;
    for (long t = nc & (NR - 1); t < NR; t++) tail[t] = 0.0f;
  }
}

/* Pack rows [i0, i0+mc) x columns [p0, p0+kc) of A into MR-row slivers: sliver s holds, for each
 * k, MR consecutive rows (zero past the end). alpha is applied here. */
static void pack_a(const operand *a, long i0, long mc, long p0, long kc, float alpha, float *dst) {
  for (long s = 0; s < mc; s += MR) {
    long rows = mc - s < MR ? mc - s : MR;
    float *d = dst + s * kc;
    if (a->kind == OP_PATCHES) {
      for (long r = 0; r < rows; r++) patch_row(a->g, a->p, i0 + s + r, p0, kc, d + r, MR);
      for (long r = rows; r < MR; r++)
        for (long k = 0; k < kc; k++) d[k * MR + r] = 0.0f;
    } else if (a->rs == 1) {
      for (long k = 0; k < kc; k++) {
        const float *src = a->p + (p0 + k) * a->cs + i0 + s;
        long r = 0;
        for (; r < rows; r++) d[k * MR + r] = src[r];
        for (; r < MR; r++) d[k * MR + r] = 0.0f;
      }
    } else {
      for (long r = 0; r < rows; r++) {
        const float *src = a->p + (i0 + s + r) * a->rs + p0 * a->cs;
        for (long k = 0; k < kc; k++) d[k * MR + r] = src[k * a->cs];
      }
      for (long r = rows; r < MR; r++)
        for (long k = 0; k < kc; k++) d[k * MR + r] = 0.0f;
    }
    if (alpha != 1.0f)
      for (long k = 0; k < kc * MR; k++) d[k] *= alpha;
  }
}

/* Pack sliver `s` (columns [j0 + s*NR, +NR)) of rows [p0, p0+kc) of B: for each k, NR values. */
static void pack_b_sliver(const operand *b, long p0, long kc, long j0, long nc, long s, float *dst) {
  long jstart = j0 + s * NR;
  long cols = nc - s * NR < NR ? nc - s * NR : NR;
  float *d = dst + s * NR * kc;
  if (b->kind == OP_PATCHES) {
    for (long k = 0; k < kc; k++) patch_row_slivers(b->g, b->p, p0 + k, jstart, cols, d + k * NR, NR * kc);
  } else if (b->cs == 1) {
    for (long k = 0; k < kc; k++) {
      const float *src = b->p + (p0 + k) * b->rs + jstart;
      long j = 0;
      for (; j < cols; j++) d[k * NR + j] = src[j];
      for (; j < NR; j++) d[k * NR + j] = 0.0f;
    }
  } else {
    for (long j = 0; j < cols; j++) {
      const float *src = b->p + p0 * b->rs + (jstart + j) * b->cs;
      for (long k = 0; k < kc; k++) d[k * NR + j] = src[k * b->rs];
    }
    for (long j = cols; j < NR; j++)
      for (long k = 0; k < kc; k++) d[k * NR + j] = 0.0f;
  }
}

void rc_pack_a(const float *a, long rs, long cs, long i0, long mc, long p0, long kc, float *dst) {
  operand op = {OP_DENSE, a, rs, cs, NULL};
  pack_a(&op, i0, mc, p0, kc, 1.0f, dst);
}

void rc_pack_b_rows(const float *b, long ldb, long p0, long kc, long j0, long nc, float *dst) {
  operand op = {OP_DENSE, b, ldb, 1, NULL};
  long slivers = (nc + NR - 1) / NR;
  for (long s = 0; s < slivers; s++) pack_b_sliver(&op, p0, kc, j0, nc, s, dst);
}

/* ------------------------------------------------------------- micro-kernel */

/* C[0:mr, 0:nr] = beta * C + a_sliver * b_sliver over kc terms (beta 0: C is not read). */
void rc_micro_kernel(long kc, const float *restrict a, const float *restrict b, float *c, long rsc, long csc,
                     long mr, long nr, float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (long k = 0; k < kc; k++) {
    __m256 b0 = _mm256_load_ps(b);
    __m256 b1 = _mm256_load_ps(b + 8);
    __m256 av;
    av = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR && csc == 1) {
    __m256 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    __m256 vb = _mm256_set1_ps(beta);
    for (int r = 0; r < MR; r++) {
      float *row = c + r * rsc;
      if (beta == 0.0f) {
        _mm256_storeu_ps(row, acc[2 * r]);
        _mm256_storeu_ps(row + 8, acc[2 * r + 1]);
      } else if (beta == 1.0f) {
        _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), acc[2 * r]));
        _mm256_storeu_ps(row + 8, _mm256_add_ps(_mm256_loadu_ps(row + 8), acc[2 * r + 1]));
      } else {
        _mm256_storeu_ps(row, _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), acc[2 * r]));
        _mm256_storeu_ps(row + 8, _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), acc[2 * r + 1]));
      }
    }
    return;
  }
  float t[MR * NR] __attribute__((aligned(32)));
  _mm256_store_ps(t + 0, c00);
  _mm256_store_ps(t + 8, c01);
  _mm256_store_ps(t + 16, c10);
  _mm256_store_ps(t + 24, c11);
  _mm256_store_ps(t + 32, c20);
  _mm256_store_ps(t + 40, c21);
  _mm256_store_ps(t + 48, c30);
  _mm256_store_ps(t + 56, c31);
  _mm256_store_ps(t + 64, c40);
  _mm256_store_ps(t + 72, c41);
  _mm256_store_ps(t + 80, c50);
  _mm256_store_ps(t + 88, c51);
  for (long r = 0; r < mr; r++) {
    for (long j = 0; j < nr; j++) {
      float *cij = c + r * rsc + j * csc;
      *cij = beta == 0.0f ? t[r * NR + j] : beta * *cij + t[r * NR + j];
    }
  }
}

/* ----------------------------------------------------------------- driver */

typedef struct {
  long m, n, k;
  float alpha, beta;
  operand a, b;
  float *c;
  long rsc, csc;
  long k0; /* first patch row (pixel) of a patch-matrix B: a slice of K */
} gemm_problem;

static void scale_c(const gemm_problem *pr) {
  for (long i = 0; i < pr->m; i++)
    for (long j = 0; j < pr->n; j++) {
      float *cij = pr->c + i * pr->rsc + j * pr->csc;
      *cij = pr->beta == 0.0f ? 0.0f : pr->beta * *cij;
    }
}

static int threads_for(long m, long n, long k, int threads) {
  double flops = 2.0 * (double)m * (double)n * (double)k;
  if (threads < 1) threads = 1;
  if (flops < 8e6) return 1;
  return threads;
}

/* How a product is cut into tasks: rectangles of row_chunk rows x col_tile columns. */
typedef struct {
  const gemm_problem *pr;
  long row_chunk, col_tile, col_tiles;
} gemm_plan;

static gemm_plan plan_gemm(const gemm_problem *pr, int threads) {
  gemm_plan pl;
  pl.pr = pr;
  long mblocks = (pr->m + MC - 1) / MC;
  pl.row_chunk = pr->m;
  pl.col_tile = pr->n;
  if (threads > 1) {
    long rows_tasks = 3L * threads;
    if (mblocks >= rows_tasks) {
      /* Many row blocks: split rows only (B, the small operand, is packed once per task). */
      pl.row_chunk = (mblocks + rows_tasks - 1) / rows_tasks * MC;
    } else {
      /* Few row blocks: one per task, and the columns split so that every thread has work. */
      long cols_tasks = (2L * threads + mblocks - 1) / mblocks;
      pl.row_chunk = MC;
      long tile = (pr->n + cols_tasks - 1) / cols_tasks;
      tile = (tile + NR - 1) / NR * NR;
      if (tile < 2 * NR) tile = 2 * NR;
      if (tile < pr->n) pl.col_tile = tile;
    }
  }
  pl.col_tiles = (pr->n + pl.col_tile - 1) / pl.col_tile;
  return pl;
}

static long plan_tasks(const gemm_plan *pl) { return (pl->pr->m + pl->row_chunk - 1) / pl->row_chunk * pl->col_tiles; }

static size_t plan_scratch(const gemm_plan *pl) {
  long kc = pl->pr->k < KC ? pl->pr->k : KC;
  long nc = pl->col_tile < NC ? pl->col_tile : NC;
  return (size_t)(MC * kc + kc * ((nc + NR - 1) / NR * NR));
}

/* One rectangle of C over the whole of K. */
static void gemm_task(void *v, long task, float *scratch) {
  const gemm_plan *pl = v;
  const gemm_problem *pr = pl->pr;
  long rt = task / pl->col_tiles, ct = task - rt * pl->col_tiles;
  long r0 = rt * pl->row_chunk, r1 = r0 + pl->row_chunk < pr->m ? r0 + pl->row_chunk : pr->m;
  long c0 = ct * pl->col_tile, c1 = c0 + pl->col_tile < pr->n ? c0 + pl->col_tile : pr->n;
  long kc_max = pr->k < KC ? pr->k : KC;
  float *apack = scratch;
  float *bpack = scratch + MC * kc_max;
  for (long jc = c0; jc < c1; jc += NC) {
    long nc = c1 - jc < NC ? c1 - jc : NC;
    long slivers = (nc + NR - 1) / NR;
    for (long pc = 0; pc < pr->k; pc += KC) {
      long kc = pr->k - pc < KC ? pr->k - pc : KC;
      float beta = pc == 0 ? pr->beta : 1.0f;
      if (pr->b.kind == OP_PATCHES) {
        /* Patch rows: one pixel decomposition per row for all the panel's slivers. */
        for (long k = 0; k < kc; k++)
          patch_row_slivers(pr->b.g, pr->b.p, pr->k0 + pc + k, jc, nc, bpack + k * NR, NR * kc);
      } else {
        for (long s = 0; s < slivers; s++) pack_b_sliver(&pr->b, pc, kc, jc, nc, s, bpack);
      }
      for (long ic = r0; ic < r1; ic += MC) {
        long mc = r1 - ic < MC ? r1 - ic : MC;
        pack_a(&pr->a, ic, mc, pc, kc, pr->alpha, apack);
        for (long s = 0; s < slivers; s++) {
          long jr = s * NR;
          long nr = nc - jr < NR ? nc - jr : NR;
          const float *bs = bpack + s * NR * kc;
          for (long ir = 0; ir < mc; ir += MR) {
            long mr = mc - ir < MR ? mc - ir : MR;
            float *cblk = pr->c + (ic + ir) * pr->rsc + (jc + jr) * pr->csc;
            rc_micro_kernel(kc, apack + ir * kc, bs, cblk, pr->rsc, pr->csc, mr, nr, beta);
          }
        }
      }
    }
  }
}

/* Run one GEMM on `threads` threads. Returns 0, or -1 when scratch memory ran out. */
static int gemm_run(const gemm_problem *pr, int threads) {
  if (pr->m <= 0 || pr->n <= 0) return 0;
  if (pr->k <= 0) {
    scale_c(pr);
    return 0;
  }
  gemm_plan pl = plan_gemm(pr, threads_for(pr->m, pr->n, pr->k, threads));
  return rc_pool_run(threads, plan_tasks(&pl), gemm_task, &pl, plan_scratch(&pl));
}

typedef struct {
  float *y;
  long rows, cols, per;
  const float *bias;
  int activation;
} epilogue;

static void bias_activation_task(void *v, long task, float *scratch) {
  (void)scratch;
  const epilogue *e = v;
  long i1 = (task + 1) * e->per < e->rows ? (task + 1) * e->per : e->rows;
  for (long i = task * e->per; i < i1; i++) {
    float *row = e->y + i * e->cols;
    for (long j = 0; j < e->cols; j++) {
      float v = row[j] + (e->bias ? e->bias[j] : 0.0f);
      if (e->activation == RC_ACT_RELU) v = v > 0.0f ? v : 0.0f;
      else if (e->activation == RC_ACT_RELU6) v = v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
      row[j] = v;
    }
  }
}

/* Apply a per-column bias and an activation to a row-major [rows, cols] matrix. */
static void bias_activation(float *y, long rows, long cols, const float *bias, int activation, int threads) {
  if (bias == NULL && activation == RC_ACT_LINEAR) return;
  if ((double)rows * cols < 65536) threads = 1;
  long tasks = threads > 1 ? 4L * threads : 1;
  if (tasks > rows) tasks = rows;
  if (tasks < 1) return;
  epilogue e = {y, rows, cols, (rows + tasks - 1) / tasks, bias, activation};
  rc_pool_run(threads, (rows + e.per - 1) / e.per, bias_activation_task, &e, 0);
}

/* 8 x 8 block transpose: 8 rows of src (stride ss) to 8 rows of dst (stride ds). */
static inline void transpose8(const float *src, long ss, float *dst, long ds) {
  __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + ss), r2 = _mm256_loadu_ps(src + 2 * ss),
         r3 = _mm256_loadu_ps(src + 3 * ss), r4 = _mm256_loadu_ps(src + 4 * ss), r5 = _mm256_loadu_ps(src + 5 * ss),
         r6 = _mm256_loadu_ps(src + 6 * ss), r7 = _mm256_loadu_ps(src + 7 * ss);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
         t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
         u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
         u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
         u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + ds, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * ds, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * ds, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * ds, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * ds, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * ds, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * ds, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/* dst[c * rows + r] = src[r * cols + c] for a row-major [rows, cols] src: 8 x 8 register
 * transposes over 64-column strips (few cache lines live at once), scalar edges. */
static void transpose(const float *src, long rows, long cols, float *dst) {
  long r8 = rows & ~7L, c8 = cols & ~7L;
  for (long c0 = 0; c0 < c8; c0 += 64) {
    long c1 = c0 + 64 < c8 ? c0 + 64 : c8;
    for (long r = 0; r < r8; r += 8)
      for (long c = c0; c < c1; c += 8) transpose8(src + r * cols + c, cols, dst + c * rows + r, rows);
  }
  for (long r = r8; r < rows; r++)
    for (long c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
  for (long r = 0; r < r8; r++)
    for (long c = c8; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
}

/* ------------------------------------------------------------- public API */

typedef struct {
  gemm_problem base;
  long stride_a, stride_b, stride_c;
} batched;

/* One batch element per task, each on one thread (many small products). */
static void batch_task(void *v, long task, float *scratch) {
  const batched *bt = v;
  gemm_problem pr = bt->base;
  pr.a.p += task * bt->stride_a;
  pr.b.p += task * bt->stride_b;
  pr.c += task * bt->stride_c;
  if (pr.k <= 0) {
    scale_c(&pr);
    return;
  }
  gemm_plan pl = plan_gemm(&pr, 1);
  gemm_task(&pl, 0, scratch);
}

int rc_sgemm(int threads, int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a,
             const float *b, float beta, float *c, long batch, long stride_a, long stride_b, long stride_c,
             const float *bias, int activation) {
  batched bt = {0};
  gemm_problem *pr = &bt.base;
  pr->m = m;
  pr->n = n;
  pr->k = k;
  pr->alpha = alpha;
  pr->beta = beta;
  pr->a.kind = OP_DENSE;
  pr->a.p = a;
  pr->a.rs = trans_a ? 1 : k;
  pr->a.cs = trans_a ? m : 1;
  pr->a.g = NULL;
  pr->b.kind = OP_DENSE;
  pr->b.p = b;
  pr->b.rs = trans_b ? 1 : n;
  pr->b.cs = trans_b ? k : 1;
  pr->b.g = NULL;
  pr->c = c;
  pr->rsc = n;
  pr->csc = 1;
  bt.stride_a = stride_a;
  bt.stride_b = stride_b;
  bt.stride_c = stride_c;
  int rc = 0;
  if (m > 0 && n > 0) {
    if (batch >= 2L * threads && threads_for(m, n, k, threads) == 1) {
      gemm_plan pl = plan_gemm(pr, 1);
      rc = rc_pool_run(threads, batch, batch_task, &bt, plan_scratch(&pl));
    } else {
      for (long i = 0; i < batch && rc == 0; i++) {
        gemm_problem one = *pr;
        one.a.p = a + i * stride_a;
        one.b.p = b + i * stride_b;
        one.c = c + i * stride_c;
        rc = gemm_run(&one, threads);
      }
    }
  }
  if (rc == 0) bias_activation(c, batch * m, n, bias, activation, threads);
  return rc;
}

static long patch_cols(const rc_conv_geometry *g) { return (long)g->kh * g->kw * g->in_c; }
static long out_pixels(const rc_conv_geometry *g) { return (long)g->batch * g->out_h * g->out_w; }

int rc_conv2d(int threads, const rc_conv_geometry *g, const float *x, const float *w, float *y,
              const float *bias, int activation) {
  if (rc_winograd_applies(g, 0)) return rc_conv2d_winograd(threads, g, x, w, y, bias, activation);
  gemm_problem pr = {0};
  pr.m = out_pixels(g);
  pr.n = g->out_c;
  pr.k = patch_cols(g);
  pr.alpha = 1.0f;
  pr.beta = 0.0f;
  pr.a.kind = OP_PATCHES;
  pr.a.p = x;
  pr.a.g = g;
  pr.a.rs = pr.a.cs = 0;
  pr.b.kind = OP_DENSE;
  pr.b.p = w;
  pr.b.rs = g->out_c;
  pr.b.cs = 1;
  pr.b.g = NULL;
  pr.c = y;
  pr.rsc = g->out_c;
  pr.csc = 1;
  if (gemm_run(&pr, threads) != 0) return -1;
  bias_activation(y, pr.m, pr.n, bias, activation, threads);
  return 0;
}

/* A filter gradient over many pixels with few outputs (1x1 convolutions and the 7x7 stem at high
 * resolution): K (pixels) cut into `slices` ranges of whole KC blocks, one task each computing the
 * whole [O, K] product of its range into its own buffer; the buffers are then added in order. The
 * cut depends on the shape only, so results do not depend on the thread count. */
typedef struct {
  const gemm_problem *whole;
  long per; /* pixels per slice, a multiple of KC */
  float *parts;
} k_split;

static void k_split_task(void *v, long task, float *scratch) {
  const k_split *ks = v;
  gemm_problem pr = *ks->whole;
  long p0 = task * ks->per;
  pr.k = p0 + ks->per < pr.k ? ks->per : pr.k - p0;
  pr.k0 = p0;
  pr.a.p += p0 * pr.a.cs;
  pr.c = ks->parts + task * pr.m * pr.n;
  gemm_plan pl = plan_gemm(&pr, 1);
  gemm_task(&pl, 0, scratch);
}

#define K_SPLIT_MAX_SLICES 8
#define K_SPLIT_MIN_PIXELS 2048
#define K_SPLIT_MAX_OUTPUTS (256L * 1024)

static long k_split_slices(const gemm_problem *pr) {
  if (pr->m * pr->n > K_SPLIT_MAX_OUTPUTS) return 1;
  long slices = pr->k / K_SPLIT_MIN_PIXELS;
  return slices > K_SPLIT_MAX_SLICES ? K_SPLIT_MAX_SLICES : slices < 1 ? 1 : slices;
}

int rc_conv2d_backprop_filter(int threads, const rc_conv_geometry *g, const float *x, const float *dy,
                              float *dw) {
  if (rc_winograd_applies(g, 1)) return rc_conv2d_backprop_filter_winograd(threads, g, x, dy, dw);
  /* dW^T [O, K] = dy^T [O, M] * patches [M, K], then transposed into dW [K, O]. */
  gemm_problem pr = {0};
  pr.m = g->out_c;
  pr.n = patch_cols(g);
  pr.k = out_pixels(g);
  pr.alpha = 1.0f;
  pr.beta = 0.0f;
  pr.a.kind = OP_DENSE;
  pr.a.p = dy;
  pr.a.rs = 1;
  pr.a.cs = g->out_c;
  pr.a.g = NULL;
  pr.b.kind = OP_PATCHES;
  pr.b.p = x;
  pr.b.g = g;
  pr.b.rs = pr.b.cs = 0;
  /* Accumulate row-major (vector stores on each of the M/256 K slices), transpose once. */
  float *t = rc_thread_buffer(1, (size_t)(pr.m * pr.n));
  if (t == NULL) return -1;
  pr.c = t;
  pr.rsc = pr.n;
  pr.csc = 1;
  int rc;
  long slices = k_split_slices(&pr);
  if (slices > 1) {
    long per = (pr.k + slices - 1) / slices;
    per = (per + KC - 1) / KC * KC;
    slices = (pr.k + per - 1) / per;
    const size_t size = (size_t)(pr.m * pr.n);
    float *parts = alloc_aligned(sizeof(float) * size * (size_t)slices);
    if (parts == NULL) return -1;
    k_split ks = {&pr, per, parts};
    gemm_plan pl = plan_gemm(&pr, 1);
    rc = rc_pool_run(threads, slices, k_split_task, &ks, plan_scratch(&pl));
    if (rc == 0) {
      memcpy(t, parts, sizeof(float) * size);
      for (long s = 1; s < slices; s++) {
        const float *p = parts + (size_t)s * size;
        for (size_t i = 0; i < size; i++) t[i] += p[i];
      }
    }
    free(parts);
  } else {
    rc = gemm_run(&pr, threads);
  }
  if (rc == 0) transpose(t, pr.m, pr.n, dw);
  return rc;
}

/* Scatter-add rows [m0, m0+rows) of the patch matrix `cols` [rows, K] into dx, channels [c0, c1). */
static void col2im_rows(const rc_conv_geometry *g, const float *cols, long m0, long rows, float *dx, long c0,
                        long c1) {
  const long C = g->in_c, K = patch_cols(g);
  for (long r = 0; r < rows; r++) {
    pixel px = pixel_of(g, m0 + r);
    const float *src = cols + r * K;
    for (long ki = 0; ki < g->kh; ki++) {
      long ih = px.oh * g->stride_h - g->pad_top + ki * g->dil_h;
      if (ih < 0 || ih >= g->in_h) continue;
      for (long kj = 0; kj < g->kw; kj++) {
        long iw = px.ow * g->stride_w - g->pad_left + kj * g->dil_w;
        if (iw < 0 || iw >= g->in_w) continue;
        float *d = dx + ((px.n * g->in_h + ih) * g->in_w + iw) * C;
        const float *s = src + (ki * g->kw + kj) * C;
        for (long c = c0; c < c1; c++) d[c] += s[c];
      }
    }
  }
}

typedef struct {
  const rc_conv_geometry *g;
  const float *cols;
  long m0, rows, per;
  float *dx;
} col2im_job;

/* Tasks own disjoint channel ranges, so the scatter-add needs no atomics. */
static void col2im_task(void *v, long task, float *scratch) {
  (void)scratch;
  const col2im_job *j = v;
  long c0 = task * j->per, c1 = c0 + j->per < j->g->in_c ? c0 + j->per : j->g->in_c;
  if (c0 < c1) col2im_rows(j->g, j->cols, j->m0, j->rows, j->dx, c0, c1);
}

int rc_conv2d_backprop_input(int threads, const rc_conv_geometry *g, const float *dy, const float *w,
                             float *dx) {
  const long M = out_pixels(g), K = patch_cols(g), O = g->out_c;
  const int direct = g->kh == 1 && g->kw == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 &&
                     g->pad_left == 0 && g->out_h == g->in_h && g->out_w == g->in_w;
  gemm_problem pr = {0};
  pr.n = K;
  pr.k = O;
  pr.alpha = 1.0f;
  pr.beta = 0.0f;
  pr.a.kind = OP_DENSE;
  pr.a.rs = O;
  pr.a.cs = 1;
  pr.a.g = NULL;
  /* W is [K, O]; the product needs W^T [O, K]. */
  pr.b.kind = OP_DENSE;
  pr.b.p = w;
  pr.b.rs = 1;
  pr.b.cs = O;
  pr.b.g = NULL;
  pr.rsc = K;
  pr.csc = 1;
  if (direct) {
    /* 1x1, stride 1, no padding: the patch matrix is dx itself. */
    pr.m = M;
    pr.a.p = dy;
    pr.c = dx;
    return gemm_run(&pr, threads);
  }
  if (g->stride_h == 1 && g->stride_w == 1) {
    /* Stride 1: dx is the convolution of dy with the filter flipped in space and transposed
     * ([kh,kw,C,O] -> [kh,kw,O,C]) under the complementary padding: an implicit GEMM with no
     * column matrix and no scatter. */
    const long C = g->in_c, taps = (long)g->kh * g->kw;
    float *flipped = rc_thread_buffer(2, (size_t)(taps * O * C));
    if (flipped == NULL) return -1;
    for (long t = 0; t < taps; t++) transpose(w + (taps - 1 - t) * C * O, C, O, flipped + t * O * C);
    rc_conv_geometry f = *g;
    f.in_h = g->out_h;
    f.in_w = g->out_w;
    f.in_c = g->out_c;
    f.out_h = g->in_h;
    f.out_w = g->in_w;
    f.out_c = g->in_c;
    f.pad_top = (g->kh - 1) * g->dil_h - g->pad_top;
    f.pad_left = (g->kw - 1) * g->dil_w - g->pad_left;
    return rc_conv2d(threads, &f, dy, flipped, dx, NULL, RC_ACT_LINEAR);
  }
  memset(dx, 0, sizeof(float) * (size_t)g->batch * g->in_h * g->in_w * g->in_c);
  /* Column blocks of at most 2 M floats (8 MB): written by the GEMM, read back from cache. */
  long chunk = (2L << 20) / (K > 0 ? K : 1);
  if (chunk < 4 * MC) chunk = 4 * MC;
  if (chunk > M) chunk = M;
  float *cols = alloc_aligned(sizeof(float) * (size_t)(chunk * K));
  if (cols == NULL) return -1;
  int rc = 0;
  for (long m0 = 0; m0 < M && rc == 0; m0 += chunk) {
    long rows = M - m0 < chunk ? M - m0 : chunk;
    pr.m = rows;
    pr.a.p = dy + m0 * O;
    pr.c = cols;
    rc = gemm_run(&pr, threads);
    if (rc != 0) break;
    long tasks = g->in_c >= 16L * threads && (double)rows * K > 65536 ? threads : 1;
    col2im_job j = {g, cols, m0, rows, (g->in_c + tasks - 1) / tasks, dx};
    rc = rc_pool_run(threads, tasks, col2im_task, &j, 0);
  }
  free(cols);
  return rc;
}
