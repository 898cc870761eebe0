/* shape_rules.c - one inference rule per op (ONNX semantics, opsets 7 to 27;
 * older forms are mapped onto these by opset.c).
 *
 * A rule checks its inputs (dtypes, ranks, extents, attributes), reports each
 * mismatch naming both sides, and sets the dtype and shape of every output.
 * Output sizes are overflow-checked. Rules never read non-constant data.
 */
#include <math.h>
#include <string.h>

#include "binary.h"
#include "shape_impl.h"

#define G (c->g)
#define D (c->d)

/* Whether tensor t has a consumer (or is a graph output). */
static int is_used(Infer *c, int t) { return c->uses ? c->uses[t] : graph_nuses(c->g, t, NULL, NULL); }

static int is_float(const Tensor *t) { return t->dtype == DT_F32 || t->dtype == DT_BIT; }

static int need_float(Infer *c, const Node *n, int i) {
  const Tensor *t = node_in(G, n, i);
  if (t && !is_float(t)) {
    node_error(D, G, n, "input %d '%s' is %s; expected float32", i, t->name, dtype_name(t->dtype));
    return -1;
  }
  return 0;
}

/* Sets output i of n (when present) after checking rank and size. */
static int set_out(Infer *c, const Node *n, int i, DType dt, int rank, const int64_t *dims) {
  Tensor *t = node_out(G, n, i);
  if (!t)
    return 0;
  if (rank > XN_MAX_RANK) {
    node_error(D, G, n, "output '%s' would have rank %d; xnorcc supports up to %d", t->name, rank, XN_MAX_RANK);
    return -1;
  }
  int64_t cnt = 1, bytes;
  for (int k = 0; k < rank; k++)
    if (dims[k] < 0 || !xn_mul_ok(cnt, dims[k], &cnt) || !xn_mul_ok(cnt, 8, &bytes)) {
      node_error(D, G, n, "output '%s' would be too large", t->name);
      return -1;
    }
  t->dtype = dt;
  tensor_set_shape(t, rank, dims);
  return 0;
}

static int same_shape_out(Infer *c, const Node *n, DType dt) {
  const Tensor *x = node_in(G, n, 0);
  return set_out(c, n, 0, dt, x->rank, x->dims);
}

/* Element count of a tensor (shapes are known and checked). */
static int64_t numel(const Tensor *t) { return tensor_numel(t); }

/* A dims list "2x3" for messages (also for lists that are not a tensor's shape). */
static const char *dims_str(Graph *g, int rank, const int64_t *dims) {
  Tensor t;
  memset(&t, 0, sizeof t);
  t.rank = rank;
  for (int i = 0; i < rank && i < XN_MAX_RANK; i++)
    t.dims[i] = dims[i];
  return shape_str(g, &t);
}

/* Numpy multidirectional broadcasting of a and b into rank/dims. */
static int broadcast2(Infer *c, const Node *n, int ia, int ib, int *rank, int64_t *dims) {
  const Tensor *a = node_in(G, n, ia), *b = node_in(G, n, ib);
  int r = a->rank > b->rank ? a->rank : b->rank;
  for (int i = 0; i < r; i++) {
    int ja = i - (r - a->rank), jb = i - (r - b->rank);
    int64_t ea = ja >= 0 ? a->dims[ja] : 1, eb = jb >= 0 ? b->dims[jb] : 1;
    if (ea != eb && ea != 1 && eb != 1) {
      node_error(D, G, n, "cannot broadcast input %d '%s' of shape %s with input %d '%s' of shape %s (extents %lld "
                 "and %lld in output dim %d)", ia, a->name, shape_str(G, a), ib, b->name, shape_str(G, b),
                 (long long)ea, (long long)eb, i);
      return -1;
    }
    dims[i] = ea == 1 ? eb : ea;
  }
  *rank = r;
  return 0;
}

/* Unidirectional broadcasting: t (named what) must broadcast to rank/dims
 * (named to_desc) without changing them. */
static int broadcast_to(Infer *c, const Node *n, const char *what, const Tensor *t, int rank, const int64_t *dims,
                        const char *to_desc) {
  int ok = t->rank <= rank;
  for (int i = 0; ok && i < t->rank; i++) {
    int64_t e = t->dims[i], o = dims[i + rank - t->rank];
    ok = e == 1 || e == o;
  }
  if (!ok)
    node_error(D, G, n, "%s '%s' of shape %s cannot be broadcast to %s of shape %s", what, t->name, shape_str(G, t),
               to_desc, dims_str(G, rank, dims));
  return ok ? 0 : -1;
}

static int scalar_input(Infer *c, const Node *n, int i, const char *what, DType dt) {
  const Tensor *t = node_in(G, n, i);
  if (!t)
    return 0;
  if ((dt == DT_F32 ? !is_float(t) : t->dtype != dt) || numel(t) != 1) {
    node_error(D, G, n, "%s '%s' must be a %s scalar, not %s of shape %s", what, t->name, dtype_name(dt),
               dtype_name(t->dtype), shape_str(G, t));
    return -1;
  }
  return 0;
}

/* ---- the rules ---- */

