/* params.c - normalized attributes, shared by shape inference, the reference
 * interpreter and the backend so that every phase reads an op the same way.
 *
 * Every function here validates what it reads and reports against the node;
 * after shape inference has accepted a graph they cannot fail.
 */
#include <string.h>

#include "ir.h"

static int is_conv(Op op) { return op == OP_Conv || op == OP_BinConv || op == OP_XnorBlock; }

/* Reads an ints attribute of exactly want entries into v (left alone when the
 * attribute is absent). Returns -1 after reporting a length mismatch. */
static int ints_attr(Graph *g, const Node *n, Diag *d, const char *name, int want, int64_t *v,
                     const Tensor *x) {
  const Attr *a = node_attr(n, name);
  if (!a)
    return 0;
  if (a->kind != AT_INTS) {
    node_error(d, g, n, "attribute '%s' must be a list of ints", name);
    return -1;
  }
  if (a->n != want) {
    node_error(d, g, n, "attribute '%s' has %d values but input '%s' of shape %s needs %d", name, a->n,
               x->name, shape_str(g, x), want);
    return -1;
  }
  for (int i = 0; i < want; i++)
    v[i] = a->ints[i];
  return 0;
}

/* Output extent of one spatial dim without auto_pad (ONNX, and PyTorch's
 * ceil_mode rule): out = floor_or_ceil((in + pb + pe - ext) / s) + 1, minus one
 * when ceil_mode lets the last window start past the input and its left pad. */
static int64_t explicit_out(int64_t span, int64_t ext, int64_t s, int ceil_mode, int64_t in, int64_t pb) {
  int64_t num = span - ext;
  if (num < 0)
    return 0;
  int64_t out = num / s + (ceil_mode && num % s) + 1;
  if (ceil_mode && (out - 1) * s >= in + pb)
    out--;
  return out;
}

