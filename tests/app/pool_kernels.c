/* pool_kernels.c - the runtime's split kernels (issue 13) give the bytes of
 * one thread at 2 and 3 threads: xnrt_bconv2d (direct and im2col paths,
 * groups, pad values), xnrt_bgemm, xnrt_conv2d (GEMM and DIRECT feeds, with
 * groups and the epilogues: none, BN+ReLU, residual+ReLU, bits over several
 * 64-filter words), its IM2COL feed (filters split per K block; several
 * column and K blocks), xnrt_conv2d_bwn on all three feeds, xnrt_sgemm,
 * xnrt_sgemv, xnrt_sgemm_bwn (GEMM and one row), xnrt_maxpool2d and
 * xnrt_avgpool2d (planes split).  Built by pool.sh with -DXNORCC_THREADS -DXNRT_PAR_MIN_WORK=1
 * -fsanitize=thread (every kernel that can split does).  Each case runs at 1
 * thread (the unsplit code), then at 2 and 3; the outputs (and the bit planes)
 * must be equal byte for byte, the pool must have run jobs for the kernels
 * that split and none at 1 thread.  Exit status 0 when all hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xnorcc_rt.h"

static uint64_t rs = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void) {
  rs ^= rs >> 12;
  rs ^= rs << 25;
  rs ^= rs >> 27;
  return rs * 2685821657736338717ULL;
}
static float rnd(void) { return (float)((double)(rng() >> 11) / 9007199254740992.0 * 2.0 - 1.0); }
static float *frand(size_t n) {
  float *a = malloc(n * sizeof *a);
  if (!a)
    exit(1);
  for (size_t i = 0; i < n; i++)
    a[i] = rnd();
  return a;
}
static void *zalloc(size_t n) {
  void *p = calloc(n ? n : 1, 1);
  if (!p)
    exit(1);
  return p;
}

static unsigned long jobs(void) {
  xnrt__pool_t *p = xnrt__pool();
  unsigned long g;
  pthread_mutex_lock(&p->mu);
  g = p->gen;
  pthread_mutex_unlock(&p->mu);
  return g;
}

static int bad = 0;

/* A case: run() writes its outputs into out (bytes), for the thread count set. */
typedef struct Case {
  const char *name;
  int splits; /* 1: must use the workers at 2+ threads */
  size_t bytes;
  void (*run)(struct Case *c, unsigned char *out);
  /* operands */
  int C, H, W, M, KH, KW, sh, sw, pt, pl, G, pad, flags, N, K;
  void *x, *w, *scratch;
  xnrt_epi e;
} Case;

static int outsz(int in, int k, int s, int p) { return XNRT_CONV_OUT(in, k, s, 1, p, p); }

static void run_bconv(Case *c, unsigned char *out) {
  const int OH = outsz(c->H, c->KH, c->sh, c->pt), OW = outsz(c->W, c->KW, c->sw, c->pl);
  xnrt_bconv2d(c->x, c->w, (int32_t *)(void *)out, c->scratch, c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW,
               c->sh, c->sw, 1, 1, c->pt, c->pl, c->G, c->pad);
}

static void run_bgemm(Case *c, unsigned char *out) {
  const int nw = XNRT_WORDS(c->K);
  xnrt_bgemm(c->x, nw, c->w, nw, c->N, c->M, c->K, (int32_t *)(void *)out, c->M, 1);
}

static void run_conv(Case *c, unsigned char *out) {
  const int OH = outsz(c->H, c->KH, c->sh, c->pt), OW = outsz(c->W, c->KW, c->sw, c->pl);
  const size_t ny = (size_t)c->M * OH * OW * sizeof(float);
  xnrt_epi e = c->e;
  memset(out, 0, c->bytes);
  e.bits = (uint64_t *)(void *)(out + ny);
  if (c->pad) /* BWN: 1-bit weights */
    xnrt_conv2d_bwn(c->x, c->w, (float *)(void *)out, c->scratch, c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW,
                    c->sh, c->sw, 1, 1, c->pt, c->pl, c->G, c->flags, &e);
  else
    xnrt_conv2d(c->x, c->w, (float *)(void *)out, c->scratch, c->C, c->H, c->W, c->M, c->KH, c->KW, OH, OW, c->sh,
                c->sw, 1, 1, c->pt, c->pl, c->G, c->flags, &e);
}