int shape_conv(Infer *c, Node *n) {
  Window w;
  if (need_float(c, n, 0) || need_float(c, n, 1) || need_float(c, n, 2) || window_params(G, n, &w, D))
    return -1;
  const Tensor *x = node_in(G, n, 0), *wt = node_in(G, n, 1), *b = node_in(G, n, 2);
  int64_t M = wt->dims[0], cin;
  if (!xn_mul_ok(wt->dims[1], w.group, &cin) || cin != x->dims[1]) {
    node_error(D, G, n, "weight has %lld input channels per group (group %lld) but input '%s' has %lld channels",
               (long long)wt->dims[1], (long long)w.group, x->name, (long long)x->dims[1]);
    return -1;
  }
  if (M % w.group) {
    node_error(D, G, n, "weight '%s' has %lld filters, which group %lld does not divide", wt->name, (long long)M,
               (long long)w.group);
    return -1;
  }
  if (b && (b->rank != 1 || b->dims[0] != M)) {
    node_error(D, G, n, "bias '%s' of shape %s does not match the %lld filters of weight '%s' of shape %s", b->name,
               shape_str(G, b), (long long)M, wt->name, shape_str(G, wt));
    return -1;
  }
  int64_t dims[4] = {x->dims[0], M, w.out[0], w.out[1]};
  if (x->rank == 3)
    dims[2] = w.out[1];
  return set_out(c, n, 0, DT_F32, x->rank, dims);
}

int shape_batchnorm(Infer *c, Node *n) {
  static const char *names[5] = {"X", "scale", "B", "mean", "var"};
  const Tensor *x = node_in(G, n, 0);
  for (int i = 0; i < 5; i++)
    if (need_float(c, n, i))
      return -1;
  if (x->rank < 2) {
    node_error(D, G, n, "input '%s' of shape %s needs at least 2 dims (N, C, ...)", x->name, shape_str(G, x));
    return -1;
  }
  if (attr_int(n, "training_mode", 0)) {
    node_error(D, G, n, "training_mode=1 is not supported (inference only)");
    return -1;
  }
  int spatial = G->opset < 9 && attr_int(n, "spatial", 1) == 0;
  int64_t C = x->dims[1];
  for (int i = 1; i < 5; i++) {
    const Tensor *p = node_in(G, n, i);
    if (numel(p) == C)
      continue;
    if (spatial)
      node_error(D, G, n, "spatial=0 with per-element parameters is not supported: %s '%s' of shape %s has %lld "
                 "elements but input '%s' has %lld channels", names[i], p->name, shape_str(G, p),
                 (long long)numel(p), x->name, (long long)C);
    else
      node_error(D, G, n, "%s '%s' of shape %s has %lld elements but input '%s' of shape %s has %lld channels",
                 names[i], p->name, shape_str(G, p), (long long)numel(p), x->name, shape_str(G, x), (long long)C);
    return -1;
  }
  for (int i = 1; i < n->nout; i++) {
    const Tensor *t = node_out(G, n, i);
    if (t && is_used(c, n->out[i])) {
      node_error(D, G, n, "output %d '%s' (training statistics) is used, which inference does not support", i,
                 t->name);
      return -1;
    }
    if (set_out(c, n, i, DT_F32, 1, &C))
      return -1;
  }
  return same_shape_out(c, n, DT_F32);
}

/* A unary op on floats. */
int shape_unary(Infer *c, Node *n) {
  if (need_float(c, n, 0))
    return -1;
  return same_shape_out(c, n, DT_F32);
}

/* A unary op on floats or int64 (Abs, Sign, Relu: shape arithmetic). */
int shape_unary_int(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  if (dtype_is_int(x->dtype))
    return same_shape_out(c, n, x->dtype);
  return shape_unary(c, n);
}

int shape_prelu(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0), *s = node_in(G, n, 1);
  if (need_float(c, n, 0) || need_float(c, n, 1))
    return -1;
  const char *to = arena_printf(G->arena, "input '%s'", x->name);
  if (broadcast_to(c, n, "slope", s, x->rank, x->dims, to))
    return -1;
  return same_shape_out(c, n, DT_F32);
}

int shape_clip(Infer *c, Node *n) {
  if (need_float(c, n, 0))
    return -1;
  if (G->opset < 11) {
    for (int i = 1; i < n->nin; i++)
      if (n->in[i] >= 0) {
        node_error(D, G, n, "min and max as inputs need opset 11 (the model has opset %lld)", (long long)G->opset);
        return -1;
      }
  } else {
    if (node_attr(n, "min") || node_attr(n, "max")) {
      node_error(D, G, n, "attributes 'min' and 'max' were replaced by inputs in opset 11 (the model has opset %lld)",
                 (long long)G->opset);
      return -1;
    }
    if (scalar_input(c, n, 1, "min", DT_F32) || scalar_input(c, n, 2, "max", DT_F32))
      return -1;
  }
  return same_shape_out(c, n, DT_F32);
}

int shape_pool(Infer *c, Node *n) {
  Window w;
  if (need_float(c, n, 0) || window_params(G, n, &w, D))
    return -1;
  const Tensor *x = node_in(G, n, 0);
  int64_t dims[4] = {x->dims[0], x->dims[1], w.out[0], w.out[1]};
  if (x->rank == 3)
    dims[2] = w.out[1];
  if (n->op == OP_MaxPool && n->nout > 1 && n->out[1] >= 0) {
    const Tensor *t = node_out(G, n, 1);
    if (is_used(c, n->out[1])) {
      node_error(D, G, n, "the Indices output '%s' is not supported", t->name);
      return -1;
    }
    if (set_out(c, n, 1, DT_I64, x->rank, dims))
      return -1;
  }
  return set_out(c, n, 0, DT_F32, x->rank, dims);
}

int shape_globalavgpool(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  if (need_float(c, n, 0))
    return -1;
  if (x->rank < 3) {
    node_error(D, G, n, "input '%s' of shape %s needs at least 3 dims (N, C, spatial...)", x->name,
               shape_str(G, x));
    return -1;
  }
  int64_t dims[XN_MAX_RANK];
  for (int i = 0; i < x->rank; i++)
    dims[i] = i < 2 ? x->dims[i] : 1;
  return set_out(c, n, 0, DT_F32, x->rank, dims);
}