int window_params(Graph *g, const Node *n, Window *w, Diag *d) {
  memset(w, 0, sizeof *w);
  const Tensor *x = node_in(g, n, 0);
  if (!x || x->rank < 0) {
    node_error(d, g, n, "input 0 has no known shape");
    return -1;
  }
  if (x->rank != 3 && x->rank != 4) {
    node_error(d, g, n, "input '%s' of shape %s has rank %d; expected 3 (NCW) or 4 (NCHW)", x->name,
               shape_str(g, x), x->rank);
    return -1;
  }
  int nsp = x->rank - 2, off = 2 - nsp; /* attribute index i is Window index off+i */
  int64_t k[2] = {1, 1}, s[2] = {1, 1}, dl[2] = {1, 1}, pads[4] = {0, 0, 0, 0};
  w->nsp = nsp;
  w->group = 1;
  w->N = x->dims[0];
  w->C = x->dims[1];
  w->in[0] = nsp == 2 ? x->dims[2] : 1;
  w->in[1] = x->dims[x->rank - 1];

  const int64_t *kv;
  int kn = attr_ints(n, "kernel_shape", &kv);
  const Tensor *wt = is_conv(n->op) ? node_in(g, n, 1) : NULL;
  if (is_conv(n->op)) {
    if (!wt || wt->rank < 0) {
      node_error(d, g, n, "weight has no known shape");
      return -1;
    }
    if (wt->rank != x->rank) {
      node_error(d, g, n, "weight '%s' of shape %s has rank %d but input '%s' of shape %s has rank %d",
                 wt->name, shape_str(g, wt), wt->rank, x->name, shape_str(g, x), x->rank);
      return -1;
    }
    for (int i = 0; i < nsp; i++)
      k[off + i] = wt->dims[2 + i];
  } else if (kn < 0) {
    node_error(d, g, n, "attribute 'kernel_shape' is required");
    return -1;
  }
  if (kn >= 0) {
    int64_t ka[2] = {1, 1};
    if (ints_attr(g, n, d, "kernel_shape", nsp, ka, x))
      return -1;
    for (int i = 0; i < nsp; i++) {
      if (ka[i] < 1) {
        node_error(d, g, n, "kernel_shape[%d] is %lld; it must be at least 1", i, (long long)ka[i]);
        return -1;
      }
      if (wt && ka[i] != k[off + i]) {
        node_error(d, g, n, "kernel_shape[%d] is %lld but weight '%s' of shape %s has kernel extent %lld", i,
                   (long long)ka[i], wt->name, shape_str(g, wt), (long long)k[off + i]);
        return -1;
      }
      k[off + i] = ka[i];
    }
  }
  for (int i = 0; i < nsp; i++)
    if (k[off + i] < 1) {
      node_error(d, g, n, "weight '%s' of shape %s has an empty kernel", wt ? wt->name : "",
                 wt ? shape_str(g, wt) : "?");
      return -1;
    }
  int64_t sa[2] = {1, 1}, da[2] = {1, 1}, pa[4] = {0, 0, 0, 0};
  if (ints_attr(g, n, d, "strides", nsp, sa, x) || ints_attr(g, n, d, "dilations", nsp, da, x) ||
      ints_attr(g, n, d, "pads", 2 * nsp, pa, x))
    return -1;
  for (int i = 0; i < nsp; i++) {
    if (sa[i] < 1) {
      node_error(d, g, n, "strides[%d] is %lld; it must be at least 1", i, (long long)sa[i]);
      return -1;
    }
    if (da[i] < 1) {
      node_error(d, g, n, "dilations[%d] is %lld; it must be at least 1", i, (long long)da[i]);
      return -1;
    }
    s[off + i] = sa[i];
    dl[off + i] = da[i];
  }
  for (int i = 0; i < 2 * nsp; i++)
    if (pa[i] < 0) {
      node_error(d, g, n, "pads[%d] is %lld; negative pads are not allowed", i, (long long)pa[i]);
      return -1;
    }
  for (int i = 0; i < nsp; i++) {
    pads[off + i] = pa[i];
    pads[2 + off + i] = pa[nsp + i];
  }

  int pool = n->op == OP_MaxPool || n->op == OP_AveragePool;
  if (pool) {
    int64_t cm = attr_int(n, "ceil_mode", 0);
    if (cm != 0 && cm != 1) {
      node_error(d, g, n, "ceil_mode is %lld; expected 0 or 1", (long long)cm);
      return -1;
    }
    w->ceil_mode = (int)cm;
  }
  if (n->op == OP_AveragePool) {
    int64_t c = attr_int(n, "count_include_pad", 0);
    if (c != 0 && c != 1) {
      node_error(d, g, n, "count_include_pad is %lld; expected 0 or 1", (long long)c);
      return -1;
    }
    w->count_include_pad = (int)c;
  }
  if (is_conv(n->op)) {
    w->group = attr_int(n, "group", 1);
    if (w->group < 1) {
      node_error(d, g, n, "group is %lld; it must be at least 1", (long long)w->group);
      return -1;
    }
  }

  /* Dilated kernel extents: ext = d * (k - 1) + 1. */
  int64_t ext[2];
  for (int i = 0; i < 2; i++)
    if (!xn_mul_ok(dl[i], k[i] - 1, &ext[i]) || !xn_add_ok(ext[i], 1, &ext[i])) {
      node_error(d, g, n, "dilated kernel extent overflows");
      return -1;
    }

  const char *ap = attr_string(n, "auto_pad", "NOTSET");
  int same_upper = !strcmp(ap, "SAME_UPPER"), same_lower = !strcmp(ap, "SAME_LOWER");
  int valid = !strcmp(ap, "VALID");
  if (!same_upper && !same_lower && !valid && strcmp(ap, "NOTSET")) {
    node_error(d, g, n, "auto_pad '%s' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", ap);
    return -1;
  }
  if (strcmp(ap, "NOTSET") && (pads[0] || pads[1] || pads[2] || pads[3])) {
    node_error(d, g, n, "explicit pads cannot be combined with auto_pad %s", ap);
    return -1;
  }
  for (int i = 0; i < 2; i++) {
    int64_t in = w->in[i], out;
    if (in < 1) {
      node_error(d, g, n, "input '%s' of shape %s is empty", x->name, shape_str(g, x));
      return -1;
    }
    if (same_upper || same_lower) {
      /* out = ceil(in / s); the total pad makes the last window end at the input's end. */
      out = in / s[i] + (in % s[i] != 0);
      int64_t total;
      if (!xn_mul_ok(out - 1, s[i], &total) || !xn_add_ok(total, ext[i], &total)) {
        node_error(d, g, n, "window arithmetic overflows");
        return -1;
      }
      total = total > in ? total - in : 0;
      pads[same_upper ? i : 2 + i] = total / 2;
      pads[same_upper ? 2 + i : i] = total - total / 2;
    } else {
      int64_t span;
      if (!xn_add_ok(in, pads[i], &span) || !xn_add_ok(span, pads[2 + i], &span)) {
        node_error(d, g, n, "padded input extent overflows");
        return -1;
      }
      out = explicit_out(span, ext[i], s[i], valid ? 0 : w->ceil_mode, in, pads[i]);
    }
    int sp = i - off; /* spatial dim as the model counts it */
    /* Pads may be larger than the input (ONNX, PyTorch and ONNX Runtime allow
     * it): a conv tap in the padding reads 0, a conv window made only of
     * padding gives the bias. */
    /* A pool window made only of padding has no value: reject a first window
     * that ends before the input and a last one that starts after it. */
    if (pool && out >= 1 && (pads[i] >= ext[i] || (out - 1) * s[i] - pads[i] >= in)) {
      node_error(d, g, n, "pads %lld and %lld of spatial dim %d leave a window with only padding (input extent "
                 "%lld, kernel extent %lld)", (long long)pads[i], (long long)pads[2 + i], sp, (long long)in,
                 (long long)ext[i]);
      return -1;
    }
    if (out < 1) {
      node_error(d, g, n, "empty output: input extent %lld padded by %lld+%lld is smaller than the "
                 "kernel extent %lld in spatial dim %d", (long long)in, (long long)pads[i],
                 (long long)pads[2 + i], (long long)ext[i], sp);
      return -1;
    }
    w->k[i] = k[i];
    w->s[i] = s[i];
    w->d[i] = dl[i];
    w->pb[i] = pads[i];
    w->pe[i] = pads[2 + i];
    w->out[i] = out;
  }
  return 0;
}

