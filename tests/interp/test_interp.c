/* test_interp.c - shape inference, folding and the reference interpreter,
 * op by op, on small graphs whose results are worked out by hand here. */
#include <stdlib.h>

#include "build.h"

#define BEGIN(opset_)                                                                                      \
  Graph *g = graph_new("test.json");                                                                       \
  Diag d;                                                                                                   \
  diag_init(&d, "test.json");                                                                               \
  g->opset = (opset_)
#define END()                                                                                              \
  diag_free(&d);                                                                                            \
  graph_free(g)
#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define FL(...) ((const float[]){__VA_ARGS__})

/* Lowers g, runs it on one input and checks the first output. */
static void run_check(Graph *g, Diag *d, const float *x, const float *want, int n) {
  ck_assert_msg(b_lower(g, d) == 0, "%s", d->text ? d->text : "");
  float *out[8];
  for (int i = 0; i < g->noutputs; i++)
    out[i] = calloc((size_t)tensor_numel(&g->t[g->outputs[i]]) + 1, sizeof(float));
  const float *in[1] = {x};
  ck_assert_msg(interp_run(g, d, in, out) == 0, "%s", d->text ? d->text : "");
  ck_assert_int_eq(tensor_numel(&g->t[g->outputs[0]]), n);
  ck_floats(out[0], want, n);
  for (int i = 0; i < g->noutputs; i++)
    free(out[i]);
}

static void ck_shape(const Tensor *t, int rank, const int64_t *dims) {
  ck_assert_int_eq(t->rank, rank);
  for (int i = 0; i < rank; i++)
    ck_assert_int_eq(t->dims[i], dims[i]);
}

/* ---- Conv ---- */

/* x = 1..9 (3x3), w = [[1,0,0],[0,2,0],[0,0,-1]], bias 0.5, pads 1, stride 2:
 * y[i][j] = x[2i-1][2j-1] + 2 x[2i][2j] - x[2i+1][2j+1] + 0.5 (outside = 0)
 * y00 = 0 + 2 - 5 + .5 = -2.5   y01 = 0 + 6 - 0 + .5 = 6.5
 * y10 = 0 + 14 - 0 + .5 = 14.5  y11 = 5 + 18 - 0 + .5 = 23.5 */
START_TEST(conv_pads_stride2) {
  BEGIN(13);
  int x = b_input(g, "x", 4, DIMS(1, 1, 3, 3));
  int w = b_const(g, "w", 4, DIMS(1, 1, 3, 3), FL(1, 0, 0, 0, 2, 0, 0, 0, -1));
  int b = b_const(g, "b", 1, DIMS(1), FL(0.5f));
  int y = b_value(g, "y");
  int n = b_node(g, OP_Conv, "conv", 3, (int[]){x, w, b}, 1, &y);
  b_ints(g, n, "pads", 4, DIMS(1, 1, 1, 1));
  b_ints(g, n, "strides", 2, DIMS(2, 2));
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2, 3, 4, 5, 6, 7, 8, 9), FL(-2.5f, 6.5f, 14.5f, 23.5f), 4);
  ck_shape(&g->t[y], 4, DIMS(1, 1, 2, 2));
  END();
}
END_TEST

/* group 2: channel 0 times 2, channel 1 times 3 (1x1 kernels, no bias). */
START_TEST(conv_group) {
  BEGIN(13);
  int x = b_input(g, "x", 4, DIMS(1, 2, 1, 2));
  int w = b_const(g, "w", 4, DIMS(2, 1, 1, 1), FL(2, 3));
  int y = b_value(g, "y");
  int n = b_node2(g, OP_Conv, "conv", x, w, y);
  b_int(g, n, "group", 2);
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2, 3, 4), FL(2, 4, 9, 12), 4);
  END();
}
END_TEST

/* NCW: x = 1..5, w = [1, -1], stride 2 -> [1-2, 3-4]; dilation 2 -> x[i] - x[i+2]. */
START_TEST(conv_1d) {
  BEGIN(13);
  int x = b_input(g, "x", 3, DIMS(1, 1, 5));
  int w = b_const(g, "w", 3, DIMS(1, 1, 2), FL(1, -1));
  int y = b_value(g, "y"), z = b_value(g, "z");
  int n = b_node2(g, OP_Conv, "c1", x, w, y);
  b_ints(g, n, "strides", 1, DIMS(2));
  n = b_node2(g, OP_Conv, "c2", x, w, z);
  b_ints(g, n, "dilations", 1, DIMS(2));
  graph_add_output(g, y);
  graph_add_output(g, z);
  run_check(g, &d, FL(1, 2, 3, 4, 5), FL(-1, -1), 2);
  ck_shape(&g->t[z], 3, DIMS(1, 1, 3));
  END();
}
END_TEST

/* SAME_UPPER on 4 wide, k 2, stride 1: total pad 1, at the end.
 * SAME_LOWER: at the beginning. x = 1..4, w = [1, 10]. */
START_TEST(conv_autopad) {
  BEGIN(13);
  int x = b_input(g, "x", 3, DIMS(1, 1, 4));
  int w = b_const(g, "w", 3, DIMS(1, 1, 2), FL(1, 10));
  int y = b_value(g, "y"), z = b_value(g, "z");
  b_string(g, b_node2(g, OP_Conv, "up", x, w, y), "auto_pad", "SAME_UPPER");
  b_string(g, b_node2(g, OP_Conv, "lo", x, w, z), "auto_pad", "SAME_LOWER");
  graph_add_output(g, z);
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2, 3, 4), FL(10, 21, 32, 43), 4);
  END();
}
END_TEST

