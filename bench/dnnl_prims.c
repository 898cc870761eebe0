/* oneDNN fp32 primitives for the benchmarks (dnnl_prims.h). */
#define _POSIX_C_SOURCE 200809L
#include "dnnl_prims.h"

#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>

#define DN(call)                                                                   \
    do {                                                                           \
        dnnl_status_t st_ = (call);                                                \
        if (st_ != dnnl_success) {                                                 \
            fprintf(stderr, "bench: %s failed: status %d\n", #call, (int)st_);     \
            exit(1);                                                               \
        }                                                                          \
    } while (0)

struct BenchDnnl {
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    dnnl_primitive_t prim;
    dnnl_memory_t src, wei, dst;
    char impl[96];
};

static void fill(dnnl_memory_t m, int any, const float *v)
{
    const dnnl_memory_desc_t *md;
    float *h;
    size_t n, i;
    DN(dnnl_memory_get_data_handle(m, (void **)&h));
    DN(dnnl_memory_get_memory_desc(m, &md));
    n = dnnl_memory_desc_get_size(md) / 4;
    for (i = 0; i < n; i++)
        h[i] = any ? bench_rnd() : v[i];
}

BenchDnnl *bench_dnnl_new(const BenchConv *s, int any, int ip, const float *x, const float *w)
{
    BenchDnnl *d = xmalloc(sizeof *d);
    dnnl_memory_desc_t smd, wmd, dmd;
    dnnl_primitive_desc_t pd;
    const char *impl = NULL;
    DN(dnnl_engine_create(&d->eng, dnnl_cpu, 0));
    DN(dnnl_stream_create(&d->stream, d->eng, dnnl_stream_default_flags));
    if (ip) {
        const dnnl_dims_t sd = {1, s->C}, wd = {s->M, s->C}, dd = {1, s->M};
        dnnl_inner_product_desc_t ipd;
        DN(dnnl_memory_desc_init_by_tag(&smd, 2, sd, dnnl_f32, any ? dnnl_format_tag_any : dnnl_nc));
        DN(dnnl_memory_desc_init_by_tag(&wmd, 2, wd, dnnl_f32, any ? dnnl_format_tag_any : dnnl_oi));
        DN(dnnl_memory_desc_init_by_tag(&dmd, 2, dd, dnnl_f32, dnnl_nc));
        DN(dnnl_inner_product_forward_desc_init(&ipd, dnnl_forward_inference, &smd, &wmd, NULL, &dmd));
        DN(dnnl_primitive_desc_create(&pd, &ipd, NULL, d->eng, NULL));
    } else {
        const int OH = (s->H + s->pt + s->pb - s->dh * (s->KH - 1) - 1) / s->sh + 1;
        const int OW = (s->W + s->pl + s->pr - s->dw * (s->KW - 1) - 1) / s->sw + 1;
        const dnnl_dims_t sd = {1, s->C, s->H, s->W}, wd = {s->M, s->C, s->KH, s->KW}, dd = {1, s->M, OH, OW};
        const dnnl_dims_t st = {s->sh, s->sw}, dil = {s->dh - 1, s->dw - 1}, p0 = {s->pt, s->pl}, p1 = {s->pb, s->pr};
        dnnl_convolution_desc_t cd;
        DN(dnnl_memory_desc_init_by_tag(&smd, 4, sd, dnnl_f32, any ? dnnl_format_tag_any : dnnl_nchw));
        DN(dnnl_memory_desc_init_by_tag(&wmd, 4, wd, dnnl_f32, any ? dnnl_format_tag_any : dnnl_oihw));
        DN(dnnl_memory_desc_init_by_tag(&dmd, 4, dd, dnnl_f32, any ? dnnl_format_tag_any : dnnl_nchw));
        DN(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_auto, &smd,
                                                      &wmd, NULL, &dmd, st, dil, p0, p1));
        DN(dnnl_primitive_desc_create(&pd, &cd, NULL, d->eng, NULL));
    }
    DN(dnnl_memory_create(&d->src, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), d->eng,
                          DNNL_MEMORY_ALLOCATE));
    DN(dnnl_memory_create(&d->wei, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), d->eng,
                          DNNL_MEMORY_ALLOCATE));
    DN(dnnl_memory_create(&d->dst, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), d->eng,
                          DNNL_MEMORY_ALLOCATE));
    DN(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
    snprintf(d->impl, sizeof d->impl, "%s", impl ? impl : "?");
    DN(dnnl_primitive_create(&d->prim, pd));
    DN(dnnl_primitive_desc_destroy(pd));
    fill(d->src, any, x);
    fill(d->wei, any, w);
    return d;
}

void bench_dnnl_run(void *ctx)
{
    BenchDnnl *d = ctx;
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

const float *bench_dnnl_out(BenchDnnl *d)
{
    void *h;
    DN(dnnl_memory_get_data_handle(d->dst, &h));
    return h;
}

const char *bench_dnnl_impl(BenchDnnl *d) { return d->impl; }

void bench_dnnl_free(BenchDnnl *d)
{
    dnnl_primitive_destroy(d->prim);
    dnnl_memory_destroy(d->src);
    dnnl_memory_destroy(d->wei);
    dnnl_memory_destroy(d->dst);
    dnnl_stream_destroy(d->stream);
    dnnl_engine_destroy(d->eng);
    free(d);
}

Timing bench_dnnl_best(const BenchConv *s, int ip, const float *x, const float *w, char *impl, size_t nimpl)
{
    Timing best = {0, 0, 0, 0};
    int any;
    for (any = 0; any <= 1; any++) {
        BenchDnnl *d = bench_dnnl_new(s, any, ip, x, w);
        Timing t = time_it(bench_dnnl_run, d);
        if (best.reps == 0 || t.median < best.median) {
            best = t;
            snprintf(impl, nimpl, "%s, %s", bench_dnnl_impl(d), any ? "blocked" : "plain");
        }
        bench_dnnl_free(d);
    }
    return best;
}

BenchDnnl *bench_dnnl_pick(const BenchConv *s, int ip, const float *x, const float *w, char *impl, size_t nimpl)
{
    const double keep = bench_min_seconds;
    BenchDnnl *d[2];
    Timing t[2];
    int any;
    bench_min_seconds = keep / 4;
    for (any = 0; any <= 1; any++) {
        d[any] = bench_dnnl_new(s, any, ip, x, w);
        t[any] = time_it(bench_dnnl_run, d[any]);
    }
    bench_min_seconds = keep;
    any = t[1].median < t[0].median;
    snprintf(impl, nimpl, "%s, %s", bench_dnnl_impl(d[any]), any ? "blocked" : "plain");
    bench_dnnl_free(d[!any]);
    return d[any];
}
