/* xnorcc runtime: float 2-D convolution of one NCHW image on the GEMM of
 * sgemm.h, with the fused epilogue (epilogue.h).
 *
 *   y[m][oy][ox] = epilogue(sum over c of m's group, kh, kw of
 *                  w[m][c][kh][kw] * x[g*Cg + c][oy*sh - pt + kh*dh][ox*sw - pl + kw*dw])
 *
 * taps outside the image are 0 (ONNX zero padding, any size, also larger
 * than the image).  Per group g the weights are the packed Mg x K matrix
 * (K = Cg*KH*KW, k = (c*KH + kh)*KW + kw; xnrt_conv_pack_weights) and the
 * columns are the P = OH*OW output positions.  Three ways to feed B, chosen
 * from the shape alone (xnrt_conv_algo; the same on every ISA path, so the
 * scratch size is too):
 *   XNRT_CONV_GEMM    1x1, stride 1, no padding: B is the image itself.
 *   XNRT_CONV_DIRECT  wide outputs (OW >= XNRT_CONV_DIRECT_MIN_OW): the group's
 *                     input is copied once, zero-padded and split by column
 *                     phase (ix mod sw), into the scratch; then every output
 *                     row is a GEMM whose B rows are taps at fixed offsets in
 *                     that copy (no im2col; the stem convs).
 *   XNRT_CONV_IM2COL  otherwise: im2col of K blocks x XNRT_SGEMM_NCB positions
 *                     into the scratch, then the GEMM on that block.
 * Depthwise convs (G = C = M) have their own kernel, dwconv.h. */
#ifndef XNORCC_RT_CONV_H
#define XNORCC_RT_CONV_H

#include "sgemm.h"

#define XNRT_CONV_GEMM 0
#define XNRT_CONV_DIRECT 1
#define XNRT_CONV_IM2COL 2
/* Narrowest output for XNRT_CONV_DIRECT (its tiles are rows of OW). */
#define XNRT_CONV_DIRECT_MIN_OW 32

/* Output extent of a convolution along one axis (pads p0 before, p1 after);
 * also in bconv.h. */
#ifndef XNRT_CONV_OUT
#define XNRT_CONV_OUT(in, k, stride, dil, p0, p1) (((in) + (p0) + (p1) - (dil) * ((k) - 1) - 1) / (stride) + 1)
#endif

/* Which way xnrt_conv2d computes this shape (XNRT_CONV_*). */
static inline int xnrt_conv_algo(int C, int H, int W, int M, int KH, int KW, int OH, int OW, int sh, int sw,
                                 int dh, int dw, int pt, int pl, int G)
{
    (void)C, (void)M, (void)G, (void)dh, (void)dw;
    if (KH == 1 && KW == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && OH == H && OW == W)
        return XNRT_CONV_GEMM;
    if (OW >= XNRT_CONV_DIRECT_MIN_OW)
        return XNRT_CONV_DIRECT;
    return XNRT_CONV_IM2COL;
}

/* Geometry of XNRT_CONV_DIRECT's padded copy: Hp rows of sw phases of Wq floats per channel. */
XNRT_INLINE int xnrt__dir_hp(int OH, int KH, int sh, int dh) { return (OH - 1) * sh + (KH - 1) * dh + 1; }
XNRT_INLINE int xnrt__dir_wq(int OW, int KW, int sw, int dw) { return OW + (KW - 1) * dw / sw; }

/* Floats of scratch xnrt_conv2d needs for this shape (0 for XNRT_CONV_GEMM);
 * the same on every ISA path.  Reused across groups and calls. */
static inline size_t xnrt_conv_scratch_floats(int C, int H, int W, int M, int KH, int KW, int OH, int OW,
                                              int sh, int sw, int dh, int dw, int pt, int pl, int G)
{
    const int Cg = C / G, K = Cg * KH * KW, P = OH * OW;
    switch (xnrt_conv_algo(C, H, W, M, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, G)) {
    case XNRT_CONV_DIRECT:
        return (size_t)Cg * xnrt__dir_hp(OH, KH, sh, dh) * sw * xnrt__dir_wq(OW, KW, sw, dw);
    case XNRT_CONV_IM2COL:
        return (size_t)(K < XNRT_SGEMM_KC ? K : XNRT_SGEMM_KC) * (P < XNRT_SGEMM_NCB ? P : XNRT_SGEMM_NCB);
    default:
        return 0;
    }
}

