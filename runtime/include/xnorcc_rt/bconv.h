/* xnorcc runtime: binary (XNOR-popcount) 2-D convolution of one image.
 *
 * Input  x: packed word planes, x[((g*CWg + cw)*H + iy)*W + ix] (xnrt_pack_chw)
 * Weights w: packed w[m][kh][kw][cw], CWg words per tap     (xnrt_pack_weights)
 * Output y: int32 y[m][oy][ox] (NCHW plane order), exact +-1 sums:
 *   y = sum over taps and channels of x*w, padded taps holding pad_value:
 *   pad_value +1 or -1 acts as that constant; 0 means padded taps add nothing.
 *
 * Design: lanes are output positions.  A vector of 8 lanes holds word k of
 * the receptive fields of 8 consecutive output positions; it is XORed with
 * word k of a filter (broadcast), popcounted and accumulated per lane, for 8
 * filters at once on AVX-512: no horizontal reduction, and 8 consecutive
 * outputs of one filter are stored together.  Those vectors come either
 * straight from the packed planes (AVX-512, stride 1 and OW == W: position p
 * reads pixel p + off[tap], an unaligned 8-word load) or from a bit-im2col
 * into the scratch ([block][k][8 lanes], other cases and other ISAs).
 * pad_value +-1: padded lanes hold the pad word.  pad_value 0: padded lanes
 * are masked out of the popcount and each position's true channel count
 * cnt = C * valid_taps is used:  y = cnt - 2 * popcount(x XOR w) over valid
 * taps.  This is exact; no border correction term is needed.               */
#ifndef XNORCC_RT_BCONV_H
#define XNORCC_RT_BCONV_H

#include "isa.h"
#include "par.h"

/* Output extent of a convolution along one axis (pads p0 before, p1 after). */
#define XNRT_CONV_OUT(in, k, stride, dil, p0, p1) \
    (((in) + (p0) + (p1) - (dil) * ((k) - 1) - 1) / (stride) + 1)

/* Scratch words of xnrt_bconv2d: Cg input channels per group, KHxKW kernel,
 * OHxOW output. Reused across groups. 64-byte alignment is best. */
#define XNRT_BCONV_SCRATCH_WORDS(Cg, KH, KW, OH, OW)                              \
    ((size_t)XNRT_CDIV((OH) * (OW), 8) *                                           \
     (9 * (size_t)(KH) * (KW) * XNRT_WORDS(Cg) + 9))

/* Bit-im2col of group g into the scratch: xs[PB][K][8 lanes] words (word k
 * of the receptive field of 8 consecutive positions), mk[PB][K] lane bits
 * (valid lanes, pad 0 only), cnt[PB*8] true channel counts, flag[PB] (some
 * lane masked).  PB = ceil(OH*OW/8) blocks, returned. */
XNRT_INLINE int xnrt__bconv_im2col(const uint64_t *x, int C, int H, int W, int KH, int KW,
                                   int OH, int OW, int sh, int sw, int dh, int dw,
                                   int pt, int pl, int G, int g, int pad_value,
                                   uint64_t *scratch)
{
    const int Cg = C / G, CWg = XNRT_WORDS(C / G), T = KH * KW, HW = H * W;
    const int K = T * CWg, P = OH * OW, PB = XNRT_CDIV(P, 8);
    const uint64_t tailmask = Cg % 64 ? (((uint64_t)1 << (Cg % 64)) - 1) : ~(uint64_t)0;
    uint64_t *xs = scratch, *mk = xs + (size_t)PB * 8 * K, *cnt = mk + (size_t)PB * K;
    uint64_t *flag = cnt + (size_t)PB * 8;
    int pb, j, kh, kw, cw, k;
    for (pb = 0; pb < PB; pb++) {
        uint64_t *xb = xs + (size_t)pb * 8 * K, *mb = mk + (size_t)pb * K;
        flag[pb] = 0;
        if (pad_value == 0)
            for (k = 0; k < K; k++)
                mb[k] = 0;
        for (j = 0; j < 8; j++) {
            const int p = pb * 8 + j, oy = p / OW, ox = p % OW;
            int nvalid = 0;
            for (kh = 0; kh < KH; kh++)
                for (kw = 0; kw < KW; kw++) {
                    const int t = kh * KW + kw, iy = oy * sh - pt + kh * dh,
                              ix = ox * sw - pl + kw * dw;
                    uint64_t *xo = xb + (size_t)t * CWg * 8 + j, *mo = mb + (size_t)t * CWg;
                    if (p < P && iy >= 0 && iy < H && ix >= 0 && ix < W) {
                        const uint64_t *xi = x + (size_t)g * CWg * HW + (size_t)iy * W + ix;
                        for (cw = 0; cw < CWg; cw++)
                            xo[cw * 8] = xi[(size_t)cw * HW];
                        if (pad_value == 0)
                            for (cw = 0; cw < CWg; cw++)
                                mo[cw] |= (uint64_t)1 << j;
                        nvalid++;
                    } else {
                        for (cw = 0; cw < CWg; cw++)
                            xo[cw * 8] = pad_value < 0 && p < P
                                             ? (cw == CWg - 1 ? tailmask : ~(uint64_t)0)
                                             : 0;
                        if (pad_value == 0 && p >= P)
                            for (cw = 0; cw < CWg; cw++)
                                mo[cw] |= (uint64_t)1 << j;
                    }
                }
            if (p >= P || pad_value != 0)
                nvalid = T;
            cnt[pb * 8 + j] = (uint64_t)Cg * (uint64_t)nvalid;
            if (nvalid != T)
                flag[pb] = 1;
        }
    }
    return PB;
}

