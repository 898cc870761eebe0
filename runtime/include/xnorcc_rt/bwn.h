/* xnorcc runtime: binary-weight (BWN) layers: real inputs, +-1 weights.
 * Outputs are sums of +x (weight bit 0) and -x (weight bit 1): additions and
 * subtractions only, no multiplies by weights.  Float summation order is
 * unspecified (results equal a float reference up to rounding; exactly when
 * all partial sums are representable, e.g. small integers). */
#ifndef XNORCC_RT_BWN_H
#define XNORCC_RT_BWN_H

#include "isa.h"

/* y[n*csn + m*csm] = sum_{f<F} (bit f of B_m ? -A[n*lda+f] : A[n*lda+f]),
 * A float [N] rows of F (stride lda floats), B packed rows (stride ldb words). */
XNRT_INLINE void xnrt_bwn_gemm(const float *A, int lda, const uint64_t *B, int ldb,
                               int N, int M, int F, float *C, int csn, int csm)
{
    int n, m, f;
    for (n = 0; n < N; n++)
        for (m = 0; m < M; m++) {
            const float *a = A + (size_t)n * lda;
            const uint64_t *b = B + (size_t)m * ldb;
            float s = 0.0f;
            f = 0;
#if defined(XNRT_ISA_AVX512)
            {
                /* Flip the sign bit of the lanes whose weight bit is 1, then add. */
                const __m512i sg = _mm512_set1_epi32((int)0x80000000u);
                __m512 acc = _mm512_setzero_ps();
                for (; f + 16 <= F; f += 16) {
                    const __mmask16 k = (__mmask16)(b[f / 64] >> (f % 64));
                    acc = _mm512_add_ps(acc, _mm512_castsi512_ps(_mm512_xor_si512(
                              _mm512_castps_si512(_mm512_loadu_ps(a + f)),
                              _mm512_maskz_mov_epi32(k, sg))));
                }
                s = _mm512_reduce_add_ps(acc);
            }
#endif
            for (; f < F; f++) {
                if ((b[f / 64] >> (f % 64)) & 1)
                    s -= a[f];
                else
                    s += a[f];
            }
            C[(size_t)n * csn + (size_t)m * csm] = s;
        }
}

/* BWN conv2d of one image: x float CHW [C][H][W], w packed [M][KH][KW][CWg]
 * (xnrt_pack_weights), y float [M][OH][OW].  Zero padding, exact: padded
 * taps contribute nothing.  Parameters as xnrt_bconv2d; no scratch. */
XNRT_INLINE void xnrt_bwn_conv2d(const float *x, const uint64_t *w, float *y, int C, int H,
                                 int W, int M, int KH, int KW, int OH, int OW, int sh, int sw,
                                 int dh, int dw, int pt, int pl, int G)
{
    const int Cg = C / G, CWg = XNRT_WORDS(C / G), Mg = M / G, T = KH * KW;
    int m, c, kh, kw, oy, ox;
    for (m = 0; m < M; m++) {
        float *ym = y + (size_t)m * OH * OW;
        const int g = m / Mg;
        for (oy = 0; oy < OH * OW; oy++)
            ym[oy] = 0.0f;
        for (c = 0; c < Cg; c++) {
            const float *xc = x + (size_t)(g * Cg + c) * H * W;
            for (kh = 0; kh < KH; kh++)
                for (kw = 0; kw < KW; kw++) {
                    const int t = kh * KW + kw, off = kw * dw - pl;
                    const int neg = (int)((w[((size_t)m * T + t) * CWg + c / 64] >> (c % 64)) & 1);
                    /* ox range with 0 <= ox*sw + off < W */
                    int ox0 = off >= 0 ? 0 : (-off + sw - 1) / sw;
                    int ox1 = W - 1 - off < 0 ? 0 : (W - 1 - off) / sw + 1;
                    if (ox1 > OW)
                        ox1 = OW;
                    for (oy = 0; oy < OH; oy++) {
                        const int iy = oy * sh - pt + kh * dh;
                        const float *xr;
                        float *yr = ym + (size_t)oy * OW;
                        if (iy < 0 || iy >= H)
                            continue;
                        xr = xc + (size_t)iy * W + off;
                        if (neg)
                            for (ox = ox0; ox < ox1; ox++)
                                yr[ox] -= xr[ox * sw];
                        else
                            for (ox = ox0; ox < ox1; ox++)
                                yr[ox] += xr[ox * sw];
                    }
                }
        }
    }
}

#endif