/* ---- the other ops' attributes ---- */

int norm_axis(Graph *g, const Node *n, Diag *d, const char *what, int64_t axis, int rank, int *out) {
  if (axis < -(int64_t)rank || axis >= rank) {
    node_error(d, g, n, "%s %lld is out of range for rank %d (expected %d..%d)", what, (long long)axis, rank,
               -rank, rank - 1);
    return -1;
  }
  *out = (int)(axis < 0 ? axis + rank : axis);
  return 0;
}

/* The constant int64 vector at input i of n, or NULL after reporting. */
static const int64_t *const_ints(Graph *g, const Node *n, Diag *d, int i, const char *what, int64_t *count) {
  const Tensor *t = node_in(g, n, i);
  if (!t->data || t->is_input) {
    node_error(d, g, n, "%s '%s' must be a constant", what, t->name);
    return NULL;
  }
  if (!dtype_is_int(t->dtype) || t->rank > 1) {
    node_error(d, g, n, "%s '%s' must be a 1-D int64 tensor, not %s of shape %s", what, t->name,
               dtype_name(t->dtype), shape_str(g, t));
    return NULL;
  }
  *count = tensor_numel(t);
  return t->data;
}

int axes_mask(Graph *g, const Node *n, Diag *d, const int64_t *v, int64_t cnt, int rank,
                     unsigned char *mask) {
  for (int64_t i = 0; i < cnt; i++) {
    int a;
    if (norm_axis(g, n, d, "axis", v[i], rank, &a))
      return -1;
    if (mask[a]) {
      node_error(d, g, n, "axis %lld is given twice", (long long)v[i]);
      return -1;
    }
    mask[a] = 1;
  }
  return 0;
}

int reduce_params(Graph *g, const Node *n, Reduce *r, Diag *d) {
  memset(r, 0, sizeof *r);
  const Tensor *x = node_in(g, n, 0);
  r->keepdims = attr_int(n, "keepdims", 1) != 0;
  const int64_t *v = NULL;
  int64_t cnt = -1;
  if (node_in(g, n, 1)) {
    if (node_attr(n, "axes")) {
      node_error(d, g, n, "axes are given both as an attribute and as input 1");
      return -1;
    }
    if (!(v = const_ints(g, n, d, 1, "axes", &cnt)))
      return -1;
  } else {
    int k = attr_ints(n, "axes", &v);
    cnt = k;
  }
  if (cnt <= 0) {
    /* No axes: all of them, unless noop_with_empty_axes (opset 18) says identity. */
    r->noop = attr_int(n, "noop_with_empty_axes", 0) != 0;
    for (int i = 0; i < x->rank; i++)
      r->axis[i] = !r->noop;
    return 0;
  }
  return axes_mask(g, n, d, v, cnt, x->rank, r->axis);
}

