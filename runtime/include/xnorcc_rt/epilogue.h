/* xnorcc runtime: the fused epilogue of the float GEMM and conv kernels.
 *
 * Applied to each output tile as it is written (while it is in L1), for row
 * (channel) m and column (position) p of an output with row stride ldc:
 *
 *   v = acc                       the sum over k
 *   v = v * scale[m]              XNRT_EPI_SCALE  (BN folded: scale, then BIAS = shift)
 *   v = v + bias[m]               XNRT_EPI_BIAS   (with SCALE: one fma)
 *   v = v + res[m*ldc + p]        XNRT_EPI_ADD    (residual Add, same layout as the output)
 *   v = max(v, 0)                 XNRT_EPI_RELU
 *   v = min(max(v, lo), hi)       XNRT_EPI_CLIP
 *   v = v < 0 ? alpha * v : v     XNRT_EPI_LEAKY
 *   v = v < 0 ? slope[m] * v : v  XNRT_EPI_PRELU
 *   y[m*ldc + p] = v
 *   bit m%64 of bits[(m/64)*ldc + p] = 1 iff !(v <= tlo[m] || v >= thi[m] || v is NaN)
 *                                 XNRT_EPI_BITS   (a following BN+sign as thresholds:
 *                                 threshold.h's rule and pack.h's word planes; bits of
 *                                 rows past M stay 0)
 * in that order.  flags is an OR of XNRT_EPI_*; generated code passes a
 * literal.  The float output y is always written (with BITS too).  NaN
 * through RELU/CLIP/max is unspecified (the vector max differs per ISA). */
#ifndef XNORCC_RT_EPILOGUE_H
#define XNORCC_RT_EPILOGUE_H

#include "fvec.h"

#define XNRT_EPI_SCALE 1
#define XNRT_EPI_BIAS 2
#define XNRT_EPI_ADD 4
#define XNRT_EPI_RELU 8
#define XNRT_EPI_CLIP 16
#define XNRT_EPI_LEAKY 32
#define XNRT_EPI_PRELU 64
#define XNRT_EPI_BITS 128

/* Operands of the epilogue; fields unused by the flags may be anything. */
typedef struct xnrt_epi {
    const float *scale; /* [M] SCALE */
    const float *bias;  /* [M] BIAS */
    const float *res;   /* residual, row m at res + m*ldc (ADD) */
    const float *slope; /* [M] PRELU slopes */
    float lo, hi;       /* CLIP bounds */
    float alpha;        /* LEAKY slope */
    const float *tlo;   /* [M] BITS lower thresholds */
    const float *thi;   /* [M] BITS upper thresholds */
    uint64_t *bits;     /* BITS output: word planes [ceil(M/64)][ldc] */
} xnrt_epi;

/* The epilogue on one value (plain C; the reference and scalar tails). */
XNRT_INLINE float xnrt_epi_value(float v, int m, float resv, int flags, const xnrt_epi *e)
{
    if ((flags & XNRT_EPI_SCALE) && (flags & XNRT_EPI_BIAS))
        v = v * e->scale[m] + e->bias[m];
    else if (flags & XNRT_EPI_SCALE)
        v = v * e->scale[m];
    else if (flags & XNRT_EPI_BIAS)
        v = v + e->bias[m];
    if (flags & XNRT_EPI_ADD)
        v = v + resv;
    if (flags & XNRT_EPI_RELU)
        v = v > 0.0f ? v : 0.0f;
    if (flags & XNRT_EPI_CLIP)
        v = v < e->lo ? e->lo : v > e->hi ? e->hi : v;
    if (flags & XNRT_EPI_LEAKY)
        v = v < 0.0f ? e->alpha * v : v;
    if (flags & XNRT_EPI_PRELU)
        v = v < 0.0f ? e->slope[m] * v : v;
    return v;
}

/* The operands for rows m0.. of the same output (row stride ldc): e itself
 * when m0 = 0 or no flags, else tmp filled.  BITS: m0 % 64 == 0. */