START_TEST(conv_channel_mismatch) {
  BEGIN(13);
  int x = b_input(g, "x", 4, DIMS(1, 3, 4, 4));
  float wv[4 * 4 * 9] = {0};
  int w = b_const(g, "w", 4, DIMS(4, 4, 3, 3), wv);
  int y = b_value(g, "y");
  b_node2(g, OP_Conv, "conv3", x, w, y);
  graph_add_output(g, y);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_error(&d, "node 'conv3' (Conv) at graph.node[0]: weight has 4 input channels per group (group 1) but input "
               "'x' has 3 channels");
  END();
}
END_TEST

START_TEST(conv_bias_mismatch) {
  BEGIN(13);
  int x = b_input(g, "x", 4, DIMS(1, 1, 4, 4));
  int w = b_const(g, "w", 4, DIMS(2, 1, 1, 1), FL(1, 1));
  int b = b_const(g, "b", 1, DIMS(3), FL(1, 1, 1));
  int y = b_value(g, "y");
  b_node(g, OP_Conv, "c", 3, (int[]){x, w, b}, 1, &y);
  graph_add_output(g, y);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_error(&d, "node 'c' (Conv) at graph.node[0]: bias 'b' of shape 3 does not match the 2 filters of weight 'w' "
               "of shape 2x1x1x1");
  END();
}
END_TEST

/* ---- window_params errors ---- */

static void window_error(const char *attr, int cnt, const int64_t *v, int64_t w, const char *want) {
  BEGIN(13);
  int x = b_input(g, "x", 4, DIMS(1, 1, 2, w));
  int y = b_value(g, "y");
  int n = b_node1(g, OP_MaxPool, "p", x, y);
  b_ints(g, n, "kernel_shape", 2, DIMS(1, 2));
  b_ints(g, n, attr, cnt, v);
  graph_add_output(g, y);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_assert_int_eq(d.nerrors, 1);
  ck_assert_str_eq(d.text, want);
  END();
}

START_TEST(window_errors) {
  window_error("strides", 2, DIMS(1, 0), 4,
               "test.json: error: node 'p' (MaxPool) at graph.node[0]: strides[1] is 0; it must be at least 1\n");
  window_error("dilations", 2, DIMS(0, 1), 4,
               "test.json: error: node 'p' (MaxPool) at graph.node[0]: dilations[0] is 0; it must be at least 1\n");
  window_error("pads", 4, DIMS(0, 0, 0, -1), 4,
               "test.json: error: node 'p' (MaxPool) at graph.node[0]: pads[3] is -1; negative pads are not "
               "allowed\n");
  window_error("strides", 3, DIMS(1, 1, 1), 4,
               "test.json: error: node 'p' (MaxPool) at graph.node[0]: attribute 'strides' has 3 values but input "
               "'x' of shape 1x1x2x4 needs 2\n");
  /* Pads larger than the input are fine (ONNX), a pool window of padding only is not. */
  window_error("pads", 4, DIMS(0, 5, 0, 5), 4,
               "test.json: error: node 'p' (MaxPool) at graph.node[0]: pads 5 and 5 of spatial dim 1 leave a "
               "window with only padding (input extent 4, kernel extent 2)\n");
  window_error("dilations", 2, DIMS(1, 4), 4,
               "test.json: error: node 'p' (MaxPool) at graph.node[0]: empty output: input extent 4 padded by 0+0 "
               "is smaller than the kernel extent 5 in spatial dim 1\n");
}
END_TEST

/* ---- pools ---- */

START_TEST(maxpool_ceil) {
  BEGIN(13);
  int x = b_input(g, "x", 4, DIMS(1, 1, 3, 3));
  int y = b_value(g, "y"), z = b_value(g, "z");
  int n = b_node1(g, OP_MaxPool, "ceil", x, y);
  b_ints(g, n, "kernel_shape", 2, DIMS(2, 2));
  b_ints(g, n, "strides", 2, DIMS(2, 2));
  b_int(g, n, "ceil_mode", 1);
  n = b_node1(g, OP_MaxPool, "floor", x, z);
  b_ints(g, n, "kernel_shape", 2, DIMS(2, 2));
  b_ints(g, n, "strides", 2, DIMS(2, 2));
  graph_add_output(g, y);
  graph_add_output(g, z);
  run_check(g, &d, FL(1, 2, 3, 4, 5, 6, 7, 8, 9), FL(5, 6, 8, 9), 4);
  ck_shape(&g->t[z], 4, DIMS(1, 1, 1, 1));
  END();
}
END_TEST

/* Pads are -inf for MaxPool: all-negative input, pad 1, k 2, s 1 on 1x2. */
START_TEST(maxpool_pads) {
  BEGIN(13);
  int x = b_input(g, "x", 3, DIMS(1, 1, 2));
  int y = b_value(g, "y");
  int n = b_node1(g, OP_MaxPool, "p", x, y);
  b_ints(g, n, "kernel_shape", 1, DIMS(2));
  b_ints(g, n, "pads", 2, DIMS(1, 1));
  graph_add_output(g, y);
  run_check(g, &d, FL(-3, -5), FL(-3, -3, -5), 3);
  END();
}
END_TEST

START_TEST(maxpool_indices_used) {
  BEGIN(13);
  int x = b_input(g, "x", 4, DIMS(1, 1, 2, 2));
  int y = b_value(g, "y"), i = b_value(g, "idx");
  int n = b_node(g, OP_MaxPool, "p", 1, &x, 2, (int[]){y, i});
  b_ints(g, n, "kernel_shape", 2, DIMS(2, 2));
  graph_add_output(g, i);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_error(&d, "node 'p' (MaxPool) at graph.node[0]: the Indices output 'idx' is not supported");
  END();
}
END_TEST

/* x = [[1,2],[3,4]], k 2, s 1, pads 1 -> 3x3 windows.
 * count_include_pad 0: divide by real cells: corners 1, 2, 3, 4; edges
 * (1+2)/2, (1+3)/2, (2+4)/2, (3+4)/2; centre 10/4.
 * count_include_pad 1: always by 4. */
