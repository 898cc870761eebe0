/* xnorcc runtime: thresholds that write packed bits, and max-pool on bits,
 * for fused binary blocks (xnorcc's BinThreshold / XnorBlock, docs/fusion.md).
 *
 * Encoding as in pack.h: bit 0 = +1, bit 1 = -1; channel c of group g in bit
 * (c % 64) of word plane g*CWg + c/64, CWg = XNRT_WORDS(C/G); tail bits 0.
 *
 * A value v of channel m is +1 iff  v <= lo[m]  or  v >= hi[m]:
 *   integers: INT64_MIN as lo / INT64_MAX as hi never match;
 *   floats:   a NaN bound never matches, and a NaN value is +1.
 * Portable C99 on every ISA path, the packing also by AVX-512. */
#ifndef XNORCC_RT_THRESHOLD_H
#define XNORCC_RT_THRESHOLD_H

#include "isa.h"

/* Integer thresholds as int32 bounds: a is +1 iff a <= lo or a >= hi, i.e. -1
 * iff lo1 <= a <= hi1 (lo + 1 and hi - 1 clamped to int32; an empty interval
 * stays empty), unless never (no int32 is above lo, or below hi). */
XNRT_INLINE void xnrt__i32_bounds(int64_t lo, int64_t hi, int32_t *lo1, int32_t *hi1, int *never)
{
    *never = lo >= INT32_MAX || hi <= INT32_MIN;
    *lo1 = *never || lo + 1 <= INT32_MIN ? INT32_MIN : (int32_t)(lo + 1);
    *hi1 = *never || hi - 1 >= INT32_MAX ? INT32_MAX : (int32_t)(hi - 1);
}

/* Packs M planes of P int32 accumulators acc[m][p] through per-channel integer
 * thresholds into word planes out[G*CWg][P] (M channels in G groups).
 * AVX-512: 16 positions at a time, one compare pair per channel (as
 * xnrt_pack_chw); the same bits as the plain loop. */
XNRT_INLINE void xnrt_threshold_pack_i32(const int32_t *acc, int M, int P, const int64_t *lo,
                                         const int64_t *hi, int G, uint64_t *out)
{
    const int Mg = M / G, CWg = XNRT_WORDS(M / G);
    int g, wd, p, b;
    for (g = 0; g < G; g++)
        for (wd = 0; wd < CWg; wd++) {
            const int m0 = g * Mg + wd * 64, nb = Mg - wd * 64 < 64 ? Mg - wd * 64 : 64;
            uint64_t *o = out + (size_t)(g * CWg + wd) * P;
#if defined(XNRT_ISA_AVX512)
            int32_t l1[64], h1[64];
            uint64_t live = 0;
            for (b = 0; b < nb; b++) {
                int never;
                xnrt__i32_bounds(lo[m0 + b], hi[m0 + b], &l1[b], &h1[b], &never);
                live |= (uint64_t)!never << b;
            }
            for (p = 0; p < P; p += 16) {
                const __mmask16 pm = P - p >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (P - p)) - 1u);
                __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
                __m512i bit = _mm512_set1_epi64(1);
                for (b = 0; b < nb; b++) {
                    if ((live >> b) & 1) {
                        const __m512i v = _mm512_maskz_loadu_epi32(pm, acc + (size_t)(m0 + b) * P + p);
                        const __mmask16 k = _mm512_cmpge_epi32_mask(v, _mm512_set1_epi32(l1[b])) &
                                            _mm512_cmple_epi32_mask(v, _mm512_set1_epi32(h1[b]));
                        a0 = _mm512_mask_or_epi64(a0, (__mmask8)k, a0, bit);
                        a1 = _mm512_mask_or_epi64(a1, (__mmask8)(k >> 8), a1, bit);
                    }
                    bit = _mm512_add_epi64(bit, bit);
                }
                _mm512_mask_storeu_epi64(o + p, (__mmask8)pm, a0);
                if (P - p > 8)
                    _mm512_mask_storeu_epi64(o + p + 8, (__mmask8)(pm >> 8), a1);
            }
#else
            for (p = 0; p < P; p++)
                o[p] = 0;
            for (b = 0; b < nb; b++) {
                const int32_t *a = acc + (size_t)(m0 + b) * P;
                const int64_t l = lo[m0 + b], h = hi[m0 + b];
                for (p = 0; p < P; p++) /* no branches, so it vectorizes */
                    o[p] |= (uint64_t)((a[p] > l) & (a[p] < h)) << b;
            }
