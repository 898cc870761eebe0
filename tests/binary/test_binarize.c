/* test_binarize.c - pass_binarize on hand-built graphs shaped like what
 * torch.onnx.export writes for XNOR-Net and BWN modules: the graph must
 * compute the same outputs before and after (inputs never 0 at a Sign), the
 * expected nodes must be rewritten, and a layer that stays float must say why. */
#include <string.h>

#include "binary_test.h"

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})

/* A weight [m, rest...] of random values made +-alpha per filter. */
static int pm_weight(Graph *g, Rng *r, const char *name, int rank, const int64_t *dims) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++)
    n *= dims[i];
  float *w = tb_random(g, r, n);
  to_pm_alpha(w, dims[0], n / dims[0]);
  return tb_tensor(g, name, rank, dims, w);
}

/* Graph input x of the given shape. */
/* An empty graph of opset 13. */
static Graph *new_graph(void) {
  Graph *g = graph_new("m.json");
  g->opset = 13;
  return g;
}

static int input(Graph *g, const char *name, int rank, const int64_t *dims) {
  int t = tb_tensor(g, name, rank, dims, NULL);
  graph_add_input(g, t);
  return t;
}

static int node1(Graph *g, Op op, const char *name, int nin, const int *in, int out) {
  return tb_node(g, op, name, nin, in, 1, &out);
}

static void conv_attrs(Graph *g, int ni, int64_t k, int64_t s, int64_t p) {
  tb_attr_ints(g, ni, "kernel_shape", 2, DIMS(k, k));
  tb_attr_ints(g, ni, "strides", 2, DIMS(s, s));
  tb_attr_ints(g, ni, "pads", 4, DIMS(p, p, p, p));
  tb_attr_ints(g, ni, "dilations", 2, DIMS(1, 1));
  tb_attr_int(g, ni, "group", 1);
}

/* ReduceMean(Abs(x), axes=[axis], keepdims=1) into a new tensor of shape rd. */
static int mean_abs(Graph *g, int x, int64_t axis, int rank, const int64_t *rd, const char *prefix) {
  const Tensor *xt = &g->t[x];
  int ab = tb_tensor(g, arena_printf(g->arena, "%s_abs", prefix), xt->rank, xt->dims, NULL);
  int rm = tb_tensor(g, arena_printf(g->arena, "%s_mean", prefix), rank, rd, NULL);
  node1(g, OP_Abs, arena_printf(g->arena, "/%s/Abs", prefix), 1, &x, ab);
  int ni = node1(g, OP_ReduceMean, arena_printf(g->arena, "/%s/ReduceMean", prefix), 1, &ab, rm);
  tb_attr_ints(g, ni, "axes", 1, &axis);
  tb_attr_int(g, ni, "keepdims", 1);
  return rm;
}

/* Sign -> Conv with a +-alpha weight: an XNOR layer. */
START_TEST(test_xnor_conv) {
  Graph *g = new_graph();
  Rng r = {1};
  int x = input(g, "x", 4, DIMS(2, 4, 6, 5));
  int s = tb_tensor(g, "s", 4, DIMS(2, 4, 6, 5), NULL), y = tb_tensor(g, "y", 4, DIMS(2, 6, 6, 5), NULL);
  int w = pm_weight(g, &r, "w", 4, DIMS(6, 4, 3, 3));
  node1(g, OP_Sign, "/Sign", 1, &x, s);
  int c = node1(g, OP_Conv, "/Conv", 2, (int[]){s, w}, y);
  conv_attrs(g, c, 3, 1, 1);
  graph_add_output(g, y);
  double e;
  ck_assert_str_eq(check_equiv(g, 11, &e), "BinActiv BinConv");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  StrBuf b;
  sb_init(&b, g->arena);
  report_text(g, &b);
  /* 6 filters x 9 taps x 1 word + 6 alphas = 456 bytes; 216 floats = 864. */
  ck_assert_str_eq(b.s, "'/Conv' BinConv xnor\nweights: 456 bytes emitted, 864 bytes as float32 (1.9x smaller)\n");
  const Node *bc = &g->n[g->nn - 1];
  for (int i = 0; i < g->nn; i++)
    if (!g->n[i].dead && g->n[i].op == OP_BinConv)
      bc = &g->n[i];
  ck_assert_str_eq(bc->name, "/Conv");
  ck_assert_str_eq(bc->loc, "graph.node[1]");
  ck_assert_int_eq(attr_int(bc, "pad_value", 7), 0);
  graph_free(g);
}
END_TEST

/* The K branch as the exporter writes avg_pool2d(count_include_pad=True):
 * ReduceMean(Abs(x)) -> Pad -> AveragePool -> Mul, then ReLU. */
