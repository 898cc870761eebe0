/* xnorcc runtime: plain reference of conv.h and dwconv.h (the obvious loops
 * on OIHW weights, sums in double, then the epilogue on the rounded sum).
 * For tests and as the statement of what the fast kernels compute; slow. */
#ifndef XNORCC_RT_CONV_REF_H
#define XNORCC_RT_CONV_REF_H

#include "sgemm_ref.h"

/* xnrt_conv2d's contract with unpacked OIHW weights w[M][C/G][KH][KW]. */
static inline void xnrt_conv2d_ref(const float *x, const float *w, float *y, int C, int H, int W, int M, int KH,
                                   int KW, int OH, int OW, int sh, int sw, int dh, int dw, int pt, int pl, int G,
                                   int flags, const xnrt_epi *epi)
{
    const int Cg = C / G, Mg = M / G, P = OH * OW;
    int m, oy, ox, c, kh, kw;
    for (m = 0; m < M; m++) {
        const int g = m / Mg;
        xnrt_epi eg = *epi;
        if (flags & XNRT_EPI_BITS)
            eg.bits += (size_t)g * XNRT_WORDS(Mg) * P;
        for (oy = 0; oy < OH; oy++)
            for (ox = 0; ox < OW; ox++) {
                const size_t p = (size_t)oy * OW + ox;
                double s = 0.0;
                float v;
                for (c = 0; c < Cg; c++)
                    for (kh = 0; kh < KH; kh++)
                        for (kw = 0; kw < KW; kw++) {
                            const int iy = oy * sh - pt + kh * dh, ix = ox * sw - pl + kw * dw;
                            if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                                s += (double)w[(((size_t)m * Cg + c) * KH + kh) * KW + kw] *
                                     x[(((size_t)g * Cg + c) * H + iy) * W + ix];
                        }
                v = xnrt_epi_value((float)s, m, (flags & XNRT_EPI_ADD) ? epi->res[(size_t)m * P + p] : 0.0f, flags,
                                   epi);
                y[(size_t)m * P + p] = v;
                if (flags & XNRT_EPI_BITS) {
                    eg.tlo = epi->tlo + g * Mg;
                    eg.thi = epi->thi + g * Mg;
                    xnrt__ref_bit(&eg, m - g * Mg, p, (size_t)P, v);
                }
            }
    }
}

#endif