START_TEST(avgpool_cip) {
  for (int cip = 0; cip < 2; cip++) {
    BEGIN(13);
    int x = b_input(g, "x", 4, DIMS(1, 1, 2, 2));
    int y = b_value(g, "y");
    int n = b_node1(g, OP_AveragePool, "a", x, y);
    b_ints(g, n, "kernel_shape", 2, DIMS(2, 2));
    b_ints(g, n, "pads", 4, DIMS(1, 1, 1, 1));
    b_int(g, n, "count_include_pad", cip);
    graph_add_output(g, y);
    if (cip)
      run_check(g, &d, FL(1, 2, 3, 4), FL(.25f, .75f, .5f, 1, 2.5f, 1.5f, .75f, 1.75f, 1), 9);
    else
      run_check(g, &d, FL(1, 2, 3, 4), FL(1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4), 9);
    END();
  }
}
END_TEST

/* ceil_mode, count_include_pad 1, 1-D: x = [1,2,3], k 2, s 2, pad 1 at the
 * beginning: windows [-1,0], [1,2], [3,4]? No: out = ceil((4-2)/2)+1 = 2 (the
 * third would start past the input): [pad,1] / 2 = 0.5 and [2,3] / 2 = 2.5.
 * Then without pads, x = [1,2,3]: the last window [3, past] divides by 1. */
START_TEST(avgpool_ceil) {
  BEGIN(13);
  int x = b_input(g, "x", 3, DIMS(1, 1, 3));
  int y = b_value(g, "y"), z = b_value(g, "z");
  int n = b_node1(g, OP_AveragePool, "a", x, y);
  b_ints(g, n, "kernel_shape", 1, DIMS(2));
  b_ints(g, n, "strides", 1, DIMS(2));
  b_ints(g, n, "pads", 2, DIMS(1, 0));
  b_int(g, n, "ceil_mode", 1);
  b_int(g, n, "count_include_pad", 1);
  n = b_node1(g, OP_AveragePool, "b", x, z);
  b_ints(g, n, "kernel_shape", 1, DIMS(2));
  b_ints(g, n, "strides", 1, DIMS(2));
  b_int(g, n, "ceil_mode", 1);
  b_int(g, n, "count_include_pad", 1);
  graph_add_output(g, z);
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2, 3), FL(1.5f, 3), 2);
  ck_shape(&g->t[y], 3, DIMS(1, 1, 2));
  float *out[2] = {calloc(2, 4), calloc(2, 4)};
  ck_assert_int_eq(interp_run(g, &d, (const float *[]){FL(1, 2, 3)}, out), 0);
  ck_floats(out[1], FL(0.5f, 2.5f), 2);
  free(out[0]);
  free(out[1]);
  END();
}
END_TEST

START_TEST(globalavgpool) {
  BEGIN(13);
  int x = b_input(g, "x", 4, DIMS(1, 2, 1, 2));
  int y = b_value(g, "y");
  b_node1(g, OP_GlobalAveragePool, "gap", x, y);
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2, 3, 5), FL(1.5f, 4), 2);
  ck_shape(&g->t[y], 4, DIMS(1, 2, 1, 1));
  END();
}
END_TEST

/* ---- Gemm, MatMul ---- */

/* A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]]: AB = [[4,5],[10,11]];
 * alpha 2, beta 0.5, C = [1,2] per column: [[8.5,11],[20.5,23]]. */
START_TEST(gemm_basic) {
  BEGIN(9);
  int a = b_input(g, "a", 2, DIMS(2, 3));
  int b = b_const(g, "b", 2, DIMS(3, 2), FL(1, 0, 0, 1, 1, 1));
  int c = b_const(g, "c", 1, DIMS(2), FL(1, 2));
  int y = b_value(g, "y");
  int n = b_node(g, OP_Gemm, "gemm", 3, (int[]){a, b, c}, 1, &y);
  b_float(g, n, "alpha", 2);
  b_float(g, n, "beta", 0.5f);
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2, 3, 4, 5, 6), FL(8.5f, 11, 20.5f, 23), 4);
  END();
}
END_TEST

/* transA and transB: A^T with A stored 3x2, B^T with B stored 2x3; C [2,1]. */
START_TEST(gemm_trans) {
  BEGIN(13);
  int a = b_input(g, "a", 2, DIMS(3, 2)); /* A^T = [[1,3,5],[2,4,6]] */
  int b = b_const(g, "b", 2, DIMS(2, 3), FL(1, 0, 1, 0, 1, 1)); /* B^T = [[1,0],[0,1],[1,1]] */
  int c = b_const(g, "c", 2, DIMS(2, 1), FL(100, 200));
  int y = b_value(g, "y");
  int n = b_node(g, OP_Gemm, "gemm", 3, (int[]){a, b, c}, 1, &y);
  b_int(g, n, "transA", 1);
  b_int(g, n, "transB", 1);
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2, 3, 4, 5, 6), FL(106, 108, 208, 210), 4);
  END();
}
END_TEST

START_TEST(gemm_errors) {
  BEGIN(9);
  int a = b_input(g, "a", 2, DIMS(2, 3));
  int b = b_const(g, "b", 2, DIMS(4, 2), FL(0, 0, 0, 0, 0, 0, 0, 0));
  int y = b_value(g, "y"), z = b_value(g, "z");
  b_node(g, OP_Gemm, "g1", 3, (int[]){a, b, b}, 1, &y);
  b_node(g, OP_Gemm, "g2", 2, (int[]){a, b}, 1, &z);
  graph_add_output(g, y);
  graph_add_output(g, z);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_assert_int_eq(d.nerrors, 2);
  ck_assert_str_eq(d.text,
                   "test.json: error: node 'g1' (Gemm) at graph.node[0]: inner dimensions differ: A 'a' of shape "
                   "2x3 (transA 0) has K = 3 but B 'b' of shape 4x2 (transB 0) has K = 4\n"
                   "test.json: error: node 'g2' (Gemm) at graph.node[1]: input C is required before opset 11 (the "
                   "model has opset 9)\n");
  END();
}
END_TEST