START_TEST(test_xnor_conv_k_pad_avgpool) {
  Graph *g = new_graph();
  Rng r = {2};
  int x = input(g, "x", 4, DIMS(1, 5, 6, 6));
  int s = tb_tensor(g, "s", 4, DIMS(1, 5, 6, 6), NULL), cy = tb_tensor(g, "cy", 4, DIMS(1, 3, 6, 6), NULL);
  int w = pm_weight(g, &r, "w", 4, DIMS(3, 5, 3, 3));
  node1(g, OP_Sign, "/conv/Sign", 1, &x, s);
  int c = node1(g, OP_Conv, "/conv/Conv", 2, (int[]){s, w}, cy);
  conv_attrs(g, c, 3, 1, 1);
  int a = mean_abs(g, x, 1, 4, DIMS(1, 1, 6, 6), "conv");
  int pads = tb_ints(g, "pads", 8, DIMS(0, 0, 1, 1, 0, 0, 1, 1));
  int pa = tb_tensor(g, "pa", 4, DIMS(1, 1, 8, 8), NULL), k = tb_tensor(g, "k", 4, DIMS(1, 1, 6, 6), NULL);
  int m = tb_tensor(g, "m", 4, DIMS(1, 3, 6, 6), NULL), y = tb_tensor(g, "y", 4, DIMS(1, 3, 6, 6), NULL);
  node1(g, OP_Pad, "/conv/Pad", 2, (int[]){a, pads}, pa);
  int ap = node1(g, OP_AveragePool, "/conv/AveragePool", 1, &pa, k);
  tb_attr_ints(g, ap, "kernel_shape", 2, DIMS(3, 3));
  tb_attr_ints(g, ap, "strides", 2, DIMS(1, 1));
  tb_attr_ints(g, ap, "pads", 4, DIMS(0, 0, 0, 0));
  node1(g, OP_Mul, "/conv/Mul", 2, (int[]){cy, k}, m);
  node1(g, OP_Relu, "/Relu", 1, &m, y);
  graph_add_output(g, y);
  double e;
  ck_assert_str_eq(check_equiv(g, 12, &e), "BinActiv BinConv Relu");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (n->dead)
      continue;
    if (n->op == OP_BinActiv)
      ck_assert_int_eq(n->nout, 2); /* A fused */
    if (n->op == OP_BinConv) {
      ck_assert_int_eq(n->nin, 4);
      ck_assert_int_eq(n->in[3], a);
      ck_assert_int_eq(n->out[0], m);
      ck_assert_str_eq(layer_kind_name(n->kind), "xnor");
    }
  }
  graph_free(g);
}
END_TEST

/* K by AveragePool with the conv's pads and count_include_pad=1, stride 2,
 * K first in the Mul. */
START_TEST(test_xnor_conv_k_avgpool_pads) {
  Graph *g = new_graph();
  Rng r = {3};
  int x = input(g, "x", 4, DIMS(2, 3, 7, 7));
  int s = tb_tensor(g, "s", 4, DIMS(2, 3, 7, 7), NULL), cy = tb_tensor(g, "cy", 4, DIMS(2, 4, 4, 4), NULL);
  int w = pm_weight(g, &r, "w", 4, DIMS(4, 3, 3, 3));
  node1(g, OP_Sign, "sgn", 1, &x, s);
  int c = node1(g, OP_Conv, "conv", 2, (int[]){s, w}, cy);
  conv_attrs(g, c, 3, 2, 1);
  int a = mean_abs(g, x, -3, 4, DIMS(2, 1, 7, 7), "k");
  int k = tb_tensor(g, "k", 4, DIMS(2, 1, 4, 4), NULL), y = tb_tensor(g, "y", 4, DIMS(2, 4, 4, 4), NULL);
  int ap = node1(g, OP_AveragePool, "pool", 1, &a, k);
  tb_attr_ints(g, ap, "kernel_shape", 2, DIMS(3, 3));
  tb_attr_ints(g, ap, "strides", 2, DIMS(2, 2));
  tb_attr_ints(g, ap, "pads", 4, DIMS(1, 1, 1, 1));
  tb_attr_int(g, ap, "count_include_pad", 1);
  node1(g, OP_Mul, "mul", 2, (int[]){k, cy}, y);
  graph_add_output(g, y);
  double e;
  ck_assert_str_eq(check_equiv(g, 13, &e), "BinActiv BinConv");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  graph_free(g);
}
END_TEST

