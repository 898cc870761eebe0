/* Float kernel tests: the fast GEMM and conv (sgemm.h, conv.h) against their
 * plain references (sgemm_ref.h, conv_ref.h: sums in double) on odd sizes,
 * tails, every epilogue, strides, dilations, groups and paddings, within the
 * bound of docs/runtime.md ("Float accuracy"):
 *   |y - y_ref| <= (K + 4) * 2^-24 * L * (|scale| * sum_k |w_k x_k| + |bias| + |res|) + tiny
 * (L: the activation's Lipschitz constant).  sum |w x| comes from the same
 * reference run on |w| and |x|.  Compiled once per ISA path. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The float headers first, each on its own (they must not rely on xnorcc_rt.h
 * or the binary headers coming before them). */
#include "xnorcc_rt/conv.h"
#include "xnorcc_rt/dwconv.h"
#include "xnorcc_rt/eltwise.h"
#include "xnorcc_rt/pool.h"
#include "xnorcc_rt.h"
#include "xnorcc_rt/conv_ref.h"
#include "xnorcc_rt/pool_ref.h"

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* Uniform in [-1, 1) with exact zeros now and then. */
static float rnd(void)
{
    if (rng() % 17 == 0)
        return 0.0f;
    return (float)((double)(rng() >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static float *rnd_array(size_t n)
{
    float *a = malloc((n ? n : 1) * sizeof *a);
    size_t i;
    ck_assert_ptr_nonnull(a);
    for (i = 0; i < n; i++)
        a[i] = rnd();
    return a;
}

static float *abs_copy(const float *a, size_t n)
{
    float *b = malloc((n ? n : 1) * sizeof *b);
    size_t i;
    ck_assert_ptr_nonnull(b);
    for (i = 0; i < n; i++)
        b[i] = fabsf(a[i]);
    return b;
}

#define GUARD_F 12345.0f
#define NG 64

/* An epilogue with random per-channel operands for M channels and a
 * residual of n floats; thresholds around 0 so that bits vary. */
typedef struct {
    xnrt_epi e;
    float *scale, *bias, *slope, *tlo, *thi, *res;
} Epi;

static void epi_make(Epi *t, int M, size_t nres, size_t nbits)
{
    int m;
    t->scale = rnd_array((size_t)M);
    t->bias = rnd_array((size_t)M);
    t->slope = rnd_array((size_t)M);
    t->tlo = rnd_array((size_t)M);
    t->thi = rnd_array((size_t)M);
    t->res = rnd_array(nres);
    for (m = 0; m < M; m++) {
        t->tlo[m] = -0.5f * fabsf(t->tlo[m]);
        t->thi[m] = m % 5 == 0 ? NAN : 0.5f * fabsf(t->thi[m]);
        if (m % 7 == 3)
            t->tlo[m] = NAN;
    }
    memset(&t->e, 0, sizeof t->e);
    t->e.scale = t->scale;
    t->e.bias = t->bias;
    t->e.res = t->res;
    t->e.slope = t->slope;
    t->e.lo = -0.25f;
    t->e.hi = 0.5f;
    t->e.alpha = 0.1f;
    t->e.tlo = t->tlo;
    t->e.thi = t->thi;
    t->e.bits = calloc(nbits + NG, sizeof(uint64_t));
    ck_assert_ptr_nonnull(t->e.bits);
}

static void epi_free(Epi *t)
{
    free(t->scale);
    free(t->bias);
    free(t->slope);
    free(t->tlo);
    free(t->thi);
    free(t->res);
    free(t->e.bits);
}

/* The flag sets every case runs with. */
static const int flag_sets[] = {
    0,
    XNRT_EPI_BIAS,
    XNRT_EPI_SCALE | XNRT_EPI_BIAS | XNRT_EPI_RELU,
    XNRT_EPI_BIAS | XNRT_EPI_ADD | XNRT_EPI_RELU,
    XNRT_EPI_SCALE | XNRT_EPI_CLIP,
    XNRT_EPI_BIAS | XNRT_EPI_LEAKY,
    XNRT_EPI_SCALE | XNRT_EPI_BIAS | XNRT_EPI_ADD | XNRT_EPI_PRELU,
    XNRT_EPI_SCALE | XNRT_EPI_BIAS | XNRT_EPI_BITS,
    XNRT_EPI_ADD | XNRT_EPI_RELU | XNRT_EPI_BITS,
};
#define NFLAGS ((int)(sizeof flag_sets / sizeof flag_sets[0]))

/* Checks y (M rows of P, row stride ldc) against yr within the bound, given
 * S = sum |w x| per output; and, with BITS, that every bit is the threshold
 * rule applied to y itself and tail bits are 0.  Mg channels per group. */
static void check_out(const char *what, const float *y, const float *yr, const float *S, int M, int P, size_t ldc,
                      int K, int flags, const Epi *t, int G)
{
    const int Mg = M / G;
    int m, p;
    for (m = 0; m < M; m++)
        for (p = 0; p < P; p++) {
            const size_t i = (size_t)m * ldc + p;
            double L = 1.0, bound;
            const double sc = (flags & XNRT_EPI_SCALE) ? fabs(t->scale[m]) : 1.0;
            const double b = (flags & XNRT_EPI_BIAS) ? fabs(t->bias[m]) : 0.0;
            const double r = (flags & XNRT_EPI_ADD) ? fabs(t->res[i]) : 0.0;
            if ((flags & XNRT_EPI_PRELU) && fabs(t->slope[m]) > L)
                L = fabs(t->slope[m]);
            bound = (K + 4) * ldexp(1.0, -24) * L * (sc * S[i] + b + r) + 1e-30;
            if (!(fabs((double)y[i] - yr[i]) <= bound))
                ck_abort_msg("%s flags %d: y[%d][%d] = %.9g, reference %.9g, bound %.3g (K %d)", what, flags, m, p,
                             y[i], yr[i], bound, K);
        }
    if (flags & XNRT_EPI_BITS) {
        const int CW = XNRT_WORDS(Mg);
        int g, wd;
        for (g = 0; g < G; g++)
            for (wd = 0; wd < CW; wd++)
                for (p = 0; p < P; p++) {
                    const uint64_t w = t->e.bits[((size_t)g * CW + wd) * ldc + p];
                    int b;
                    for (b = 0; b < 64; b++) {
                        const int mm = wd * 64 + b;
                        int want = 0;
                        if (mm < Mg) {
                            const int m2 = g * Mg + mm;
                            const float v = y[(size_t)m2 * ldc + p];
                            want = !(v != v || v <= t->tlo[m2] || v >= t->thi[m2]);
                        }
                        if ((int)((w >> b) & 1) != want)
                            ck_abort_msg("%s: bit of channel %d at %d is %d, y gives %d", what, g * Mg + mm, p,
                                         (int)((w >> b) & 1), want);
                    }
                }
    }
}

START_TEST(test_pack_layout)
{
    /* 11 x 5 matrix, element (m, k) = 100*m + k, stored [K][M] (rs 1, cs M) */
    float a[55], p[XNRT_SGEMM_PACKED_FLOATS(11, 5)];
    uint8_t bits[XNRT_BWN_PACKED_BYTES(11, 5)];
    int m, k;
    for (m = 0; m < 11; m++)
        for (k = 0; k < 5; k++)
            a[k * 11 + m] = (float)(100 * m + k) * ((m + k) % 3 == 0 ? -1.0f : 1.0f);
    ck_assert_int_eq((int)(sizeof p / sizeof p[0]), 2 * 8 * 5);
    xnrt_sgemm_pack(a, 11, 5, 1, 11, p);
    xnrt_bwn_pack(a, 11, 5, 1, 11, bits);
    for (m = 0; m < 16; m++)
        for (k = 0; k < 5; k++) {
            const float want = m < 11 ? a[k * 11 + m] : 0.0f;
            ck_assert_float_eq(p[(m / 8) * 40 + k * 8 + m % 8], want);
            ck_assert_int_eq((bits[(m / 8) * 5 + k] >> (m % 8)) & 1, m < 11 && want < 0.0f);
        }
    ck_assert_int_eq(bits[1 * 5 + 0] >> 3, 0); /* rows 11..15 of panel 1 are 0 */
}
END_TEST

/* GEMM cases: M, N, K */
static const int gemm_cases[][3] = {
    {1, 1, 1},   {8, 48, 16},  {9, 49, 17},  {7, 1, 300},  {17, 2, 5},   {64, 100, 147}, {5, 385, 3},
    {16, 33, 257}, {24, 17, 520}, {3, 800, 64}, {130, 1, 4096}, {40, 47, 1}, {8, 16, 600},
};
#define NGEMM ((int)(sizeof gemm_cases / sizeof gemm_cases[0]))

START_TEST(test_sgemm)
{
    const int M = gemm_cases[_i][0], N = gemm_cases[_i][1], K = gemm_cases[_i][2];
    const size_t ldb = (size_t)N + 3, ldc = (size_t)N + 5;
    float *A = rnd_array((size_t)M * K), *B = rnd_array((size_t)K * ldb);
    float *Aa = abs_copy(A, (size_t)M * K), *Ba = abs_copy(B, (size_t)K * ldb);
    float *ap = malloc(XNRT_SGEMM_PACKED_FLOATS(M, K) * sizeof *ap), *apa = malloc(XNRT_SGEMM_PACKED_FLOATS(M, K) * sizeof *apa);
    float *C = malloc(((size_t)M * ldc + NG) * sizeof *C), *Cr = malloc((size_t)M * ldc * sizeof *Cr);
    float *S = malloc((size_t)M * ldc * sizeof *S);
    int f, i;
    xnrt_sgemm_pack(A, M, K, K, 1, ap);
    xnrt_sgemm_pack(Aa, M, K, K, 1, apa);
    xnrt_sgemm_ref(M, N, K, apa, Ba, ldb, S, ldc, 0, NULL);
    for (f = 0; f < NFLAGS; f++) {
        const int flags = flag_sets[f];
        Epi t, tr;
        const size_t ncw = (size_t)XNRT_WORDS(M) * ldc;
        uint64_t *bits_fast;
        epi_make(&t, M, (size_t)M * ldc, ncw);
        tr = t;
        tr.e.bits = calloc(ncw + 1, sizeof(uint64_t));
        for (i = 0; i < M * (int)ldc + NG; i++)
            C[i] = GUARD_F;
        if (flags & XNRT_EPI_BITS)
            for (i = 0; i < (int)ncw + NG; i++)
                t.e.bits[i] = 0xdeadbeefULL;
        xnrt_sgemm(M, N, K, ap, B, ldb, C, ldc, flags, &t.e);
        xnrt_sgemm_ref(M, N, K, ap, B, ldb, Cr, ldc, flags, &tr.e);
        {
            char what[64];
            snprintf(what, sizeof what, "sgemm %dx%dx%d", M, N, K);
            check_out(what, C, Cr, S, M, N, ldc, K, flags, &t, 1);
        }
        for (i = 0; i < M; i++) { /* the padding columns between rows are untouched */
            int j;
            for (j = N; j < (int)ldc; j++)
                ck_assert_float_eq(C[(size_t)i * ldc + j], GUARD_F);
        }
        for (i = 0; i < NG; i++)
            ck_assert_float_eq(C[(size_t)M * ldc + i], GUARD_F);
        bits_fast = t.e.bits;
        if (flags & XNRT_EPI_BITS)
            for (i = 0; i < NG; i++)
                ck_assert_uint_eq(bits_fast[ncw + i], 0xdeadbeefULL);
        free(tr.e.bits);
        epi_free(&t);
    }
    free(A), free(B), free(Aa), free(Ba), free(ap), free(apa), free(C), free(Cr), free(S);
}
END_TEST

typedef struct {
    int C, H, W, M, KH, KW, sh, sw, dh, dw, pt, pl, pb, pr, G;
} FConv;

static const FConv conv_cases[] = {
    /* C   H   W   M  KH KW sh sw dh dw pt pl pb pr G */
    {3, 40, 40, 64, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1},    /* ResNet stem, smaller image (im2col) */
    {3, 20, 70, 64, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1},    /* ResNet stem, direct */
    {3, 47, 47, 16, 11, 11, 4, 4, 1, 1, 0, 0, 0, 0, 1},  /* AlexNet stem (im2col) */
    {3, 23, 139, 16, 11, 11, 4, 4, 1, 1, 0, 0, 0, 0, 1}, /* AlexNet stem, direct */
    {3, 39, 70, 9, 11, 11, 4, 4, 1, 1, 2, 2, 2, 2, 1},   /* AlexNet stem with pad 2, odd M */
    {16, 14, 14, 24, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1},   /* 1x1 s2 shortcut */
    {20, 9, 11, 13, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},    /* 1x1 s1: GEMM on the image */
    {8, 30, 50, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},     /* 1x1 s1, P > NCB */
    {300, 5, 5, 10, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},    /* K > KC */
    {16, 12, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   /* 3x3 same */
    {40, 8, 9, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},     /* K = 360 > KC, im2col */
    {6, 9, 40, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},     /* groups, direct */
    {6, 9, 9, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 3},      /* groups, stride 2 */
    {5, 10, 36, 7, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1},     /* dilation 2, direct */
    {5, 10, 11, 7, 3, 2, 1, 2, 2, 3, 2, 1, 0, 3, 1},     /* dilation, mixed strides, asymmetric pads */
    {4, 3, 3, 5, 3, 3, 1, 1, 1, 1, 5, 4, 6, 5, 1},       /* padding larger than the input */
    {4, 3, 40, 5, 3, 3, 1, 1, 1, 1, 5, 4, 6, 5, 1},      /* the same, direct */
    {2, 1, 1, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},       /* 1x1 image */
    {8, 6, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8},       /* depthwise through the GEMM */
    {3, 20, 67, 70, 5, 5, 3, 3, 1, 1, 2, 2, 2, 2, 1},    /* stride 3, M = 70 (bits over 2 words) */
    {9, 36, 36, 130, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1},   /* 1x1 s2, M = 130 */
};
#define NCONV ((int)(sizeof conv_cases / sizeof conv_cases[0]))

START_TEST(test_conv)
{
    const FConv *c = &conv_cases[_i];
    const int OH = XNRT_CONV_OUT(c->H, c->KH, c->sh, c->dh, c->pt, c->pb);
    const int OW = XNRT_CONV_OUT(c->W, c->KW, c->sw, c->dw, c->pl, c->pr);
    const int Cg = c->C / c->G, K = Cg * c->KH * c->KW, P = OH * OW;
    const size_t nx = (size_t)c->C * c->H * c->W, nw = (size_t)c->M * K, ny = (size_t)c->M * P;
    const size_t nsc = xnrt_conv_scratch_floats(c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw, c->dh,
                                                c->dw, c->pt, c->pl, c->G);
    const size_t ncw = (size_t)c->G * XNRT_WORDS(c->M / c->G) * P;
    float *x = rnd_array(nx), *w = rnd_array(nw), *xa = abs_copy(x, nx), *wa = abs_copy(w, nw);
    float *wp = malloc(XNRT_CONV_WEIGHT_FLOATS(c->M, Cg, c->KH, c->KW, c->G) * sizeof *wp);
    float *y = malloc((ny + NG) * sizeof *y), *yr = malloc(ny * sizeof *yr), *S = malloc(ny * sizeof *S);
    float *scratch = malloc((nsc + NG) * sizeof *scratch);
    xnrt_epi none;
    int f;
    size_t i;
    char what[96];
    snprintf(what, sizeof what, "conv case %d (algo %d)", _i,
             xnrt_conv_algo(c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw, c->dh, c->dw, c->pt, c->pl, c->G));
    memset(&none, 0, sizeof none);
    xnrt_conv_pack_weights(w, c->M, Cg, c->KH, c->KW, c->G, wp);
    xnrt_conv2d_ref(xa, wa, S, c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw, c->dh, c->dw, c->pt,
                    c->pl, c->G, 0, &none);
    for (f = 0; f < NFLAGS; f++) {
        const int flags = flag_sets[f];
        Epi t, tr;
        epi_make(&t, c->M, ny, ncw);
        tr = t;
        tr.e.bits = calloc(ncw + 1, sizeof(uint64_t));
        for (i = 0; i < ny + NG; i++)
            y[i] = GUARD_F;
        for (i = 0; i < nsc + NG; i++)
            scratch[i] = GUARD_F;
        if (flags & XNRT_EPI_BITS)
            for (i = 0; i < ncw + NG; i++)
                t.e.bits[i] = 0xdeadbeefULL;
        xnrt_conv2d(x, wp, y, scratch, c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw, c->dh, c->dw,
                    c->pt, c->pl, c->G, flags, &t.e);
        xnrt_conv2d_ref(x, w, yr, c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw, c->dh, c->dw, c->pt,
                        c->pl, c->G, flags, &tr.e);
        check_out(what, y, yr, S, c->M, P, (size_t)P, K, flags, &t, c->G);
        for (i = 0; i < NG; i++) {
            ck_assert_float_eq(y[ny + i], GUARD_F);
            ck_assert_float_eq(scratch[nsc + i], GUARD_F);
            if (flags & XNRT_EPI_BITS)
                ck_assert_uint_eq(t.e.bits[ncw + i], 0xdeadbeefULL);
        }
        free(tr.e.bits);
        epi_free(&t);
    }
    free(x), free(w), free(xa), free(wa), free(wp), free(y), free(yr), free(S), free(scratch);
}
END_TEST


/* BWN: signs of w kept at one bit, against the reference conv on +-1 floats. */
START_TEST(test_bwn_conv)
{
    const FConv *c = &conv_cases[_i];
    const int OH = XNRT_CONV_OUT(c->H, c->KH, c->sh, c->dh, c->pt, c->pb);
    const int OW = XNRT_CONV_OUT(c->W, c->KW, c->sw, c->dw, c->pl, c->pr);
    const int Cg = c->C / c->G, K = Cg * c->KH * c->KW, P = OH * OW;
    const size_t nx = (size_t)c->C * c->H * c->W, nw = (size_t)c->M * K, ny = (size_t)c->M * P;
    const size_t nsc = xnrt_conv_bwn_scratch_floats(c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw,
                                                    c->dh, c->dw, c->pt, c->pl, c->G);
    const size_t ncw = (size_t)c->G * XNRT_WORDS(c->M / c->G) * P;
    const size_t nb = XNRT_BWN_CONV_WEIGHT_BYTES(c->M, Cg, c->KH, c->KW, c->G);
    float *x = rnd_array(nx), *w = rnd_array(nw), *xa = abs_copy(x, nx), *ws = malloc(nw * sizeof *ws);
    float *y = malloc((ny + NG) * sizeof *y), *yr = malloc(ny * sizeof *yr), *S = malloc(ny * sizeof *S);
    float *scratch = malloc((nsc + NG) * sizeof *scratch), *ones = malloc(nw * sizeof *ones);
    uint8_t *wb = malloc(nb + NG);
    const int fl[3] = {0, XNRT_EPI_SCALE | XNRT_EPI_BIAS | XNRT_EPI_RELU, flag_sets[_i % NFLAGS]};
    xnrt_epi none;
    int f;
    size_t i;
    char what[96];
    snprintf(what, sizeof what, "bwn conv case %d", _i);
    memset(&none, 0, sizeof none);
    for (i = 0; i < nw; i++) {
        ws[i] = w[i] < 0.0f ? -1.0f : 1.0f;
        ones[i] = 1.0f;
    }
    memset(wb, 0xa5, nb + NG);
    xnrt_bwn_conv_pack_weights(w, c->M, Cg, c->KH, c->KW, c->G, wb);
    for (i = 0; i < NG; i++)
        ck_assert_uint_eq(wb[nb + i], 0xa5);
    xnrt_conv2d_ref(xa, ones, S, c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw, c->dh, c->dw, c->pt,
                    c->pl, c->G, 0, &none);
    for (f = 0; f < 3; f++) {
        const int flags = fl[f];
        Epi t, tr;
        epi_make(&t, c->M, ny, ncw);
        tr = t;
        tr.e.bits = calloc(ncw + 1, sizeof(uint64_t));
        for (i = 0; i < ny + NG; i++)
            y[i] = GUARD_F;
        for (i = 0; i < nsc + NG; i++)
            scratch[i] = GUARD_F;
        xnrt_conv2d_bwn(x, wb, y, scratch, c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw, c->dh, c->dw,
                        c->pt, c->pl, c->G, flags, &t.e);
        xnrt_conv2d_ref(x, ws, yr, c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw, c->dh, c->dw, c->pt,
                        c->pl, c->G, flags, &tr.e);
        check_out(what, y, yr, S, c->M, P, (size_t)P, K, flags, &t, c->G);
        for (i = 0; i < NG; i++) {
            ck_assert_float_eq(y[ny + i], GUARD_F);
            ck_assert_float_eq(scratch[nsc + i], GUARD_F);
        }
        free(tr.e.bits);
        epi_free(&t);
    }
    free(x), free(w), free(xa), free(ws), free(y), free(yr), free(S), free(scratch), free(ones), free(wb);
}
END_TEST

/* BWN GEMM and GEMV (fully connected): the same against +-1 floats. */
START_TEST(test_bwn_gemm)
{
    const int M = gemm_cases[_i][0], N = gemm_cases[_i][1], K = gemm_cases[_i][2];
    const size_t ldb = (size_t)N + 1, ldc = (size_t)N + 2;
    float *A = rnd_array((size_t)M * K), *B = rnd_array((size_t)K * ldb), *Ba = abs_copy(B, (size_t)K * ldb);
    float *As = malloc((size_t)M * K * sizeof *As), *ones = malloc((size_t)M * K * sizeof *ones);
    float *ap = malloc(XNRT_SGEMM_PACKED_FLOATS(M, K) * sizeof *ap), *apo = malloc(XNRT_SGEMM_PACKED_FLOATS(M, K) * sizeof *apo);
    float *C = malloc(((size_t)M * ldc + NG) * sizeof *C), *Cr = malloc((size_t)M * ldc * sizeof *Cr);
    float *S = malloc((size_t)M * ldc * sizeof *S), *scratch = malloc(XNRT_SGEMM_BWN_SCRATCH_FLOATS * sizeof *scratch);
    uint8_t *wb = malloc(XNRT_BWN_PACKED_BYTES(M, K));
    const int flags = XNRT_EPI_SCALE | XNRT_EPI_BIAS | (_i % 2 ? XNRT_EPI_BITS : XNRT_EPI_ADD);
    Epi t, tr;
    size_t i;
    char what[64];
    for (i = 0; i < (size_t)M * K; i++) {
        As[i] = A[i] < 0.0f ? -1.0f : 1.0f;
        ones[i] = 1.0f;
    }
    xnrt_bwn_pack(A, M, K, 1, M, wb); /* A read as [K][M] this time */
    xnrt_sgemm_pack(As, M, K, 1, M, ap);
    xnrt_sgemm_pack(ones, M, K, 1, M, apo);
    xnrt_sgemm_ref(M, N, K, apo, Ba, ldb, S, ldc, 0, NULL);
    epi_make(&t, M, (size_t)M * ldc, (size_t)XNRT_WORDS(M) * ldc);
    tr = t;
    tr.e.bits = calloc((size_t)XNRT_WORDS(M) * ldc + 1, sizeof(uint64_t));
    for (i = 0; i < (size_t)M * ldc + NG; i++)
        C[i] = GUARD_F;
    xnrt_sgemm_bwn(M, N, K, wb, B, ldb, C, ldc, scratch, flags, &t.e);
    xnrt_sgemm_ref(M, N, K, ap, B, ldb, Cr, ldc, flags, &tr.e);
    snprintf(what, sizeof what, "bwn sgemm %dx%dx%d", M, N, K);
    check_out(what, C, Cr, S, M, N, ldc, K, flags, &t, 1);
    for (i = 0; i < NG; i++)
        ck_assert_float_eq(C[(size_t)M * ldc + i], GUARD_F);
    free(tr.e.bits);
    epi_free(&t);
    free(A), free(B), free(Ba), free(As), free(ones), free(ap), free(apo), free(C), free(Cr), free(S), free(scratch), free(wb);
}
END_TEST


/* Pool cases: NC, H, W, KH, KW, sh, sw, dh, dw, pt, pl, pb, pr, ceil_mode */
static const int pool_cases[][14] = {
    {4, 112, 112, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0},  /* ResNet max-pool */
    {3, 55, 55, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 0},    /* AlexNet */
    {3, 55, 57, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1},    /* ceil_mode */
    {2, 20, 70, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0},
    {2, 9, 50, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0},     /* stride 1, same */
    {2, 9, 50, 3, 5, 1, 3, 2, 1, 2, 2, 1, 0, 1},     /* stride 3, dilation, asymmetric pads, ceil */
    {3, 7, 41, 2, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1},     /* dilation 2, stride 2 */
    {2, 5, 5, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 0},
    {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0},
    {2, 4, 33, 3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 1},     /* ceil windows past the end pad */
};
#define NPOOL ((int)(sizeof pool_cases / sizeof pool_cases[0]))

static int same_float(float a, float b) { return a == b || (a != a && b != b); }

/* A quiet NaN whose payload is k. */
static float nan_payload(unsigned k)
{
    const uint32_t u = 0x7fc00000u | (k & 0x3fffffu);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Each pool case twice: on random values, and on +0/-0 ties (a few -0.5);
 * both with NaNs of distinct payloads.  Bit for bit against the reference
 * (the interpreter's rule: the first of equal taps, the first NaN). */
START_TEST(test_pool)
{
    const int *q = pool_cases[_i];
    const int NC = q[0], H = q[1], W = q[2], KH = q[3], KW = q[4], sh = q[5], sw = q[6], dh = q[7], dw = q[8];
    const int pt = q[9], pl = q[10], pb = q[11], pr = q[12], ceil_mode = q[13];
    int OH = (H + pt + pb - dh * (KH - 1) - 1 + (ceil_mode ? sh - 1 : 0)) / sh + 1;
    int OW = (W + pl + pr - dw * (KW - 1) - 1 + (ceil_mode ? sw - 1 : 0)) / sw + 1;
    size_t nx = (size_t)NC * H * W, ny, i;
    float *x = rnd_array(nx), *y, *yr;
    int avg, incl, ties;
    if (ceil_mode && (OH - 1) * sh >= H + pt)
        OH--;
    if (ceil_mode && (OW - 1) * sw >= W + pl)
        OW--;
    ny = (size_t)NC * OH * OW;
    y = malloc((ny + NG) * sizeof *y);
    yr = malloc(ny * sizeof *yr);
    for (ties = 0; ties <= 1; ties++) {
        if (ties)
            for (i = 0; i < nx; i++)
                x[i] = rng() % 5 == 0 ? -0.5f : rng() % 2 ? -0.0f : 0.0f;
        for (i = 0; i < nx; i += 97) /* NaN taps (max: the first NaN wins) */
            x[i] = nan_payload((unsigned)i);
        for (avg = 0; avg <= 1; avg++)
            for (incl = 0; incl <= avg; incl++) {
                for (i = 0; i < ny + NG; i++)
                    y[i] = GUARD_F;
                if (avg)
                    xnrt_avgpool2d(x, y, NC, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, pb, pr, incl);
                else
                    xnrt_maxpool2d(x, y, NC, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl);
                xnrt_pool2d_ref(x, yr, NC, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, pb, pr, avg, incl);
                for (i = 0; i < ny; i++)
                    if (memcmp(&y[i], &yr[i], sizeof y[i]))
                        ck_abort_msg("pool case %d ties %d avg %d incl %d: y[%zu] = %.9g, reference %.9g (bits differ)",
                                     _i, ties, avg, incl, i, y[i], yr[i]);
                for (i = 0; i < NG; i++)
                    ck_assert_float_eq(y[ny + i], GUARD_F);
            }
    }
    free(x), free(y), free(yr);
}
END_TEST

START_TEST(test_global_avgpool)
{
    static const int P[] = {1, 3, 15, 16, 17, 49, 196, 3136};
    int k, p;
    for (k = 0; k < (int)(sizeof P / sizeof P[0]); k++) {
        const int NC = 5;
        float *x = rnd_array((size_t)NC * P[k]), y[5 + NG], yr[5];
        for (p = 0; p < NC + NG; p++)
            y[p] = GUARD_F;
        xnrt_global_avgpool(x, y, NC, P[k]);
        xnrt_global_avgpool_ref(x, yr, NC, P[k]);
        for (p = 0; p < NC; p++) {
            double S = 0;
            int i;
            for (i = 0; i < P[k]; i++)
                S += fabs(x[(size_t)p * P[k] + i]);
            ck_assert_msg(fabs((double)y[p] - yr[p]) <= (P[k] + 2) * ldexp(1.0, -24) * (S / P[k]) + 1e-30,
                          "global avg pool P %d: %.9g vs %.9g", P[k], y[p], yr[p]);
        }
        for (p = 0; p < NG; p++)
            ck_assert_float_eq(y[NC + p], GUARD_F);
        free(x);
    }
}
END_TEST

/* Per-channel epilogue on a tensor (BN, activations, residual, bits) against
 * xnrt_epi_value; in place and not. */
START_TEST(test_channel_apply)
{
    static const int shapes[][2] = {{1, 1}, {3, 17}, {8, 64}, {9, 65}, {70, 49}, {16, 200}};
    const int C = shapes[_i % 6][0], P = shapes[_i % 6][1], flags = flag_sets[_i % NFLAGS], inplace = _i % 2;
    const size_t n = (size_t)C * P, ncw = (size_t)XNRT_WORDS(C) * P;
    float *x = rnd_array(n), *y = malloc((n + NG) * sizeof *y);
    Epi t;
    size_t i;
    epi_make(&t, C, n, ncw);
    for (i = 0; i < n + NG; i++)
        y[i] = i < n && inplace ? x[i] : GUARD_F;
    xnrt_channel_apply(inplace ? y : x, y, C, P, flags, &t.e);
    for (i = 0; i < n; i++) {
        const int m = (int)(i / P);
        const float r = xnrt_epi_value(x[i], m, t.res[i], flags, &t.e);
        const double sc = (flags & XNRT_EPI_SCALE) ? fabs(t.scale[m]) : 1.0;
        const double L = (flags & XNRT_EPI_PRELU) && fabs(t.slope[m]) > 1 ? fabs(t.slope[m]) : 1.0;
        const double bound = 4 * ldexp(1.0, -24) * L * (sc * fabs(x[i]) + fabs(t.bias[m]) + fabs(t.res[i])) + 1e-30;
        if (!(fabs((double)y[i] - r) <= bound))
            ck_abort_msg("channel_apply C %d P %d flags %d: y[%zu] = %.9g, want %.9g", C, P, flags, i, y[i], r);
    }
    for (i = 0; i < NG; i++)
        ck_assert_float_eq(y[n + i], GUARD_F);
    if (flags & XNRT_EPI_BITS) { /* the bits against y itself (the value check is above) */
        float *ya = abs_copy(y, n);
        check_out("channel_apply", y, y, ya, C, P, (size_t)P, 0, flags, &t, 1);
        free(ya);
    }
    epi_free(&t);
    free(x), free(y);
}
END_TEST

/* BatchNormalization (+ Relu) bit for bit against the interpreter's loop:
 * odd plane sizes (vector tails), N = 2, in place and not; NaN inputs
 * without Relu (max with NaN is unspecified). */
START_TEST(test_batchnorm)
{
    static const int shapes[][2] = {{1, 1}, {3, 17}, {5, 49}, {4, 65}, {2, 200}, {16, 3}};
    const int N = 2, C = shapes[_i % 6][0], P = shapes[_i % 6][1], relu = _i / 6 % 2, inplace = _i / 12;
    const size_t n = (size_t)N * C * P;
    float *x = rnd_array(n), *y = malloc((n + NG) * sizeof *y), *yr = malloc(n * sizeof *yr);
    float *scale = rnd_array((size_t)C), *bias = rnd_array((size_t)C), *mean = rnd_array((size_t)C);
    float *var = rnd_array((size_t)C);
    size_t i;
    for (i = 0; i < (size_t)C; i++)
        var[i] = fabsf(var[i]) * 3.0f;
    for (i = 0; i < n; i += 7)
        x[i] = i % 2 ? -0.0f : relu ? mean[i / P % C] : nan_payload((unsigned)i);
    for (i = 0; i < n + NG; i++)
        y[i] = i < n && inplace ? x[i] : GUARD_F;
    xnrt_batchnorm(inplace ? y : x, y, N, C, P, scale, bias, mean, var, 1e-5f, relu);
    xnrt_batchnorm_ref(x, yr, N, C, P, scale, bias, mean, var, 1e-5f, relu);
    for (i = 0; i < n; i++)
        if (memcmp(&y[i], &yr[i], sizeof y[i]))
            ck_abort_msg("batchnorm C %d P %d relu %d inplace %d: y[%zu] = %.9g, reference %.9g (bits differ)", C, P,
                         relu, inplace, i, y[i], yr[i]);
    for (i = 0; i < NG; i++)
        ck_assert_float_eq(y[n + i], GUARD_F);
    free(x), free(y), free(yr), free(scale), free(bias), free(mean), free(var);
}
END_TEST

/* Binary ops with every broadcast: exactly the plain loop's results. */
START_TEST(test_binary)
{
    const int rows = 7, n = 37, nb = 3;
    float *a = rnd_array((size_t)rows * n), *b = rnd_array((size_t)rows * n), *y = malloc(((size_t)rows * n + NG) * sizeof *y);
    int op, bc, r, i;
    for (op = XNRT_OP_ADD; op <= XNRT_OP_MIN; op++)
        for (bc = XNRT_BC_SAME; bc <= XNRT_BC_SCALAR; bc++) {
            for (i = 0; i < rows * n + NG; i++)
                y[i] = GUARD_F;
            xnrt_binary(op, bc, a, b, nb, y, rows, n);
            for (r = 0; r < rows; r++)
                for (i = 0; i < n; i++) {
                    const float av = a[r * n + i];
                    const float bv = bc == XNRT_BC_SAME ? b[r * n + i] : bc == XNRT_BC_ROW ? b[r % nb]
                                     : bc == XNRT_BC_COL ? b[i] : b[0];
                    const float want = op == XNRT_OP_ADD ? av + bv : op == XNRT_OP_SUB ? av - bv
                                       : op == XNRT_OP_MUL ? av * bv : op == XNRT_OP_DIV ? av / bv
                                       : op == XNRT_OP_MAX ? (av > bv ? av : bv) : (av < bv ? av : bv);
                    if (!same_float(y[r * n + i], want))
                        ck_abort_msg("binary op %d bc %d at [%d][%d]: %.9g, want %.9g", op, bc, r, i, y[r * n + i], want);
                }
            for (i = 0; i < NG; i++)
                ck_assert_float_eq(y[rows * n + i], GUARD_F);
        }
    free(a), free(b), free(y);
}
END_TEST

/* Softmax: the interpreter's arithmetic exactly (expf, float sum in order). */
START_TEST(test_softmax)
{
    static const int ns[] = {1, 5, 16, 17, 1000};
    int k, r, i;
    for (k = 0; k < 5; k++) {
        const int rows = 3, n = ns[k];
        float *x = rnd_array((size_t)rows * n), *y = malloc((size_t)rows * n * sizeof *y);
        for (i = 0; i < rows * n; i++)
            x[i] *= 20.0f;
        xnrt_softmax(x, y, rows, n);
        for (r = 0; r < rows; r++) {
            float mx = -INFINITY, sum = 0;
            for (i = 0; i < n; i++)
                if (x[r * n + i] > mx)
                    mx = x[r * n + i];
            for (i = 0; i < n; i++)
                sum += expf(x[r * n + i] - mx);
            for (i = 0; i < n; i++)
                ck_assert_float_eq(y[r * n + i], expf(x[r * n + i] - mx) / sum);
        }
        xnrt_softmax(x, x, rows, n); /* in place */
        for (i = 0; i < rows * n; i++)
            ck_assert_float_eq(x[i], y[i]);
        free(x), free(y);
    }
}
END_TEST


/* Depthwise cases: C, H, W, mult, KH, KW, sh, sw, dh, dw, pt, pl, pb, pr */
static const int dw_cases[][14] = {
    {8, 30, 56, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},   /* MobileNet-like 3x3 */
    {5, 21, 41, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},   /* stride 2 */
    {3, 12, 50, 2, 5, 5, 1, 1, 2, 2, 4, 4, 4, 4},   /* multiplier 2, dilation 2 */
    {70, 4, 9, 1, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1},    /* stride 3, 70 channels */
    {2, 3, 3, 1, 3, 3, 1, 1, 1, 1, 5, 4, 6, 5},     /* padding larger than the image */
    {4, 9, 37, 3, 1, 7, 1, 2, 1, 1, 0, 3, 0, 3},    /* 1x7, multiplier 3 */
};
#define NDW ((int)(sizeof dw_cases / sizeof dw_cases[0]))

START_TEST(test_dwconv)
{
    const int *q = dw_cases[_i / NFLAGS];
    const int flags = flag_sets[_i % NFLAGS];
    const int C = q[0], H = q[1], W = q[2], M = C * q[3], KH = q[4], KW = q[5], sh = q[6], sw = q[7], dh = q[8];
    const int dw = q[9], pt = q[10], pl = q[11], pb = q[12], pr = q[13];
    const int OH = XNRT_CONV_OUT(H, KH, sh, dh, pt, pb), OW = XNRT_CONV_OUT(W, KW, sw, dw, pl, pr), P = OH * OW;
    const size_t nx = (size_t)C * H * W, nw = (size_t)M * KH * KW, ny = (size_t)M * P;
    const size_t ncw = (size_t)C * XNRT_WORDS(M / C) * P;
    float *x = rnd_array(nx), *w = rnd_array(nw), *xa = abs_copy(x, nx), *wa = abs_copy(w, nw);
    float *y = malloc((ny + NG) * sizeof *y), *yr = malloc(ny * sizeof *yr), *S = malloc(ny * sizeof *S);
    xnrt_epi none;
    Epi t, tr;
    size_t i;
    char what[64];
    memset(&none, 0, sizeof none);
    snprintf(what, sizeof what, "dwconv case %d", _i / NFLAGS);
    xnrt_conv2d_ref(xa, wa, S, C, H, W, M, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, C, 0, &none);
    epi_make(&t, M, ny, ncw);
    tr = t;
    tr.e.bits = calloc(ncw + 1, sizeof(uint64_t));
    for (i = 0; i < ny + NG; i++)
        y[i] = GUARD_F;
    if (flags & XNRT_EPI_BITS)
        for (i = 0; i < ncw + NG; i++)
            t.e.bits[i] = 0xdeadbeefULL;
    xnrt_dwconv2d(x, w, y, C, H, W, M, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, flags, &t.e);
    xnrt_conv2d_ref(x, w, yr, C, H, W, M, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, C, flags, &tr.e);
    check_out(what, y, yr, S, M, P, (size_t)P, KH * KW, flags, &t, C);
    for (i = 0; i < NG; i++) {
        ck_assert_float_eq(y[ny + i], GUARD_F);
        if (flags & XNRT_EPI_BITS)
            ck_assert_uint_eq(t.e.bits[ncw + i], 0xdeadbeefULL);
    }
    free(tr.e.bits);
    epi_free(&t);
    free(x), free(w), free(xa), free(wa), free(y), free(yr), free(S);
}
END_TEST

/* Every conv algorithm occurs among the cases (so none goes untested). */
START_TEST(test_conv_algos_covered)
{
    int seen[3] = {0, 0, 0}, i;
    for (i = 0; i < NCONV; i++) {
        const FConv *c = &conv_cases[i];
        const int OH = XNRT_CONV_OUT(c->H, c->KH, c->sh, c->dh, c->pt, c->pb);
        const int OW = XNRT_CONV_OUT(c->W, c->KW, c->sw, c->dw, c->pl, c->pr);
        seen[xnrt_conv_algo(c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh, c->sw, c->dh, c->dw, c->pt, c->pl,
                            c->G)]++;
    }
    ck_assert_int_ge(seen[XNRT_CONV_GEMM], 2);
    ck_assert_int_ge(seen[XNRT_CONV_DIRECT], 4);
    ck_assert_int_ge(seen[XNRT_CONV_IM2COL], 4);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runtime-float-" XNRT_FISA);
    TCase *tc = tcase_create("float");
    SRunner *sr;
    int nf;
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_pack_layout);
    tcase_add_loop_test(tc, test_sgemm, 0, NGEMM);
    tcase_add_loop_test(tc, test_conv, 0, NCONV);
    tcase_add_test(tc, test_conv_algos_covered);
    tcase_add_loop_test(tc, test_bwn_conv, 0, NCONV);
    tcase_add_loop_test(tc, test_bwn_gemm, 0, NGEMM);
    tcase_add_loop_test(tc, test_dwconv, 0, NDW * NFLAGS);
    tcase_add_loop_test(tc, test_pool, 0, NPOOL);
    tcase_add_test(tc, test_global_avgpool);
    tcase_add_loop_test(tc, test_channel_apply, 0, 2 * NFLAGS);
    tcase_add_loop_test(tc, test_batchnorm, 0, 24);
    tcase_add_test(tc, test_binary);
    tcase_add_test(tc, test_softmax);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    printf("float kernels: %s\n", xnrt_fisa());
    srunner_run_all(sr, CK_NORMAL);
    nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
