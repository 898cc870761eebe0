/* xnorcc runtime: float GEMM micro-kernel, AVX-512F.
 *
 * 8 rows (one packed panel) x up to 48 columns (3 zmm): 24 accumulators,
 * per k three vector loads of B, eight broadcasts of A (embedded-broadcast
 * memory operands) and 24 FMAs.  Column tails are masked (loads never fault
 * past the tail), row tails are computed on the panel's zero rows and not
 * stored.  Contract of xnrt__ukr in sgemm.h.  Column tails that would
 * waste lanes go to xnrt__ukr_tail (channels in lanes) instead. */
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

/* Channels in lanes, for column tails: 16 rows (the panels ap0 and ap1,
 * ap1 = ap0 when mr <= 8) x exactly NP <= 24 columns, one zmm accumulator
 * per column (16 rows of it), B broadcast.  Costs NP FMAs per k for 16 rows
 * where xnrt__ukr would spend whole vectors; stores through a transpose in
 * a stack buffer. */
#define XNRT__T_FMA(j)                                                             \
    if ((j) < np_)                                                                 \
        c##j = _mm512_fmadd_ps(a, _mm512_set1_ps(bk[j]), c##j);
#define XNRT__T_ST(j)                                                              \
    if ((j) < np_)                                                                 \
        _mm512_storeu_ps(t + 16 * (j), c##j);
#define XNRT__T_COLS(M)                                                            \
    M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15) M(16) M(17) \
    M(18) M(19) M(20) M(21) M(22) M(23)
#define XNRT__T_KERNEL(name, NP)                                                   \
    XNRT_INLINE void name(int kc, const float *ap0, const float *ap1, const float *b, const ptrdiff_t *off, \
                          float *c, size_t ldc, int mr, int acc)                   \
    {                                                                              \
        __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, \
               c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0, c16 = c0, \
               c17 = c0, c18 = c0, c19 = c0, c20 = c0, c21 = c0, c22 = c0, c23 = c0;  \
        float t[16 * 24];                                                          \
        const int np_ = NP;                                                        \
        int k, r, j;                                                               \
        for (k = 0; k < kc; k++) {                                                 \
            const float *bk = b + off[k];                                          \
            const __m512 a = _mm512_castpd_ps(_mm512_insertf64x4(                  \
                _mm512_castps_pd(_mm512_castps256_ps512(_mm256_loadu_ps(ap0 + (size_t)k * 8))), \
                _mm256_castps_pd(_mm256_loadu_ps(ap1 + (size_t)k * 8)), 1));       \
            XNRT__T_COLS(XNRT__T_FMA)                                              \
        }                                                                          \
        XNRT__T_COLS(XNRT__T_ST)                                                   \
        for (r = 0; r < mr; r++)                                                   \
            for (j = 0; j < np_; j++)                                              \
                c[(size_t)r * ldc + j] = acc ? c[(size_t)r * ldc + j] + t[16 * j + r] : t[16 * j + r]; \
    }
XNRT__T_KERNEL(xnrt__ukr_t1, 1)
XNRT__T_KERNEL(xnrt__ukr_t2, 2)
XNRT__T_KERNEL(xnrt__ukr_t3, 3)
XNRT__T_KERNEL(xnrt__ukr_t4, 4)
XNRT__T_KERNEL(xnrt__ukr_t5, 5)
XNRT__T_KERNEL(xnrt__ukr_t6, 6)
XNRT__T_KERNEL(xnrt__ukr_t7, 7)
XNRT__T_KERNEL(xnrt__ukr_t8, 8)
XNRT__T_KERNEL(xnrt__ukr_t16, 16)
XNRT__T_KERNEL(xnrt__ukr_t24, 24)

/* Rows per call of xnrt__ukr_tail, and whether a tail of nr columns goes
 * to it (when whole vectors would waste lanes). */
#define XNRT_SGEMM_TAIL_ROWS 16
#define XNRT__USE_TAIL(nr) ((nr) % 16 != 0 && (nr) % 16 <= 12)

/* c[r*ldc + j] (+)= sum_k A[r][k] * b[off[k] + j] for r < mr <= 16 (rows 8..
 * from panel ap1), j < nr <= 48, by chunks of 24, 16, 8 columns and an exact
 * rest. */
XNRT_INLINE void xnrt__ukr_tail(int kc, const float *ap0, const float *ap1, const float *b, const ptrdiff_t *off,
                                float *c, size_t ldc, int mr, int nr, int acc)
{
    int j = 0;
    for (; nr - j >= 24; j += 24)
        xnrt__ukr_t24(kc, ap0, ap1, b + j, off, c + j, ldc, mr, acc);
    if (nr - j >= 16) {
        xnrt__ukr_t16(kc, ap0, ap1, b + j, off, c + j, ldc, mr, acc);
        j += 16;
    }
    if (nr - j >= 8) {
        xnrt__ukr_t8(kc, ap0, ap1, b + j, off, c + j, ldc, mr, acc);
        j += 8;
    }
    switch (nr - j) {
    case 1: xnrt__ukr_t1(kc, ap0, ap1, b + j, off, c + j, ldc, mr, acc); break;
    case 2: xnrt__ukr_t2(kc, ap0, ap1, b + j, off, c + j, ldc, mr, acc); break;
    case 3: xnrt__ukr_t3(kc, ap0, ap1, b + j, off, c + j, ldc, mr, acc); break;
    case 4: xnrt__ukr_t4(kc, ap0, ap1, b + j, off, c + j, ldc, mr, acc); break;
    case 5: xnrt__ukr_t5(kc, ap0, ap1, b + j, off, c + j, ldc, mr, acc); break;
    case 6: xnrt__ukr_t6(kc, ap0, ap1, b + j, off, c + j, ldc, mr, acc); break;
    case 7: xnrt__ukr_t7(kc, ap0, ap1, b + j, off, c + j, ldc, mr, acc); break;
    default: break;
    }
}

#include "sgemm_gemv_x86.h"

#endif
