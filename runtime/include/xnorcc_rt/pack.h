/* xnorcc runtime: sign and bit-packing.
 *
 * sign(x) = +1 if x >= 0 (both +0.0 and -0.0), else -1; NaN packs as +1.
 * Encoding: bit 0 = +1, bit 1 = -1.  Channel c of a pixel lives in bit (c % 64)
 * of word (c / 64); bits past the channel count are 0 in activations and
 * weights alike, so they cancel under XOR.
 * With G groups, each group's Cg = C/G channels start on a word boundary:
 * a pixel has G*CWg words, CWg = XNRT_WORDS(C/G), group g at word g*CWg.
 * Packed images are word-planar ("CHW of words"): word cw of group g of
 * pixel (iy, ix) is at out[((g*CWg + cw)*H + iy)*W + ix]. */
#ifndef XNORCC_RT_PACK_H
#define XNORCC_RT_PACK_H

#include "isa.h"

/* Words of a packed C-channel HxW image with G groups (xnrt_pack_chw). */
#define XNRT_PACKED_WORDS(C, G, H, W) ((size_t)(G) * XNRT_WORDS((C) / (G)) * (H) * (W))
/* Words of packed conv weights: M filters of Cg channels, KHxKW. */
#define XNRT_WEIGHT_WORDS(M, Cg, KH, KW) ((size_t)(M) * (KH) * (KW) * XNRT_WORDS(Cg))

/* 1 if x packs as -1 (x < 0), else 0 (x >= 0, -0.0, NaN). */
XNRT_INLINE uint64_t xnrt_sign_bit(float x) { return (uint64_t)(x < 0.0f); }

/* Pack F contiguous floats into XNRT_WORDS(F) words (tail bits 0). */
XNRT_INLINE void xnrt_pack_row(const float *x, int F, uint64_t *out)
{
    int i, b;
    for (i = 0; i * 64 < F; i++) {
        int n = F - i * 64 < 64 ? F - i * 64 : 64;
        uint64_t word = 0;
        for (b = 0; b < n; b++)
            word |= xnrt_sign_bit(x[i * 64 + b]) << b;
        out[i] = word;
    }
}

/* Pack a CHW float image x[C][H][W] into word planes out[G*CWg][H][W]. */
XNRT_INLINE void xnrt_pack_chw(const float *x, int C, int H, int W, int G, uint64_t *out)
{
    const int HW = H * W, Cg = C / G, CWg = XNRT_WORDS(C / G);
    int g, wd, p;
    for (g = 0; g < G; g++) {
        for (wd = 0; wd < CWg; wd++) {
            const int c0 = g * Cg + wd * 64;
            const int nb = Cg - wd * 64 < 64 ? Cg - wd * 64 : 64;
            const float *xc = x + (size_t)c0 * HW;
            uint64_t *o = out + (size_t)(g * CWg + wd) * HW;
#if defined(XNRT_ISA_AVX512)
            /* 16 pixels at a time: one compare per channel gives 16 sign bits,
             * OR-ed as bit b into the 16 pixels' words (two zmm of 8 words). */
            for (p = 0; p < HW; p += 16) {
                const __mmask16 pm = HW - p >= 16 ? (__mmask16)0xffff
                                                  : (__mmask16)((1u << (HW - p)) - 1u);
                __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
                __m512i bit = _mm512_set1_epi64(1);
                int b;
                for (b = 0; b < nb; b++) {
                    __m512 v = _mm512_maskz_loadu_ps(pm, xc + (size_t)b * HW + p);
                    __mmask16 k = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
                    a0 = _mm512_mask_or_epi64(a0, (__mmask8)k, a0, bit);
                    a1 = _mm512_mask_or_epi64(a1, (__mmask8)(k >> 8), a1, bit);
                    bit = _mm512_add_epi64(bit, bit);
                }
                _mm512_mask_storeu_epi64(o + p, (__mmask8)pm, a0);
                if (HW - p > 8)
                    _mm512_mask_storeu_epi64(o + p + 8, (__mmask8)(pm >> 8), a1);
            }
#else
            for (p = 0; p < HW; p++) {
                uint64_t word = 0;
                int b;
                for (b = 0; b < nb; b++)
                    word |= xnrt_sign_bit(xc[(size_t)b * HW + p]) << b;
                o[p] = word;
            }
#endif
        }
    }
}

/* Pack an HWC float image x[H][W][C] into word planes out[G*CWg][H][W]. */
XNRT_INLINE void xnrt_pack_hwc(const float *x, int C, int H, int W, int G, uint64_t *out)
{
    const int Cg = C / G, CWg = XNRT_WORDS(C / G), HW = H * W;
    int p, g, cw;
    for (p = 0; p < HW; p++)
        for (g = 0; g < G; g++) {
            uint64_t words[XNRT_WORDS(64 * 16)];
            const float *xp = x + (size_t)p * C + g * Cg;
            for (cw = 0; cw < CWg; cw += 16) {
                const int n = Cg - cw * 64 < 1024 ? Cg - cw * 64 : 1024;
                int i;
                xnrt_pack_row(xp + cw * 64, n, words);
                for (i = 0; i < XNRT_WORDS(n); i++)
                    out[(size_t)(g * CWg + cw + i) * HW + p] = words[i];
            }
        }
}

/* Pack conv weights w[M][Cg][KH][KW] (OIHW, Cg = input channels per group)
 * into out[M][KH][KW][CWg], CWg = XNRT_WORDS(Cg). */
XNRT_INLINE void xnrt_pack_weights(const float *w, int M, int Cg, int KH, int KW,
                                   uint64_t *out)
{
    const int CWg = XNRT_WORDS(Cg), T = KH * KW;
    int m, t, c;
    for (m = 0; m < M; m++)
        for (t = 0; t < T; t++) {
            uint64_t *o = out + ((size_t)m * T + t) * CWg;
            for (c = 0; c < CWg; c++)
                o[c] = 0;
            for (c = 0; c < Cg; c++)
                o[c / 64] |= xnrt_sign_bit(w[((size_t)m * Cg + c) * T + t]) << (c % 64);
        }
}

#endif