/* dst[i] = src[ix0 + i*s] where 0 <= ix0 + i*s < W, else 0, for i < n. */
XNRT_INLINE void xnrt__gather_row(float *dst, const float *src, int ix0, int s, int n, int W)
{
    int i0 = ix0 >= 0 ? 0 : (-ix0 + s - 1) / s;
    int i1 = ix0 > W - 1 ? 0 : (W - 1 - ix0) / s + 1;
    int i;
    if (i1 > n)
        i1 = n;
    if (i0 > i1)
        i0 = i1;
    for (i = 0; i < i0; i++)
        dst[i] = 0.0f;
    i = i0;
    if (s == 1) {
        for (; i + XNRT_VL <= i1; i += XNRT_VL)
            xv_store(dst + i, xv_load(src + ix0 + i));
        if (i < i1)
            xv_storen(dst + i, xv_loadn(src + ix0 + i, i1 - i), i1 - i);
        i = i1;
    } else if (s == 2) {
        for (; i + XNRT_VL <= i1 && ix0 + 2 * (i + XNRT_VL) <= W; i += XNRT_VL)
            xv_store(dst + i, xv_loads2(src + ix0 + 2 * i));
        for (; i < i1; i += XNRT_VL) { /* the rest reads no float past the last tap */
            const int m = i1 - i < XNRT_VL ? i1 - i : XNRT_VL;
            if (m == XNRT_VL)
                xv_store(dst + i, xv_loads2n(src + ix0 + 2 * i, m));
            else
                xv_storen(dst + i, xv_loads2n(src + ix0 + 2 * i, m), m);
        }
        i = i1;
    }
    for (; i < i1; i++)
        dst[i] = src[ix0 + i * s];
    for (; i < n; i++)
        dst[i] = 0.0f;
}

/* Weight arguments of xnrt__kblock for the K block at k0 of group g. */
#define XNRT__W(k0) wg ? wg + (size_t)(k0) * 8 : NULL, bg ? bg + (k0) : NULL, wexp, pst

/* Filters [r0, r1) of one group by XNRT_CONV_GEMM or XNRT_CONV_DIRECT (its
 * padded copy already in scratch): wg/bg the group's packed weights, yg its
 * output, ep its epilogue.  r0 is a multiple of 8 (of 64 with BITS), so the
 * rows' panels and bit words are whole and each output element is computed
 * exactly as by the whole group. */
static inline void xnrt__conv_part(int algo, const float *xg, const float *wg, const uint8_t *bg, float *wexp,
                                   float *yg, const float *scratch, int Cg, int H, int W, int KH, int KW, int OH,
                                   int OW, int sh, int sw, int dh, int dw, int flags, const xnrt_epi *ep, int r0,
                                   int r1)
{
    const int T = KH * KW, K = Cg * T, P = OH * OW, kcb = xnrt__kc(K), Mr = r1 - r0;
    const int Hp = xnrt__dir_hp(OH, KH, sh, dh), Wq = xnrt__dir_wq(OW, KW, sw, dw);
    const size_t RS = (size_t)sw * Wq, CS = (size_t)Hp * RS;
    const size_t pst = bg ? (size_t)K : (size_t)K * 8;
    const float *wr = wg ? wg + (size_t)(r0 / 8) * pst : NULL;
    const uint8_t *br = bg ? bg + (size_t)(r0 / 8) * pst : NULL;
    float *yr = yg + (size_t)r0 * P;
    xnrt_epi es;
    const xnrt_epi *e = xnrt__epi_shift(ep, flags, r0, (size_t)P, &es);
    ptrdiff_t off[XNRT_SGEMM_KC];
    int k0, kk, n0, oy;
    (void)H, (void)W;
    if (algo == XNRT_CONV_GEMM) {
        for (kk = 0; kk < kcb; kk++)
            off[kk] = (ptrdiff_t)kk * P;
        for (n0 = 0; n0 < P; n0 += XNRT_SGEMM_NCB) {
            const int n = P - n0 < XNRT_SGEMM_NCB ? P - n0 : XNRT_SGEMM_NCB;
            for (k0 = 0; k0 < K; k0 += kcb) {
                const int kc = K - k0 < kcb ? K - k0 : kcb;
                xnrt__kblock(Mr, n, kc, wr ? wr + (size_t)k0 * 8 : NULL, br ? br + k0 : NULL, wexp, pst,
                             xg + (size_t)k0 * P + n0, off, yr + n0, P, k0 > 0, k0 + kc == K ? flags : 0, e,
                             (size_t)n0);
            }
        }
        return;
    }
    for (oy = 0; oy < OH; oy++)
        for (k0 = 0; k0 < K; k0 += kcb) {
            const int kc = K - k0 < kcb ? K - k0 : kcb;
            for (kk = 0; kk < kc; kk++) {
                const int k = k0 + kk, t = k % T, kh = t / KW, kwd = (t % KW) * dw;
                off[kk] = (ptrdiff_t)((k / T) * CS + (size_t)kh * dh * RS + (size_t)(kwd % sw) * Wq +
                                      (size_t)(kwd / sw));
            }
            xnrt__kblock(Mr, OW, kc, wr ? wr + (size_t)k0 * 8 : NULL, br ? br + k0 : NULL, wexp, pst,
                         scratch + (size_t)oy * sh * RS, off, yr + (size_t)oy * OW, P, k0 > 0,
                         k0 + kc == K ? flags : 0, e, (size_t)oy * OW);
        }
}

