/* signs.c - signs through positive factors (the pass `signs`, before binarize).
 *
 *   Sign(Div(x, d)), Sign(Mul(x, d)), Sign(Mul(d, x)), d provably > 0  -> Sign(x)
 *
 * repeated while the Sign's input is such a product or quotient, so that
 * per-sample activation standardization, sign((x - mean(x)) / sqrt(var(x) +
 * eps)), becomes Sign(x - mean(x)): a binary activation of a run-time float
 * tensor, which binarize turns into a BinActiv feeding an xnor layer. What
 * computed only d dies (dce).
 *
 * "Provably positive" (tensor_positive) and "non-negative" (tensor_nonneg)
 * follow the graph through the op table's properties (ops.h): OPF_NONNEG ops
 * (Abs, Relu, Exp, Sigmoid, Softplus, the squared and absolute reductions)
 * give >= 0 whatever their input; OPF_SIGNKEEP ops (Add, Mul, Sqrt, Max,
 * Mean, the other reductions, pools, views) give > 0 from inputs > 0 and >= 0
 * from inputs >= 0. A constant is positive when all its values are finite
 * and > 0. Positive besides: Exp; Add of a non-negative and a positive; Div,
 * Reciprocal and Pow of positives; an OPF_SIGNKEEP op on positives.
 * Non-negative besides: Pow with an even integer exponent, Mul(x, x).
 *
 * Exactness: x / d and x * d for d > 0 have x's sign unless they underflow
 * to zero (|x| below d * 2^-149 for Div, |x * d| below 2^-149 for Mul), or
 * d over- or underflowed itself (exp of a large or very negative value); the
 * sign of x is then the one of the exact real quotient, which the float
 * computation lost. docs/passes.md says so.
 */
#include <math.h>

#include "passes.h"

#define DEPTH 32 /* how far back the analysis looks */

static int producer(Graph *g, int t, const Node **n) {
  int p = graph_producer(g, t);
  *n = p >= 0 ? &g->n[p] : NULL;
  return p >= 0 && g->n[p].out[0] == t;
}

/* All elements of constant t satisfy > 0 (strict) or >= 0, and are finite. */
static int const_sign(const Tensor *t, int strict) {
  int64_t cnt = tensor_numel(t);
  if (cnt < 1)
    return 0;
  for (int64_t i = 0; i < cnt; i++) {
    double v = dtype_is_float(t->dtype) ? ((const float *)t->data)[i] : (double)((const int64_t *)t->data)[i];
    if (!isfinite(v) || (strict ? !(v > 0) : !(v >= 0)))
      return 0;
  }
  return 1;
}

static int positive(Graph *g, int t, int depth);

static int nonneg(Graph *g, int t, int depth) {
  const Node *n;
  if (t < 0 || depth > DEPTH)
    return 0;
  if (tensor_is_const(&g->t[t]))
    return const_sign(&g->t[t], 0);
  if (!producer(g, t, &n))
    return 0;
  if (op_has(n->op, OPF_NONNEG))
    return 1;
  if (n->op == OP_Mul && n->in[0] == n->in[1])
    return 1;
  if (n->op == OP_Pow && tensor_is_const(&g->t[n->in[1]]) && tensor_numel(&g->t[n->in[1]]) == 1) {
    const Tensor *e = &g->t[n->in[1]];
    double v = dtype_is_float(e->dtype) ? *(const float *)e->data : (double)*(const int64_t *)e->data;
    if (v == floor(v) && fmod(v, 2.0) == 0.0)
      return 1;
  }
  if (op_has(n->op, OPF_SIGNKEEP) || n->op == OP_Div) {
    for (int j = 0; j < n->nin; j++)
      if (n->in[j] >= 0 && dtype_is_float(g->t[n->in[j]].dtype) &&
          !(n->op == OP_Div && j == 1 ? positive(g, n->in[j], depth + 1) : nonneg(g, n->in[j], depth + 1)))
        return 0;
    return 1;
  }
  return positive(g, t, depth + 1);
}

static int positive(Graph *g, int t, int depth) {
  const Node *n;
  if (t < 0 || depth > DEPTH)
    return 0;
  if (tensor_is_const(&g->t[t]))
    return const_sign(&g->t[t], 1);
  if (!producer(g, t, &n))
    return 0;
  switch (n->op) {
  case OP_Exp: return 1;
  case OP_Add: /* a non-negative plus a positive */
    return (positive(g, n->in[0], depth + 1) && nonneg(g, n->in[1], depth + 1)) ||
           (nonneg(g, n->in[0], depth + 1) && positive(g, n->in[1], depth + 1));
  case OP_Div:
  case OP_Pow: return positive(g, n->in[0], depth + 1) && (n->op == OP_Pow || positive(g, n->in[1], depth + 1));
  case OP_Reciprocal: return positive(g, n->in[0], depth + 1);
  default: break;
  }
  if (!op_has(n->op, OPF_SIGNKEEP))
    return 0;
  for (int j = 0; j < n->nin; j++) /* float inputs: not shapes, axes, indices */
    if (n->in[j] >= 0 && dtype_is_float(g->t[n->in[j]].dtype) && !positive(g, n->in[j], depth + 1))
      return 0;
  return 1;
}

int tensor_positive(Graph *g, int t) { return positive(g, t, 0); }

int tensor_nonneg(Graph *g, int t) { return nonneg(g, t, 0); }

/* Sign's input x after dropping positive factors, or -1 when there is none
 * to drop. */
static int strip(Graph *g, int x) {
  int out = -1;
  for (int k = 0; k < DEPTH; k++) {
    const Node *n;
    if (!producer(g, x, &n) || n->nin != 2 || g->t[x].dtype != DT_F32)
      break;
    int a = n->in[0], b = n->in[1], keep = -1;
    if ((n->op == OP_Div || n->op == OP_Mul) && tensor_positive(g, b))
      keep = a;
    else if (n->op == OP_Mul && tensor_positive(g, a))
      keep = b;
    /* the kept operand must carry the whole shape (the factor only broadcasts) */
    if (keep < 0 || g->t[keep].rank != g->t[x].rank || tensor_numel(&g->t[keep]) != tensor_numel(&g->t[x]))
      break;
    out = x = keep;
  }
  return out;
}

int pass_signs(Graph *g, Diag *d) {
  int changed = 0;
  for (int i = 0; i < g->nn; i++) {
    Node *n = &g->n[i];
    if (n->dead || n->op != OP_Sign || n->in[0] < 0)
      continue;
    int x = strip(g, n->in[0]);
    if (x < 0)
      continue;
    n->in[0] = x;
    graph_changed(g);
    changed = 1;
  }
  if (!changed)
    return 0;
  return pass_dce(g, d);
}