/* 1-D A: [1,2,3] x [[1,0],[0,1],[1,1]] = [4,5] (shape [2]). */
START_TEST(matmul_1d) {
  BEGIN(13);
  int a = b_input(g, "a", 1, DIMS(3));
  int b = b_const(g, "b", 2, DIMS(3, 2), FL(1, 0, 0, 1, 1, 1));
  int y = b_value(g, "y");
  b_node2(g, OP_MatMul, "mm", a, b, y);
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2, 3), FL(4, 5), 2);
  ck_shape(&g->t[y], 1, DIMS(2));
  END();
}
END_TEST

/* Batched with broadcast: A [2,1,1,2], B [3,2,1]: y[i,j] = A[i] . B[j]. */
START_TEST(matmul_batched) {
  BEGIN(13);
  int a = b_input(g, "a", 4, DIMS(2, 1, 1, 2));
  int b = b_const(g, "b", 3, DIMS(3, 2, 1), FL(1, 0, 0, 1, 1, 1));
  int y = b_value(g, "y");
  b_node2(g, OP_MatMul, "mm", a, b, y);
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2, 3, 4), FL(1, 2, 3, 3, 4, 7), 6);
  ck_shape(&g->t[y], 4, DIMS(2, 3, 1, 1));
  END();
}
END_TEST

START_TEST(matmul_mismatch) {
  BEGIN(13);
  int a = b_input(g, "a", 2, DIMS(2, 3));
  int b = b_const(g, "b", 2, DIMS(2, 2), FL(0, 0, 0, 0));
  int y = b_value(g, "y");
  b_node2(g, OP_MatMul, "mm", a, b, y);
  graph_add_output(g, y);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_error(&d, "node 'mm' (MatMul) at graph.node[0]: inner dimensions differ: A 'a' of shape 2x3 has 3 columns but "
               "B 'b' of shape 2x2 has 2 rows");
  END();
}
END_TEST

/* ---- elementwise ---- */

START_TEST(add_broadcast) {
  BEGIN(13);
  int a = b_input(g, "a", 2, DIMS(2, 1));
  int b = b_const(g, "b", 1, DIMS(3), FL(10, 20, 30));
  int y = b_value(g, "y"), z = b_value(g, "z");
  b_node2(g, OP_Add, "add", a, b, y);
  b_node2(g, OP_Sub, "sub", b, a, z);
  graph_add_output(g, y);
  graph_add_output(g, z);
  run_check(g, &d, FL(1, 2), FL(11, 21, 31, 12, 22, 32), 6);
  END();
}
END_TEST

START_TEST(broadcast_mismatch) {
  BEGIN(13);
  int a = b_input(g, "a", 2, DIMS(2, 3));
  int b = b_const(g, "b", 1, DIMS(4), FL(0, 0, 0, 0));
  int y = b_value(g, "y");
  b_node2(g, OP_Mul, "m", a, b, y);
  graph_add_output(g, y);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_error(&d, "node 'm' (Mul) at graph.node[0]: cannot broadcast input 0 'a' of shape 2x3 with input 1 'b' of "
               "shape 4 (extents 3 and 4 in output dim 1)");
  END();
}
END_TEST

/* int64 Div truncates toward zero (folded); by zero is an error. */
START_TEST(int64_div) {
  BEGIN(13);
  int a = b_consti(g, "a", 1, DIMS(2), (const int64_t[]){7, -7});
  int b = b_consti(g, "b", 0, NULL, (const int64_t[]){2});
  int y = b_value(g, "y");
  b_node2(g, OP_Div, "div", a, b, y);
  graph_add_output(g, y);
  ck_assert_int_eq(b_lower(g, &d), 0);
  ck_assert_int_eq(g->t[y].dtype, DT_I64);
  ck_assert_int_eq(((int64_t *)g->t[y].data)[0], 3);
  ck_assert_int_eq(((int64_t *)g->t[y].data)[1], -3);
  END();
  {
    BEGIN(13);
    int a = b_consti(g, "a", 1, DIMS(1), (const int64_t[]){7});
    int b = b_consti(g, "b", 1, DIMS(1), (const int64_t[]){0});
    int y = b_value(g, "y");
    b_node2(g, OP_Div, "div", a, b, y);
    graph_add_output(g, y);
    ck_assert_int_eq(b_lower(g, &d), -1);
    ck_error(&d, "node 'div' (Div) at graph.node[0]: int64 division by zero");
    END();
  }
}
END_TEST

START_TEST(mixed_dtypes) {
  BEGIN(13);
  int a = b_input(g, "a", 1, DIMS(2));
  int b = b_consti(g, "b", 1, DIMS(2), (const int64_t[]){1, 2});
  int y = b_value(g, "y");
  b_node2(g, OP_Add, "add", a, b, y);
  graph_add_output(g, y);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_error(&d, "node 'add' (Add) at graph.node[0]: input 0 'a' is float32 but input 1 'b' is int64");
  END();
}
END_TEST