static void run_sgemm(Case *c, unsigned char *out) {
  xnrt_epi e = c->e;
  memset(out, 0, c->bytes);
  e.bits = (uint64_t *)(void *)(out + (size_t)c->M * c->N * sizeof(float));
  if (c->pad) /* BWN: 1-bit panels */
    xnrt_sgemm_bwn(c->M, c->N, c->K, c->w, c->x, (size_t)c->N, (float *)(void *)out, (size_t)c->N, c->scratch,
                   c->flags, &e);
  else if (c->N == 1)
    xnrt_sgemv(c->M, c->K, c->w, c->x, 1, (float *)(void *)out, 1, c->flags, &e);
  else
    xnrt_sgemm(c->M, c->N, c->K, c->w, c->x, (size_t)c->N, (float *)(void *)out, (size_t)c->N, c->flags, &e);
}

static void run_pool(Case *c, unsigned char *out) {
  const int OH = outsz(c->H, c->KH, c->sh, c->pt), OW = outsz(c->W, c->KW, c->sw, c->pl);
  if (c->pad) /* average, count_include_pad = flags */
    xnrt_avgpool2d(c->x, (float *)(void *)out, c->C, c->H, c->W, c->KH, c->KW, OH, OW, c->sh, c->sw, 1, 1, c->pt,
                   c->pl, c->pt, c->pl, c->flags);
  else
    xnrt_maxpool2d(c->x, (float *)(void *)out, c->C, c->H, c->W, c->KH, c->KW, OH, OW, c->sh, c->sw, 1, 1, c->pt,
                   c->pl);
}

static void check(Case *c) {
  unsigned char *ref = zalloc(c->bytes), *got = zalloc(c->bytes);
  xnrt_set_threads(1);
  unsigned long j0 = jobs();
  c->run(c, ref);
  if (jobs() != j0) {
    fprintf(stderr, "pool_kernels: %s: jobs at 1 thread\n", c->name);
    bad = 1;
  }
  for (int n = 2; n <= 3; n++) {
    xnrt_set_threads(n);
    unsigned long j1 = jobs();
    memset(got, 0xa5, c->bytes);
    c->run(c, got);
    if (memcmp(got, ref, c->bytes)) {
      fprintf(stderr, "pool_kernels: %s: %d threads differ from 1 thread\n", c->name, n);
      bad = 1;
    }
    if ((jobs() != j1) != c->splits) {
      fprintf(stderr, "pool_kernels: %s: %d threads: %s\n", c->name, n,
              c->splits ? "no job reached the workers" : "split, but should stay whole");
      bad = 1;
    }
  }
  printf("pool_kernels: %s: same bytes at 1, 2, 3 threads (%s)\n", c->name, c->splits ? "split" : "whole");
  free(ref);
  free(got);
}

static void bconv_case(const char *name, int C, int H, int W, int M, int K, int s, int p, int G, int pad) {
  Case c = {0};
  const int OH = outsz(H, K, s, p), OW = outsz(W, K, s, p), CWg = XNRT_WORDS(C / G);
  c.name = name, c.splits = 1, c.run = run_bconv;
  c.C = C, c.H = H, c.W = W, c.M = M, c.KH = c.KW = K, c.sh = c.sw = s, c.pt = c.pl = p, c.G = G, c.pad = pad;
  c.bytes = (size_t)M * OH * OW * sizeof(int32_t);
  uint64_t *x = zalloc((size_t)G * CWg * H * W * 8 + 64), *w = zalloc((size_t)M * K * K * CWg * 8);
  const uint64_t tail = (C / G) % 64 ? ((uint64_t)1 << ((C / G) % 64)) - 1 : ~(uint64_t)0;
  for (size_t i = 0; i < (size_t)G * CWg * H * W; i++)
    x[i] = rng() & ((i / ((size_t)H * W)) % CWg == (size_t)CWg - 1 ? tail : ~(uint64_t)0);
  for (size_t i = 0; i < (size_t)M * K * K * CWg; i++)
    w[i] = rng() & (i % CWg == (size_t)CWg - 1 ? tail : ~(uint64_t)0);
  c.x = x, c.w = w;
  c.scratch = zalloc(XNRT_BCONV_SCRATCH_WORDS(C / G, K, K, OH, OW) * 8 + 64);
  check(&c);
  free(x), free(w), free(c.scratch);
}

