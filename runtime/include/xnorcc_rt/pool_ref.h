/* xnorcc runtime: plain references of pool.h and eltwise.h's xnrt_batchnorm (the obvious
 * loops, the interpreter's arithmetic).  For tests; slow. */
#ifndef XNORCC_RT_POOL_REF_H
#define XNORCC_RT_POOL_REF_H

#include <math.h>

#include "epilogue.h"

/* xnrt_maxpool2d (avg = 0) or xnrt_avgpool2d (avg = 1) on NC planes; max:
 * the first of equal taps (+0, -0) and the first NaN tap, as the interpreter. */
static inline void xnrt_pool2d_ref(const float *x, float *y, int NC, int H, int W, int KH, int KW, int OH, int OW,
                                   int sh, int sw, int dh, int dw, int pt, int pl, int pb, int pr, int avg,
                                   int incl)
{
    int p, oy, ox, kh, kw;
    for (p = 0; p < NC; p++)
        for (oy = 0; oy < OH; oy++)
            for (ox = 0; ox < OW; ox++) {
                float m = -INFINITY, sum = 0.0f, nanv = 0.0f;
                int cnt = 0, nan = 0;
                for (kh = 0; kh < KH; kh++)
                    for (kw = 0; kw < KW; kw++) {
                        const int iy = oy * sh - pt + kh * dh, ix = ox * sw - pl + kw * dw;
                        const int in = iy >= 0 && iy < H && ix >= 0 && ix < W;
                        const int inpad = iy >= -pt && iy < H + pb && ix >= -pl && ix < W + pr;
                        if (in) {
                            const float v = x[((size_t)p * H + iy) * W + ix];
                            if (v != v && !nan)
                                nanv = v, nan = 1;
                            m = v > m ? v : m;
                            sum += v;
                        }
                        cnt += incl ? inpad : in;
                    }
                y[((size_t)p * OH + oy) * OW + ox] = avg ? sum / (float)cnt : nan ? nanv : m;
            }
}

/* xnrt_batchnorm, the interpreter's loop (relu: v > 0 ? v : 0). */
static inline void xnrt_batchnorm_ref(const float *x, float *y, int N, int C, int P, const float *scale,
                                      const float *bias, const float *mean, const float *var, float eps, int relu)
{
    int b, c, i;
    for (b = 0; b < N; b++)
        for (c = 0; c < C; c++) {
            const float den = sqrtf(var[c] + eps);
            for (i = 0; i < P; i++) {
                const size_t o = ((size_t)b * C + c) * P + (size_t)i;
                const float q = (x[o] - mean[c]) / den * scale[c]; /* two statements: no contraction into fma */
                const float v = q + bias[c];
                y[o] = relu ? (v > 0.0f ? v : 0.0f) : v;
            }
        }
}

/* xnrt_global_avgpool, the sum in index order. */
static inline void xnrt_global_avgpool_ref(const float *x, float *y, int NC, int P)
{
    int p, i;
    for (p = 0; p < NC; p++) {
        float s = 0.0f;
        for (i = 0; i < P; i++)
            s += x[(size_t)p * P + i];
        y[p] = s / (float)P;
    }
}

#endif