/* count_include_pad=0 is not K (the border average differs): the Mul stays. */
START_TEST(test_k_avgpool_cip0_kept) {
  Graph *g = new_graph();
  Rng r = {4};
  int x = input(g, "x", 4, DIMS(1, 3, 5, 5));
  int s = tb_tensor(g, "s", 4, DIMS(1, 3, 5, 5), NULL), cy = tb_tensor(g, "cy", 4, DIMS(1, 2, 5, 5), NULL);
  int w = pm_weight(g, &r, "w", 4, DIMS(2, 3, 3, 3));
  node1(g, OP_Sign, "sgn", 1, &x, s);
  int c = node1(g, OP_Conv, "conv", 2, (int[]){s, w}, cy);
  conv_attrs(g, c, 3, 1, 1);
  int a = mean_abs(g, x, 1, 4, DIMS(1, 1, 5, 5), "k");
  int k = tb_tensor(g, "k", 4, DIMS(1, 1, 5, 5), NULL), y = tb_tensor(g, "y", 4, DIMS(1, 2, 5, 5), NULL);
  int ap = node1(g, OP_AveragePool, "pool", 1, &a, k);
  tb_attr_ints(g, ap, "kernel_shape", 2, DIMS(3, 3));
  tb_attr_ints(g, ap, "pads", 4, DIMS(1, 1, 1, 1));
  node1(g, OP_Mul, "mul", 2, (int[]){cy, k}, y);
  graph_add_output(g, y);
  double e;
  ck_assert_str_eq(check_equiv(g, 14, &e), "BinActiv AveragePool BinConv Mul");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  graph_free(g);
}
END_TEST

/* K by a Conv with a constant 1/9 box filter, stride 2. */
START_TEST(test_xnor_conv_k_box) {
  Graph *g = new_graph();
  Rng r = {5};
  int x = input(g, "x", 4, DIMS(1, 4, 8, 7));
  int s = tb_tensor(g, "s", 4, DIMS(1, 4, 8, 7), NULL), cy = tb_tensor(g, "cy", 4, DIMS(1, 6, 4, 4), NULL);
  int w = pm_weight(g, &r, "w", 4, DIMS(6, 4, 3, 3));
  node1(g, OP_Sign, "/Sign", 1, &x, s);
  int c = node1(g, OP_Conv, "/Conv", 2, (int[]){s, w}, cy);
  conv_attrs(g, c, 3, 2, 1);
  int a = mean_abs(g, x, 1, 4, DIMS(1, 1, 8, 7), "box");
  float *box = arena_array(g->arena, 9, sizeof(float));
  for (int i = 0; i < 9; i++)
    box[i] = 1.0f / 9.0f;
  int bw = tb_tensor(g, "box", 4, DIMS(1, 1, 3, 3), box);
  int k = tb_tensor(g, "k", 4, DIMS(1, 1, 4, 4), NULL), y = tb_tensor(g, "y", 4, DIMS(1, 6, 4, 4), NULL);
  int kc = node1(g, OP_Conv, "/Conv_1", 2, (int[]){a, bw}, k);
  conv_attrs(g, kc, 3, 2, 1);
  node1(g, OP_Mul, "/Mul", 2, (int[]){cy, k}, y);
  graph_add_output(g, y);
  double e;
  ck_assert_str_eq(check_equiv(g, 15, &e), "BinActiv BinConv");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  graph_free(g);
}
END_TEST

/* Binary FC as Gemm(transB=1, bias) then times the row mean |x|: the bias
 * comes before the scale, so the Mul stays; A is fused into BinActiv. */
START_TEST(test_xnor_gemm) {
  Graph *g = new_graph();
  Rng r = {6};
  int x = input(g, "x", 2, DIMS(3, 16));
  int s = tb_tensor(g, "s", 2, DIMS(3, 16), NULL), gy = tb_tensor(g, "gy", 2, DIMS(3, 8), NULL);
  int w = pm_weight(g, &r, "fc.weight", 2, DIMS(8, 16));
  int b = tb_tensor(g, "fc.bias", 1, DIMS(8), tb_random(g, &r, 8));
  int a = mean_abs(g, x, -1, 2, DIMS(3, 1), "fc");
  node1(g, OP_Sign, "/fc/Sign", 1, &x, s);
  int gm = node1(g, OP_Gemm, "/fc/Gemm", 3, (int[]){s, w, b}, gy);
  tb_attr_int(g, gm, "transB", 1);
  int y = tb_tensor(g, "y", 2, DIMS(3, 8), NULL);
  node1(g, OP_Mul, "/fc/Mul", 2, (int[]){gy, a}, y);
  graph_add_output(g, y);
  double e;
  ck_assert_str_eq(check_equiv(g, 16, &e), "BinActiv BinGemm Mul");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  for (int i = 0; i < g->nn; i++)
    if (!g->n[i].dead && g->n[i].op == OP_BinActiv)
      ck_assert_int_eq(g->n[i].out[1], a);
  graph_free(g);
}
END_TEST

