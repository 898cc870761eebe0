/* build.h - small helpers for building test graphs by hand. */
#ifndef XN_TEST_BUILD_H
#define XN_TEST_BUILD_H

#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "interp/interp.h"
#include "passes/passes.h"

/* A tensor of the given dtype, rank and dims (varargs: rank int64 values). */
static int b_tensor(Graph *g, const char *name, DType dt, int rank, const int64_t *dims) {
  int t = graph_add_tensor(g, name, arena_printf(g->arena, "test.%s", name));
  g->t[t].dtype = dt;
  tensor_set_shape(&g->t[t], rank, dims);
  return t;
}

/* A float32 graph input. */
static int b_input(Graph *g, const char *name, int rank, const int64_t *dims) {
  int t = b_tensor(g, name, DT_F32, rank, dims);
  graph_add_input(g, t);
  return t;
}

/* A float32 constant with values v. */
static int b_const(Graph *g, const char *name, int rank, const int64_t *dims, const float *v) {
  int t = b_tensor(g, name, DT_F32, rank, dims);
  int64_t n = tensor_numel(&g->t[t]);
  float *p = arena_array(g->arena, (size_t)n + 1, sizeof *p);
  memcpy(p, v, (size_t)n * sizeof *p);
  g->t[t].data = p;
  return t;
}

/* An int64 constant with values v. */
static int b_consti(Graph *g, const char *name, int rank, const int64_t *dims, const int64_t *v) {
  int t = b_tensor(g, name, DT_I64, rank, dims);
  int64_t n = tensor_numel(&g->t[t]);
  int64_t *p = arena_array(g->arena, (size_t)n + 1, sizeof *p);
  memcpy(p, v, (size_t)n * sizeof *p);
  g->t[t].data = p;
  return t;
}

/* A computed tensor (shape unknown until inference). */
static int b_value(Graph *g, const char *name) { return graph_add_tensor(g, name, "test"); }

/* A node with nin inputs (tensor indices, -1 = omitted) and nout outputs. */
static int b_node(Graph *g, Op op, const char *name, int nin, const int *in, int nout, const int *out) {
  int n = graph_add_node(g, op, name, arena_printf(g->arena, "graph.node[%d]", g->nn), nin, nout);
  for (int i = 0; i < nin; i++)
    g->n[n].in[i] = in[i];
  for (int i = 0; i < nout; i++)
    g->n[n].out[i] = out[i];
  return n;
}

/* One input, one output. */
static int b_node1(Graph *g, Op op, const char *name, int in, int out) {
  return b_node(g, op, name, 1, &in, 1, &out);
}

static int b_node2(Graph *g, Op op, const char *name, int a, int b, int out) {
  int in[2] = {a, b};
  return b_node(g, op, name, 2, in, 1, &out);
}

static void b_int(Graph *g, int n, const char *name, int64_t v) { node_add_attr(g, n, name, AT_INT, NULL)->i = v; }

static void b_float(Graph *g, int n, const char *name, float v) {
  node_add_attr(g, n, name, AT_FLOAT, NULL)->f = v;
}

static void b_ints(Graph *g, int n, const char *name, int cnt, const int64_t *v) {
  Attr *a = node_add_attr(g, n, name, AT_INTS, NULL);
  a->ints = arena_array(g->arena, (size_t)cnt + 1, sizeof(int64_t));
  memcpy(a->ints, v, (size_t)cnt * sizeof(int64_t));
  a->n = cnt;
}

static void b_string(Graph *g, int n, const char *name, const char *s) {
  Attr *a = node_add_attr(g, n, name, AT_STRING, NULL);
  a->s = arena_strdup(g->arena, s);
  a->slen = strlen(s);
}

/* verify as read (which sorts) + infer_and_fold + topo_sort + verify, as the
 * pipeline runs them. Returns 0 or -1; messages in d. */
static int b_lower(Graph *g, Diag *d) {
  if (ir_verify(g, d, VERIFY_READ) || infer_and_fold(g, d) || topo_sort(g, d) || ir_verify(g, d, VERIFY_PASS))
    return -1;
  return 0;
}

/* Checks that the only message in d is "test.json: error: " + msg. */
#define ck_error(d, msg)                                                                                   \
  do {                                                                                                      \
    ck_assert_int_eq((d)->nerrors, 1);                                                                      \
    ck_assert_str_eq((d)->text, "test.json: error: " msg "\n");                                           \
  } while (0)

/* Checks got[0..n) against want within 1e-6 relative. */
static void ck_floats(const float *got, const float *want, int n) {
  for (int i = 0; i < n; i++)
    ck_assert_msg(fabsf(got[i] - want[i]) <= 1e-6f + 1e-6f * fabsf(want[i]), "element %d: got %g, want %g", i,
                  (double)got[i], (double)want[i]);
}

#endif