int shape_gemm(Infer *c, Node *n) {
  const Tensor *a = node_in(G, n, 0), *b = node_in(G, n, 1), *cc = node_in(G, n, 2);
  if (need_float(c, n, 0) || need_float(c, n, 1) || need_float(c, n, 2))
    return -1;
  if (a->rank != 2 || b->rank != 2) {
    node_error(D, G, n, "A '%s' of shape %s and B '%s' of shape %s must both be 2-D", a->name, shape_str(G, a),
               b->name, shape_str(G, b));
    return -1;
  }
  if (!cc && G->opset < 11) {
    node_error(D, G, n, "input C is required before opset 11 (the model has opset %lld)", (long long)G->opset);
    return -1;
  }
  int ta = attr_int(n, "transA", 0) != 0, tb = attr_int(n, "transB", 0) != 0;
  int64_t M = a->dims[ta], Ka = a->dims[!ta], Kb = b->dims[tb], N = b->dims[!tb];
  if (Ka != Kb) {
    node_error(D, G, n, "inner dimensions differ: A '%s' of shape %s (transA %d) has K = %lld but B '%s' of shape %s "
               "(transB %d) has K = %lld", a->name, shape_str(G, a), ta, (long long)Ka, b->name, shape_str(G, b), tb,
               (long long)Kb);
    return -1;
  }
  int64_t dims[2] = {M, N};
  if (cc && broadcast_to(c, n, "C", cc, 2, dims, "the product A'B'"))
    return -1;
  return set_out(c, n, 0, DT_F32, 2, dims);
}

int shape_matmul(Infer *c, Node *n) {
  const Tensor *a = node_in(G, n, 0), *b = node_in(G, n, 1);
  if (need_float(c, n, 0) || need_float(c, n, 1))
    return -1;
  if (a->rank < 1 || b->rank < 1) {
    node_error(D, G, n, "A '%s' of shape %s and B '%s' of shape %s must have at least 1 dim each", a->name,
               shape_str(G, a), b->name, shape_str(G, b));
    return -1;
  }
  int64_t K = a->dims[a->rank - 1], Kb = b->dims[b->rank == 1 ? 0 : b->rank - 2];
  if (K != Kb) {
    node_error(D, G, n, "inner dimensions differ: A '%s' of shape %s has %lld columns but B '%s' of shape %s has %lld "
               "rows", a->name, shape_str(G, a), (long long)K, b->name, shape_str(G, b), (long long)Kb);
    return -1;
  }
  int ra = a->rank < 2 ? 0 : a->rank - 2, rb = b->rank < 2 ? 0 : b->rank - 2; /* batch ranks */
  int br = ra > rb ? ra : rb, r = 0;
  int64_t dims[XN_MAX_RANK + 2];
  for (int i = 0; i < br; i++) {
    int ia = i - (br - ra), ib = i - (br - rb);
    int64_t ea = ia >= 0 ? a->dims[ia] : 1, eb = ib >= 0 ? b->dims[ib] : 1;
    if (ea != eb && ea != 1 && eb != 1) {
      node_error(D, G, n, "batch dims of A '%s' of shape %s and B '%s' of shape %s cannot be broadcast (%lld vs %lld)",
                 a->name, shape_str(G, a), b->name, shape_str(G, b), (long long)ea, (long long)eb);
      return -1;
    }
    dims[r++] = ea == 1 ? eb : ea;
  }
  if (a->rank >= 2)
    dims[r++] = a->dims[a->rank - 2];
  if (b->rank >= 2)
    dims[r++] = b->dims[b->rank - 1];
  return set_out(c, n, 0, DT_F32, r, dims);
}

int shape_flatten(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  int64_t axis = attr_int(n, "axis", 1);
  if (axis < -(int64_t)x->rank || axis > x->rank) {
    node_error(D, G, n, "axis %lld is out of range for input '%s' of shape %s (expected %d..%d)", (long long)axis,
               x->name, shape_str(G, x), -x->rank, x->rank);
    return -1;
  }
  if (axis < 0)
    axis += x->rank;
  int64_t dims[2] = {1, 1};
  for (int i = 0; i < x->rank; i++)
    dims[i >= axis] *= x->dims[i];
  return set_out(c, n, 0, x->dtype, 2, dims);
}

/* The constant int64 vector at input i, or NULL after reporting. */
static const int64_t *const_vec(Infer *c, const Node *n, int i, const char *what, int64_t *cnt) {
  const Tensor *t = node_in(G, n, i);
  if (!tensor_is_const(t)) {
    node_error(D, G, n, "%s '%s' must be a constant", what, t->name);
    return NULL;
  }
  if (!dtype_is_int(t->dtype) || t->rank > 1) {
    node_error(D, G, n, "%s '%s' must be a 1-D int64 tensor, not %s of shape %s", what, t->name,
               dtype_name(t->dtype), shape_str(G, t));
    return NULL;
  }
  *cnt = numel(t);
  return t->data;
}

/* Reshape: 0 copies the input dim at the same index (unless allowzero), one
 * -1 is inferred from the element count. */
