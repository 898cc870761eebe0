/* test_canon.c - pass_canonicalize and pass_dce on hand-built graphs: each
 * rewrite changes the structure as intended and the interpreter computes the
 * same outputs before and after (bit for bit: every rewrite is exact). */
#include <string.h>

#include "pass_test.h"

static const int64_t d234[3] = {2, 3, 4};

/* Runs canonicalize on g with the equivalence check; outputs must be identical. */
static void canon_exact(Graph *g, uint64_t seed) {
  int exact;
  double err = pt_check_pass(g, pass_canonicalize, seed, &exact);
  ck_assert_msg(exact, "outputs changed (relative error %g)", err);
}

/* x -> Relu -> a -> Identity -> b -> Sigmoid -> y */
START_TEST(identity_removed) {
  Graph *g = graph_new("test.json");
  int x = pt_input(g, "x", 3, d234), a = pt_tensor(g, "a", 0, NULL, NULL), b = pt_tensor(g, "b", 0, NULL, NULL),
      y = pt_tensor(g, "y", 0, NULL, NULL);
  pt_node(g, OP_Relu, "relu", 1, &x, 1, &a);
  pt_node(g, OP_Identity, "id", 1, &a, 1, &b);
  pt_node(g, OP_Sigmoid, "sig", 1, &b, 1, &y);
  graph_add_output(g, y);
  pt_shape(g);
  canon_exact(g, 1);
  ck_assert_int_eq(pt_count(g, OP_Identity), 0);
  ck_assert_int_eq(g->nn, 2);
  ck_assert_int_eq(g->n[pt_producer(g, y)].in[0], a);
  graph_free(g);
}
END_TEST

/* Dropout (inference, unused mask output) disappears like Identity. */
START_TEST(dropout_removed) {
  Graph *g = graph_new("test.json");
  float ratio = 0.5f;
  int x = pt_input(g, "x", 3, d234), r = pt_floats(g, "ratio", 0, &ratio), a = pt_tensor(g, "a", 0, NULL, NULL),
      b = pt_tensor(g, "b", 0, NULL, NULL), m = pt_tensor(g, "mask", 0, NULL, NULL),
      y = pt_tensor(g, "y", 0, NULL, NULL);
  pt_node(g, OP_Tanh, "tanh", 1, &x, 1, &a);
  int in[2] = {a, r}, out[2] = {b, m};
  pt_node(g, OP_Dropout, "drop", 2, in, 2, out);
  pt_node(g, OP_Abs, "abs", 1, &b, 1, &y);
  graph_add_output(g, y);
  pt_shape(g);
  canon_exact(g, 2);
  ck_assert_int_eq(pt_count(g, OP_Dropout), 0);
  ck_assert_int_eq(g->nn, 2);
  graph_free(g);
}
END_TEST

/* The Identity's output is a graph output: the graph output keeps its tensor
 * and name; Relu now writes it and the other user of a reads it. */
START_TEST(identity_output_renamed) {
  Graph *g = graph_new("test.json");
  int x = pt_input(g, "x", 3, d234), a = pt_tensor(g, "a", 0, NULL, NULL), y = pt_tensor(g, "y", 0, NULL, NULL),
      z = pt_tensor(g, "z", 0, NULL, NULL);
  pt_node(g, OP_Relu, "relu", 1, &x, 1, &a);
  pt_node(g, OP_Identity, "id", 1, &a, 1, &y);
  pt_node(g, OP_Tanh, "tanh", 1, &a, 1, &z);
  graph_add_output(g, y);
  graph_add_output(g, z);
  pt_shape(g);
  canon_exact(g, 3);
  ck_assert_int_eq(pt_count(g, OP_Identity), 0);
  ck_assert_int_eq(g->noutputs, 2);
  ck_assert_int_eq(g->outputs[0], y);
  ck_assert_str_eq(g->t[g->outputs[0]].name, "y");
  int p = pt_producer(g, y);
  ck_assert_int_ge(p, 0);
  ck_assert_int_eq(g->n[p].op, OP_Relu);
  ck_assert_int_eq(g->n[pt_producer(g, z)].in[0], y);
  graph_free(g);
}
END_TEST

/* Identity from a graph input to a graph output, and from one graph output
 * to another: nothing can be renamed, so both copies stay. */
