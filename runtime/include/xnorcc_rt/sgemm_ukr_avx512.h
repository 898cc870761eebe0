/* xnorcc runtime: float GEMM micro-kernel, AVX-512F.
 *
 * 8 rows (one packed panel) x up to 48 columns (3 zmm): 24 accumulators,
 * per k three vector loads of B, eight broadcasts of A (embedded-broadcast
 * memory operands) and 24 FMAs.  Column tails are masked (loads never fault
 * past the tail), row tails are computed on the panel's zero rows and not
 * stored.  Contract of xnrt__ukr in sgemm.h. */
#ifndef XNORCC_RT_SGEMM_UKR_AVX512_H
#define XNORCC_RT_SGEMM_UKR_AVX512_H

#define XNRT_SGEMM_NR 48

#define XNRT__Z_FMA3(r)                                                            \
    {                                                                              \
        const __m512 a = _mm512_set1_ps(ap[r]);                                    \
        c##r##0 = _mm512_fmadd_ps(a, b0, c##r##0);                                 \
        c##r##1 = _mm512_fmadd_ps(a, b1, c##r##1);                                 \
        c##r##2 = _mm512_fmadd_ps(a, b2, c##r##2);                                 \
    }
#define XNRT__Z_FMA2(r)                                                            \
    {                                                                              \
        const __m512 a = _mm512_set1_ps(ap[r]);                                    \
        c##r##0 = _mm512_fmadd_ps(a, b0, c##r##0);                                 \
        c##r##1 = _mm512_fmadd_ps(a, b1, c##r##1);                                 \
    }
#define XNRT__Z_FMA1(r) c##r##0 = _mm512_fmadd_ps(_mm512_set1_ps(ap[r]), b0, c##r##0);
#define XNRT__Z_ST(r, v, q, mk)                                                    \
    {                                                                              \
        float *cq = c + (size_t)(r) * ldc + 16 * (v);                              \
        if (acc)                                                                   \
            q = _mm512_add_ps(q, _mm512_maskz_loadu_ps(mk, cq));                   \
        _mm512_mask_storeu_ps(cq, mk, q);                                          \
    }
#define XNRT__Z_ST3(r)                                                             \
    if (r < mr) {                                                                  \
        XNRT__Z_ST(r, 0, c##r##0, (__mmask16)0xffff)                               \
        XNRT__Z_ST(r, 1, c##r##1, (__mmask16)0xffff)                               \
        XNRT__Z_ST(r, 2, c##r##2, mt)                                              \
    }
#define XNRT__Z_ST2(r)                                                             \
    if (r < mr) {                                                                  \
        XNRT__Z_ST(r, 0, c##r##0, (__mmask16)0xffff)                               \
        XNRT__Z_ST(r, 1, c##r##1, mt)                                              \
    }
#define XNRT__Z_ST1(r)                                                             \
    if (r < mr)                                                                    \
        XNRT__Z_ST(r, 0, c##r##0, mt)
#define XNRT__Z_ROWS(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)

XNRT_INLINE void xnrt__ukr_z3(int kc, const float *ap, const float *b, const ptrdiff_t *off, float *c,
                              size_t ldc, int mr, int nr, int acc)
{
    const __mmask16 mt = (__mmask16)((1u << (nr - 32)) - 1u);
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00,
           c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00, c40 = c00, c41 = c00,
           c42 = c00, c50 = c00, c51 = c00, c52 = c00, c60 = c00, c61 = c00, c62 = c00, c70 = c00,
           c71 = c00, c72 = c00;
    int k;
    for (k = 0; k < kc; k++, ap += 8) {
        const float *bk = b + off[k];
        const __m512 b0 = _mm512_loadu_ps(bk), b1 = _mm512_loadu_ps(bk + 16),
                     b2 = _mm512_maskz_loadu_ps(mt, bk + 32);
        XNRT__Z_ROWS(XNRT__Z_FMA3)
    }
    XNRT__Z_ROWS(XNRT__Z_ST3)
}

XNRT_INLINE void xnrt__ukr_z2(int kc, const float *ap, const float *b, const ptrdiff_t *off, float *c,
                              size_t ldc, int mr, int nr, int acc)
{
    const __mmask16 mt = (__mmask16)((1u << (nr - 16)) - 1u);
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00,
           c70 = c00, c71 = c00;
    int k;
    for (k = 0; k < kc; k++, ap += 8) {
        const float *bk = b + off[k];
        const __m512 b0 = _mm512_loadu_ps(bk), b1 = _mm512_maskz_loadu_ps(mt, bk + 16);
        XNRT__Z_ROWS(XNRT__Z_FMA2)
    }
    XNRT__Z_ROWS(XNRT__Z_ST2)
}

XNRT_INLINE void xnrt__ukr_z1(int kc, const float *ap, const float *b, const ptrdiff_t *off, float *c,
                              size_t ldc, int mr, int nr, int acc)
{
    const __mmask16 mt = (__mmask16)((1u << nr) - 1u);
    __m512 c00 = _mm512_setzero_ps(), c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00,
           c60 = c00, c70 = c00;
    int k;
    for (k = 0; k < kc; k++, ap += 8) {
        const __m512 b0 = _mm512_maskz_loadu_ps(mt, b + off[k]);
        XNRT__Z_ROWS(XNRT__Z_FMA1)
    }
    XNRT__Z_ROWS(XNRT__Z_ST1)
}

XNRT_INLINE void xnrt__ukr(int kc, const float *ap, const float *b, const ptrdiff_t *off, float *c, size_t ldc,
                           int mr, int nr, int acc)
{
    if (nr > 32)
        xnrt__ukr_z3(kc, ap, b, off, c, ldc, mr, nr, acc);
    else if (nr > 16)
        xnrt__ukr_z2(kc, ap, b, off, c, ldc, mr, nr, acc);
    else
        xnrt__ukr_z1(kc, ap, b, off, c, ldc, mr, nr, acc);
}

#include "sgemm_gemv_x86.h"

#endif