/* MatMul on a 3-D input with a F x M weight, times the row scale, plus the
 * bias: both absorbed into BinGemm (A, B); the last-axis mean stays a node. */
START_TEST(test_xnor_matmul_scale_bias) {
  Graph *g = new_graph();
  Rng r = {7};
  int x = input(g, "x", 3, DIMS(2, 3, 70));
  int s = tb_tensor(g, "s", 3, DIMS(2, 3, 70), NULL), my = tb_tensor(g, "my", 3, DIMS(2, 3, 5), NULL);
  /* F x M weight whose columns are +-alpha: build it as M x F and transpose. */
  float *wm = tb_random(g, &r, 350), *wt = arena_array(g->arena, 350, sizeof(float));
  to_pm_alpha(wm, 5, 70);
  for (int m = 0; m < 5; m++)
    for (int f = 0; f < 70; f++)
      wt[f * 5 + m] = wm[m * 70 + f];
  int w = tb_tensor(g, "onnx::MatMul_10", 2, DIMS(70, 5), wt);
  int b = tb_tensor(g, "fc.bias", 1, DIMS(5), tb_random(g, &r, 5));
  int a = mean_abs(g, x, -1, 3, DIMS(2, 3, 1), "fc");
  node1(g, OP_Sign, "/fc/Sign", 1, &x, s);
  node1(g, OP_MatMul, "/fc/MatMul", 2, (int[]){s, w}, my);
  int sy = tb_tensor(g, "sy", 3, DIMS(2, 3, 5), NULL), y = tb_tensor(g, "y", 3, DIMS(2, 3, 5), NULL);
  node1(g, OP_Mul, "/fc/Mul", 2, (int[]){a, my}, sy);
  node1(g, OP_Add, "/fc/Add", 2, (int[]){b, sy}, y);
  graph_add_output(g, y);
  double e;
  ck_assert_str_eq(check_equiv(g, 17, &e), "Abs ReduceMean BinActiv BinGemm");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  graph_free(g);
}
END_TEST

/* Gemm with transB=0 and a [1, M] bias: weight transposed, bias copied. Then
 * MatMul -> Add(bias) with the bias first. */
START_TEST(test_xnor_gemm_transb0_and_matmul_add) {
  Graph *g = new_graph();
  Rng r = {8};
  int x = input(g, "x", 2, DIMS(4, 65));
  int s = tb_tensor(g, "s", 2, DIMS(4, 65), NULL), gy = tb_tensor(g, "gy", 2, DIMS(4, 3), NULL);
  float *wm = tb_random(g, &r, 195), *wt = arena_array(g->arena, 195, sizeof(float));
  to_pm_alpha(wm, 3, 65);
  for (int m = 0; m < 3; m++)
    for (int f = 0; f < 65; f++)
      wt[f * 3 + m] = wm[m * 65 + f];
  int w = tb_tensor(g, "w", 2, DIMS(65, 3), wt);
  int b = tb_tensor(g, "b", 2, DIMS(1, 3), tb_random(g, &r, 3));
  node1(g, OP_Sign, "sgn", 1, &x, s);
  node1(g, OP_Gemm, "gemm", 3, (int[]){s, w, b}, gy);
  int s2 = tb_tensor(g, "s2", 2, DIMS(4, 3), NULL), my = tb_tensor(g, "my", 2, DIMS(4, 2), NULL);
  int y = tb_tensor(g, "y", 2, DIMS(4, 2), NULL);
  node1(g, OP_Sign, "sgn2", 1, &gy, s2);
  int w2 = tb_tensor(g, "w2", 2, DIMS(3, 2), (float[]){0.5f, -0.25f, -0.5f, 0.25f, 0.5f, 0.25f});
  int b2 = tb_tensor(g, "b2", 1, DIMS(2), (float[]){0.125f, -1.5f});
  node1(g, OP_MatMul, "mm", 2, (int[]){s2, w2}, my);
  node1(g, OP_Add, "add", 2, (int[]){b2, my}, y);
  graph_add_output(g, y);
  double e;
  ck_assert_str_eq(check_equiv(g, 18, &e), "BinActiv BinGemm BinActiv BinGemm");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  graph_free(g);
}
END_TEST

/* BWN: real input, +-alpha weight, bias. Also a Sign through Flatten into a
 * dense layer (a reshape after the sign must not break detection). */