START_TEST(identity_kept_between_interface_tensors) {
  Graph *g = graph_new("test.json");
  int x = pt_input(g, "x", 3, d234), a = pt_tensor(g, "a", 0, NULL, NULL), y = pt_tensor(g, "y", 0, NULL, NULL),
      z = pt_tensor(g, "z", 0, NULL, NULL);
  pt_node(g, OP_Identity, "id0", 1, &x, 1, &y);
  pt_node(g, OP_Relu, "relu", 1, &x, 1, &a);
  pt_node(g, OP_Identity, "id1", 1, &a, 1, &z);
  graph_add_output(g, y);
  graph_add_output(g, a);
  graph_add_output(g, z);
  pt_shape(g);
  canon_exact(g, 4);
  ck_assert_int_eq(pt_count(g, OP_Identity), 2);
  ck_assert_int_eq(g->outputs[0], y);
  ck_assert_int_eq(g->outputs[2], z);
  graph_free(g);
}
END_TEST

/* Flatten -> Reshape -> Reshape becomes one Reshape of x to literal dims. */
START_TEST(reshape_chain_collapsed) {
  Graph *g = graph_new("test.json");
  int64_t s1[2] = {3, 8}, s2[3] = {0, 4, -1}; /* b: 3x8; c: 3x4x2 */
  int x = pt_input(g, "x", 3, d234), a = pt_tensor(g, "a", 0, NULL, NULL), b = pt_tensor(g, "b", 0, NULL, NULL),
      c = pt_tensor(g, "c", 0, NULL, NULL), y = pt_tensor(g, "y", 0, NULL, NULL);
  int sh1 = pt_ints(g, "s1", 2, s1), sh2 = pt_ints(g, "s2", 3, s2);
  int fl = pt_node(g, OP_Flatten, "flat", 1, &x, 1, &a);
  pt_attr_int(g, fl, "axis", 1);
  int in1[2] = {a, sh1}, in2[2] = {b, sh2};
  pt_node(g, OP_Reshape, "r1", 2, in1, 1, &b);
  pt_node(g, OP_Reshape, "r2", 2, in2, 1, &c);
  pt_node(g, OP_Relu, "relu", 1, &c, 1, &y);
  graph_add_output(g, y);
  pt_shape(g);
  ck_assert_int_eq(g->t[c].rank, 3);
  canon_exact(g, 5);
  ck_assert_int_eq(pt_count(g, OP_Flatten), 0);
  ck_assert_int_eq(pt_count(g, OP_Reshape), 1);
  int r = pt_producer(g, c);
  ck_assert_int_eq(g->n[r].op, OP_Reshape);
  ck_assert_int_eq(g->n[r].in[0], x);
  const Tensor *s = &g->t[g->n[r].in[1]];
  const int64_t *v = s->data;
  ck_assert_int_eq(tensor_numel(s), 3);
  ck_assert(v[0] == 3 && v[1] == 4 && v[2] == 2);
  graph_free(g);
}
END_TEST

/* Flatten of a Reshape becomes a Reshape (the Flatten node, now with two
 * inputs and no axis attribute). */
START_TEST(flatten_of_reshape) {
  Graph *g = graph_new("test.json");
  int64_t s1[2] = {4, 6};
  int x = pt_input(g, "x", 3, d234), a = pt_tensor(g, "a", 0, NULL, NULL), y = pt_tensor(g, "y", 0, NULL, NULL);
  int in1[2] = {x, pt_ints(g, "s1", 2, s1)};
  pt_node(g, OP_Reshape, "r", 2, in1, 1, &a);
  int fl = pt_node(g, OP_Flatten, "flat", 1, &a, 1, &y);
  pt_attr_int(g, fl, "axis", 0);
  graph_add_output(g, y);
  pt_shape(g);
  canon_exact(g, 13);
  ck_assert_int_eq(g->nn, 1);
  const Node *n = &g->n[0];
  ck_assert_int_eq(n->op, OP_Reshape);
  ck_assert_str_eq(n->name, "flat");
  ck_assert_int_eq(n->nin, 2);
  ck_assert_int_eq(n->nattr, 0);
  ck_assert_int_eq(n->in[0], x);
  const int64_t *v = g->t[n->in[1]].data;
  ck_assert(v[0] == 1 && v[1] == 24);
  ck_assert_str_eq(g->t[n->in[1]].name, "y.shape");
  graph_free(g);
}
END_TEST

