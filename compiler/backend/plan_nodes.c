/* plan_nodes.c - which nodes become code and what each layer needs: the
 * phases select, layers, merge and check (plan.h). */
#include <limits.h>
#include <string.h>

#include "plan.h"

/* A node is folded when all its outputs are constants. */
static int is_folded(const Graph *g, const Node *n) {
  for (int j = 0; j < n->nout; j++)
    if (n->out[j] >= 0 && !g->t[n->out[j]].data)
      return 0;
  return 1;
}

int plan_select(Plan *p, Diag *d) {
  Graph *g = p->g;
  int nn = g->nn, errors = d->nerrors;
  p->node = arena_array(g->arena, (size_t)nn + 1, sizeof *p->node);
  p->consumed = arena_array(g->arena, (size_t)g->nt + 1, sizeof(int));
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    LayerPlan *lp = &p->node[i];
    lp->in0 = lp->pro = -1;
    lp->out0 = n->nout > 0 ? n->out[0] : -1;
    lp->writes = 1u;
    if (n->dead || is_folded(g, n))
      continue;
    /* Every unsupported op at once, before anything else. */
    if (!op_info[n->op].emit)
      node_error(d, g, n, "op %s is not supported by the C backend", op_info[n->op].name);
    else
      lp->code = 1;
  }
  if (d->nerrors > errors)
    return -1;
  for (int i = 0; i < nn; i++)
    for (int j = 0; p->node[i].code && j < g->n[i].nin; j++)
      if (g->n[i].in[j] >= 0)
        p->consumed[g->n[i].in[j]] = 1;
  p->ud = graph_usedef(g);
  return 0;
}

int plan_layers(Plan *p, Diag *d) {
  int errors = d->nerrors;
  for (int i = 0; i < p->g->nn; i++) {
    const OpEmit *h = op_info[p->g->n[i].op].emit;
    if (p->node[i].code && h->plan)
      h->plan(p, d, i);
  }
  return d->nerrors > errors ? -1 : 0;
}

/* Whether every reader of tensor t that has code reads it as input 0 and is
 * a BinConv/BinGemm on the packed xnor path (xnor) or an XnorBlock (!xnor),
 * and there is one. */
static int read_only_as_x_by(const Plan *p, int t, int xnor) {
  const UseDef *ud = p->ud;
  int any = 0;
  for (int r = ud->use_first[t]; r < ud->use_first[t + 1]; r++) {
    int i = ud->use_node[r];
    if (!p->node[i].code)
      continue;
    Op op = p->g->n[i].op;
    if (ud->use_slot[r] != 0 ||
        (xnor ? (op != OP_BinConv && op != OP_BinGemm) || p->node[i].path != LP_XNOR : op != OP_XnorBlock))
      return 0;
    any = 1;
  }
  return any;
}

/* Readers of t with code read tensor x as their input 0 instead (and apply
 * node pro's function while packing it, unless pro is -1). */
static void redirect_readers(Plan *p, int t, int x, int pro) {
  const UseDef *ud = p->ud;
  for (int r = ud->use_first[t]; r < ud->use_first[t + 1]; r++)
    if (p->node[ud->use_node[r]].code && ud->use_slot[r] == 0) {
      p->node[ud->use_node[r]].in0 = x;
      p->node[ud->use_node[r]].pro = pro;
    }
}

void plan_merge(Plan *p) {
  Graph *g = p->g;
  plan_merge_float(p); /* BN, Relu, Clip into float convs and Gemms (plan_float.c) */
  /* BinActiv: when every reader of Y is a packed xnor layer reading it as X
   * (and Y is not a graph output), Y is never written: the readers pack the
   * BinActiv's X, whose sign bits are the same. The BinActiv computes only A,
   * or nothing. */
  for (int b = 0; b < g->nn; b++) {
    Node *a = &g->n[b];
    if (!p->node[b].code || a->op != OP_BinActiv || a->nout < 1 || a->out[0] < 0 || g->t[a->out[0]].is_output ||
        !read_only_as_x_by(p, a->out[0], 1))
      continue;
    redirect_readers(p, a->out[0], a->in[0], -1);
    p->node[b].writes &= ~1u;
    if (!plan_writes(p, b, 1))
      p->node[b].code = 0;
  }
  /* BinThreshold read only by XnorBlocks (as X, not a graph output): no code;
   * its readers pack its input through its thresholds. */
  for (int t = 0; t < g->nn; t++) {
    const Node *th = &g->n[t];
    int y = th->nout > 0 ? th->out[0] : -1;
    if (!p->node[t].code || th->op != OP_BinThreshold || y < 0 || g->t[y].is_output || !read_only_as_x_by(p, y, 0))
      continue;
    redirect_readers(p, y, th->in[0], t);
    p->node[t].code = 0;
  }
}