int shape_reshape(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  if (!node_in(G, n, 1)) {
    node_error(D, G, n, "input 1 (shape) is required");
    return -1;
  }
  int64_t cnt;
  const int64_t *s = const_vec(c, n, 1, "shape", &cnt);
  if (!s)
    return -1;
  if (cnt > XN_MAX_RANK) {
    node_error(D, G, n, "shape has %lld dims; xnorcc supports up to %d", (long long)cnt, XN_MAX_RANK);
    return -1;
  }
  int allowzero = attr_int(n, "allowzero", 0) != 0, infer = -1;
  int64_t dims[XN_MAX_RANK], prod = 1;
  const char *want = dims_str(G, (int)cnt, s);
  for (int i = 0; i < cnt; i++) {
    dims[i] = s[i];
    if (s[i] == 0 && !allowzero) {
      if (i >= x->rank) {
        node_error(D, G, n, "shape %s copies dim %d (a 0) but input '%s' of shape %s has rank %d", want, i, x->name,
                   shape_str(G, x), x->rank);
        return -1;
      }
      dims[i] = x->dims[i];
    } else if (s[i] == -1) {
      if (infer >= 0) {
        node_error(D, G, n, "shape %s has more than one -1", want);
        return -1;
      }
      infer = i;
      continue;
    } else if (s[i] < 0) {
      node_error(D, G, n, "shape %s has the invalid extent %lld", want, (long long)s[i]);
      return -1;
    }
    if (!xn_mul_ok(prod, dims[i], &prod)) {
      node_error(D, G, n, "shape %s is too large", want);
      return -1;
    }
  }
  int64_t total = numel(x);
  if (infer >= 0) {
    if (prod == 0 || total % prod) {
      node_error(D, G, n, "cannot reshape input '%s' of shape %s (%lld elements) to %s", x->name, shape_str(G, x),
                 (long long)total, want);
      return -1;
    }
    dims[infer] = total / prod;
    prod = total;
  }
  if (prod != total) {
    node_error(D, G, n, "shape %s has %lld elements but input '%s' of shape %s has %lld", want, (long long)prod,
               x->name, shape_str(G, x), (long long)total);
    return -1;
  }
  return set_out(c, n, 0, x->dtype, (int)cnt, dims);
}

int shape_transpose(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  int perm[XN_MAX_RANK];
  if (transpose_perm(G, n, perm, D))
    return -1;
  int64_t dims[XN_MAX_RANK];
  for (int i = 0; i < x->rank; i++)
    dims[i] = x->dims[perm[i]];
  return set_out(c, n, 0, x->dtype, x->rank, dims);
}

/* Broadcasting of all inputs of n (the ones present) into rank/dims:
 * broadcast2 of inputs 0 and 1, then each further input against the result. */
static int broadcast_all(Infer *c, const Node *n, int *rank, int64_t *dims) {
  const Tensor *x = node_in(G, n, 0);
  *rank = x->rank;
  memcpy(dims, x->dims, sizeof x->dims);
  if (n->nin >= 2 && broadcast2(c, n, 0, 1, rank, dims))
    return -1;
  for (int k = 2; k < n->nin; k++) {
    const Tensor *t = node_in(G, n, k);
    if (!t)
      continue;
    int r = t->rank > *rank ? t->rank : *rank;
    int64_t nd[XN_MAX_RANK];
    for (int i = 0; i < r; i++) {
      int ja = i - (r - *rank), jb = i - (r - t->rank);
      int64_t ea = ja >= 0 ? dims[ja] : 1, eb = jb >= 0 ? t->dims[jb] : 1;
      if (ea != eb && ea != 1 && eb != 1) {
        node_error(D, G, n, "cannot broadcast input %d '%s' of shape %s with inputs 0 to %d broadcast to %s "
                   "(extents %lld and %lld in output dim %d)", k, t->name, shape_str(G, t), k - 1,
                   dims_str(G, *rank, dims), (long long)eb, (long long)ea, i);
        return -1;
      }
      nd[i] = ea == 1 ? eb : ea;
    }
    *rank = r;
    memcpy(dims, nd, sizeof nd);
  }
  return 0;
}

/* Add, Sub, Mul, Div, Mod, Max, Min, Sum, Mean: inputs all float or all
 * int64 (Mean: float; Mod on floats needs fmod = 1), numpy broadcasting. */
int shape_arith(Infer *c, Node *n) {
  const Tensor *a = node_in(G, n, 0);
  for (int k = 1; k < n->nin; k++) {
    const Tensor *b = node_in(G, n, k);
    if (!b) {
      node_error(D, G, n, "input %d is omitted", k);
      return -1;
    }
    if (is_float(a) != is_float(b) || (!is_float(a) && a->dtype != b->dtype)) {
      node_error(D, G, n, "input 0 '%s' is %s but input %d '%s' is %s", a->name, dtype_name(a->dtype), k, b->name,
                 dtype_name(b->dtype));
      return -1;
    }
  }
  if (!is_float(a) && !dtype_is_int(a->dtype)) {
    node_error(D, G, n, "input 0 '%s' is %s; expected float32, int64 or int32", a->name, dtype_name(a->dtype));
    return -1;
  }
  if (n->op == OP_Mean && need_float(c, n, 0))
    return -1;
  if (n->op == OP_Mod && is_float(a) && attr_int(n, "fmod", 0) == 0) {
    node_error(D, G, n, "Mod of float inputs needs fmod=1 (the ONNX spec defines no other)");
    return -1;
  }
  int r;
  int64_t dims[XN_MAX_RANK];
  if (broadcast_all(c, n, &r, dims))
    return -1;
  return set_out(c, n, 0, is_float(a) ? DT_F32 : a->dtype, r, dims);
}

/* Pow: base and exponent float or int64 (independently), numpy
 * broadcasting; the output has the base's type. */
