/* test_fuse.c - pass_fuse (docs/fusion.md) against the interpreter on the
 * unfused graph. Every rewrite must leave every output bit-identical (binary
 * outputs by construction; the float blocks compute the BinConv formula
 * itself), on random inputs and on inputs built to sit exactly on a threshold:
 * a pre-activation equal to the BN mean (and its neighbouring floats), an
 * accumulator equal to the integer where the BN output is exactly 0.
 * Also: gamma < 0 and gamma = 0, 3 and 65 channels, zero-padded borders,
 * max-pool after a negative scale, K present and absent, C-B-A-P order, a
 * residual Add, a stack of blocks with only bit tensors between them, every
 * bin_* model, --report, the text IR round trip and two golden dumps. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "driver/npy.h"
#include "pass_test.h"
#include "xnorcc_rt.h"

/* ---- building graphs ---- */

static uint64_t rng = 88172645463325252ull;

static uint64_t next_u(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static float frand(float lo, float hi) {
  return lo + (hi - lo) * (float)((double)(next_u() >> 11) / 9007199254740992.0);
}

static int tmp(Graph *g, const char *name) { return pt_tensor(g, name, 0, NULL, NULL); }

static int vec(Graph *g, const char *name, int64_t n, const float *v) {
  float *d = arena_array(g->arena, (size_t)n + 1, sizeof *d);
  memcpy(d, v, (size_t)n * sizeof *d);
  return pt_tensor(g, name, 1, &n, d);
}

static void ints_attr(Graph *g, int ni, const char *name, int n, const int64_t *v) {
  Attr *a = node_add_attr(g, ni, name, AT_INTS, NULL);
  a->ints = arena_array(g->arena, (size_t)n, sizeof *a->ints);
  memcpy(a->ints, v, (size_t)n * sizeof *v);
  a->n = n;
}

static const char *nm(Graph *g, const char *base, const char *suffix) {
  return arena_printf(g->arena, "%s%s", base, suffix);
}

/* BatchNormalization over C channels with the given parameters. */
static int bn(Graph *g, const char *name, int x, int64_t C, const float *gamma, const float *beta, const float *mean,
              const float *var) {
  int in[5] = {x, vec(g, nm(g, name, ".g"), C, gamma), vec(g, nm(g, name, ".b"), C, beta),
               vec(g, nm(g, name, ".m"), C, mean), vec(g, nm(g, name, ".v"), C, var)};
  int y = tmp(g, nm(g, name, ".y"));
  pt_node(g, OP_BatchNormalization, name, 5, in, 1, &y);
  return y;
}

/* Random BN parameters; gamma[c] of sign sg[c % nsg] (0: gamma = 0). */
static int bn_rand(Graph *g, const char *name, int x, int64_t C, const int *sg, int nsg) {
  float gm[128], b[128], m[128], v[128];
  for (int64_t c = 0; c < C; c++) {
    int s = sg[c % nsg];
    gm[c] = s ? (float)s * frand(0.25f, 2.0f) : 0.0f;
    b[c] = frand(-0.5f, 0.5f);
    m[c] = frand(-0.5f, 0.5f);
    v[c] = frand(0.1f, 2.0f);
  }
  return bn(g, name, x, C, gm, b, m, v);
}

/* BinActiv; *a gets output A when a is not NULL. */
static int activ(Graph *g, const char *name, int x, int *a) {
  int out[2] = {tmp(g, nm(g, name, ".y")), a ? tmp(g, nm(g, name, ".a")) : -1};
  pt_node(g, OP_BinActiv, name, 1, &x, a ? 2 : 1, out);
  if (a)
    *a = out[1];
  return out[0];
}

/* BinConv 3x3, pads pad (zero padding), M filters over C channels with
 * +-alpha weights (alpha random, or 1 when unit), optional A. */
static int bconv(Graph *g, const char *name, int x, int64_t M, int64_t C, int pad, int unit, int a) {
  int64_t dims[4] = {M, C, 3, 3}, n = M * C * 9;
  float *w = arena_array(g->arena, (size_t)n, sizeof *w);
  for (int64_t m = 0; m < M; m++) {
    float al = unit ? 1.0f : frand(0.05f, 1.5f);
    for (int64_t j = 0; j < C * 9; j++)
      w[m * C * 9 + j] = next_u() >> 63 ? al : -al;
  }
  int in[4] = {x, pt_tensor(g, nm(g, name, ".w"), 4, dims, w), -1, a};
  int y = tmp(g, nm(g, name, ".y"));
  int ni = pt_node(g, OP_BinConv, name, a >= 0 ? 4 : 2, in, 1, &y);
  int64_t p[4] = {pad, pad, pad, pad}, k[2] = {3, 3};
  ints_attr(g, ni, "pads", 4, p);
  ints_attr(g, ni, "kernel_shape", 2, k);
  pt_attr_int(g, ni, "pad_value", 0);
  return y;
}

/* BinGemm: M x F +-alpha weights (alpha random, or 1 when unit), optional
 * bias of random values. */
static int bgemm(Graph *g, const char *name, int x, int64_t M, int64_t F, int unit, int bias) {
  int64_t dims[2] = {M, F};
  float *w = arena_array(g->arena, (size_t)(M * F), sizeof *w), bv[128];
  for (int64_t m = 0; m < M; m++) {
    float al = unit ? 1.0f : frand(0.05f, 1.5f);
    for (int64_t j = 0; j < F; j++)
      w[m * F + j] = next_u() >> 63 ? al : -al;
    bv[m] = frand(-2.0f, 2.0f);
  }
  int in[3] = {x, pt_tensor(g, nm(g, name, ".w"), 2, dims, w), bias ? vec(g, nm(g, name, ".b"), M, bv) : -1};
  int y = tmp(g, nm(g, name, ".y"));
  pt_node(g, OP_BinGemm, name, bias ? 3 : 2, in, 1, &y);
  return y;
}

static int unary(Graph *g, Op op, const char *name, int x) {
  int y = tmp(g, nm(g, name, ".y"));
  pt_node(g, op, name, 1, &x, 1, &y);
  return y;
}

/* Mul or Add by a constant of shape [C, 1, 1]. */
static int chan_op(Graph *g, Op op, const char *name, int x, int64_t C, const float *v) {
  int64_t dims[3] = {C, 1, 1};
  float *d = arena_array(g->arena, (size_t)C, sizeof *d);
  memcpy(d, v, (size_t)C * sizeof *d);
  int in[2] = {x, pt_tensor(g, nm(g, name, ".c"), 3, dims, d)};
  int y = tmp(g, nm(g, name, ".y"));
  pt_node(g, op, name, 2, in, 1, &y);
  return y;
}

static int maxpool(Graph *g, const char *name, int x) {
  int y = tmp(g, nm(g, name, ".y"));
  int ni = pt_node(g, OP_MaxPool, name, 1, &x, 1, &y);
  int64_t k[2] = {2, 2};
  ints_attr(g, ni, "kernel_shape", 2, k);
  ints_attr(g, ni, "strides", 2, k);
  return y;
}

static int add2(Graph *g, const char *name, int a, int b) {
  int in[2] = {a, b}, y = tmp(g, nm(g, name, ".y"));
  pt_node(g, OP_Add, name, 2, in, 1, &y);
  return y;
}

/* ---- running ---- */

static float **run(Graph *g, const float **in) {
  Diag d;
  diag_init(&d, "test.json");
  float **out = arena_array(g->arena, (size_t)g->noutputs + 1, sizeof *out);
  for (int i = 0; i < g->noutputs; i++)
    out[i] = arena_array(g->arena, (size_t)tensor_numel(&g->t[g->outputs[i]]) + 1, sizeof(float));
  ck_assert_msg(interp_run(g, &d, in, out) == 0, "%s", d.text);
  diag_free(&d);
  return out;
}

/* Random inputs in [-2, 2]; every third value of input 0 channel c is
 * tie[c % ntie] or one of its neighbouring floats (when tie is given). */
static const float **inputs(Graph *g, const float *tie, int ntie) {
  const float **in = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof *in);
  for (int i = 0; i < g->ninputs; i++) {
    const Tensor *t = &g->t[g->inputs[i]];
    int64_t n = tensor_numel(t), inner = t->rank > 2 ? n / (t->dims[0] * t->dims[1]) : 1;
    float *v = arena_array(g->arena, (size_t)n + 1, sizeof *v);
    for (int64_t k = 0; k < n; k++) {
      v[k] = frand(-2.0f, 2.0f);
      if (i == 0 && tie && k % 3 == 0) {
        float c = tie[(k / inner % t->dims[1]) % ntie];
        int64_t r = (k / 3) % 3;
        v[k] = r == 0 ? c : r == 1 ? nextafterf(c, INFINITY) : nextafterf(c, -INFINITY);
      }
    }
    in[i] = v;
  }
  return in;
}

