/* xnorcc runtime: plain reference of sgemm.h (the obvious loops, sums in
 * double, then the epilogue on the rounded sum).  For tests and as the
 * statement of what the fast kernels compute; slow. */
#ifndef XNORCC_RT_SGEMM_REF_H
#define XNORCC_RT_SGEMM_REF_H

#include "sgemm_pack.h"
#include "epilogue.h"

/* Writes the BITS output of value v at row m, column p (plane pitch ldc). */
XNRT_INLINE void xnrt__ref_bit(const xnrt_epi *e, int m, size_t p, size_t ldc, float v)
{
    uint64_t *w = e->bits + (size_t)(m / 64) * ldc + p;
    const uint64_t bit = (uint64_t)!(v != v || v <= e->tlo[m] || v >= e->thi[m]) << (m % 64);
    *w = (m % 64 ? *w & ~((uint64_t)1 << (m % 64)) : 0) | bit;
}

/* xnrt_sgemm's contract, with A read from the packed panels. */
static inline void xnrt_sgemm_ref(int M, int N, int K, const float *ap, const float *b, size_t ldb, float *c,
                                  size_t ldc, int flags, const xnrt_epi *e)
{
    int m, n, k;
    for (m = 0; m < M; m++)
        for (n = 0; n < N; n++) {
            double s = 0.0;
            float v;
            for (k = 0; k < K; k++)
                s += (double)ap[(size_t)(m / 8) * K * 8 + (size_t)k * 8 + m % 8] * b[(size_t)k * ldb + n];
            v = xnrt_epi_value((float)s, m, (flags & XNRT_EPI_ADD) ? e->res[(size_t)m * ldc + n] : 0.0f, flags, e);
            c[(size_t)m * ldc + n] = v;
            if (flags & XNRT_EPI_BITS)
                xnrt__ref_bit(e, m, (size_t)n, ldc, v);
        }
}

#endif
