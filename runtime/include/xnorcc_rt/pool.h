/* xnorcc runtime: float pooling on NCHW planes, vectorized along the output
 * row (fvec.h), with the interpreter's semantics:
 *   MaxPool: the largest tap inside the image (pads are -inf; any NaN tap
 *     gives NaN; a window with no tap inside gives -inf), bit for bit: of
 *     equal taps (+0 and -0) the first in kh-then-kw order, of NaN taps the
 *     first.
 *   AveragePool: the sum of the taps inside the image, in kh-then-kw order
 *     (so the same float sum as a plain loop), divided by the number of taps
 *     inside the image (count_include_pad = 0) or inside the image and its
 *     explicit pads (count_include_pad = 1); with ceil_mode a last window may
 *     hang past the end pad and its extra taps count in neither case.
 *   GlobalAveragePool: the mean of each plane (the sum in vector order).
 * ceil_mode is in OH/OW (the caller computes them); the pads after (pb, pr)
 * only matter for count_include_pad.  NC planes: batch times channels.
 * Interior outputs (every kw tap inside the row) go by vectors for strides 1
 * and 2, the last few of a row by one vector of fewer lanes; borders and
 * other strides by the scalar code. */
#ifndef XNORCC_RT_POOL_H
#define XNORCC_RT_POOL_H

#include <math.h>

#include "fvec.h"
#include "par.h"

/* Range [*lo, *hi) of outputs o < O whose taps o*s - p + k*d (k < K) all lie in [0, n). */
XNRT_INLINE void xnrt__pool_interior(int O, int s, int d, int p, int K, int n, int *lo, int *hi)
{
    int a = p > 0 ? (p + s - 1) / s : 0;                     /* o*s - p >= 0 */
    int b = n - 1 + p - (K - 1) * d < 0 ? 0 : (n - 1 + p - (K - 1) * d) / s + 1; /* last tap < n */
    if (b > O)
        b = O;
    if (a > b)
        a = b;
    *lo = a;
    *hi = b;
}

/* Taps kh in [*kh0, *kh1) put output row oy inside the image: 0 <= oy*sh - pt + kh*dh < H. */
XNRT_INLINE void xnrt__rows_inside(int oy, int sh, int pt, int dh, int KH, int H, int *kh0, int *kh1)
{
    int kh;
    *kh0 = *kh1 = 0;
    for (kh = 0; kh < KH; kh++) {
        const int iy = oy * sh - pt + kh * dh;
        if (iy < 0)
            *kh0 = kh + 1;
        if (iy < H)
            *kh1 = kh + 1;
    }
}

/* One output of a max (avg = 0) or average pool, plain C, the semantics above. */
static inline float xnrt__pool_one(const float *xp, int H, int W, int KH, int KW, int oy, int ox, int sh, int sw,
                                   int dh, int dw, int pt, int pl, int pb, int pr, int avg, int incl)
{
    float m = -INFINITY, sum = 0.0f;
    int cnt = 0, kh, kw;
    for (kh = 0; kh < KH; kh++) {
        const int iy = oy * sh - pt + kh * dh;
        const int inh = iy >= 0 && iy < H, padh = iy >= -pt && iy < H + pb;
        for (kw = 0; kw < KW; kw++) {
            const int ix = ox * sw - pl + kw * dw;
            const int inw = ix >= 0 && ix < W, padw = ix >= -pl && ix < W + pr;
            if (inh && inw) {
                const float v = xp[(size_t)iy * W + ix];
                if (v > m || v != v)
                    m = m != m ? m : v;
                sum += v;
            }
            if (incl ? padh && padw : inh && inw)
                cnt++;
        }
    }
    return avg ? sum / (float)cnt : m;
}

