/* xnorcc runtime: float GEMM micro-kernel in plain C: 8 rows x up to 8
 * columns of scalar accumulators (the C compiler may vectorize the column
 * loop).  Contract of xnrt__ukr in sgemm.h. */
#ifndef XNORCC_RT_SGEMM_UKR_PORTABLE_H
#define XNORCC_RT_SGEMM_UKR_PORTABLE_H

#define XNRT_SGEMM_NR 8

XNRT_INLINE void xnrt__ukr(int kc, const float *ap, const float *b, const ptrdiff_t *off, float *c, size_t ldc,
                           int mr, int nr, int acc)
{
    float t[8][8];
    int k, r, j;
    for (r = 0; r < 8; r++)
        for (j = 0; j < 8; j++)
            t[r][j] = 0.0f;
    for (k = 0; k < kc; k++, ap += 8) {
        const float *bk = b + off[k];
        for (r = 0; r < 8; r++)
            for (j = 0; j < nr; j++)
                t[r][j] += ap[r] * bk[j];
    }
    for (r = 0; r < mr; r++)
        for (j = 0; j < nr; j++)
            c[(size_t)r * ldc + j] = acc ? c[(size_t)r * ldc + j] + t[r][j] : t[r][j];
}

/* y[r] = sum_k ap[k*8 + r] * x[k*incx], r < 8 (one panel times a vector). */
XNRT_INLINE void xnrt__gemv_panel(int K, const float *ap, const float *x, ptrdiff_t incx, float *y)
{
    float t[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    int k, r;
    for (k = 0; k < K; k++, ap += 8)
        for (r = 0; r < 8; r++)
            t[r] += ap[r] * x[k * incx];
    for (r = 0; r < 8; r++)
        y[r] = t[r];
}

#endif
