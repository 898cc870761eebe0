/* test_fold.c - constant folding is evaluation (passes/fold.c): nodes on
 * constants are evaluated with the interpreter during shape inference and by
 * the pass `fold` to a fixed point, counted per op for --report; and signs
 * through positive factors (passes/signs.c). */
#include <string.h>

#include "pass_test.h"

static const int64_t d4[1] = {4};

/* y = x + Neg(Abs(w)): shape inference folds Abs and Neg (values checked),
 * the report counts them per op. */
START_TEST(fold_in_shapes_counted) {
  Graph *g = graph_new("test.json");
  float wv[4] = {1.5f, -2.0f, 0.0f, -0.25f};
  int x = pt_input(g, "x", 1, d4), w = pt_tensor(g, "w", 1, d4, wv), a = pt_tensor(g, "a", 0, NULL, NULL),
      b = pt_tensor(g, "b", 0, NULL, NULL), y = pt_tensor(g, "y", 0, NULL, NULL);
  pt_node(g, OP_Abs, "abs", 1, &w, 1, &a);
  pt_node(g, OP_Neg, "neg", 1, &a, 1, &b);
  pt_node(g, OP_Add, "add", 2, (int[]){x, b}, 1, &y);
  graph_add_output(g, y);
  pt_shape(g);
  ck_assert_int_eq(pt_count(g, OP_Abs) + pt_count(g, OP_Neg), 0);
  ck_assert_ptr_nonnull(g->t[b].data);
  const float *bv = g->t[b].data;
  ck_assert(bv[0] == -1.5f && bv[1] == -2.0f && bv[2] == 0.0f && bv[3] == -0.25f);
  StrBuf s;
  sb_init(&s, g->arena);
  fold_report(g, &s);
  ck_assert_str_eq(s.s, "folded: 2 nodes (Abs 1, Neg 1)\n");
  graph_free(g);
}
END_TEST

/* A node made constant after shape inference (here: its run-time input
 * replaced by a constant, as a rewrite would) is folded by pass_fold, and so
 * is the chain behind it, to a fixed point; the dead graph input's consumers
 * are gone and the output is a constant. */
START_TEST(pass_fold_fixed_point) {
  Graph *g = graph_new("test.json");
  float cv[4] = {4.0f, 9.0f, 16.0f, 0.25f};
  int x = pt_input(g, "x", 1, d4), c = pt_tensor(g, "c", 1, d4, cv), a = pt_tensor(g, "a", 0, NULL, NULL),
      b = pt_tensor(g, "b", 0, NULL, NULL), e = pt_tensor(g, "e", 0, NULL, NULL), y = pt_tensor(g, "y", 0, NULL, NULL);
  int ns = pt_node(g, OP_Sqrt, "sqrt", 1, &x, 1, &a);
  pt_node(g, OP_Reciprocal, "recip", 1, &a, 1, &b);
  pt_node(g, OP_Neg, "neg", 1, &b, 1, &e);
  pt_node(g, OP_Add, "add", 2, (int[]){x, e}, 1, &y);
  graph_add_output(g, y);
  pt_shape(g);
  ck_assert_int_eq(pt_count(g, OP_Sqrt), 1);
  g->n[ns].in[0] = c;
  graph_changed(g);
  Diag d;
  diag_init(&d, "test.json");
  ck_assert_msg(pass_fold(g, &d) == 0, "%s", d.text);
  ck_assert_int_eq(pt_count(g, OP_Sqrt) + pt_count(g, OP_Reciprocal) + pt_count(g, OP_Neg), 0);
  ck_assert_int_eq(pt_count(g, OP_Add), 1);
  const float *ev = g->t[e].data;
  ck_assert_ptr_nonnull(ev);
  ck_assert(ev[0] == -0.5f && ev[1] == -1.0f / 3.0f && ev[2] == -0.25f && ev[3] == -2.0f);
  ck_assert_int_eq(g->nfolded[OP_Sqrt], 1);
  ck_assert_int_eq(g->nfolded[OP_Reciprocal], 1);
  ck_assert_int_eq(g->nfolded[OP_Neg], 1);
  /* nothing left: a second run changes nothing */
  int before = g->nn;
  ck_assert(pass_fold(g, &d) == 0 && g->nn == before);
  diag_free(&d);
  graph_free(g);
}
END_TEST