/* A group's filters split across the pool (par.h) by XNRT_CONV_GEMM or
 * XNRT_CONV_DIRECT, in chunks of unit filters.  BWN: each chunk expands its
 * panels into its own buffer on its thread's stack (the scratch's one is the
 * single-thread code's). */
typedef struct xnrt__conv_job_s {
    const float *xg, *wg, *scratch;
    const uint8_t *bg;
    float *yg;
    const xnrt_epi *ep;
    int algo, Cg, H, W, KH, KW, OH, OW, sh, sw, dh, dw, flags, unit, Mg;
} xnrt__conv_job;

static inline void xnrt__conv_chunk(void *ctx, int lo, int hi)
{
    const xnrt__conv_job *j = (const xnrt__conv_job *)ctx;
    float wexp[XNRT_SGEMM_BWN_SCRATCH_FLOATS];
    xnrt__conv_part(j->algo, j->xg, j->wg, j->bg, j->bg ? wexp : NULL, j->yg, j->scratch, j->Cg, j->H, j->W,
                    j->KH, j->KW, j->OH, j->OW, j->sh, j->sw, j->dh, j->dw, j->flags, j->ep, lo * j->unit,
                    hi * j->unit < j->Mg ? hi * j->unit : j->Mg);
}

/* One K block of XNRT_CONV_IM2COL (its block already in scratch) with the
 * filters split across the pool likewise: xnrt__kblock on rows
 * [lo*unit, hi*unit) with their panels, output rows and epilogue operands. */
typedef struct xnrt__kblock_job_s {
    const float *ap, *b;
    const uint8_t *wb;
    const ptrdiff_t *off;
    float *c;
    const xnrt_epi *e;
    size_t pstride, ldc, p0;
    int M, n, kc, acc, flags, unit;
} xnrt__kblock_job;

static inline void xnrt__kblock_chunk(void *ctx, int lo, int hi)
{
    const xnrt__kblock_job *j = (const xnrt__kblock_job *)ctx;
    const int r0 = lo * j->unit, r1 = hi * j->unit < j->M ? hi * j->unit : j->M;
    float wexp[XNRT_SGEMM_BWN_SCRATCH_FLOATS];
    xnrt_epi es;
    xnrt__kblock(r1 - r0, j->n, j->kc, j->ap ? j->ap + (size_t)(r0 / 8) * j->pstride : NULL,
                 j->wb ? j->wb + (size_t)(r0 / 8) * j->pstride : NULL, wexp, j->pstride, j->b, j->off,
                 j->c + (size_t)r0 * j->ldc, j->ldc, j->acc, j->flags,
                 xnrt__epi_shift(j->e, j->flags, r0, j->ldc, &es), j->p0);
}

