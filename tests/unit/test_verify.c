/* The verifier (compiler/ir/verify.c): the op table's attribute column, the
 * invariants it checks after a pass, declared shapes as an error or a
 * warning. The user-facing rules on models as read are the tests/bad cases
 * (JSON, .onnx and text IR forms of each). */
#include <check.h>
#include <string.h>

#include "driver/pipeline.h"
#include "ir/ir.h"

/* Every row's attribute list is "name:kind ..." with kinds the text IR knows,
 * and op_attr_kind finds each name, whole names only. */
START_TEST(attr_column_parses) {
  for (int op = 0; op < OP__COUNT; op++) {
    const char *p = op_info[op].attrs;
    ck_assert_ptr_nonnull(p);
    while (*p) {
      char name[64], kind[16];
      int used = 0;
      ck_assert_msg(sscanf(p, " %63[^: ]:%15s%n", name, kind, &used) == 2, "%s: bad attrs at '%s'",
                    op_info[op].name, p);
      int k = op_attr_kind((Op)op, name);
      ck_assert_msg(k >= 0 && !strcmp(attr_kind_name((AttrKind)k), kind), "%s: %s:%s read as %d",
                    op_info[op].name, name, kind, k);
      p += used;
      while (*p == ' ')
        p++;
    }
  }
  ck_assert_int_eq(op_attr_kind(OP_Conv, "kernel_shape"), AT_INTS);
  ck_assert_int_eq(op_attr_kind(OP_Conv, "group"), AT_INT);
  ck_assert_int_eq(op_attr_kind(OP_Conv, "pad"), -1); /* a prefix of "pads" */
  ck_assert_int_eq(op_attr_kind(OP_Conv, "padsx"), -1);
  ck_assert_int_eq(op_attr_kind(OP_Relu, "alpha"), -1);
  ck_assert_int_eq(op_attr_kind(OP_XnorBlock, "pool_dilations"), AT_INTS);
  ck_assert_int_eq(op_attr_kind(OP_Pad, "mode"), AT_STRING);
}
END_TEST

/* x [1, 2] -> Relu -> t -> Relu -> y, lowered (shapes, sorted). */
static Graph *lowered_chain(Diag *d) {
  Graph *g = graph_new("m.xir");
  diag_init(d, "m.xir");
  static const char text[] = "graph \"g\" opset 13;\n"
                             "tensor \"x\": float32[1, 2] @\"graph.input[0]\";\n"
                             "tensor \"t\": float32[1, 2];\n"
                             "tensor \"y\": float32[1, 2];\n"
                             "inputs \"x\";\noutputs \"y\";\n"
                             "node Relu \"a\" (\"x\") -> (\"t\") @\"graph.node[0]\";\n"
                             "node Relu \"b\" (\"t\") -> (\"y\") {alpha: float 1} @\"graph.node[1]\";\n";
  ck_assert_msg(pipeline_lower(g, text, strlen(text), NULL, d) == 0, "%s", d->text);
  ck_assert_int_eq(ir_verify(g, d, VERIFY_PASS), 0);
  return g;
}

/* Each corruption a pass could make is reported after it. */
START_TEST(pass_invariants) {
  Diag d;
  Graph *g = lowered_chain(&d);
  int t = g->n[0].out[0];
  g->t[t].dims[1] = 0; /* a computed tensor without elements */
  ck_assert_int_eq(ir_verify(g, &d, VERIFY_PASS), -1);
  ck_assert_str_eq(d.text, "m.xir: error: node 'a' (Relu) at graph.node[0]: output 't' would have shape 1x0: "
                           "dimension 1 is 0 (must be >= 1)\n"
                           "m.xir: error: node 'a' (Relu) at graph.node[0]: output 't': declared 1x2 (3:1), "
                           "inferred 1x0\n");
  diag_free(&d);
  graph_free(g);

  g = lowered_chain(&d);
  g->n[0].out[0] = g->n[1].out[0]; /* two producers, an input nobody produces */
  ck_assert_int_eq(ir_verify(g, &d, VERIFY_PASS), -1);
  ck_assert_str_eq(d.text, "m.xir: error: node 'a' (Relu) at graph.node[0]: verifier: output 0 'y' has producer 1\n"
                           "m.xir: error: node 'b' (Relu) at graph.node[1]: verifier: input 0 't' is not produced by "
                           "a node, graph input or constant\n");
  diag_free(&d);
  graph_free(g);

  g = lowered_chain(&d);
  node_set_string(g, 0, "kernel_shape", "3x3"); /* not read by Relu: kept */
  g->n[1].nin = 2;                               /* arity */
  ck_assert_int_eq(ir_verify(g, &d, VERIFY_PASS), -1);
  ck_assert_str_eq(d.text, "m.xir: error: node 'b' (Relu) at graph.node[1]: has 2 inputs but Relu takes 1\n");
  diag_free(&d);
  graph_free(g);
}
END_TEST