/* Folding big constants (1 MiB and more) gives back or reuses what no one
 * reads any more (fold.c: release_if_dead, reusable_input0): y = x + (Sign(w)
 * * 0.5 + Abs(w)) on a 2 MiB w. The folded values are checked against
 * values computed here; w and the intermediates lose their data; with
 * keep_w, w is also a graph output and must keep its values. */
static void fold_big(int keep_w) {
  enum { N = 1 << 19 };
  const int64_t dn[1] = {N};
  Graph *g = graph_new("test.json");
  float *wv = arena_array(g->arena, N, sizeof *wv);
  for (int i = 0; i < N; i++)
    wv[i] = (float)(i % 7 - 3) * 0.25f;
  float half = 0.5f;
  int x = pt_input(g, "x", 1, dn), w = pt_tensor(g, "w", 1, dn, wv), c = pt_tensor(g, "c", 0, NULL, &half),
      s = pt_tensor(g, "s", 0, NULL, NULL), a = pt_tensor(g, "a", 0, NULL, NULL), p = pt_tensor(g, "p", 0, NULL, NULL),
      q = pt_tensor(g, "q", 0, NULL, NULL), y = pt_tensor(g, "y", 0, NULL, NULL);
  g->t[c].rank = 0;
  pt_node(g, OP_Sign, "sign", 1, &w, 1, &s);
  pt_node(g, OP_Abs, "abs", 1, &w, 1, &a);
  pt_node(g, OP_Mul, "mul", 2, (int[]){s, c}, 1, &p);
  pt_node(g, OP_Add, "addq", 2, (int[]){p, a}, 1, &q);
  pt_node(g, OP_Add, "add", 2, (int[]){x, q}, 1, &y);
  graph_add_output(g, y);
  if (keep_w)
    graph_add_output(g, w);
  pt_shape(g);
  ck_assert_int_eq(pt_count(g, OP_Sign) + pt_count(g, OP_Abs) + pt_count(g, OP_Mul), 0);
  const float *qv = g->t[q].data;
  ck_assert_ptr_nonnull(qv);
  for (int i = 0; i < N; i++) {
    float v = (float)(i % 7 - 3) * 0.25f;
    float want = (v > 0 ? 0.5f : v < 0 ? -0.5f : 0.0f) + (v < 0 ? -v : v);
    if (qv[i] != want)
      ck_abort_msg("q[%d] = %g, want %g", i, (double)qv[i], (double)want);
  }
  ck_assert_ptr_null(g->t[s].data);
  ck_assert_ptr_null(g->t[a].data);
  ck_assert_ptr_null(g->t[p].data);
  if (keep_w) {
    ck_assert_ptr_eq(g->t[w].data, wv);
    for (int i = 0; i < N; i++)
      if (wv[i] != (float)(i % 7 - 3) * 0.25f)
        ck_abort_msg("w[%d] changed to %g", i, (double)wv[i]);
  } else {
    ck_assert_ptr_null(g->t[w].data);
  }
  graph_free(g);
}

START_TEST(fold_big_gives_back) { fold_big(0); }
END_TEST

START_TEST(fold_big_keeps_outputs) { fold_big(1); }
END_TEST

/* No folding, no report lines. */
START_TEST(fold_report_empty) {
  Graph *g = graph_new("test.json");
  int x = pt_input(g, "x", 1, d4), y = pt_tensor(g, "y", 0, NULL, NULL);
  pt_node(g, OP_Relu, "relu", 1, &x, 1, &y);
  graph_add_output(g, y);
  pt_shape(g);
  StrBuf s;
  sb_init(&s, g->arena);
  fold_report(g, &s);
  ck_assert_str_eq(s.s ? s.s : "", "");
  graph_free(g);
}
END_TEST

/* Sign((x - m) / sqrt(mean((x - m)^2) + eps)) -> Sign(x - m): the divisor is
 * provably positive (a mean of squares, plus a positive constant, under a
 * square root); the outputs stay bit-identical. */