#endif
        }
}

/* Packs a CHW float image x[C][P] through per-channel float thresholds into
 * word planes out[G*CWg][P].  AVX-512 as xnrt_threshold_pack_i32: -1 iff
 * ordered(v) and not(v <= lo) and not(v >= hi), the unordered negations
 * keeping "a NaN bound never matches". */
XNRT_INLINE void xnrt_threshold_pack_f32(const float *x, int C, int P, const float *lo, const float *hi,
                                         int G, uint64_t *out)
{
    const int Cg = C / G, CWg = XNRT_WORDS(C / G);
    int g, wd, p, b;
    for (g = 0; g < G; g++)
        for (wd = 0; wd < CWg; wd++) {
            const int c0 = g * Cg + wd * 64, nb = Cg - wd * 64 < 64 ? Cg - wd * 64 : 64;
            uint64_t *o = out + (size_t)(g * CWg + wd) * P;
#if defined(XNRT_ISA_AVX512)
            for (p = 0; p < P; p += 16) {
                const __mmask16 pm = P - p >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (P - p)) - 1u);
                __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
                __m512i bit = _mm512_set1_epi64(1);
                for (b = 0; b < nb; b++) {
                    const __m512 v = _mm512_maskz_loadu_ps(pm, x + (size_t)(c0 + b) * P + p);
                    const __mmask16 k = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q) &
                                        _mm512_cmp_ps_mask(v, _mm512_set1_ps(lo[c0 + b]), _CMP_NLE_UQ) &
                                        _mm512_cmp_ps_mask(v, _mm512_set1_ps(hi[c0 + b]), _CMP_NGE_UQ);
                    a0 = _mm512_mask_or_epi64(a0, (__mmask8)k, a0, bit);
                    a1 = _mm512_mask_or_epi64(a1, (__mmask8)(k >> 8), a1, bit);
                    bit = _mm512_add_epi64(bit, bit);
                }
                _mm512_mask_storeu_epi64(o + p, (__mmask8)pm, a0);
                if (P - p > 8)
                    _mm512_mask_storeu_epi64(o + p + 8, (__mmask8)(pm >> 8), a1);
            }
#else
            for (p = 0; p < P; p++)
                o[p] = 0;
            for (b = 0; b < nb; b++) {
                const float *v = x + (size_t)(c0 + b) * P;
                const float l = lo[c0 + b], h = hi[c0 + b];
                for (p = 0; p < P; p++) /* v != v: NaN is +1; no branches, so it vectorizes */
                    o[p] |= (uint64_t)((v[p] == v[p]) & !(v[p] <= l) & !(v[p] >= h)) << b;
            }
#endif
        }
}

/* Max-pool on packed word planes x[NW][H][W] -> y[NW][OH][OW] (NW = G*CWg):
 * per channel, +1 if any tap of the window is +1 (the AND of the taps' bits),
 * or, for channels whose bit is set in all[w] (word w of the plane), +1 only
 * if every tap is +1 (the OR). Taps outside the image are skipped (pads must be
 * smaller than the dilated kernel, so every window has one). */
XNRT_INLINE void xnrt_pool_bits(const uint64_t *x, int NW, int H, int W, int KH, int KW, int OH, int OW,
                                int sh, int sw, int dh, int dw, int pt, int pl, const uint64_t *all,
                                uint64_t *y)
{
    int w, oy, ox, ky, kx;
    for (w = 0; w < NW; w++) {
        const uint64_t *xw = x + (size_t)w * H * W;
        const uint64_t am = all ? all[w] : 0;
        for (oy = 0; oy < OH; oy++)
            for (ox = 0; ox < OW; ox++) {
                uint64_t wand = ~(uint64_t)0, wor = 0;
                for (ky = 0; ky < KH; ky++) {
                    const int iy = oy * sh - pt + ky * dh;
                    if (iy < 0 || iy >= H)
                        continue;
                    for (kx = 0; kx < KW; kx++) {
                        const int ix = ox * sw - pl + kx * dw;
                        if (ix < 0 || ix >= W)
                            continue;
                        wand &= xw[(size_t)iy * W + ix];
                        wor |= xw[(size_t)iy * W + ix];
                    }
                }
                y[((size_t)w * OH + oy) * OW + ox] = (wand & ~am) | (wor & am);
            }
    }
}

#endif
