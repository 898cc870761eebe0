/* Runtime kernel tests: every kernel against a naive +-1 / float reference.
 * Compiled several times with different -m flags, one per ISA path. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xnorcc_rt.h"

/* Fixed-seed PRNG (xorshift64*). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* Random float with exact +0.0 and -0.0 among the values. */
static float rnd_float(void)
{
    uint64_t r = rng() % 16;
    if (r == 0)
        return 0.0f;
    if (r == 1)
        return -0.0f;
    return (float)((int)(rng() % 2001) - 1000) / 256.0f;
}

/* Small integer float in [-4, 4]: sums stay exact in float. */
static float rnd_int_float(void) { return (float)((int)(rng() % 9) - 4); }

static int ref_sign(float v) { return v < 0.0f ? -1 : 1; }

static void fill(float *a, size_t n, float (*gen)(void))
{
    size_t i;
    for (i = 0; i < n; i++)
        a[i] = gen();
}

#define GUARD 0x5a5a5a5a5a5a5a5aULL
#define NGUARD 16

typedef struct {
    int C, H, W, M, KH, KW, sh, sw, dh, dw, pt, pl, pb, pr, G, padv;
} ConvCase;

/* +-1 convolution of sign(x) with sign(w), padded taps = padv. */
static void ref_bconv(const ConvCase *c, const float *x, const float *w, int OH, int OW,
                      int32_t *y)
{
    const int Cg = c->C / c->G, Mg = c->M / c->G;
    int m, oy, ox, ci, kh, kw;
    for (m = 0; m < c->M; m++)
        for (oy = 0; oy < OH; oy++)
            for (ox = 0; ox < OW; ox++) {
                int s = 0;
                for (ci = 0; ci < Cg; ci++)
                    for (kh = 0; kh < c->KH; kh++)
                        for (kw = 0; kw < c->KW; kw++) {
                            const int iy = oy * c->sh - c->pt + kh * c->dh;
                            const int ix = ox * c->sw - c->pl + kw * c->dw;
                            const int g = m / Mg;
                            const int ws = ref_sign(w[((m * Cg + ci) * c->KH + kh) * c->KW + kw]);
                            int xs = c->padv;
                            if (iy >= 0 && iy < c->H && ix >= 0 && ix < c->W)
                                xs = ref_sign(x[((g * Cg + ci) * c->H + iy) * c->W + ix]);
                            s += xs * ws;
                        }
                y[(m * OH + oy) * OW + ox] = s;
            }
}

static void run_bconv_case(const ConvCase *c)
{
    const int Cg = c->C / c->G, CWg = XNRT_WORDS(c->C / c->G);
    const int OH = XNRT_CONV_OUT(c->H, c->KH, c->sh, c->dh, c->pt, c->pb);
    const int OW = XNRT_CONV_OUT(c->W, c->KW, c->sw, c->dw, c->pl, c->pr);
    const size_t nx = (size_t)c->C * c->H * c->W, nw = (size_t)c->M * Cg * c->KH * c->KW;
    const size_t ny = (size_t)c->M * OH * OW;
    const size_t nxp = (size_t)c->H * c->W * c->G * CWg, nwp = (size_t)c->M * c->KH * c->KW * CWg;
    const size_t ns = XNRT_BCONV_SCRATCH_WORDS(Cg, c->KH, c->KW, OH, OW);
    float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
    int32_t *yr = malloc(ny * sizeof *yr), *y = malloc((ny + NGUARD) * sizeof *y);
    uint64_t *xp = malloc(nxp * sizeof *xp), *wp = malloc(nwp * sizeof *wp);
    uint64_t *sc = malloc((ns + NGUARD) * sizeof *sc);
    size_t i;
    fill(x, nx, rnd_float);
    fill(w, nw, rnd_float);
    for (i = 0; i < NGUARD; i++) {
        sc[ns + i] = GUARD;
        y[ny + i] = 0x5a5a5a5a;
    }
    xnrt_pack_chw(x, c->C, c->H, c->W, c->G, xp);
    xnrt_pack_weights(w, c->M, Cg, c->KH, c->KW, wp);
    xnrt_bconv2d(xp, wp, y, sc, c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw,
                 c->dh, c->dw, c->pt, c->pl, c->G, c->padv);
    ref_bconv(c, x, w, OH, OW, yr);
    for (i = 0; i < ny; i++)
        if (y[i] != yr[i])
            break;
    ck_assert_msg(i == ny,
                  "bconv C=%d HxW=%dx%d M=%d K=%dx%d s=%d,%d d=%d,%d p=%d,%d,%d,%d G=%d pad=%d: "
                  "y[%zu] = %d, want %d",
                  c->C, c->H, c->W, c->M, c->KH, c->KW, c->sh, c->sw, c->dh, c->dw, c->pt,
                  c->pl, c->pb, c->pr, c->G, c->padv, i, i < ny ? y[i] : 0,
                  i < ny ? yr[i] : 0);
    for (i = 0; i < NGUARD; i++) {
        ck_assert_msg(sc[ns + i] == GUARD, "scratch overrun");
        ck_assert_msg(y[ny + i] == 0x5a5a5a5a, "output overrun");
    }
    free(x);
    free(w);
    free(yr);
    free(y);
    free(xp);
    free(wp);
    free(sc);
}