START_TEST(test_bwn_and_flatten) {
  Graph *g = new_graph();
  Rng r = {9};
  int x = input(g, "x", 4, DIMS(2, 3, 5, 5));
  int w = pm_weight(g, &r, "w", 4, DIMS(4, 3, 3, 3));
  int b = tb_tensor(g, "b", 1, DIMS(4), tb_random(g, &r, 4));
  int cy = tb_tensor(g, "cy", 4, DIMS(2, 4, 3, 3), NULL);
  node1(g, OP_Conv, "bwn", 3, (int[]){x, w, b}, cy);
  int s = tb_tensor(g, "s", 4, DIMS(2, 4, 3, 3), NULL), f = tb_tensor(g, "f", 2, DIMS(2, 36), NULL);
  node1(g, OP_Sign, "sgn", 1, &cy, s);
  int fl = node1(g, OP_Flatten, "flat", 1, &s, f);
  tb_attr_int(g, fl, "axis", 1);
  int w2 = pm_weight(g, &r, "w2", 2, DIMS(5, 36));
  int y = tb_tensor(g, "y", 2, DIMS(2, 5), NULL);
  int gm = node1(g, OP_Gemm, "fc", 2, (int[]){f, w2}, y);
  tb_attr_int(g, gm, "transB", 1);
  graph_add_output(g, y);
  double e;
  ck_assert_str_eq(check_equiv(g, 19, &e), "BinConv BinActiv Flatten BinGemm");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  StrBuf rep;
  sb_init(&rep, g->arena);
  report_text(g, &rep);
  ck_assert_msg(!strncmp(rep.s, "'bwn' BinConv bwn\n'fc' BinGemm xnor\n", 36), "%s", rep.s);
  graph_free(g);
}
END_TEST

/* What must stay float, with the reason in the report: a weight that is not
 * +-alpha (filter 2, element 5), a MatMul whose weight is computed; a Sign
 * that also feeds a float op stays a Sign and its binarized conv is BWN. */
START_TEST(test_not_rewritten) {
  Graph *g = new_graph();
  Rng r = {10};
  int x = input(g, "x", 4, DIMS(1, 4, 5, 5));
  int s = tb_tensor(g, "s", 4, DIMS(1, 4, 5, 5), NULL);
  node1(g, OP_Sign, "/Sign", 1, &x, s);
  int w = pm_weight(g, &r, "w", 4, DIMS(3, 4, 3, 3));
  ((float *)g->t[w].data)[2 * 36 + 5] *= 1.5f;
  int y1 = tb_tensor(g, "y1", 4, DIMS(1, 3, 5, 5), NULL);
  int c = node1(g, OP_Conv, "/conv_bad", 2, (int[]){s, w}, y1);
  conv_attrs(g, c, 3, 1, 1);
  graph_add_output(g, y1);

  int x2 = input(g, "x2", 2, DIMS(2, 6)), wx = input(g, "wx", 2, DIMS(6, 3));
  int s2 = tb_tensor(g, "s2", 2, DIMS(2, 6), NULL), y2 = tb_tensor(g, "y2", 2, DIMS(2, 3), NULL);
  node1(g, OP_Sign, "/Sign_2", 1, &x2, s2);
  node1(g, OP_MatMul, "/mm", 2, (int[]){s2, wx}, y2);
  graph_add_output(g, y2);

  int x3 = input(g, "x3", 4, DIMS(1, 2, 4, 4));
  int s3 = tb_tensor(g, "s3", 4, DIMS(1, 2, 4, 4), NULL), y3 = tb_tensor(g, "y3", 4, DIMS(1, 2, 4, 4), NULL);
  int w3 = pm_weight(g, &r, "w3", 4, DIMS(2, 2, 3, 3)), r3 = tb_tensor(g, "r3", 4, DIMS(1, 2, 4, 4), NULL);
  node1(g, OP_Sign, "/Sign_3", 1, &x3, s3);
  int c3 = node1(g, OP_Conv, "/conv_shared", 2, (int[]){s3, w3}, y3);
  conv_attrs(g, c3, 3, 1, 1);
  node1(g, OP_Relu, "/relu", 1, &s3, r3);
  graph_add_output(g, y3);
  graph_add_output(g, r3);

  double e;
  ck_assert_str_eq(check_equiv(g, 20, &e), "Sign Conv Sign MatMul Sign Relu BinConv");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  StrBuf b;
  sb_init(&b, g->arena);
  report_text(g, &b);
  float bad = ((float *)g->t[w].data)[2 * 36 + 5], good = ((float *)g->t[w].data)[2 * 36];
  const char *want = arena_printf(
      g->arena,
      "'/conv_bad' Conv float: input is binary (Sign '/Sign') but weight 'w' filter 2 element 5 is %.9g but "
      "element 0 is %.9g: not +-alpha\n"
      "'/mm' MatMul float: input is binary (Sign '/Sign_2') but weight 'wx' is not a constant\n"
      "'/conv_shared' BinConv bwn: binary weights only: input Sign '/Sign_3' stays a Sign (ONNX Sign(0) = 0) "
      "because it also feeds node '/relu' (Relu) at graph.node[6]\n"
      /* w3 2x2x3x3 as bwn panels: ceil(2/8) * 2*3*3 bytes + 2 alphas = 26 (word-packed it was 152) */
      "weights: 458 bytes emitted, 576 bytes as float32 (1.3x smaller)\n",
      (double)bad, (double)good);
  ck_assert_str_eq(b.s, want);
  graph_free(g);
}
END_TEST

