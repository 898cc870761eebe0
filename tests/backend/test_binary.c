/* Binary layers compiled onto the runtime's XNOR-popcount kernels, against
 * the interpreter: hand-built BinConv/BinGemm layers (pad_value 0/+1/-1,
 * strides, dilation, groups, channel counts around word boundaries, batch 2,
 * odd sizes, 1x1/3x3/5x5 kernels, with and without A and B, xnor and bwn),
 * many layers per graph so that one generated file covers them all. Each
 * file is built for the portable (gcc), AVX2 (gcc) and native, AVX-512 (gcc
 * and clang) paths at -O2, and every program's outputs must equal
 * interp_run's bit for bit: xnor inputs are +-1 (exact integer sums), bwn
 * inputs are multiples of 1/4 (exact float sums in any order). The bwn
 * layers on arbitrary floats (one conv, two gemms) are compared within 1e-5.
 * The golden tests build the bin_* models in the other configurations
 * (clang portable, -O0).
 *
 * test_backend_binary xnor|bwn|extra checks one of the three graphs, so that
 * CTest runs them in parallel. With XN_TEST_PROGRAMS=one in the environment
 * (the sanitized builds: the programs would be the same plain-cc builds as
 * the normal build's) only the first build (gcc -O2) is made and checked. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/emit.h"
#include "driver/pipeline.h"
#include "interp/interp.h"

typedef struct Case {
  int gemm;                            /* BinGemm (R = N rows of F = C features) */
  int xnor;                            /* input through a BinActiv */
  int N, C, H, W, M, KH, KW, sh, sw, dh, dw, pt, pl, pb, pr, G, pv;
  int has_a, has_b;
  int y_out;                           /* xnor: the BinActiv's Y is also a graph output (no fusion) */
  int rough;                           /* bwn: arbitrary float inputs (tolerance, not bits) */
  int oned;                            /* NCW input (1-D conv, H = 1) */
} Case;

#define CONV(x, N, C, H, W, M, K, s, d, p, G, pv, a, b) \
  {0, x, N, C, H, W, M, K, K, s, s, d, d, p, p, p, p, G, pv, a, b, 0, 0, 0}

static const Case xnor_convs[] = {
    /* xnor: N C H W M K s d p G pv A B */
    CONV(1, 1, 1, 5, 5, 3, 3, 1, 1, 1, 1, 0, 0, 0),
    CONV(1, 1, 3, 7, 7, 8, 3, 1, 1, 1, 1, 1, 1, 1),
    CONV(1, 1, 63, 6, 5, 9, 3, 2, 1, 1, 1, -1, 0, 1),
    CONV(1, 1, 64, 8, 8, 16, 3, 1, 1, 1, 1, 0, 1, 0),
    CONV(1, 2, 65, 5, 7, 13, 3, 1, 1, 1, 1, 0, 1, 1),
    CONV(1, 1, 70, 9, 9, 8, 5, 2, 1, 2, 1, 1, 1, 1),
    CONV(1, 1, 256, 6, 6, 16, 3, 1, 1, 1, 1, 0, 1, 1),
    CONV(1, 1, 256, 5, 5, 8, 1, 1, 1, 0, 1, 0, 0, 0),
    CONV(1, 2, 128, 7, 7, 24, 3, 1, 2, 2, 2, 0, 1, 1),
    CONV(1, 1, 70, 11, 9, 10, 3, 2, 2, 2, 2, -1, 1, 0),
    CONV(1, 1, 4, 4, 4, 4, 3, 1, 1, 1, 4, 1, 0, 1),  /* depthwise */
    CONV(1, 2, 3, 13, 11, 5, 5, 1, 1, 2, 1, 0, 1, 1),
    CONV(1, 1, 64, 14, 14, 16, 3, 1, 1, 1, 1, 1, 0, 0),
    CONV(1, 1, 33, 3, 3, 9, 5, 1, 1, 2, 1, 0, 1, 1), /* window larger than the image */
};