START_TEST(unary_ops) {
  static const struct {
    Op op;
    float want[4];
  } cases[] = {
      {OP_Relu, {0, 0, 0.5f, 3}},
      {OP_LeakyRelu, {-0.02f, 0, 0.5f, 3}},
      {OP_Abs, {2, 0, 0.5f, 3}},
      {OP_Sign, {-1, 0, 1, 1}}, /* Sign(0) = 0 */
      {OP_Sigmoid, {0.11920292f, 0.5f, 0.62245933f, 0.95257413f}},
      {OP_Tanh, {-0.96402758f, 0, 0.46211716f, 0.99505475f}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    BEGIN(13);
    int x = b_input(g, "x", 1, DIMS(4));
    int y = b_value(g, "y");
    b_node1(g, cases[i].op, "u", x, y);
    graph_add_output(g, y);
    run_check(g, &d, FL(-2, 0, 0.5f, 3), cases[i].want, 4);
    END();
  }
}
END_TEST

/* Slope [C,1,1] broadcast to [1,C,1,2]. */
START_TEST(prelu) {
  BEGIN(13);
  int x = b_input(g, "x", 4, DIMS(1, 2, 1, 2));
  int s = b_const(g, "s", 3, DIMS(2, 1, 1), FL(0.5f, 2));
  int y = b_value(g, "y");
  b_node2(g, OP_PRelu, "pr", x, s, y);
  graph_add_output(g, y);
  run_check(g, &d, FL(-2, 2, -3, 3), FL(-1, 2, -6, 3), 4);
  END();
  {
    BEGIN(13);
    int x = b_input(g, "x", 4, DIMS(1, 2, 1, 2));
    int s = b_const(g, "s", 1, DIMS(2), FL(0.5f, 2)); /* aligns with W, fine */
    int t = b_const(g, "t", 1, DIMS(3), FL(1, 1, 1));
    int y = b_value(g, "y"), z = b_value(g, "z");
    b_node2(g, OP_PRelu, "ok", x, s, y);
    b_node2(g, OP_PRelu, "bad", x, t, z);
    graph_add_output(g, z);
    ck_assert_int_eq(b_lower(g, &d), -1);
    ck_error(&d, "node 'bad' (PRelu) at graph.node[1]: slope 't' of shape 3 cannot be broadcast to input 'x' of "
                 "shape 1x2x1x2");
    END();
  }
}
END_TEST

START_TEST(clip_forms) {
  {
    BEGIN(7);
    int x = b_input(g, "x", 1, DIMS(4));
    int y = b_value(g, "y");
    int n = b_node1(g, OP_Clip, "c", x, y);
    b_float(g, n, "min", 0);
    b_float(g, n, "max", 6);
    graph_add_output(g, y);
    run_check(g, &d, FL(-1, 0.5f, 6, 9), FL(0, 0.5f, 6, 6), 4);
    END();
  }
  {
    BEGIN(13);
    int x = b_input(g, "x", 1, DIMS(4));
    int mx = b_const(g, "max", 0, NULL, FL(1));
    int y = b_value(g, "y");
    b_node(g, OP_Clip, "c", 3, (int[]){x, -1, mx}, 1, &y); /* min omitted with "" */
    graph_add_output(g, y);
    run_check(g, &d, FL(-1e30f, 0.5f, 6, 9), FL(-1e30f, 0.5f, 1, 1), 4);
    END();
  }
  {
    BEGIN(7);
    int x = b_input(g, "x", 1, DIMS(4));
    int mn = b_const(g, "min", 0, NULL, FL(1));
    int y = b_value(g, "y");
    b_node2(g, OP_Clip, "c", x, mn, y);
    graph_add_output(g, y);
    ck_assert_int_eq(b_lower(g, &d), -1);
    ck_error(&d, "node 'c' (Clip) at graph.node[0]: min and max as inputs need opset 11 (the model has opset 7)");
    END();
  }
}
END_TEST

/* y = (x - mean) / sqrt(var + eps) * scale + B; eps 0:
 * ch0: (1 - 0) / 1 * 1 + 0 = 1; ch1: (2 - 1) / 2 * 2 + 1 = 2. */
START_TEST(batchnorm) {
  BEGIN(9);
  int x = b_input(g, "x", 4, DIMS(1, 2, 1, 1));
  int s = b_const(g, "s", 1, DIMS(2), FL(1, 2)), b = b_const(g, "b", 1, DIMS(2), FL(0, 1));
  int m = b_const(g, "m", 1, DIMS(2), FL(0, 1)), v = b_const(g, "v", 1, DIMS(2), FL(1, 4));
  int y = b_value(g, "y");
  int n = b_node(g, OP_BatchNormalization, "bn", 5, (int[]){x, s, b, m, v}, 1, &y);
  b_float(g, n, "epsilon", 0);
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2), FL(1, 2), 2);
  END();
  {
    BEGIN(7);
    int x = b_input(g, "x", 4, DIMS(1, 2, 1, 1));
    int s = b_const(g, "s", 1, DIMS(3), FL(1, 2, 3)), b = b_const(g, "b", 1, DIMS(2), FL(0, 1));
    int y = b_value(g, "y");
    int n = b_node(g, OP_BatchNormalization, "bn", 5, (int[]){x, s, b, b, b}, 1, &y);
    b_int(g, n, "spatial", 0);
    graph_add_output(g, y);
    ck_assert_int_eq(b_lower(g, &d), -1);
    ck_error(&d, "node 'bn' (BatchNormalization) at graph.node[0]: spatial=0 with per-element parameters is not "
                 "supported: scale 's' of shape 3 has 3 elements but input 'x' has 2 channels");
    END();
  }
}
END_TEST

/* opset 11: axis 1 of [1,2,2] normalizes over all 4; opset 13: rows of 2. */
START_TEST(softmax_forms) {
  for (int opset = 11; opset <= 13; opset += 2) {
    BEGIN(opset);
    int x = b_input(g, "x", 3, DIMS(1, 2, 2));
    int y = b_value(g, "y");
    int n = b_node1(g, OP_Softmax, "sm", x, y);
    b_int(g, n, "axis", 1);
    graph_add_output(g, y);
    if (opset == 11)
      run_check(g, &d, FL(0, 0, 0, 0), FL(.25f, .25f, .25f, .25f), 4);
    else /* along axis 1 (the pairs x[0][k], x[1][k]) */
      run_check(g, &d, FL(0, 1, 0, 1), FL(.5f, .5f, .5f, .5f), 4);
    END();
  }
}
END_TEST