/* Runs g (shaped) on in, then pass_fuse (verifier after), then again: every
 * output must be bit-identical, or with tol, float outputs within
 * 1e-5 + 1e-5|b| (binary ones still identical). Returns the number of fused
 * nodes. */
static int check_fuse_tol(Graph *g, const float **in, int tol) {
  int no = g->noutputs;
  float **before = run(g, in);
  Diag d;
  diag_init(&d, "test.json");
  ck_assert_msg(pass_fuse(g, &d) == 0, "%s", d.text);
  ck_assert_msg(ir_verify(g, &d, VERIFY_PASS) == 0, "%s", d.text);
  diag_free(&d);
  float **after = run(g, in);
  for (int i = 0; i < no; i++) {
    int64_t cnt = tensor_numel(&g->t[g->outputs[i]]);
    int loose = tol && g->t[g->outputs[i]].dtype != DT_BIT;
    for (int64_t k = 0; k < cnt; k++) {
      float a = after[i][k], b = before[i][k];
      ck_assert_msg(loose ? fabsf(a - b) <= 1e-5f + 1e-5f * fabsf(b) : !memcmp(&a, &b, sizeof a),
                    "output %d element %lld: %.9g before, %.9g after", i, (long long)k, (double)b, (double)a);
    }
  }
  return pt_count(g, OP_BinThreshold) + pt_count(g, OP_XnorBlock);
}

static int check_fuse(Graph *g, const float **in) { return check_fuse_tol(g, in, 0); }

static const char *attr_s(Graph *g, int t, const char *name) {
  int p = pt_producer(g, t);
  ck_assert_int_ge(p, 0);
  return attr_string(&g->n[p], name, "");
}

/* ---- BN -> sign as a float threshold ---- */

/* BN (gamma > 0, < 0, = 0 with B < 0 and B > 0) -> BinActiv; inputs on the
 * BN mean (pre-activation exactly B = 0) and next to it. */
static void threshold_case(int64_t C, int with_special) {
  Graph *g = graph_new("test.json");
  int64_t dims[4] = {2, C, 5, 5};
  int x = pt_input(g, "x", 4, dims);
  float gm[128], b[128], m[128], v[128];
  for (int64_t c = 0; c < C; c++) {
    int kind = (int)(c % 4);
    gm[c] = kind == 0 ? frand(0.25f, 2.0f) : kind == 1 ? -frand(0.25f, 2.0f) : 0.0f;
    b[c] = kind < 2 ? 0.0f : kind == 2 ? -0.25f : 0.25f;
    m[c] = frand(-1.0f, 1.0f);
    v[c] = frand(0.001f, 2.0f);
  }
  int y = activ(g, "sign", bn(g, "bn", x, C, gm, b, m, v), NULL);
  graph_add_output(g, y);
  pt_shape(g);
  const float **in = inputs(g, m, (int)C);
  if (with_special) { /* infinities, NaN, huge values: gamma = 0 gives NaN -> +1 there */
    float *w = (float *)in[0];
    float sp[7] = {INFINITY, -INFINITY, NAN, FLT_MAX, -FLT_MAX, 1e30f, -0.0f};
    for (int k = 0; k < 7 * 5; k++)
      w[k * 7 % tensor_numel(&g->t[x])] = sp[k % 7];
  }
  ck_assert_int_eq(check_fuse(g, in), 1);
  ck_assert_int_eq(pt_count(g, OP_BatchNormalization), 0);
  ck_assert_int_eq(pt_count(g, OP_BinActiv), 0);
  ck_assert_int_eq(g->t[y].dtype, DT_BIT);
  ck_assert_str_eq(attr_s(g, y, "fused"), "BatchNormalization,BinActiv");
  graph_free(g);
}

START_TEST(threshold_bn_ties) { threshold_case(3, 0); }
END_TEST

START_TEST(threshold_bn_65_channels) { threshold_case(65, 0); }
END_TEST

START_TEST(threshold_bn_inf_nan) { threshold_case(8, 1); }
END_TEST

/* Mul(c, x) and Add(x, c) with per-channel constants and Relu before the sign. */
START_TEST(threshold_mul_add_relu) {
  Graph *g = graph_new("test.json");
  int64_t dims[4] = {1, 5, 4, 4};
  int x = pt_input(g, "x", 4, dims);
  float s[5] = {0.5f, -3.0f, 0.0f, 1e-3f, -0.7f}, a[5] = {0.1f, -0.2f, 0.3f, 0.0f, 0.25f};
  int t = chan_op(g, OP_Add, "add", chan_op(g, OP_Mul, "mul", x, 5, s), 5, a);
  int y = activ(g, "sign", unary(g, OP_Relu, "relu", t), NULL);
  graph_add_output(g, y);
  pt_shape(g);
  float tie[5] = {-0.2f, -0.0666666f, 0.0f, 0.0f, 0.357142866f};
  ck_assert_int_eq(check_fuse(g, inputs(g, tie, 5)), 1);
  ck_assert_str_eq(attr_s(g, y, "fused"), "Mul,Add,Relu,BinActiv");
  graph_free(g);
}
END_TEST

/* ---- BinConv -> ... -> sign as integer thresholds ---- */

/* BN "bn1" over M channels of tensor in with the integer means m: gamma
 * positive, negative, and 0 on every fifth channel (with B = -1 or +1 there,
 * else B = 0), so that the output is exactly 0 where the input equals the
 * mean (a tie). Returns the BN output. */
static int tie_bn(Graph *g, int in, int64_t M, const float *m) {
  float gm[128], b[128], v[128];
  for (int64_t k = 0; k < M; k++) {
    gm[k] = k % 5 == 4 ? 0.0f : k % 2 ? -frand(0.5f, 2.0f) : frand(0.5f, 2.0f);
    b[k] = k % 5 == 4 ? (k % 10 == 4 ? -1.0f : 1.0f) : 0.0f;
    v[k] = frand(0.5f, 2.0f);
  }
  return bn(g, "bn1", in, M, gm, b, m, v);
}

/* x -> BN -> sign -> BinConv(C -> M, 3x3, zero pad 1, alpha 1) -> BN1 whose
 * mean is an integer (so BN1 is exactly B = 0 at S = mean) -> sign. With
 * expose, BN1's output is a graph output too (nothing fuses past it): used
 * to count the ties. */