int shape_pow(Infer *c, Node *n) {
  for (int k = 0; k < 2; k++) {
    const Tensor *t = node_in(G, n, k);
    if (!is_float(t) && !dtype_is_int(t->dtype)) {
      node_error(D, G, n, "%s '%s' is %s; expected float32, int64 or int32", k ? "exponent" : "base", t->name,
                 dtype_name(t->dtype));
      return -1;
    }
  }
  const Tensor *x = node_in(G, n, 0);
  int r;
  int64_t dims[XN_MAX_RANK];
  if (broadcast2(c, n, 0, 1, &r, dims))
    return -1;
  return set_out(c, n, 0, is_float(x) ? DT_F32 : x->dtype, r, dims);
}

/* The Reduce* ops: float input (ReduceSum, ReduceProd, ReduceMax, ReduceMin
 * also int64), the reduced axes dropped or kept as extent 1. */
int shape_reduce(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  int int_ok = n->op == OP_ReduceSum || n->op == OP_ReduceProd || n->op == OP_ReduceMax || n->op == OP_ReduceMin;
  Reduce rd;
  if (!(int_ok && dtype_is_int(x->dtype)) && need_float(c, n, 0))
    return -1;
  if (reduce_params(G, n, &rd, D))
    return -1;
  int r = 0;
  int64_t dims[XN_MAX_RANK];
  for (int i = 0; i < x->rank; i++)
    if (!rd.axis[i])
      dims[r++] = x->dims[i];
    else if (rd.keepdims)
      dims[r++] = 1;
  return set_out(c, n, 0, is_float(x) ? DT_F32 : x->dtype, r, dims);
}

int shape_pad(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  int64_t pads[2 * XN_MAX_RANK], dims[XN_MAX_RANK];
  if (pad_params(G, n, pads, D))
    return -1;
  if (G->opset >= 11 && scalar_input(c, n, 2, "constant_value", is_float(x) ? DT_F32 : x->dtype))
    return -1;
  for (int i = 0; i < x->rank; i++) {
    int64_t pb = pads[i], pe = pads[x->rank + i];
    if (!xn_add_ok(x->dims[i], pb, &dims[i]) || !xn_add_ok(dims[i], pe, &dims[i]) || dims[i] < 0) {
      node_error(D, G, n, "pads %lld and %lld of dim %d do not fit input '%s' of shape %s", (long long)pb,
                 (long long)pe, i, x->name, shape_str(G, x));
      return -1;
    }
  }
  return set_out(c, n, 0, x->dtype, x->rank, dims);
}

int shape_concat(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  if (!node_attr(n, "axis")) {
    node_error(D, G, n, "attribute 'axis' is required");
    return -1;
  }
  if (x->rank < 1) {
    node_error(D, G, n, "input 0 '%s' is a scalar; Concat needs at least 1 dim", x->name);
    return -1;
  }
  int axis;
  if (norm_axis(G, n, D, "axis", attr_int(n, "axis", 0), x->rank, &axis))
    return -1;
  int64_t dims[XN_MAX_RANK];
  memcpy(dims, x->dims, sizeof dims);
  for (int i = 1; i < n->nin; i++) {
    const Tensor *t = node_in(G, n, i);
    if (t->dtype != x->dtype && !(is_float(t) && is_float(x))) {
      node_error(D, G, n, "input %d '%s' is %s but input 0 '%s' is %s", i, t->name, dtype_name(t->dtype), x->name,
                 dtype_name(x->dtype));
      return -1;
    }
    if (t->rank != x->rank) {
      node_error(D, G, n, "input %d '%s' of shape %s has rank %d but input 0 '%s' of shape %s has rank %d", i,
                 t->name, shape_str(G, t), t->rank, x->name, shape_str(G, x), x->rank);
      return -1;
    }
    for (int k = 0; k < x->rank; k++)
      if (k != axis && t->dims[k] != x->dims[k]) {
        node_error(D, G, n, "input %d '%s' of shape %s does not match input 0 '%s' of shape %s in dim %d (%lld vs "
                   "%lld); only the concat axis %d may differ", i, t->name, shape_str(G, t), x->name,
                   shape_str(G, x), k, (long long)t->dims[k], (long long)x->dims[k], axis);
        return -1;
      }
    if (!xn_add_ok(dims[axis], t->dims[axis], &dims[axis])) {
      node_error(D, G, n, "the concatenated extent overflows");
      return -1;
    }
  }
  return set_out(c, n, 0, is_float(x) ? DT_F32 : x->dtype, x->rank, dims);
}

int shape_softmax(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  int axis;
  if (need_float(c, n, 0))
    return -1;
  if (x->rank < 1) {
    node_error(D, G, n, "input '%s' is a scalar; %s needs at least 1 dim", x->name, op_info[n->op].name);
    return -1;
  }
  if (norm_axis(G, n, D, "axis", attr_int(n, "axis", G->opset < 13 ? 1 : -1), x->rank, &axis))
    return -1;
  return same_shape_out(c, n, DT_F32);
}

int shape_dropout(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0), *tm = node_in(G, n, 2);
  if (tm) {
    if (!tensor_is_const(tm) || numel(tm) != 1) {
      node_error(D, G, n, "training_mode '%s' must be a constant scalar", tm->name);
      return -1;
    }
    int on = !is_float(tm) ? *(const int64_t *)tm->data != 0 : *(const float *)tm->data != 0;
    if (on) {
      node_error(D, G, n, "training_mode is true; only inference is supported");
      return -1;
    }
  }
  if (n->nout > 1 && n->out[1] >= 0) {
    if (is_used(c, n->out[1])) {
      node_error(D, G, n, "the mask output '%s' is used, which is not supported", node_out(G, n, 1)->name);
      return -1;
    }
    if (set_out(c, n, 1, DT_F32, x->rank, x->dims))
      return -1;
  }
  return same_shape_out(c, n, x->dtype);
}