#if defined(XNRT_ISA_AVX512)
/* The same bit-im2col with one masked 8-lane gather per (block, tap, word):
 * lane indices and validity computed on 8 int32 lanes. */
XNRT_INLINE int xnrt__bconv_im2col_z(const uint64_t *x, int C, int H, int W, int KH, int KW,
                                     int OH, int OW, int sh, int sw, int dh, int dw,
                                     int pt, int pl, int G, int g, int pad_value,
                                     uint64_t *scratch)
{
    const int Cg = C / G, CWg = XNRT_WORDS(C / G), T = KH * KW, HW = H * W;
    const int K = T * CWg, P = OH * OW, PB = XNRT_CDIV(P, 8);
    const uint64_t tailmask = Cg % 64 ? (((uint64_t)1 << (Cg % 64)) - 1) : ~(uint64_t)0;
    uint64_t *xs = scratch, *mk = xs + (size_t)PB * 8 * K, *cnt = mk + (size_t)PB * K;
    uint64_t *flag = cnt + (size_t)PB * 8;
    const uint64_t *xg = x + (size_t)g * CWg * HW;
    const __m256i zero = _mm256_setzero_si256(), hv = _mm256_set1_epi32(H),
                  wv = _mm256_set1_epi32(W);
    int pb, j, kh, kw, cw, oy = 0, ox = 0;
    for (pb = 0; pb < PB; pb++) {
        uint64_t *xb = xs + (size_t)pb * 8 * K, *mb = mk + (size_t)pb * K;
        int32_t iy0[8], ix0[8];
        __mmask8 inp = 0;
        __m512i nv = _mm512_setzero_si512();
        __m256i vy0, vx0;
        for (j = 0; j < 8; j++) {
            iy0[j] = oy * sh - pt;
            ix0[j] = ox * sw - pl;
            if (pb * 8 + j < P)
                inp |= (__mmask8)(1u << j);
            if (++ox == OW) {
                ox = 0;
                oy++;
            }
        }
        vy0 = _mm256_loadu_si256((const __m256i *)(const void *)iy0);
        vx0 = _mm256_loadu_si256((const __m256i *)(const void *)ix0);
        for (kh = 0; kh < KH; kh++) {
            const __m256i iy = _mm256_add_epi32(vy0, _mm256_set1_epi32(kh * dh));
            /* 0 <= iy < H, as an all-ones lane mask */
            const __m256i oky = _mm256_andnot_si256(_mm256_cmpgt_epi32(zero, iy),
                                                    _mm256_cmpgt_epi32(hv, iy));
            const __m256i rowi = _mm256_mullo_epi32(iy, wv);
            for (kw = 0; kw < KW; kw++) {
                const int t = kh * KW + kw;
                const __m256i ix = _mm256_add_epi32(vx0, _mm256_set1_epi32(kw * dw));
                const __m256i ok = _mm256_andnot_si256(_mm256_cmpgt_epi32(zero, ix),
                                       _mm256_and_si256(oky, _mm256_cmpgt_epi32(wv, ix)));
                const __mmask8 valid = (__mmask8)(_mm256_movemask_ps(_mm256_castsi256_ps(ok)) & inp);
                const __m256i idx = _mm256_add_epi32(rowi, ix);
                for (cw = 0; cw < CWg; cw++) {
                    const uint64_t pw = pad_value < 0 ? (cw == CWg - 1 ? tailmask : ~(uint64_t)0) : 0;
                    const __m512i padv = _mm512_maskz_set1_epi64(inp, (long long)pw);
                    _mm512_storeu_si512((void *)(xb + ((size_t)t * CWg + cw) * 8),
                                        _mm512_mask_i32gather_epi64(padv, valid, idx,
                                                                    (const void *)(xg + (size_t)cw * HW), 8));
                    if (pad_value == 0)
                        mb[t * CWg + cw] = (uint64_t)(__mmask8)(valid | (__mmask8)~inp);
                }
                nv = _mm512_mask_add_epi64(nv, valid, nv, _mm512_set1_epi64(1));
            }
        }
        if (pad_value == 0) {
            /* lanes past P count as fully valid (their output is not stored) */
            nv = _mm512_mask_mov_epi64(_mm512_set1_epi64(T), inp, nv);
            flag[pb] = _mm512_cmpneq_epi64_mask(nv, _mm512_set1_epi64(T)) != 0;
            _mm512_storeu_si512((void *)(cnt + (size_t)pb * 8),
                                _mm512_mul_epu32(nv, _mm512_set1_epi64(Cg)));
        } else {
            flag[pb] = 0;
            _mm512_storeu_si512((void *)(cnt + (size_t)pb * 8),
                                _mm512_set1_epi64((long long)Cg * T));
        }
    }
    return PB;
}
#endif