static Graph *bit_block_graph(int64_t C, int64_t M, int64_t hw, int expose, int *ybit, int *ybn) {
  rng = 12345 + (uint64_t)M;
  Graph *g = graph_new("test.json");
  int64_t dims[4] = {2, C, hw, hw};
  int x = pt_input(g, "x", 4, dims);
  int sg[3] = {1, -1, 1};
  int s = activ(g, "sign0", bn_rand(g, "bn0", x, C, sg, 3), NULL);
  int c = bconv(g, "conv", s, M, C, 1, 1, -1);
  float m[128];
  for (int64_t k = 0; k < M; k++)
    m[k] = (float)((int)(k % 7) - 3); /* S takes these values in the interior and at borders */
  *ybn = tie_bn(g, c, M, m);
  *ybit = activ(g, "sign1", *ybn, NULL);
  graph_add_output(g, *ybit);
  if (expose)
    graph_add_output(g, *ybn);
  pt_shape(g);
  return g;
}

static void bit_block_case(int64_t C, int64_t M, int64_t hw) {
  int y, ybn;
  /* how many pre-activations sit exactly on 0 (the tie) */
  Graph *t = bit_block_graph(C, M, hw, 1, &y, &ybn);
  rng = 777;
  float **o = run(t, inputs(t, NULL, 0));
  int64_t ties = 0, n = tensor_numel(&t->t[ybn]);
  for (int64_t k = 0; k < n; k++)
    ties += o[1][k] == 0.0f;
  ck_assert_msg(ties > 10, "only %lld ties", (long long)ties);
  graph_free(t);
  Graph *g = bit_block_graph(C, M, hw, 0, &y, &ybn);
  rng = 777;
  ck_assert_int_eq(check_fuse(g, inputs(g, NULL, 0)), 2);
  ck_assert_str_eq(attr_s(g, y, "output"), "bit");
  ck_assert_str_eq(attr_s(g, y, "fused"), "BinConv,BatchNormalization,BinActiv");
  ck_assert_int_eq(g->t[y].dtype, DT_BIT);
  graph_free(g);
}

START_TEST(bit_block_ties_3x65) { bit_block_case(3, 65, 6); }
END_TEST

START_TEST(bit_block_ties_65x3) { bit_block_case(65, 3, 16); }
END_TEST

/* BinConv -> Mul by a per-channel scale with negative entries -> MaxPool ->
 * BN (mixed gamma) -> sign: max-pool after a negative scale (max of values
 * = min of accumulators) and after a negative gamma (all instead of any). */
START_TEST(maxpool_after_negative_scale) {
  Graph *g = graph_new("test.json");
  int64_t C = 3, M = 9, dims[4] = {2, C, 7, 7};
  int x = pt_input(g, "x", 4, dims);
  int sg[2] = {1, -1};
  int s = activ(g, "sign0", bn_rand(g, "bn0", x, C, sg, 2), NULL);
  int c = bconv(g, "conv", s, M, C, 1, 0, -1);
  float sc[9] = {1.0f, -1.0f, 0.5f, -2.0f, 0.0f, 3.0f, -0.25f, 1.0f, -1.0f};
  int p = maxpool(g, "pool", chan_op(g, OP_Mul, "scale", c, M, sc));
  int sg2[3] = {1, 1, -1};
  int y = activ(g, "sign1", bn_rand(g, "bn1", p, M, sg2, 3), NULL);
  graph_add_output(g, y);
  pt_shape(g);
  ck_assert_int_eq(check_fuse(g, inputs(g, NULL, 0)), 2);
  ck_assert_str_eq(attr_s(g, y, "fused"), "BinConv,Mul,MaxPool,BatchNormalization,BinActiv");
  const Node *b = &g->n[pt_producer(g, y)];
  const int64_t *all = node_in(g, b, 5)->data;
  int nall = 0;
  for (int64_t k = 0; k < M; k++)
    nall += all[k] != 0;
  ck_assert_int_gt(nall, 0);
  ck_assert_int_lt(nall, M);
  graph_free(g);
}
END_TEST

/* C-B-A-P (Table 3b's baseline order): BinConv -> BN -> sign -> MaxPool,
 * twice; the pool after the sign is an OR of +1 over the window. */
START_TEST(cbap_order) {
  Graph *g = graph_new("test.json");
  int64_t dims[4] = {1, 3, 8, 8};
  int x = pt_input(g, "x", 4, dims);
  int sg[3] = {1, -1, 0};
  int s = activ(g, "sign0", bn_rand(g, "bn0", x, 3, sg, 2), NULL);
  int c1 = bconv(g, "conv1", s, 65, 3, 1, 0, -1);
  int p1 = maxpool(g, "pool1", activ(g, "sign1", bn_rand(g, "bn1", c1, 65, sg, 3), NULL));
  int c2 = bconv(g, "conv2", p1, 5, 65, 1, 0, -1);
  int p2 = maxpool(g, "pool2", activ(g, "sign2", bn_rand(g, "bn2", c2, 5, sg, 3), NULL));
  graph_add_output(g, p2);
  pt_shape(g);
  ck_assert_int_eq(check_fuse(g, inputs(g, NULL, 0)), 3);
  ck_assert_str_eq(attr_s(g, p2, "fused"), "BinConv,BatchNormalization,BinActiv,MaxPool");
  ck_assert_int_eq(g->t[p1].dtype, DT_BIT);
  ck_assert_int_eq(g->t[p2].dtype, DT_BIT);
  graph_free(g);
}
END_TEST

/* K present: BN -> sign with A -> BinConv(A) -> Relu -> BN -> sign -> BinConv:
 * the K block stays float (BinConv,Relu), the next BN -> sign is a
 * threshold; K absent is bit_block_*. */
START_TEST(k_present) {
  Graph *g = graph_new("test.json");
  int64_t dims[4] = {2, 4, 6, 6};
  int x = pt_input(g, "x", 4, dims), a;
  int sg[2] = {1, -1};
  int s = activ(g, "sign0", bn_rand(g, "bn0", x, 4, sg, 2), &a);
  int r = unary(g, OP_Relu, "relu", bconv(g, "conv1", s, 6, 4, 1, 0, a));
  int s2 = activ(g, "sign1", bn_rand(g, "bn1", r, 6, sg, 2), NULL);
  int y = bconv(g, "conv2", s2, 3, 6, 0, 0, -1);
  graph_add_output(g, y);
  pt_shape(g);
  ck_assert_int_eq(check_fuse(g, inputs(g, NULL, 0)), 2);
  ck_assert_str_eq(attr_s(g, r, "fused"), "BinConv,Relu");
  ck_assert_str_eq(attr_s(g, r, "output"), "float");
  ck_assert_int_eq(g->t[s2].dtype, DT_BIT);
  ck_assert_int_eq(pt_count(g, OP_BinConv), 1); /* conv2: nothing to absorb */
  graph_free(g);
}
END_TEST

/* ResNet-style: h = sign(BN(x)); y = Relu(BinConv(h)) + x; then BN -> sign
 * -> BinConv. The Add stays; the blocks around it fuse. */