static void conv_case(const char *name, int splits, int C, int H, int W, int M, int K, int s, int p, int G,
                      int flags, int bwn) {
  Case c = {0};
  const int OH = outsz(H, K, s, p), OW = outsz(W, K, s, p), P = OH * OW, Cg = C / G, Mg = M / G;
  c.name = name, c.splits = splits, c.run = run_conv;
  c.C = C, c.H = H, c.W = W, c.M = M, c.KH = c.KW = K, c.sh = c.sw = s, c.pt = c.pl = p, c.G = G;
  c.flags = flags, c.pad = bwn;
  c.bytes = (size_t)M * P * sizeof(float) + (size_t)G * XNRT_WORDS(Mg) * P * 8;
  float *wf = frand((size_t)M * Cg * K * K);
  c.x = frand((size_t)C * H * W);
  if (bwn) {
    c.w = zalloc(XNRT_BWN_CONV_WEIGHT_BYTES(M, Cg, K, K, G));
    xnrt_bwn_conv_pack_weights(wf, M, Cg, K, K, G, c.w);
    c.scratch = zalloc(xnrt_conv_bwn_scratch_floats(C, H, W, M, K, K, OH, OW, s, s, 1, 1, p, p, G) * 4);
  } else {
    c.w = zalloc(XNRT_CONV_WEIGHT_FLOATS(M, Cg, K, K, G) * sizeof(float));
    xnrt_conv_pack_weights(wf, M, Cg, K, K, G, c.w);
    c.scratch = zalloc(xnrt_conv_scratch_floats(C, H, W, M, K, K, OH, OW, s, s, 1, 1, p, p, G) * 4);
  }
  float *scale = frand((size_t)M), *bias = frand((size_t)M), *res = frand((size_t)M * P);
  float *tlo = frand((size_t)M), *thi = frand((size_t)M);
  for (int m = 0; m < M; m++)
    thi[m] = tlo[m] + 1.0f;
  c.e.scale = scale, c.e.bias = bias, c.e.res = res, c.e.tlo = tlo, c.e.thi = thi;
  check(&c);
  free(wf), free(c.x), free(c.w), free(c.scratch), free(scale), free(bias), free(res), free(tlo), free(thi);
}

static void sgemm_case(const char *name, int M, int N, int K, int flags, int bwn) {
  Case c = {0};
  c.name = name, c.splits = 1, c.run = run_sgemm, c.M = M, c.N = N, c.K = K, c.flags = flags, c.pad = bwn;
  c.bytes = (size_t)M * N * sizeof(float) + (size_t)XNRT_WORDS(M) * N * 8;
  float *a = frand((size_t)M * K);
  if (bwn) {
    c.w = zalloc(XNRT_BWN_PACKED_BYTES(M, K));
    xnrt_bwn_pack(a, M, K, K, 1, c.w);
    c.scratch = zalloc(XNRT_SGEMM_BWN_SCRATCH_FLOATS * sizeof(float));
  } else {
    c.w = zalloc(XNRT_SGEMM_PACKED_FLOATS(M, K) * sizeof(float));
    xnrt_sgemm_pack(a, M, K, K, 1, c.w);
  }
  c.x = frand((size_t)K * N);
  float *scale = frand((size_t)M), *bias = frand((size_t)M), *res = frand((size_t)M * N);
  float *tlo = frand((size_t)M), *thi = frand((size_t)M);
  for (int m = 0; m < M; m++)
    thi[m] = tlo[m] + 1.0f;
  c.e.scale = scale, c.e.bias = bias, c.e.res = res, c.e.tlo = tlo, c.e.thi = thi;
  check(&c);
  free(a), free(c.w), free(c.x), free(c.scratch), free(scale), free(bias), free(res), free(tlo), free(thi);
}

static void pool_case(const char *name, int NC, int H, int W, int K, int s, int p, int avg, int incl) {
  Case c = {0};
  c.name = name, c.splits = 1, c.run = run_pool, c.C = NC, c.H = H, c.W = W, c.KH = c.KW = K, c.sh = c.sw = s;
  c.pt = c.pl = p, c.pad = avg, c.flags = incl;
  c.bytes = (size_t)NC * outsz(H, K, s, p) * outsz(W, K, s, p) * sizeof(float);
  c.x = frand((size_t)NC * H * W);
  check(&c);
  free(c.x);
}

