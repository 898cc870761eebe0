/* shape.c - shape inference and constant folding, in one topological walk.
 *
 * In topological order, each node's inputs are checked and its outputs
 * typed and shaped (shape_rules.c); a node whose inputs are all constants is
 * evaluated by the reference interpreter (fold_node, fold.c), its outputs
 * become constants and the node dies; then the verifier's rules on outputs (verify_node_outputs:
 * extents, declared shapes) judge the result. The graph has passed
 * ir_verify (arity, attribute kinds, ...) before.
 * A node downstream of a failed one is skipped silently, so every reported
 * error is an independent one.
 */
#include <string.h>

#include "../interp/interp.h"
#include "shape_impl.h"


int shape_node(Graph *g, Node *n, Diag *d) {
  Infer c = {g, d, NULL};
  return infer_node(&c, n);
}

int infer_and_fold(Graph *g, Diag *d) {
  int errors = d->nerrors;
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
    if (ok && (all_const || n->op == OP_Shape || n->op == OP_Size) && fold_node(g, n, d))
      ok = 0;
    if (ok && verify_node_outputs(g, n, d))
      ok = 0;
    if (!ok)
      for (int j = 0; j < n->nout; j++)
        if (n->out[j] >= 0)
          bad[n->out[j]] = 1;
  }
  return d->nerrors > errors ? -1 : 0;
}