START_TEST(residual_add) {
  Graph *g = graph_new("test.json");
  int64_t dims[4] = {1, 5, 6, 6};
  int x = pt_input(g, "x", 4, dims);
  int sg[2] = {-1, 1};
  int s = activ(g, "sign0", bn_rand(g, "bn0", x, 5, sg, 2), NULL);
  int r = unary(g, OP_Relu, "relu", bconv(g, "conv1", s, 5, 5, 1, 0, -1));
  int sum = add2(g, "res", r, x);
  int s2 = activ(g, "sign1", bn_rand(g, "bn1", sum, 5, sg, 2), NULL);
  int y = bconv(g, "conv2", s2, 7, 5, 1, 0, -1);
  graph_add_output(g, y);
  pt_shape(g);
  ck_assert_int_eq(check_fuse(g, inputs(g, NULL, 0)), 3);
  ck_assert_int_eq(pt_count(g, OP_Add), 1);
  ck_assert_str_eq(attr_s(g, r, "fused"), "BinConv,Relu"); /* a sign reads it: exact ops only */
  graph_free(g);
}
END_TEST

/* No sign downstream: BatchNorm and a per-channel scale fold into the float
 * output transform (P = scale, Q = bias), then Relu and MaxPool; with and
 * without K. Float outputs within tolerance (the fold rounds once). */
static void affine_case(int with_k) {
  Graph *g = graph_new("test.json");
  int64_t dims[4] = {2, 6, 8, 8};
  int x = pt_input(g, "x", 4, dims), a;
  int sg[3] = {1, -1, 0};
  int s = activ(g, "sign0", bn_rand(g, "bn0", x, 6, sg, 2), with_k ? &a : NULL);
  int c = bconv(g, "conv", s, 5, 6, 1, 0, with_k ? a : -1);
  float sc[5] = {2.0f, -0.5f, 1.0f, 3.0f, -1.0f};
  int t = chan_op(g, OP_Mul, "scale", bn_rand(g, "bn1", c, 5, sg, 3), 5, sc);
  int y = maxpool(g, "pool", unary(g, OP_Relu, "relu", t));
  graph_add_output(g, y);
  pt_shape(g);
  ck_assert_int_eq(check_fuse_tol(g, inputs(g, NULL, 0), 1), with_k ? 1 : 2); /* sign0 keeps A: no threshold */
  ck_assert_str_eq(attr_s(g, y, "fused"), "BinConv,BatchNormalization,Mul,Relu,MaxPool");
  ck_assert_str_eq(attr_s(g, y, "output"), "float");
  ck_assert_int_eq(pt_count(g, OP_BatchNormalization), with_k); /* bn0 feeds A */
  ck_assert_int_eq(pt_count(g, OP_Mul) + pt_count(g, OP_Relu), 0);
  graph_free(g);
}

START_TEST(affine_fold_no_k) { affine_case(0); }
END_TEST

START_TEST(affine_fold_k) { affine_case(1); }
END_TEST

/* A stack of binary blocks without K: no float tensor between them. */
START_TEST(stack_without_float) {
  Graph *g = graph_new("test.json");
  int64_t dims[4] = {1, 3, 16, 16};
  int x = pt_input(g, "x", 4, dims);
  int sg[3] = {1, -1, 1};
  int t = activ(g, "sign0", bn_rand(g, "bn0", x, 3, sg, 3), NULL);
  int64_t ch[4] = {3, 16, 32, 8};
  for (int i = 1; i <= 3; i++) {
    const char *n = arena_printf(g->arena, "b%d", i);
    t = unary(g, OP_Relu, nm(g, n, ".relu"), bconv(g, nm(g, n, ".conv"), t, ch[i], ch[i - 1], 1, 0, -1));
    if (i < 3)
      t = activ(g, nm(g, n, ".sign"), bn_rand(g, nm(g, n, ".bn"), maxpool(g, nm(g, n, ".pool"), t), ch[i], sg, 3), NULL);
  }
  graph_add_output(g, t);
  pt_shape(g);
  ck_assert_int_eq(check_fuse(g, inputs(g, NULL, 0)), 4);
  int blocks = 0;
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (n->dead)
      continue;
    ck_assert_msg(n->op == OP_BinThreshold || n->op == OP_XnorBlock, "%s left between the blocks",
                  op_info[n->op].name);
    if (n->op != OP_XnorBlock)
      continue;
    blocks++;
    /* what a block reads comes straight from a fused op, as bits */
    ck_assert_int_eq(g->t[n->in[0]].dtype, DT_BIT);
    if (!g->t[n->out[0]].is_output)
      ck_assert_int_eq(g->t[n->out[0]].dtype, DT_BIT);
  }
  ck_assert_int_eq(blocks, 3);
  graph_free(g);
}
END_TEST

/* The bin_* cases of tests/models. */
static int bin_cases(char names[][64], int max) {
  static const char *all[] = {"bin_binactive", "bin_block", "bin_block_k", "bin_bwn_conv", "bin_bwn_conv_unfolded",
                              "bin_conv_folded", "bin_conv_k_avgpool", "bin_conv_k_box", "bin_conv_unfolded",
                              "bin_fc_gemm", "bin_fc_matmul", "bin_fc_unfolded", "bin_xnornet", "bin_xnornet_unfolded",
                              "bin_resnet_block", "bin_cbap"};
  int n = 0;
  for (size_t i = 0; i < sizeof all / sizeof *all && n < max; i++) {
    char p[1200];
    snprintf(p, sizeof p, "%s/%s/model.json", XN_MODELS_DIR, all[i]);
    if (case_file_exists(p))
      snprintf(names[n++], 64, "%s", all[i]);
  }
  return n;
}

static Graph *lower(const char *path, int fuse) {
  PassOptions po = {0};
  po.verify = 1;
  po.fuse = fuse;
  Diag d;
  diag_init(&d, path);
  Graph *g = graph_new(path);
  ck_assert_msg(pipeline_lower_with(g, NULL, 0, NULL, &po, &d) == 0, "%s", d.text);
  diag_free(&d);
  return g;
}

/* Every bin_* model: the fuse pass alone is bit-exact on random inputs, and
 * the whole pipeline with fusion matches the expected outputs. */
START_TEST(models_bin) {
  char cases[32][64];
  int nc = bin_cases(cases, 32), fused = 0;
  ck_assert_int_gt(nc, 10);
  for (int c = 0; c < nc; c++) {
    char dir[2200], path[2400];
    snprintf(dir, sizeof dir, "%s/%s", XN_MODELS_DIR, cases[c]);
    snprintf(path, sizeof path, "%s/model.json", dir);
    Graph *g = lower(path, -1);
    rng = 99 + (uint64_t)c;
    int n = check_fuse_tol(g, inputs(g, NULL, 0), 1);
    fused += n;
    graph_free(g);

    g = lower(path, 1);
    Diag d;
    diag_init(&d, path);
    const float **in = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof *in);
    for (int i = 0; i < g->ninputs; i++) {
      Tensor *t = &g->t[g->inputs[i]];
      snprintf(path, sizeof path, "%s/input_%d.npy", dir, i);
      in[i] = tensor_read(g->arena, path, t->rank, t->dims, tensor_numel(t), &d);
      ck_assert_msg(in[i] != NULL, "%s", d.text);
    }
    float **out = run(g, in);
    for (int i = 0; i < g->noutputs; i++) {
      Tensor *t = &g->t[g->outputs[i]];
      int64_t cnt = tensor_numel(t);
      snprintf(path, sizeof path, "%s/output_%d.npy", dir, i);
      const float *want = tensor_read(g->arena, path, t->rank, t->dims, cnt, &d);
      ck_assert_msg(want != NULL, "%s", d.text);
      for (int64_t k = 0; k < cnt; k++)
        ck_assert_msg(fabsf(out[i][k] - want[k]) <= 1e-5f + 1e-5f * fabsf(want[k]),
                      "%s: output %d element %lld: got %.9g, want %.9g", cases[c], i, (long long)k,
                      (double)out[i][k], (double)want[k]);
    }
    diag_free(&d);
    graph_free(g);
  }
  ck_assert_int_ge(fused, 8);
}
END_TEST