/* Attribute kinds are checked on every op, after a pass too. */
START_TEST(attr_kind_after_pass) {
  Diag d;
  Graph *g = lowered_chain(&d);
  int ni = graph_add_node(g, OP_LeakyRelu, "lr", "x.y", 1, 1);
  g->n[ni].in[0] = g->inputs[0];
  g->n[ni].out[0] = graph_add_const(g, "z", "z.loc", DT_F32, 2, (int64_t[]){1, 2}, NULL);
  g->t[g->n[ni].out[0]].producer = ni;
  node_set_int(g, ni, "alpha", 1);
  ck_assert_int_eq(ir_verify(g, &d, VERIFY_PASS), -1);
  ck_assert_str_eq(d.text, "m.xir: error: node 'lr' (LeakyRelu) at x.y: attribute 'alpha' has type INT but "
                           "LeakyRelu takes FLOAT\n");
  diag_free(&d);
  graph_free(g);
}
END_TEST

/* A declared shape that disagrees: an error, or under shape_warn a warning
 * that keeps the inferred shape (the header sizes follow the inference). */
START_TEST(declared_shape_warn) {
  static const char text[] = "graph \"g\" opset 13;\n"
                             "tensor \"x\": float32[1, 2] @\"graph.input[0]\";\n"
                             "tensor \"y\": float32[1, 3] @\"graph.output[0]\";\n"
                             "inputs \"x\";\noutputs \"y\";\n"
                             "node Relu \"a\" (\"x\") -> (\"y\") @\"graph.node[0]\";\n";
  const char *msg = "node 'a' (Relu) at graph.node[0]: output 'y': declared 1x3 (graph.output[0]), inferred 1x2";
  Diag d;
  diag_init(&d, "m.xir");
  Graph *g = graph_new("m.xir");
  ck_assert_int_eq(pipeline_lower(g, text, strlen(text), NULL, &d), -1);
  char want[512];
  snprintf(want, sizeof want, "m.xir: error: %s\n", msg);
  ck_assert_str_eq(d.text, want);
  diag_free(&d);
  graph_free(g);

  PassOptions po;
  memset(&po, 0, sizeof po);
  po.shape_warn = 1;
  po.verify = 1;
  diag_init(&d, "m.xir");
  g = graph_new("m.xir");
  ck_assert_int_eq(pipeline_lower_with(g, text, strlen(text), NULL, &po, &d), 0);
  snprintf(want, sizeof want, "m.xir: warning: %s; the inferred shape is kept\n", msg);
  ck_assert_str_eq(d.text, want); /* once, though the verifier ran after every pass */
  ck_assert_int_eq(d.nwarnings, 1);
  int y = g->outputs[0];
  ck_assert_int_eq(g->t[y].dims[1], 2);
  EmitOptions eo;
  memset(&eo, 0, sizeof eo);
  eo.name = "net";
  eo.header = "net.h";
  StrBuf c, h;
  ck_assert_int_eq(pipeline_emit(g, &eo, &d, &c, &h), 0);
  ck_assert_ptr_nonnull(strstr(h.s, "#define net_OUT0_SIZE 2\n"));
  diag_free(&d);
  graph_free(g);
}
END_TEST

Suite *verify_suite(void) {
  Suite *s = suite_create("verify");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, attr_column_parses);
  tcase_add_test(tc, pass_invariants);
  tcase_add_test(tc, attr_kind_after_pass);
  tcase_add_test(tc, declared_shape_warn);
  suite_add_tcase(s, tc);
  return s;
}
