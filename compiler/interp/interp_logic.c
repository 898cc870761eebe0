/* interp_logic.c - Cast, the comparisons, And/Or/Xor/Not and Where.
 *
 * Storage (ir.h): float32 as float; int64, int32 and bool as int64_t (bool
 * 0 or 1). Comparisons and logic ops broadcast like numpy and write bool. */
#include <math.h>
#include <string.h>

#include "interp_impl.h"

/* One element of input t's data at offset o, as a double (exact for every
 * float and int32 value; ArgMax compares int64 values as integers). */
static double value_at(const Tensor *t, const void *data, int64_t o) {
  return dtype_is_float(t->dtype) ? (double)((const float *)data)[o] : (double)((const int64_t *)data)[o];
}

/* float -> integer type dt as ONNX's reference (numpy's astype) does for
 * values in range: truncation toward zero, then wrapped into dt. NaN gives
 * 0 and values beyond int64 saturate (ONNX leaves both undefined). */
static int64_t float_to_int(DType dt, float v) {
  if (isnan(v))
    return 0;
  double t = trunc((double)v);
  int64_t i = t >= 9223372036854775808.0 ? INT64_MAX : t < -9223372036854775808.0 ? INT64_MIN : (int64_t)t;
  return dtype_wrap(dt, i);
}

/* Cast: y = x converted to the output's type (the shape rule read 'to'):
 * to float from an integer or bool by rounding to nearest; to an integer
 * type from float by float_to_int, from another integer type by wrapping;
 * to bool: x != 0 (NaN is true). */
int interp_cast(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *tx = node_in(g, n, 0), *ty = node_out(g, n, 0);
  int64_t cnt = tensor_numel(ty);
  int fx = dtype_is_float(tx->dtype), fy = dtype_is_float(ty->dtype);
  if (fx && fy) {
    memcpy(out[0], in[0], (size_t)cnt * sizeof(float));
    return 0;
  }
  for (int64_t i = 0; i < cnt; i++) {
    if (fy)
      ((float *)out[0])[i] = (float)((const int64_t *)in[0])[i];
    else if (fx && ty->dtype == DT_BOOL)
      ((int64_t *)out[0])[i] = ((const float *)in[0])[i] != 0.0f;
    else if (fx)
      ((int64_t *)out[0])[i] = float_to_int(ty->dtype, ((const float *)in[0])[i]);
    else
      ((int64_t *)out[0])[i] = dtype_wrap(ty->dtype, ((const int64_t *)in[0])[i]);
  }
  return 0;
}

/* Advances the odometer idx over dims and the offsets o[k] of nin inputs by
 * their strides st[k]. */
static void step_n(int rank, const int64_t *dims, int64_t *idx, int nin, int64_t (*st)[XN_MAX_RANK], int64_t *o) {
  for (int k = rank - 1; k >= 0; k--) {
    for (int j = 0; j < nin; j++)
      o[j] += st[j][k];
    if (++idx[k] < dims[k])
      return;
    for (int j = 0; j < nin; j++)
      o[j] -= st[j][k] * dims[k];
    idx[k] = 0;
  }
}

/* a op b for a comparison op; c is the three-way result (-1, 0, 1) and
 * unordered says a NaN took part (every comparison is then false). */
static int compare_result(Op op, int c, int unordered) {
  if (unordered)
    return 0;
  switch (op) {
  case OP_Less: return c < 0;
  case OP_LessOrEqual: return c <= 0;
  case OP_Greater: return c > 0;
  case OP_GreaterOrEqual: return c >= 0;
  case OP_Equal: return c == 0;
  default: xn_unreachable("not a comparison");
  }
}

/* Less, LessOrEqual, Greater, GreaterOrEqual, Equal with numpy
 * broadcasting: bool y = x0 op x1 (floats compared as floats, integers and
 * bools as int64; a NaN compares false). */
int interp_compare(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *ta = node_in(g, n, 0), *tb = node_in(g, n, 1), *ty = node_out(g, n, 0);
  int r = ty->rank, fl = dtype_is_float(ta->dtype);
  int64_t st[2][XN_MAX_RANK], idx[XN_MAX_RANK] = {0}, o[2] = {0, 0};
  bcast_strides(ta, r, ty->dims, st[0]);
  bcast_strides(tb, r, ty->dims, st[1]);
  int64_t *y = out[0];
  for (int64_t i = 0, cnt = tensor_numel(ty); i < cnt; i++, step_n(r, ty->dims, idx, 2, st, o)) {
    int c, unordered = 0;
    if (fl) {
      float a = ((const float *)in[0])[o[0]], b = ((const float *)in[1])[o[1]];
      unordered = isnan(a) || isnan(b);
      c = a < b ? -1 : a > b;
    } else {
      int64_t a = ((const int64_t *)in[0])[o[0]], b = ((const int64_t *)in[1])[o[1]];
      c = a < b ? -1 : a > b;
    }
    y[i] = compare_result(n->op, c, unordered);
  }
  return 0;
}