/* A binary conv that reads a fused binary output (BinThreshold, or a block
 * with bit output) stays an xnor layer: its input is +-1. */
START_TEST(xnor_after_fused_inputs) {
  static const char *const names[] = {"bin_resnet_block", "bin_cbap"};
  for (int c = 0; c < 2; c++) {
    char path[2400];
    snprintf(path, sizeof path, "%s/%s/model.json", XN_MODELS_DIR, names[c]);
    Graph *g = lower(path, 1);
    int convs = 0;
    for (int i = 0; i < g->nn; i++) {
      const Node *n = &g->n[i];
      if (n->dead || (n->op != OP_BinConv && n->op != OP_XnorBlock))
        continue;
      convs++;
      ck_assert_msg(!strcmp(layer_kind_name(n->kind), "xnor"), "%s: '%s' is %s", names[c], n->name,
                    layer_kind_name(n->kind));
    }
    ck_assert_int_eq(convs, 2);
    graph_free(g);
  }
}
END_TEST

/* --report names what each fused op absorbed. */
START_TEST(report_absorbed) {
  char path[1200];
  snprintf(path, sizeof path, "%s/bin_xnornet/model.json", XN_MODELS_DIR);
  Graph *g = lower(path, 1);
  StrBuf b;
  sb_init(&b, g->arena);
  report_text(g, &b);
  ck_assert_str_eq(b.s, "'/conv1/Conv' Conv float\n"
                        "'/b1/conv/Conv' XnorBlock xnor: absorbed BinConv,Relu,MaxPool (float output, K from A)\n"
                        "'/b2/conv/Sign' BinThreshold xnor: absorbed BatchNormalization,BinActiv (float thresholds "
                        "on the input, bit output)\n"
                        "'/b2/conv/Conv' XnorBlock xnor: absorbed BinConv,Relu,MaxPool (float output)\n"
                        "'/fc/Gemm' Gemm float\n"
                        "weights: 11816 bytes emitted, 62248 bytes as float32 (5.3x smaller)\n");
  graph_free(g);
}
END_TEST

/* ---- text IR ---- */

static const char *print_ir(Graph *g, int elide) {
  StrBuf b;
  sb_init(&b, g->arena);
  ir_print(g, &b, elide);
  return b.s;
}

/* The fused ops print and parse back to the same text (any op prints
 * generically), and the reloaded graph computes the same. */
START_TEST(text_round_trip) {
  int y, ybn;
  Graph *g = bit_block_graph(3, 9, 6, 0, &y, &ybn);
  Diag d;
  diag_init(&d, "test.json");
  ck_assert_msg(pass_fuse(g, &d) == 0, "%s", d.text);
  const char *text = print_ir(g, 0);
  Graph *h = graph_new("fused.xir");
  ck_assert_msg(pipeline_lower(h, text, strlen(text), NULL, &d) == 0, "%s", d.text);
  ck_assert_str_eq(print_ir(h, 0), text);
  rng = 5;
  const float **in = inputs(g, NULL, 0);
  float **a = run(g, in), **b = run(h, in);
  ck_assert(!memcmp(a[0], b[0], (size_t)tensor_numel(&g->t[y]) * sizeof(float)));
  diag_free(&d);
  graph_free(h);
  graph_free(g);
}
END_TEST

/* `xnorcc MODEL --emit=ir` with fusion on equals golden/CASE.xir (reviewed by
 * hand; XN_UPDATE_GOLDEN=1 rewrites them). */
static void golden(const char *model, int elide) {
  char path[3000], gpath[3000];
  snprintf(path, sizeof path, "%s/%s/model.json", XN_MODELS_DIR, model);
  snprintf(gpath, sizeof gpath, "%s/%s.xir", XN_GOLDEN_DIR, model);
  Graph *g = lower(path, 1);
  g->file = model; /* paths must not reach the golden text */
  const char *text = print_ir(g, elide);
  if (getenv("XN_UPDATE_GOLDEN")) {
    FILE *f = fopen(gpath, "wb");
    ck_assert(f != NULL);
    fputs(text, f);
    fclose(f);
  }
  FILE *f = fopen(gpath, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", gpath);
  static char want[1 << 20];
  size_t n = fread(want, 1, sizeof want - 1, f);
  fclose(f);
  want[n] = 0;
  ck_assert_str_eq(text, want);
  graph_free(g);
}

START_TEST(golden_bin_block) { golden("bin_block", 0); }
END_TEST

START_TEST(golden_bin_xnornet) { golden("bin_xnornet", 1); }
END_TEST

/* Malformed fused ops in text IR are user errors naming the node and both sides. */
START_TEST(bad_fused_ops) {
  static const char *const head = "graph \"t\" opset 13, xnor 1;\n"
                                   "tensor \"x\": float32[1, 3, 4, 4];\n"
                                   "tensor \"w\": float32[2, 3, 3, 3] = <W>;\n"
                                   "tensor \"c3\": float32[3] = [0x0p+0, 0x0p+0, 0x0p+0];\n"
                                   "tensor \"c2\": float32[2] = [0x0p+0, 0x0p+0];\n"
                                   "tensor \"i2\": int64[2] = [0, 0];\n"
                                   "tensor \"y\": float32[*];\n"
                                   "inputs \"x\";\noutputs \"y\";\n";
  static const struct {
    const char *node, *err;
  } cases[] = {
      {"node xnor.BinThreshold \"t\" (\"x\", \"c2\", \"c3\") -> (\"y\");",
       "t.xir: error: node 't' (BinThreshold) at 10:1: Lo 'c2' has shape 2; expected 3 (one value per channel)\n"},
      {"node xnor.XnorBlock \"b\" (\"x\", \"w\", \"c2\", \"c2\") -> (\"y\") {output: string \"bits\"};",
       "t.xir: error: node 'b' (XnorBlock) at 10:1: output is 'bits'; expected \"bit\" or \"float\"\n"},
      {"node xnor.XnorBlock \"b\" (\"x\", \"w\", \"c2\", \"c2\") -> (\"y\") {output: string \"bit\"};",
       "t.xir: error: node 'b' (XnorBlock) at 10:1: input 2 (Lo) 'c2' is float32; expected int64\n"},
      {"node xnor.XnorBlock \"b\" (\"x\", \"w\", \"i2\", \"i2\") -> (\"y\") {output: string \"bit\", "
       "pool_kernel: ints [2, 2]};",
       "t.xir: error: node 'b' (XnorBlock) at 10:1: a bit output with a pool needs input 5 (R: 0 any, 1 all per "
       "channel)\n"},
      {"node xnor.XnorBlock \"b\" (\"x\", \"w\", \"c2\", _) -> (\"y\") {pool_kernel: ints [3, 3], "
       "pool_strides: ints [1, 1]};",
       "t.xir: error: node 'b' (XnorBlock) at 10:1: pool window 0 (kernel 3, stride 1, dilation 1, pads 0/0) does "
       "not fit an extent of 2\n"},
  };
  char wdata[54 * 8 + 16] = "[";
  for (int i = 0; i < 54; i++)
    strcat(wdata, i ? ", 0x1p+0" : "0x1p+0");
  strcat(wdata, "]");
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char text[4096];
    const char *w = strstr(head, "<W>");
    snprintf(text, sizeof text, "%.*s%s%s%s\n", (int)(w - head), head, wdata, w + 3, cases[k].node);
    Diag d;
    diag_init(&d, "t.xir");
    Graph *g = graph_new("t.xir");
    ck_assert_int_eq(pipeline_lower(g, text, strlen(text), NULL, &d), -1);
    ck_assert_str_eq(d.text, cases[k].err);
    diag_free(&d);
    graph_free(g);
  }
}
END_TEST

