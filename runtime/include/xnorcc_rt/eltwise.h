/* xnorcc runtime: elementwise float kernels, vectorized (fvec.h).
 *
 * xnrt_batchnorm is BatchNormalization (and a following Relu) with the
 * interpreter's arithmetic, bit for bit.
 * Per-channel ops are the GEMM's epilogue (epilogue.h) applied to a tensor:
 * BatchNormalization is SCALE|BIAS with the folded scale and shift, ReLU,
 * Clip, LeakyRelu and PRelu (per-channel slope) are RELU, CLIP, LEAKY,
 * PRELU, a residual Add is ADD, and BITS writes the packed signs for a
 * following BN+sign, all in one pass.  Binary ops broadcast the second
 * operand in the ways NCHW graphs need; Softmax has the interpreter's
 * arithmetic (expf per element, the sum in float in order). */
#ifndef XNORCC_RT_ELTWISE_H
#define XNORCC_RT_ELTWISE_H

#include <math.h>

#include "epilogue.h"

/* y[c][p] = epilogue(x[c][p]) for C channels of P values (flags, e as
 * epilogue.h, the residual and bit planes with plane pitch P).  x == y is
 * allowed.  Sizes >= 1. */
static inline void xnrt_channel_apply(const float *x, float *y, int C, int P, int flags, const xnrt_epi *e)
{
    int c0, p0, r, j;
    for (c0 = 0; c0 < C; c0 += 8) {
        const int mr = C - c0 < 8 ? C - c0 : 8;
        for (p0 = 0; p0 < P; p0 += 64) {
            const int n = P - p0 < 64 ? P - p0 : 64;
            float *yt = y + (size_t)c0 * P + p0;
            if (x != y)
                for (r = 0; r < mr; r++) {
                    const float *xr = x + (size_t)(c0 + r) * P + p0;
                    for (j = 0; j + XNRT_VL <= n; j += XNRT_VL)
                        xv_store(yt + (size_t)r * P + j, xv_load(xr + j));
                    if (j < n)
                        xv_storen(yt + (size_t)r * P + j, xv_loadn(xr + j, n - j), n - j);
                }
            xnrt__epi_tile(yt, (size_t)P, c0, mr, (size_t)p0, n, flags, e);
        }
    }
}

/* BatchNormalization (inference) of N images of C channels of P values,
 * x[N][C][P] -> y, with the interpreter's arithmetic per element,
 *   v = (x - mean[c]) / sqrtf(var[c] + eps) * scale[c] + bias[c],
 * one rounding per operation (no FMA: the same floats as a plain loop, on
 * every path), then with relu y = max(v, 0) (Relu's v > 0 ? v : 0; NaN:
 * unspecified, as epilogue.h).  x == y is allowed.  Sizes >= 1. */
static inline void xnrt_batchnorm(const float *x, float *y, int N, int C, int P, const float *scale,
                                  const float *bias, const float *mean, const float *var, float eps, int relu)
{
    int b, c, i;
    for (b = 0; b < N; b++)
        for (c = 0; c < C; c++) {
            const size_t o = ((size_t)b * C + c) * P;
            const float *xr = x + o;
            float *yr = y + o;
            const xv m = xv_set1(mean[c]), d = xv_set1(sqrtf(var[c] + eps));
            const xv s = xv_set1(scale[c]), t = xv_set1(bias[c]);
            for (i = 0; i + XNRT_VL <= P; i += XNRT_VL) {
                xv v = xv_add(xv_mul(xv_div(xv_sub(xv_load(xr + i), m), d), s), t);
                xv_store(yr + i, relu ? xv_max(v, xv_zero()) : v);
            }
            if (i < P) {
                xv v = xv_add(xv_mul(xv_div(xv_sub(xv_loadn(xr + i, P - i), m), d), s), t);
                xv_storen(yr + i, relu ? xv_max(v, xv_zero()) : v, P - i);
            }
        }
}

/* Binary operations. */
#define XNRT_OP_ADD 0
#define XNRT_OP_SUB 1
#define XNRT_OP_MUL 2
#define XNRT_OP_DIV 3
#define XNRT_OP_MAX 4 /* NaN: unspecified */
#define XNRT_OP_MIN 5 /* NaN: unspecified */
/* How b broadcasts over a[rows][n]. */
#define XNRT_BC_SAME 0   /* b[rows][n] */
#define XNRT_BC_ROW 1    /* b[r % nb]: one value per row (a per-channel vector over NCHW planes) */
#define XNRT_BC_COL 2    /* b[i]: one row for all rows (e.g. a bias over the last axis) */
#define XNRT_BC_SCALAR 3 /* b[0] */

XNRT_INLINE xv xnrt__op(int op, xv a, xv b)
{
    switch (op) {
    case XNRT_OP_ADD: return xv_add(a, b);
    case XNRT_OP_SUB: return xv_sub(a, b);
    case XNRT_OP_MUL: return xv_mul(a, b);
    case XNRT_OP_DIV: return xv_div(a, b);
    case XNRT_OP_MAX: return xv_max(a, b);
    default: return xv_min(a, b);
    }
}

/* y[r][i] = a[r][i] op b(r, i) for rows r < rows, i < n, b broadcast by bc
 * (nb: the length of b for XNRT_BC_ROW).  One float operation per element:
 * the same result as a plain loop.  y may be a or b (XNRT_BC_SAME). */
static inline void xnrt_binary(int op, int bc, const float *a, const float *b, int nb, float *y, int rows, int n)
{
    int r, i;
    for (r = 0; r < rows; r++) {
        const float *ar = a + (size_t)r * n;
        const float *br = bc == XNRT_BC_SAME ? b + (size_t)r * n : b;
        float *yr = y + (size_t)r * n;
        const xv bs = xv_set1(bc == XNRT_BC_ROW ? b[r % nb] : b[0]);
        const int vec = bc == XNRT_BC_SAME || bc == XNRT_BC_COL;
        for (i = 0; i + XNRT_VL <= n; i += XNRT_VL)
            xv_store(yr + i, xnrt__op(op, xv_load(ar + i), vec ? xv_load(br + i) : bs));
        if (i < n)
            xv_storen(yr + i, xnrt__op(op, xv_loadn(ar + i, n - i), vec ? xv_loadn(br + i, n - i) : bs), n - i);
    }
}

/* Softmax of rows of n contiguous floats: y = exp(x - max) / sum(exp(x - max)),
 * exp by expf, the sum in float in index order (as the interpreter).  x == y
 * is allowed. */
static inline void xnrt_softmax(const float *x, float *y, int rows, int n)
{
    int r, i;
    for (r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * n;
        float *yr = y + (size_t)r * n;
        float mx = -INFINITY, sum = 0.0f;
        for (i = 0; i < n; i++)
            mx = xr[i] > mx ? xr[i] : mx;
        for (i = 0; i < n; i++) {
            yr[i] = expf(xr[i] - mx);
            sum += yr[i];
        }
        {
            const xv s = xv_set1(sum);
            for (i = 0; i + XNRT_VL <= n; i += XNRT_VL)
                xv_store(yr + i, xv_div(xv_load(yr + i), s));
            for (; i < n; i++)
                yr[i] /= sum;
        }
    }
}

#endif
