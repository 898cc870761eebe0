/* oneDNN fp32 primitives for the benchmarks. */
#ifndef BENCH_DNNL_PRIMS_H
#define BENCH_DNNL_PRIMS_H

#include "timing.h"
/* A oneDNN fp32 convolution (or, with KH = KW = H = W = 1 and no stride,
 * an inner product) of one image, ready to run. */
typedef struct BenchDnnl BenchDnnl;
typedef struct {
    int C, H, W, M, KH, KW, sh, sw, pt, pl, pb, pr, dh, dw; /* dh, dw: ONNX dilation (1 = none) */
} BenchConv;

/* any = 1: oneDNN's preferred (blocked) layouts, filled with random data;
 * any = 0: NCHW/OIHW filled from x and w.  ip = 1: an inner product
 * (fully connected: C inputs, M outputs) instead of a conv. */
BenchDnnl *bench_dnnl_new(const BenchConv *s, int any, int ip, const float *x, const float *w);
void bench_dnnl_run(void *d);
/* Output of the last run (NCHW when any = 0). */
const float *bench_dnnl_out(BenchDnnl *d);
const char *bench_dnnl_impl(BenchDnnl *d);
void bench_dnnl_free(BenchDnnl *d);
/* Times both layouts, keeps the faster; impl gets "<impl>, <layout>". */
Timing bench_dnnl_best(const BenchConv *s, int ip, const float *x, const float *w, char *impl, size_t nimpl);
/* The faster of the two layouts (timed briefly), ready to run; impl as above. */
BenchDnnl *bench_dnnl_pick(const BenchConv *s, int ip, const float *x, const float *w, char *impl, size_t nimpl);

#endif
