/* canon.c - canonicalization and dead-node elimination (docs/passes.md).
 *
 * pass_canonicalize rewrites, in one walk over the nodes in topological order:
 *
 *   Identity(x), Dropout(x) (inference)          -> x
 *   Reshape/Flatten(Reshape/Flatten(x))          -> Reshape(x, literal dims)
 *   Reshape/Flatten(x) with the shape of x       -> x
 *   Sub(x, c), c constant                        -> Add(x, -c)            exact
 *   Div(x, c), c constant, every c[i] = +-2^k    -> Mul(x, 1/c)           exact
 *   Add(Sub(s, f), f), s = Sign(x)               -> s    the straight-through
 *                                                        estimator, below
 *
 * then re-sorts the graph and drops dead nodes (what became constant is
 * folded by the next pass, fold.c). Removing a node whose output is a graph output
 * renames instead: the producer of its input writes the graph output directly,
 * so graph outputs keep their names; when that is impossible (the input is a
 * graph input, a constant or itself a graph output) the node stays as a copy.
 *
 * Why Div only by powers of two: x / c and x * (1/c) are both correctly
 * rounded, so they agree whenever 1/c is exact, which for floats means c is a
 * power of two (with a finite, representable reciprocal). For any other c,
 * 1/c is rounded and x * (1/c) can differ from x / c by one ulp; within the
 * tests' float tolerance, but a value that later feeds a Sign (a binary
 * layer's input) must not flip at 0, and a one-ulp change can move a
 * threshold tie. So Div(x, 3) stays a Div.
 *
 * The straight-through estimator: PyTorch's binary networks (Bi-Real,
 * ReActNet) write their activation as sign(x).detach() - f(x).detach() + f(x),
 * the forward value of the sign with the gradient of a smooth f, which exports
 * as Sub(Sign(x), f) then Add(that, f) with the same f. In float that is
 * (s - f) + f: s up to the rounding of the two steps (|s - f| <= 2, so at most
 * an ulp of 2, a relative 1.2e-7, and exactly s when s - f is exact). The
 * rewrite takes it for s itself, so the Sign reaches the binary layer and f's
 * computation dies; the outputs then differ from a float evaluation of the
 * graph by that rounding (docs/binary.md).
 *
 * pass_dce marks dead every node none of whose outputs reaches a graph output.
 */
#include <math.h>
#include <string.h>

#include "passes.h"

/* Whether tensor index t (maybe -1) is known at compile time. */
static int is_constant(const Graph *g, int t) { return t >= 0 && tensor_is_const(&g->t[t]); }

/* Whether tensor index t is one of the graph outputs. */
static int is_graph_output(const Graph *g, int t) { return t >= 0 && g->t[t].is_output; }

/* The pass's state: forwarding of removed tensors. */
typedef struct Canon {
  Graph *g;
  int *fwd;      /* fwd[t] >= 0: uses of t now read fwd[t] (nodes are
                    visited in topological order, so later readers resolve
                    their inputs through fwd when their turn comes) */
} Canon;

/* t with its forwarding applied (path-compressed). */
static int resolve(Canon *c, int t) {
  int r = t;
  while (r >= 0 && c->fwd[r] >= 0)
    r = c->fwd[r];
  while (t >= 0 && c->fwd[t] >= 0) {
    int next = c->fwd[t];
    c->fwd[t] = r;
    t = next;
  }
  return r;
}

/* Replaces every use of tensor from by tensor to in the live nodes. */
static void replace_uses(Graph *g, int from, int to) {
  for (int i = 0; i < g->nn; i++)
    if (!g->n[i].dead)
      for (int j = 0; j < g->n[i].nin; j++)
        if (g->n[i].in[j] == from)
          g->n[i].in[j] = to;
}

/* The live node producing tensor t and its output slot (*slot), or -1. */
static int producer_of(const Graph *g, int t, int *slot) {
  if (t < 0 || g->t[t].producer < 0 || g->n[g->t[t].producer].dead)
    return -1;
  const Node *n = &g->n[g->t[t].producer];
  for (int j = 0; j < n->nout; j++)
    if (n->out[j] == t) {
      *slot = j;
      return g->t[t].producer;
    }
  return -1;
}

/* Removes node ni, whose output 0 carries its input 0 unchanged (same dtype
 * and shape). Returns 1 when removed, 0 when it has to stay (see the header). */