/* C, H, W, M, KH, KW, sh, sw, dh, dw, pt, pl, pb, pr, G, padv */
static const ConvCase conv_cases[] = {
    {256, 14, 14, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0},
    {256, 14, 14, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {256, 14, 14, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1},
    {1, 7, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0},
    {3, 9, 11, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0},
    {3, 9, 11, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, -1},
    {63, 7, 7, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0},
    {64, 7, 9, 10, 3, 3, 1, 2, 2, 1, 1, 2, 0, 1, 1, 1},
    {65, 5, 5, 17, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1, 0},
    {70, 6, 7, 12, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0},
    {70, 6, 7, 12, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, -1},
    {70, 9, 8, 8, 3, 5, 1, 1, 1, 1, 1, 2, 1, 2, 1, 0},
    {70, 9, 8, 8, 5, 2, 2, 1, 1, 2, 2, 1, 2, 0, 1, -1},
    {128, 5, 5, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 0},
    {130, 5, 6, 6, 3, 3, 2, 1, 1, 1, 1, 1, 0, 1, 2, -1},
    {6, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1},
    {16, 7, 7, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 16, 0},
    {16, 7, 7, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 16, -1},
    {3, 1, 1, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0},
    {5, 4, 4, 9, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 1, 0},
    {33, 11, 13, 9, 3, 3, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1},
    {512, 4, 4, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0},
    {20, 6, 7, 8, 3, 3, 1, 1, 1, 1, 2, 1, 1, 1, 1, 0},
    {20, 6, 7, 11, 3, 3, 1, 1, 1, 1, 2, 1, 1, 1, 1, -1},
    {192, 3, 17, 15, 1, 3, 1, 1, 1, 3, 0, 3, 0, 3, 3, 0},
    {96, 5, 9, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, -1},
};

START_TEST(test_bconv)
{
    run_bconv_case(&conv_cases[_i]);
}
END_TEST

START_TEST(test_sign_pack)
{
    float v[70];
    uint64_t p[2], q[2];
    int i;
    for (i = 0; i < 70; i++)
        v[i] = 1.0f;
    v[0] = 0.0f;
    v[1] = -0.0f;
    v[2] = (float)NAN;
    v[3] = -1e-30f;
    v[4] = -INFINITY;
    v[5] = INFINITY;
    v[69] = -2.0f;
    ck_assert_uint_eq(xnrt_sign_bit(0.0f), 0);
    ck_assert_uint_eq(xnrt_sign_bit(-0.0f), 0);
    ck_assert_uint_eq(xnrt_sign_bit(-1.0f), 1);
    xnrt_pack_row(v, 70, p);
    ck_assert_uint_eq(p[0], (1ULL << 3) | (1ULL << 4));
    ck_assert_uint_eq(p[1], 1ULL << 5); /* bit 69 = word 1 bit 5; tail bits 0 */
    /* pack_chw of a 70-channel 1x1 image equals pack_row; also 17 pixels
     * (crosses the 16-pixel AVX-512 block with a tail). */
    xnrt_pack_chw(v, 70, 1, 1, 1, q);
    ck_assert_uint_eq(q[0], p[0]);
    ck_assert_uint_eq(q[1], p[1]);
}
END_TEST

START_TEST(test_pack_chw_hwc)
{
    enum { C = 130, H = 3, W = 7 };
    static float chw[C * H * W], hwc[C * H * W];
    static uint64_t a[H * W * 6], b[H * W * 6];
    int c, p, G;
    fill(chw, C * H * W, rnd_float);
    for (c = 0; c < C; c++)
        for (p = 0; p < H * W; p++)
            hwc[p * C + c] = chw[c * H * W + p];
    for (G = 1; G <= 2; G++) {
        const int CWg = XNRT_WORDS(C / G), Cg = C / G;
        memset(a, 0xff, sizeof a);
        xnrt_pack_chw(chw, C, H, W, G, a);
        xnrt_pack_hwc(hwc, C, H, W, G, b);
        ck_assert_int_eq(memcmp(a, b, (size_t)H * W * G * CWg * sizeof *a), 0);
        for (p = 0; p < H * W; p++)
            for (c = 0; c < C; c++) {
                const int g = c / Cg, cg = c % Cg;
                const uint64_t bit = (a[(g * CWg + cg / 64) * H * W + p] >> (cg % 64)) & 1;
                ck_assert_uint_eq(bit, chw[c * H * W + p] < 0.0f);
            }
    }
}
END_TEST

/* xnrt_threshold_pack_i32 / _f32 on this ISA path against the formula
 * (+1 iff a <= lo or a >= hi; floats also NaN), bit for bit: positions in
 * vector tails (P = 1, 13, 16, 37), channel tails and groups, bounds at the
 * int64 sentinels and outside int32 (the AVX-512 path clamps them to int32),
 * ties, empty intervals, NaN and infinite bounds and values. */
START_TEST(test_threshold_pack)
{
    enum { MMAX = 130, PMAX = 37 };
    static int32_t acc[MMAX * PMAX];
    static float xf[MMAX * PMAX], flo[MMAX], fhi[MMAX];
    static int64_t lo[MMAX], hi[MMAX];
    static uint64_t out[4 * PMAX];
    static const int Ps[4] = {1, 13, 16, 37}, Ms[3] = {3, 65, 130};
    static const int64_t edge[8] = {INT64_MIN, INT64_MAX, (int64_t)INT32_MIN - 5, (int64_t)INT32_MAX + 5,
                                    INT32_MIN, INT32_MAX, (int64_t)INT32_MIN + 1, (int64_t)INT32_MAX - 1};
    static const float fedge[5] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f};
    int k, q, G, m, p, f;
    for (k = 0; k < 3; k++)
        for (q = 0; q < 4; q++)
            for (G = 1; G <= 2; G++) {
                const int M = Ms[k], P = Ps[q], Mg = M / G, CWg = XNRT_WORDS(M / G);
                if (M % G)
                    continue;
                for (m = 0; m < M; m++) {
                    const int r = (int)(rng() % 6);
                    lo[m] = r == 0 ? edge[rng() % 8] : (int64_t)(rng() % 9) - 4;
                    hi[m] = r == 1 ? edge[rng() % 8] : r == 2 ? lo[m] + (int64_t)(rng() % 3) : (int64_t)(rng() % 9) - 1;
                    if (r == 2 && lo[m] == INT64_MAX)
                        hi[m] = INT64_MAX;
                    flo[m] = r == 0 ? fedge[rng() % 5] : rnd_float();
                    fhi[m] = r == 1 ? fedge[rng() % 5] : rnd_float();
                    for (p = 0; p < P; p++) {
                        const int t = (int)(rng() % 8);
                        acc[m * P + p] = t == 0 ? INT32_MIN : t == 1 ? INT32_MAX : t == 2 ? (int32_t)lo[m]
                                                           : (int32_t)(rng() % 13) - 6;
                        xf[m * P + p] = t == 0 ? NAN : t == 1 ? flo[m] : t == 2 ? fhi[m] : t == 3 ? fedge[rng() % 5]
                                                                                          : rnd_float();
                    }
                }
                for (f = 0; f < 2; f++) {
                    int g, w, b;
                    memset(out, 0xa5, sizeof out);
                    if (f)
                        xnrt_threshold_pack_f32(xf, M, P, flo, fhi, G, out);
                    else
                        xnrt_threshold_pack_i32(acc, M, P, lo, hi, G, out);
                    for (g = 0; g < G; g++)
                        for (w = 0; w < CWg; w++)
                            for (p = 0; p < P; p++)
                                for (b = 0; b < 64; b++) {
                                    const int c = g * Mg + w * 64 + b;
                                    const int bit = (int)(out[(g * CWg + w) * P + p] >> b & 1);
                                    int plus;
                                    if (w * 64 + b >= Mg) {
                                        ck_assert_int_eq(bit, 0); /* tail bits stay 0 */
                                        continue;
                                    }
                                    plus = f ? isnan(xf[c * P + p]) || xf[c * P + p] <= flo[c] || xf[c * P + p] >= fhi[c]
                                             : acc[c * P + p] <= lo[c] || acc[c * P + p] >= hi[c];
                                    ck_assert_msg(bit == !plus, "%s M %d P %d G %d channel %d position %d",
                                                  f ? "f32" : "i32", M, P, G, c, p);
                                }
                }
            }
}
END_TEST

