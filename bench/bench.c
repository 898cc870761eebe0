/* xnorcc speed benchmark: the XNOR-Net paper's layer (c=256, 3x3, 14x14,
 * 256 filters) through the runtime, against oneDNN fp32 convolution and
 * OpenBLAS im2col+sgemm, the machine's XNOR-popcount peak, and the paper's
 * Fig. 4(b)/(c) sweeps.  Single thread; medians of many repetitions. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <dnnl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "paper_layer.h"
#include "paper_model.h"
#include "peak.h"
#include "xnorcc_rt.h"

/* ---- timing ---------------------------------------------------------- */

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    double median, min; /* ns */
    int reps;
} Timing;

#define MAXREPS 4000
static double g_min_seconds = 0.4;

/* Run fn(ctx) 3 times to warm up, then at least 11 times and until
 * g_min_seconds have passed; report median and min. */
static Timing time_it(void (*fn)(void *), void *ctx)
{
    static double t[MAXREPS];
    Timing r;
    double start;
    int n = 0, i;
    for (i = 0; i < 3; i++)
        fn(ctx);
    start = now_ns();
    while (n < MAXREPS && (n < 11 || now_ns() - start < g_min_seconds * 1e9)) {
        double t0 = now_ns();
        fn(ctx);
        t[n++] = now_ns() - t0;
    }
    qsort(t, (size_t)n, sizeof t[0], cmp_double);
    r.median = t[n / 2];
    r.min = t[0];
    r.reps = n;
    return r;
}

/* ---- data -------------------------------------------------------------- */

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static float rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (float)((int)((rng_state * 2685821657736338717ULL) >> 40) % 2001 - 1000) / 500.0f;
}

static void *xmalloc(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, n ? n : 64) != 0) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    return p;
}

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

/* ---- oneDNN fp32 convolution --------------------------------------------- */

#define DN(call)                                                                   \
    do {                                                                           \
        dnnl_status_t st_ = (call);                                                \
        if (st_ != dnnl_success) {                                                 \
            fprintf(stderr, "bench: %s failed: status %d\n", #call, (int)st_);     \
            exit(1);                                                               \
        }                                                                          \
    } while (0)

typedef struct {
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    dnnl_primitive_t prim;
    dnnl_memory_t src, wei, dst;
    const char *impl;
    char impl_buf[96];
} Dnnl;

/* any = 1: let oneDNN pick its preferred (blocked) layouts; else NCHW/OIHW.
 * Inputs are filled from x (CHW) and w (OIHW) only for plain layouts; for
 * blocked layouts the buffers get the same random values in blocked order. */
static void dnnl_init(Dnnl *d, const Shape *s, int any, const float *x, const float *w)
{
    dnnl_memory_desc_t smd, wmd, dmd;
    dnnl_convolution_desc_t cd;
    dnnl_primitive_desc_t pd;
    const dnnl_dims_t sdims = {1, s->C, s->H, s->W}, wdims = {s->M, s->C, s->K, s->K};
    const dnnl_dims_t ddims = {1, s->M, out_hw(s, s->H), out_hw(s, s->W)};
    const dnnl_dims_t strides = {1, 1}, dil = {0, 0}, pad = {s->pad, s->pad};
    const char *impl = NULL;
    float *h;
    size_t n, i;
    DN(dnnl_engine_create(&d->eng, dnnl_cpu, 0));
    DN(dnnl_stream_create(&d->stream, d->eng, dnnl_stream_default_flags));
    DN(dnnl_memory_desc_init_by_tag(&smd, 4, sdims, dnnl_f32, any ? dnnl_format_tag_any : dnnl_nchw));
    DN(dnnl_memory_desc_init_by_tag(&wmd, 4, wdims, dnnl_f32, any ? dnnl_format_tag_any : dnnl_oihw));
    DN(dnnl_memory_desc_init_by_tag(&dmd, 4, ddims, dnnl_f32, any ? dnnl_format_tag_any : dnnl_nchw));
    DN(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_auto,
                                                  &smd, &wmd, NULL, &dmd, strides, dil, pad, pad));
    DN(dnnl_primitive_desc_create(&pd, &cd, NULL, d->eng, NULL));
    DN(dnnl_memory_create(&d->src, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), d->eng,
                          DNNL_MEMORY_ALLOCATE));
    DN(dnnl_memory_create(&d->wei, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0),
                          d->eng, DNNL_MEMORY_ALLOCATE));
    DN(dnnl_memory_create(&d->dst, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), d->eng,
                          DNNL_MEMORY_ALLOCATE));
    DN(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
    snprintf(d->impl_buf, sizeof d->impl_buf, "%s", impl ? impl : "?");
    d->impl = d->impl_buf;
    DN(dnnl_primitive_create(&d->prim, pd));
    DN(dnnl_primitive_desc_destroy(pd));
    /* src and weights: plain layouts get x and w; blocked ones random data
     * (blocked buffers may be larger than the tensor because of padding). */
    DN(dnnl_memory_get_data_handle(d->src, (void **)&h));
    {
        const dnnl_memory_desc_t *md;
        DN(dnnl_memory_get_memory_desc(d->src, &md));
        n = dnnl_memory_desc_get_size(md) / 4;
        for (i = 0; i < n; i++)
            h[i] = any ? rnd() : x[i];
        DN(dnnl_memory_get_data_handle(d->wei, (void **)&h));
        DN(dnnl_memory_get_memory_desc(d->wei, &md));
        n = dnnl_memory_desc_get_size(md) / 4;
        for (i = 0; i < n; i++)
            h[i] = any ? rnd() : w[i];
    }
}