static int bypass(Canon *c, int ni) {
  Graph *g = c->g;
  Node *n = &g->n[ni];
  int x = n->in[0], y = n->out[0];
  if (x < 0 || y < 0)
    return 0;
  if (!is_graph_output(g, y)) {
    node_kill(g, ni);
    c->fwd[y] = x; /* later readers of y resolve to x */
    return 1;
  }
  int slot, p = producer_of(g, x, &slot);
  if (p < 0 || is_graph_output(g, x) || g->t[x].is_input)
    return 0;
  /* Rename: p writes the graph output y; the other users of x read y. */
  node_kill(g, ni);
  g->n[p].out[slot] = y;
  replace_uses(g, x, y); /* readers already visited (one scan per graph output) */
  c->fwd[x] = y;         /* readers still to come */
  g->t[y].producer = p;
  g->t[x].producer = -1;
  return 1;
}

/* Whether tensors a and b have the same rank and dims. */
static int same_shape(const Tensor *a, const Tensor *b) {
  if (a->rank != b->rank)
    return 0;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i])
      return 0;
  return 1;
}

static int is_reshape(const Node *n) { return !n->dead && (n->op == OP_Reshape || n->op == OP_Flatten); }

/* Reshape/Flatten node ni reading the output of another Reshape/Flatten:
 * turns ni into a Reshape of that one's input to ni's literal output dims.
 * (Literal dims, because 0 and -1 in a shape refer to the input, which
 * changes.) Output dims of 0 are left alone: 0 means "copy" without allowzero.
 * Returns 1 when rewritten. */
static int collapse_reshape(Canon *c, int ni) {
  Graph *g = c->g;
  int slot, p = producer_of(g, g->n[ni].in[0], &slot);
  if (p < 0 || !is_reshape(&g->n[p]) || g->n[p].in[0] < 0)
    return 0;
  const Tensor *y = &g->t[g->n[ni].out[0]];
  for (int i = 0; i < y->rank; i++)
    if (y->dims[i] <= 0)
      return 0;
  int rank = y->rank;
  int64_t dims[XN_MAX_RANK], one = rank;
  memcpy(dims, y->dims, sizeof dims);
  int64_t *lit = arena_array(g->arena, (size_t)rank + 1, sizeof *lit);
  memcpy(lit, dims, (size_t)rank * sizeof *lit);
  const char *base = g->t[g->n[ni].out[0]].name;
  int src = g->n[p].in[0];
  int st = graph_new_const(g, base, ".shape", g->n[ni].loc, DT_I64, 1, &one, lit);
  Node *n = &g->n[ni];
  if (n->nin < 2)
    n->in = arena_array(g->arena, 2, sizeof(int));
  n->op = OP_Reshape;
  n->nin = 2;
  n->in[0] = src;
  n->in[1] = st;
  n->nattr = 0; /* Flatten's axis; allowzero is moot without 0 dims */
  return 1;
}

/* Whether f is +-2^k with a reciprocal that is a finite float too. */
static int exact_reciprocal(float f) {
  int e;
  if (!isfinite(f) || f == 0.0f || fabsf(frexpf(f, &e)) != 0.5f)
    return 0;
  float r = 1.0f / f;
  return isfinite(r) && r != 0.0f && fabsf(frexpf(r, &e)) == 0.5f;
}

/* Sub(x, c) -> Add(x, -c) and Div(x, c) -> Mul(x, 1/c) (c exact powers of
 * two) for a float constant c. Returns 1 when node ni was rewritten. */
static int arith_by_const(Canon *cx, int ni) {
  Graph *g = cx->g;
  Node *n = &g->n[ni];
  int x = n->in[0], c = n->in[1];
  if (x < 0 || !is_constant(g, c) || is_constant(g, x) || g->t[c].dtype != DT_F32 || g->t[x].dtype == DT_I64)
    return 0;
  const Tensor *ct = &g->t[c];
  int64_t cnt = tensor_numel(ct);
  const float *v = ct->data;
  if (cnt < 0)
    return 0;
  if (n->op == OP_Div)
    for (int64_t i = 0; i < cnt; i++)
      if (!exact_reciprocal(v[i]))
        return 0;
  float *w = arena_array(g->arena, (size_t)cnt + 1, sizeof *w);
  for (int64_t i = 0; i < cnt; i++)
    w[i] = n->op == OP_Sub ? -v[i] : 1.0f / v[i];
  int64_t dims[XN_MAX_RANK];
  memcpy(dims, ct->dims, sizeof dims);
  int rank = ct->rank;
  Op op = n->op == OP_Sub ? OP_Add : OP_Mul;
  int nc = graph_new_const(g, ct->name, op == OP_Add ? ".neg" : ".recip", n->loc, DT_F32, rank, dims, w);
  n = &g->n[ni];
  n->op = op;
  n->in[1] = nc;
  return 1;
}