/* Store 8 lanes of cnt - 2*acc for filter row yr at positions p0.. (P total). */
#if defined(XNRT_ISA_AVX512)
#define XNRT__ZSTORE(s)                                                            \
    _mm512_mask_cvtepi64_storeu_epi32(yr + (size_t)(s) * P, km,                   \
        _mm512_sub_epi64(cv, _mm512_add_epi64(a##s, a##s)));
#define XNRT__ZSTEP(s)                                                             \
    a##s = _mm512_add_epi64(a##s, _mm512_popcnt_epi64(_mm512_xor_si512(           \
        xv, _mm512_set1_epi64((long long)wr[(size_t)(s) * K + k]))));
#define XNRT__ZSTEPM(s)                                                            \
    a##s = _mm512_add_epi64(a##s, _mm512_maskz_popcnt_epi64(mv, _mm512_xor_si512(      \
        xv, _mm512_set1_epi64((long long)wr[(size_t)(s) * K + k]))));
#define XNRT__Z8(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)

/* 8 filters (rows wr, wr+K, ...) x one 8-position block.  The masked and
 * unmasked loops are separate functions: sharing the accumulators between two
 * loops makes GCC copy them every iteration. */
#define XNRT__ZKERN8(name, LOOP)                                                   \
    XNRT_INLINE void name(const uint64_t *xb, const uint64_t *mb, const uint64_t *cb, \
                          const uint64_t *wr, int K, int32_t *yr, int P, int nlanes) \
    {                                                                              \
        const __mmask8 km = (__mmask8)((1u << nlanes) - 1u);                       \
        __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0,   \
                a5 = a0, a6 = a0, a7 = a0;                                         \
        __m512i cv;                                                                \
        int k;                                                                     \
        (void)mb;                                                                  \
        for (k = 0; k < K; k++) {                                                  \
            const __m512i xv = _mm512_loadu_si512((const void *)(xb + (size_t)k * 8)); \
            LOOP                                                                   \
        }                                                                          \
        cv = _mm512_loadu_si512((const void *)cb);                                 \
        XNRT__Z8(XNRT__ZSTORE)                                                     \
    }
XNRT__ZKERN8(xnrt__bconv_z8, XNRT__Z8(XNRT__ZSTEP))
XNRT__ZKERN8(xnrt__bconv_z8m, const __mmask8 mv = (__mmask8)mb[k]; XNRT__Z8(XNRT__ZSTEPM))

/* Direct path (AVX-512, stride 1 and OW == W): output position p reads input
 * pixel p + off[t] for tap t, so word cw of 8 consecutive positions is one
 * unaligned 8-word load from word plane cw: no im2col.  Scratch holds off[T],
 * the lane mask of each (block, tap) (valid taps of positions < P), each
 * lane's count C*valid_taps and a per-block flag "some lane masked". */