/* ---- data movement ---- */

START_TEST(reshape_transpose_flatten) {
  BEGIN(13);
  int x = b_input(g, "x", 3, DIMS(2, 3, 4));
  int s = b_consti(g, "s", 1, DIMS(2), (const int64_t[]){0, -1});
  int y = b_value(g, "y"), t = b_value(g, "t"), f = b_value(g, "f");
  b_node2(g, OP_Reshape, "r", x, s, y);
  b_node1(g, OP_Transpose, "tr", y, t);
  int n = b_node1(g, OP_Flatten, "fl", x, f);
  b_int(g, n, "axis", -1);
  graph_add_output(g, t);
  graph_add_output(g, f);
  float xv[24], want[24];
  for (int i = 0; i < 24; i++)
    xv[i] = (float)i;
  for (int i = 0; i < 12; i++) /* t[i][j] = y[j][i] = j * 12 + i */
    for (int j = 0; j < 2; j++)
      want[i * 2 + j] = (float)(j * 12 + i);
  run_check(g, &d, xv, want, 24);
  ck_shape(&g->t[y], 2, DIMS(2, 12));
  ck_shape(&g->t[t], 2, DIMS(12, 2));
  ck_shape(&g->t[f], 2, DIMS(6, 4));
  END();
}
END_TEST

START_TEST(reshape_errors) {
  BEGIN(13);
  int x = b_input(g, "x", 3, DIMS(2, 3, 4));
  int s1 = b_consti(g, "s1", 1, DIMS(2), (const int64_t[]){5, -1});
  int s2 = b_consti(g, "s2", 1, DIMS(2), (const int64_t[]){5, 5});
  int y = b_value(g, "y"), z = b_value(g, "z");
  b_node2(g, OP_Reshape, "r1", x, s1, y);
  b_node2(g, OP_Reshape, "r2", x, s2, z);
  graph_add_output(g, y);
  graph_add_output(g, z);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_assert_str_eq(d.text, "test.json: error: node 'r1' (Reshape) at graph.node[0]: cannot reshape input 'x' of "
                           "shape 2x3x4 (24 elements) to 5x-1\n"
                           "test.json: error: node 'r2' (Reshape) at graph.node[1]: shape 5x5 has 25 elements but "
                           "input 'x' of shape 2x3x4 has 24\n");
  END();
}
END_TEST

/* Pad opset 11 with a negative (cropping) pad and a constant value; opset 7 attrs. */
START_TEST(pad_forms) {
  {
    BEGIN(11);
    int x = b_input(g, "x", 1, DIMS(4));
    int p = b_consti(g, "p", 1, DIMS(2), (const int64_t[]){1, -2});
    int v = b_const(g, "v", 0, NULL, FL(9));
    int y = b_value(g, "y");
    b_node(g, OP_Pad, "pad", 3, (int[]){x, p, v}, 1, &y);
    graph_add_output(g, y);
    run_check(g, &d, FL(1, 2, 3, 4), FL(9, 1, 2), 3);
    END();
  }
  {
    BEGIN(7);
    int x = b_input(g, "x", 2, DIMS(1, 2));
    int y = b_value(g, "y");
    int n = b_node1(g, OP_Pad, "pad", x, y);
    b_ints(g, n, "pads", 4, DIMS(0, 2, 1, 0));
    b_float(g, n, "value", 0.5f);
    graph_add_output(g, y);
    run_check(g, &d, FL(1, 2), FL(.5f, .5f, 1, 2, .5f, .5f, .5f, .5f), 8);
    END();
  }
}
END_TEST

START_TEST(concat) {
  BEGIN(13);
  int a = b_input(g, "a", 2, DIMS(2, 1));
  int b = b_const(g, "b", 2, DIMS(2, 2), FL(5, 6, 7, 8));
  int y = b_value(g, "y");
  int n = b_node2(g, OP_Concat, "cat", a, b, y);
  b_int(g, n, "axis", -1);
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2), FL(1, 5, 6, 2, 7, 8), 6);
  END();
  {
    BEGIN(13);
    int a = b_input(g, "a", 2, DIMS(2, 1));
    int b = b_const(g, "b", 2, DIMS(3, 2), FL(0, 0, 0, 0, 0, 0));
    int y = b_value(g, "y");
    b_int(g, b_node2(g, OP_Concat, "cat", a, b, y), "axis", 1);
    graph_add_output(g, y);
    ck_assert_int_eq(b_lower(g, &d), -1);
    ck_error(&d, "node 'cat' (Concat) at graph.node[0]: input 1 'b' of shape 3x2 does not match input 0 'a' of "
                 "shape 2x1 in dim 0 (3 vs 2); only the concat axis 1 may differ");
    END();
  }
}
END_TEST

/* ReduceMean: axes [-1], keepdims 0 on [[1,2],[3,5]] -> [1.5, 4]; no axes -> all. */
START_TEST(reducemean) {
  BEGIN(13);
  int x = b_input(g, "x", 2, DIMS(2, 2));
  int y = b_value(g, "y"), z = b_value(g, "z");
  int n = b_node1(g, OP_ReduceMean, "r", x, y);
  b_ints(g, n, "axes", 1, DIMS(-1));
  b_int(g, n, "keepdims", 0);
  b_node1(g, OP_ReduceMean, "all", x, z);
  graph_add_output(g, y);
  graph_add_output(g, z);
  run_check(g, &d, FL(1, 2, 3, 5), FL(1.5f, 4), 2);
  ck_shape(&g->t[y], 1, DIMS(2));
  ck_shape(&g->t[z], 2, DIMS(1, 1));
  END();
}
END_TEST