START_TEST(signs_drop_positive_divisor) {
  static const int64_t d1234[4] = {1, 2, 3, 4};
  Graph *g = graph_new("test.json");
  float eps = 1e-5f;
  int x = pt_input(g, "x", 4, d1234), e = pt_floats(g, "eps", 0, &eps);
  int m = pt_tensor(g, "m", 0, NULL, NULL), c = pt_tensor(g, "c", 0, NULL, NULL), sq = pt_tensor(g, "sq", 0, NULL, NULL),
      v = pt_tensor(g, "v", 0, NULL, NULL), ve = pt_tensor(g, "ve", 0, NULL, NULL), sd = pt_tensor(g, "sd", 0, NULL, NULL),
      z = pt_tensor(g, "z", 0, NULL, NULL), y = pt_tensor(g, "y", 0, NULL, NULL);
  pt_node(g, OP_ReduceMean, "mean", 1, &x, 1, &m);
  pt_node(g, OP_Sub, "sub", 2, (int[]){x, m}, 1, &c);
  pt_node(g, OP_Mul, "sq", 2, (int[]){c, c}, 1, &sq);
  pt_node(g, OP_ReduceMean, "var", 1, &sq, 1, &v);
  pt_node(g, OP_Add, "add", 2, (int[]){v, e}, 1, &ve);
  pt_node(g, OP_Sqrt, "sqrt", 1, &ve, 1, &sd);
  pt_node(g, OP_Div, "div", 2, (int[]){c, sd}, 1, &z);
  int s = pt_node(g, OP_Sign, "sign", 1, &z, 1, &y);
  graph_add_output(g, y);
  pt_shape(g);
  ck_assert(tensor_positive(g, sd) && tensor_nonneg(g, v) && !tensor_positive(g, c) && !tensor_nonneg(g, m));
  int exact;
  pt_check_pass(g, pass_signs, 7, &exact);
  ck_assert(exact);
  ck_assert_int_eq(g->n[pt_producer(g, y)].in[0], c);
  ck_assert_int_eq(pt_count(g, OP_Div) + pt_count(g, OP_Sqrt), 0);
  (void)s;
  graph_free(g);
}
END_TEST

/* What is not provably positive stays: a divisor that may be negative (the
 * square root of a mean of x), a negative constant factor. */
START_TEST(signs_keep_unproven) {
  static const int64_t d24[2] = {2, 4};
  Graph *g = graph_new("test.json");
  float neg = -2.0f, eps = 1e-5f;
  int x = pt_input(g, "x", 2, d24), k = pt_floats(g, "k", 0, &neg), e = pt_floats(g, "eps", 0, &eps);
  int m = pt_tensor(g, "m", 0, NULL, NULL), me = pt_tensor(g, "me", 0, NULL, NULL), r = pt_tensor(g, "r", 0, NULL, NULL),
      a = pt_tensor(g, "a", 0, NULL, NULL), b = pt_tensor(g, "b", 0, NULL, NULL), y0 = pt_tensor(g, "y0", 0, NULL, NULL),
      y1 = pt_tensor(g, "y1", 0, NULL, NULL);
  pt_node(g, OP_ReduceMean, "mean", 1, &x, 1, &m);
  pt_node(g, OP_Add, "add", 2, (int[]){m, e}, 1, &me);
  pt_node(g, OP_Sqrt, "sqrt", 1, &me, 1, &r);
  pt_node(g, OP_Div, "div", 2, (int[]){x, r}, 1, &a);
  pt_node(g, OP_Mul, "mul", 2, (int[]){k, x}, 1, &b);
  pt_node(g, OP_Sign, "s0", 1, &a, 1, &y0);
  pt_node(g, OP_Sign, "s1", 1, &b, 1, &y1);
  graph_add_output(g, y0);
  graph_add_output(g, y1);
  pt_shape(g);
  Diag d;
  diag_init(&d, "test.json");
  ck_assert(pass_signs(g, &d) == 0);
  ck_assert_int_eq(g->n[pt_producer(g, y0)].in[0], a);
  ck_assert_int_eq(g->n[pt_producer(g, y1)].in[0], b);
  diag_free(&d);
  graph_free(g);
}
END_TEST

Suite *fold_suite(void) {
  Suite *s = suite_create("fold");
  TCase *tc = tcase_create("fold");
  tcase_add_test(tc, fold_in_shapes_counted);
  tcase_add_test(tc, pass_fold_fixed_point);
  tcase_add_test(tc, fold_report_empty);
  tcase_add_test(tc, fold_big_gives_back);
  tcase_add_test(tc, fold_big_keeps_outputs);
  tcase_add_test(tc, signs_drop_positive_divisor);
  tcase_add_test(tc, signs_keep_unproven);
  suite_add_tcase(s, tc);
  return s;
}