XNRT_INLINE void xnrt__bconv_direct_setup(int Cg, int H, int W, int KH, int KW, int OH, int OW,
                                          int dh, int dw, int pt, int pl, int pad_value,
                                          uint64_t *scratch)
{
    const int T = KH * KW, P = OH * OW, PB = XNRT_CDIV(P, 8);
    uint64_t *off = scratch, *mk = off + T, *cnt = mk + (size_t)PB * T;
    uint64_t *flag = cnt + (size_t)PB * 8;
    const __m256i zero = _mm256_setzero_si256(), hv = _mm256_set1_epi32(H),
                  wv = _mm256_set1_epi32(W);
    int pb, j, kh, kw, oy = 0, ox = 0;
    for (kh = 0; kh < KH; kh++)
        for (kw = 0; kw < KW; kw++)
            off[kh * KW + kw] = (uint64_t)(int64_t)((kh * dh - pt) * W + kw * dw - pl);
    for (pb = 0; pb < PB; pb++) {
        int32_t iy0[8], ix0[8];
        __mmask8 inp = 0, any = 0;
        __m512i nv = _mm512_setzero_si512();
        __m256i vy0, vx0;
        for (j = 0; j < 8; j++) {
            iy0[j] = oy - pt;
            ix0[j] = ox - pl;
            if (pb * 8 + j < P)
                inp |= (__mmask8)(1u << j);
            if (++ox == OW) {
                ox = 0;
                oy++;
            }
        }
        vy0 = _mm256_loadu_si256((const __m256i *)(const void *)iy0);
        vx0 = _mm256_loadu_si256((const __m256i *)(const void *)ix0);
        for (kh = 0; kh < KH; kh++) {
            const __m256i iy = _mm256_add_epi32(vy0, _mm256_set1_epi32(kh * dh));
            const __m256i oky = _mm256_andnot_si256(_mm256_cmpgt_epi32(zero, iy),
                                                    _mm256_cmpgt_epi32(hv, iy));
            for (kw = 0; kw < KW; kw++) {
                const __m256i ix = _mm256_add_epi32(vx0, _mm256_set1_epi32(kw * dw));
                const __m256i ok = _mm256_andnot_si256(_mm256_cmpgt_epi32(zero, ix),
                                       _mm256_and_si256(oky, _mm256_cmpgt_epi32(wv, ix)));
                const __mmask8 valid = (__mmask8)(_mm256_movemask_ps(_mm256_castsi256_ps(ok)) & inp);
                /* bit 8: a plain 8-word load of this tap could leave the buffer */
                const int o = (int)(int64_t)off[kh * KW + kw];
                mk[(size_t)pb * T + kh * KW + kw] =
                    valid | (uint64_t)(pb * 8 + o < 0 || pb * 8 + 7 + o >= H * W) << 8;
                any |= (__mmask8)(inp & ~valid);
                nv = _mm512_mask_add_epi64(nv, valid, nv, _mm512_set1_epi64(1));
            }
        }
        flag[pb] = any != 0 || inp != 0xff;
        nv = pad_value == 0 ? nv : _mm512_set1_epi64(T);
        _mm512_storeu_si512((void *)(cnt + (size_t)pb * 8),
                            _mm512_mul_epu32(nv, _mm512_set1_epi64(Cg)));
    }
}

/* Direct kernel: 8 filters x one block, all lanes valid. */
XNRT_INLINE void xnrt__bconv_z8d(const uint64_t *xp, int HW, const uint64_t *off, int T,
                                 int CWg, const uint64_t *cb, const uint64_t *wr, int K,
                                 int32_t *yr, int P)
{
    const __mmask8 km = 0xff;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, cv;
    int t, cw, k = 0;
    for (t = 0; t < T; t++) {
        const uint64_t *xt = xp + (ptrdiff_t)(int64_t)off[t];
        for (cw = 0; cw < CWg; cw++, k++) {
            const __m512i xv = _mm512_loadu_si512((const void *)(xt + (size_t)cw * HW));
            XNRT__Z8(XNRT__ZSTEP)
        }
    }
    cv = _mm512_loadu_si512((const void *)cb);
    XNRT__Z8(XNRT__ZSTORE)
}

/* Block with masked lanes: plain loads, then masked popcount (pad 0) or a
 * blend with the pad word (pad +-1); taps whose 8-word load could leave the
 * input buffer (bit 8 of the mask word) use masked loads instead. */