void unary_params(const Node *n, UnaryParams *p) {
  float alpha = n->op == OP_LeakyRelu ? 0.01f : n->op == OP_Selu ? 1.67326319217681884765625f : 1.0f;
  p->alpha = attr_float(n, "alpha", alpha);
  p->gamma = attr_float(n, "gamma", 1.05070102214813232421875f);
  p->lambd = attr_float(n, "lambd", 0.5f);
  p->bias = attr_float(n, "bias", 0.0f);
}

int pad_params(Graph *g, const Node *n, int64_t *pads, Diag *d) {
  const Tensor *x = node_in(g, n, 0);
  const int64_t *v;
  int64_t cnt;
  if (g->opset < 11) {
    if (n->nin > 1) {
      node_error(d, g, n, "pads and value as inputs need opset 11 (the model has opset %lld)", (long long)g->opset);
      return -1;
    }
    int k = attr_ints(n, "pads", &v);
    if (k < 0) {
      node_error(d, g, n, "attribute 'pads' is required before opset 11");
      return -1;
    }
    cnt = k;
  } else {
    if (!node_in(g, n, 1)) {
      node_error(d, g, n, "input 1 (pads) is required from opset 11 on");
      return -1;
    }
    if (!(v = const_ints(g, n, d, 1, "pads", &cnt)))
      return -1;
  }
  if (cnt != 2 * (int64_t)x->rank) {
    node_error(d, g, n, "pads has %lld values but input '%s' of shape %s needs %d", (long long)cnt, x->name,
               shape_str(g, x), 2 * x->rank);
    return -1;
  }
  for (int64_t i = 0; i < cnt; i++)
    pads[i] = v[i];
  return 0;
}

int transpose_perm(Graph *g, const Node *n, int *perm, Diag *d) {
  const Tensor *x = node_in(g, n, 0);
  const int64_t *v;
  int k = attr_ints(n, "perm", &v);
  if (k < 0) {
    for (int i = 0; i < x->rank; i++)
      perm[i] = x->rank - 1 - i;
    return 0;
  }
  if (k != x->rank) {
    node_error(d, g, n, "perm has %d values but input '%s' of shape %s has rank %d", k, x->name,
               shape_str(g, x), x->rank);
    return -1;
  }
  unsigned char seen[XN_MAX_RANK] = {0};
  for (int i = 0; i < k; i++) {
    if (v[i] < 0 || v[i] >= k || seen[v[i]]) {
      node_error(d, g, n, "perm is not a permutation of 0..%d (perm[%d] = %lld)", k - 1, i, (long long)v[i]);
      return -1;
    }
    seen[v[i]] = 1;
    perm[i] = (int)v[i];
  }
  return 0;
}

int node_axes(Graph *g, const Node *n, const int64_t **v, int64_t *cnt, Diag *d) {
  *v = NULL;
  *cnt = -1;
  if (node_in(g, n, 1)) {
    if (g->opset < 13) {
      node_error(d, g, n, "axes as input 1 need opset 13 (the model has opset %lld)", (long long)g->opset);
      return -1;
    }
    if (node_attr(n, "axes")) {
      node_error(d, g, n, "axes are given both as an attribute and as input 1");
      return -1;
    }
    return (*v = const_ints(g, n, d, 1, "axes", cnt)) ? 0 : -1;
  }
  if (g->opset >= 13 && node_attr(n, "axes")) {
    node_error(d, g, n, "attribute 'axes' was replaced by input 1 in opset 13 (the model has opset %lld)",
               (long long)g->opset);
    return -1;
  }
  const Attr *a = node_attr(n, "axes");
  if (a && a->kind != AT_INTS) {
    node_error(d, g, n, "attribute 'axes' must be a list of ints");
    return -1;
  }
  *cnt = attr_ints(n, "axes", v);
  return 0;
}

