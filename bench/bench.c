/* xnorcc speed benchmark: the XNOR-Net paper's layer (c=256, 3x3, 14x14,
 * 256 filters) through the runtime, against oneDNN fp32 convolution and
 * OpenBLAS im2col+sgemm, the machine's XNOR-popcount peak, and the paper's
 * Fig. 4(b)/(c) sweeps.  Single thread; medians of many repetitions. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dnnl_prims.h"
#include "paper_layer.h"
#include "paper_model.h"
#include "peak.h"
#include "xnorcc_rt.h"

/* ---- shapes -------------------------------------------------------------- */

typedef struct {
    int C, H, W, M, K, pad; /* square kernel K, stride 1, symmetric pad */
} Shape;

static int out_hw(const Shape *s, int in) { return in + 2 * s->pad - s->K + 1; }

/* ---- XNOR through the runtime with runtime sizes ------------------------ */

typedef struct {
    Shape s;
    const float *x;
    uint64_t *xp, *wp, *scratch;
    int32_t *y;
} Xnor;

static void xnor_init(Xnor *b, const Shape *s, const float *x, const float *w)
{
    const int OH = out_hw(s, s->H), OW = out_hw(s, s->W), CW = XNRT_WORDS(s->C);
    b->s = *s;
    b->x = x;
    b->xp = xmalloc((size_t)s->H * s->W * CW * 8);
    b->wp = xmalloc((size_t)s->M * s->K * s->K * CW * 8);
    b->scratch = xmalloc(XNRT_BCONV_SCRATCH_WORDS(s->C, s->K, s->K, OH, OW) * 8);
    b->y = xmalloc((size_t)s->M * OH * OW * 4);
    xnrt_pack_weights(w, s->M, s->C, s->K, s->K, b->wp);
}

static void xnor_run(void *ctx)
{
    Xnor *b = ctx;
    const Shape *s = &b->s;
    xnrt_pack_chw(b->x, s->C, s->H, s->W, 1, b->xp);
    xnrt_bconv2d(b->xp, b->wp, b->y, b->scratch, s->C, s->H, s->W, s->M, s->K, s->K,
                 out_hw(s, s->H), out_hw(s, s->W), 1, 1, 1, 1, s->pad, s->pad, 1, 0);
}

static void xnor_free(Xnor *b)
{
    free(b->xp);
    free(b->wp);
    free(b->scratch);
    free(b->y);
}

/* ---- oneDNN fp32 convolution (dnnl_prims.c) ------------------------------ */

static BenchConv dnnl_shape(const Shape *s)
{
    const BenchConv c = {s->C, s->H, s->W, s->M, s->K, s->K, 1, 1, s->pad, s->pad, s->pad, s->pad, 1, 1};
    return c;
}

/* Best of oneDNN with plain NCHW and with its preferred layout. */
static Timing dnnl_best(const Shape *s, const float *x, const float *w, char *impl, size_t nimpl)
{
    const BenchConv c = dnnl_shape(s);
    return bench_dnnl_best(&c, 0, x, w, impl, nimpl);
}

/* ---- OpenBLAS im2col + sgemm --------------------------------------------- */

typedef struct {
    Shape s;
    const float *x, *w;
    float *col, *y;
} Blas;

static void blas_run(void *ctx)
{
    Blas *b = ctx;
    const Shape *s = &b->s;
    const int OH = out_hw(s, s->H), OW = out_hw(s, s->W), P = OH * OW, KK = s->C * s->K * s->K;
    int c, kh, kw, oy, ox;
    for (c = 0; c < s->C; c++)
        for (kh = 0; kh < s->K; kh++)
            for (kw = 0; kw < s->K; kw++) {
                float *row = b->col + (size_t)((c * s->K + kh) * s->K + kw) * P;
                for (oy = 0; oy < OH; oy++) {
                    const int iy = oy - s->pad + kh;
                    for (ox = 0; ox < OW; ox++) {
                        const int ix = ox - s->pad + kw;
                        row[oy * OW + ox] = iy >= 0 && iy < s->H && ix >= 0 && ix < s->W
                                                ? b->x[((size_t)c * s->H + iy) * s->W + ix]
                                                : 0.0f;
                    }
                }
            }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->M, P, KK, 1.0f, b->w, KK, b->col,
                P, 0.0f, b->y, P);
}