XNRT_INLINE void xnrt__bconv_z8dp(const uint64_t *xp, int HW, const uint64_t *off,
                                  const uint64_t *mb, int T, int CWg, const uint64_t *cb,
                                  const uint64_t *wr, int K, int32_t *yr, int P, int nlanes,
                                  __m512i padfull, __m512i padtail, int pad0)
{
    const __mmask8 km = (__mmask8)((1u << nlanes) - 1u);
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, cv;
    int t, cw, k = 0;
    for (t = 0; t < T; t++) {
        const uint64_t *xt = xp + (ptrdiff_t)(int64_t)off[t];
        const __mmask8 lm = (__mmask8)mb[t], mv = pad0 ? lm : (__mmask8)0xff;
        const int risky = (int)(mb[t] >> 8);
        for (cw = 0; cw < CWg; cw++, k++) {
            const __m512i pv = cw == CWg - 1 ? padtail : padfull;
            const __m512i xv =
                risky ? _mm512_mask_loadu_epi64(pv, lm, xt + (size_t)cw * HW)
                      : pad0 ? _mm512_loadu_si512((const void *)(xt + (size_t)cw * HW))
                             : _mm512_mask_blend_epi64(lm, pv, _mm512_loadu_si512(
                                                                   (const void *)(xt + (size_t)cw * HW)));
            XNRT__Z8(XNRT__ZSTEPM)
        }
    }
    cv = _mm512_loadu_si512((const void *)cb);
    XNRT__Z8(XNRT__ZSTORE)
}

XNRT_INLINE void xnrt__bconv_z1dm(const uint64_t *xp, int HW, const uint64_t *off,
                                  const uint64_t *mb, int T, int CWg, const uint64_t *cb,
                                  const uint64_t *wr, int K, int32_t *yr, int P, int nlanes,
                                  __m512i padfull, __m512i padtail, int pad0)
{
    const __mmask8 km = (__mmask8)((1u << nlanes) - 1u);
    __m512i a0 = _mm512_setzero_si512(), cv;
    int t, cw, k = 0;
    for (t = 0; t < T; t++) {
        const uint64_t *xt = xp + (ptrdiff_t)(int64_t)off[t];
        const __mmask8 lm = (__mmask8)mb[t], mv = pad0 ? lm : (__mmask8)0xff;
        for (cw = 0; cw < CWg; cw++, k++) {
            const __m512i xv = _mm512_mask_loadu_epi64(cw == CWg - 1 ? padtail : padfull, lm,
                                                       xt + (size_t)cw * HW);
            XNRT__ZSTEPM(0)
        }
    }
    cv = _mm512_loadu_si512((const void *)cb);
    XNRT__ZSTORE(0)
}

/* Direct path, filters [m0, m1) of one group (input planes xg), after
 * xnrt__bconv_direct_setup wrote off/mk/cnt/flag into the scratch. */
XNRT_INLINE void xnrt__bconv_direct_rows(const uint64_t *xg, const uint64_t *w, int32_t *y,
                                         const uint64_t *scratch, int Cg, int HW, int T,
                                         int P, int pad_value, int m0, int m1)
{
    const int CWg = XNRT_WORDS(Cg), K = T * CWg, PB = XNRT_CDIV(P, 8);
    const uint64_t *off = scratch, *mk = off + T, *cnt = mk + (size_t)PB * T;
    const uint64_t *flag = cnt + (size_t)PB * 8;
    const uint64_t tail = Cg % 64 ? (((uint64_t)1 << (Cg % 64)) - 1) : ~(uint64_t)0;
    const __m512i padfull = _mm512_set1_epi64(pad_value < 0 ? -1 : 0);
    const __m512i padtail = _mm512_set1_epi64(pad_value < 0 ? (long long)tail : 0);
    int m, pb;
    for (m = m0; m + 8 <= m1; m += 8)
        for (pb = 0; pb < PB; pb++) {
            if (flag[pb])
                xnrt__bconv_z8dp(xg + pb * 8, HW, off, mk + (size_t)pb * T, T, CWg,
                                 cnt + pb * 8, w + (size_t)m * K, K,
                                 y + (size_t)m * P + pb * 8, P,
                                 P - pb * 8 < 8 ? P - pb * 8 : 8, padfull, padtail,
                                 pad_value == 0);
            else
                xnrt__bconv_z8d(xg + pb * 8, HW, off, T, CWg, cnt + pb * 8,
                                w + (size_t)m * K, K, y + (size_t)m * P + pb * 8, P);
        }
    for (; m < m1; m++)
        for (pb = 0; pb < PB; pb++)
            xnrt__bconv_z1dm(xg + pb * 8, HW, off, mk + (size_t)pb * T, T, CWg, cnt + pb * 8,
                             w + (size_t)m * K, K, y + (size_t)m * P + pb * 8, P,
                             P - pb * 8 < 8 ? P - pb * 8 : 8, padfull, padtail,
                             pad_value == 0);
}