/* Max (avg = 0) or average pool of the planes [p0, p1) of x[NC][H][W] -> y[NC][OH][OW]. */
static inline void xnrt__pool2d_part(const float *x, float *y, int H, int W, int KH, int KW, int OH, int OW,
                                     int sh, int sw, int dh, int dw, int pt, int pl, int pb, int pr, int avg,
                                     int incl, int p0, int p1)
{
    int p, oy, ox, kh, kw, lo, hi;
    xnrt__pool_interior(OW, sw, dw, pl, KW, W, &lo, &hi);
    for (p = p0; p < p1; p++) {
        const float *xp = x + (size_t)p * H * W;
        for (oy = 0; oy < OH; oy++) {
            float *yr = y + ((size_t)p * OH + oy) * OW;
            int kh0, kh1, cnt = 0;
            xnrt__rows_inside(oy, sh, pt, dh, KH, H, &kh0, &kh1);
            for (kh = 0; kh < KH; kh++) { /* the divisor of the interior outputs */
                const int iy = oy * sh - pt + kh * dh;
                if (incl ? iy >= -pt && iy < H + pb : iy >= 0 && iy < H)
                    cnt += KW;
            }
            for (ox = 0; ox < lo; ox++)
                yr[ox] = xnrt__pool_one(xp, H, W, KH, KW, oy, ox, sh, sw, dh, dw, pt, pl, pb, pr, avg, incl);
            ox = lo;
            if ((sw == 1 || sw == 2) && kh0 < kh1) {
                const xv div = xv_set1((float)cnt);
                for (; ox + XNRT_VL <= hi; ox += XNRT_VL) {
                    xv acc = avg ? xv_zero() : xv_set1(-INFINITY);
                    /* stride 2 reads two vectors: stay inside the image */
                    if (sw == 2 && (ox + XNRT_VL - 1) * 2 - pl + (KW - 1) * dw + 2 > W)
                        break;
                    for (kh = kh0; kh < kh1; kh++) {
                        const float *r = xp + (size_t)(oy * sh - pt + kh * dh) * W + (size_t)(ox * sw - pl);
                        for (kw = 0; kw < KW; kw++) {
                            const xv v = sw == 1 ? xv_load(r + kw * dw) : xv_loads2(r + kw * dw);
                            /* maxnan(v, acc): an earlier tap wins a tie and an earlier NaN stays */
                            acc = avg ? xv_add(acc, v) : xv_maxnan(v, acc);
                        }
                    }
                    xv_store(yr + ox, avg ? xv_div(acc, div) : acc);
                }
                while (ox < hi) { /* the interior's last outputs: lanes 0..n-1 (sw = 1: n < VL) */
                    const int n = hi - ox < XNRT_VL ? hi - ox : XNRT_VL;
                    xv acc = avg ? xv_zero() : xv_set1(-INFINITY);
                    for (kh = kh0; kh < kh1; kh++) {
                        const float *r = xp + (size_t)(oy * sh - pt + kh * dh) * W + (size_t)(ox * sw - pl);
                        for (kw = 0; kw < KW; kw++) {
                            const xv v = sw == 1 ? xv_loadn(r + kw * dw, n) : xv_loads2n(r + kw * dw, n);
                            acc = avg ? xv_add(acc, v) : xv_maxnan(v, acc);
                        }
                    }
                    if (n == XNRT_VL)
                        xv_store(yr + ox, avg ? xv_div(acc, div) : acc);
                    else
                        xv_storen(yr + ox, avg ? xv_div(acc, div) : acc, n);
                    ox += n;
                }
            }
            for (; ox < OW; ox++)
                yr[ox] = xnrt__pool_one(xp, H, W, KH, KW, oy, ox, sh, sw, dh, dw, pt, pl, pb, pr, avg, incl);
        }
    }
}

/* The planes split across the pool (par.h): each plane by one thread, by the
 * same code as on one thread. */
typedef struct xnrt__pool_job_s {
    const float *x;
    float *y;
    int H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, pb, pr, avg, incl;
} xnrt__pool_job;

static inline void xnrt__pool_chunk(void *ctx, int lo, int hi)
{
    const xnrt__pool_job *j = (const xnrt__pool_job *)ctx;
    xnrt__pool2d_part(j->x, j->y, j->H, j->W, j->KH, j->KW, j->OH, j->OW, j->sh, j->sw, j->dh, j->dw, j->pt,
                      j->pl, j->pb, j->pr, j->avg, j->incl, lo, hi);
}

/* Max (avg = 0) or average pool of NC planes x[NC][H][W] -> y[NC][OH][OW];
 * split over planes when the taps / 2 reach XNRT_PAR_MIN_WORK (a vector of
 * taps costs about what 8 vectors of multiply-adds do in the GEMM). */
static inline void xnrt__pool2d(const float *x, float *y, int NC, int H, int W, int KH, int KW, int OH, int OW,
                                int sh, int sw, int dh, int dw, int pt, int pl, int pb, int pr, int avg, int incl)
{
    if (XNRT_PAR_SPLIT((int64_t)NC * OH * OW * KH * KW / 2)) {
        xnrt__pool_job j;
        j.x = x, j.y = y, j.H = H, j.W = W, j.KH = KH, j.KW = KW, j.OH = OH, j.OW = OW, j.sh = sh, j.sw = sw;
        j.dh = dh, j.dw = dw, j.pt = pt, j.pl = pl, j.pb = pb, j.pr = pr, j.avg = avg, j.incl = incl;
        xnrt_parallel_for(NC, xnrt__pool_chunk, &j);
        return;
    }
    xnrt__pool2d_part(x, y, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, pb, pr, avg, incl, 0, NC);
}

/* MaxPool of NC planes x[NC][H][W] -> y[NC][OH][OW]: kernel KHxKW, strides,
 * dilations, pads before (pt, pl); OH, OW with or without ceil_mode. */
static inline void xnrt_maxpool2d(const float *x, float *y, int NC, int H, int W, int KH, int KW, int OH, int OW,
                                  int sh, int sw, int dh, int dw, int pt, int pl)
{
    xnrt__pool2d(x, y, NC, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, 0, 0, 0, 0);
}

/* AveragePool of NC planes, as MaxPool plus the pads after (pb, pr) and
 * count_include_pad (0 or 1). */
static inline void xnrt_avgpool2d(const float *x, float *y, int NC, int H, int W, int KH, int KW, int OH, int OW,
                                  int sh, int sw, int dh, int dw, int pt, int pl, int pb, int pr,
                                  int count_include_pad)
{
    xnrt__pool2d(x, y, NC, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, pb, pr, 1, count_include_pad);
}

/* GlobalAveragePool: y[p] = mean of x[p][0..P-1] for NC planes of P. */
static inline void xnrt_global_avgpool(const float *x, float *y, int NC, int P)
{
    int p, i;
    for (p = 0; p < NC; p++) {
        const float *xp = x + (size_t)p * P;
        xv acc = xv_zero();
        float s;
        for (i = 0; i + XNRT_VL <= P; i += XNRT_VL)
            acc = xv_add(acc, xv_load(xp + i));
        if (i < P)
            acc = xv_add(acc, xv_loadn(xp + i, P - i));
        s = xv_hsum(acc);
        y[p] = s / (float)P;
    }
}

#endif
