/* fold.c - constant folding is evaluation.
 *
 * A live node whose inputs are all constant is evaluated with its op's
 * interpreter function (the op table's interp column, the same code
 * `xnorcc run` executes), its outputs become constants and the node dies.
 * Nothing here knows any op: an op that only ever sees constants needs an
 * interpreter function (and its shape rule) and nothing else.
 *
 * fold_node      one node; shape inference calls it during its walk, so
 *                that later shape rules see folded shapes and axes
 * pass_fold      every foldable node, repeated to a fixed point (the pass
 *                `fold`, after canonicalize and before binarize, so that
 *                binary-weight recognition sees computed weights as the
 *                constants they are)
 * fold_report    what --report says about folding
 *
 * Every fold but a Constant's is counted per op in Graph.nfolded for --report.
 */
#include <stdint.h>
#include <string.h>

#include "../interp/interp.h"
#include "passes.h"

int64_t fold_too_large(Graph *g, const Node *n) {
  for (int j = 0; j < n->nout; j++) {
    Tensor *t = node_out(g, n, j);
    int64_t bytes;
    if (!t)
      continue;
    if (!xn_mul_ok(tensor_numel(t), (int64_t)dtype_size(t->dtype), &bytes))
      return INT64_MAX;
    if (g->fold_max_bytes > 0 && bytes > g->fold_max_bytes && n->op != OP_Constant)
      return bytes;
  }
  return 0;
}

/* Constant data of at least this many bytes is given back, or taken over
 * by a fold's output, as soon as folding has left no reader of it (smaller
 * data stays in the arena's shared blocks, where it could not be freed
 * anyway). */
enum { RELEASE_MIN_BYTES = 1 << 20 };

/* The bytes of tensor ti's data if it is at least RELEASE_MIN_BYTES and
 * nothing but node n can read it: no other live node reads it, it is not a
 * graph input or output, and no other tensor shares the same data (some
 * passes make a constant a view of another's data). Else 0. */
static int64_t reclaimable(Graph *g, int ti, const Node *n) {
  if (ti < 0 || ti >= g->nt)
    return 0;
  const Tensor *t = &g->t[ti];
  int64_t bytes;
  if (!t->data || !xn_mul_ok(tensor_numel(t), (int64_t)dtype_size(t->dtype), &bytes) ||
      bytes < RELEASE_MIN_BYTES)
    return 0;
  for (int i = 0; i < g->ninputs; i++)
    if (g->inputs[i] == ti)
      return 0;
  for (int i = 0; i < g->noutputs; i++)
    if (g->outputs[i] == ti)
      return 0;
  for (int i = 0; i < g->nn; i++) {
    const Node *m = &g->n[i];
    if (m->dead || m == n)
      continue;
    for (int j = 0; j < m->nin; j++)
      if (m->in[j] == ti)
        return 0;
  }
  for (int i = 0; i < g->nt; i++)
    if (i != ti && g->t[i].data == t->data)
      return 0;
  return bytes;
}

/* Frees tensor ti's data once folding n has left no reader of it. So
 * folding W -> Abs -> ReduceMean, Sign(W), Mul... holds a few weight-sized
 * tensors at once instead of every intermediate (issue 10). */
static void release_if_dead(Graph *g, int ti, const Node *n) {
  if (!reclaimable(g, ti, n))
    return;
  arena_release(g->arena, g->t[ti].data);
  g->t[ti].data = NULL;
}

void release_unread(Graph *g, int ti) { release_if_dead(g, ti, NULL); }

/* Input 0's data if node n's output 0 can be computed over it: the op's
 * interpreter function reads x0[i] only before it writes y[i]
 * (interp_in_place_ok), output 0 has input 0's type and shape, no other
 * input of n is the same data, and nothing but n reads it (reclaimable). So
 * Sign(W) and Sign(W) * alpha take no second copy of a big W. */
static void *reusable_input0(Graph *g, const Node *n) {
  if (n->nin < 1 || n->nout < 1 || !interp_in_place_ok(n->op))
    return NULL;
  const Tensor *x = node_in(g, n, 0), *y = node_out(g, n, 0);
  if (!x || !y || x->dtype != y->dtype || x->rank != y->rank ||
      memcmp(x->dims, y->dims, (size_t)x->rank * sizeof x->dims[0]) || !reclaimable(g, n->in[0], n))
    return NULL;
  for (int j = 1; j < n->nin; j++)
    if (n->in[j] == n->in[0] || (node_in(g, n, j) && node_in(g, n, j)->data == x->data))
      return NULL;
  return x->data;
}