static const int gemm_F[] = {1, 63, 64, 65, 130, 2304, 513};

START_TEST(test_bgemm)
{
    const int F = gemm_F[_i], FW = XNRT_WORDS(F);
    int N, M;
    for (N = 1; N <= 3; N++)
        for (M = 1; M <= 9; M += 4) {
            const int lda = FW + 1, ldb = FW + 2;
            float *a = malloc((size_t)N * F * sizeof *a), *b = malloc((size_t)M * F * sizeof *b);
            uint64_t *ap = calloc((size_t)N * lda, 8), *bp = calloc((size_t)M * ldb, 8);
            int32_t *c1 = malloc((size_t)N * M * 4), *c2 = malloc((size_t)N * M * 4);
            int n, m, f;
            fill(a, (size_t)N * F, rnd_float);
            fill(b, (size_t)M * F, rnd_float);
            for (n = 0; n < N; n++)
                xnrt_pack_row(a + (size_t)n * F, F, ap + (size_t)n * lda);
            for (m = 0; m < M; m++)
                xnrt_pack_row(b + (size_t)m * F, F, bp + (size_t)m * ldb);
            xnrt_bgemm(ap, lda, bp, ldb, N, M, F, c1, M, 1);
            xnrt_bgemm(ap, lda, bp, ldb, N, M, F, c2, 1, N);
            for (n = 0; n < N; n++)
                for (m = 0; m < M; m++) {
                    int s = 0;
                    for (f = 0; f < F; f++)
                        s += ref_sign(a[n * F + f]) * ref_sign(b[m * F + f]);
                    ck_assert_msg(c1[n * M + m] == s && c2[m * N + n] == s,
                                  "bgemm F=%d N=%d M=%d [%d][%d]: %d %d want %d", F, N, M, n,
                                  m, c1[n * M + m], c2[m * N + n], s);
                }
            free(a);
            free(b);
            free(ap);
            free(bp);
            free(c1);
            free(c2);
        }
}
END_TEST