/* ---- runtime helpers (threshold.h) ---- */

/* xnrt_threshold_pack_i32 / _f32 against the formula, ties and sentinels
 * included, 1 and 2 groups, channel tails. */
START_TEST(rt_threshold_pack) {
  enum { P = 13 };
  static int32_t acc[130 * P];
  static float xf[130 * P];
  static int64_t lo[130], hi[130];
  static float flo[130], fhi[130];
  static uint64_t out[4 * P];
  const int Ms[3] = {3, 65, 130};
  for (int k = 0; k < 3; k++)
    for (int G = 1; G <= 2; G++) {
      int M = Ms[k];
      if (M % G)
        continue;
      for (int m = 0; m < M; m++) {
        int r = (int)(next_u() % 5);
        lo[m] = r == 0 ? INT64_MIN : r == 1 ? INT64_MAX : (int64_t)(next_u() % 9) - 4;
        hi[m] = r >= 3 ? (int64_t)(next_u() % 9) - 4 : INT64_MAX;
        flo[m] = r == 0 || r == 2 ? NAN : r == 1 ? INFINITY : frand(-1, 1);
        fhi[m] = r >= 3 ? frand(-1, 1) : NAN;
        for (int p = 0; p < P; p++) {
          acc[m * P + p] = (int32_t)(next_u() % 9) - 4;
          xf[m * P + p] = p % 4 == 0 ? fhi[m] : p % 4 == 1 ? flo[m] : p == 2 ? NAN : frand(-1, 1);
        }
      }
      int Mg = M / G, CWg = (Mg + 63) / 64;
      for (int f = 0; f < 2; f++) {
        if (f)
          xnrt_threshold_pack_f32(xf, M, P, flo, fhi, G, out);
        else
          xnrt_threshold_pack_i32(acc, M, P, lo, hi, G, out);
        for (int g = 0; g < G; g++)
          for (int w = 0; w < CWg; w++)
            for (int p = 0; p < P; p++)
              for (int b = 0; b < 64; b++) {
                int m = g * Mg + w * 64 + b, bit = (int)(out[(g * CWg + w) * P + p] >> b & 1);
                if (w * 64 + b >= Mg) {
                  ck_assert_int_eq(bit, 0); /* tail bits stay 0 */
                  continue;
                }
                float v = xf[m * P + p];
                int plus = f ? isnan(v) || v <= flo[m] || v >= fhi[m]
                             : acc[m * P + p] <= lo[m] || acc[m * P + p] >= hi[m];
                ck_assert_int_eq(bit, !plus);
              }
      }
    }
}
END_TEST

/* An XnorBlock with a bit output and a pool, computed with the runtime the way
 * generated code will (pack, xnrt_bconv2d, integer thresholds writing bits,
 * pool on words), equals the interpreter's result. */
START_TEST(rt_block_matches_interp) {
  Graph *g = graph_new("test.json");
  int64_t C = 3, M = 65, H = 9, dims[4] = {1, C, H, H};
  int x = pt_input(g, "x", 4, dims);
  int c = bconv(g, "conv", activ(g, "sign0", x, NULL), M, C, 1, 0, -1);
  float sc[65];
  for (int m = 0; m < M; m++)
    sc[m] = m % 3 ? frand(0.5f, 2.0f) : -frand(0.5f, 2.0f);
  int sg[3] = {1, -1, 1};
  int p = maxpool(g, "pool", chan_op(g, OP_Mul, "scale", c, M, sc));
  int y = activ(g, "sign1", bn_rand(g, "bn1", p, M, sg, 3), NULL);
  graph_add_output(g, y);
  pt_shape(g);
  const float **in = inputs(g, NULL, 0);
  check_fuse(g, in);
  float *want = run(g, in)[0];
  const Node *b = &g->n[pt_producer(g, y)];
  ck_assert_int_eq(b->op, OP_XnorBlock);
  const int64_t *lo = node_in(g, b, 2)->data, *hi = node_in(g, b, 3)->data, *red = node_in(g, b, 5)->data;
  int OH = XNRT_CONV_OUT((int)H, 3, 1, 1, 1, 1), PH = OH / 2;
  static uint64_t xp[9 * 9], wp[65 * 9], bits[2 * 9 * 9], pooled[2 * 4 * 4], all[2];
  static uint64_t scratch[XNRT_BCONV_SCRATCH_WORDS(3, 3, 3, 9, 9)];
  static int32_t acc[65 * 9 * 9];
  xnrt_pack_chw(in[0], (int)C, (int)H, (int)H, 1, xp);
  xnrt_pack_weights(node_in(g, b, 1)->data, (int)M, (int)C, 3, 3, wp);
  xnrt_bconv2d(xp, wp, acc, scratch, (int)C, (int)H, (int)H, (int)M, 3, 3, OH, OH, 1, 1, 1, 1, 1, 1, 1, 0);
  xnrt_threshold_pack_i32(acc, (int)M, OH * OH, lo, hi, 1, bits);
  all[0] = all[1] = 0;
  for (int m = 0; m < M; m++)
    all[m / 64] |= (uint64_t)(red[m] != 0) << (m % 64);
  ck_assert(all[0] != 0 && all[0] != ~(uint64_t)0);
  xnrt_pool_bits(bits, 2, OH, OH, 2, 2, PH, PH, 2, 2, 1, 1, 0, 0, all, pooled);
  for (int m = 0; m < M; m++)
    for (int q = 0; q < PH * PH; q++) {
      int bit = (int)(pooled[(m / 64) * PH * PH + q] >> (m % 64) & 1);
      ck_assert_msg(want[m * PH * PH + q] == (bit ? -1.0f : 1.0f), "channel %d position %d", m, q);
    }
  graph_free(g);
}
END_TEST

/* ---- generated C ---- */

static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  ck_assert_msg(f != NULL, "cannot write %s", path);
  ck_assert_int_eq(fwrite(data, 1, n, f), n);
  fclose(f);
}

/* Every fused op in one graph: BinThreshold; a bit block with a pool between
 * a negative scale and a BN (any and all); a C-B-A-P bit block; a float block
 * with ReLU; a K block. Compiled with gcc and clang (also -march=native), the
 * programs' outputs equal the interpreter's bit for bit. */
