/* The GEMM building blocks of kernels.c shared with the other AVX2 kernels (winograd.c): the
 * blocking sizes, A and B packing of dense row-major operands, and the 6 x 16 micro-kernel. */
#ifndef RCNN_NATIVE_GEMM_INTERNAL_H
#define RCNN_NATIVE_GEMM_INTERNAL_H

#include <stddef.h>

#define MR 6
#define NR 16
#define KC 256
#define MC 120
#define NC 3072

/* 64-byte aligned memory (free with free()); never NULL for 0 bytes. */
void *rc_alloc_aligned(size_t bytes);

/* Pack rows [i0, i0+mc) x columns [p0, p0+kc) of the matrix with element (r, c) at a[r*rs + c*cs]
 * into MR-row slivers: sliver s holds, for each k, MR consecutive rows (zeros past the end). */
void rc_pack_a(const float *a, long rs, long cs, long i0, long mc, long p0, long kc, float *dst);

/* Pack rows [p0, p0+kc) x columns [j0, j0+nc) of the row-major matrix b (row stride ldb) into
 * NR-wide slivers of kc rows each (zeros past the last column). */
void rc_pack_b_rows(const float *b, long ldb, long p0, long kc, long j0, long nc, float *dst);

/* C[0:mr, 0:nr] = beta * C + a_sliver * b_sliver over kc terms (beta 0: C is not read). */
void rc_micro_kernel(long kc, const float *a, const float *b, float *c, long rsc, long csc, long mr, long nr,
                     float beta);

#endif