START_TEST(test_bwn_gemm)
{
    const int F = gemm_F[_i], FW = XNRT_WORDS(F), N = 2, M = 5;
    float *a = malloc((size_t)N * F * sizeof *a), *b = malloc((size_t)M * F * sizeof *b);
    uint64_t *bp = calloc((size_t)M * FW, 8);
    float c1[N * M], c2[N * M];
    int n, m, f;
    fill(a, (size_t)N * F, rnd_int_float);
    fill(b, (size_t)M * F, rnd_float);
    for (m = 0; m < M; m++)
        xnrt_pack_row(b + (size_t)m * F, F, bp + (size_t)m * FW);
    xnrt_bwn_gemm(a, F, bp, FW, N, M, F, c1, M, 1);
    xnrt_bwn_gemm(a, F, bp, FW, N, M, F, c2, 1, N);
    for (n = 0; n < N; n++)
        for (m = 0; m < M; m++) {
            float s = 0.0f;
            for (f = 0; f < F; f++)
                s += a[n * F + f] * (float)ref_sign(b[m * F + f]);
            ck_assert_msg(c1[n * M + m] == s && c2[m * N + n] == s, "bwn_gemm F=%d: %g %g want %g",
                          F, c1[n * M + m], c2[m * N + n], s);
        }
    free(a);
    free(b);
    free(bp);
}
END_TEST