static const Case bwn_convs[] = {
    /* bwn: N C H W M K s d p G pv A B */
    CONV(0, 1, 1, 5, 5, 3, 3, 1, 1, 1, 1, 0, 0, 0),
    CONV(0, 1, 3, 7, 7, 8, 3, 1, 1, 1, 1, 1, 1, 1),
    CONV(0, 2, 63, 6, 5, 9, 3, 2, 1, 1, 1, -1, 0, 1),
    CONV(0, 1, 65, 5, 7, 13, 3, 1, 1, 1, 1, 0, 1, 1),
    CONV(0, 1, 70, 9, 9, 8, 5, 2, 1, 2, 1, 1, 1, 0),
    CONV(0, 1, 256, 5, 5, 8, 1, 1, 1, 0, 1, 0, 0, 1),
    CONV(0, 2, 128, 7, 7, 24, 3, 1, 2, 2, 2, 0, 1, 1),
    CONV(0, 1, 70, 11, 9, 10, 3, 2, 2, 2, 2, -1, 1, 0),
    CONV(0, 1, 64, 8, 8, 16, 3, 1, 1, 1, 1, 0, 1, 1),
    /* outputs at least 32 wide: xnrt_conv2d_bwn's direct algorithm (padded copy by column phase) */
    CONV(0, 1, 8, 5, 34, 9, 3, 1, 1, 1, 1, 0, 0, 0),
    CONV(0, 2, 5, 6, 70, 12, 3, 2, 1, 1, 1, 0, 0, 1),
};

/* Extra layers that CONV() cannot say. */
#define GEMM(x, N, F, M, a, b, rough) {1, x, N, F, 1, 1, M, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, a, b, 0, rough, 0}
static const Case extra[] = {
    /* xnor conv whose BinActiv output is also a graph output: packs +-1 floats */
    {0, 1, 2, 64, 6, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0},
    /* asymmetric pads and strides, non-square kernel */
    {0, 1, 1, 20, 9, 8, 12, 3, 2, 2, 1, 1, 1, 0, 1, 2, 0, 1, 1, 1, 1, 0, 0, 0},
    {0, 0, 1, 20, 9, 8, 12, 3, 2, 2, 1, 1, 1, 0, 1, 2, 0, 1, -1, 1, 1, 0, 0, 0},
    /* 1-D (NCW), dilation 2 */
    {0, 1, 2, 65, 1, 17, 9, 1, 3, 1, 1, 1, 2, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1},
    {0, 0, 2, 65, 1, 17, 9, 1, 3, 1, 1, 1, 2, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1},
    /* bwn on arbitrary floats */
    {0, 0, 1, 64, 6, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0},
    /* BinGemm: N rows of F features, M outputs */
    GEMM(1, 1, 1, 3, 1, 0, 0),
    GEMM(1, 3, 63, 5, 1, 1, 0),
    GEMM(1, 2, 64, 8, 1, 0, 0),
    GEMM(1, 2, 65, 9, 0, 1, 0),
    GEMM(1, 4, 513, 7, 1, 1, 0),
    GEMM(0, 3, 63, 5, 1, 1, 0),
    GEMM(0, 2, 130, 9, 0, 1, 0),
    GEMM(0, 1, 1, 2, 1, 0, 0),
    GEMM(0, 2, 70, 6, 0, 0, 1),
    GEMM(0, 2, 300, 6, 1, 1, 1),
};

static uint32_t rng = 12345;
static float urand(void) { /* [-1, 1) */
  rng = rng * 1664525u + 1013904223u;
  return (float)(rng >> 8) / 8388608.0f - 1.0f;
}
static float quarter(void) { /* a nonzero multiple of 1/4 in [-2, 2] */
  float v = floorf(urand() * 8.0f) / 4.0f;
  return v == 0.0f ? 0.25f : v;
}

static void put_floats(StrBuf *b, int64_t n, float (*gen)(void)) {
  sb_puts(b, " = [");
  for (int64_t i = 0; i < n; i++)
    sb_printf(b, "%s%a", i ? ", " : "", (double)gen());
  sb_puts(b, "]");
}