/* One filter x one 8-position block. */
XNRT_INLINE void xnrt__bconv_z1(const uint64_t *xb, const uint64_t *mb, const uint64_t *cb,
                                int masked, const uint64_t *wr, int K,
                                int32_t *yr, int P, int nlanes)
{
    const __mmask8 km = (__mmask8)((1u << nlanes) - 1u);
    __m512i a0 = _mm512_setzero_si512(), cv;
    int k;
    for (k = 0; k < K; k++) {
        const __m512i xv = _mm512_loadu_si512((const void *)(xb + (size_t)k * 8));
        const __mmask8 mv = masked ? (__mmask8)mb[k] : (__mmask8)0xff;
        XNRT__ZSTEPM(0)
    }
    cv = _mm512_loadu_si512((const void *)cb);
    XNRT__ZSTORE(0)
}
#endif

/* Portable / AVX2 / NEON: one filter x one 8-position block. */
XNRT_INLINE void xnrt__bconv_b1(const uint64_t *xb, const uint64_t *mb, const uint64_t *cb,
                                int masked, const uint64_t *wr, int K, int32_t *yr, int nlanes)
{
    int64_t acc[8];
    int k, j;
#if defined(XNRT_ISA_AVX2)
    /* Two ymm of 4 lanes; byte counters flushed with vpsadbw every 31 words.
     * Lane masks (all ones = valid) are rebuilt only when the mask word
     * changes, i.e. once per tap. */
    const __m256i lo4 = _mm256_setr_epi64x(1, 2, 4, 8), hi4 = _mm256_setr_epi64x(16, 32, 64, 128);
    __m256i q0 = _mm256_setzero_si256(), q1 = q0, b0 = q0, b1 = q0;
    __m256i m0 = _mm256_set1_epi64x(-1), m1 = m0;
    uint64_t cur = 0xff;
    int n = 0;
    for (k = 0; k < K; k++) {
        const uint64_t *xk = xb + (size_t)k * 8;
        const __m256i wv = _mm256_set1_epi64x((long long)wr[k]);
        const __m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)xk);
        const __m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(xk + 4));
        if (masked && mb[k] != cur) {
            const __m256i mbits = _mm256_set1_epi64x((long long)(cur = mb[k]));
            m0 = _mm256_cmpeq_epi64(_mm256_and_si256(mbits, lo4), lo4);
            m1 = _mm256_cmpeq_epi64(_mm256_and_si256(mbits, hi4), hi4);
        }
        b0 = _mm256_add_epi8(b0, xnrt__popcnt8_avx2(_mm256_and_si256(_mm256_xor_si256(x0, wv), m0)));
        b1 = _mm256_add_epi8(b1, xnrt__popcnt8_avx2(_mm256_and_si256(_mm256_xor_si256(x1, wv), m1)));
        if (++n == 31) {
            q0 = _mm256_add_epi64(q0, _mm256_sad_epu8(b0, _mm256_setzero_si256()));
            q1 = _mm256_add_epi64(q1, _mm256_sad_epu8(b1, _mm256_setzero_si256()));
            b0 = b1 = _mm256_setzero_si256();
            n = 0;
        }
    }
    q0 = _mm256_add_epi64(q0, _mm256_sad_epu8(b0, _mm256_setzero_si256()));
    q1 = _mm256_add_epi64(q1, _mm256_sad_epu8(b1, _mm256_setzero_si256()));
    _mm256_storeu_si256((__m256i *)(void *)acc, q0);
    _mm256_storeu_si256((__m256i *)(void *)(acc + 4), q1);
#elif defined(XNRT_ISA_NEON)
    /* Four q registers of 2 lanes; byte counters widened every 31 words. */
    uint64x2_t q[4];
    uint8x16_t b[4];
    int n = 0, i;
    for (i = 0; i < 4; i++) {
        q[i] = vdupq_n_u64(0);
        b[i] = vdupq_n_u8(0);
    }
    for (k = 0; k < K; k++) {
        const uint64x2_t wv = vdupq_n_u64(wr[k]);
        for (i = 0; i < 4; i++) {
            uint64x2_t v = veorq_u64(vld1q_u64(xb + (size_t)k * 8 + 2 * i), wv);
            if (masked) {
                const uint64_t bits = mb[k] >> (2 * i);
                const uint64_t lm[2] = {(bits & 1) ? ~(uint64_t)0 : 0, (bits & 2) ? ~(uint64_t)0 : 0};
                v = vandq_u64(v, vld1q_u64(lm));
            }
            b[i] = vaddq_u8(b[i], vcntq_u8(vreinterpretq_u8_u64(v)));
        }
        if (++n == 31 || k == K - 1) {
            for (i = 0; i < 4; i++) {
                q[i] = vpadalq_u32(q[i], vpaddlq_u16(vpaddlq_u8(b[i])));
                b[i] = vdupq_n_u8(0);
            }
            n = 0;
        }
    }
    for (i = 0; i < 4; i++)
        vst1q_s64(acc + 2 * i, vreinterpretq_s64_u64(q[i]));