/* Checks that tensor t, read or written by node n at run time, can be an
 * array of floats in generated code: float32, +-1 bits, bool (0/1), or an
 * int64/int32 tensor of an op whose float code is exact on integers
 * (OPF_INTF; the values as floats, exact below 2^24 in magnitude). */
static void check_float_tensor(Plan *p, Diag *d, const Node *n, const Tensor *t, const char *what, int k) {
  Graph *g = p->g;
  if (t->rank < 0 || tensor_numel(t) < 0)
    node_error(d, g, n, "%s %d '%s' has no known shape", what, k, t->name);
  else if (tensor_numel(t) > INT_MAX)
    node_error(d, g, n, "%s %d '%s' (%s) has more than %d elements, too many for the C backend", what, k, t->name,
               shape_str(g, t), INT_MAX);
  else if (dtype_is_int(t->dtype) && !op_has(n->op, OPF_INTF))
    node_error(d, g, n, "%s %d '%s' has type %s; the C backend computes %s on floats only (integer tensors at run "
               "time: data movement, Cast, comparisons, Where, Add, Sub, Mul, Div, Mod, Pow, Max, Min, Sum, Neg, "
               "Abs, Gather)", what, k, t->name, dtype_name(t->dtype), op_info[n->op].name);
  else if ((n->op == OP_ArgMax || n->op == OP_ArgMin || n->op == OP_Gather) && !strcmp(what, "input") && k == 0) {
    int axis = 0; /* an index must be exact as a float: the axis below 2^24 */
    if (!norm_axis(g, n, d, "axis", attr_int(n, "axis", 0), t->rank, &axis) && t->dims[axis] >= ((int64_t)1 << 24))
      node_error(d, g, n, "axis %d of input '%s' has %lld elements; the C backend's indices are exact below 2^24",
                 axis, t->name, (long long)t->dims[axis]);
  }
}

/* Graph input or output k (what "input"/"output") must have a known shape
 * and a type of the C API (float32, bits for outputs, int64, int32, bool). */
static void check_io(Plan *p, Diag *d, const char *what, int k, int ti, int bit_ok) {
  const Tensor *t = &p->g->t[ti];
  if ((t->dtype == DT_BIT && !bit_ok) || tensor_numel(t) < 0 || tensor_numel(t) > INT_MAX)
    diag_error(d, "graph %s %d '%s' (%s, %s) must have a known shape for the C backend", what, k, t->name,
               dtype_name(t->dtype), shape_str(p->g, t));
}

int plan_check(Plan *p, Diag *d) {
  Graph *g = p->g;
  int errors = d->nerrors;
  for (int i = 0; i < g->nn; i++) {
    Node *n = &g->n[i];
    if (!p->node[i].code)
      continue;
    for (int j = 0; j < n->nin; j++)
      if (plan_reads(p, i, j))
        check_float_tensor(p, d, n, &g->t[n->in[j]], "input", j);
    if (n->nout < 1 || n->out[0] < 0) {
      node_error(d, g, n, "output 0 is omitted");
      continue;
    }
    for (int j = 0; j < n->nout; j++)
      if (plan_writes(p, i, j))
        check_float_tensor(p, d, n, &g->t[n->out[j]], "output", j);
    for (int j = 1; j < n->nout; j++) {
      int ti = n->out[j];
      if (ti >= 0 && (p->consumed[ti] || g->t[ti].is_output) && !plan_writes(p, i, j))
        node_error(d, g, n, "output %d '%s' is used, which the C backend does not support for %s", j, g->t[ti].name,
                   op_info[n->op].name);
    }
  }
  for (int k = 0; k < g->ninputs; k++)
    check_io(p, d, "input", k, g->inputs[k], 0);
  for (int k = 0; k < g->noutputs; k++)
    check_io(p, d, "output", k, g->outputs[k], 1);
  return d->nerrors > errors ? -1 : 0;
}