int xnor_pool_window(Graph *g, const Node *n, Diag *d, const int64_t *in, Window *p) {
  const int64_t *k = NULL, *s = NULL, *pd = NULL, *dl = NULL;
  int nk = attr_ints(n, "pool_kernel", &k);
  memset(p, 0, sizeof *p);
  if (nk < 0)
    return 0;
  int ns = attr_ints(n, "pool_strides", &s), np = attr_ints(n, "pool_pads", &pd),
      nd = attr_ints(n, "pool_dilations", &dl);
  if (nk != 2 || (ns >= 0 && ns != 2) || (np >= 0 && np != 4) || (nd >= 0 && nd != 2)) {
    node_error(d, g, n, "pool_kernel needs 2 values, pool_strides and pool_dilations 2, pool_pads 4");
    return -1;
  }
  p->nsp = 2;
  for (int i = 0; i < 2; i++) {
    p->k[i] = k[i];
    p->s[i] = ns >= 0 ? s[i] : 1;
    p->d[i] = nd >= 0 ? dl[i] : 1;
    p->pb[i] = np >= 0 ? pd[i] : 0;
    p->pe[i] = np >= 0 ? pd[2 + i] : 0;
    int64_t ext = p->d[i] * (p->k[i] - 1) + 1;
    if (p->k[i] < 1 || p->s[i] < 1 || p->d[i] < 1 || p->pb[i] < 0 || p->pe[i] < 0 || p->pb[i] >= ext ||
        p->pe[i] >= ext || in[i] + p->pb[i] + p->pe[i] < ext) {
      node_error(d, g, n, "pool window %d (kernel %lld, stride %lld, dilation %lld, pads %lld/%lld) does not fit "
                 "an extent of %lld", i, (long long)p->k[i], (long long)p->s[i], (long long)p->d[i],
                 (long long)p->pb[i], (long long)p->pe[i], (long long)in[i]);
      return -1;
    }
    p->in[i] = in[i];
    p->out[i] = (in[i] + p->pb[i] + p->pe[i] - ext) / p->s[i] + 1;
  }
  return 0;
}

/* Reads Slice's list k (0 starts, 1 ends, 2 axes, 3 steps): the attribute
 * before opset 10, constant input k + 1 from opset 10. *cnt = -1 when absent. */
static int slice_list(Graph *g, const Node *n, Diag *d, int k, const int64_t **v, int64_t *cnt) {
  static const char *const names[4] = {"starts", "ends", "axes", "steps"};
  *v = NULL;
  *cnt = -1;
  if (g->opset < 10) {
    if (k < 3 && node_attr(n, names[k]))
      *cnt = attr_ints(n, names[k], v);
    return 0;
  }
  if (k < 3 && node_attr(n, names[k])) {
    node_error(d, g, n, "attribute '%s' was replaced by input %d in opset 10 (the model has opset %lld)", names[k],
               k + 1, (long long)g->opset);
    return -1;
  }
  if (!node_in(g, n, k + 1))
    return 0;
  return (*v = const_ints(g, n, d, k + 1, names[k], cnt)) ? 0 : -1;
}