START_TEST(compiled_blocks) {
  rng = 4242;
  Graph *g = graph_new("fused.xir");
  int64_t dims[4] = {2, 3, 9, 9}, dk[4] = {1, 4, 6, 6};
  int x = pt_input(g, "x", 4, dims), x2 = pt_input(g, "x2", 4, dk), a;
  int sg[3] = {1, -1, 0};
  int s = activ(g, "sign0", bn_rand(g, "bn0", x, 3, sg, 3), NULL);
  float sc[65];
  for (int m = 0; m < 65; m++)
    sc[m] = m % 3 ? frand(0.5f, 2.0f) : -frand(0.5f, 2.0f);
  int c1 = bconv(g, "conv1", s, 65, 3, 1, 0, -1);
  int s1 = activ(g, "sign1", bn_rand(g, "bn1", maxpool(g, "pool1", chan_op(g, OP_Mul, "scale", c1, 65, sc)), 65, sg, 3),
                 NULL);
  int c2 = bconv(g, "conv2", s1, 16, 65, 1, 0, -1);
  int p2 = maxpool(g, "pool2", activ(g, "sign2", bn_rand(g, "bn2", c2, 16, sg, 2), NULL));
  int y1 = unary(g, OP_Relu, "relu3", bconv(g, "conv3", p2, 8, 16, 1, 0, -1));
  int sk = activ(g, "signk", bn_rand(g, "bnk", x2, 4, sg, 2), &a);
  int y2 = unary(g, OP_Relu, "reluk", bconv(g, "convk", sk, 5, 4, 1, 0, a));
  graph_add_output(g, y1);
  graph_add_output(g, y2);
  graph_add_output(g, p2);
  pt_shape(g);
  const float **in = inputs(g, NULL, 0);
  ck_assert_int_eq(check_fuse(g, in), 5);
  float **want = run(g, in);

  char dir[4096], path[4200], cmd[16384];
  const char *tmp = getenv("XN_TEST_TMP");
  snprintf(dir, sizeof dir, "%s/fused_c", tmp ? tmp : ".");
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  ck_assert_int_eq(system(cmd), 0);
  Diag d;
  diag_init(&d, "fused.xir");
  StrBuf c, h;
  EmitOptions o = {"net", "net.h", 1, WS_AUTO, 0};
  ck_assert_msg(pipeline_emit(g, &o, &d, &c, &h) == 0, "%s", d.text);
  ck_assert(strstr(c.s, "xnrt_threshold_pack_i32(") && strstr(c.s, "xnrt_pool_bits("));
  snprintf(path, sizeof path, "%s/net.c", dir);
  write_file(path, c.s, c.len);
  snprintf(path, sizeof path, "%s/net.h", dir);
  write_file(path, h.s, h.len);
  for (int i = 0; i < g->ninputs; i++) {
    snprintf(path, sizeof path, "%s/in%d.bin", dir, i);
    write_file(path, in[i], (size_t)tensor_numel(&g->t[g->inputs[i]]) * sizeof(float));
  }
  static const char *const variants[][2] = {
      {"gcc", "-O2"}, {"gcc", "-O2 -march=native"}, {"clang", "-O2"}, {"clang", "-O2 -march=native"}};
  for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
    snprintf(cmd, sizeof cmd,
             "command -v %s >/dev/null || exit 0; cd '%s' && rm -f out*.bin && %s -std=c99 -Wall -Wextra -Werror "
             "-pedantic %s -I'%s/runtime/include' net.c -o net -lm && ./net in0.bin in1.bin out0.bin out1.bin out2.bin",
             variants[v][0], dir, variants[v][0], variants[v][1], XN_SOURCE_DIR);
    ck_assert_msg(system(cmd) == 0, "%s %s: build or run failed (%s)", variants[v][0], variants[v][1], dir);
    for (int j = 0; j < g->noutputs; j++) {
      int64_t cnt = tensor_numel(&g->t[g->outputs[j]]);
      float *got = arena_array(g->arena, (size_t)cnt + 1, sizeof *got);
      snprintf(path, sizeof path, "%s/out%d.bin", dir, j);
      FILE *f = fopen(path, "rb");
      if (!f)
        break; /* compiler missing */
      ck_assert_int_eq(fread(got, sizeof(float), (size_t)cnt, f), (size_t)cnt);
      fclose(f);
      for (int64_t k = 0; k < cnt; k++)
        ck_assert_msg(!memcmp(&got[k], &want[j][k], sizeof(float)), "%s %s: output %d element %lld: %.9g, want %.9g",
                      variants[v][0], variants[v][1], j, (long long)k, (double)got[k], (double)want[j][k]);
    }
  }
  diag_free(&d);
  graph_free(g);
}
END_TEST

/* ---- dense layers: BinGemm -> chain -> BinActiv as XnorDense ---- */

/* x (N x F) -> BN -> sign -> BinGemm (M x F, alpha 1) -> BN with odd integer
 * means (the BN output is exactly 0 at S = mean; S has the parity of F) and
 * gamma > 0, < 0, = 0 (B < 0 and B > 0) -> sign -> BinGemm (3 x M). With
 * expose, the BN output is an output too (to count the ties). */
static Graph *dense_graph(int64_t N, int64_t F, int64_t M, int expose, int *ybit, int *ybn) {
  Graph *g = graph_new("test.json");
  int64_t dims[2] = {N, F};
  int x = pt_input(g, "x", 2, dims);
  int sg[2] = {1, -1};
  int s = activ(g, "sign0", bn_rand(g, "bn0", x, F, sg, 2), NULL);
  int c = bgemm(g, "fc1", s, M, F, 1, 0);
  float m[128];
  for (int64_t k = 0; k < M; k++)
    m[k] = (float)(2 * (int)(k % 4) - 3 + (int)(F % 2 == 0)); /* -3..3, the parity of F */
  *ybn = tie_bn(g, c, M, m);
  *ybit = activ(g, "sign1", *ybn, NULL);
  int y = bgemm(g, "fc2", *ybit, 3, M, 0, 1);
  graph_add_output(g, y);
  graph_add_output(g, *ybit);
  if (expose)
    graph_add_output(g, *ybn);
  pt_shape(g);
  return g;
}

static void dense_case(int64_t N, int64_t F, int64_t M) {
  int y, ybn;
  Graph *t = dense_graph(N, F, M, 1, &y, &ybn);
  rng = 991;
  float **o = run(t, inputs(t, NULL, 0));
  int64_t ties = 0, n = tensor_numel(&t->t[ybn]);
  for (int64_t k = 0; k < n; k++)
    ties += o[2][k] == 0.0f;
  ck_assert_msg(ties > 10, "only %lld ties", (long long)ties);
  graph_free(t);
  Graph *g = dense_graph(N, F, M, 0, &y, &ybn);
  rng = 991;
  ck_assert_int_eq(check_fuse(g, inputs(g, NULL, 0)), 1);
  ck_assert_int_eq(pt_count(g, OP_XnorDense), 1);
  ck_assert_int_eq(pt_count(g, OP_BinGemm), 1); /* fc2: nothing to absorb */
  ck_assert_str_eq(attr_s(g, y, "fused"), "BinGemm,BatchNormalization,BinActiv");
  ck_assert_int_eq(g->t[y].dtype, DT_BIT);
  ck_assert_str_eq(layer_kind_name(g->n[pt_producer(g, g->outputs[0])].kind), "xnor");
  graph_free(g);
}

START_TEST(dense_ties_65x9) { dense_case(64, 65, 9); }
END_TEST

START_TEST(dense_ties_64x70) { dense_case(48, 64, 70); }
END_TEST

/* BinGemm with random alpha and a bias -> Mul by a per-feature constant
 * (negative, zero) -> Add -> Relu -> BN (mixed gamma) -> sign -> BinGemm. */