START_TEST(test_bwn_conv)
{
    const ConvCase *c = &conv_cases[_i];
    const int Cg = c->C / c->G, Mg = c->M / c->G, CWg = XNRT_WORDS(Cg);
    const int OH = XNRT_CONV_OUT(c->H, c->KH, c->sh, c->dh, c->pt, c->pb);
    const int OW = XNRT_CONV_OUT(c->W, c->KW, c->sw, c->dw, c->pl, c->pr);
    const size_t nx = (size_t)c->C * c->H * c->W, nw = (size_t)c->M * Cg * c->KH * c->KW;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *y = malloc((size_t)c->M * OH * OW * 4);
    uint64_t *wp = malloc((size_t)c->M * c->KH * c->KW * CWg * 8);
    int m, oy, ox, ci, kh, kw;
    fill(x, nx, rnd_int_float);
    fill(w, nw, rnd_float);
    xnrt_pack_weights(w, c->M, Cg, c->KH, c->KW, wp);
    xnrt_bwn_conv2d(x, wp, y, c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw,
                    c->dh, c->dw, c->pt, c->pl, c->G);
    for (m = 0; m < c->M; m++)
        for (oy = 0; oy < OH; oy++)
            for (ox = 0; ox < OW; ox++) {
                float s = 0.0f;
                for (ci = 0; ci < Cg; ci++)
                    for (kh = 0; kh < c->KH; kh++)
                        for (kw = 0; kw < c->KW; kw++) {
                            const int iy = oy * c->sh - c->pt + kh * c->dh;
                            const int ix = ox * c->sw - c->pl + kw * c->dw;
                            if (iy >= 0 && iy < c->H && ix >= 0 && ix < c->W)
                                s += x[(((m / Mg) * Cg + ci) * c->H + iy) * c->W + ix] *
                                     (float)ref_sign(w[((m * Cg + ci) * c->KH + kh) * c->KW + kw]);
                        }
                ck_assert_msg(y[(m * OH + oy) * OW + ox] == s, "bwn_conv case %d [%d][%d][%d]: %g want %g",
                              _i, m, oy, ox, y[(m * OH + oy) * OW + ox], s);
            }
    free(x);
    free(w);
    free(y);
    free(wp);
}
END_TEST

START_TEST(test_wsum_misc)
{
    enum { M = 3, Cg = 70, KH = 3, KW = 2 };
    static float w[M * Cg * KH * KW];
    static uint64_t wp[M * KH * KW * 2];
    int32_t ws[M * KH * KW];
    int32_t acc[2] = {3, -5};
    const float alpha[1] = {0.5f}, bias[1] = {1.0f};
    float out[2];
    int m, t, c;
    fill(w, M * Cg * KH * KW, rnd_float);
    xnrt_pack_weights(w, M, Cg, KH, KW, wp);
    xnrt_bconv_wsum(wp, M, Cg, KH, KW, ws);
    for (m = 0; m < M; m++)
        for (t = 0; t < KH * KW; t++) {
            int s = 0;
            for (c = 0; c < Cg; c++)
                s += ref_sign(w[(m * Cg + c) * KH * KW + t]);
            ck_assert_int_eq(ws[m * KH * KW + t], s);
        }
    xnrt_scale_bias(acc, 1, 2, alpha, bias, out);
    ck_assert(out[0] == 2.5f && out[1] == -1.5f);
    ck_assert_str_eq(xnrt_version(), XNRT_VERSION);
    ck_assert_str_eq(xnrt_isa(), XNRT_ISA);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runtime-" XNRT_ISA);
    TCase *tc = tcase_create("kernels");
    SRunner *sr;
    int nf;
    const int ncase = (int)(sizeof conv_cases / sizeof conv_cases[0]);
    const int nF = (int)(sizeof gemm_F / sizeof gemm_F[0]);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sign_pack);
    tcase_add_test(tc, test_pack_chw_hwc);
    tcase_add_test(tc, test_threshold_pack);
    tcase_add_loop_test(tc, test_bconv, 0, ncase);
    tcase_add_loop_test(tc, test_bgemm, 0, nF);
    tcase_add_loop_test(tc, test_bwn_gemm, 0, nF);
    tcase_add_loop_test(tc, test_bwn_conv, 0, ncase);
    tcase_add_test(tc, test_wsum_misc);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    printf("xnorcc runtime %s, ISA path %s\n", xnrt_version(), xnrt_isa());
    srunner_run_all(sr, CK_NORMAL);
    nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