/* Add node ni computing (s - f) + f with s = Sign(x) (either operand order of
 * the Add): its output becomes s (see the header). Returns 1 when removed. */
static int straight_through(Canon *c, int ni) {
  Graph *g = c->g;
  Node *n = &g->n[ni];
  if (n->nin != 2 || n->in[0] < 0 || n->in[1] < 0 || n->out[0] < 0 || is_graph_output(g, n->out[0]))
    return 0;
  for (int k = 0; k < 2; k++) {
    int sub = n->in[k], f = n->in[1 - k], slot;
    int p = producer_of(g, sub, &slot);
    if (p < 0 || g->n[p].op != OP_Sub || g->n[p].nin != 2 || g->n[p].in[1] != f)
      continue;
    int s = g->n[p].in[0], q = producer_of(g, s, &slot);
    if (q < 0 || g->n[q].op != OP_Sign || s == f)
      continue;
    const Tensor *st = &g->t[s], *yt = &g->t[n->out[0]];
    if (st->dtype != DT_F32 || yt->dtype != DT_F32 || !same_shape(st, yt))
      continue;
    node_kill(g, ni);
    c->fwd[n->out[0]] = s;
    return 1;
  }
  return 0;
}

int pass_canonicalize(Graph *g, Diag *d) {
  int nn = g->nn, changed = 0;
  Canon c = {g, arena_array(g->arena, (size_t)g->nt + 1, sizeof(int))};
  for (int t = 0; t < g->nt; t++)
    c.fwd[t] = -1;
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    if (n->dead)
      continue;
    for (int j = 0; j < n->nin; j++)
      n->in[j] = resolve(&c, n->in[j]);
    switch (n->op) {
    case OP_Identity:
    case OP_Dropout: /* shapes accepted it: inference mode, mask unused */
      changed |= bypass(&c, i);
      break;
    case OP_Reshape:
    case OP_Flatten:
      changed |= collapse_reshape(&c, i);
      if (n->in[0] >= 0 && same_shape(&g->t[n->in[0]], &g->t[n->out[0]]))
        changed |= bypass(&c, i);
      break;
    case OP_Sub:
    case OP_Div:
      changed |= arith_by_const(&c, i);
      break;
    case OP_Add:
      changed |= straight_through(&c, i);
      break;
    default:
      break;
    }
  }
  if (!changed)
    return 0;
  if (topo_sort(g, d))
    return -1;
  if (pass_dce(g, d))
    return -1;
  return topo_sort(g, d);
}

int pass_dce(Graph *g, Diag *d) {
  Arena *a = g->arena;
  int *prod = arena_array(a, (size_t)g->nt + 1, sizeof *prod);      /* live producer per tensor */
  unsigned char *seen = arena_array(a, (size_t)g->nt + 1, 1);       /* tensor needed */
  unsigned char *keep = arena_array(a, (size_t)g->nn + 1, 1);       /* node needed */
  int *stack = arena_array(a, (size_t)g->nt + 1, sizeof *stack), sp = 0;
  for (int t = 0; t < g->nt; t++)
    prod[t] = -1;
  for (int i = 0; i < g->nn; i++)
    if (!g->n[i].dead)
      for (int j = 0; j < g->n[i].nout; j++)
        if (g->n[i].out[j] >= 0)
          prod[g->n[i].out[j]] = i;
  for (int k = 0; k < g->noutputs; k++)
    if (!seen[g->outputs[k]]) {
      seen[g->outputs[k]] = 1;
      stack[sp++] = g->outputs[k];
    }
  while (sp) {
    int p = prod[stack[--sp]];
    if (p < 0 || keep[p])
      continue;
    keep[p] = 1;
    for (int j = 0; j < g->n[p].nin; j++) {
      int t = g->n[p].in[j];
      if (t >= 0 && !seen[t]) {
        seen[t] = 1;
        stack[sp++] = t;
      }
    }
  }
  int removed = 0;
  for (int i = 0; i < g->nn; i++)
    if (!g->n[i].dead && !keep[i]) {
      node_kill(g, i);
      removed = 1;
    }
  return removed ? topo_sort(g, d) : 0;
}
