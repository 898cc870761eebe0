/* emit_data.c - the comparisons, logic ops, Where, Cast, Expand, Slice, Tile
 * and Split on run-time tensors.
 *
 * A bool tensor computed at run time is a float array of 0.0f and 1.0f
 * (DT_BOOL in the IR; a constant bool read at run time is emitted that way
 * too, emit_c.c). Every op here indexes its inputs by per-dim strides, in
 * the output's row-major order, the way the interpreter walks them
 * (interp_logic.c, interp_data.c).
 */
#include <string.h>

#include "emit.h"
#include "plan.h"

static const char *const iv[XN_MAX_RANK] = {"i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7"};

/* Row-major strides of dims. */
static void dense(int r, const int64_t *dims, int64_t *s) {
  int64_t acc = 1;
  for (int i = r - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
}

/* Strides of t seen from an output of rank r and extents dims (numpy
 * broadcasting: right-aligned, extent-1 dims repeat). */
static void bstrides(const Tensor *t, int r, const int64_t *dims, int64_t *s) {
  int64_t ts[XN_MAX_RANK];
  dense(t->rank, t->dims, ts);
  for (int i = 0; i < r; i++) {
    int j = i - (r - t->rank);
    s[i] = j < 0 || t->dims[j] == 1 || dims[i] == 1 ? 0 : ts[j];
  }
}

/* Opens one loop per dim of y and returns the index of y as text. */
static const char *open_loops(Emit *e, const Tensor *y) {
  int64_t sy[XN_MAX_RANK];
  dense(y->rank, y->dims, sy);
  for (int i = 0; i < y->rank; i++)
    cw_for(e->w, iv[i], y->dims[i]);
  StrBuf b;
  sb_init(&b, e->g->arena);
  put_index(&b, y->rank, iv, sy);
  return b.s;
}

/* The index into input k of n broadcast to y's shape, as text. */
static const char *bindex(Emit *e, const Node *n, int k, const Tensor *y) {
  int64_t s[XN_MAX_RANK];
  bstrides(node_in(e->g, n, k), y->rank, y->dims, s);
  StrBuf b;
  sb_init(&b, e->g->arena);
  put_index(&b, y->rank, iv, s);
  return b.s;
}

/* Less, LessOrEqual, Greater, GreaterOrEqual, Equal: 1.0f where the
 * comparison holds (a NaN compares false, as in C). */
static int body_compare(Emit *e, const Node *n) {
  const Tensor *y = node_out(e->g, n, 0);
  const char *op = n->op == OP_Less             ? "<"
                   : n->op == OP_LessOrEqual    ? "<="
                   : n->op == OP_Greater        ? ">"
                   : n->op == OP_GreaterOrEqual ? ">="
                                                : "==";
  const char *i0 = bindex(e, n, 0, y), *i1 = bindex(e, n, 1, y), *iy = open_loops(e, y);
  cw_line(e->w, "y[%s] = x0[%s] %s x1[%s] ? 1.0f : 0.0f;", iy, i0, op, i1);
  return 0;
}

const OpEmit emit_compare = {NULL, NULL, body_compare};

/* And, Or, Xor of 0/1 floats. */
static int body_logic(Emit *e, const Node *n) {
  const Tensor *y = node_out(e->g, n, 0);
  const char *op = n->op == OP_And ? "&&" : n->op == OP_Or ? "||" : "!=";
  const char *i0 = bindex(e, n, 0, y), *i1 = bindex(e, n, 1, y), *iy = open_loops(e, y);
  cw_line(e->w, "y[%s] = (x0[%s] != 0.0f) %s (x1[%s] != 0.0f) ? 1.0f : 0.0f;", iy, i0, op, i1);
  return 0;
}

const OpEmit emit_logic = {NULL, NULL, body_logic};

static int body_not(Emit *e, const Node *n) {
  cw_for(e->w, "i", tensor_numel(node_out(e->g, n, 0)));
  cw_line(e->w, "y[i] = x0[i] != 0.0f ? 0.0f : 1.0f;");
  return 0;
}

const OpEmit emit_not = {NULL, NULL, body_not};

/* Where(cond, X, Y), all three broadcast. */
static int body_where(Emit *e, const Node *n) {
  const Tensor *y = node_out(e->g, n, 0);
  const char *i0 = bindex(e, n, 0, y), *i1 = bindex(e, n, 1, y), *i2 = bindex(e, n, 2, y), *iy = open_loops(e, y);
  cw_line(e->w, "y[%s] = x0[%s] != 0.0f ? x1[%s] : x2[%s];", iy, i0, i1, i2);
  return 0;
}

const OpEmit emit_where = {NULL, NULL, body_where};

/* Cast between the types a run-time tensor can have (float32, bool as
 * 0/1 floats, int64 and int32 as floats holding integers): to bool, x != 0
 * (NaN is true); float to an integer type, toward zero (truncf); every other
 * pair copies (an integer's float is already what Cast to float gives). */
static int body_cast(Emit *e, const Node *n) {
  const Tensor *x = node_in(e->g, n, 0), *y = node_out(e->g, n, 0);
  cw_for(e->w, "i", tensor_numel(y));
  if (y->dtype == DT_BOOL && x->dtype != DT_BOOL)
    cw_line(e->w, "y[i] = x0[i] != 0.0f ? 1.0f : 0.0f;");
  else if (dtype_is_int(y->dtype) && dtype_is_float(x->dtype))
    cw_line(e->w, "y[i] = truncf(x0[i]);");
  else
    cw_line(e->w, "y[i] = x0[i];");
  return 0;
}

const OpEmit emit_cast = {NULL, NULL, body_cast};

/* Expand: x broadcast to y's shape. */
static int body_expand(Emit *e, const Node *n) {
  const Tensor *y = node_out(e->g, n, 0);
  const char *i0 = bindex(e, n, 0, y), *iy = open_loops(e, y);
  cw_line(e->w, "y[%s] = x0[%s];", iy, i0);
  return 0;
}

const OpEmit emit_expand = {NULL, NULL, body_expand};

/* Slice: y[i] = x0[start + i * step] per dim (slice_params; steps may be
 * negative). */
static int body_slice(Emit *e, const Node *n) {
  SliceParams sp;
  if (slice_params(e->g, n, &sp, e->d))
    return -1;
  const Tensor *x = node_in(e->g, n, 0), *y = node_out(e->g, n, 0);
  int64_t sx[XN_MAX_RANK], st[XN_MAX_RANK], base = 0;
  dense(x->rank, x->dims, sx);
  for (int i = 0; i < x->rank; i++) {
    st[i] = y->dims[i] == 1 ? 0 : sx[i] * sp.step[i];
    base += sx[i] * sp.start[i];
  }
  StrBuf b;
  sb_init(&b, e->g->arena);
  if (base)
    sb_printf(&b, "%lld + ", (long long)base);
  put_index(&b, x->rank, iv, st);
  const char *iy = open_loops(e, y);
  cw_line(e->w, "y[%s] = x0[%s];", iy, b.s);
  return 0;
}

const OpEmit emit_slice = {NULL, NULL, body_slice};

/* Tile: y[i] = x0[i mod dims(x)] per dim (no modulo where x's extent is
 * y's, or 1). */
static int body_tile(Emit *e, const Node *n) {
  const Tensor *x = node_in(e->g, n, 0), *y = node_out(e->g, n, 0);
  int64_t sx[XN_MAX_RANK];
  dense(x->rank, x->dims, sx);
  StrBuf b;
  sb_init(&b, e->g->arena);
  int any = 0;
  for (int i = 0; i < x->rank; i++) {
    if (x->dims[i] == 1)
      continue;
    sb_puts(&b, any ? " + " : "");
    if (x->dims[i] == y->dims[i])
      sb_printf(&b, "%s", iv[i]);
    else
      sb_printf(&b, "(%s %% %lld)", iv[i], (long long)x->dims[i]);
    if (sx[i] != 1)
      sb_printf(&b, " * %lld", (long long)sx[i]);
    any = 1;
  }
  if (!any)
    sb_putc(&b, '0');
  const char *iy = open_loops(e, y);
  cw_line(e->w, "y[%s] = x0[%s];", iy, b.s);
  return 0;
}

const OpEmit emit_tile = {NULL, NULL, body_tile};

/* Split: output k copies its part of the axis, for every outer index. */
static int body_split(Emit *e, const Node *n) {
  const Tensor *x = node_in(e->g, n, 0);
  int axis;
  int64_t *sizes = arena_array(e->g->arena, (size_t)n->nout + 1, sizeof *sizes);
  if (split_params(e->g, n, &axis, sizes, e->d))
    return -1;
  int64_t outer = 1, inner = 1, off = 0;
  for (int i = 0; i < axis; i++)
    outer *= x->dims[i];
  for (int i = axis + 1; i < x->rank; i++)
    inner *= x->dims[i];
  int64_t row = x->dims[axis] * inner;
  for (int k = 0; k < n->nout; k++) {
    int64_t len = sizes[k] * inner;
    if (node_out(e->g, n, k) && len > 0) {
      cw_for(e->w, "o", outer);
      cw_for(e->w, "i", len);
      StrBuf *b = cw_begin(e->w);
      if (k)
        sb_printf(b, "y%d", k);
      else
        sb_putc(b, 'y');
      sb_printf(b, "[o * %lld + i] = x0[o * %lld + i", (long long)len, (long long)row);
      if (off)
        sb_printf(b, " + %lld", (long long)off);
      sb_puts(b, "];");
      cw_end(e->w);
    }
    off += len;
  }
  return 0;
}

const OpEmit emit_split = {plan_split, NULL, body_split};

/* ArgMax, ArgMin: the index, as a float (exact: plan_check admits this int64
 * output only with an axis extent below 2^24), of the first (last, with
 * select_last_index) extreme along the axis; a NaN wins, as in the
 * interpreter. */
static int body_argmax(Emit *e, const Node *n) {
  const Tensor *x = node_in(e->g, n, 0);
  int axis;
  if (norm_axis(e->g, n, e->d, "axis", attr_int(n, "axis", 0), x->rank, &axis))
    return -1;
  int64_t outer = 1, inner = 1, len = x->dims[axis];
  for (int i = 0; i < axis; i++)
    outer *= x->dims[i];
  for (int i = axis + 1; i < x->rank; i++)
    inner *= x->dims[i];
  int last = attr_int(n, "select_last_index", 0) != 0;
  const char *cmp = n->op == OP_ArgMax ? (last ? ">=" : ">") : (last ? "<=" : "<");
  CWriter *w = e->w;
  cw_for(w, "o", outer);
  cw_for_open(w, "i", inner);
  cw_line(w, "const float *v = x0 + o * %lld + i;", (long long)(len * inner));
  cw_line(w, "int best = 0;");
  cw_for_open(w, "j", len);
  cw_line(w, "float b = v[best * %lld], c = v[j * %lld];", (long long)inner, (long long)inner);
  cw_line(w, "if (b != b ? %s : c != c || c %s b)", last ? "c != c" : "0", cmp);
  cw_line(w, "  best = j;");
  cw_close(w);
  cw_line(w, "y[o * %lld + i] = (float)best;", (long long)inner);
  cw_close(w);
  return 0;
}

const OpEmit emit_argmax = {NULL, NULL, body_argmax};

/* Gather along axis: y[o, j, i] = x0[o, idx[j], i], the indices (input 1,
 * integers held as floats, constant or computed) counting from the end when
 * negative. An index out of range reads element 0 of the axis (ONNX leaves
 * it undefined; the interpreter reports it). */
static int body_gather(Emit *e, const Node *n) {
  const Tensor *x = node_in(e->g, n, 0), *ind = node_in(e->g, n, 1);
  int axis;
  if (norm_axis(e->g, n, e->d, "axis", attr_int(n, "axis", 0), x->rank, &axis))
    return -1;
  int64_t outer = 1, inner = 1, A = x->dims[axis], K = tensor_numel(ind);
  for (int i = 0; i < axis; i++)
    outer *= x->dims[i];
  for (int i = axis + 1; i < x->rank; i++)
    inner *= x->dims[i];
  cw_for(e->w, "o", outer);
  cw_for(e->w, "j", K);
  cw_open(e->w, "{");
  cw_line(e->w, "float v = x1[j];");
  cw_line(e->w, "long k = v >= 0.0f && v < %lld.0f ? (long)v : v < 0.0f && v >= -%lld.0f ? (long)v + %lldL : 0L;",
          (long long)A, (long long)A, (long long)A);
  cw_for(e->w, "i", inner);
  cw_line(e->w, "y[(o * %lld + j) * %lld + i] = x0[(o * %lld + k) * %lld + i];", (long long)K, (long long)inner,
          (long long)A, (long long)inner);
  cw_close(e->w);
  return 0;
}

const OpEmit emit_gather = {NULL, NULL, body_gather};
