/* interp.c - the reference interpreter's entry points: per-node dispatch and
 * whole-graph runs. The kernels are in interp_elem.c, interp_nn.c and
 * interp_data.c. */
#include <string.h>

#include "interp_impl.h"

int interp_node(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  InterpFn *k = n->op < OP__COUNT ? op_info[n->op].interp : NULL;
  if (!k) {
    node_error(d, g, n, "the interpreter does not support this op yet");
    return -1;
  }
  if (n->nout < 1 || !out[0] || !node_out(g, n, 0)) {
    node_error(d, g, n, "output 0 is missing");
    return -1;
  }
  for (int i = 0; i < n->nin; i++) /* Shape and Size read no data, only the shape */
    if (node_in(g, n, i) && !in[i] && n->op != OP_Shape && n->op != OP_Size) {
      node_error(d, g, n, "input %d '%s' has no data", i, node_in(g, n, i)->name);
      return -1;
    }
  return k(g, n, d, in, out);
}

/* The unary elementwise kernels compute y[i] from x[i] alone; interp_arith
 * copies x0 into y before it combines the other inputs in. */
int interp_in_place_ok(Op op) {
  InterpFn *k = op < OP__COUNT ? op_info[op].interp : NULL;
  return k && (k == interp_unary || k == interp_hardsigmoid || k == interp_arith);
}

/* Buffer for tensor t: numel elements of its dtype (at least one byte). */
static void *tensor_buffer(Graph *g, const Tensor *t) {
  int64_t cnt = tensor_numel(t);
  if (cnt < 0)
    xn_unreachable("tensor without a shape in interp_run");
  return arena_array(g->arena, (size_t)cnt + 1, dtype_size(t->dtype));
}

int interp_run(Graph *g, Diag *d, const float *const *inputs, float **outputs) {
  const void **in = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof *in);
  void **out = arena_array(g->arena, (size_t)g->noutputs + 1, sizeof *out);
  for (int i = 0; i < g->ninputs; i++) {
    const Tensor *t = &g->t[g->inputs[i]];
    if (!dtype_is_float(t->dtype)) {
      diag_error(d, "graph input '%s' is %s; interp_run takes float32 inputs only (interp_run_with: any type)",
                 t->name, dtype_name(t->dtype));
      return -1;
    }
    in[i] = inputs[i];
  }
  for (int i = 0; i < g->noutputs; i++) {
    const Tensor *t = &g->t[g->outputs[i]];
    out[i] = dtype_is_float(t->dtype) ? (void *)outputs[i] : arena_array(g->arena, (size_t)tensor_numel(t) + 1, sizeof(int64_t));
  }
  if (interp_run_with(g, d, in, out, NULL, NULL))
    return -1;
  for (int i = 0; i < g->noutputs; i++) { /* integer and bool outputs are converted to float */
    const Tensor *t = &g->t[g->outputs[i]];
    for (int64_t k = 0; !dtype_is_float(t->dtype) && k < tensor_numel(t); k++)
      outputs[i][k] = (float)((const int64_t *)out[i])[k];
  }
  return 0;
}

int interp_run_with(Graph *g, Diag *d, const void *const *inputs, void **outputs, InterpAfterFn *after, void *ctx) {
  void **buf = arena_array(g->arena, (size_t)g->nt + 1, sizeof *buf);
  for (int i = 0; i < g->nt; i++)
    if (g->t[i].data && !g->t[i].is_input)
      buf[i] = g->t[i].data;
  for (int i = 0; i < g->ninputs; i++)
    buf[g->inputs[i]] = (void *)inputs[i];
  int nmax = 1;
  for (int i = 0; i < g->nn; i++)
    if (g->n[i].nin > nmax)
      nmax = g->n[i].nin;
  void **in = arena_array(g->arena, (size_t)nmax, sizeof *in);
  for (int i = 0; i < g->nn; i++) {
    Node *n = &g->n[i];
    if (n->dead)
      continue;
    for (int j = 0; j < n->nin; j++) {
      in[j] = n->in[j] >= 0 ? buf[n->in[j]] : NULL;
      if (n->in[j] >= 0 && !in[j]) {
        node_error(d, g, n, "input %d '%s' is not computed before this node", j, g->t[n->in[j]].name);
        return -1;
      }
    }
    for (int j = 0; j < n->nout; j++)
      if (n->out[j] >= 0)
        buf[n->out[j]] = tensor_buffer(g, &g->t[n->out[j]]);
    void **out = arena_array(g->arena, (size_t)n->nout + 1, sizeof *out);
    for (int j = 0; j < n->nout; j++)
      out[j] = n->out[j] >= 0 ? buf[n->out[j]] : NULL;
    if (interp_node(g, n, d, in, out))
      return -1;
    if (after && after(ctx, g, i, out))
      return -1;
  }
  for (int i = 0; i < g->noutputs; i++) {
    Tensor *t = &g->t[g->outputs[i]];
    const void *src = buf[g->outputs[i]];
    int64_t cnt = tensor_numel(t);
    if (!src || cnt < 0) {
      diag_error(d, "graph output '%s' was not computed", t->name);
      return -1;
    }
    memcpy(outputs[i], src, (size_t)cnt * dtype_size(t->dtype));
  }
  return 0;
}