/* A Sign that is a graph output stays; a float conv whose filters have one
 * weight each is not worth binarizing and stays float without a reason. */
START_TEST(test_sign_output_and_tiny_filters) {
  Graph *g = new_graph();
  Rng r = {11};
  int x = input(g, "x", 4, DIMS(1, 1, 4, 4));
  int w = pm_weight(g, &r, "w", 4, DIMS(2, 1, 1, 1));
  int y = tb_tensor(g, "y", 4, DIMS(1, 2, 4, 4), NULL), s = tb_tensor(g, "s", 4, DIMS(1, 2, 4, 4), NULL);
  int c = node1(g, OP_Conv, "c1", 2, (int[]){x, w}, y);
  conv_attrs(g, c, 1, 1, 0);
  node1(g, OP_Sign, "sgn", 1, &y, s);
  int w2 = pm_weight(g, &r, "w2", 4, DIMS(2, 2, 1, 1));
  int y2 = tb_tensor(g, "y2", 4, DIMS(1, 2, 4, 4), NULL);
  int c2 = node1(g, OP_Conv, "c2", 2, (int[]){s, w2}, y2);
  conv_attrs(g, c2, 1, 1, 0);
  graph_add_output(g, s);
  graph_add_output(g, y2);
  double e;
  ck_assert_str_eq(check_equiv(g, 21, &e), "Conv Sign BinConv");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  StrBuf b;
  sb_init(&b, g->arena);
  report_text(g, &b);
  ck_assert_str_eq(b.s, "'c1' Conv float\n'c2' BinConv bwn: binary weights only: input Sign 'sgn' stays a Sign "
                        "(ONNX Sign(0) = 0) because it also feeds a graph output\n"
                        /* c1's 8 float bytes, c2's 2x2 weight as one panel byte per k (2) + 2 alphas (8) */
                        "weights: 18 bytes emitted, 24 bytes as float32 (1.3x smaller)\n");
  graph_free(g);
}
END_TEST

/* A weight computed from constants (Sign(W) -> Transpose of a large FC) is
 * folded at any size: by default there is no limit, and the layer is binary.
 * With a limit (--fold-max-mib=1) that it exceeds, the weight is reported
 * with the node and the limit, not as a mere "not a constant" (issue 11).
 * W is 513 x 512 floats: 2 KiB over 1 MiB. */
static Graph *fold_limit_graph(int64_t limit) {
  Graph *g = new_graph();
  g->fold_max_bytes = limit;
  int x = input(g, "x", 2, DIMS(1, 512));
  int64_t n = (int64_t)513 * 512;
  float *wd = arena_array(g->arena, (size_t)n, sizeof(float));
  for (int64_t i = 0; i < n; i++)
    wd[i] = (i * 7) % 5 < 2 ? -0.5f : 0.5f;
  int w = tb_tensor(g, "W", 2, DIMS(513, 512), wd);
  int s = tb_tensor(g, "s", -1, NULL, NULL), ws = tb_tensor(g, "ws", -1, NULL, NULL);
  int wt = tb_tensor(g, "wt", -1, NULL, NULL), y = tb_tensor(g, "y", -1, NULL, NULL);
  node1(g, OP_Sign, "/Sign", 1, &x, s);
  node1(g, OP_Sign, "/wsign", 1, &w, ws);
  tb_attr_ints(g, node1(g, OP_Transpose, "/wT", 1, &ws, wt), "perm", 2, DIMS(1, 0));
  node1(g, OP_MatMul, "/fc", 2, (int[]){s, wt}, y);
  graph_add_output(g, y);
  Diag d;
  diag_init(&d, "m.json");
  ck_assert_msg(ir_verify(g, &d, VERIFY_READ) == 0 && pass_shapes(g, &d) == 0 && pass_binarize(g, &d) == 0, "%s",
                d.text);
  diag_free(&d);
  return g;
}