int shape_constant(Infer *c, Node *n) {
  const Attr *a = node_attr(n, "value");
  if (a && a->kind == AT_TENSOR && a->tensor >= 0 && a->tensor < G->nt && G->t[a->tensor].data &&
      G->t[a->tensor].rank >= 0) {
    const Tensor *v = &G->t[a->tensor];
    return set_out(c, n, 0, v->dtype, v->rank, v->dims);
  }
  int64_t cnt;
  if ((a = node_attr(n, "value_float")) && a->kind == AT_FLOAT)
    return set_out(c, n, 0, DT_F32, 0, NULL);
  if ((a = node_attr(n, "value_int")) && a->kind == AT_INT)
    return set_out(c, n, 0, DT_I64, 0, NULL);
  if ((a = node_attr(n, "value_floats")) && a->kind == AT_FLOATS)
    return cnt = a->n, set_out(c, n, 0, DT_F32, 1, &cnt);
  if ((a = node_attr(n, "value_ints")) && a->kind == AT_INTS)
    return cnt = a->n, set_out(c, n, 0, DT_I64, 1, &cnt);
  node_error(D, G, n, "needs a value, value_float(s) or value_int(s) attribute%s",
             n->nattr ? arena_printf(G->arena, "; '%s' is not supported", n->attr[0].name) : "");
  return -1;
}

int shape_shape(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  int64_t r = x->rank, start = attr_int(n, "start", 0), end = attr_int(n, "end", r);
  if (start < 0)
    start += r;
  if (end < 0)
    end += r;
  start = start < 0 ? 0 : start > r ? r : start;
  end = end < 0 ? 0 : end > r ? r : end;
  int64_t len = end > start ? end - start : 0;
  return set_out(c, n, 0, DT_I64, 1, &len);
}

int shape_gather(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0), *ind = node_in(G, n, 1);
  if (!dtype_is_int(ind->dtype)) {
    node_error(D, G, n, "indices '%s' are %s; expected int64 or int32", ind->name, dtype_name(ind->dtype));
    return -1;
  }
  if (x->rank < 1) {
    node_error(D, G, n, "data '%s' is a scalar; Gather needs at least 1 dim", x->name);
    return -1;
  }
  int axis;
  if (norm_axis(G, n, D, "axis", attr_int(n, "axis", 0), x->rank, &axis))
    return -1;
  if (tensor_is_const(ind)) {
    const int64_t *v = ind->data;
    int64_t A = x->dims[axis];
    for (int64_t j = 0; j < numel(ind); j++)
      if (v[j] < -A || v[j] >= A) {
        node_error(D, G, n, "index %lld (indices[%lld]) is out of range for axis %d of input '%s' of shape %s",
                   (long long)v[j], (long long)j, axis, x->name, shape_str(G, x));
        return -1;
      }
  }
  int r = 0;
  int64_t dims[2 * XN_MAX_RANK];
  for (int i = 0; i < axis; i++)
    dims[r++] = x->dims[i];
  for (int i = 0; i < ind->rank; i++)
    dims[r++] = ind->dims[i];
  for (int i = axis + 1; i < x->rank; i++)
    dims[r++] = x->dims[i];
  return set_out(c, n, 0, x->dtype, r, dims);
}

int shape_unsqueeze(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  const int64_t *v;
  int64_t cnt;
  if (node_axes(G, n, &v, &cnt, D))
    return -1;
  if (cnt < 1) {
    node_error(D, G, n, "axes are required");
    return -1;
  }
  if (x->rank + cnt > XN_MAX_RANK) {
    node_error(D, G, n, "output would have rank %lld; xnorcc supports up to %d", (long long)(x->rank + cnt),
               XN_MAX_RANK);
    return -1;
  }
  int r = x->rank + (int)cnt, k = 0;
  unsigned char mask[XN_MAX_RANK] = {0};
  if (axes_mask(G, n, D, v, cnt, r, mask))
    return -1;
  int64_t dims[XN_MAX_RANK];
  for (int i = 0; i < r; i++)
    dims[i] = mask[i] ? 1 : x->dims[k++];
  return set_out(c, n, 0, x->dtype, r, dims);
}

int shape_squeeze(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  const int64_t *v;
  int64_t cnt;
  unsigned char mask[XN_MAX_RANK] = {0};
  if (node_axes(G, n, &v, &cnt, D))
    return -1;
  if (cnt < 0) {
    for (int i = 0; i < x->rank; i++)
      mask[i] = x->dims[i] == 1;
  } else if (axes_mask(G, n, D, v, cnt, x->rank, mask))
    return -1;
  int r = 0;
  int64_t dims[XN_MAX_RANK];
  for (int i = 0; i < x->rank; i++) {
    if (!mask[i]) {
      dims[r++] = x->dims[i];
    } else if (x->dims[i] != 1) {
      node_error(D, G, n, "cannot squeeze axis %d of input '%s' of shape %s: its extent is %lld, not 1", i, x->name,
                 shape_str(G, x), (long long)x->dims[i]);
      return -1;
    }
  }
  return set_out(c, n, 0, x->dtype, r, dims);
}

int shape_identity(Infer *c, Node *n) { return same_shape_out(c, n, node_in(G, n, 0)->dtype); }

/* ---- types, comparisons, logic ---- */

/* Cast's 'to' (a TensorProto.DataType) as a DType: FLOAT and DOUBLE (kept
 * as float32, like DOUBLE initializers) -> float32, INT32, INT64, BOOL;
 * DT__COUNT for the others (the narrow integer types would need their
 * range kept after the cast; FLOAT16, BFLOAT16, STRING are not types of
 * the IR). */