static void dnnl_run(void *ctx)
{
    Dnnl *d = ctx;
    dnnl_exec_arg_t args[3];
    args[0].arg = DNNL_ARG_SRC;
    args[0].memory = d->src;
    args[1].arg = DNNL_ARG_WEIGHTS;
    args[1].memory = d->wei;
    args[2].arg = DNNL_ARG_DST;
    args[2].memory = d->dst;
    DN(dnnl_primitive_execute(d->prim, d->stream, 3, args));
    DN(dnnl_stream_wait(d->stream));
}

static void dnnl_free(Dnnl *d)
{
    dnnl_primitive_destroy(d->prim);
    dnnl_memory_destroy(d->src);
    dnnl_memory_destroy(d->wei);
    dnnl_memory_destroy(d->dst);
    dnnl_stream_destroy(d->stream);
    dnnl_engine_destroy(d->eng);
}

/* Best of oneDNN with plain NCHW and with its preferred layout. */
static Timing dnnl_best(const Shape *s, const float *x, const float *w, char *impl, size_t nimpl)
{
    Timing best = {0, 0, 0};
    int any;
    for (any = 0; any <= 1; any++) {
        Dnnl d;
        Timing t;
        dnnl_init(&d, s, any, x, w);
        t = time_it(dnnl_run, &d);
        if (best.reps == 0 || t.median < best.median) {
            best = t;
            snprintf(impl, nimpl, "%s, %s", d.impl, any ? "blocked" : "nchw");
        }
        dnnl_free(&d);
    }
    return best;
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
        x[i] = rnd();
    for (i = 0; i < nw; i++)
        w[i] = rnd();
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

    /* oneDNN here uses OpenMP, which reads OMP_NUM_THREADS when it loads:
     * re-exec with it set so every library runs on one thread. */
    if (!getenv("OMP_NUM_THREADS") || strcmp(getenv("OMP_NUM_THREADS"), "1") != 0) {
        setenv("OMP_NUM_THREADS", "1", 1);
        execv("/proc/self/exe", argv);
        perror("bench: re-exec with OMP_NUM_THREADS=1");
        return 1;
    }
    openblas_set_num_threads(1);
    if (quick)
        g_min_seconds = 0.1;

    measure_peaks(&ghz, pk);

    /* The paper's layer. */
    x = xmalloc(nx * 4);
    w = xmalloc(nw * 4);
    xs = xmalloc(nx * 4);
    ws = xmalloc(nw * 4);
    y = xmalloc(ny * 4);
    yf = xmalloc(ny * 4);
    for (i = 0; i < nx; i++)
        x[i] = rnd();
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
        Dnnl d;
        float *o;
        dnnl_init(&d, &L, 0, xs, ws);
        dnnl_run(&d);
        DN(dnnl_memory_get_data_handle(d.dst, (void **)&o));
        for (i = 0; i < ny; i++)
            bad += (float)y[i] != o[i], bad_gen += yf[i] != o[i];
        dnnl_free(&d);
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
           "median and min of >= 11 runs and >= %.1f s each\n\n", g_min_seconds);
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