START_TEST(test_fold_limit_reason) {
  Graph *g = fold_limit_graph(0);
  ck_assert_str_eq(live_ops(g), "BinActiv BinGemm");
  graph_free(g);
  g = fold_limit_graph((int64_t)1 << 20);
  ck_assert_str_eq(live_ops(g), "Sign Sign Transpose MatMul");
  StrBuf b;
  sb_init(&b, g->arena);
  report_text(g, &b);
  ck_assert_str_eq(b.s, "'/fc' MatMul float: input is binary (Sign '/Sign') but weight 'wt' is not a constant: it "
                        "is computed from constants, but node '/wsign' (Sign) at graph.node[1] makes 1050624 "
                        "bytes, more than the constant folder's limit of 1 MiB (--fold-max-mib), so it is left to "
                        "run time\n"
                        "weights: 0 bytes emitted, 0 bytes as float32\n"
                        "not folded: node '/wsign' (Sign) at graph.node[1]: an output of 1050624 bytes is more "
                        "than the constant folder's limit of 1 MiB (--fold-max-mib), so it runs at run time\n");
  graph_free(g);
}
END_TEST

/* Weights exactly 0 among +-alpha (0 and -0.0): by default the layer stays
 * float, computing the model's function, and --report counts them; with
 * Graph.zero_plus1 each 0 is +alpha of its filter. A filter of zeros only
 * has no alpha at all. */
static Graph *zero_conv(const float *wv, int64_t m, float *y_out, const char **ops, int plus1) {
  Graph *g = new_graph();
  g->zero_plus1 = plus1;
  int x = input(g, "x", 4, DIMS(1, 2, 1, 1));
  int s = tb_tensor(g, "s", 4, DIMS(1, 2, 1, 1), NULL), y = tb_tensor(g, "y", 4, DIMS(1, m, 1, 1), NULL);
  float *wd = arena_array(g->arena, (size_t)(2 * m), sizeof(float));
  memcpy(wd, wv, (size_t)(2 * m) * sizeof(float));
  int w = tb_tensor(g, "w", 4, DIMS(m, 2, 1, 1), wd);
  node1(g, OP_Sign, "sgn", 1, &x, s);
  int c = node1(g, OP_Conv, "conv", 2, (int[]){s, w}, y);
  tb_attr_ints(g, c, "kernel_shape", 2, DIMS(1, 1));
  graph_add_output(g, y);
  Diag d;
  diag_init(&d, "m.json");
  ck_assert_int_eq(topo_sort(g, &d), 0);
  const float in[2] = {0.25f, -0.75f};
  const float *ins[1] = {in};
  float *outs[1] = {y_out};
  ck_assert_msg(pass_binarize(g, &d) == 0, "%s", d.text);
  *ops = live_ops(g);
  ck_assert_msg(interp_run(g, &d, ins, outs) == 0, "%s", d.text);
  diag_free(&d);
  return g;
}

START_TEST(test_zero_weights) {
  const float wv[4] = {0.5f, 0.0f, -0.5f, -0.0f};
  float y[2];
  const char *ops;
  Graph *g = zero_conv(wv, 2, y, &ops, 0);
  ck_assert_str_eq(ops, "Sign Conv");
  ck_assert(y[0] == 0.5f && y[1] == -0.5f); /* sign(x) = (1, -1): the zeros add nothing */
  StrBuf b;
  sb_init(&b, g->arena);
  report_text(g, &b);
  ck_assert_str_eq(b.s, "'conv' Conv float: input is binary (Sign 'sgn') but weight 'w' is +-alpha but 2 of its 4 "
                        "elements are exactly 0 (the first: filter 0 element 1); the layer stays float, as the "
                        "model computes it (--zero-weights=plus1 binarizes them as +alpha)\n"
                        "weights: 16 bytes emitted, 16 bytes as float32 (1.0x smaller)\n");
  graph_free(g);
  g = zero_conv(wv, 2, y, &ops, 1);
  ck_assert_str_eq(ops, "BinActiv BinConv");
  ck_assert(y[0] == 0.0f && y[1] == -1.0f); /* weights (0.5, 0.5) and (-0.5, 0.5) */
  sb_init(&b, g->arena);
  report_text(g, &b);
  ck_assert_str_eq(b.s, "'conv' BinConv xnor: 2 weights exactly 0 binarized as +alpha (--zero-weights=plus1)\n"
                        "weights: 24 bytes emitted, 16 bytes as float32 (1.5x larger)\n");
  graph_free(g);
  const float allzero[4] = {0.5f, -0.5f, 0.0f, 0.0f};
  g = zero_conv(allzero, 2, y, &ops, 1);
  ck_assert_str_eq(ops, "Sign Conv");
  sb_init(&b, g->arena);
  report_text(g, &b);
  ck_assert_str_eq(b.s, "'conv' Conv float: input is binary (Sign 'sgn') but weight 'w' filter 1 is all 0, not "
                        "+-alpha with alpha > 0\n"
                        "weights: 16 bytes emitted, 16 bytes as float32 (1.0x smaller)\n");
  graph_free(g);
}
END_TEST