static DType cast_target(int64_t to) {
  switch (to) {
  case 1:
  case 11: return DT_F32;
  case 6: return DT_I32;
  case 7: return DT_I64;
  case 9: return DT_BOOL;
  default: return DT__COUNT;
  }
}

int shape_cast(Infer *c, Node *n) {
  static const char *const names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64",
                                      "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
                                      "COMPLEX128", "BFLOAT16"};
  const Attr *a = node_attr(n, "to");
  if (!a) {
    node_error(D, G, n, "attribute 'to' is required");
    return -1;
  }
  DType dt = cast_target(a->i);
  if (dt == DT__COUNT) {
    node_error(D, G, n, "Cast to %s (%lld) is not supported (supported: FLOAT, DOUBLE as float32, INT32, INT64, "
               "BOOL)", a->i >= 0 && a->i <= 16 ? names[a->i] : "an unknown type", (long long)a->i);
    return -1;
  }
  return same_shape_out(c, n, dt);
}

/* Less, LessOrEqual, Greater, GreaterOrEqual, Equal: two inputs of one
 * type (float, or the same integer type; bool only for Equal), numpy
 * broadcasting, a bool output. */
int shape_compare(Infer *c, Node *n) {
  const Tensor *a = node_in(G, n, 0), *b = node_in(G, n, 1);
  if (is_float(a) != is_float(b) || (!is_float(a) && a->dtype != b->dtype)) {
    node_error(D, G, n, "input 0 '%s' is %s but input 1 '%s' is %s", a->name, dtype_name(a->dtype), b->name,
               dtype_name(b->dtype));
    return -1;
  }
  if (a->dtype == DT_BOOL && n->op != OP_Equal) {
    node_error(D, G, n, "input 0 '%s' is bool; %s compares numbers", a->name, op_info[n->op].name);
    return -1;
  }
  int r;
  int64_t dims[XN_MAX_RANK];
  if (broadcast2(c, n, 0, 1, &r, dims))
    return -1;
  return set_out(c, n, 0, DT_BOOL, r, dims);
}

static int need_bool(Infer *c, const Node *n, int i) {
  const Tensor *t = node_in(G, n, i);
  if (t->dtype != DT_BOOL) {
    node_error(D, G, n, "input %d '%s' is %s; expected bool", i, t->name, dtype_name(t->dtype));
    return -1;
  }
  return 0;
}

/* And, Or, Xor: two bools, numpy broadcasting. */
int shape_logic(Infer *c, Node *n) {
  int r;
  int64_t dims[XN_MAX_RANK];
  if (need_bool(c, n, 0) || need_bool(c, n, 1) || broadcast2(c, n, 0, 1, &r, dims))
    return -1;
  return set_out(c, n, 0, DT_BOOL, r, dims);
}

int shape_not(Infer *c, Node *n) { return need_bool(c, n, 0) ? -1 : same_shape_out(c, n, DT_BOOL); }

/* Where(cond, X, Y): cond bool, X and Y of one type; all three broadcast. */
int shape_where(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 1), *y = node_in(G, n, 2);
  if (need_bool(c, n, 0))
    return -1;
  if (is_float(x) != is_float(y) || (!is_float(x) && x->dtype != y->dtype)) {
    node_error(D, G, n, "X '%s' is %s but Y '%s' is %s", x->name, dtype_name(x->dtype), y->name,
               dtype_name(y->dtype));
    return -1;
  }
  int r;
  int64_t dims[XN_MAX_RANK];
  if (broadcast_all(c, n, &r, dims))
    return -1;
  return set_out(c, n, 0, is_float(x) ? DT_F32 : x->dtype, r, dims);
}

/* ArgMax, ArgMin: float or integer input, an int64 output without the axis
 * (keepdims: with extent 1). */
int shape_argmax(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  int axis;
  if (!is_float(x) && !dtype_is_int(x->dtype)) {
    node_error(D, G, n, "input '%s' is %s; expected float32 or an integer type", x->name, dtype_name(x->dtype));
    return -1;
  }
  if (x->rank < 1) {
    node_error(D, G, n, "input '%s' is a scalar; %s needs at least 1 dim", x->name, op_info[n->op].name);
    return -1;
  }
  if (norm_axis(G, n, D, "axis", attr_int(n, "axis", 0), x->rank, &axis))
    return -1;
  int keep = attr_int(n, "keepdims", 1) != 0, r = 0;
  int64_t dims[XN_MAX_RANK];
  for (int i = 0; i < x->rank; i++)
    if (i != axis)
      dims[r++] = x->dims[i];
    else if (keep)
      dims[r++] = 1;
  return set_out(c, n, 0, DT_I64, r, dims);
}

/* ---- shapes from data ---- */

/* The constant shape vector of input i (1-D int64, extents >= 0). */
static const int64_t *shape_vec(Infer *c, const Node *n, int i, const char *what, int64_t *cnt) {
  const int64_t *v = const_vec(c, n, i, what, cnt);
  if (!v)
    return NULL;
  if (*cnt > XN_MAX_RANK) {
    node_error(D, G, n, "%s has %lld dims; xnorcc supports up to %d", what, (long long)*cnt, XN_MAX_RANK);
    return NULL;
  }
  return v;
}