int main(void) {
  const int BN = XNRT_EPI_SCALE | XNRT_EPI_BIAS | XNRT_EPI_RELU;
  const int ADD = XNRT_EPI_BIAS | XNRT_EPI_ADD | XNRT_EPI_RELU;
  const int BITS = XNRT_EPI_SCALE | XNRT_EPI_BIAS | XNRT_EPI_BITS;
  bconv_case("bconv 3x3 s1 pad 0 (direct path)", 64, 9, 9, 44, 3, 1, 1, 1, 0);
  bconv_case("bconv 3x3 s1 pad -1, 100 channels", 100, 7, 7, 27, 3, 1, 1, 1, -1);
  bconv_case("bconv 3x3 s2 pad +1 (im2col path)", 128, 10, 10, 36, 3, 2, 1, 1, 1);
  bconv_case("bconv 1x1 s2, 2 groups", 128, 8, 8, 48, 1, 2, 0, 2, 0);
  {
    Case c = {0};
    const int F = 300, N = 3, M = 45, nw = XNRT_WORDS(F);
    uint64_t *a = zalloc((size_t)N * nw * 8), *b = zalloc((size_t)M * nw * 8);
    for (int i = 0; i < N * nw; i++)
      a[i] = rng() & (i % nw == nw - 1 ? ((uint64_t)1 << (F % 64)) - 1 : ~(uint64_t)0);
    for (int i = 0; i < M * nw; i++)
      b[i] = rng() & (i % nw == nw - 1 ? ((uint64_t)1 << (F % 64)) - 1 : ~(uint64_t)0);
    c.name = "bgemm 3 x 45 x 300 bits", c.splits = 1, c.run = run_bgemm, c.N = N, c.M = M, c.K = F;
    c.bytes = (size_t)N * M * 4, c.x = a, c.w = b;
    check(&c);
    free(a), free(b);
  }
  conv_case("conv 1x1 GEMM feed, M 70", 1, 20, 8, 8, 70, 1, 1, 0, 1, 0, 0);
  conv_case("conv 1x1 GEMM feed, BN+ReLU, 2 groups", 1, 24, 6, 6, 68, 1, 1, 0, 2, BN, 0);
  conv_case("conv 7x7 s2 DIRECT feed (stem), BN+ReLU", 1, 3, 40, 70, 40, 7, 2, 3, 1, BN, 0);
  conv_case("conv 3x3 DIRECT, residual+ReLU", 1, 5, 6, 34, 50, 3, 1, 1, 1, ADD, 0);
  conv_case("conv 3x3 DIRECT, bits, M 150", 1, 4, 5, 33, 150, 3, 1, 1, 1, BITS, 0);
  conv_case("conv 3x3 IM2COL feed, BN+ReLU", 1, 8, 9, 9, 40, 3, 1, 1, 1, BN, 0);
  /* 30 channels x 9 taps = 270 > one K block; 22 x 22 = 484 positions > one column block */
  conv_case("conv 3x3 IM2COL, 2 K and 2 column blocks, residual+ReLU", 1, 30, 22, 22, 50, 3, 1, 1, 1, ADD, 0);
  conv_case("conv 3x3 IM2COL, bits, M 140, 2 groups", 1, 8, 12, 12, 140, 3, 1, 1, 2, BITS, 0);
  conv_case("conv 1x1 s2 IM2COL (shortcut), BN", 1, 40, 14, 14, 48, 1, 2, 0, 1, XNRT_EPI_SCALE | XNRT_EPI_BIAS, 0);
  conv_case("conv 3x3 DIRECT BWN, BN+ReLU", 1, 4, 6, 34, 40, 3, 1, 1, 1, BN, 1);
  conv_case("conv 3x3 IM2COL BWN, 2 K blocks, BN+ReLU", 1, 32, 10, 10, 44, 3, 1, 1, 1, BN, 1);
  conv_case("conv 1x1 GEMM feed BWN, bits, M 130", 1, 16, 7, 7, 130, 1, 1, 0, 1, BITS, 1);
  sgemm_case("sgemm 70 x 50 x 300", 70, 50, 300, 0, 0);
  sgemm_case("sgemm 130 x 40 x 20, bits", 130, 40, 20, BITS, 0);
  sgemm_case("sgemm 45 x 64 x 33, residual+ReLU", 45, 64, 33, ADD, 0);
  sgemm_case("sgemv 100 x 77, BN+ReLU", 100, 1, 77, BN, 0);
  sgemm_case("sgemm_bwn 70 x 50 x 300, BN+ReLU", 70, 50, 300, BN, 1);
  sgemm_case("sgemm_bwn 100 x 1 x 600 (a row), BN+ReLU", 100, 1, 600, BN, 1);
  pool_case("maxpool 3x3 s2 pad 1 (the stem's), 7 planes", 7, 20, 37, 3, 2, 1, 0, 0);
  pool_case("avgpool 3x3 s1 pad 1, count_include_pad, 5 planes", 5, 9, 19, 3, 1, 1, 1, 1);
  if (!bad)
    printf("pool_kernels: all cases: same bytes at every thread count\n");
  return bad;
}