/* ---- the paper layer through bench/paper_layer.c ------------------------- */

static const float *g_x;
static int32_t *g_y;
static float *g_yf;
static void run_layer(void *ctx) { (void)ctx; paper_layer(g_x, g_yf); }
static void run_hand(void *ctx) { (void)ctx; paper_layer_hand(g_x, g_y); }
static void run_conv(void *ctx) { (void)ctx; paper_layer_conv(g_y); }
static void run_pack(void *ctx) { (void)ctx; paper_layer_pack(g_x); }

/* ---- report ---------------------------------------------------------------- */

static double bitmacs(const Shape *s)
{
    return (double)s->M * out_hw(s, s->H) * out_hw(s, s->W) * s->C * s->K * s->K;
}

/* XNOR-Net Sec. 4.1: speedup = 64 c N_W / (c N_W + 64). */
static double paper_speedup(int c, int nw) { return 64.0 * c * nw / ((double)c * nw + 64.0); }

typedef struct {
    Shape s;
    char label[16];
    Timing xnor, dnnl;
    char impl[128];
} SweepRow;

static void sweep_measure(SweepRow *r)
{
    const Shape *s = &r->s;
    const size_t nx = (size_t)s->C * s->H * s->W, nw = (size_t)s->M * s->C * s->K * s->K;
    float *x = xmalloc(nx * 4), *w = xmalloc(nw * 4);
    Xnor xb;
    size_t i;
    for (i = 0; i < nx; i++)
        x[i] = bench_rnd();
    for (i = 0; i < nw; i++)
        w[i] = bench_rnd();
    xnor_init(&xb, s, x, w);
    r->xnor = time_it(xnor_run, &xb);
    r->dnnl = dnnl_best(s, x, w, r->impl, sizeof r->impl);
    xnor_free(&xb);
    free(x);
    free(w);
}

static void sweep_print(const SweepRow *r, double peak)
{
    const Shape *s = &r->s;
    printf("  %-8s %9.1f %9.1f %10.1f %9.1fx %9.1fx %9.1fx %7.1f%%  %s\n", r->label,
           r->xnor.median / 1e3, r->xnor.min / 1e3, r->dnnl.median / 1e3,
           r->dnnl.median / r->xnor.median, r->dnnl.min / r->xnor.min,
           paper_speedup(s->C, s->K * s->K), 100.0 * bitmacs(s) / r->xnor.median / peak, r->impl);
}

/* Peaks: best of several runs, so that a busy moment does not lower them. */
static void measure_peaks(double *ghz, double pk[3])
{
    int i, rep;
    for (rep = 0; rep < 3; rep++) {
        double g = peak_core_ghz();
        if (g > *ghz)
            *ghz = g;
        for (i = 0; i < 3; i++) {
            double v = peak_bitmacs_per_ns(i);
            if (v > pk[i])
                pk[i] = v;
        }
    }
}