/* Expand(x, shape): x and shape broadcast both ways (numpy). */
int shape_expand(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  int64_t cnt;
  const int64_t *s = shape_vec(c, n, 1, "shape", &cnt);
  if (!s)
    return -1;
  int r = x->rank > cnt ? x->rank : (int)cnt;
  int64_t dims[XN_MAX_RANK];
  for (int i = 0; i < r; i++) {
    int jx = i - (r - x->rank), js = i - (r - (int)cnt);
    int64_t ex = jx >= 0 ? x->dims[jx] : 1, es = js >= 0 ? s[js] : 1;
    if (es < 0 || (ex != es && ex != 1 && es != 1)) {
      node_error(D, G, n, "input '%s' of shape %s cannot be expanded to shape %s (extents %lld and %lld in output "
                 "dim %d)", x->name, shape_str(G, x), dims_str(G, (int)cnt, s), (long long)ex, (long long)es, i);
      return -1;
    }
    dims[i] = ex == 1 ? es : ex;
  }
  return set_out(c, n, 0, x->dtype, r, dims);
}

/* ConstantOfShape(shape): the value attribute's type (one element; default
 * float32 0), the shape's extents (0 allowed: an empty constant). */
int shape_constantofshape(Infer *c, Node *n) {
  int64_t cnt;
  const int64_t *s = shape_vec(c, n, 0, "shape", &cnt);
  if (!s)
    return -1;
  for (int64_t i = 0; i < cnt; i++)
    if (s[i] < 0) {
      node_error(D, G, n, "shape %s has the negative extent %lld", dims_str(G, (int)cnt, s), (long long)s[i]);
      return -1;
    }
  DType dt = DT_F32;
  const Attr *a = node_attr(n, "value");
  if (a) {
    const Tensor *v = a->tensor >= 0 && a->tensor < G->nt ? &G->t[a->tensor] : NULL;
    if (!v || !v->data || tensor_numel(v) != 1) {
      node_error(D, G, n, "attribute 'value' must be a tensor of one element");
      return -1;
    }
    dt = v->dtype;
  }
  return set_out(c, n, 0, dt, (int)cnt, s);
}

/* Range(start, limit, delta): constant scalars of one type (float, int64,
 * int32); max(ceil((limit - start) / delta), 0) elements. */
int shape_range(Infer *c, Node *n) {
  const Tensor *t0 = node_in(G, n, 0);
  for (int i = 0; i < 3; i++) {
    const Tensor *t = node_in(G, n, i);
    if (!tensor_is_const(t) || numel(t) != 1) {
      node_error(D, G, n, "input %d '%s' must be a constant scalar (xnorcc needs the length at compile time)", i,
                 t->name);
      return -1;
    }
    if (is_float(t) != is_float(t0) || (!is_float(t) && t->dtype != t0->dtype) || t->dtype == DT_BOOL) {
      node_error(D, G, n, "input %d '%s' is %s but input 0 '%s' is %s", i, t->name, dtype_name(t->dtype), t0->name,
                 dtype_name(t0->dtype));
      return -1;
    }
  }
  double len;
  if (is_float(t0)) {
    double s = *(const float *)t0->data, l = *(const float *)node_in(G, n, 1)->data,
           dl = *(const float *)node_in(G, n, 2)->data;
    len = dl == 0 ? NAN : ceil((l - s) / dl);
  } else {
    int64_t s = *(const int64_t *)t0->data, l = *(const int64_t *)node_in(G, n, 1)->data,
            dl = *(const int64_t *)node_in(G, n, 2)->data;
    len = dl == 0 ? NAN : ceil(((double)l - (double)s) / (double)dl);
  }
  if (isnan(len) || len > 1e15) {
    node_error(D, G, n, "delta is 0 or the range is too long");
    return -1;
  }
  int64_t cnt = len > 0 ? (int64_t)len : 0;
  return set_out(c, n, 0, is_float(t0) ? DT_F32 : t0->dtype, 1, &cnt);
}

int shape_slice(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  SliceParams sp;
  if (slice_params(G, n, &sp, D))
    return -1;
  return set_out(c, n, 0, x->dtype, x->rank, sp.dims);
}

/* Tile(x, repeats): repeats a constant int64 vector of x's rank, >= 0. */
int shape_tile(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  int64_t cnt, dims[XN_MAX_RANK];
  const int64_t *v = const_vec(c, n, 1, "repeats", &cnt);
  if (!v)
    return -1;
  if (cnt != x->rank) {
    node_error(D, G, n, "repeats has %lld values but input '%s' of shape %s has rank %d", (long long)cnt, x->name,
               shape_str(G, x), x->rank);
    return -1;
  }
  for (int i = 0; i < x->rank; i++)
    if (v[i] < 0 || !xn_mul_ok(x->dims[i], v[i], &dims[i])) {
      node_error(D, G, n, "repeats[%d] = %lld is invalid for input '%s' of shape %s", i, (long long)v[i], x->name,
                 shape_str(G, x));
      return -1;
    }
  return set_out(c, n, 0, x->dtype, x->rank, dims);
}

int shape_split(Infer *c, Node *n) {
  const Tensor *x = node_in(G, n, 0);
  int axis;
  int64_t *sizes = arena_array(G->arena, (size_t)n->nout + 1, sizeof *sizes);
  if (x->rank < 1) {
    node_error(D, G, n, "input '%s' is a scalar; Split needs at least 1 dim", x->name);
    return -1;
  }
  if (split_params(G, n, &axis, sizes, D))
    return -1;
  for (int k = 0; k < n->nout; k++) {
    int64_t dims[XN_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    dims[axis] = sizes[k];
    if (set_out(c, n, k, x->dtype, x->rank, dims))
      return -1;
  }
  return 0;
}

int shape_size(Infer *c, Node *n) { return set_out(c, n, 0, DT_I64, 0, NULL); }

int infer_node(Infer *c, Node *n) {
  ShapeFn *rule = n->op < OP__COUNT ? op_info[n->op].shape : NULL;
  if (!rule) {
    node_error(D, G, n, "op is not supported yet");
    return -1;
  }
  return rule(c, n);
}
