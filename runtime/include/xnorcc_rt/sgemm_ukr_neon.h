/* xnorcc runtime: float GEMM micro-kernel, aarch64 NEON.
 *
 * 8 rows x up to 12 columns (3 q registers): 24 accumulators, 3 B vectors and
 * the panel's 8 A values in 2 q registers (vfmaq_laneq_f32).  A column tail
 * that is not a whole vector is loaded lane by lane (NEON has no masked
 * load), so nothing past the tail is read.  Contract of xnrt__ukr in sgemm.h. */
#ifndef XNORCC_RT_SGEMM_UKR_NEON_H
#define XNORCC_RT_SGEMM_UKR_NEON_H

#include "fvec.h"

#define XNRT_SGEMM_NR 12

#define XNRT__N_FMA(r, a, l, NV)                                                   \
    c##r##0 = vfmaq_laneq_f32(c##r##0, b0, a, l);                                  \
    if (NV > 1)                                                                    \
        c##r##1 = vfmaq_laneq_f32(c##r##1, b1, a, l);                              \
    if (NV > 2)                                                                    \
        c##r##2 = vfmaq_laneq_f32(c##r##2, b2, a, l);
#define XNRT__N_ST1(r, v, q, NV)                                                   \
    if ((v) < NV) {                                                                \
        float *cq = c + (size_t)(r) * ldc + 4 * (v);                               \
        const int n = (v) == NV - 1 ? nr - 4 * (v) : 4;                            \
        if (n == 4) {                                                              \
            if (acc)                                                               \
                q = vaddq_f32(q, vld1q_f32(cq));                                   \
            vst1q_f32(cq, q);                                                      \
        } else {                                                                   \
            float t[4];                                                            \
            int i;                                                                 \
            vst1q_f32(t, q);                                                       \
            for (i = 0; i < n; i++)                                                \
                cq[i] = acc ? cq[i] + t[i] : t[i];                                 \
        }                                                                          \
    }
#define XNRT__N_ST(r, NV)                                                          \
    if (r < mr) {                                                                  \
        XNRT__N_ST1(r, 0, c##r##0, NV)                                             \
        XNRT__N_ST1(r, 1, c##r##1, NV)                                             \
        XNRT__N_ST1(r, 2, c##r##2, NV)                                             \
    }

#define XNRT__N_KERNEL(name, NV)                                                   \
    XNRT_INLINE void name(int kc, const float *ap, const float *b, const ptrdiff_t *off, float *c, \
                          size_t ldc, int mr, int nr, int acc)                     \
    {                                                                              \
        const int tail = nr - 4 * (NV - 1);                                        \
        float32x4_t c00 = vdupq_n_f32(0.0f), c01 = c00, c02 = c00, c10 = c00, c11 = c00, \
                    c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00,    \
                    c32 = c00, c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00,    \
                    c52 = c00, c60 = c00, c61 = c00, c62 = c00, c70 = c00, c71 = c00, c72 = c00; \
        int k;                                                                     \
        for (k = 0; k < kc; k++, ap += 8) {                                        \
            const float *bk = b + off[k];                                          \
            const float32x4_t a0 = vld1q_f32(ap), a1 = vld1q_f32(ap + 4);          \
            const float32x4_t bt = tail == 4 ? vld1q_f32(bk + 4 * (NV - 1))        \
                                             : xv_loadn(bk + 4 * (NV - 1), tail); \
            const float32x4_t b0 = NV == 1 ? bt : vld1q_f32(bk);                   \
            const float32x4_t b1 = NV == 2 ? bt : NV > 2 ? vld1q_f32(bk + 4) : b0;  \
            const float32x4_t b2 = NV == 3 ? bt : b0;                              \
            XNRT__N_FMA(0, a0, 0, NV) XNRT__N_FMA(1, a0, 1, NV) XNRT__N_FMA(2, a0, 2, NV) \
            XNRT__N_FMA(3, a0, 3, NV) XNRT__N_FMA(4, a1, 0, NV) XNRT__N_FMA(5, a1, 1, NV) \
            XNRT__N_FMA(6, a1, 2, NV) XNRT__N_FMA(7, a1, 3, NV)                    \
        }                                                                          \
        XNRT__N_ST(0, NV) XNRT__N_ST(1, NV) XNRT__N_ST(2, NV) XNRT__N_ST(3, NV)     \
        XNRT__N_ST(4, NV) XNRT__N_ST(5, NV) XNRT__N_ST(6, NV) XNRT__N_ST(7, NV)     \
    }
XNRT__N_KERNEL(xnrt__ukr_n3, 3)
XNRT__N_KERNEL(xnrt__ukr_n2, 2)
XNRT__N_KERNEL(xnrt__ukr_n1, 1)

XNRT_INLINE void xnrt__ukr(int kc, const float *ap, const float *b, const ptrdiff_t *off, float *c, size_t ldc,
                           int mr, int nr, int acc)
{
    if (nr > 8)
        xnrt__ukr_n3(kc, ap, b, off, c, ldc, mr, nr, acc);
    else if (nr > 4)
        xnrt__ukr_n2(kc, ap, b, off, c, ldc, mr, nr, acc);
    else
        xnrt__ukr_n1(kc, ap, b, off, c, ldc, mr, nr, acc);
}

/* y[r] = sum_k ap[k*8 + r] * x[k*incx], r < 8 (one panel times a vector). */
XNRT_INLINE void xnrt__gemv_panel(int K, const float *ap, const float *x, ptrdiff_t incx, float *y)
{
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    int k = 0;
    for (; k + 2 <= K; k += 2, ap += 16) {
        const float32x4_t x0 = vdupq_n_f32(x[k * incx]), x1 = vdupq_n_f32(x[(k + 1) * incx]);
        a0 = vfmaq_f32(a0, vld1q_f32(ap), x0);
        a1 = vfmaq_f32(a1, vld1q_f32(ap + 4), x0);
        a2 = vfmaq_f32(a2, vld1q_f32(ap + 8), x1);
        a3 = vfmaq_f32(a3, vld1q_f32(ap + 12), x1);
    }
    for (; k < K; k++, ap += 8) {
        const float32x4_t x0 = vdupq_n_f32(x[k * incx]);
        a0 = vfmaq_f32(a0, vld1q_f32(ap), x0);
        a1 = vfmaq_f32(a1, vld1q_f32(ap + 4), x0);
    }
    vst1q_f32(y, vaddq_f32(a0, a2));
    vst1q_f32(y + 4, vaddq_f32(a1, a3));
}

#endif