#else
    for (j = 0; j < 8; j++)
        acc[j] = 0;
    for (k = 0; k < K; k++)
        for (j = 0; j < 8; j++)
            if (!masked || ((mb[k] >> j) & 1))
                acc[j] += xnrt_popcount64(xb[(size_t)k * 8 + j] ^ wr[k]);
#endif
    for (j = 0; j < nlanes; j++)
        yr[j] = (int32_t)((int64_t)cb[j] - 2 * acc[j]);
}

/* Im2col path, filters [m0, m1) of one group from the scratch that
 * xnrt__bconv_im2col(_z) filled (PB blocks, K words per position). */
XNRT_INLINE void xnrt__bconv_rows(const uint64_t *scratch, const uint64_t *w, int32_t *y,
                                  int K, int P, int m0, int m1)
{
    const int PB = XNRT_CDIV(P, 8);
    const uint64_t *xs = scratch, *mk = xs + (size_t)PB * 8 * K;
    const uint64_t *cnt = mk + (size_t)PB * K, *flag = cnt + (size_t)PB * 8;
    int m = m0, pb;
#if defined(XNRT_ISA_AVX512)
    for (; m + 8 <= m1; m += 8)
        for (pb = 0; pb < PB; pb++) {
            if (flag[pb])
                xnrt__bconv_z8m(xs + (size_t)pb * 8 * K, mk + (size_t)pb * K, cnt + pb * 8,
                                w + (size_t)m * K, K, y + (size_t)m * P + pb * 8, P,
                                P - pb * 8 < 8 ? P - pb * 8 : 8);
            else
                xnrt__bconv_z8(xs + (size_t)pb * 8 * K, mk + (size_t)pb * K, cnt + pb * 8,
                               w + (size_t)m * K, K, y + (size_t)m * P + pb * 8, P,
                               P - pb * 8 < 8 ? P - pb * 8 : 8);
        }
    for (; m < m1; m++)
        for (pb = 0; pb < PB; pb++)
            xnrt__bconv_z1(xs + (size_t)pb * 8 * K, mk + (size_t)pb * K, cnt + pb * 8,
                           (int)flag[pb], w + (size_t)m * K, K,
                           y + (size_t)m * P + pb * 8, P,
                           P - pb * 8 < 8 ? P - pb * 8 : 8);
#else
    for (; m < m1; m++)
        for (pb = 0; pb < PB; pb++)
            xnrt__bconv_b1(xs + (size_t)pb * 8 * K, mk + (size_t)pb * K, cnt + pb * 8,
                           (int)flag[pb], w + (size_t)m * K, K,
                           y + (size_t)m * P + pb * 8, P - pb * 8 < 8 ? P - pb * 8 : 8);
#endif
}

/* One group's filters split across the pool (par.h) in chunks of 8. */
typedef struct xnrt__bconv_job_s {
    const uint64_t *x, *w, *scratch;
    int32_t *y;
    int direct, Cg, HW, T, K, P, pad_value, mbase, mend;
} xnrt__bconv_job;

XNRT_INLINE void xnrt__bconv_chunk(void *ctx, int lo, int hi)
{
    const xnrt__bconv_job *j = (const xnrt__bconv_job *)ctx;
    const int m0 = j->mbase + lo * 8, m1 = j->mbase + hi * 8 < j->mend ? j->mbase + hi * 8 : j->mend;
#if defined(XNRT_ISA_AVX512)
    if (j->direct) {
        xnrt__bconv_direct_rows(j->x, j->w, j->y, j->scratch, j->Cg, j->HW, j->T, j->P,
                                j->pad_value, m0, m1);
        return;
    }
#endif
    xnrt__bconv_rows(j->scratch, j->w, j->y, j->K, j->P, m0, m1);
}