int slice_params(Graph *g, const Node *n, SliceParams *s, Diag *d) {
  const Tensor *x = node_in(g, n, 0);
  const int64_t *st, *en, *ax, *sp;
  int64_t ns, ne, na, nsp;
  if (slice_list(g, n, d, 0, &st, &ns) || slice_list(g, n, d, 1, &en, &ne) || slice_list(g, n, d, 2, &ax, &na) ||
      slice_list(g, n, d, 3, &sp, &nsp))
    return -1;
  if (ns < 0 || ne < 0) {
    node_error(d, g, n, "starts and ends are required");
    return -1;
  }
  if (ns != ne || (na >= 0 && na != ns) || (nsp >= 0 && nsp != ns)) {
    node_error(d, g, n, "starts, ends, axes and steps must have the same length (%lld, %lld, %lld, %lld)",
               (long long)ns, (long long)ne, (long long)na, (long long)nsp);
    return -1;
  }
  unsigned char seen[XN_MAX_RANK] = {0};
  for (int i = 0; i < x->rank; i++) {
    s->start[i] = 0;
    s->step[i] = 1;
    s->dims[i] = x->dims[i];
  }
  for (int64_t k = 0; k < ns; k++) {
    int a;
    if (norm_axis(g, n, d, "axis", na >= 0 ? ax[k] : k, x->rank, &a))
      return -1;
    if (seen[a]) {
      node_error(d, g, n, "axis %lld is given twice", (long long)(na >= 0 ? ax[k] : k));
      return -1;
    }
    seen[a] = 1;
    int64_t step = nsp >= 0 ? sp[k] : 1, dim = x->dims[a], b = st[k], e = en[k];
    if (step == 0) {
      node_error(d, g, n, "step %lld (for axis %d) is 0", (long long)k, a);
      return -1;
    }
    /* ONNX: negative indices count from the end; then starts clamp to
     * [0, dim] (step > 0) or [0, dim - 1] (step < 0), ends to [0, dim] or
     * [-1, dim - 1]; INT64_MIN/MAX mean "past the end". */
    if (b < 0)
      b = b < -dim ? -1 : b + dim;
    if (e < 0)
      e = e < -dim ? -1 : e + dim;
    if (step > 0) {
      b = b < 0 ? 0 : b > dim ? dim : b;
      e = e < 0 ? 0 : e > dim ? dim : e;
    } else {
      b = b < 0 ? 0 : b > dim - 1 ? dim - 1 : b;
      e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
    }
    int64_t len = 0;
    if (step > 0 && e > b)
      len = (e - b + step - 1) / step;
    else if (step < 0 && b > e)
      len = (b - e + (-step) - 1) / (-step);
    s->start[a] = len ? b : 0;
    s->step[a] = step;
    s->dims[a] = len;
  }
  return 0;
}

int split_params(Graph *g, const Node *n, int *axis, int64_t *sizes, Diag *d) {
  const Tensor *x = node_in(g, n, 0);
  if (norm_axis(g, n, d, "axis", attr_int(n, "axis", 0), x->rank, axis))
    return -1;
  int64_t dim = x->dims[*axis], cnt = -1;
  const int64_t *v = NULL;
  if (node_in(g, n, 1)) {
    if (g->opset < 13) {
      node_error(d, g, n, "split as input 1 needs opset 13 (the model has opset %lld)", (long long)g->opset);
      return -1;
    }
    if (!(v = const_ints(g, n, d, 1, "split", &cnt)))
      return -1;
  } else if (node_attr(n, "split")) {
    if (g->opset >= 13) {
      node_error(d, g, n, "attribute 'split' was replaced by input 1 in opset 13 (the model has opset %lld)",
                 (long long)g->opset);
      return -1;
    }
    cnt = attr_ints(n, "split", &v);
  }
  if (v) {
    int64_t sum = 0;
    if (cnt != n->nout) {
      node_error(d, g, n, "split has %lld sizes but the node has %d outputs", (long long)cnt, n->nout);
      return -1;
    }
    for (int64_t k = 0; k < cnt; k++) {
      if (v[k] < 0 || !xn_add_ok(sum, v[k], &sum)) {
        node_error(d, g, n, "split size %lld is negative", (long long)v[k]);
        return -1;
      }
      sizes[k] = v[k];
    }
    if (sum != dim) {
      node_error(d, g, n, "split sizes add up to %lld but axis %d of input '%s' of shape %s has %lld", (long long)sum,
                 *axis, x->name, shape_str(g, x), (long long)dim);
      return -1;
    }
    return 0;
  }
  /* Equal parts: opset 18's num_outputs allows a smaller last part (ceil). */
  int64_t parts = n->nout, each = (dim + parts - 1) / parts;
  if (node_attr(n, "num_outputs") && attr_int(n, "num_outputs", 0) != parts) {
    node_error(d, g, n, "num_outputs is %lld but the node has %d outputs", (long long)attr_int(n, "num_outputs", 0),
               n->nout);
    return -1;
  }
  if (g->opset < 18 && dim % parts) {
    node_error(d, g, n, "axis %d of input '%s' of shape %s (%lld) does not split into %lld equal parts", *axis,
               x->name, shape_str(g, x), (long long)dim, (long long)parts);
    return -1;
  }
  for (int64_t k = 0, left = dim; k < parts; k++) {
    sizes[k] = left < each ? left : each;
    left -= sizes[k];
  }
  return 0;
}
