/* interp_data.c - ops that only move data: the reshapes, Transpose, Pad,
 * Concat, Gather, Shape and Constant. float32 and int64 alike. */
#include <string.h>

#include "interp_impl.h"

static size_t esize(const Tensor *t) { return dtype_size(t->dtype); }

/* Identity, Flatten, Reshape, Squeeze, Unsqueeze: same elements, new shape. */
int interp_copy(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *t = node_in(g, n, 0);
  memcpy(out[0], in[0], (size_t)tensor_numel(t) * esize(t));
  return 0;
}

/* Dropout in inference: the identity; the mask output, if any, is all true
 * (stored as float 1). */
int interp_dropout(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  interp_copy(g, n, d, in, out);
  if (n->nout > 1 && out[1]) {
    float *m = out[1];
    int64_t cnt = tensor_numel(node_out(g, n, 1));
    for (int64_t i = 0; i < cnt; i++)
      m[i] = 1.0f;
  }
  return 0;
}

/* Transpose: y[i0..ir) = x at index j with j[perm[k]] = i[k]. */
int interp_transpose(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  int perm[XN_MAX_RANK];
  if (transpose_perm(g, n, perm, d))
    return -1;
  const Tensor *tx = node_in(g, n, 0), *ty = node_out(g, n, 0);
  int r = tx->rank;
  int64_t xs[XN_MAX_RANK], st[XN_MAX_RANK], idx[XN_MAX_RANK] = {0}, o = 0;
  dense_strides(r, tx->dims, xs);
  for (int k = 0; k < r; k++)
    st[k] = xs[perm[k]];
  size_t es = esize(tx);
  const char *x = in[0];
  char *y = out[0];
  int64_t cnt = tensor_numel(ty);
  for (int64_t i = 0; i < cnt; i++) {
    memcpy(y + (size_t)i * es, x + (size_t)o * es, es);
    for (int k = r - 1; k >= 0; k--) {
      o += st[k];
      if (++idx[k] < ty->dims[k])
        break;
      o -= st[k] * ty->dims[k];
      idx[k] = 0;
    }
  }
  return 0;
}

/* Pad (constant mode): y[i] = x[i - pads_begin] where that is inside x, else
 * the constant (attribute 'value' before opset 11, scalar input 2 from 11,
 * default 0). Negative pads crop. */
int interp_pad(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  int64_t pads[2 * XN_MAX_RANK];
  if (pad_params(g, n, pads, d))
    return -1;
  const Tensor *tx = node_in(g, n, 0), *ty = node_out(g, n, 0);
  int r = tx->rank;
  size_t es = esize(tx);
  union {
    float f;
    int64_t i;
  } value;
  memset(&value, 0, sizeof value);
  if (g->opset < 11)
    value.f = attr_float(n, "value", 0.0f);
  else if (n->nin > 2 && in[2])
    memcpy(&value, in[2], es);
  int64_t xs[XN_MAX_RANK], idx[XN_MAX_RANK] = {0};
  dense_strides(r, tx->dims, xs);
  const char *x = in[0];
  char *y = out[0];
  int64_t cnt = tensor_numel(ty);
  for (int64_t i = 0; i < cnt; i++) {
    int64_t o = 0;
    int inside = 1;
    for (int k = 0; k < r; k++) {
      int64_t j = idx[k] - pads[k];
      if (j < 0 || j >= tx->dims[k])
        inside = 0;
      o += j * xs[k];
    }
    memcpy(y + (size_t)i * es, inside ? (const void *)(x + (size_t)o * es) : (const void *)&value, es);
    for (int k = r - 1; k >= 0; k--) {
      if (++idx[k] < ty->dims[k])
        break;
      idx[k] = 0;
    }
  }
  return 0;
}

/* Concat: for each outer index (dims before axis), the inputs' blocks in order. */
int interp_concat(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  const Tensor *ty = node_out(g, n, 0);
  int axis;
  if (norm_axis(g, n, d, "axis", attr_int(n, "axis", 0), ty->rank, &axis))
    return -1;
  size_t es = esize(ty);
  int64_t outer = dims_prod(ty->dims, 0, axis), inner = dims_prod(ty->dims, axis + 1, ty->rank);
  char *y = out[0];
  for (int64_t o = 0; o < outer; o++)
    for (int i = 0; i < n->nin; i++) {
      size_t blk = (size_t)(node_in(g, n, i)->dims[axis] * inner) * es;
      memcpy(y, (const char *)in[i] + (size_t)o * blk, blk);
      y += blk;
    }
  return 0;
}

