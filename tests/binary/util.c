/* util.c - helpers of the xnor domain tests (see binary_test.h). */
#include <math.h>
#include <string.h>

#include "binary_test.h"

static uint64_t next(Rng *r) {
  r->s ^= r->s << 13;
  r->s ^= r->s >> 7;
  r->s ^= r->s << 17;
  return r->s;
}

float rng_range(Rng *r, float lo, float hi) {
  double u = (double)(next(r) >> 11) / 9007199254740992.0;
  return (float)(lo + (hi - lo) * u);
}

float rng_val(Rng *r) {
  float v;
  do
    v = rng_range(r, -1.0f, 1.0f);
  while (fabsf(v) < 1e-3f);
  return v;
}

int tb_tensor(Graph *g, const char *name, int rank, const int64_t *dims, float *data) {
  return graph_add_const(g, name, arena_printf(g->arena, "test:%s", name), DT_F32, rank, dims, data);
}

int tb_ints(Graph *g, const char *name, int n, const int64_t *v) {
  int64_t dims[1] = {n};
  int64_t *data = arena_array(g->arena, (size_t)n + 1, sizeof *data);
  memcpy(data, v, (size_t)n * sizeof *data);
  return graph_add_const(g, name, "test", DT_I64, 1, dims, data);
}

int tb_node(Graph *g, Op op, const char *name, int nin, const int *in, int nout, const int *out) {
  return graph_add_node_io(g, op, name, arena_printf(g->arena, "graph.node[%d]", g->nn), nin, in, nout, out);
}

void tb_attr_int(Graph *g, int node, const char *name, int64_t v) { node_set_int(g, node, name, v); }

void tb_attr_ints(Graph *g, int node, const char *name, int n, const int64_t *v) {
  node_set_ints(g, node, name, n, v);
}

void tb_attr_float(Graph *g, int node, const char *name, float v) { node_set_float(g, node, name, v); }

float *tb_random(Graph *g, Rng *r, int64_t n) {
  float *v = arena_array(g->arena, (size_t)n + 1, sizeof(float));
  for (int64_t i = 0; i < n; i++)
    v[i] = rng_val(r);
  return v;
}

double rel_err(const float *a, const float *b, int64_t n) {
  double worst = 0;
  for (int64_t i = 0; i < n; i++) {
    double e = fabs((double)a[i] - (double)b[i]) / (1e-5 + 1e-5 * fabs((double)b[i]));
    if (!(e <= worst))
      worst = e; /* NaN propagates as a failure */
  }
  return worst;
}

void to_pm_alpha(float *w, int64_t m, int64_t fs) {
  for (int64_t k = 0; k < m; k++) {
    long double s = 0;
    for (int64_t j = 0; j < fs; j++)
      s += fabsl((long double)w[k * fs + j]);
    float alpha = (float)(s / (long double)fs);
    for (int64_t j = 0; j < fs; j++)
      w[k * fs + j] = w[k * fs + j] < 0 ? -alpha : alpha;
  }
}

const char *live_ops(Graph *g) {
  StrBuf b;
  sb_init(&b, g->arena);
  for (int i = 0; i < g->nn; i++)
    if (!g->n[i].dead)
      sb_printf(&b, "%s%s", b.len ? " " : "", op_info[g->n[i].op].name);
  return b.s ? b.s : "";
}

const char *check_equiv(Graph *g, uint64_t seed, double *err) {
  Diag d;
  diag_init(&d, g->file);
  Rng r = {seed};
  const char *ops = NULL;
  ck_assert_msg(topo_sort(g, &d) == 0, "%s", d.text);
  float **in = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof *in);
  float **before = arena_array(g->arena, (size_t)g->noutputs + 1, sizeof *before);
  float **after = arena_array(g->arena, (size_t)g->noutputs + 1, sizeof *after);
  for (int i = 0; i < g->ninputs; i++)
    in[i] = tb_random(g, &r, tensor_numel(&g->t[g->inputs[i]]));
  for (int i = 0; i < g->noutputs; i++) {
    int64_t n = tensor_numel(&g->t[g->outputs[i]]);
    before[i] = arena_array(g->arena, (size_t)n + 1, sizeof(float));
    after[i] = arena_array(g->arena, (size_t)n + 1, sizeof(float));
  }
  ck_assert_msg(interp_run(g, &d, (const float *const *)in, before) == 0, "%s", d.text);
  ck_assert_msg(pass_binarize(g, &d) == 0, "%s", d.text);
  ck_assert_msg(ir_verify(g, &d, VERIFY_PASS) == 0, "%s", d.text);
  ck_assert_msg(interp_run(g, &d, (const float *const *)in, after) == 0, "%s", d.text);
  *err = 0;
  for (int i = 0; i < g->noutputs; i++) {
    double e = rel_err(after[i], before[i], tensor_numel(&g->t[g->outputs[i]]));
    if (!(e <= *err))
      *err = e;
  }
  ops = live_ops(g);
  diag_free(&d);
  return ops;
}
