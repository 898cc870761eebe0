/* xnorcc runtime: float GEMM micro-kernel, AVX2 + FMA.
 *
 * A panel's 8 rows in two halves of 4 rows x up to 24 columns (3 ymm): 12
 * accumulators, 3 B vectors and one broadcast fill the 16 ymm registers.
 * Column tails through vmaskmovps (no fault past the tail).  Contract of
 * xnrt__ukr in sgemm.h. */
#ifndef XNORCC_RT_SGEMM_UKR_AVX2_H
#define XNORCC_RT_SGEMM_UKR_AVX2_H

#define XNRT_SGEMM_NR 24

#define XNRT__Y_FMA(r, NV)                                                         \
    {                                                                              \
        const __m256 a = _mm256_set1_ps(ap[r]);                                    \
        c##r##0 = _mm256_fmadd_ps(a, b0, c##r##0);                                 \
        if (NV > 1)                                                                \
            c##r##1 = _mm256_fmadd_ps(a, b1, c##r##1);                             \
        if (NV > 2)                                                                \
            c##r##2 = _mm256_fmadd_ps(a, b2, c##r##2);                             \
    }
#define XNRT__Y_ST1(r, v, q, NV)                                                   \
    if ((v) < NV) {                                                                \
        float *cq = c + (size_t)(r) * ldc + 8 * (v);                               \
        if ((v) == NV - 1) {                                                       \
            if (acc)                                                               \
                q = _mm256_add_ps(q, _mm256_maskload_ps(cq, mt));                  \
            _mm256_maskstore_ps(cq, mt, q);                                        \
        } else {                                                                   \
            if (acc)                                                               \
                q = _mm256_add_ps(q, _mm256_loadu_ps(cq));                         \
            _mm256_storeu_ps(cq, q);                                               \
        }                                                                          \
    }
#define XNRT__Y_ST(r, NV)                                                          \
    if (r < mr) {                                                                  \
        XNRT__Y_ST1(r, 0, c##r##0, NV)                                             \
        XNRT__Y_ST1(r, 1, c##r##1, NV)                                             \
        XNRT__Y_ST1(r, 2, c##r##2, NV)                                             \
    }

/* Rows 0..3 of the panel at ap (stride 8 per k), NV vectors, mr <= 4 stored. */
#define XNRT__Y_KERNEL(name, NV)                                                   \
    XNRT_INLINE void name(int kc, const float *ap, const float *b, const ptrdiff_t *off, float *c, \
                          size_t ldc, int mr, int nr, int acc)                     \
    {                                                                              \
        const __m256i mt = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr - 8 * (NV - 1)),    \
                                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); \
        __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00,  \
               c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00; \
        int k;                                                                     \
        for (k = 0; k < kc; k++, ap += 8) {                                        \
            const float *bk = b + off[k];                                          \
            const __m256 b0 = NV == 1 ? _mm256_maskload_ps(bk, mt) : _mm256_loadu_ps(bk); \
            const __m256 b1 = NV == 2 ? _mm256_maskload_ps(bk + 8, mt)             \
                              : NV > 2 ? _mm256_loadu_ps(bk + 8) : b0;             \
            const __m256 b2 = NV == 3 ? _mm256_maskload_ps(bk + 16, mt) : b0;      \
            XNRT__Y_FMA(0, NV) XNRT__Y_FMA(1, NV) XNRT__Y_FMA(2, NV) XNRT__Y_FMA(3, NV) \
        }                                                                          \
        (void)c01; (void)c02; (void)c11; (void)c12; (void)c21; (void)c22; (void)c31; (void)c32; \
        XNRT__Y_ST(0, NV) XNRT__Y_ST(1, NV) XNRT__Y_ST(2, NV) XNRT__Y_ST(3, NV)     \
    }
XNRT__Y_KERNEL(xnrt__ukr_y3, 3)
XNRT__Y_KERNEL(xnrt__ukr_y2, 2)
XNRT__Y_KERNEL(xnrt__ukr_y1, 1)

XNRT_INLINE void xnrt__ukr(int kc, const float *ap, const float *b, const ptrdiff_t *off, float *c, size_t ldc,
                           int mr, int nr, int acc)
{
    int h;
    for (h = 0; h < 2 && 4 * h < mr; h++) {
        const int m4 = mr - 4 * h < 4 ? mr - 4 * h : 4;
        float *ch = c + (size_t)(4 * h) * ldc;
        if (nr > 16)
            xnrt__ukr_y3(kc, ap + 4 * h, b, off, ch, ldc, m4, nr, acc);
        else if (nr > 8)
            xnrt__ukr_y2(kc, ap + 4 * h, b, off, ch, ldc, m4, nr, acc);
        else
            xnrt__ukr_y1(kc, ap + 4 * h, b, off, ch, ldc, m4, nr, acc);
    }
}

#include "sgemm_gemv_x86.h"

#endif