XNRT_INLINE const xnrt_epi *xnrt__epi_shift(const xnrt_epi *e, int flags, int m0, size_t ldc, xnrt_epi *tmp)
{
    if (!flags || !m0)
        return e;
    *tmp = *e;
    if (flags & XNRT_EPI_SCALE)
        tmp->scale += m0;
    if (flags & XNRT_EPI_BIAS)
        tmp->bias += m0;
    if (flags & XNRT_EPI_ADD)
        tmp->res += (size_t)m0 * ldc;
    if (flags & XNRT_EPI_PRELU)
        tmp->slope += m0;
    if (flags & XNRT_EPI_BITS) {
        tmp->tlo += m0;
        tmp->thi += m0;
        tmp->bits += (size_t)(m0 / 64) * ldc;
    }
    return tmp;
}

/* The epilogue on a tile: rows m0..m0+mr-1 (mr <= 8, all in one 64-row
 * word: m0 % 64 + mr <= 64), columns p0..p0+nr-1 (nr <= 64), c =
 * &y[m0*ldc + p0] holding the sums.  BITS: the tile holding row m0 % 64 == 0
 * of a word must come before the others of that word (it clears it). */
static inline void xnrt__epi_tile(float *c, size_t ldc, int m0, int mr, size_t p0, int nr, int flags,
                                  const xnrt_epi *e)
{
    uint8_t b8[64];
    int r, j, i;
    if (!flags)
        return;
    if (flags & XNRT_EPI_BITS)
        for (j = 0; j < nr && j < 64; j++)
            b8[j] = 0;
    for (r = 0; r < mr; r++) {
        const int m = m0 + r;
        float *cr = c + (size_t)r * ldc;
        const float *rr = (flags & XNRT_EPI_ADD) ? e->res + (size_t)m * ldc + p0 : 0;
        const xv vs = xv_set1((flags & XNRT_EPI_SCALE) ? e->scale[m] : 1.0f);
        const xv vb = xv_set1((flags & XNRT_EPI_BIAS) ? e->bias[m] : 0.0f);
        const xv vlo = xv_set1(e->lo), vhi = xv_set1(e->hi), va = xv_set1(e->alpha);
        const xv vsl = xv_set1((flags & XNRT_EPI_PRELU) ? e->slope[m] : 0.0f);
        const xv tl = xv_set1((flags & XNRT_EPI_BITS) ? e->tlo[m] : 0.0f);
        const xv th = xv_set1((flags & XNRT_EPI_BITS) ? e->thi[m] : 0.0f);
        for (j = 0; j < nr; j += XNRT_VL) {
            const int n = nr - j < XNRT_VL ? nr - j : XNRT_VL;
            xv v = n == XNRT_VL ? xv_load(cr + j) : xv_loadn(cr + j, n);
            if ((flags & XNRT_EPI_SCALE) && (flags & XNRT_EPI_BIAS))
                v = xv_fma(v, vs, vb);
            else if (flags & XNRT_EPI_SCALE)
                v = xv_mul(v, vs);
            else if (flags & XNRT_EPI_BIAS)
                v = xv_add(v, vb);
            if (flags & XNRT_EPI_ADD)
                v = xv_add(v, n == XNRT_VL ? xv_load(rr + j) : xv_loadn(rr + j, n));
            if (flags & XNRT_EPI_RELU)
                v = xv_max(v, xv_zero());
            if (flags & XNRT_EPI_CLIP)
                v = xv_min(xv_max(v, vlo), vhi);
            if (flags & XNRT_EPI_LEAKY)
                v = xv_sel_neg(v, xv_mul(v, va));
            if (flags & XNRT_EPI_PRELU)
                v = xv_sel_neg(v, xv_mul(v, vsl));
            if (n == XNRT_VL)
                xv_store(cr + j, v);
            else
                xv_storen(cr + j, v, n);
            if (flags & XNRT_EPI_BITS) {
                const unsigned in = xv_inside(v, tl, th);
                for (i = 0; i < n; i++)
                    b8[j + i] |= (uint8_t)(((in >> i) & 1u) << r);
            }
        }
    }
    if (flags & XNRT_EPI_BITS) {
        uint64_t *w = e->bits + (size_t)(m0 / 64) * ldc + p0;
        const int sh = m0 % 64;
        for (j = 0; j < nr; j++)
            w[j] = (sh ? w[j] : 0) | (uint64_t)b8[j] << sh;
    }
}

#endif