/* Counts one folded node of op. */
static void count_fold(Graph *g, Op op) {
  if (!g->nfolded)
    g->nfolded = arena_array(g->arena, OP__COUNT, sizeof *g->nfolded);
  g->nfolded[op]++;
}

int fold_node(Graph *g, Node *n, Diag *d) {
  if (n->op >= OP__COUNT || !op_info[n->op].interp || fold_too_large(g, n))
    return 0;
  void **in = arena_array(g->arena, (size_t)n->nin + 1, sizeof *in);
  void **out = arena_array(g->arena, (size_t)n->nout + 1, sizeof *out);
  for (int j = 0; j < n->nin; j++) {
    Tensor *t = node_in(g, n, j);
    in[j] = t ? t->data : NULL;
  }
  for (int j = 0; j < n->nout; j++) {
    Tensor *t = node_out(g, n, j);
    int64_t bytes = 0;
    if (!t) {
      out[j] = NULL;
      continue;
    }
    if (j == 0 && (out[0] = reusable_input0(g, n)))
      continue;
    /* A small model can ask for a huge constant (ConstantOfShape, Expand,
     * Tile...): say which node, rather than a bare "out of memory". */
    if (!xn_mul_ok(tensor_numel(t) + 1, (int64_t)dtype_size(t->dtype), &bytes) ||
        (uint64_t)bytes > SIZE_MAX || !(out[j] = arena_try_alloc(g->arena, (size_t)bytes))) {
      node_error(d, g, n, "out of memory: folding it needs its output '%s' as a constant of %lld bytes",
                 t->name, (long long)bytes);
      return -1;
    }
  }
  if (interp_node(g, n, d, in, out))
    return -1;
  for (int j = 0; j < n->nout; j++)
    if (out[j])
      node_out(g, n, j)->data = out[j];
  n->dead = 1;
  if (n->op != OP_Constant) /* a value, not a computation */
    count_fold(g, n->op);
  if (n->nin > 0 && out[0] == in[0]) /* output 0 took over input 0's data */
    node_in(g, n, 0)->data = NULL;
  for (int j = 0; j < n->nin; j++)
    release_if_dead(g, n->in[j], n);
  graph_changed(g);
  return 0;
}

int node_inputs_const(Graph *g, const Node *n) {
  for (int j = 0; j < n->nin; j++) {
    const Tensor *t = node_in(g, n, j);
    if (t && !tensor_is_const(t))
      return 0;
  }
  return 1;
}

int pass_fold(Graph *g, Diag *d) {
  int any = 0, changed = 1;
  while (changed) { /* the nodes are sorted, so the second round finds nothing */
    changed = 0;
    for (int i = 0; i < g->nn; i++) {
      Node *n = &g->n[i];
      if (n->dead || !node_inputs_const(g, n) || !op_info[n->op].interp || fold_too_large(g, n))
        continue;
      if (fold_node(g, n, d))
        return -1;
      changed = any = 1;
    }
  }
  if (!any)
    return 0;
  return pass_dce(g, d) || topo_sort(g, d) ? -1 : 0;
}

void fold_report(Graph *g, StrBuf *b) {
  int64_t total = 0;
  for (int k = 0; g->nfolded && k < OP__COUNT; k++)
    total += g->nfolded[k];
  if (total) {
    sb_printf(b, "folded: %lld node%s (", (long long)total, total == 1 ? "" : "s");
    const char *sep = "";
    for (int k = 0; k < OP__COUNT; k++)
      if (g->nfolded[k]) {
        sb_printf(b, "%s%s %d", sep, op_info[k].name, g->nfolded[k]);
        sep = ", ";
      }
    sb_puts(b, ")\n");
  }
  /* Live nodes on constants only that stayed: no interpreter function, or too large. */
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (n->dead || !node_inputs_const(g, n))
      continue;
    int64_t bytes = fold_too_large(g, n);
    if (!op_info[n->op].interp)
      sb_printf(b, "not folded: %s: all its inputs are constant but %s has no interpreter function, so it runs "
                "at run time\n", node_desc(g, n), op_info[n->op].name);
    else if (bytes)
      sb_printf(b, "not folded: %s: an output of %lld bytes is more than the constant folder's limit of %lld MiB "
                "(--fold-max-mib), so it runs at run time\n", node_desc(g, n), (long long)bytes,
                (long long)(g->fold_max_bytes >> 20));
  }
}