START_TEST(squeeze_unsqueeze) {
  BEGIN(11);
  int x = b_input(g, "x", 3, DIMS(1, 3, 1));
  int y = b_value(g, "y"), z = b_value(g, "z"), w = b_value(g, "w");
  b_node1(g, OP_Squeeze, "sq", x, y); /* all 1s: [3] */
  b_ints(g, b_node1(g, OP_Unsqueeze, "us", y, z), "axes", 2, DIMS(0, -1)); /* [1,3,1] */
  b_ints(g, b_node1(g, OP_Squeeze, "bad", x, w), "axes", 1, DIMS(1));
  graph_add_output(g, z);
  graph_add_output(g, w);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_error(&d, "node 'bad' (Squeeze) at graph.node[2]: cannot squeeze axis 1 of input 'x' of shape 1x3x1: its "
               "extent is 3, not 1");
  ck_shape(&g->t[y], 1, DIMS(3));
  ck_shape(&g->t[z], 3, DIMS(1, 3, 1));
  END();
}
END_TEST

/* x.view(x.size(0), -1) as exporters write it: Shape -> Gather -> Unsqueeze
 * -> Concat -> Reshape; every shape node folds, the Reshape stays. */
START_TEST(shape_chain_folds) {
  BEGIN(13);
  int x = b_input(g, "x", 3, DIMS(2, 3, 4));
  int s = b_value(g, "s"), s0 = b_value(g, "s0"), u = b_value(g, "u"), c = b_value(g, "c"), y = b_value(g, "y");
  int zero = b_consti(g, "zero", 0, NULL, (const int64_t[]){0});
  int ax = b_consti(g, "ax", 1, DIMS(1), (const int64_t[]){0});
  int m1 = b_consti(g, "m1", 1, DIMS(1), (const int64_t[]){-1});
  b_node1(g, OP_Shape, "shape", x, s);
  b_node2(g, OP_Gather, "gather", s, zero, s0);
  b_node2(g, OP_Unsqueeze, "unsq", s0, ax, u);
  b_int(g, b_node2(g, OP_Concat, "cat", u, m1, c), "axis", 0);
  int r = b_node2(g, OP_Reshape, "reshape", x, c, y);
  (void)r;
  graph_add_output(g, y);
  ck_assert_msg(b_lower(g, &d) == 0, "%s", d.text);
  ck_assert_int_eq(g->nn, 1);
  ck_assert_int_eq(g->n[0].op, OP_Reshape);
  ck_shape(&g->t[y], 2, DIMS(2, 12));
  ck_assert_ptr_nonnull(g->t[c].data);
  END();
}
END_TEST

START_TEST(gather_errors) {
  BEGIN(13);
  int x = b_input(g, "x", 2, DIMS(3, 2));
  int i = b_consti(g, "i", 1, DIMS(2), (const int64_t[]){-3, 3});
  int y = b_value(g, "y");
  b_node2(g, OP_Gather, "ga", x, i, y);
  graph_add_output(g, y);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_error(&d, "node 'ga' (Gather) at graph.node[0]: index 3 (indices[1]) is out of range for axis 0 of input 'x' "
               "of shape 3x2");
  END();
}
END_TEST

/* Gather with negative indices and axis 1, run time. */
START_TEST(gather_axis1) {
  BEGIN(13);
  int x = b_input(g, "x", 2, DIMS(2, 3));
  int i = b_consti(g, "i", 2, DIMS(1, 2), (const int64_t[]){-1, 0});
  int y = b_value(g, "y");
  b_int(g, b_node2(g, OP_Gather, "ga", x, i, y), "axis", 1);
  graph_add_output(g, y);
  run_check(g, &d, FL(1, 2, 3, 4, 5, 6), FL(3, 1, 6, 4), 4);
  ck_shape(&g->t[y], 3, DIMS(2, 1, 2));
  END();
}
END_TEST

/* Dropout is the identity; a used mask is an error. Constant forms fold. */
START_TEST(dropout_constant) {
  BEGIN(13);
  int x = b_input(g, "x", 1, DIMS(2));
  int k = b_value(g, "k"), y = b_value(g, "y"), z = b_value(g, "z"), mask = b_value(g, "mask");
  b_float(g, b_node(g, OP_Constant, "k", 0, NULL, 1, &k), "value_float", 3);
  b_node(g, OP_Dropout, "drop", 1, &x, 2, (int[]){y, mask}); /* mask unused */
  b_node2(g, OP_Mul, "mul", y, k, z);
  graph_add_output(g, z);
  run_check(g, &d, FL(1, 2), FL(3, 6), 2);
  ck_assert_ptr_nonnull(g->t[k].data);
  END();
  {
    BEGIN(13);
    int x = b_input(g, "x", 1, DIMS(2));
    int y = b_value(g, "y"), mask = b_value(g, "mask");
    b_node(g, OP_Dropout, "drop", 1, &x, 2, (int[]){y, mask});
    graph_add_output(g, mask);
    ck_assert_int_eq(b_lower(g, &d), -1);
    ck_error(&d, "node 'drop' (Dropout) at graph.node[0]: the mask output 'mask' is used, which is not supported");
    END();
  }
}
END_TEST

/* The XNOR weight chain on an initializer: W_b = Sign(W) * ReduceMean(Abs(W),
 * axes [1,2,3]) folds into a constant and only the Conv is left. */
