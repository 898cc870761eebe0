/* shape.c - shape inference and constant folding, in one topological walk.
 *
 * First every node is checked for an op (and op variant) xnorcc supports,
 * and all unsupported ones are reported together. Then, in topological
 * order, each node's inputs are checked and its outputs typed and shaped
 * (shape_rules.c); a node whose inputs are all constants is evaluated by the
 * reference interpreter, its outputs become constants and the node dies.
 * A node downstream of a failed one is skipped silently, so every reported
 * error is an independent one.
 */
#include <string.h>

#include "../interp/interp.h"
#include "shape_impl.h"

/* Folded outputs larger than this stay computed at run time. */
#define FOLD_MAX_BYTES ((int64_t)64 << 20)


/* Reports nodes xnorcc cannot handle at all: unknown ops, ops of an unknown
 * domain, bad arities or tensor indices, omitted required
 * operands, unsupported variants. Returns the number of bad nodes. */
static int check_supported(Graph *g, Diag *d) {
  int bad = 0;
  for (int i = 0; i < g->nn; i++) {
    Node *n = &g->n[i];
    int errors = d->nerrors;
    if (n->dead)
      continue;
    if (n->op >= OP__COUNT) {
      node_error(d, g, n, "op is not supported");
      bad++;
      continue;
    }
    const OpDef *oi = &op_info[n->op];
    if (oi->domain[0] && strcmp(oi->domain, "xnor")) {
      node_error(d, g, n, "op %s of domain '%s' is not supported", oi->name, oi->domain);
      bad++;
      continue;
    }
    if (n->nin < oi->min_in || n->nin > oi->max_in)
      node_error(d, g, n, "has %d inputs; %s takes %d to %d", n->nin, oi->name, oi->min_in, oi->max_in);
    else if (n->nout < oi->min_out || n->nout > oi->max_out)
      node_error(d, g, n, "has %d outputs; %s gives %d to %d", n->nout, oi->name, oi->min_out, oi->max_out);
    else {
      for (int j = 0; j < n->nin; j++)
        if (n->in[j] < -1 || n->in[j] >= g->nt)
          xn_unreachable("node input out of range");
        else if (n->in[j] < 0 && j < oi->min_in)
          node_error(d, g, n, "input %d is required but omitted", j);
      for (int j = 0; j < n->nout; j++)
        if (n->out[j] < -1 || n->out[j] >= g->nt)
          xn_unreachable("node output out of range");
      if (n->out[0] < 0)
        node_error(d, g, n, "output 0 is omitted");
      if (n->op == OP_Concat)
        for (int j = 0; j < n->nin; j++)
          if (n->in[j] < 0)
            node_error(d, g, n, "input %d is omitted", j);
    }
    const char *mode = attr_string(n, "mode", "constant");
    if (n->op == OP_Pad && strcmp(mode, "constant"))
      node_error(d, g, n, "Pad mode '%s' is not supported (only 'constant')", mode);
    if (d->nerrors > errors)
      bad++;
  }
  return bad;
}

/* Evaluates n (all inputs constant) and attaches the results to its outputs,
 * which become constants; n dies. Outputs too large to keep are left to run
 * time. Returns 0 or -1. */
int fold_node(Graph *g, Node *n, Diag *d) {
  void **in = arena_array(g->arena, (size_t)n->nin + 1, sizeof *in);
  void **out = arena_array(g->arena, (size_t)n->nout + 1, sizeof *out);
  for (int j = 0; j < n->nout; j++) {
    Tensor *t = node_out(g, n, j);
    int64_t bytes;
    if (t && (!xn_mul_ok(tensor_numel(t), (int64_t)dtype_size(t->dtype), &bytes) ||
              (bytes > FOLD_MAX_BYTES && n->op != OP_Constant)))
      return 0;
  }
  for (int j = 0; j < n->nin; j++) {
    Tensor *t = node_in(g, n, j);
    in[j] = t ? t->data : NULL;
  }
  for (int j = 0; j < n->nout; j++) {
    Tensor *t = node_out(g, n, j);
    out[j] = t ? arena_array(g->arena, (size_t)tensor_numel(t) + 1, dtype_size(t->dtype)) : NULL;
  }
  if (interp_node(g, n, d, in, out))
    return -1;
  for (int j = 0; j < n->nout; j++)
    if (out[j])
      node_out(g, n, j)->data = out[j];
  n->dead = 1;
  graph_changed(g);
  return 0;
}

int shape_node(Graph *g, Node *n, Diag *d) {
  Infer c = {g, d, NULL};
  return infer_node(&c, n);
}

int infer_and_fold(Graph *g, Diag *d) {
  int errors = d->nerrors;
  if (check_supported(g, d))
    return -1;
  Infer c = {g, d, arena_array(g->arena, (size_t)g->nt + 1, sizeof(int))};
  unsigned char *bad = arena_array(g->arena, (size_t)g->nt + 1, 1); /* after an earlier error */
  for (int i = 0; i < g->nn; i++)
    if (!g->n[i].dead)
      for (int j = 0; j < g->n[i].nin; j++)
        if (g->n[i].in[j] >= 0)
          c.uses[g->n[i].in[j]]++;
  for (int i = 0; i < g->noutputs; i++)
    c.uses[g->outputs[i]]++;

  for (int i = 0; i < g->nn; i++) {
    Node *n = &g->n[i];
    if (n->dead)
      continue;
    int ok = 1, all_const = 1;
    for (int j = 0; j < n->nin && ok; j++) {
      Tensor *t = node_in(g, n, j);
      if (!t)
        continue;
      if (bad[n->in[j]])
        ok = 0;
      else if (t->rank < 0 || t->rank > XN_MAX_RANK || tensor_numel(t) < 0) {
        node_error(d, g, n, "input %d '%s' has no known shape", j, t->name);
        ok = 0;
      }
      all_const &= tensor_is_const(t);
    }
    if (ok && infer_node(&c, n))
      ok = 0;
    if (ok && (all_const || n->op == OP_Shape) && fold_node(g, n, d))
      ok = 0;
    if (!ok)
      for (int j = 0; j < n->nout; j++)
        if (n->out[j] >= 0)
          bad[n->out[j]] = 1;
  }
  return d->nerrors > errors ? -1 : 0;
}