/* The one documented deviation: ONNX Sign(0) = 0, BinActiv(0) = +1. */
START_TEST(test_sign_zero_deviation) {
  Graph *g = new_graph();
  int x = input(g, "x", 4, DIMS(1, 2, 1, 1));
  int s = tb_tensor(g, "s", 4, DIMS(1, 2, 1, 1), NULL), y = tb_tensor(g, "y", 4, DIMS(1, 1, 1, 1), NULL);
  int w = tb_tensor(g, "w", 4, DIMS(1, 2, 1, 1), (float[]){0.5f, -0.5f});
  node1(g, OP_Sign, "sgn", 1, &x, s);
  int c = node1(g, OP_Conv, "conv", 2, (int[]){s, w}, y);
  tb_attr_ints(g, c, "kernel_shape", 2, DIMS(1, 1));
  graph_add_output(g, y);
  Diag d;
  diag_init(&d, "m.json");
  ck_assert_int_eq(topo_sort(g, &d), 0);
  const float in[2] = {0.0f, 0.25f};
  const float *ins[1] = {in};
  float before, after, *outs[1] = {&before};
  ck_assert_int_eq(interp_run(g, &d, ins, outs), 0);
  ck_assert_int_eq(pass_binarize(g, &d), 0);
  ck_assert_str_eq(live_ops(g), "BinActiv BinConv");
  outs[0] = &after;
  ck_assert_int_eq(interp_run(g, &d, ins, outs), 0);
  ck_assert(before == -0.5f); /* 0 * 0.5 + 1 * -0.5 */
  ck_assert(after == 0.0f);   /* 1 * 0.5 + 1 * -0.5 */
  diag_free(&d);
  graph_free(g);
}
END_TEST

/* Running the pass again changes nothing. */
START_TEST(test_idempotent) {
  Graph *g = new_graph();
  Rng r = {12};
  int x = input(g, "x", 3, DIMS(2, 4, 9));
  int s = tb_tensor(g, "s", 3, DIMS(2, 4, 9), NULL), y = tb_tensor(g, "y", 3, DIMS(2, 3, 9), NULL);
  int w = pm_weight(g, &r, "w", 3, DIMS(3, 4, 3));
  node1(g, OP_Sign, "sgn", 1, &x, s);
  int c = node1(g, OP_Conv, "conv1d", 2, (int[]){s, w}, y);
  tb_attr_ints(g, c, "kernel_shape", 1, DIMS(3));
  tb_attr_ints(g, c, "pads", 2, DIMS(1, 1));
  graph_add_output(g, y);
  double e;
  ck_assert_str_eq(check_equiv(g, 22, &e), "BinActiv BinConv");
  ck_assert_msg(e <= 1.0, "relative error %g", e);
  Diag d;
  diag_init(&d, "m.json");
  int nn = g->nn;
  ck_assert_int_eq(pass_binarize(g, &d), 0);
  ck_assert_int_eq(g->nn, nn);
  ck_assert_str_eq(live_ops(g), "BinActiv BinConv");
  diag_free(&d);
  graph_free(g);
}
END_TEST

Suite *binarize_suite(void) {
  Suite *s = suite_create("binarize");
  TCase *tc = tcase_create("patterns");
  tcase_add_test(tc, test_xnor_conv);
  tcase_add_test(tc, test_xnor_conv_k_pad_avgpool);
  tcase_add_test(tc, test_xnor_conv_k_avgpool_pads);
  tcase_add_test(tc, test_k_avgpool_cip0_kept);
  tcase_add_test(tc, test_xnor_conv_k_box);
  tcase_add_test(tc, test_xnor_gemm);
  tcase_add_test(tc, test_xnor_matmul_scale_bias);
  tcase_add_test(tc, test_xnor_gemm_transb0_and_matmul_add);
  tcase_add_test(tc, test_bwn_and_flatten);
  tcase_add_test(tc, test_not_rewritten);
  tcase_add_test(tc, test_sign_output_and_tiny_filters);
  tcase_add_test(tc, test_sign_zero_deviation);
  tcase_add_test(tc, test_zero_weights);
  tcase_add_test(tc, test_fold_limit_reason);
  tcase_add_test(tc, test_idempotent);
  suite_add_tcase(s, tc);
  return s;
}