int main(int argc, char **argv)
{
    const Shape L = {PL_C, PL_H, PL_W, PL_M, PL_K, 1};
    const size_t nx = (size_t)PL_C * PL_H * PL_W, nw = (size_t)PL_M * PL_C * PL_K * PL_K;
    const size_t ny = (size_t)PL_M * PL_H * PL_W;
    static const int cs[] = {1, 4, 16, 32, 64, 128, 256, 512, 1024};
    static const int ks[] = {1, 3, 5, 7};
    SweepRow rows_c[sizeof cs / sizeof cs[0]], rows_k[sizeof ks / sizeof ks[0]];
    float *x, *w, *xs, *ws;
    int32_t *y;
    double ghz = 0, pk[3] = {0, 0, 0};
    Timing t_layer, t_hand, t_conv, t_pack, t_rt, t_dnnl, t_blas;
    float *yf;
    size_t bad_gen = 0;
    char impl[128];
    size_t i, bad = 0;
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;

    /* oneDNN here uses OpenMP, which reads OMP_NUM_THREADS when it loads. */
    bench_one_thread(argv);
    openblas_set_num_threads(1);
    if (quick)
        bench_min_seconds = 0.1;

    measure_peaks(&ghz, pk);

    /* The paper's layer. */
    x = xmalloc(nx * 4);
    w = xmalloc(nw * 4);
    xs = xmalloc(nx * 4);
    ws = xmalloc(nw * 4);
    y = xmalloc(ny * 4);
    yf = xmalloc(ny * 4);
    for (i = 0; i < nx; i++)
        x[i] = bench_rnd();
    /* The weights xnorcc compiled into paper_net.c (gen_paper_model). */
    for (i = 0; i < nw; i++)
        w[i] = paper_weight((uint32_t)i);
    xnrt_pack_weights(w, PL_M, PL_C, PL_K, PL_K, paper_layer_weights);

    /* Check: XNOR result == oneDNN fp32 on the same data as +-1 values. */
    for (i = 0; i < nx; i++)
        xs[i] = x[i] < 0.0f ? -1.0f : 1.0f;
    for (i = 0; i < nw; i++)
        ws[i] = w[i] < 0.0f ? -1.0f : 1.0f;
    paper_layer_hand(x, y);
    paper_layer(x, yf);
    {
        const BenchConv c = dnnl_shape(&L);
        BenchDnnl *d;
        const float *o;
        d = bench_dnnl_new(&c, 0, 0, xs, ws);
        bench_dnnl_run(d);
        o = bench_dnnl_out(d);
        for (i = 0; i < ny; i++)
            bad += (float)y[i] != o[i], bad_gen += yf[i] != o[i];
        bench_dnnl_free(d);
    }

    /* XNOR: full layer (packing included), conv alone, packing alone, and the
     * same runtime call with run-time (not literal) sizes. */
    g_x = x;
    g_y = y;
    g_yf = yf;
    t_layer = time_it(run_layer, NULL);
    t_hand = time_it(run_hand, NULL);
    t_conv = time_it(run_conv, NULL);
    t_pack = time_it(run_pack, NULL);
    {
        Xnor xb;
        xnor_init(&xb, &L, x, w);
        t_rt = time_it(xnor_run, &xb);
        xnor_free(&xb);
    }
    t_dnnl = dnnl_best(&L, x, w, impl, sizeof impl);
    {
        Blas b;
        b.s = L;
        b.x = x;
        b.w = w;
        b.col = xmalloc((size_t)PL_C * PL_K * PL_K * PL_H * PL_W * 4);
        b.y = xmalloc(ny * 4);
        t_blas = time_it(blas_run, &b);
        free(b.col);
        free(b.y);
    }
    for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        const Shape s = {cs[i], 14, 14, 256, 3, 1};
        rows_c[i].s = s;
        snprintf(rows_c[i].label, sizeof rows_c[i].label, "%d", cs[i]);
        sweep_measure(&rows_c[i]);
    }
    for (i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        const Shape s = {256, 14, 14, 256, ks[i], ks[i] / 2};
        rows_k[i].s = s;
        snprintf(rows_k[i].label, sizeof rows_k[i].label, "%dx%d", ks[i], ks[i]);
        sweep_measure(&rows_k[i]);
    }
    measure_peaks(&ghz, pk);

    /* Report. */
    printf("xnorcc runtime %s; paper layer compiled for ISA path %s (bench.c: %s)\n",
           xnrt_version(), paper_layer_isa(), xnrt_isa());
    printf("1 thread (OMP_NUM_THREADS=1, openblas_set_num_threads(1)); "
           "median and min of >= 11 runs and >= %.1f s each\n\n", bench_min_seconds);
    printf("Machine XNOR-popcount peak (register-resident xor+popcount+add chains, best of 6)\n");
    printf("  core clock (dependent-add chain)        %7.3f GHz\n", ghz);
    printf("  AVX-512 vpopcntq, 12 zmm accumulators   %7.1f bit-MACs/ns  %6.1f bit-MACs/cycle\n",
           pk[2], pk[2] / ghz);
    printf("  AVX2 vpshufb popcount, 4 ymm chains     %7.1f bit-MACs/ns  %6.1f bit-MACs/cycle\n",
           pk[1], pk[1] / ghz);
    printf("  scalar popcnt, 4 chains                 %7.1f bit-MACs/ns  %6.1f bit-MACs/cycle\n\n",
           pk[0], pk[0] / ghz);
    printf("Check: XNOR paper layer == oneDNN fp32 conv of the same data as +-1: "
           "xnorcc-generated %s (%zu mismatches of %zu), hand-written %s (%zu)\n\n",
           bad_gen ? "FAIL" : "OK", bad_gen, ny, bad ? "FAIL" : "OK", bad);

    printf("Paper layer: c=256, 14x14, 256 filters 3x3, stride 1, pad 1 (zero padding, exact); "
           "%.1fM bit-MACs\n", bitmacs(&L) / 1e6);
    printf("  %-42s %9s %9s %8s %8s %8s %7s\n", "", "median us", "min us", "x oneDNN",
           "x BLAS", "(min/min)", "% peak");
