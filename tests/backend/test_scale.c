/* The C backend on very large graphs: planning and emission must stay
 * O(n log n) in the node count (a model file must not make the compiler
 * hang). CTest runs this with a timeout; a quadratic plan takes minutes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/emit.h"

static int add_t(Graph *g, int i) {
  char name[32];
  snprintf(name, sizeof name, "t%d", i);
  int t = graph_add_tensor(g, arena_strdup(g->arena, name), "test"); /* the graph keeps the pointer */
  g->t[t].dtype = DT_F32;
  tensor_set_shape(&g->t[t], 2, (int64_t[]){1, 16});
  return t;
}

/* x -> Relu -> Relu ... (n nodes) -> y; with wide, every Relu output is also
 * read by a final Concat (axis 1), so all n buffers are live at once. */
static Graph *relu_chain(int n, int wide) {
  Graph *g = graph_new("chain.xir");
  ck_assert_ptr_nonnull(g);
  g->name = "chain";
  g->opset = 13;
  int prev = add_t(g, 0);
  graph_add_input(g, prev);
  int *ts = arena_array(g->arena, (size_t)n + 1, sizeof(int));
  for (int i = 0; i < n; i++) {
    int y = add_t(g, i + 1), ni = graph_add_node(g, OP_Relu, "r", "test.node", 1, 1);
    g->n[ni].in[0] = prev;
    g->n[ni].out[0] = y;
    g->t[y].producer = ni;
    ts[i] = prev = y;
  }
  if (wide) {
    int y = graph_add_tensor(g, "cat", "test");
    g->t[y].dtype = DT_F32;
    tensor_set_shape(&g->t[y], 2, (int64_t[]){1, 16 * (int64_t)n});
    int ni = graph_add_node(g, OP_Concat, "cat", "test.node", n, 1);
    for (int i = 0; i < n; i++)
      g->n[ni].in[i] = ts[i];
    g->n[ni].out[0] = y;
    g->t[y].producer = ni;
    node_add_attr(g, ni, "axis", AT_INT, "test")->i = 1;
    prev = y;
  }
  graph_add_output(g, prev);
  return g;
}

/* Emits C for the chain and returns the header's NAME_ARENA_FLOATS. */
static long long emit_chain(int n, int wide, size_t *clen) {
  Graph *g = relu_chain(n, wide);
  Diag d;
  diag_init(&d, g->file);
  StrBuf c, h;
  sb_init(&c, g->arena);
  sb_init(&h, g->arena);
  EmitOptions o = {"net", "net.h", 0, WS_AUTO, 0};
  int rc = emit_c(g, &d, &o, &c, &h);
  if (rc)
    diag_print(&d, stderr);
  ck_assert_int_eq(rc, 0);
  const char *p = strstr(h.s, "#define net_ARENA_FLOATS ");
  ck_assert_ptr_nonnull(p);
  long long floats = atoll(p + strlen("#define net_ARENA_FLOATS "));
  *clen = c.len;
  diag_free(&d);
  graph_free(g);
  return floats;
}

/* 100000 Relus in a row: two 64-byte buffers take turns. */
START_TEST(long_chain) {
  size_t len1, len2;
  ck_assert_int_eq(emit_chain(100000, 0, &len1), 32);
  ck_assert_int_eq(emit_chain(100000, 0, &len2), 32);
  ck_assert_uint_eq(len1, len2);
}
END_TEST

/* 20000 buffers live at once, each placed on top of the others. */
START_TEST(wide_live_set) {
  size_t len;
  ck_assert_int_eq(emit_chain(20000, 1, &len), 16LL * 20000);
}
END_TEST

int main(void) {
  Suite *s = suite_create("backend_scale");
  TCase *tc = tcase_create("scale");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, long_chain);
  tcase_add_test(tc, wide_live_set);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