/* And, Or, Xor on bools with numpy broadcasting. */
int interp_logic(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *ty = node_out(g, n, 0);
  int r = ty->rank;
  int64_t st[2][XN_MAX_RANK], idx[XN_MAX_RANK] = {0}, o[2] = {0, 0};
  bcast_strides(node_in(g, n, 0), r, ty->dims, st[0]);
  bcast_strides(node_in(g, n, 1), r, ty->dims, st[1]);
  const int64_t *a = in[0], *b = in[1];
  int64_t *y = out[0];
  for (int64_t i = 0, cnt = tensor_numel(ty); i < cnt; i++, step_n(r, ty->dims, idx, 2, st, o)) {
    int x0 = a[o[0]] != 0, x1 = b[o[1]] != 0;
    y[i] = n->op == OP_And ? x0 && x1 : n->op == OP_Or ? x0 || x1 : x0 != x1;
  }
  return 0;
}

/* Not: y = !x on bools. */
int interp_not(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const int64_t *x = in[0];
  int64_t *y = out[0];
  for (int64_t i = 0, cnt = tensor_numel(node_in(g, n, 0)); i < cnt; i++)
    y[i] = x[i] == 0;
  return 0;
}

/* Where: y = cond ? X : Y, the three broadcast like numpy; X and Y of one
 * type (the output's). */
int interp_where(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *ty = node_out(g, n, 0);
  int r = ty->rank;
  int64_t st[3][XN_MAX_RANK], idx[XN_MAX_RANK] = {0}, o[3] = {0, 0, 0};
  for (int k = 0; k < 3; k++)
    bcast_strides(node_in(g, n, k), r, ty->dims, st[k]);
  size_t es = dtype_size(ty->dtype);
  const int64_t *c = in[0];
  char *y = out[0];
  for (int64_t i = 0, cnt = tensor_numel(ty); i < cnt; i++, step_n(r, ty->dims, idx, 3, st, o)) {
    int pick = c[o[0]] ? 1 : 2;
    memcpy(y + (size_t)i * es, (const char *)in[pick] + (size_t)o[pick] * es, es);
  }
  return 0;
}

/* ArgMax, ArgMin along axis: the index of the first (select_last_index:
 * the last) largest / smallest element; a NaN wins over any number (numpy's
 * argmax and argmin return the first NaN). keepdims keeps the axis as 1. */
int interp_argmax(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  const Tensor *tx = node_in(g, n, 0);
  int axis;
  if (norm_axis(g, n, d, "axis", attr_int(n, "axis", 0), tx->rank, &axis))
    return -1;
  int last = attr_int(n, "select_last_index", 0) != 0, mx = n->op == OP_ArgMax;
  int64_t outer = dims_prod(tx->dims, 0, axis), len = tx->dims[axis], inner = dims_prod(tx->dims, axis + 1, tx->rank);
  int64_t *y = out[0];
  for (int64_t a = 0; a < outer; a++)
    for (int64_t b = 0; b < inner; b++) {
      int64_t base = a * len * inner + b, best = 0;
      double bv = value_at(tx, in[0], base);
      for (int64_t j = 1; j < len; j++) {
        double v = value_at(tx, in[0], base + j * inner);
        int better;
        if (!dtype_is_float(tx->dtype)) { /* int64 compared exactly, not as doubles */
          int64_t iv = ((const int64_t *)in[0])[base + j * inner], ib = ((const int64_t *)in[0])[base + best * inner];
          better = mx ? (last ? iv >= ib : iv > ib) : (last ? iv <= ib : iv < ib);
        } else if (isnan(bv))
          better = last && isnan(v);
        else if (isnan(v))
          better = 1;
        else
          better = mx ? (last ? v >= bv : v > bv) : (last ? v <= bv : v < bv);
        if (better) {
          best = j;
          bv = v;
        }
      }
      y[a * inner + b] = best;
    }
  return 0;
}
