/* binary_shape.c - checks and output shapes of the xnor domain ops.
 *
 *   BinActiv  X            -> Y (shape of X) [, A (X with dim 1 = 1)]
 *   BinConv   X, W, [B], [A] -> Y  N x M x OH x OW   (ONNX Conv rules, pad_value)
 *   BinGemm   X, W, [B], [A] -> Y  ... x M           (X ... x F, W M x F)
 */
#include "binary.h"
#include "shape_impl.h"

const Tensor *xnor_input(Graph *g, const Node *n, int i, const char *what, int required, int want_int, Diag *d,
                         int *err) {
  if (*err)
    return NULL;
  const Tensor *t = node_in(g, n, i);
  if (!t) {
    if (required) {
      node_error(d, g, n, "input %d (%s) is required", i, what);
      *err = 1;
    }
    return NULL;
  }
  if (t->rank < 0) {
    node_error(d, g, n, "input %d (%s) '%s' has no known shape", i, what, t->name);
    *err = 1;
    return NULL;
  }
  if (dtype_is_float(t->dtype) == want_int) {
    node_error(d, g, n, "input %d (%s) '%s' is %s; expected %s", i, what, t->name, dtype_name(t->dtype),
               want_int ? "int64" : "float32");
    *err = 1;
    return NULL;
  }
  return t;
}

void xnor_set_out(Graph *g, const Node *n, int i, DType dt, int rank, const int64_t *dims) {
  Tensor *t = node_out(g, n, i);
  if (!t)
    return;
  t->dtype = dt;
  tensor_set_shape(t, rank, dims);
}

/* B must be [M] (one value per output channel). */
static int check_bias(Graph *g, const Node *n, const Tensor *b, int64_t m, const Tensor *w, Diag *d) {
  if (b && (b->rank != 1 || b->dims[0] != m)) {
    node_error(d, g, n, "bias '%s' has shape %s but weight '%s' of shape %s has %lld output channels; "
               "expected a bias of shape %lld", b->name, shape_str(g, b), w->name, shape_str(g, w),
               (long long)m, (long long)m);
    return -1;
  }
  return 0;
}

int shape_binactiv(Infer *cx, Node *n) {
  Graph *g = cx->g;
  Diag *d = cx->d;
  int err = 0;
  const Tensor *x = xnor_input(g, n, 0, "X", 1, 0, d, &err);
  if (err)
    return -1;
  xnor_set_out(g, n, 0, DT_F32, x->rank, x->dims);
  if (node_out(g, n, 1)) {
    if (x->rank < 2) {
      node_error(d, g, n, "output A (mean |X| over axis 1) needs an input of rank 2 or more, but X '%s' "
                 "has shape %s", x->name, shape_str(g, x));
      return -1;
    }
    int64_t dims[XN_MAX_RANK];
    for (int i = 0; i < x->rank; i++)
      dims[i] = x->dims[i];
    dims[1] = 1;
    xnor_set_out(g, n, 1, DT_F32, x->rank, dims);
  }
  return 0;
}

int shape_binconv(Infer *cx, Node *n) {
  Graph *g = cx->g;
  Diag *d = cx->d;
  int err = 0;
  const Tensor *x = xnor_input(g, n, 0, "X", 1, 0, d, &err);
  const Tensor *w = xnor_input(g, n, 1, "W", 1, 0, d, &err);
  const Tensor *b = xnor_input(g, n, 2, "B", 0, 0, d, &err);
  const Tensor *a = xnor_input(g, n, 3, "A", 0, 0, d, &err);
  if (err)
    return -1;
  int64_t pv = attr_int(n, "pad_value", 0);
  if (pv != 0 && pv != 1 && pv != -1) {
    node_error(d, g, n, "pad_value is %lld; expected 0, 1 or -1", (long long)pv);
    return -1;
  }
  Window win;
  if (window_params(g, n, &win, d))
    return -1;
  int64_t c = x->dims[1], m = w->dims[0], grp = win.group;
  if (c % grp || m % grp) {
    node_error(d, g, n, "group %lld does not divide the %lld input channels of '%s' (shape %s) and the %lld "
               "filters of weight '%s' (shape %s)", (long long)grp, (long long)c, x->name, shape_str(g, x),
               (long long)m, w->name, shape_str(g, w));
    return -1;
  }
  if (w->dims[1] * grp != c) {
    node_error(d, g, n, "weight '%s' of shape %s has %lld input channels per group (group %lld) but input "
               "'%s' of shape %s has %lld channels", w->name, shape_str(g, w), (long long)w->dims[1],
               (long long)grp, x->name, shape_str(g, x), (long long)c);
    return -1;
  }
  if (check_bias(g, n, b, m, w, d))
    return -1;
  if (a) {
    int ok = a->rank == x->rank && a->dims[0] == x->dims[0] && a->dims[1] == 1;
    for (int i = 2; ok && i < x->rank; i++)
      ok = a->dims[i] == x->dims[i];
    if (!ok) {
      Tensor want = *x;
      want.dims[1] = 1;
      node_error(d, g, n, "A '%s' has shape %s but input '%s' has shape %s; expected A of shape %s", a->name,
                 shape_str(g, a), x->name, shape_str(g, x), shape_str(g, &want));
      return -1;
    }
  }
  int64_t dims[4] = {x->dims[0], m, win.out[0], win.out[1]};
  if (x->rank == 3)
    dims[2] = win.out[1];
  xnor_set_out(g, n, 0, DT_F32, x->rank, dims);
  return 0;
}

int shape_bingemm(Infer *cx, Node *n) {
  Graph *g = cx->g;
  Diag *d = cx->d;
  int err = 0;
  const Tensor *x = xnor_input(g, n, 0, "X", 1, 0, d, &err);
  const Tensor *w = xnor_input(g, n, 1, "W", 1, 0, d, &err);
  const Tensor *b = xnor_input(g, n, 2, "B", 0, 0, d, &err);
  const Tensor *a = xnor_input(g, n, 3, "A", 0, 0, d, &err);
  if (err)
    return -1;
  if (x->rank < 2) {
    node_error(d, g, n, "input '%s' has shape %s; expected rank 2 or more (rows x features)", x->name,
               shape_str(g, x));
    return -1;
  }
  if (w->rank != 2) {
    node_error(d, g, n, "weight '%s' has shape %s; expected rank 2 (outputs x features)", w->name,
               shape_str(g, w));
    return -1;
  }
  int r = x->rank;
  if (w->dims[1] != x->dims[r - 1]) {
    node_error(d, g, n, "weight '%s' of shape %s has %lld features but input '%s' of shape %s has %lld",
               w->name, shape_str(g, w), (long long)w->dims[1], x->name, shape_str(g, x),
               (long long)x->dims[r - 1]);
    return -1;
  }
  if (check_bias(g, n, b, w->dims[0], w, d))
    return -1;
  if (a) {
    int ok = a->rank == r && a->dims[r - 1] == 1;
    for (int i = 0; ok && i < r - 1; i++)
      ok = a->dims[i] == x->dims[i];
    if (!ok) {
      Tensor want = *x;
      want.dims[r - 1] = 1;
      node_error(d, g, n, "A '%s' has shape %s but input '%s' has shape %s; expected one value per row, "
                 "shape %s", a->name, shape_str(g, a), x->name, shape_str(g, x), shape_str(g, &want));
      return -1;
    }
  }
  int64_t dims[XN_MAX_RANK];
  for (int i = 0; i < r - 1; i++)
    dims[i] = x->dims[i];
  dims[r - 1] = w->dims[0];
  xnor_set_out(g, n, 0, DT_F32, r, dims);
  return 0;
}