START_TEST(fold_weight_chain) {
  BEGIN(13);
  int x = b_input(g, "x", 4, DIMS(1, 1, 1, 2));
  int w = b_const(g, "w", 4, DIMS(2, 1, 1, 2), FL(1, -3, 0, 2));
  int ab = b_value(g, "abs"), mean = b_value(g, "mean"), sg = b_value(g, "sign"), wb = b_value(g, "wb");
  int y = b_value(g, "y");
  b_node1(g, OP_Abs, "abs", w, ab);
  b_ints(g, b_node1(g, OP_ReduceMean, "mean", ab, mean), "axes", 3, DIMS(1, 2, 3));
  b_node1(g, OP_Sign, "sign", w, sg);
  b_node2(g, OP_Mul, "mul", sg, mean, wb);
  b_node2(g, OP_Conv, "conv", x, wb, y);
  graph_add_output(g, y);
  /* wb = [[2, -2], [0, 1]] (means 2 and 1; Sign(0) = 0). y = [x0*2 - x1*2, x1]. */
  run_check(g, &d, FL(3, 1), FL(4, 1), 2);
  ck_assert_int_eq(g->nn, 1);
  ck_assert_int_eq(g->n[0].op, OP_Conv);
  ck_floats(g->t[wb].data, FL(2, -2, 0, 1), 4);
  ck_shape(&g->t[mean], 4, DIMS(2, 1, 1, 1));
  END();
}
END_TEST

/* Every unsupported node is reported before any shape work. */
START_TEST(unsupported_all_reported) {
  BEGIN(13);
  int x = b_input(g, "x", 4, DIMS(1, 1, 2, 2));
  int y = b_value(g, "y"), z = b_value(g, "z"), w = b_value(g, "w");
  b_string(g, b_node1(g, OP_Pad, "ba", x, y), "mode", "edge");
  b_string(g, b_node1(g, OP_Pad, "pad", y, z), "mode", "reflect");
  b_node1(g, OP_Relu, "relu", z, w);
  graph_add_output(g, w);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_assert_int_eq(d.nerrors, 2);
  ck_assert_str_eq(d.text, "test.json: error: node 'ba' (Pad) at graph.node[0]: Pad mode 'edge' is not "
                           "supported (only 'constant')\n"
                           "test.json: error: node 'pad' (Pad) at graph.node[1]: Pad mode 'reflect' is not "
                           "supported (only 'constant')\n");
  END();
}
END_TEST

/* Independent errors are all reported; nodes after a failed one are skipped. */
START_TEST(errors_do_not_cascade) {
  BEGIN(13);
  int x = b_input(g, "x", 2, DIMS(2, 3));
  int b = b_const(g, "b", 1, DIMS(4), FL(0, 0, 0, 0));
  int y = b_value(g, "y"), z = b_value(g, "z"), w = b_value(g, "w");
  b_node2(g, OP_Add, "a1", x, b, y);
  b_node1(g, OP_Relu, "relu", y, z);
  b_node2(g, OP_Add, "a2", b, x, w);
  graph_add_output(g, z);
  graph_add_output(g, w);
  ck_assert_int_eq(b_lower(g, &d), -1);
  ck_assert_int_eq(d.nerrors, 2);
  END();
}
END_TEST

/* A graph output may be a graph input or a constant. */
START_TEST(run_outputs_input_and_const) {
  BEGIN(13);
  int x = b_input(g, "x", 1, DIMS(2));
  int c = b_const(g, "c", 1, DIMS(2), FL(7, 8));
  graph_add_output(g, x);
  graph_add_output(g, c);
  ck_assert_int_eq(b_lower(g, &d), 0);
  float o0[2], o1[2];
  float *out[2] = {o0, o1};
  ck_assert_int_eq(interp_run(g, &d, (const float *[]){FL(1, 2)}, out), 0);
  ck_floats(o0, FL(1, 2), 2);
  ck_floats(o1, FL(7, 8), 2);
  END();
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("interp");
  TCase *tc = tcase_create("ops");
  tcase_add_test(tc, conv_pads_stride2);
  tcase_add_test(tc, conv_group);
  tcase_add_test(tc, conv_1d);
  tcase_add_test(tc, conv_autopad);
  tcase_add_test(tc, conv_channel_mismatch);
  tcase_add_test(tc, conv_bias_mismatch);
  tcase_add_test(tc, window_errors);
  tcase_add_test(tc, maxpool_ceil);
  tcase_add_test(tc, maxpool_pads);
  tcase_add_test(tc, maxpool_indices_used);
  tcase_add_test(tc, avgpool_cip);
  tcase_add_test(tc, avgpool_ceil);
  tcase_add_test(tc, globalavgpool);
  tcase_add_test(tc, gemm_basic);
  tcase_add_test(tc, gemm_trans);
  tcase_add_test(tc, gemm_errors);
  tcase_add_test(tc, matmul_1d);
  tcase_add_test(tc, matmul_batched);
  tcase_add_test(tc, matmul_mismatch);
  tcase_add_test(tc, add_broadcast);
  tcase_add_test(tc, broadcast_mismatch);
  tcase_add_test(tc, int64_div);
  tcase_add_test(tc, mixed_dtypes);
  tcase_add_test(tc, unary_ops);
  tcase_add_test(tc, prelu);
  tcase_add_test(tc, clip_forms);
  tcase_add_test(tc, batchnorm);
  tcase_add_test(tc, softmax_forms);
  tcase_add_test(tc, reshape_transpose_flatten);
  tcase_add_test(tc, reshape_errors);
  tcase_add_test(tc, pad_forms);
  tcase_add_test(tc, concat);
  tcase_add_test(tc, reducemean);
  tcase_add_test(tc, squeeze_unsqueeze);
  tcase_add_test(tc, shape_chain_folds);
  tcase_add_test(tc, gather_errors);
  tcase_add_test(tc, gather_axis1);
  tcase_add_test(tc, dropout_constant);
  tcase_add_test(tc, fold_weight_chain);
  tcase_add_test(tc, unsupported_all_reported);
  tcase_add_test(tc, errors_do_not_cascade);
  tcase_add_test(tc, run_outputs_input_and_const);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