/* Appends case k's tensors and node(s) to t, its inputs to ins and outputs to outs. */
static void add_case(StrBuf *t, StrBuf *ins, StrBuf *outs, const Case *c, int k) {
  int N = c->N, C = c->C, H = c->H, W = c->W;
  char xs[64], ws[64];
  if (c->gemm)
    snprintf(xs, sizeof xs, "[%d, %d]", N, C);
  else if (c->oned)
    snprintf(xs, sizeof xs, "[%d, %d, %d]", N, C, W);
  else
    snprintf(xs, sizeof xs, "[%d, %d, %d, %d]", N, C, H, W);
  sb_printf(t, "tensor \"x%d\": float32%s;\n", k, xs);
  sb_printf(ins, "%s\"x%d\"", ins->len ? ", " : "", k);
  if (c->gemm)
    snprintf(ws, sizeof ws, "[%d, %d]", c->M, C);
  else if (c->oned)
    snprintf(ws, sizeof ws, "[%d, %d, %d]", c->M, C / c->G, c->KW);
  else
    snprintf(ws, sizeof ws, "[%d, %d, %d, %d]", c->M, C / c->G, c->KH, c->KW);
  int64_t nw = (int64_t)c->M * (c->gemm ? C : C / c->G * c->KH * c->KW);
  sb_printf(t, "tensor \"w%d\": float32%s", k, ws);
  put_floats(t, nw, urand);
  sb_puts(t, ";\n");
  if (c->has_b) {
    sb_printf(t, "tensor \"b%d\": float32[%d]", k, c->M);
    put_floats(t, c->M, c->rough ? urand : quarter);
    sb_puts(t, ";\n");
  }
  const char *src = "x";
  if (c->xnor) {
    sb_printf(t, "tensor \"s%d\": float32[*];\n", k);
    if (c->has_a)
      sb_printf(t, "tensor \"a%d\": float32[*];\n", k);
    sb_printf(t, "node xnor.BinActiv \"act%d\" (\"x%d\") -> (\"s%d\"", k, k, k);
    if (c->has_a)
      sb_printf(t, ", \"a%d\"", k);
    sb_puts(t, ");\n");
    src = "s";
    if (c->y_out)
      sb_printf(outs, "%s\"s%d\"", outs->len ? ", " : "", k);
  } else if (c->has_a) {
    if (c->gemm)
      sb_printf(t, "tensor \"a%d\": float32[%d, 1];\n", k, N);
    else if (c->oned)
      sb_printf(t, "tensor \"a%d\": float32[%d, 1, %d];\n", k, N, W);
    else
      sb_printf(t, "tensor \"a%d\": float32[%d, 1, %d, %d];\n", k, N, H, W);
    sb_printf(ins, ", \"a%d\"", k);
  }
  sb_printf(t, "tensor \"y%d\": float32[*];\n", k);
  sb_printf(outs, "%s\"y%d\"", outs->len ? ", " : "", k);
  sb_printf(t, "node xnor.%s \"l%d\" (\"%s%d\", \"w%d\", ", c->gemm ? "BinGemm" : "BinConv", k, src, k, k);
  if (c->has_b)
    sb_printf(t, "\"b%d\"", k);
  else
    sb_puts(t, "_");
  if (c->has_a)
    sb_printf(t, ", \"a%d\"", k);
  sb_puts(t, ") -> (\"y");
  sb_printf(t, "%d\")", k);
  if (!c->gemm) {
    if (c->oned)
      sb_printf(t, " {kernel_shape: ints [%d], strides: ints [%d], dilations: ints [%d], pads: ints [%d, %d], ",
                c->KW, c->sw, c->dw, c->pl, c->pr);
    else
      sb_printf(t, " {kernel_shape: ints [%d, %d], strides: ints [%d, %d], dilations: ints [%d, %d], "
                   "pads: ints [%d, %d, %d, %d], ",
                c->KH, c->KW, c->sh, c->sw, c->dh, c->dw, c->pt, c->pl, c->pb, c->pr);
    sb_printf(t, "group: int %d, pad_value: int %d}", c->G, c->pv);
  }
  sb_puts(t, ";\n");
}