/* A Reshape that keeps the shape is gone; one that changes it stays. */
START_TEST(reshape_noop_removed) {
  Graph *g = graph_new("test.json");
  int64_t s1[3] = {2, -1, 4}, s2[2] = {6, 4};
  int x = pt_input(g, "x", 3, d234), a = pt_tensor(g, "a", 0, NULL, NULL), b = pt_tensor(g, "b", 0, NULL, NULL),
      c = pt_tensor(g, "c", 0, NULL, NULL), y = pt_tensor(g, "y", 0, NULL, NULL);
  int in1[2] = {x, pt_ints(g, "s1", 3, s1)};
  pt_node(g, OP_Reshape, "same", 2, in1, 1, &a);
  pt_node(g, OP_Relu, "relu", 1, &a, 1, &b);
  int in2[2] = {b, pt_ints(g, "s2", 2, s2)};
  pt_node(g, OP_Reshape, "other", 2, in2, 1, &c);
  pt_node(g, OP_Abs, "abs", 1, &c, 1, &y);
  graph_add_output(g, y);
  pt_shape(g);
  canon_exact(g, 6);
  ck_assert_int_eq(pt_count(g, OP_Reshape), 1);
  ck_assert_int_eq(g->n[pt_producer(g, b)].in[0], x);
  graph_free(g);
}
END_TEST

/* Sub(x, c) becomes Add(x, -c); Sub(c, x) stays. */
START_TEST(sub_becomes_add) {
  Graph *g = graph_new("test.json");
  float cv[4] = {0.5f, -1.25f, 3.0f, 0.0f};
  int x = pt_input(g, "x", 3, d234), c = pt_floats(g, "c", 4, cv), a = pt_tensor(g, "a", 0, NULL, NULL),
      y = pt_tensor(g, "y", 0, NULL, NULL);
  int in1[2] = {x, c}, in2[2] = {c, a};
  int n1 = pt_node(g, OP_Sub, "sub", 2, in1, 1, &a);
  pt_node(g, OP_Sub, "rsub", 2, in2, 1, &y);
  graph_add_output(g, y);
  (void)n1;
  pt_shape(g);
  canon_exact(g, 7);
  ck_assert_int_eq(pt_count(g, OP_Sub), 1);
  ck_assert_int_eq(pt_count(g, OP_Add), 1);
  const Node *add = &g->n[pt_producer(g, a)];
  ck_assert_int_eq(add->op, OP_Add);
  ck_assert_str_eq(add->name, "sub");
  const float *neg = g->t[add->in[1]].data;
  for (int i = 0; i < 4; i++)
    ck_assert(neg[i] == -cv[i]);
  ck_assert_int_eq(g->n[pt_producer(g, y)].op, OP_Sub);
  graph_free(g);
}
END_TEST

/* Div by powers of two (any sign, below and above 1) becomes Mul by the
 * exact reciprocal; Div by 3, or by a constant with one non-power of two,
 * stays a Div (x * (1/3) can differ from x / 3 by one ulp). */
START_TEST(div_only_by_powers_of_two) {
  Graph *g = graph_new("test.json");
  float p2[4] = {4.0f, -0.5f, 0x1p-100f, 0x1p+100f}, three = 3.0f, mixed[4] = {2.0f, 2.0f, 6.0f, 0.25f};
  int x = pt_input(g, "x", 3, d234), a = pt_tensor(g, "a", 0, NULL, NULL), b = pt_tensor(g, "b", 0, NULL, NULL),
      y = pt_tensor(g, "y", 0, NULL, NULL);
  int in1[2] = {x, pt_floats(g, "p2", 4, p2)};
  pt_node(g, OP_Div, "div_p2", 2, in1, 1, &a);
  int in2[2] = {a, pt_floats(g, "three", 0, &three)};
  pt_node(g, OP_Div, "div_3", 2, in2, 1, &b);
  int in3[2] = {b, pt_floats(g, "mixed", 4, mixed)};
  pt_node(g, OP_Div, "div_mixed", 2, in3, 1, &y);
  graph_add_output(g, y);
  graph_add_output(g, a);
  pt_shape(g);
  canon_exact(g, 8);
  const Node *n = &g->n[pt_producer(g, a)];
  ck_assert_int_eq(n->op, OP_Mul);
  const float *r = g->t[n->in[1]].data;
  ck_assert(r[0] == 0.25f && r[1] == -2.0f && r[2] == 0x1p+100f && r[3] == 0x1p-100f);
  ck_assert_int_eq(g->n[pt_producer(g, b)].op, OP_Div);
  ck_assert_int_eq(g->n[pt_producer(g, y)].op, OP_Div);
  ck_assert_int_eq(pt_count(g, OP_Div), 2);
  graph_free(g);
}
END_TEST

