/* xnorcc runtime: thresholds that write packed bits, and max-pool on bits,
 * for fused binary blocks (xnorcc's BinThreshold / XnorBlock, docs/fusion.md).
 *
 * Encoding as in pack.h: bit 0 = +1, bit 1 = -1; channel c of group g in bit
 * (c % 64) of word plane g*CWg + c/64, CWg = XNRT_WORDS(C/G); tail bits 0.
 *
 * A value v of channel m is +1 iff  v <= lo[m]  or  v >= hi[m]:
 *   integers: INT64_MIN as lo / INT64_MAX as hi never match;
 *   floats:   a NaN bound never matches, and a NaN value is +1.
 * Portable C99 on every ISA path. */
#ifndef XNORCC_RT_THRESHOLD_H
#define XNORCC_RT_THRESHOLD_H

#include "isa.h"

/* Packs M planes of P int32 accumulators acc[m][p] through per-channel integer
 * thresholds into word planes out[G*CWg][P] (M channels in G groups). */
XNRT_INLINE void xnrt_threshold_pack_i32(const int32_t *acc, int M, int P, const int64_t *lo,
                                         const int64_t *hi, int G, uint64_t *out)
{
    const int Mg = M / G, CWg = XNRT_WORDS(M / G);
    int g, wd, p, b;
    for (g = 0; g < G; g++)
        for (wd = 0; wd < CWg; wd++) {
            const int m0 = g * Mg + wd * 64, nb = Mg - wd * 64 < 64 ? Mg - wd * 64 : 64;
            uint64_t *o = out + (size_t)(g * CWg + wd) * P;
            for (p = 0; p < P; p++)
                o[p] = 0;
            for (b = 0; b < nb; b++) {
                const int32_t *a = acc + (size_t)(m0 + b) * P;
                const int64_t l = lo[m0 + b], h = hi[m0 + b];
                for (p = 0; p < P; p++)
                    o[p] |= (uint64_t)!(a[p] <= l || a[p] >= h) << b;
            }
        }
}

/* Packs a CHW float image x[C][P] through per-channel float thresholds into
 * word planes out[G*CWg][P]. */
XNRT_INLINE void xnrt_threshold_pack_f32(const float *x, int C, int P, const float *lo, const float *hi,
                                         int G, uint64_t *out)
{
    const int Cg = C / G, CWg = XNRT_WORDS(C / G);
    int g, wd, p, b;
    for (g = 0; g < G; g++)
        for (wd = 0; wd < CWg; wd++) {
            const int c0 = g * Cg + wd * 64, nb = Cg - wd * 64 < 64 ? Cg - wd * 64 : 64;
            uint64_t *o = out + (size_t)(g * CWg + wd) * P;
            for (p = 0; p < P; p++)
                o[p] = 0;
            for (b = 0; b < nb; b++) {
                const float *v = x + (size_t)(c0 + b) * P;
                const float l = lo[c0 + b], h = hi[c0 + b];
                for (p = 0; p < P; p++) /* v != v: NaN is +1 */
                    o[p] |= (uint64_t)!(v[p] != v[p] || v[p] <= l || v[p] >= h) << b;
            }
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