START_TEST(dense_mul_add_relu) {
  Graph *g = graph_new("test.json");
  int64_t F = 65, M = 11, dims[2] = {40, F};
  int x = pt_input(g, "x", 2, dims);
  int sg[3] = {1, -1, 0};
  int s = activ(g, "sign0", bn_rand(g, "bn0", x, F, sg, 2), NULL);
  float mc[11], ac[11];
  for (int k = 0; k < M; k++) {
    mc[k] = k % 4 == 3 ? 0.0f : k % 2 ? -frand(0.5f, 2.0f) : frand(0.5f, 2.0f);
    ac[k] = frand(-1.0f, 1.0f);
  }
  int64_t cd[1] = {M};
  float *md = arena_array(g->arena, (size_t)M, sizeof *md), *ad = arena_array(g->arena, (size_t)M, sizeof *ad);
  memcpy(md, mc, sizeof mc);
  memcpy(ad, ac, sizeof ac);
  int c = bgemm(g, "fc1", s, M, F, 0, 1);
  int in1[2] = {c, pt_tensor(g, "mul.c", 1, cd, md)}, y1 = tmp(g, "mul.y");
  pt_node(g, OP_Mul, "mul", 2, in1, 1, &y1);
  int in2[2] = {pt_tensor(g, "add.c", 1, cd, ad), y1}, y2 = tmp(g, "add.y");
  pt_node(g, OP_Add, "add", 2, in2, 1, &y2);
  int r = unary(g, OP_Relu, "relu", y2);
  int y = activ(g, "sign1", bn_rand(g, "bn1", r, M, sg, 3), NULL);
  graph_add_output(g, bgemm(g, "fc2", y, 4, M, 0, 0));
  pt_shape(g);
  ck_assert_int_eq(check_fuse(g, inputs(g, NULL, 0)), 1);
  ck_assert_str_eq(attr_s(g, y, "fused"), "BinGemm,Mul,Add,Relu,BatchNormalization,BinActiv");
  graph_free(g);
}
END_TEST

/* Writes g as C into XN_TEST_TMP/sub, compiles it with gcc and clang, -O2
 * and -O2 -march=native, runs it on in: every output equals want bit for bit.
 * The C must contain every string of must (NULL-terminated). */
static void compile_and_compare(Graph *g, const float **in, float **want, const char *sub, const char *const *must) {
  char dir[4096], path[4200], cmd[16384], outs[512] = "";
  const char *tmp = getenv("XN_TEST_TMP");
  snprintf(dir, sizeof dir, "%s/%s", tmp ? tmp : ".", sub);
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  ck_assert_int_eq(system(cmd), 0);
  Diag d;
  diag_init(&d, "fused.xir");
  StrBuf c, h;
  EmitOptions o = {"net", "net.h", 1, WS_AUTO, 0};
  ck_assert_msg(pipeline_emit(g, &o, &d, &c, &h) == 0, "%s", d.text);
  for (; *must; must++)
    ck_assert_msg(strstr(c.s, *must), "no %s in the C", *must);
  snprintf(path, sizeof path, "%s/net.c", dir);
  write_file(path, c.s, c.len);
  snprintf(path, sizeof path, "%s/net.h", dir);
  write_file(path, h.s, h.len);
  for (int i = 0; i < g->ninputs; i++) {
    snprintf(path, sizeof path, "%s/in%d.bin", dir, i);
    write_file(path, in[i], (size_t)tensor_numel(&g->t[g->inputs[i]]) * sizeof(float));
    snprintf(outs + strlen(outs), sizeof outs - strlen(outs), " in%d.bin", i);
  }
  for (int j = 0; j < g->noutputs; j++)
    snprintf(outs + strlen(outs), sizeof outs - strlen(outs), " out%d.bin", j);
  static const char *const variants[][2] = {
      {"gcc", "-O2"}, {"gcc", "-O2 -march=native"}, {"clang", "-O2"}, {"clang", "-O2 -march=native"}};
  for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
    snprintf(cmd, sizeof cmd,
             "command -v %s >/dev/null || exit 0; cd '%s' && rm -f out*.bin && %s -std=c99 -Wall -Wextra -Werror "
             "-pedantic %s -I'%s/runtime/include' net.c -o net -lm && ./net%s",
             variants[v][0], dir, variants[v][0], variants[v][1], XN_SOURCE_DIR, outs);
    ck_assert_msg(system(cmd) == 0, "%s %s: build or run failed (%s)", variants[v][0], variants[v][1], dir);
    for (int j = 0; j < g->noutputs; j++) {
      int64_t cnt = tensor_numel(&g->t[g->outputs[j]]);
      float *got = arena_array(g->arena, (size_t)cnt + 1, sizeof *got);
      snprintf(path, sizeof path, "%s/out%d.bin", dir, j);
      FILE *f = fopen(path, "rb");
      if (!f)
        break; /* compiler missing */
      ck_assert_int_eq(fread(got, sizeof(float), (size_t)cnt, f), (size_t)cnt);
      fclose(f);
      for (int64_t k = 0; k < cnt; k++)
        ck_assert_msg(!memcmp(&got[k], &want[j][k], sizeof(float)), "%s %s: output %d element %lld: %.9g, want %.9g",
                      variants[v][0], variants[v][1], j, (long long)k, (double)got[k], (double)want[j][k]);
    }
  }
  diag_free(&d);
}

/* Two fused dense layers in a row (65 features, then 70 outputs over two
 * threshold words), ties and gamma < 0 / = 0, compiled: equal to the
 * interpreter bit for bit. */
START_TEST(compiled_dense) {
  rng = 5151;
  int ybit, ybn;
  Graph *g = dense_graph(37, 65, 70, 0, &ybit, &ybn);
  const float **in = inputs(g, NULL, 0);
  ck_assert_int_eq(check_fuse(g, in), 1);
  float **want = run(g, in);
  static const char *const must[] = {"xnrt_bgemm(", "xnrt_threshold_pack_i32(", "xnrt_pack_row(", NULL};
  compile_and_compare(g, in, want, "fused_dense_c", must);
  graph_free(g);
}
END_TEST

int main(void) {
  Suite *s = suite_create("fuse");
  TCase *tc = tcase_create("rewrites");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, threshold_bn_ties);
  tcase_add_test(tc, threshold_bn_65_channels);
  tcase_add_test(tc, threshold_bn_inf_nan);
  tcase_add_test(tc, threshold_mul_add_relu);
  tcase_add_test(tc, bit_block_ties_3x65);
  tcase_add_test(tc, bit_block_ties_65x3);
  tcase_add_test(tc, maxpool_after_negative_scale);
  tcase_add_test(tc, cbap_order);
  tcase_add_test(tc, k_present);
  tcase_add_test(tc, residual_add);
  tcase_add_test(tc, stack_without_float);
  tcase_add_test(tc, affine_fold_no_k);
  tcase_add_test(tc, affine_fold_k);
  tcase_add_test(tc, dense_ties_65x9);
  tcase_add_test(tc, dense_ties_64x70);
  tcase_add_test(tc, dense_mul_add_relu);
  suite_add_tcase(s, tc);
  TCase *tm = tcase_create("models");
  tcase_set_timeout(tm, 300);
  tcase_add_test(tm, models_bin);
  tcase_add_test(tm, xnor_after_fused_inputs);
  tcase_add_test(tm, report_absorbed);
  tcase_add_test(tm, text_round_trip);
  tcase_add_test(tm, bad_fused_ops);
  tcase_add_test(tm, golden_bin_block);
  tcase_add_test(tm, golden_bin_xnornet);
  suite_add_tcase(s, tm);
  TCase *tr = tcase_create("runtime");
  tcase_add_test(tr, rt_threshold_pack);
  tcase_add_test(tr, rt_block_matches_interp);
  tcase_set_timeout(tr, 300);
  tcase_add_test(tr, compiled_blocks);
  tcase_add_test(tr, compiled_dense);
  suite_add_tcase(s, tr);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
