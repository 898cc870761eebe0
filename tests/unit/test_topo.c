/* topo_sort: ordering, producers, and the structural errors it reports. */
#include <check.h>
#include <string.h>

#include "ir/ir.h"

/* Adds a Relu-like one-in one-out node from tensor a to tensor b. */
static int relu(Graph *g, const char *name, int a, int b, const char *loc) {
  int n = graph_add_node(g, OP_Relu, name, loc, 1, 1);
  g->n[n].in[0] = a;
  g->n[n].out[0] = b;
  return n;
}

START_TEST(sorts_out_of_order_nodes) {
  Graph *g = graph_new("m.json");
  int x = graph_add_tensor(g, "x", "graph.input[0]");
  graph_add_input(g, x);
  int t1 = graph_add_tensor(g, "t1", ""), t2 = graph_add_tensor(g, "t2", ""), t3 = graph_add_tensor(g, "t3", "");
  relu(g, "c", t2, t3, "graph.node[0]");
  relu(g, "b", t1, t2, "graph.node[1]");
  relu(g, "a", x, t1, "graph.node[2]");
  graph_add_output(g, t3);
  Diag d;
  diag_init(&d, "m.json");
  ck_assert_int_eq(topo_sort(g, &d), 0);
  ck_assert_str_eq(g->n[0].name, "a");
  ck_assert_str_eq(g->n[1].name, "b");
  ck_assert_str_eq(g->n[2].name, "c");
  ck_assert_int_eq(g->t[t3].producer, 2);
  diag_free(&d);
  graph_free(g);
}
END_TEST

START_TEST(keeps_file_order_for_ties) {
  Graph *g = graph_new("m.json");
  int x = graph_add_tensor(g, "x", "");
  graph_add_input(g, x);
  for (int i = 0; i < 5; i++)
    relu(g, arena_printf(g->arena, "n%d", i), x, graph_add_tensor(g, "", ""), "");
  Diag d;
  diag_init(&d, "m.json");
  ck_assert_int_eq(topo_sort(g, &d), 0);
  for (int i = 0; i < 5; i++)
    ck_assert_str_eq(g->n[i].name, arena_printf(g->arena, "n%d", i));
  diag_free(&d);
  graph_free(g);
}
END_TEST

START_TEST(reports_cycle) {
  Graph *g = graph_new("m.json");
  int a = graph_add_tensor(g, "a", ""), b = graph_add_tensor(g, "b", "");
  relu(g, "p", a, b, "graph.node[0]");
  relu(g, "q", b, a, "graph.node[1]");
  Diag d;
  diag_init(&d, "m.json");
  ck_assert_int_eq(topo_sort(g, &d), -1);
  ck_assert_str_eq(d.text, "m.json: error: node 'p' (Relu) at graph.node[0]: is part of a cycle (its inputs "
                           "depend on its own outputs)\n");
  diag_free(&d);
  graph_free(g);
}
END_TEST

START_TEST(reports_double_producer_and_missing_input) {
  Graph *g = graph_new("m.json");
  int x = graph_add_tensor(g, "x", ""), y = graph_add_tensor(g, "y", ""), z = graph_add_tensor(g, "ghost", "");
  graph_add_input(g, x);
  relu(g, "p", x, y, "graph.node[0]");
  relu(g, "q\n*/", z, y, "graph.node[1]");
  Diag d;
  diag_init(&d, "m.json");
  ck_assert_int_eq(topo_sort(g, &d), -1);
  ck_assert_str_eq(d.text,
                   "m.json: error: node 'q\\x0a*/' (Relu) at graph.node[1]: output 'y' is already produced by "
                   "node 'p' (Relu) at graph.node[0]\n"
                   "m.json: error: node 'q\\x0a*/' (Relu) at graph.node[1]: input 0 'ghost' is not produced by "
                   "any node, graph input or initializer\n");
  diag_free(&d);
  graph_free(g);
}
END_TEST

START_TEST(long_chain_no_recursion) {
  Graph *g = graph_new("m.json");
  int prev = graph_add_tensor(g, "x", "");
  graph_add_input(g, prev);
  int first = prev;
  (void)first;
  /* build a 200000-node chain in reverse file order */
  int n = 200000;
  int *ts = arena_array(g->arena, (size_t)n + 1, sizeof(int));
  ts[0] = prev;
  for (int i = 1; i <= n; i++)
    ts[i] = graph_add_tensor(g, "", "");
  for (int i = n; i >= 1; i--)
    relu(g, "", ts[i - 1], ts[i], "");
  Diag d;
  diag_init(&d, "m.json");
  ck_assert_int_eq(topo_sort(g, &d), 0);
  ck_assert_int_eq(g->n[0].in[0], ts[0]);
  ck_assert_int_eq(g->n[n - 1].out[0], ts[n]);
  diag_free(&d);
  graph_free(g);
}
END_TEST

Suite *topo_suite(void) {
  Suite *s = suite_create("topo");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, sorts_out_of_order_nodes);
  tcase_add_test(tc, keeps_file_order_for_ties);
  tcase_add_test(tc, reports_cycle);
  tcase_add_test(tc, reports_double_producer_and_missing_input);
  tcase_add_test(tc, long_chain_no_recursion);
  suite_add_tcase(s, tc);
  return s;
}