static int write_raw(const char *path, const float *x, int64_t n) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t w = fwrite(x, 4, (size_t)n, f);
  return fclose(f) || w != (size_t)n ? -1 : 0;
}

static float *read_raw(Arena *a, const char *path, int64_t n) {
  float *x = arena_array(a, (size_t)n + 1, 4);
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t r = fread(x, 4, (size_t)n + 1, f);
  fclose(f);
  return r == (size_t)n ? x : NULL;
}

/* Builds one graph of the given cases, runs the interpreter, compiles the
 * generated C in every variant and compares. */
static void check_cases(const Case *cs, int n, const char *tag) {
  Arena *a = arena_new();
  StrBuf t, ins, outs;
  sb_init(&t, a);
  sb_init(&ins, a);
  sb_init(&outs, a);
  sb_puts(&t, "graph \"bin_kernels\" opset 13, xnor 1;\n");
  for (int k = 0; k < n; k++)
    add_case(&t, &ins, &outs, &cs[k], k);
  sb_printf(&t, "inputs %s;\noutputs %s;\n", ins.s, outs.s);

  char dir[4096], path[4200], cmd[16384];
  const char *tmp = getenv("XN_TEST_TMP");
  snprintf(dir, sizeof dir, "%s/bin_kernels_%s", tmp ? tmp : ".", tag);
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  ck_assert_int_eq(system(cmd), 0);
  snprintf(path, sizeof path, "%s/model.xir", dir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(t.s, f);
  fclose(f);

  Graph *g = graph_new(path);
  Diag d;
  diag_init(&d, path);
  LoadOptions lo = {NULL, 0};
  int rc = pipeline_lower(g, t.s, t.len, &lo, &d);
  if (rc)
    diag_print(&d, stderr);
  ck_assert_int_eq(rc, 0);

  /* Inputs: xnor layers and arbitrary-float bwn layers any floats; other bwn
   * layers multiples of 1/4; A maps positive multiples of 1/4. */
  const float **in = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof *in);
  float **ref = arena_array(g->arena, (size_t)g->noutputs + 1, sizeof *ref);
  StrBuf args;
  sb_init(&args, g->arena);
  for (int i = 0; i < g->ninputs; i++) {
    Tensor *x = &g->t[g->inputs[i]];
    int k = atoi(x->name + 1);
    int64_t m = tensor_numel(x);
    float *v = arena_array(g->arena, (size_t)m + 1, 4);
    for (int64_t j = 0; j < m; j++) {
      if (x->name[0] == 'a')
        v[j] = fabsf(quarter());
      else
        v[j] = cs[k].xnor || cs[k].rough ? urand() : quarter();
    }
    in[i] = v;
    snprintf(path, sizeof path, "%s/in%d.bin", dir, i);
    ck_assert_int_eq(write_raw(path, v, m), 0);
    sb_printf(&args, " in%d.bin", i);
  }
  for (int j = 0; j < g->noutputs; j++) {
    ref[j] = arena_array(g->arena, (size_t)tensor_numel(&g->t[g->outputs[j]]) + 1, 4);
    sb_printf(&args, " out%d.bin", j);
  }
  rc = interp_run(g, &d, in, ref);
  if (rc)
    diag_print(&d, stderr);
  ck_assert_int_eq(rc, 0);

  StrBuf c, h;
  EmitOptions o = {"net", "net.h", 1, WS_AUTO, 0};
  sb_init(&c, g->arena);
  sb_init(&h, g->arena);
  rc = emit_c(g, &d, &o, &c, &h);
  if (rc)
    diag_print(&d, stderr);
  ck_assert_int_eq(rc, 0);
  /* every layer went onto the runtime, none stayed float loops */
  int calls = 0;
  static const char *const kernels[] = {"xnrt_bconv2d(", "xnrt_conv2d_bwn(", "xnrt_bgemm(", "xnrt_sgemm_bwn("};
  for (int q = 0; q < 4; q++)
    for (const char *p = c.s; (p = strstr(p, kernels[q])) != NULL; p++)
      calls++;
  ck_assert_int_eq(calls, n);
  snprintf(path, sizeof path, "%s/net.c", dir);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(c.s, f);
  fclose(f);
  snprintf(path, sizeof path, "%s/net.h", dir);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(h.s, f);
  fclose(f);

  /* One build per ISA path and compiler pair that matters; clang -O2 on the
   * portable path and -O0 builds are covered by the golden tests. */
  static const char *const variants[][2] = {
      {"gcc", "-O2"},
      {"gcc", "-O2 -march=native"},
      {"gcc", "-O2 -mavx2 -mpopcnt -mno-avx512f"},
      {"clang", "-O2 -march=native"},
  };
  const char *programs = getenv("XN_TEST_PROGRAMS");
  size_t nvariants = programs && !strcmp(programs, "one") ? 1 : sizeof variants / sizeof *variants;
  for (size_t v = 0; v < nvariants; v++) {
    snprintf(cmd, sizeof cmd,
             "command -v %s >/dev/null || exit 0; cd '%s' && %s -std=c99 -Wall -Wextra -Werror -pedantic %s "
             "-I'%s/runtime/include' net.c -o net -lm && ./net%s",
             variants[v][0], dir, variants[v][0], variants[v][1], XN_SOURCE_DIR, args.s);
    ck_assert_msg(system(cmd) == 0, "%s %s: build or run failed (%s)", variants[v][0], variants[v][1], dir);
    for (int j = 0; j < g->noutputs; j++) {
      Tensor *y = &g->t[g->outputs[j]];
      int64_t m = tensor_numel(y);
      int k = atoi(y->name + 1);
      snprintf(path, sizeof path, "%s/out%d.bin", dir, j);
      const float *got = read_raw(g->arena, path, m);
      ck_assert_ptr_nonnull(got);
      for (int64_t i = 0; i < m; i++) {
        if (cs[k].rough)
          ck_assert_msg(fabsf(got[i] - ref[j][i]) <= 1e-5f * (1.0f + fabsf(ref[j][i])),
                        "%s %s: layer %d (%s) y[%lld] = %a, interpreter %a", variants[v][0], variants[v][1], k,
                        y->name, (long long)i, (double)got[i], (double)ref[j][i]);
        else
          ck_assert_msg(memcmp(&got[i], &ref[j][i], 4) == 0, "%s %s: layer %d (%s) y[%lld] = %a, interpreter %a",
                        variants[v][0], variants[v][1], k, y->name, (long long)i, (double)got[i],
                        (double)ref[j][i]);
      }
    }
  }
  diag_free(&d);
  graph_free(g);
  arena_free(a);
}

#define NCASES(a) ((int)(sizeof a / sizeof *a))

START_TEST(xnor_layers) { check_cases(xnor_convs, NCASES(xnor_convs), "xnor"); }
END_TEST

START_TEST(bwn_layers) { check_cases(bwn_convs, NCASES(bwn_convs), "bwn"); }
END_TEST

START_TEST(extra_layers) { check_cases(extra, NCASES(extra), "extra"); }
END_TEST

int main(int argc, char **argv) {
  const char *part = argc > 1 ? argv[1] : "all";
  Suite *s = suite_create("backend_binary");
  TCase *tc = tcase_create("kernels");
  tcase_set_timeout(tc, 300);
  if (!strcmp(part, "xnor") || !strcmp(part, "all"))
    tcase_add_test(tc, xnor_layers);
  if (!strcmp(part, "bwn") || !strcmp(part, "all"))
    tcase_add_test(tc, bwn_layers);
  if (!strcmp(part, "extra") || !strcmp(part, "all"))
    tcase_add_test(tc, extra_layers);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