/* The conv with float (wp) or 1-bit (wbits) weights; see xnrt_conv2d. */
static inline void xnrt__conv2d(const float *x, const float *wp, const uint8_t *wbits, float *y, float *scratch,
                                int C, int H, int W, int M, int KH, int KW, int OH, int OW, int sh, int sw, int dh,
                                int dw, int pt, int pl, int G, int flags, const xnrt_epi *epi)
{
    const int Cg = C / G, Mg = M / G, T = KH * KW, K = Cg * T, P = OH * OW;
    const int algo = xnrt_conv_algo(C, H, W, M, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, G);
    const int kcb = xnrt__kc(K), ldb = P < XNRT_SGEMM_NCB ? P : XNRT_SGEMM_NCB;
    const int Hp = xnrt__dir_hp(OH, KH, sh, dh), Wq = xnrt__dir_wq(OW, KW, sw, dw);
    const size_t RS = (size_t)sw * Wq, CS = (size_t)Hp * RS;
    /* BWN: the expanded panel after the scratch the algorithm uses */
    float *wexp = wbits ? scratch + xnrt_conv_scratch_floats(C, H, W, M, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, G)
                       : NULL;
    const size_t pst = wbits ? (size_t)K : (size_t)K * 8;
    ptrdiff_t off[XNRT_SGEMM_KC];
    /* threads (par.h): each group's filters in chunks of unit (whole for
     * GEMM and DIRECT, per K block for IM2COL); work in units of 16 multiply-adds */
    const int split = XNRT_PAR_SPLIT((int64_t)M * P * K / 16);
    const int unit = flags & XNRT_EPI_BITS ? 64 : 16;
    int g, k0, kk, n0, c, i, ph;
    for (g = 0; g < G; g++) {
        const float *xg = x + (size_t)g * Cg * H * W;
        const float *wg = wbits ? NULL : wp + (size_t)g * XNRT_SGEMM_PACKED_FLOATS(Mg, K);
        const uint8_t *bg = wbits ? wbits + (size_t)g * XNRT_BWN_PACKED_BYTES(Mg, K) : NULL;
        float *yg = y + (size_t)g * Mg * P;
        xnrt_epi eg;
        const xnrt_epi *ep = epi;
        if (flags) {
            eg = *epi;
            ep = &eg;
            if (flags & XNRT_EPI_SCALE)
                eg.scale += g * Mg;
            if (flags & XNRT_EPI_BIAS)
                eg.bias += g * Mg;
            if (flags & XNRT_EPI_ADD)
                eg.res += (size_t)g * Mg * P;
            if (flags & XNRT_EPI_PRELU)
                eg.slope += g * Mg;
            if (flags & XNRT_EPI_BITS) {
                eg.tlo += g * Mg;
                eg.thi += g * Mg;
                eg.bits += (size_t)g * XNRT_WORDS(Mg) * P;
            }
        }
        if (algo != XNRT_CONV_IM2COL) {
            if (algo == XNRT_CONV_DIRECT)
                for (c = 0; c < Cg; c++)
                    for (i = 0; i < Hp; i++)
                        for (ph = 0; ph < sw; ph++) {
                            float *d = scratch + c * CS + i * RS + (size_t)ph * Wq;
                            if (i - pt < 0 || i - pt >= H)
                                xnrt__gather_row(d, xg, W, 1, Wq, W); /* ix0 = W: all zeros */
                            else
                                xnrt__gather_row(d, xg + ((size_t)c * H + i - pt) * W, ph - pl, sw, Wq, W);
                        }
            if (split) {
                xnrt__conv_job j;
                j.xg = xg, j.wg = wg, j.bg = bg, j.scratch = scratch, j.yg = yg, j.ep = ep, j.algo = algo, j.Cg = Cg;
                j.H = H, j.W = W, j.KH = KH, j.KW = KW, j.OH = OH, j.OW = OW, j.sh = sh, j.sw = sw;
                j.dh = dh, j.dw = dw, j.flags = flags, j.unit = unit, j.Mg = Mg;
                xnrt_parallel_for(XNRT_CDIV(Mg, unit), xnrt__conv_chunk, &j);
            } else
                xnrt__conv_part(algo, xg, wg, bg, wexp, yg, scratch, Cg, H, W, KH, KW, OH, OW, sh, sw, dh, dw,
                                flags, ep, 0, Mg);
        } else {
            for (kk = 0; kk < kcb; kk++)
                off[kk] = (ptrdiff_t)kk * ldb;
            for (n0 = 0; n0 < P; n0 += XNRT_SGEMM_NCB) {
                const int n = P - n0 < XNRT_SGEMM_NCB ? P - n0 : XNRT_SGEMM_NCB;
                for (k0 = 0; k0 < K; k0 += kcb) {
                    const int kc = K - k0 < kcb ? K - k0 : kcb;
                    for (kk = 0; kk < kc; kk++) {
                        const int k = k0 + kk, t = k % T, kh = t / KW, kw = t % KW;
                        const float *xc = xg + (size_t)(k / T) * H * W;
                        float *d = scratch + (size_t)kk * ldb;
                        int j = 0, ry = n0 / OW, rx = n0 % OW;
                        while (j < n) {
                            const int run = OW - rx < n - j ? OW - rx : n - j;
                            const int iy = ry * sh - pt + kh * dh;
                            if (iy < 0 || iy >= H)
                                xnrt__gather_row(d + j, xc, W, 1, run, W); /* zeros */
                            else
                                xnrt__gather_row(d + j, xc + (size_t)iy * W, rx * sw - pl + kw * dw, sw, run, W);
                            j += run;
                            rx = 0;
                            ry++;
                        }
                    }
                    if (split) {
                        xnrt__kblock_job j;
                        j.ap = wg ? wg + (size_t)k0 * 8 : NULL, j.wb = bg ? bg + k0 : NULL, j.pstride = pst;
                        j.b = scratch, j.off = off, j.c = yg + n0, j.ldc = (size_t)P, j.e = ep, j.p0 = (size_t)n0;
                        j.M = Mg, j.n = n, j.kc = kc, j.acc = k0 > 0, j.flags = k0 + kc == K ? flags : 0;
                        j.unit = unit;
                        xnrt_parallel_for(XNRT_CDIV(Mg, unit), xnrt__kblock_chunk, &j);
                    } else
                        xnrt__kblock(Mg, n, kc, XNRT__W(k0), scratch, off, yg + n0, P, k0 > 0,
                                     k0 + kc == K ? flags : 0, ep, (size_t)n0);
                }
            }
        }
    }
}

