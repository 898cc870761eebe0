/* xnorcc runtime: depthwise float convolution (G = C groups, M = C*mult
 * filters: output channel m reads input channel m / mult), one NCHW image,
 * with the fused epilogue.  Weights unpacked OIHW w[M][1][KH][KW].
 * Vectorized along the output row (fvec.h) where every kw tap is inside the
 * row, for strides 1 and 2; borders, tails and other strides in plain C.
 * Taps run kh-major with one fma each: within conv.h's accuracy bound
 * (docs/runtime.md).  Contract as xnrt_conv2d otherwise; no scratch. */
#ifndef XNORCC_RT_DWCONV_H
#define XNORCC_RT_DWCONV_H

#include "pool.h"
#include "epilogue.h"

/* One output of channel plane xc (H x W) with the filter wm (KH x KW). */
XNRT_INLINE float xnrt__dw_one(const float *xc, const float *wm, int H, int W, int KH, int KW, int oy, int ox,
                               int sh, int sw, int dh, int dw, int pt, int pl)
{
    float s = 0.0f;
    int kh, kw;
    for (kh = 0; kh < KH; kh++) {
        const int iy = oy * sh - pt + kh * dh;
        if (iy < 0 || iy >= H)
            continue;
        for (kw = 0; kw < KW; kw++) {
            const int ix = ox * sw - pl + kw * dw;
            if (ix >= 0 && ix < W)
                s += wm[kh * KW + kw] * xc[(size_t)iy * W + ix];
        }
    }
    return s;
}

/* Depthwise conv, see above: x [C][H][W], w [M][KH][KW], y [M][OH][OW],
 * M a multiple of C; flags, epi as xnrt_conv2d (bits: one group per
 * channel, XNRT_WORDS(1) = 1 word plane each). */
static inline void xnrt_dwconv2d(const float *x, const float *w, float *y, int C, int H, int W, int M, int KH,
                                 int KW, int OH, int OW, int sh, int sw, int dh, int dw, int pt, int pl, int flags,
                                 const xnrt_epi *epi)
{
    const int mult = M / C, P = OH * OW;
    int m, oy, ox, kh, kw, lo, hi;
    xnrt__pool_interior(OW, sw, dw, pl, KW, W, &lo, &hi);
    for (m = 0; m < M; m++) {
        const float *xc = x + (size_t)(m / mult) * H * W, *wm = w + (size_t)m * KH * KW;
        float *ym = y + (size_t)m * P;
        xnrt_epi eg; /* operands of group m / mult; m is row m % mult of it */
        if (flags) {
            const int g0 = m - m % mult;
            eg = *epi;
            if (flags & XNRT_EPI_SCALE)
                eg.scale += g0;
            if (flags & XNRT_EPI_BIAS)
                eg.bias += g0;
            if (flags & XNRT_EPI_PRELU)
                eg.slope += g0;
            if (flags & XNRT_EPI_ADD)
                eg.res += (size_t)g0 * P;
            if (flags & XNRT_EPI_BITS) {
                eg.tlo += g0;
                eg.thi += g0;
                eg.bits += (size_t)(m / mult) * XNRT_WORDS(mult) * P;
            }
        }
        for (oy = 0; oy < OH; oy++) {
            float *yr = ym + (size_t)oy * OW;
            int kh0, kh1;
            xnrt__rows_inside(oy, sh, pt, dh, KH, H, &kh0, &kh1);
            for (ox = 0; ox < lo; ox++)
                yr[ox] = xnrt__dw_one(xc, wm, H, W, KH, KW, oy, ox, sh, sw, dh, dw, pt, pl);
            ox = lo;
            if (sw == 1 || sw == 2)
                for (; ox + XNRT_VL <= hi; ox += XNRT_VL) {
                    xv acc = xv_zero();
                    if (sw == 2 && (ox + XNRT_VL - 1) * 2 - pl + (KW - 1) * dw + 2 > W)
                        break;
                    for (kh = kh0; kh < kh1; kh++) {
                        const float *r = xc + (size_t)(oy * sh - pt + kh * dh) * W + (size_t)(ox * sw - pl);
                        for (kw = 0; kw < KW; kw++)
                            acc = xv_fma(xv_set1(wm[kh * KW + kw]),
                                         sw == 1 ? xv_load(r + kw * dw) : xv_loads2(r + kw * dw), acc);
                    }
                    xv_store(yr + ox, acc);
                }
            for (; ox < OW; ox++)
                yr[ox] = xnrt__dw_one(xc, wm, H, W, KH, KW, oy, ox, sh, sw, dh, dw, pt, pl);
        }
        if (flags)
            for (ox = 0; ox < P; ox += 64)
                xnrt__epi_tile(ym + ox, (size_t)P, m % mult, 1, (size_t)ox,
                               P - ox < 64 ? P - ox : 64, flags, &eg);
    }
}

#endif