XNRT_INLINE void xnrt__bconv_split(const uint64_t *x, const uint64_t *w, int32_t *y,
                                   const uint64_t *scratch, int direct, int Cg, int HW, int T,
                                   int K, int P, int pad_value, int m0, int m1)
{
    xnrt__bconv_job j;
    j.x = x, j.w = w, j.scratch = scratch, j.y = y, j.direct = direct, j.Cg = Cg, j.HW = HW;
    j.T = T, j.K = K, j.P = P, j.pad_value = pad_value, j.mbase = m0, j.mend = m1;
    xnrt_parallel_for(XNRT_CDIV(m1 - m0, 8), xnrt__bconv_chunk, &j);
}

/* Binary conv2d of one image (see top of file).
 *   x        packed word planes [G*CWg][H][W], CWg = XNRT_WORDS(C/G)
 *   w        packed weights [M][KH][KW][CWg]; filter m is in group m/(M/G)
 *   y        int32 output [M][OH][OW]
 *   scratch  XNRT_BCONV_SCRATCH_WORDS(C/G, KH, KW, OH, OW) words
 *   OH, OW   output size, XNRT_CONV_OUT(...) (pads after are implied by them)
 *   sh, sw   strides; dh, dw dilations; pt, pl pads before (top, left)
 *   G        groups (C and M divisible by G; G = C = M is depthwise)
 *   pad_value  0, +1 or -1: value of padded taps.
 * Preconditions (not checked): sizes >= 1, C % G == 0, M % G == 0.
 * Threads (par.h): with XNRT_PAR_SPLIT(M * P * K) each group's filters are
 * split in chunks of 8 across the pool, after the packing (im2col or the
 * direct path's tables), which the caller does alone. */
XNRT_INLINE void xnrt_bconv2d(const uint64_t *x, const uint64_t *w, int32_t *y,
                              uint64_t *scratch, int C, int H, int W, int M, int KH, int KW,
                              int OH, int OW, int sh, int sw, int dh, int dw, int pt, int pl,
                              int G, int pad_value)
{
    const int K = KH * KW * XNRT_WORDS(C / G), P = OH * OW, Mg = M / G;
    const int split = XNRT_PAR_SPLIT((int64_t)M * P * K);
    int g;
#if defined(XNRT_ISA_AVX512)
    if (sh == 1 && sw == 1 && OW == W) {
        const int Cg = C / G, CWg = XNRT_WORDS(Cg), HW = H * W;
        xnrt__bconv_direct_setup(Cg, H, W, KH, KW, OH, OW, dh, dw, pt, pl, pad_value, scratch);
        for (g = 0; g < G; g++) {
            if (split)
                xnrt__bconv_split(x + (size_t)g * CWg * HW, w, y, scratch, 1, Cg, HW, KH * KW,
                                  K, P, pad_value, g * Mg, (g + 1) * Mg);
            else
                xnrt__bconv_direct_rows(x + (size_t)g * CWg * HW, w, y, scratch, Cg, HW,
                                        KH * KW, P, pad_value, g * Mg, (g + 1) * Mg);
        }
        return;
    }
#endif
    for (g = 0; g < G; g++) {
#if defined(XNRT_ISA_AVX512)
        xnrt__bconv_im2col_z(x, C, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, G, g,
                             pad_value, scratch);
#else
        xnrt__bconv_im2col(x, C, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, G, g, pad_value,
                           scratch);
#endif
        if (split)
            xnrt__bconv_split(x, w, y, scratch, 0, C / G, H * W, KH * KW, K, P, pad_value,
                              g * Mg, (g + 1) * Mg);
        else
            xnrt__bconv_rows(scratch, w, y, K, P, g * Mg, (g + 1) * Mg);
    }
}

/* Per-tap weight sums wsum[m][kh][kw] = sum_c sign(w) = Cg - 2*popcount(tap)
 * from packed weights (Cg = input channels per group).  For callers that want
 * to fold border corrections themselves; xnrt_bconv2d does not need it. */
XNRT_INLINE void xnrt_bconv_wsum(const uint64_t *w, int M, int Cg, int KH, int KW,
                                 int32_t *wsum)
{
    const int CWg = XNRT_WORDS(Cg);
    int i, cw;
    for (i = 0; i < M * KH * KW; i++) {
        int s = 0;
        for (cw = 0; cw < CWg; cw++)
            s += xnrt_popcount64(w[(size_t)i * CWg + cw]);
        wsum[i] = Cg - 2 * s;
    }
}

#endif