#define ROW(name, t, xnor)                                                                  \
    printf("  %-42s %9.1f %9.1f %7.1fx %7.1fx %8.1fx %7s\n", name, (t).median / 1e3,        \
           (t).min / 1e3, t_dnnl.median / (t).median, t_blas.median / (t).median,             \
           t_dnnl.min / (t).min,                                                              \
           (xnor) ? (snprintf(pct, sizeof pct, "%.1f%%", 100.0 * bitmacs(&L) / (t).median / pk[2]), pct) : "")
    {
        char pct[32];
        ROW("XNOR layer, xnorcc-generated (paper_net.c)", t_layer, 1);
        ROW("XNOR layer, hand-written: pack + conv", t_hand, 1);
        ROW("XNOR conv alone (input already packed)", t_conv, 1);
        ROW("XNOR input packing alone", t_pack, 0);
        ROW("XNOR pack + conv, run-time sizes", t_rt, 1);
        ROW("oneDNN fp32 conv", t_dnnl, 0);
        ROW("OpenBLAS fp32 im2col + sgemm", t_blas, 0);
    }
#undef ROW
    printf("  oneDNN implementation: %s\n", impl);
    printf("  x oneDNN, x BLAS: ratio of medians; (min/min): oneDNN min / this min; "
           "%% peak: bit-MACs/ns of the median over the AVX-512 peak\n\n");

    printf("Fig. 4(b): speedup over oneDNN vs channels c (3x3, 14x14 input, 256 filters, pad 1)\n");
    printf("  %-8s %9s %9s %10s %10s %10s %10s %8s  %s\n", "c", "XNOR med", "XNOR min",
           "oneDNN med", "measured", "(min/min)", "paper eq.", "% peak", "oneDNN impl");
    for (i = 0; i < sizeof cs / sizeof cs[0]; i++)
        sweep_print(&rows_c[i], pk[2]);
    printf("\nFig. 4(c): speedup over oneDNN vs filter size (c=256, 14x14 input, 256 filters, "
           "same padding)\n");
    printf("  %-8s %9s %9s %10s %10s %10s %10s %8s  %s\n", "filter", "XNOR med", "XNOR min",
           "oneDNN med", "measured", "(min/min)", "paper eq.", "% peak", "oneDNN impl");
    for (i = 0; i < sizeof ks / sizeof ks[0]; i++)
        sweep_print(&rows_k[i], pk[2]);
    printf("\nTimes in us.  Sweeps time pack + conv with run-time sizes; "
           "paper eq. = 64*c*N_W/(c*N_W + 64) (XNOR-Net Sec. 4.1).\n");
    free(x);
    free(w);
    free(xs);
    free(ws);
    free(y);
    free(yf);
    return bad || bad_gen ? 1 : 0;
}
