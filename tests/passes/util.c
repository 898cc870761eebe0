/* util.c - helpers of the pass tests (see pass_test.h). */
#include <math.h>
#include <string.h>

#include "cases.h"
#include "pass_test.h"

int pt_tensor(Graph *g, const char *name, int rank, const int64_t *dims, float *data) {
  return graph_add_const(g, name, arena_printf(g->arena, "test:%s", name), DT_F32, data ? rank : -1, dims, data);
}

int pt_input(Graph *g, const char *name, int rank, const int64_t *dims) {
  int t = graph_add_const(g, name, arena_printf(g->arena, "test:%s", name), DT_F32, rank, dims, NULL);
  graph_add_input(g, t);
  return t;
}

int pt_ints(Graph *g, const char *name, int n, const int64_t *v) {
  int64_t dims[1] = {n};
  int64_t *data = arena_array(g->arena, (size_t)n + 1, sizeof *data);
  memcpy(data, v, (size_t)n * sizeof *data);
  return graph_add_const(g, name, "test", DT_I64, 1, dims, data);
}

int pt_floats(Graph *g, const char *name, int n, const float *v) {
  int64_t dims[1] = {n};
  float *data = arena_array(g->arena, (size_t)(n ? n : 1), sizeof *data);
  memcpy(data, v, (size_t)(n ? n : 1) * sizeof *data);
  return pt_tensor(g, name, n ? 1 : 0, dims, data);
}

int pt_node(Graph *g, Op op, const char *name, int nin, const int *in, int nout, const int *out) {
  return graph_add_node_io(g, op, name, arena_printf(g->arena, "graph.node[%d]", g->nn), nin, in, nout, out);
}

void pt_attr_int(Graph *g, int node, const char *name, int64_t v) { node_set_int(g, node, name, v); }

void pt_shape(Graph *g) {
  Diag d;
  diag_init(&d, "test.json");
  ck_assert_msg(topo_sort(g, &d) == 0, "%s", d.text);
  ck_assert_msg(pass_shapes(g, &d) == 0, "%s", d.text);
  ck_assert_msg(ir_verify(g, &d, VERIFY_PASS) == 0, "%s", d.text);
  diag_free(&d);
}

static uint64_t next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Runs g on in (each input in its storage type); returns the outputs as
 * floats (arena arrays). */
static float **run(Graph *g, const void **in) {
  Diag d;
  diag_init(&d, "test.json");
  float **out = case_interp(g, in, &d);
  ck_assert_msg(out != NULL, "%s", d.text);
  diag_free(&d);
  return out;
}

double pt_check_pass(Graph *g, int (*pass)(Graph *, Diag *), uint64_t seed, int *exact) {
  uint64_t s = seed | 1;
  const void **in = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof *in);
  for (int i = 0; i < g->ninputs; i++) {
    const Tensor *t = &g->t[g->inputs[i]];
    int64_t n = tensor_numel(t);
    if (!dtype_is_float(t->dtype)) { /* integers in [-2, 1] (valid Gather indices), bools 0/1 */
      int64_t *v = arena_array(g->arena, (size_t)n + 1, sizeof *v);
      for (int64_t k = 0; k < n; k++)
        v[k] = t->dtype == DT_BOOL ? (int64_t)(next(&s) >> 63) : (int64_t)(next(&s) >> 62) - 2;
      in[i] = v;
      continue;
    }
    float *v = arena_array(g->arena, (size_t)n + 1, sizeof *v);
    for (int64_t k = 0; k < n; k++)
      v[k] = (float)((double)(next(&s) >> 11) / 9007199254740992.0 * 4.0 - 2.0);
    in[i] = v;
  }
  int no = g->noutputs;
  int64_t *cnt = arena_array(g->arena, (size_t)no + 1, sizeof *cnt);
  for (int i = 0; i < no; i++)
    cnt[i] = tensor_numel(&g->t[g->outputs[i]]);
  float **before = run(g, in);
  Diag d;
  diag_init(&d, "test.json");
  ck_assert_msg(pass(g, &d) == 0, "%s", d.text);
  ck_assert_msg(ir_verify(g, &d, VERIFY_PASS) == 0, "%s", d.text);
  diag_free(&d);
  ck_assert_int_eq(g->noutputs, no);
  float **after = run(g, in);
  double worst = 0;
  *exact = 1;
  for (int i = 0; i < no; i++)
    for (int64_t k = 0; k < cnt[i]; k++) {
      double a = after[i][k], b = before[i][k];
      double e = fabs(a - b) / (1e-5 + 1e-5 * fabs(b));
      if (memcmp(&after[i][k], &before[i][k], sizeof(float)))
        *exact = 0;
      if (e > worst || isnan(e))
        worst = isnan(e) ? INFINITY : e;
    }
  return worst;
}

int pt_count(const Graph *g, Op op) {
  int c = 0;
  for (int i = 0; i < g->nn; i++)
    c += !g->n[i].dead && g->n[i].op == op;
  return c;
}

int pt_producer(Graph *g, int t) { return graph_producer(g, t); }