/* Gather: y[o, j, i] = x[o, indices[j], i] with o over the dims before axis,
 * j over all indices (flattened), i over the dims after; a negative index
 * counts from the end; one out of range is an error. */
int interp_gather(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  const Tensor *tx = node_in(g, n, 0), *ti = node_in(g, n, 1);
  int axis;
  if (norm_axis(g, n, d, "axis", attr_int(n, "axis", 0), tx->rank, &axis))
    return -1;
  size_t es = esize(tx);
  int64_t outer = dims_prod(tx->dims, 0, axis), A = tx->dims[axis];
  size_t blk = (size_t)dims_prod(tx->dims, axis + 1, tx->rank) * es;
  int64_t ni = tensor_numel(ti);
  const int64_t *ind = in[1];
  for (int64_t j = 0; j < ni; j++)
    if (ind[j] < -A || ind[j] >= A) {
      node_error(d, g, n, "index %lld (indices[%lld]) is out of range for axis %d of input '%s' of shape %s",
                 (long long)ind[j], (long long)j, axis, tx->name, shape_str(g, tx));
      return -1;
    }
  const char *x = in[0];
  char *y = out[0];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < ni; j++) {
      int64_t k = ind[j] < 0 ? ind[j] + A : ind[j];
      memcpy(y, x + (size_t)(o * A + k) * blk, blk);
      y += blk;
    }
  return 0;
}

/* Shape: the input's dims[start..end) (opset 15 start/end, clamped). */
int interp_shape(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d, (void)in;
  const Tensor *tx = node_in(g, n, 0), *ty = node_out(g, n, 0);
  int r = tx->rank;
  int64_t start = attr_int(n, "start", 0);
  if (start < 0)
    start += r;
  start = start < 0 ? 0 : start > r ? r : start;
  int64_t *y = out[0];
  for (int64_t i = 0; i < ty->dims[0]; i++)
    y[i] = tx->dims[start + i];
  return 0;
}

/* Constant: the value attribute's contents. */
int interp_constant(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)in;
  const Tensor *ty = node_out(g, n, 0);
  int64_t cnt = tensor_numel(ty);
  const Attr *a = node_attr(n, "value");
  if (a && a->kind == AT_TENSOR && a->tensor >= 0 && a->tensor < g->nt && g->t[a->tensor].data) {
    memcpy(out[0], g->t[a->tensor].data, (size_t)cnt * esize(ty));
    return 0;
  }
  if ((a = node_attr(n, "value_float")) && a->kind == AT_FLOAT) {
    *(float *)out[0] = a->f;
    return 0;
  }
  if ((a = node_attr(n, "value_int")) && a->kind == AT_INT) {
    *(int64_t *)out[0] = a->i;
    return 0;
  }
  if ((a = node_attr(n, "value_floats")) && a->kind == AT_FLOATS) {
    memcpy(out[0], a->floats, (size_t)cnt * sizeof(float));
    return 0;
  }
  if ((a = node_attr(n, "value_ints")) && a->kind == AT_INTS) {
    memcpy(out[0], a->ints, (size_t)cnt * sizeof(int64_t));
    return 0;
  }
  node_error(d, g, n, "has no usable value attribute");
  return -1;
}

/* Advances idx over dims (odometer, last dim fastest) and the offset *o by
 * the strides st. */
static void step1(int rank, const int64_t *dims, int64_t *idx, const int64_t *st, int64_t *o) {
  for (int k = rank - 1; k >= 0; k--) {
    *o += st[k];
    if (++idx[k] < dims[k])
      return;
    *o -= st[k] * dims[k];
    idx[k] = 0;
  }
}

/* Expand: x broadcast (numpy, both ways) to the output's shape. */
int interp_expand(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *tx = node_in(g, n, 0), *ty = node_out(g, n, 0);
  int64_t st[XN_MAX_RANK], idx[XN_MAX_RANK] = {0}, o = 0;
  bcast_strides(tx, ty->rank, ty->dims, st);
  size_t es = esize(ty);
  for (int64_t i = 0, cnt = tensor_numel(ty); i < cnt; i++, step1(ty->rank, ty->dims, idx, st, &o))
    memcpy((char *)out[0] + (size_t)i * es, (const char *)in[0] + (size_t)o * es, es);
  return 0;
}

/* ConstantOfShape: every element the one value of attribute 'value' (a
 * tensor; default a float32 0). */
