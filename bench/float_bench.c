/* Per-layer benchmark of the runtime's float kernels (conv.h, sgemm.h)
 * against oneDNN fp32 on the float layers of ResNet-18 and AlexNet at
 * 224x224, one thread, in one run.  Before timing, each xnorcc result is
 * checked against oneDNN's (plain layouts) on the same data.
 * Usage: xnorcc_float_bench [--quick]   (bench/run.sh runs it) */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnnl_prims.h"
#include "float_layer.h"
#include "peak.h"
#include "xnorcc_rt.h"

typedef struct {
    const char *name;
    BenchConv s;
    int fc;     /* 1: fully connected (C inputs -> M outputs, batch 1) */
    int target; /* 1: a float layer of the XNOR networks (issue 9's 1.3x target) */
    int bwn;    /* 1: a BWN layer: weights kept at 1 bit (xnrt_conv2d_bwn), oneDNN on the +-1 floats */
} Layer;

static const Layer layers[] = {
    /*                                        C    H    W    M  KH KW sh sw pt pl pb pr dh dw */
    {"ResNet-18 stem 7x7 s2 3->64 @224", {3, 224, 224, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1}, 0, 1, 0},
    {"ResNet-18 1x1 s2 64->128 @56", {64, 56, 56, 128, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1}, 0, 1, 0},
    {"ResNet-18 1x1 s2 128->256 @28", {128, 28, 28, 256, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1}, 0, 1, 0},
    {"ResNet-18 1x1 s2 256->512 @14", {256, 14, 14, 512, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1}, 0, 1, 0},
    {"AlexNet conv1 11x11 s4 3->96 @224", {3, 224, 224, 96, 11, 11, 4, 4, 2, 2, 2, 2, 1, 1}, 0, 1, 0},
    {"AlexNet FC 4096->1000, batch 1", {4096, 1, 1, 1000, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1}, 1, 1, 0},
    {"ResNet-18 3x3 64->64 @56", {64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 0, 0},
    {"ResNet-18 3x3 s2 64->128 @56", {64, 56, 56, 128, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, 0, 0, 0},
    {"ResNet-18 3x3 128->128 @28", {128, 28, 28, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 0, 0},
    {"ResNet-18 3x3 s2 128->256 @28", {128, 28, 28, 256, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, 0, 0, 0},
    {"ResNet-18 3x3 256->256 @14", {256, 14, 14, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 0, 0},
    {"ResNet-18 3x3 s2 256->512 @14", {256, 14, 14, 512, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, 0, 0, 0},
    {"ResNet-18 3x3 512->512 @7", {512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 0, 0},
    {"BWN 3x3 64->64 @56 (1-bit weights)", {64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 0, 1},
    {"BWN 3x3 128->128 @28", {128, 28, 28, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 0, 1},
    {"BWN 3x3 256->256 @14", {256, 14, 14, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 0, 1},
    {"BWN 3x3 512->512 @7", {512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 0, 1},
};
#define NLAYERS ((int)(sizeof layers / sizeof layers[0]))

typedef struct {
    const Layer *l;
    int OH, OW;
    const float *x, *wp;
    const uint8_t *wb; /* BWN weights */
    float *y, *scratch;
} Run;

static void run_xnorcc(void *ctx)
{
    Run *r = ctx;
    const BenchConv *s = &r->l->s;
    if (r->l->fc)
        xnrt_sgemm(s->M, 1, s->C, r->wp, r->x, 1, r->y, 1, 0, NULL);
    else if (r->l->bwn)
        xnrt_conv2d_bwn(r->x, r->wb, r->y, r->scratch, s->C, s->H, s->W, s->M, s->KH, s->KW, r->OH, r->OW, s->sh,
                        s->sw, s->dh, s->dw, s->pt, s->pl, 1, 0, NULL);
    else
        xnrt_conv2d(r->x, r->wp, r->y, r->scratch, s->C, s->H, s->W, s->M, s->KH, s->KW, r->OH, r->OW, s->sh, s->sw,
                    s->dh, s->dw, s->pt, s->pl, 1, 0, NULL);
}

static const char *algo_name(const Layer *l, int OH, int OW)
{
    const BenchConv *s = &l->s;
    if (l->fc)
        return "gemv";
    switch (xnrt_conv_algo(s->C, s->H, s->W, s->M, s->KH, s->KW, OH, OW, s->sh, s->sw, s->dh, s->dw, s->pt, s->pl, 1)) {
    case XNRT_CONV_GEMM: return "gemm";
    case XNRT_CONV_DIRECT: return "direct";
    default: return "im2col";
    }
}

static const float *g_x;
static float *g_y;
static void run_stem(void *ctx)
{
    (void)ctx;
    float_stem(g_x, g_y);
}

/* bench/float_layer.c's stem (literal sizes, static packed weights, BN+ReLU
 * fused): its packed bytes against this program's packing, its output
 * against the run-time-sized call and oneDNN's conv + BN + ReLU, its time
 * against oneDNN's conv alone. */
static int stem_example(double peak)
{
    const BenchConv s = {3, 224, 224, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1};
    const int K = 3 * 49, P = 112 * 112;
    const size_t nx = (size_t)3 * 224 * 224, nw = (size_t)64 * K, ny = (size_t)64 * P;
    float *x = xmalloc(nx * 4), *w = xmalloc(nw * 4), *wp = xmalloc(XNRT_SGEMM_PACKED_FLOATS(64, K) * 4);
    float *y = xmalloc(ny * 4), *y2 = xmalloc(ny * 4), *sc = xmalloc(64 * 4), *sh = xmalloc(64 * 4);
    float *scratch = xmalloc(xnrt_conv_scratch_floats(3, 224, 224, 64, 7, 7, 112, 112, 2, 2, 1, 1, 3, 3, 1) * 4);
    xnrt_epi e;
    BenchDnnl *d;
    Timing tx, td;
    char impl[128];
    double err = 0, ymax = 0;
    size_t j;
    int same_pack, same_out = 1, bad = 0;
    for (j = 0; j < nx; j++)
        x[j] = bench_rnd();
    for (j = 0; j < nw; j++)
        w[j] = fl_param(FL_STEM_W, (uint32_t)j);
    for (j = 0; j < 64; j++) {
        sc[j] = 1.0f + fl_param(FL_STEM_SCALE, (uint32_t)j);
        sh[j] = fl_param(FL_STEM_SHIFT, (uint32_t)j);
    }
    xnrt_conv_pack_weights(w, 64, 3, 7, 7, 1, wp);
    same_pack = fl_stem_wp_n == XNRT_SGEMM_PACKED_FLOATS(64, K) && memcmp(wp, fl_stem_wp, fl_stem_wp_n * 4) == 0;
    memset(&e, 0, sizeof e);
    e.scale = sc;
    e.bias = sh;
    g_x = x, g_y = y;
    run_stem(NULL);
    xnrt_conv2d(x, wp, y2, scratch, s.C, s.H, s.W, s.M, s.KH, s.KW, 112, 112, 2, 2, 1, 1, 3, 3, 1,
                XNRT_EPI_SCALE | XNRT_EPI_BIAS | XNRT_EPI_RELU, &e);
    same_out = memcmp(y, y2, ny * 4) == 0;
    d = bench_dnnl_new(&s, 0, 0, x, w);
    bench_dnnl_run(d);
    for (j = 0; j < ny; j++) {
        const float *o = bench_dnnl_out(d);
        const float v = o[j] * sc[j / P] + sh[j / P], ref = v > 0 ? v : 0;
        err = fabs((double)y[j] - ref) > err ? fabs((double)y[j] - ref) : err;
        ymax = fabs(ref) > ymax ? fabs(ref) : ymax;
    }
    bench_dnnl_free(d);
    printf("\nbench/float_layer.c, the stem as generated code will call it (literal sizes, static const packed\n"
           "weights from gen_float_layer, BN + ReLU in the epilogue):\n");
    printf("  packed bytes: gen_float_layer (built without -march) %s this program (%s)\n",
           same_pack ? "==" : "!= (MISMATCH)", xnrt_fisa());
    printf("  output: %s the run-time-sized call; max |y - oneDNN conv+BN+ReLU| = %.3g (max |y| %.3g)\n",
           same_out ? "==" : "!= (MISMATCH)", err, ymax);
    bad = !same_pack || !same_out || !(err <= 1e-5 * ymax);
    d = bench_dnnl_pick(&s, 0, x, w, impl, sizeof impl);
    time_pair(run_stem, NULL, bench_dnnl_run, d, &tx, &td);
    bench_dnnl_free(d);
    printf("  %-32s %9.1f %9.1f %8.1f %8.1f %6.2fx %6.2fx %6.2fx %5.1f%%  (oneDNN: conv alone, %s)\n",
           "stem conv+BN+ReLU", tx.median / 1e3, td.median / 1e3, 2.0 * ny * K / tx.cpu, 2.0 * ny * K / td.cpu,
           tx.median / td.median, tx.min / td.min, tx.cpu / td.cpu, 100.0 * 2.0 * ny * K / tx.cpu / peak, impl);
    free(x), free(w), free(wp), free(y), free(y2), free(sc), free(sh), free(scratch);
    return bad;
}

int main(int argc, char **argv)
{
    double peak;
    int i, bad = 0, quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    bench_one_thread(argv);
    if (quick)
        bench_min_seconds = 0.1;
    peak = peak_fma_gflops();
    printf("xnorcc float kernels, path %s; 1 thread (OMP_NUM_THREADS=1); median of >= 11 runs and >= %.1f s\n",
           xnrt_fisa(), bench_min_seconds);
    printf("Machine fp32 FMA peak (register-resident, 16 chains, best of 25): %.1f GFLOP/s\n\n", peak);
    printf("%-34s %9s %9s %8s %8s %7s %7s %7s %6s  %-6s %s\n", "layer", "xnorcc us", "oneDNN us", "GFLOP/s", "oneDNN",
           "x time", "min/min", "x cpu", "%peak", "algo", "oneDNN implementation");
    for (i = 0; i < NLAYERS; i++) {
        const Layer *l = &layers[i];
        const BenchConv *s = &l->s;
        const int OH = l->fc ? 1 : (s->H + s->pt + s->pb - s->dh * (s->KH - 1) - 1) / s->sh + 1;
        const int OW = l->fc ? 1 : (s->W + s->pl + s->pr - s->dw * (s->KW - 1) - 1) / s->sw + 1;
        const int K = s->C * s->KH * s->KW;
        const size_t nx = (size_t)s->C * s->H * s->W, nw = (size_t)s->M * K, ny = (size_t)s->M * OH * OW;
        const double flops = 2.0 * (double)ny * K;
        float *x = xmalloc(nx * 4), *w = xmalloc(nw * 4), *wp = xmalloc(XNRT_SGEMM_PACKED_FLOATS(s->M, K) * 4);
        size_t nsc = l->fc ? 0
                           : xnrt_conv_bwn_scratch_floats(s->C, s->H, s->W, s->M, s->KH, s->KW, OH, OW, s->sh, s->sw,
                                                          s->dh, s->dw, s->pt, s->pl, 1);
        uint8_t *wb = xmalloc(XNRT_BWN_CONV_WEIGHT_BYTES(s->M, s->C, s->KH, s->KW, 1));
        Run r;
        Timing tx, td;
        char impl[128];
        double err = 0, ymax = 0;
        size_t j;
        BenchDnnl *d;
        for (j = 0; j < nx; j++)
            x[j] = bench_rnd();
        for (j = 0; j < nw; j++)
            w[j] = bench_rnd();
        if (l->bwn) { /* alpha would be the epilogue's scale: the sums are of +-x */
            xnrt_bwn_conv_pack_weights(w, s->M, s->C, s->KH, s->KW, 1, wb);
            for (j = 0; j < nw; j++)
                w[j] = w[j] < 0.0f ? -1.0f : 1.0f;
        }
        xnrt_conv_pack_weights(w, s->M, s->C, s->KH, s->KW, 1, wp);
        r.l = l, r.OH = OH, r.OW = OW, r.x = x, r.wp = wp, r.wb = wb;
        r.y = xmalloc(ny * 4);
        r.scratch = xmalloc(nsc * 4);
        /* check against oneDNN, plain layouts, same data */
        d = bench_dnnl_new(s, 0, l->fc, x, w);
        bench_dnnl_run(d);
        run_xnorcc(&r);
        for (j = 0; j < ny; j++) {
            const double e = fabs((double)r.y[j] - bench_dnnl_out(d)[j]);
            err = e > err ? e : err;
            ymax = fabs(r.y[j]) > ymax ? fabs(r.y[j]) : ymax;
        }
        bench_dnnl_free(d);
        if (!(err <= 1e-5 * ymax)) {
            printf("%-36s MISMATCH: max |xnorcc - oneDNN| = %.3g, max |y| = %.3g\n", l->name, err, ymax);
            bad = 1;
        }
        d = bench_dnnl_pick(s, l->fc, x, w, impl, sizeof impl);
        time_pair(run_xnorcc, &r, bench_dnnl_run, d, &tx, &td);
        bench_dnnl_free(d);
        printf("%-34s %9.1f %9.1f %8.1f %8.1f %6.2fx %6.2fx %6.2fx %5.1f%%  %-6s %s\n", l->name, tx.median / 1e3,
               td.median / 1e3, flops / tx.cpu, flops / td.cpu, tx.median / td.median, tx.min / td.min,
               tx.cpu / td.cpu, 100.0 * flops / tx.cpu / peak, algo_name(l, OH, OW), impl);
        if (i == 5)
            printf("  (float ResNet-18 3x3 convs, for reference:)\n");
        if (i == 12)
            printf("  (BWN layers: 1-bit weights expanded per K block; oneDNN fp32 on the +-1 weights:)\n");
        free(x), free(w), free(wp), free(wb), free(r.y), free(r.scratch);
    }
    bad |= stem_example(peak);
    printf("\nRuns of xnorcc and oneDNN alternate.  us: median wall time.  x time: xnorcc median / oneDNN median\n"
           "(issue 9's target: <= 1.30x for the first six rows); min/min: the same for the fastest runs; x cpu: the\n"
           "same for the medians of the thread's CPU time (not inflated by time slices lost to other processes);\n"
           "GFLOP/s = 2*MACs / median CPU time; %%peak: xnorcc's GFLOP/s of the FMA peak.  oneDNN keeps the faster\n"
           "of plain (NCHW) and its preferred blocked layouts.\n");
    return bad;
}