/* Div by a subnormal power of two has no finite reciprocal: no rewrite. */
START_TEST(div_by_tiny_power_of_two_kept) {
  Graph *g = graph_new("test.json");
  float tiny = 0x1p-140f;
  int x = pt_input(g, "x", 3, d234), y = pt_tensor(g, "y", 0, NULL, NULL);
  int in[2] = {x, pt_floats(g, "tiny", 0, &tiny)};
  pt_node(g, OP_Div, "div", 2, in, 1, &y);
  graph_add_output(g, y);
  pt_shape(g);
  canon_exact(g, 9);
  ck_assert_int_eq(pt_count(g, OP_Div), 1);
  graph_free(g);
}
END_TEST

/* x -> Relu -> y (output); x -> Tanh -> Sigmoid (unused): dce removes the
 * branch, keeps the graph input. */
START_TEST(dce_removes_dead_branch) {
  Graph *g = graph_new("test.json");
  int x = pt_input(g, "x", 3, d234), y = pt_tensor(g, "y", 0, NULL, NULL), t = pt_tensor(g, "t", 0, NULL, NULL),
      s = pt_tensor(g, "s", 0, NULL, NULL);
  pt_node(g, OP_Tanh, "tanh", 1, &x, 1, &t);
  pt_node(g, OP_Relu, "relu", 1, &x, 1, &y);
  pt_node(g, OP_Sigmoid, "sig", 1, &t, 1, &s);
  graph_add_output(g, y);
  pt_shape(g);
  int exact;
  pt_check_pass(g, pass_dce, 10, &exact);
  ck_assert(exact);
  ck_assert_int_eq(g->nn, 1);
  ck_assert_int_eq(g->n[0].op, OP_Relu);
  ck_assert_int_eq(g->ninputs, 1);
  graph_free(g);
}
END_TEST

/* What canonicalize bypasses and leaves unused (the first Reshape of a
 * chain) is gone after canonicalize itself. */
START_TEST(canon_leaves_no_dead_nodes) {
  Graph *g = graph_new("test.json");
  int64_t s1[2] = {6, 4}, s2[2] = {4, 6};
  int x = pt_input(g, "x", 3, d234), a = pt_tensor(g, "a", 0, NULL, NULL), b = pt_tensor(g, "b", 0, NULL, NULL);
  int in1[2] = {x, pt_ints(g, "s1", 2, s1)}, in2[2] = {a, pt_ints(g, "s2", 2, s2)};
  pt_node(g, OP_Reshape, "r1", 2, in1, 1, &a);
  pt_node(g, OP_Reshape, "r2", 2, in2, 1, &b);
  graph_add_output(g, b);
  pt_shape(g);
  canon_exact(g, 11);
  ck_assert_int_eq(g->nn, 1);
  ck_assert_str_eq(g->n[0].name, "r2");
  graph_free(g);
}
END_TEST

/* A structure-free graph: canonicalize changes nothing. */
START_TEST(canon_noop) {
  Graph *g = graph_new("test.json");
  int x = pt_input(g, "x", 3, d234), y = pt_tensor(g, "y", 0, NULL, NULL);
  pt_node(g, OP_Relu, "relu", 1, &x, 1, &y);
  graph_add_output(g, y);
  pt_shape(g);
  canon_exact(g, 12);
  ck_assert_int_eq(g->nn, 1);
  graph_free(g);
}
END_TEST

Suite *canon_suite(void) {
  Suite *s = suite_create("canon");
  TCase *tc = tcase_create("rewrites");
  tcase_add_test(tc, identity_removed);
  tcase_add_test(tc, dropout_removed);
  tcase_add_test(tc, identity_output_renamed);
  tcase_add_test(tc, identity_kept_between_interface_tensors);
  tcase_add_test(tc, reshape_chain_collapsed);
  tcase_add_test(tc, flatten_of_reshape);
  tcase_add_test(tc, reshape_noop_removed);
  tcase_add_test(tc, sub_becomes_add);
  tcase_add_test(tc, div_only_by_powers_of_two);
  tcase_add_test(tc, div_by_tiny_power_of_two_kept);
  tcase_add_test(tc, dce_removes_dead_branch);
  tcase_add_test(tc, canon_leaves_no_dead_nodes);
  tcase_add_test(tc, canon_noop);
  suite_add_tcase(s, tc);
  return s;
}
