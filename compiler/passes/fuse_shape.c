/* fuse_shape.c - checks and output shapes of the fused xnor ops
 * (semantics in docs/fusion.md).
 *
 *   BinThreshold  X, Lo, Hi                 -> Y  bit, shape of X
 *   XnorBlock     X, W, P, [Q], [A], [R]    -> Y  N x M x OH x OW (after the
 *                 optional pool), bit when output="bit", float32 otherwise
 *   XnorDense     X, W, Lo, Hi              -> Y  bit, ... x M (X ... x F, W M x F)
 */
#include <string.h>

#include "binary.h"
#include "shape_impl.h"

/* t must be a 1-D tensor of c values, one per channel. */
static int per_channel(Graph *g, const Node *n, const Tensor *t, int64_t c, const char *what, Diag *d) {
  if (t && (t->rank != 1 || t->dims[0] != c)) {
    node_error(d, g, n, "%s '%s' has shape %s; expected %lld (one value per channel)", what, t->name,
               shape_str(g, t), (long long)c);
    return -1;
  }
  return 0;
}

int shape_binthreshold(Infer *cx, Node *n) {
  Graph *g = cx->g;
  Diag *d = cx->d;
  int err = 0;
  const Tensor *x = xnor_input(g, n, 0, "X", 1, 0, d, &err);
  const Tensor *lo = xnor_input(g, n, 1, "Lo", 1, 0, d, &err);
  const Tensor *hi = xnor_input(g, n, 2, "Hi", 1, 0, d, &err);
  if (err)
    return -1;
  if (x->rank < 2) {
    node_error(d, g, n, "input '%s' has shape %s; expected rank 2 or more (channels on axis 1)", x->name,
               shape_str(g, x));
    return -1;
  }
  if (per_channel(g, n, lo, x->dims[1], "Lo", d) || per_channel(g, n, hi, x->dims[1], "Hi", d))
    return -1;
  xnor_set_out(g, n, 0, DT_BIT, x->rank, x->dims);
  return 0;
}

int shape_xnorblock(Infer *cx, Node *n) {
  Graph *g = cx->g;
  Diag *d = cx->d;
  const char *mode = attr_string(n, "output", "float");
  int bit = !strcmp(mode, "bit");
  if (!bit && strcmp(mode, "float")) {
    node_error(d, g, n, "output is '%s'; expected \"bit\" or \"float\"", mode);
    return -1;
  }
  int err = 0;
  const Tensor *x = xnor_input(g, n, 0, "X", 1, 0, d, &err);
  const Tensor *w = xnor_input(g, n, 1, "W", 1, 0, d, &err);
  const Tensor *p = xnor_input(g, n, 2, bit ? "Lo" : "Scale", 1, bit, d, &err);
  const Tensor *q = xnor_input(g, n, 3, bit ? "Hi" : "Bias", bit, bit, d, &err);
  const Tensor *a = xnor_input(g, n, 4, "A", 0, 0, d, &err);
  const Tensor *r = xnor_input(g, n, 5, "R", 0, 1, d, &err);
  if (err)
    return -1;
  if (x->rank != 4) {
    node_error(d, g, n, "input '%s' has shape %s; XnorBlock takes NCHW (rank 4)", x->name, shape_str(g, x));
    return -1;
  }
  int64_t pv = attr_int(n, "pad_value", 0);
  if (pv != 0 && pv != 1 && pv != -1) {
    node_error(d, g, n, "pad_value is %lld; expected 0, 1 or -1", (long long)pv);
    return -1;
  }
  Window win;
  if (window_params(g, n, &win, d))
    return -1;
  int64_t c = x->dims[1], m = w->dims[0], grp = win.group;
  if (c % grp || m % grp || w->dims[1] * grp != c) {
    node_error(d, g, n, "weight '%s' of shape %s (group %lld) does not fit the %lld channels of input '%s'",
               w->name, shape_str(g, w), (long long)grp, (long long)c, x->name);
    return -1;
  }
  if (per_channel(g, n, p, m, bit ? "Lo" : "Scale", d) || per_channel(g, n, q, m, bit ? "Hi" : "Bias", d) ||
      per_channel(g, n, r, m, "R", d))
    return -1;
  if (bit && a) {
    node_error(d, g, n, "A '%s' (the K map) needs output=\"float\"", a->name);
    return -1;
  }
  if (!bit && r) {
    node_error(d, g, n, "R '%s' (pool reductions) needs output=\"bit\"", r->name);
    return -1;
  }
  if (a && (a->rank != 4 || a->dims[0] != x->dims[0] || a->dims[1] != 1 || a->dims[2] != x->dims[2] ||
            a->dims[3] != x->dims[3])) {
    node_error(d, g, n, "A '%s' has shape %s but input '%s' has shape %s; expected A of shape %lldx1x%lldx%lld",
               a->name, shape_str(g, a), x->name, shape_str(g, x), (long long)x->dims[0],
               (long long)x->dims[2], (long long)x->dims[3]);
    return -1;
  }
  Window pool;
  if (xnor_pool_window(g, n, d, win.out, &pool))
    return -1;
  if (bit && pool.nsp && !r) {
    node_error(d, g, n, "a bit output with a pool needs input 5 (R: 0 any, 1 all per channel)");
    return -1;
  }
  int64_t dims[4] = {x->dims[0], m, pool.nsp ? pool.out[0] : win.out[0], pool.nsp ? pool.out[1] : win.out[1]};
  xnor_set_out(g, n, 0, bit ? DT_BIT : DT_F32, 4, dims);
  return 0;
}

int shape_xnordense(Infer *cx, Node *n) {
  Graph *g = cx->g;
  Diag *d = cx->d;
  int err = 0;
  const Tensor *x = xnor_input(g, n, 0, "X", 1, 0, d, &err);
  const Tensor *w = xnor_input(g, n, 1, "W", 1, 0, d, &err);
  const Tensor *lo = xnor_input(g, n, 2, "Lo", 1, 1, d, &err);
  const Tensor *hi = xnor_input(g, n, 3, "Hi", 1, 1, d, &err);
  if (err)
    return -1;
  if (x->rank < 1 || w->rank != 2 || w->dims[1] != x->dims[x->rank - 1]) {
    node_error(d, g, n, "weight '%s' of shape %s does not fit input '%s' of shape %s; expected M x F with F the "
               "last dim of the input", w->name, shape_str(g, w), x->name, shape_str(g, x));
    return -1;
  }
  if (per_channel(g, n, lo, w->dims[0], "Lo", d) || per_channel(g, n, hi, w->dims[0], "Hi", d))
    return -1;
  int64_t dims[XN_MAX_RANK];
  memcpy(dims, x->dims, (size_t)x->rank * sizeof *dims);
  dims[x->rank - 1] = w->dims[0];
  xnor_set_out(g, n, 0, DT_BIT, x->rank, dims);
  return 0;
}