int interp_constantofshape(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d, (void)in;
  const Tensor *ty = node_out(g, n, 0);
  const Attr *a = node_attr(n, "value");
  int64_t zero = 0;
  const void *v = a && a->kind == AT_TENSOR ? g->t[a->tensor].data : &zero; /* int64 0 has float 0's bits */
  size_t es = esize(ty);
  for (int64_t i = 0, cnt = tensor_numel(ty); i < cnt; i++)
    memcpy((char *)out[0] + (size_t)i * es, v, es);
  return 0;
}

/* Range: y[i] = start + i * delta for the output's length (the shape rule
 * computed max(ceil((limit - start) / delta), 0)); float values computed in
 * double and rounded once, integers wrapped to their type. */
int interp_range(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *ty = node_out(g, n, 0);
  int64_t cnt = tensor_numel(ty);
  if (dtype_is_float(ty->dtype)) {
    double s = *(const float *)in[0], dl = *(const float *)in[2];
    for (int64_t i = 0; i < cnt; i++)
      ((float *)out[0])[i] = (float)(s + (double)i * dl);
    return 0;
  }
  uint64_t s = (uint64_t) * (const int64_t *)in[0], dl = (uint64_t) * (const int64_t *)in[2];
  for (int64_t i = 0; i < cnt; i++)
    ((int64_t *)out[0])[i] = dtype_wrap(ty->dtype, (int64_t)(s + (uint64_t)i * dl));
  return 0;
}

/* Slice: y[i] = x[start + i * step] on every axis (slice_params). */
int interp_slice(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  SliceParams sp;
  if (slice_params(g, n, &sp, d))
    return -1;
  const Tensor *tx = node_in(g, n, 0), *ty = node_out(g, n, 0);
  int r = tx->rank;
  int64_t xs[XN_MAX_RANK], st[XN_MAX_RANK], idx[XN_MAX_RANK] = {0}, o = 0;
  dense_strides(r, tx->dims, xs);
  for (int k = 0; k < r; k++) {
    st[k] = xs[k] * sp.step[k];
    o += xs[k] * sp.start[k];
  }
  size_t es = esize(tx);
  for (int64_t i = 0, cnt = tensor_numel(ty); i < cnt; i++, step1(r, ty->dims, idx, st, &o))
    memcpy((char *)out[0] + (size_t)i * es, (const char *)in[0] + (size_t)o * es, es);
  return 0;
}

/* Tile: y[i] = x[i mod dims(x)] on every axis. */
int interp_tile(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *tx = node_in(g, n, 0), *ty = node_out(g, n, 0);
  int r = tx->rank;
  int64_t xs[XN_MAX_RANK], idx[XN_MAX_RANK] = {0};
  dense_strides(r, tx->dims, xs);
  size_t es = esize(tx);
  for (int64_t i = 0, cnt = tensor_numel(ty); i < cnt; i++) {
    int64_t o = 0;
    for (int k = 0; k < r; k++)
      o += (idx[k] % tx->dims[k]) * xs[k];
    memcpy((char *)out[0] + (size_t)i * es, (const char *)in[0] + (size_t)o * es, es);
    for (int k = r - 1; k >= 0; k--) {
      if (++idx[k] < ty->dims[k])
        break;
      idx[k] = 0;
    }
  }
  return 0;
}

/* Split: output k takes sizes[k] consecutive indices along the axis. */
int interp_split(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  const Tensor *tx = node_in(g, n, 0);
  int axis;
  int64_t *sizes = arena_array(g->arena, (size_t)n->nout + 1, sizeof *sizes);
  if (split_params(g, n, &axis, sizes, d))
    return -1;
  size_t es = esize(tx);
  int64_t outer = dims_prod(tx->dims, 0, axis), inner = dims_prod(tx->dims, axis + 1, tx->rank);
  size_t row = (size_t)(tx->dims[axis] * inner) * es;
  for (int64_t o = 0; o < outer; o++) {
    size_t off = 0;
    for (int k = 0; k < n->nout; k++) {
      size_t blk = (size_t)(sizes[k] * inner) * es;
      if (out[k] && blk)
        memcpy((char *)out[k] + (size_t)o * blk, (const char *)in[0] + (size_t)o * row + off, blk);
      off += blk;
    }
  }
  return 0;
}

/* Size: the input's element count, an int64 scalar. */
int interp_size(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d, (void)in;
  *(int64_t *)out[0] = tensor_numel(node_in(g, n, 0));
  return 0;
}