/* The convolution at the top of this file, one image.  x: [C][H][W];
 * wp: XNRT_CONV_WEIGHT_FLOATS(M, C/G, KH, KW, G) floats from
 * xnrt_conv_pack_weights; y: [M][OH][OW] (OH, OW as XNRT_CONV_OUT gives
 * them; the bottom/right pads are implied); scratch:
 * xnrt_conv_scratch_floats(...) floats (may be NULL when that is 0).  flags
 * and epi as epilogue.h, per-channel operands indexed by the output channel
 * m in 0..M-1, the residual shaped like y, bits as G groups of word planes
 * [XNRT_WORDS(M/G)][OH*OW] (threshold.h's layout).  Preconditions (not
 * checked): sizes, strides, dilations >= 1, pads >= 0, C % G == M % G == 0. */
static inline void xnrt_conv2d(const float *x, const float *wp, float *y, float *scratch, int C, int H, int W,
                               int M, int KH, int KW, int OH, int OW, int sh, int sw, int dh, int dw, int pt,
                               int pl, int G, int flags, const xnrt_epi *epi)
{
    xnrt__conv2d(x, wp, NULL, y, scratch, C, H, W, M, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, G, flags, epi);
}

/* Floats of scratch xnrt_conv2d_bwn needs: xnrt_conv2d's plus one expanded
 * K block of a panel. */
static inline size_t xnrt_conv_bwn_scratch_floats(int C, int H, int W, int M, int KH, int KW, int OH, int OW,
                                                  int sh, int sw, int dh, int dw, int pt, int pl, int G)
{
    return xnrt_conv_scratch_floats(C, H, W, M, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, G) +
           XNRT_SGEMM_BWN_SCRATCH_FLOATS;
}

/* BWN conv: xnrt_conv2d with +-1 weights kept at one bit each (wbits:
 * XNRT_BWN_CONV_WEIGHT_BYTES(M, C/G, KH, KW, G) bytes from
 * xnrt_bwn_conv_pack_weights), expanded one K block of one 8-filter panel at
 * a time into the end of scratch (xnrt_conv_bwn_scratch_floats floats), then
 * the float micro-kernel: fp32 GEMM speed at 1/32 of the weight bytes.
 * alpha (per filter) goes in the epilogue's SCALE. */
static inline void xnrt_conv2d_bwn(const float *x, const uint8_t *wbits, float *y, float *scratch, int C, int H,
                                   int W, int M, int KH, int KW, int OH, int OW, int sh, int sw, int dh, int dw,
                                   int pt, int pl, int G, int flags, const xnrt_epi *epi)
{
    xnrt__conv2d(x, NULL, wbits, y, scratch, C, H, W, M, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, G, flags, epi);
}

#undef XNRT__W

#endif
