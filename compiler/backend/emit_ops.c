/* emit_ops.c - one static function per layer, every size a literal.
 *
 * Each function takes the float inputs that the op reads at run time as
 * "const float *xI" (I = the node's input index) and writes "float *y".
 * Attributes and constant int64 inputs (shapes, axes, pads) become literals.
 * Loops follow the plain direct definition of each op, in the same order as
 * the reference interpreter (e.g. Conv accumulates from the bias over input
 * channel, kernel row, kernel column), so results agree to rounding.
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "emit.h"

void put_fn_name(const Emit *e, StrBuf *b, int ni) {
  sb_printf(b, "l%d_", ni);
  for (const char *s = op_info[e->g->n[ni].op].name; *s; s++)
    sb_putc(b, (char)tolower((unsigned char)*s));
}

/* ---- small text helpers ---- */

/* Appends "v" or "v * k". */
static void put_mul(StrBuf *b, const char *v, int64_t k) {
  if (k == 1)
    sb_puts(b, v);
  else
    sb_printf(b, "%s * %lld", v, (long long)k);
}

/* Appends " + c", " - c" or nothing. */
static void put_plus(StrBuf *b, int64_t c) {
  if (c > 0)
    sb_printf(b, " + %lld", (long long)c);
  else if (c < 0)
    sb_printf(b, " - %lld", -(long long)c);
}

static int64_t numel(const Tensor *t) { return tensor_numel(t); }

/* Row-major strides of t's dims. */
static void strides_of(const Tensor *t, int64_t *s) {
  int64_t acc = 1;
  for (int i = t->rank - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= t->dims[i];
  }
}

/* Strides of t broadcast to an output of rank r (numpy rules: right aligned,
 * extent-1 dims get stride 0). */
static void bcast_strides(const Tensor *t, int r, int64_t *s) {
  int64_t ts[XN_MAX_RANK];
  strides_of(t, ts);
  for (int i = 0; i < r; i++) {
    int j = i - (r - t->rank);
    s[i] = j < 0 || t->dims[j] == 1 ? 0 : ts[j];
  }
}

static const char *const ivar[XN_MAX_RANK] = {"i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7"};

/* ---- compile-time inputs ---- */

/* Float value of constant scalar input i: 1 and *v when present, 0 when
 * omitted, -1 after an error (computed at run time or not a scalar). */
static int const_scalar(Emit *e, const Node *n, int i, float *v) {
  Tensor *t = node_in(e->g, n, i);
  if (!t)
    return 0;
  if (!t->data || numel(t) != 1) {
    node_error(e->d, e->g, n, "input %d '%s' must be a constant scalar for the C backend", i, t->name);
    return -1;
  }
  if (!dtype_is_float(t->dtype))
    *v = (float)*(const int64_t *)t->data;
  else
    *v = *(const float *)t->data;
  return 1;
}

/* Int64 constant input i: its count (and *v), 0 when omitted, -1 on error. */
static int const_ints(Emit *e, const Node *n, int i, const int64_t **v) {
  Tensor *t = node_in(e->g, n, i);
  if (!t)
    return 0;
  if (!t->data || !dtype_is_int(t->dtype)) {
    node_error(e->d, e->g, n, "input %d '%s' must be a constant int64 tensor for the C backend", i,
               t->name);
    return -1;
  }
  *v = t->data;
  return (int)numel(t);
}

/* ---- function frame ---- */

static void fn_begin(Emit *e, int ni) {
  Graph *g = e->g;
  Node *n = &g->n[ni];
  StrBuf *b = cw_begin(e->w); /* at depth 0 */
  sb_printf(b, "/* node %d: %s '", ni, op_info[n->op].name);
  put_comment_text(b, n->name);
  sb_puts(b, "' at ");
  put_comment_text(b, n->loc);
  sb_puts(b, "\n *   ");
  int first = 1;
  for (int i = 0; i < n->nin; i++)
    if (plan_reads(e->p, ni, i)) {
      sb_printf(b, "%sx%d %s", first ? "" : ", ", i, shape_str(g, node_in(g, n, i)));
      if (i == 0 && e->p->node[ni].in0 >= 0)
        sb_puts(b, " (packed from the BinActiv's input)");
      first = 0;
    }
  sb_puts(b, " ->");
  first = 1;
  for (int j = 0; j < n->nout; j++)
    if (plan_writes(e->p, ni, j)) {
      sb_printf(b, "%s y", first ? "" : ",");
      if (j)
        sb_printf(b, "%d", j);
      sb_printf(b, " %s", shape_str(g, node_out(g, n, j)));
      first = 0;
    }
  sb_puts(b, " */\nstatic ");
  if (e->p->node[ni].needs & NEED_NOINLINE)
    sb_printf(b, "%s_NOINLINE ", e->o->name); /* see emit_c.c */
  sb_puts(b, "void ");
  put_fn_name(e, b, ni);
  sb_putc(b, '(');
  first = 1;
  if (e->p->node[ni].work_bytes) { /* its work buffers, in the caller's state (emit_c.c) */
    sb_printf(b, "union %s_work_ *work", e->o->name);
    first = 0;
  }
  for (int i = 0; i < n->nin; i++)
    if (plan_reads(e->p, ni, i)) {
      sb_printf(b, "%sconst float *x%d", first ? "" : ", ", i);
      first = 0;
    }
  for (int j = 0; j < n->nout; j++)
    if (plan_writes(e->p, ni, j)) {
      sb_printf(b, "%sfloat *y", first ? "" : ", ");
      if (j)
        sb_printf(b, "%d", j);
      first = 0;
    }
  sb_puts(b, ") {");
  cw_end_open(e->w);
}

static void fn_end(Emit *e) {
  cw_close(e->w);
  cw_raw(e->w, "\n");
}

/* ---- elementwise ---- */

/* y[i] = f(v) with v = x0[i]; expr uses "v". Returns 0. */
static int emit_map(Emit *e, const Node *n, const char *expr) {
  CWriter *w = e->w;
  cw_for_open(w, "i", numel(node_out(e->g, n, 0)));
  cw_line(w, "float v = x0[i];");
  cw_line(w, "y[i] = %s;", expr);
  cw_close(w);
  return 0;
}

static int body_relu(Emit *e, const Node *n) { return emit_map(e, n, "v > 0.0f ? v : 0.0f"); }

const OpEmit emit_relu = {NULL, NULL, body_relu};

static int body_sigmoid(Emit *e, const Node *n) { return emit_map(e, n, "1.0f / (1.0f + expf(-v))"); }

const OpEmit emit_sigmoid = {NULL, NULL, body_sigmoid};

static int body_tanh(Emit *e, const Node *n) { return emit_map(e, n, "tanhf(v)"); }

const OpEmit emit_tanh = {NULL, NULL, body_tanh};

static int body_abs(Emit *e, const Node *n) { return emit_map(e, n, "fabsf(v)"); }

const OpEmit emit_abs = {NULL, NULL, body_abs};

static int body_sign(Emit *e, const Node *n) { return emit_map(e, n, "v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f)"); }

const OpEmit emit_sign = {NULL, NULL, body_sign};

/* The exact hex literal of f, in the graph arena (for emit_mapf). */
static const char *hexf(Emit *e, float f) {
  StrBuf b;
  sb_init(&b, e->g->arena);
  put_hexfloat(&b, f);
  return b.s;
}

/* emit_map with the expression formatted by printf (hexf for the floats). */
static int emit_mapf(Emit *e, const Node *n, const char *fmt, ...) XN_PRINTF(3, 4);
static int emit_mapf(Emit *e, const Node *n, const char *fmt, ...) {
  StrBuf x;
  va_list ap;
  sb_init(&x, e->g->arena);
  va_start(ap, fmt);
  sb_vprintf(&x, fmt, ap);
  va_end(ap);
  return emit_map(e, n, x.s);
}

/* A unary op whose body is emit_map(expr): body_NAME and its hooks emit_NAME. */
#define MAP_OP(name, expr)                                                        \
  static int body_##name(Emit *e, const Node *n) { return emit_map(e, n, expr); } \
  const OpEmit emit_##name = {NULL, NULL, body_##name};

/* The unary ops with the interpreter's arithmetic (interp_elem.c, unary_f). */
MAP_OP(neg, "-v")
MAP_OP(sqrt, "sqrtf(v)")
MAP_OP(reciprocal, "1.0f / v")
MAP_OP(exp, "expf(v)")
MAP_OP(log, "logf(v)")
MAP_OP(round, "nearbyintf(v)")
MAP_OP(floor, "floorf(v)")
MAP_OP(ceil, "ceilf(v)")
MAP_OP(sin, "sinf(v)")
MAP_OP(cos, "cosf(v)")
MAP_OP(tan, "tanf(v)")
MAP_OP(asin, "asinf(v)")
MAP_OP(acos, "acosf(v)")
MAP_OP(atan, "atanf(v)")
MAP_OP(sinh, "sinhf(v)")
MAP_OP(cosh, "coshf(v)")
MAP_OP(asinh, "asinhf(v)")
MAP_OP(acosh, "acoshf(v)")
MAP_OP(atanh, "atanhf(v)")
MAP_OP(erf, "erff(v)")
MAP_OP(softplus, "log1pf(expf(v))")
MAP_OP(softsign, "v / (1.0f + fabsf(v))")

static int body_hardswish(Emit *e, const Node *n) {
  const char *k = hexf(e, 1.0f / 6.0f);
  return emit_mapf(e, n, "v * (v * %s + 0.5f < 0.0f ? 0.0f : (v * %s + 0.5f > 1.0f ? 1.0f : v * %s + 0.5f))", k, k,
                   k);
}

const OpEmit emit_hardswish = {NULL, NULL, body_hardswish};

static int body_leakyrelu(Emit *e, const Node *n) {
  UnaryParams p;
  unary_params(n, &p);
  return emit_mapf(e, n, "v < 0.0f ? v * %s : v", hexf(e, p.alpha));
}

const OpEmit emit_leakyrelu = {NULL, NULL, body_leakyrelu};

static int body_elu(Emit *e, const Node *n) {
  UnaryParams p;
  unary_params(n, &p);
  return emit_mapf(e, n, "v < 0.0f ? %s * expm1f(v) : v", hexf(e, p.alpha));
}

const OpEmit emit_elu = {NULL, NULL, body_elu};

static int body_selu(Emit *e, const Node *n) {
  UnaryParams p;
  unary_params(n, &p);
  const char *g = hexf(e, p.gamma);
  return emit_mapf(e, n, "v > 0.0f ? %s * v : %s * (%s * expm1f(v))", g, g, hexf(e, p.alpha));
}

const OpEmit emit_selu = {NULL, NULL, body_selu};

static int body_celu(Emit *e, const Node *n) {
  UnaryParams p;
  unary_params(n, &p);
  const char *a = hexf(e, p.alpha);
  return emit_mapf(e, n, "v > 0.0f ? v : %s * expm1f(v / %s)", a, a);
}

const OpEmit emit_celu = {NULL, NULL, body_celu};

static int body_thresholdedrelu(Emit *e, const Node *n) {
  UnaryParams p;
  unary_params(n, &p);
  return emit_mapf(e, n, "v > %s ? v : 0.0f", hexf(e, p.alpha));
}

const OpEmit emit_thresholdedrelu = {NULL, NULL, body_thresholdedrelu};

static int body_shrink(Emit *e, const Node *n) {
  UnaryParams p;
  unary_params(n, &p);
  const char *b = hexf(e, p.bias);
  return emit_mapf(e, n, "v < %s ? v + %s : (v > %s ? v - %s : 0.0f)", hexf(e, -p.lambd), b, hexf(e, p.lambd), b);
}

const OpEmit emit_shrink = {NULL, NULL, body_shrink};

/* HardSigmoid with the interpreter's arithmetic: t = alpha * v + beta in
 * float, clamped to [0, 1]. */
static int body_hardsigmoid(Emit *e, const Node *n) {
  StrBuf t, x;
  sb_init(&t, e->g->arena);
  sb_init(&x, e->g->arena);
  sb_puts(&t, "(");
  put_hexfloat(&t, attr_float(n, "alpha", 0.2f));
  sb_puts(&t, " * v + ");
  put_hexfloat(&t, attr_float(n, "beta", 0.5f));
  sb_puts(&t, ")");
  sb_printf(&x, "%s < 0.0f ? 0.0f : (%s > 1.0f ? 1.0f : %s)", t.s, t.s, t.s);
  return emit_map(e, n, x.s);
}

const OpEmit emit_hardsigmoid = {NULL, NULL, body_hardsigmoid};

/* Clip: y = min(max(v, lo), hi) as the interpreter computes it. A bound is
 * an attribute (before opset 11), a constant input (a literal) or a run-time
 * input (x1[0], x2[0]: its one element, read by the layer); an absent one
 * does not clip. */
static int body_clip(Emit *e, const Node *n) {
  const char *bound[2] = {NULL, NULL};
  int ni = (int)(n - e->g->n);
  for (int k = 0; k < 2; k++) {
    float v = 0;
    if (e->g->opset < 11) {
      const char *name = k ? "max" : "min";
      if (node_attr(n, name))
        bound[k] = hexf(e, attr_float(n, name, 0));
    } else if (plan_reads(e->p, ni, k + 1)) {
      bound[k] = k ? "x2[0]" : "x1[0]";
    } else {
      int has = const_scalar(e, n, k + 1, &v);
      if (has < 0)
        return -1;
      if (has)
        bound[k] = hexf(e, v);
    }
  }
  const char *x = "v";
  if (bound[0])
    x = arena_printf(e->g->arena, "v < %s ? %s : v", bound[0], bound[0]);
  if (bound[1])
    x = arena_printf(e->g->arena, "v > %s ? %s : (%s)", bound[1], bound[1], x);
  return emit_map(e, n, x);
}

const OpEmit emit_clip = {plan_clip, NULL, body_clip};

/* A view op (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout) that
 * writes a graph output: a copy (otherwise it is an alias and has no code). */
static int body_copy(Emit *e, const Node *n) {
  CWriter *w = e->w;
  cw_for(w, "i", numel(node_out(e->g, n, 0)));
  cw_line(w, "y[i] = x0[i];");
  return 0;
}

const OpEmit emit_copy = {NULL, NULL, body_copy};

/* The broadcasting ops with numpy broadcasting: Add, Sub, Mul, Div and PRelu
 * of two inputs as one expression per element; Pow, Mod and the variadic
 * Max, Min, Sum, Mean as the interpreter folds them (interp_arith: v = x0,
 * then v = v op xk for each further input; Mean divides at the end). */
static int emit_broadcast(Emit *e, const Node *n) {
  CWriter *w = e->w;
  Graph *g = e->g;
  Tensor *y = node_out(g, n, 0);
  int r = y->rank, nin = n->nin;
  int64_t sy[XN_MAX_RANK];
  strides_of(y, sy);
  StrBuf iy, *ix = arena_array(g->arena, (size_t)nin, sizeof *ix);
  sb_init(&iy, g->arena);
  /* An operand with as many elements as y has y's layout (broadcasting only
   * repeats extent-1 dims); one element is a scalar. Else index per dim. */
  int flat = 1;
  for (int k = 0; k < nin; k++) {
    Tensor *t = node_in(g, n, k);
    sb_init(&ix[k], g->arena);
    flat &= numel(t) == numel(y) || numel(t) == 1;
  }
  if (flat) {
    sb_puts(&iy, "i");
    for (int k = 0; k < nin; k++)
      sb_puts(&ix[k], numel(node_in(g, n, k)) == numel(y) ? "i" : "0");
    cw_for(w, "i", numel(y));
  } else {
    for (int i = 0; i < r; i++)
      cw_for(w, ivar[i], y->dims[i]);
    put_index(&iy, r, ivar, sy);
    for (int k = 0; k < nin; k++) {
      int64_t sk[XN_MAX_RANK];
      bcast_strides(node_in(g, n, k), r, sk);
      put_index(&ix[k], r, ivar, sk);
    }
  }
  if (n->op == OP_PRelu) {
    cw_open(w, "{");
    cw_line(w, "float v = x0[%s];", ix[0].s);
    cw_line(w, "y[%s] = v < 0.0f ? v * x1[%s] : v;", iy.s, ix[1].s);
    cw_close(w);
    return 0;
  }
  /* Integers (held as floats, OPF_INTF): Div and Pow truncate toward zero
   * (ONNX's reference casts Pow's float64 result back), Mod with fmod=0
   * takes the divisor's sign (numpy's mod); exact below 2^24. */
  int ints = dtype_is_int(y->dtype);
  if (n->op == OP_Div && ints) {
    cw_line(w, "y[%s] = truncf(x0[%s] / x1[%s]);", iy.s, ix[0].s, ix[1].s);
    return 0;
  }
  if (n->op == OP_Add || n->op == OP_Sub || n->op == OP_Mul || n->op == OP_Div) {
    char opc = n->op == OP_Add ? '+' : n->op == OP_Sub ? '-' : n->op == OP_Mul ? '*' : '/';
    cw_line(w, "y[%s] = x0[%s] %c x1[%s];", iy.s, ix[0].s, opc, ix[1].s);
    return 0;
  }
  int int_mod = n->op == OP_Mod && ints && !attr_int(n, "fmod", 0);
  const char *f = n->op == OP_Pow   ? (ints ? "truncf(powf(v, w))" : "powf(v, w)")
                  : int_mod         ? "fmodf(v, w) != 0.0f && (fmodf(v, w) < 0.0f) != (w < 0.0f) ? fmodf(v, w) + w : fmodf(v, w)"
                  : n->op == OP_Mod ? "fmodf(v, w)"
                  : n->op == OP_Max ? "v > w || isnan(v) ? v : w"
                  : n->op == OP_Min ? "v < w || isnan(v) ? v : w"
                                    : "v + w"; /* Sum, Mean */
  cw_open(w, "{");
  cw_line(w, "float v = x0[%s]%s;", ix[0].s, nin > 1 ? ", w" : "");
  for (int k = 1; k < nin; k++) {
    cw_line(w, "w = x%d[%s];", k, ix[k].s);
    cw_line(w, "v = %s;", f);
  }
  if (n->op == OP_Mean)
    cw_line(w, "y[%s] = v / %s;", iy.s, hexf(e, (float)nin));
  else
    cw_line(w, "y[%s] = v;", iy.s);
  cw_close(w);
  return 0;
}

static int body_arith(Emit *e, const Node *n) {
  if (e->p->node[n - e->g->n].path == LP_FKERN)
    return body_binary_fkern(e, n);
  return emit_broadcast(e, n);
}

const OpEmit emit_arith = {plan_arith, NULL, body_arith};

static int body_prelu(Emit *e, const Node *n) { return emit_broadcast(e, n); }

const OpEmit emit_prelu = {NULL, NULL, body_prelu};

/* ---- windows: Conv, MaxPool, AveragePool ---- */

/* "int ih = oh * S + kh * D - P;" and the bounds test against [lo, hi) when it
 * can fail; returns whether a test was emitted. */
static void win_coord(CWriter *w, const char *iv, const char *ov, const char *kv, int64_t S, int64_t D,
                      int64_t P, int64_t K, int64_t O, int64_t lo, int64_t hi) {
  StrBuf *b = cw_begin(w);
  sb_printf(b, "int %s = ", iv);
  put_mul(b, ov, S);
  sb_puts(b, " + ");
  put_mul(b, kv, D);
  put_plus(b, -P);
  sb_puts(b, ";");
  cw_end(w);
  int need_lo = -P < lo, need_hi = (O - 1) * S + (K - 1) * D - P >= hi;
  if (!need_lo && !need_hi)
    return;
  b = cw_begin(w);
  sb_puts(b, "if (");
  if (need_lo)
    sb_printf(b, "%s < %lld", iv, (long long)lo);
  if (need_lo && need_hi)
    sb_puts(b, " || ");
  if (need_hi)
    sb_printf(b, "%s >= %lld", iv, (long long)hi);
  sb_puts(b, ")");
  cw_end_head(w);
  cw_line(w, "continue;");
}

/* Output positions [lo, hi) whose whole window lies inside [0, in). */
static void interior(int64_t O, int64_t S, int64_t D, int64_t P, int64_t K, int64_t in, int64_t *lo,
                     int64_t *hi) {
  *lo = P > 0 ? (P + S - 1) / S : 0;
  /* o * S - P + (K - 1) * D <= in - 1 */
  int64_t top = in - 1 + P - (K - 1) * D;
  *hi = top < 0 ? 0 : top / S + 1;
  if (*hi > O)
    *hi = O;
  if (*lo > *hi)
    *lo = *hi;
}

/* The taps of one Conv output: acc += x * w over c, kh, kw; bounds tests
 * only when checked. */
static void conv_taps(CWriter *w, const Window *v, int64_t CG, int64_t MG, int64_t G, int checked) {
  cw_for_open(w, "c", CG);
  StrBuf *b = cw_begin(w);
  sb_printf(b, "const float *xc = x0 + n * %lld + ", (long long)(v->C * v->in[0] * v->in[1]));
  if (G > 1)
    sb_printf(b, "(m / %lld * %lld + c)", (long long)MG, (long long)CG);
  else
    sb_puts(b, "c");
  sb_printf(b, " * %lld;", (long long)(v->in[0] * v->in[1]));
  cw_end(w);
  cw_line(w, "const float *wc = x1 + (m * %lld + c) * %lld;", (long long)CG, (long long)(v->k[0] * v->k[1]));
  cw_for_open(w, "kh", v->k[0]);
  if (checked)
    win_coord(w, "ih", "oh", "kh", v->s[0], v->d[0], v->pb[0], v->k[0], v->out[0], 0, v->in[0]);
  else
    win_coord(w, "ih", "oh", "kh", v->s[0], v->d[0], v->pb[0], 1, 1, INT64_MIN / 2, INT64_MAX / 2);
  if (checked) {
    cw_for_open(w, "kw", v->k[1]);
    win_coord(w, "iw", "ow", "kw", v->s[1], v->d[1], v->pb[1], v->k[1], v->out[1], 0, v->in[1]);
    cw_line(w, "acc += xc[ih * %lld + iw] * wc[kh * %lld + kw];", (long long)v->in[1], (long long)v->k[1]);
    cw_close(w);
  } else {
    cw_for(w, "kw", v->k[1]);
    b = cw_begin(w);
    sb_printf(b, "acc += xc[ih * %lld + ", (long long)v->in[1]);
    put_mul(b, "ow", v->s[1]);
    sb_puts(b, " + ");
    put_mul(b, "kw", v->d[1]);
    put_plus(b, -v->pb[1]);
    sb_printf(b, "] * wc[kh * %lld + kw];", (long long)v->k[1]);
    cw_end(w);
  }
  cw_close(w);
  cw_close(w);
}

/* Output channels *M, input channels per group *CG and filters per group *MG
 * of a Conv or BinConv; reports a weight that does not fit the input, the
 * group count or the output. Returns 0 or -1. */
static int conv_groups(Emit *e, const Node *n, const Window *v, int64_t *M, int64_t *CG, int64_t *MG) {
  Tensor *wt = node_in(e->g, n, 1), *y = node_out(e->g, n, 0);
  int64_t G = v->group;
  *M = wt->dims[0];
  *CG = G ? v->C / G : 0;
  *MG = G ? *M / G : 0;
  if (G < 1 || y->dims[1] != *M || *CG * G != v->C || *MG * G != *M || wt->dims[1] != *CG ||
      wt->dims[2] * (wt->rank == 4 ? wt->dims[3] : 1) != v->k[0] * v->k[1]) {
    node_error(e->d, e->g, n, "weight %s does not fit input %s with group %lld", shape_str(e->g, wt),
               shape_str(e->g, node_in(e->g, n, 0)), (long long)G);
    return -1;
  }
  return 0;
}

/* Conv: y[n,m,oh,ow] = sum over c of m's group, kh, kw (in that order, from
 * 0) of x * w, plus the bias at the end (the interpreter's order). Outputs
 * whose window lies inside the input skip the bounds tests. */
static int body_conv(Emit *e, const Node *n) {
  if (e->p->node[n - e->g->n].path == LP_FKERN)
    return body_conv_fkern(e, n);
  Window v;
  if (geom_window(e->g, e->d, n, &v))
    return -1;
  CWriter *w = e->w;
  int64_t M, CG, MG, G = v.group;
  if (conv_groups(e, n, &v, &M, &CG, &MG))
    return -1;
  int64_t h0, h1, w0, w1;
  interior(v.out[0], v.s[0], v.d[0], v.pb[0], v.k[0], v.in[0], &h0, &h1);
  interior(v.out[1], v.s[1], v.d[1], v.pb[1], v.k[1], v.in[1], &w0, &w1);
  int all_inside = h0 == 0 && h1 == v.out[0] && w0 == 0 && w1 == v.out[1];
  int none_inside = h0 >= h1 || w0 >= w1;
  cw_for(w, "n", v.N);
  cw_for(w, "m", M);
  cw_for(w, "oh", v.out[0]);
  cw_for_open(w, "ow", v.out[1]);
  cw_line(w, "float acc = 0.0f;");
  if (all_inside) {
    conv_taps(w, &v, CG, MG, G, 0);
  } else if (none_inside) {
    conv_taps(w, &v, CG, MG, G, 1);
  } else {
    cw_open(w, "if (oh >= %lld && oh < %lld && ow >= %lld && ow < %lld) {", (long long)h0, (long long)h1,
              (long long)w0, (long long)w1);
    conv_taps(w, &v, CG, MG, G, 0);
    cw_else(w);
    conv_taps(w, &v, CG, MG, G, 1);
    cw_close(w);
  }
  cw_line(w, "y[((n * %lld + m) * %lld + oh) * %lld + ow] = acc%s;", (long long)M, (long long)v.out[0],
            (long long)v.out[1], node_in(e->g, n, 2) ? " + x2[m]" : "");
  cw_close(w);
  return 0;
}

const OpEmit emit_conv = {plan_conv, data_float, body_conv};

static int body_pool(Emit *e, const Node *n) {
  if (e->p->node[n - e->g->n].path == LP_FKERN)
    return body_pool_fkern(e, n);
  Window v;
  if (geom_window(e->g, e->d, n, &v))
    return -1;
  CWriter *w = e->w;
  int is_max = n->op == OP_MaxPool;
  if (is_max && attr_int(n, "storage_order", 0) != 0) {
    node_error(e->d, e->g, n, "storage_order=1 is not supported by the C backend");
    return -1;
  }
  int cip = !is_max && v.count_include_pad;
  cw_for(w, "nc", v.N * v.C);
  cw_for(w, "oh", v.out[0]);
  cw_for_open(w, "ow", v.out[1]);
  cw_line(w, is_max ? "float acc = -HUGE_VALF;" : "float acc = 0.0f;");
  if (!is_max) {
    cw_line(w, "int cnt = 0;");
  }
  /* With count_include_pad, cells in the padding count (but not cells past
   * it, which ceil_mode can reach); they add nothing to the sum. */
  int64_t loh = cip ? -v.pb[0] : 0, hih = cip ? v.in[0] + v.pe[0] : v.in[0];
  int64_t low = cip ? -v.pb[1] : 0, hiw = cip ? v.in[1] + v.pe[1] : v.in[1];
  cw_for_open(w, "kh", v.k[0]);
  win_coord(w, "ih", "oh", "kh", v.s[0], v.d[0], v.pb[0], v.k[0], v.out[0], loh, hih);
  cw_for_open(w, "kw", v.k[1]);
  win_coord(w, "iw", "ow", "kw", v.s[1], v.d[1], v.pb[1], v.k[1], v.out[1], low, hiw);
  const char *xv = "x0[nc * %lld + ih * %lld + iw]";
  StrBuf xs;
  sb_init(&xs, e->g->arena);
  sb_printf(&xs, xv, (long long)(v.in[0] * v.in[1]), (long long)v.in[1]);
  if (is_max) {
    cw_line(w, "float t = %s;", xs.s);
    cw_head(w, "if (t > acc || (isnan(t) && !isnan(acc)))");
    cw_line(w, "acc = t;");
  } else if (cip && (v.pb[0] || v.pb[1] || v.pe[0] || v.pe[1])) {
    cw_line(w, "cnt++;");
    cw_head(w, "if (ih >= 0 && ih < %lld && iw >= 0 && iw < %lld)", (long long)v.in[0], (long long)v.in[1]);
    cw_line(w, "acc += %s;", xs.s);
  } else {
    cw_line(w, "cnt++;");
    cw_line(w, "acc += %s;", xs.s);
  }
  cw_close(w);
  cw_close(w);
  cw_line(w, "y[(nc * %lld + oh) * %lld + ow] = %s;", (long long)v.out[0], (long long)v.out[1],
            is_max ? "acc" : "acc / (float)cnt");
  cw_close(w);
  return 0;
}

const OpEmit emit_pool = {plan_pool, NULL, body_pool};

static int body_global_avg(Emit *e, const Node *n) {
  CWriter *w = e->w;
  Tensor *x = node_in(e->g, n, 0);
  if (x->rank < 2) {
    node_error(e->d, e->g, n, "input %s has rank below 2", shape_str(e->g, x));
    return -1;
  }
  int64_t NC = x->dims[0] * x->dims[1], S = NC ? numel(x) / NC : 0;
  cw_for_open(w, "nc", NC);
  cw_line(w, "float acc = 0.0f;");
  cw_for(w, "i", S);
  cw_line(w, "acc += x0[nc * %lld + i];", (long long)S);
  StrBuf *b = cw_begin(w);
  sb_puts(b, "y[nc] = acc / ");
  put_hexfloat(b, (float)S);
  sb_puts(b, ";");
  cw_end(w);
  cw_close(w);
  return 0;
}

const OpEmit emit_global_avg = {NULL, NULL, body_global_avg};

/* y = (x - mean) / sqrt(var + eps) * scale + bias, per channel (dim 1). */
static int body_batchnorm(Emit *e, const Node *n) {
  if (e->p->node[n - e->g->n].path == LP_FKERN)
    return body_batchnorm_fkern(e, n);
  CWriter *w = e->w;
  Tensor *x = node_in(e->g, n, 0);
  if (x->rank < 2) {
    node_error(e->d, e->g, n, "input %s has rank below 2", shape_str(e->g, x));
    return -1;
  }
  if (attr_int(n, "training_mode", 0) != 0) {
    node_error(e->d, e->g, n, "training_mode=1 is not supported by the C backend");
    return -1;
  }
  int64_t C = x->dims[1], S = C ? numel(x) / x->dims[0] / C : 0;
  for (int i = 1; i <= 4; i++)
    if (numel(node_in(e->g, n, i)) != C) {
      node_error(e->d, e->g, n, "input %d has %lld elements but the input has %lld channels", i,
                 (long long)numel(node_in(e->g, n, i)), (long long)C);
      return -1;
    }
  cw_for(w, "n", x->dims[0]);
  cw_for_open(w, "c", C);
  StrBuf *b = cw_begin(w);
  sb_puts(b, "float den = sqrtf(x4[c] + ");
  put_hexfloat(b, attr_float(n, "epsilon", 1e-5f));
  sb_puts(b, ");");
  cw_end(w);
  cw_for(w, "i", S);
  cw_line(w, "y[(n * %lld + c) * %lld + i] = (x0[(n * %lld + c) * %lld + i] - x3[c]) / den * x1[c] + x2[c];",
            (long long)C, (long long)S, (long long)C, (long long)S);
  cw_close(w);
  return 0;
}

const OpEmit emit_batchnorm = {plan_batchnorm, NULL, body_batchnorm};

/* ---- linear algebra ---- */

static int body_gemm(Emit *e, const Node *n) {
  if (e->p->node[n - e->g->n].path == LP_FKERN)
    return body_linear_fkern(e, n);
  CWriter *w = e->w;
  Tensor *A = node_in(e->g, n, 0), *B = node_in(e->g, n, 1), *C = node_in(e->g, n, 2);
  Tensor *y = node_out(e->g, n, 0);
  int ta = attr_int(n, "transA", 0) != 0, tb = attr_int(n, "transB", 0) != 0;
  float alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
  if (A->rank != 2 || B->rank != 2 || y->rank != 2 || (C && C->rank > 2)) {
    node_error(e->d, e->g, n, "Gemm needs 2-D A and B, got %s and %s", shape_str(e->g, A),
               shape_str(e->g, B));
    return -1;
  }
  int64_t M = ta ? A->dims[1] : A->dims[0], K = ta ? A->dims[0] : A->dims[1];
  int64_t N = tb ? B->dims[0] : B->dims[1];
  cw_for(w, "i", M);
  cw_for_open(w, "j", N);
  cw_line(w, "float acc = 0.0f;");
  cw_for(w, "k", K);
  cw_line(w, "acc += x0[%s * %lld + %s] * x1[%s * %lld + %s];", ta ? "k" : "i",
            (long long)(ta ? M : K), ta ? "i" : "k", tb ? "j" : "k", (long long)(tb ? K : N),
            tb ? "k" : "j");
  StrBuf *b = cw_begin(w);
  sb_printf(b, "y[i * %lld + j] = ", (long long)N);
  if (alpha != 1.0f) {
    put_hexfloat(b, alpha);
    sb_puts(b, " * ");
  }
  sb_puts(b, "acc");
  if (plan_reads(e->p, (int)(n - e->g->n), 2)) {
    int64_t cm = C->rank == 2 ? C->dims[0] : 1, cn = C->rank >= 1 ? C->dims[C->rank - 1] : 1;
    sb_puts(b, " + ");
    if (beta != 1.0f) {
      put_hexfloat(b, beta);
      sb_puts(b, " * ");
    }
    const char *v[2] = {"i", "j"};
    int64_t s[2] = {cm == 1 ? 0 : cn, cn == 1 ? 0 : 1};
    sb_puts(b, "x2[");
    put_index(b, 2, v, s);
    sb_puts(b, "]");
  }
  sb_puts(b, ";");
  cw_end(w);
  cw_close(w);
  return 0;
}

const OpEmit emit_gemm = {plan_gemm, data_float, body_gemm};

static int body_matmul(Emit *e, const Node *n) {
  if (e->p->node[n - e->g->n].path == LP_FKERN)
    return body_linear_fkern(e, n);
  CWriter *w = e->w;
  Tensor *A = node_in(e->g, n, 0), *B = node_in(e->g, n, 1);
  if (A->rank < 1 || B->rank < 1) {
    node_error(e->d, e->g, n, "MatMul operands must have rank >= 1, got %s and %s", shape_str(e->g, A),
               shape_str(e->g, B));
    return -1;
  }
  /* numpy: a 1-D A is [1,K], a 1-D B is [K,1]; batch dims broadcast. */
  int64_t ad[XN_MAX_RANK + 1], bd[XN_MAX_RANK + 1];
  int ra = A->rank, rb = B->rank;
  if (ra == 1)
    ad[0] = 1, ad[1] = A->dims[0], ra = 2;
  else
    memcpy(ad, A->dims, sizeof(int64_t) * (size_t)ra);
  if (rb == 1)
    bd[0] = B->dims[0], bd[1] = 1, rb = 2;
  else
    memcpy(bd, B->dims, sizeof(int64_t) * (size_t)rb);
  int64_t M = ad[ra - 2], K = ad[ra - 1], N = bd[rb - 1];
  int R = (ra > rb ? ra : rb) - 2;
  if (R > 6) {
    node_error(e->d, e->g, n, "too many batch dimensions");
    return -1;
  }
  const char *vars[XN_MAX_RANK + 3];
  int64_t sa[XN_MAX_RANK + 3], sb_[XN_MAX_RANK + 3], sy[XN_MAX_RANK + 3], bdims[XN_MAX_RANK];
  int64_t acc_a = M * K, acc_b = K * N, acc_y = M * N;
  for (int i = R - 1; i >= 0; i--) {
    int ja = i - (R - (ra - 2)), jb = i - (R - (rb - 2));
    int64_t ea = ja >= 0 ? ad[ja] : 1, eb = jb >= 0 ? bd[jb] : 1;
    bdims[i] = ea > eb ? ea : eb;
    sa[i] = ea == 1 ? 0 : acc_a;
    sb_[i] = eb == 1 ? 0 : acc_b;
    sy[i] = acc_y;
    acc_a *= ea, acc_b *= eb, acc_y *= bdims[i];
    vars[i] = ivar[i];
  }
  for (int i = 0; i < R; i++)
    cw_for(w, vars[i], bdims[i]);
  cw_for(w, "i", M);
  cw_for_open(w, "j", N);
  cw_line(w, "float acc = 0.0f;");
  cw_for(w, "k", K);
  StrBuf *b = cw_begin(w);
  vars[R] = "i", vars[R + 1] = "k";
  sa[R] = K, sa[R + 1] = 1;
  sb_puts(b, "acc += x0[");
  put_index(b, R + 2, vars, sa);
  sb_puts(b, "] * x1[");
  vars[R] = "k", vars[R + 1] = "j";
  sb_[R] = N, sb_[R + 1] = 1;
  put_index(b, R + 2, vars, sb_);
  sb_puts(b, "];");
  cw_end(w);
  b = cw_begin(w);
  sb_puts(b, "y[");
  vars[R] = "i", vars[R + 1] = "j";
  sy[R] = N, sy[R + 1] = 1;
  put_index(b, R + 2, vars, sy);
  sb_puts(b, "] = acc;");
  cw_end(w);
  cw_close(w);
  return 0;
}

const OpEmit emit_matmul = {plan_matmul, data_float, body_matmul};

/* ---- data movement ---- */

static int body_transpose(Emit *e, const Node *n) {
  CWriter *w = e->w;
  Tensor *x = node_in(e->g, n, 0), *y = node_out(e->g, n, 0);
  int r = x->rank;
  int64_t perm[XN_MAX_RANK], sx[XN_MAX_RANK], sy[XN_MAX_RANK], sp[XN_MAX_RANK];
  const int64_t *p;
  int np = attr_ints(n, "perm", &p);
  int seen[XN_MAX_RANK] = {0};
  for (int i = 0; i < r; i++) {
    perm[i] = np < 0 ? r - 1 - i : p[i];
    if (np >= 0 && (np != r || p[i] < 0 || p[i] >= r || seen[p[i]]++)) {
      node_error(e->d, e->g, n, "perm is not a permutation of %d axes", r);
      return -1;
    }
  }
  strides_of(x, sx);
  strides_of(y, sy);
  for (int i = 0; i < r; i++) {
    sp[i] = sx[perm[i]];
    cw_for(w, ivar[i], y->dims[i]);
  }
  StrBuf *b = cw_begin(w);
  sb_puts(b, "y[");
  put_index(b, r, ivar, sy);
  sb_puts(b, "] = x0[");
  put_index(b, r, ivar, sp);
  sb_puts(b, "];");
  cw_end(w);
  return 0;
}

const OpEmit emit_transpose = {NULL, NULL, body_transpose};

static int body_concat(Emit *e, const Node *n) {
  CWriter *w = e->w;
  Tensor *y = node_out(e->g, n, 0);
  int r = y->rank;
  int64_t axis = attr_int(n, "axis", 0);
  if (axis < 0)
    axis += r;
  if (axis < 0 || axis >= r) {
    node_error(e->d, e->g, n, "axis %lld is out of range for rank %d", (long long)attr_int(n, "axis", 0), r);
    return -1;
  }
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; i++)
    outer *= y->dims[i];
  for (int i = (int)axis + 1; i < r; i++)
    inner *= y->dims[i];
  int64_t total = y->dims[axis] * inner, off = 0;
  cw_for_open(w, "o", outer);
  for (int k = 0; k < n->nin; k++) {
    Tensor *x = node_in(e->g, n, k);
    if (!x)
      continue;
    int64_t len = x->dims[axis] * inner;
    cw_for(w, "i", len);
    StrBuf *b = cw_begin(w);
    sb_printf(b, "y[o * %lld + i", (long long)total);
    put_plus(b, off);
    sb_printf(b, "] = x%d[o * %lld + i];", k, (long long)len);
    cw_end(w);
    off += len;
  }
  cw_close(w);
  return 0;
}

const OpEmit emit_concat = {NULL, NULL, body_concat};

static int body_pad(Emit *e, const Node *n) {
  CWriter *w = e->w;
  Tensor *x = node_in(e->g, n, 0), *y = node_out(e->g, n, 0);
  int r = x->rank;
  const char *mode = attr_string(n, "mode", "constant");
  if (strcmp(mode, "constant")) {
    node_error(e->d, e->g, n, "Pad mode '%s' is not supported by the C backend", mode);
    return -1;
  }
  const int64_t *pads;
  int np;
  float value = 0;
  if (e->g->opset < 11) {
    np = attr_ints(n, e->g->opset < 2 ? "paddings" : "pads", &pads);
    value = attr_float(n, "value", 0.0f);
  } else {
    np = const_ints(e, n, 1, &pads);
    if (np < 0 || const_scalar(e, n, 2, &value) < 0)
      return -1;
    if (node_in(e->g, n, 3)) {
      node_error(e->d, e->g, n, "the axes input of Pad is not supported by the C backend");
      return -1;
    }
  }
  if (np != 2 * r) {
    node_error(e->d, e->g, n, "pads has %d values but the input %s needs %d", np < 0 ? 0 : np,
               shape_str(e->g, x), 2 * r);
    return -1;
  }
  int64_t sx[XN_MAX_RANK], sy[XN_MAX_RANK];
  strides_of(x, sx);
  strides_of(y, sy);
  static const char *const jv[XN_MAX_RANK] = {"j0", "j1", "j2", "j3", "j4", "j5", "j6", "j7"};
  for (int i = 0; i < r; i++)
    cw_for(w, ivar[i], y->dims[i]);
  cw_open(w, "{");
  int ntest = 0;
  StrBuf test;
  sb_init(&test, e->g->arena);
  for (int i = 0; i < r; i++) {
    StrBuf *b = cw_begin(w);
    sb_printf(b, "int %s = %s", jv[i], ivar[i]);
    put_plus(b, -pads[i]);
    sb_puts(b, ";");
    cw_end(w);
    if (pads[i] > 0)
      sb_printf(&test, "%s%s >= 0", ntest++ ? " && " : "", jv[i]);
    if (pads[r + i] > 0)
      sb_printf(&test, "%s%s < %lld", ntest++ ? " && " : "", jv[i], (long long)x->dims[i]);
  }
  StrBuf *b = cw_begin(w);
  sb_puts(b, "y[");
  put_index(b, r, ivar, sy);
  sb_puts(b, "] = ");
  if (ntest) {
    sb_printf(b, "%s ? ", test.s);
  }
  sb_puts(b, "x0[");
  put_index(b, r, jv, sx);
  sb_puts(b, "]");
  if (ntest) {
    sb_puts(b, " : ");
    put_hexfloat(b, value);
  }
  sb_puts(b, ";");
  cw_end(w);
  cw_close(w);
  return 0;
}

const OpEmit emit_pad = {NULL, NULL, body_pad};

/* The loops over the reduced axes (variables rv, extents re), then one
 * statement. */
static void reduce_loops(CWriter *w, int nr, const char *const *rv, const int64_t *re) {
  for (int i = 0; i < nr; i++)
    cw_for(w, rv[i], re[i]);
}

/* The Reduce* ops: per output (loops over the kept axes), acc over the
 * reduced axes in order, the interpreter's reduce_init/step/final
 * (interp_nn.c) as C: ReduceLogSumExp first takes the maximum m, then sums
 * expf(v - m). Max and Min propagate NaN. noop_with_empty_axes copies. */
static int body_reduce(Emit *e, const Node *n) {
  CWriter *w = e->w;
  Tensor *x = node_in(e->g, n, 0), *y = node_out(e->g, n, 0);
  Reduce rd;
  if (reduce_params(e->g, n, &rd, e->d))
    return -1;
  if (rd.noop) {
    cw_for(w, "i", numel(y));
    cw_line(w, "y[i] = x0[i];");
    return 0;
  }
  int r = x->rank;
  int64_t sx[XN_MAX_RANK], sk[XN_MAX_RANK], cnt = 1, acc = 1;
  strides_of(x, sx);
  /* output position: kept dims in order, row-major over their extents */
  for (int i = r - 1; i >= 0; i--) {
    sk[i] = rd.axis[i] ? 0 : acc;
    if (!rd.axis[i])
      acc *= x->dims[i];
    else
      cnt *= x->dims[i];
  }
  static const char *const kv[XN_MAX_RANK] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"};
  const char *ov[XN_MAX_RANK];
  int64_t os[XN_MAX_RANK], ys[XN_MAX_RANK], re[XN_MAX_RANK];
  int nk = 0, nr = 0;
  for (int i = 0; i < r; i++)
    if (!rd.axis[i]) {
      cw_for(w, ivar[i], x->dims[i]);
      ov[nk] = ivar[i];
      os[nk] = sx[i];
      ys[nk++] = sk[i];
    }
  for (int i = 0; i < r; i++)
    if (rd.axis[i]) {
      ov[nk + nr] = kv[i];
      os[nk + nr] = sx[i];
      re[nr++] = x->dims[i];
    }
  const char *const *rv = ov + nk;
  StrBuf ix, iy;
  sb_init(&ix, e->g->arena);
  sb_init(&iy, e->g->arena);
  put_index(&ix, nk + nr, ov, os);
  put_index(&iy, nk, ov, ys);
  Op op = n->op;
  cw_open(w, "{");
  if (op == OP_ReduceLogSumExp) {
    cw_line(w, "float m = -HUGE_VALF;");
    reduce_loops(w, nr, rv, re);
    cw_open(w, "{");
    cw_line(w, "float v = x0[%s];", ix.s);
    cw_line(w, "m = v > m || isnan(v) ? v : m;");
    cw_close(w);
  }
  cw_line(w, "float acc = %s;", op == OP_ReduceProd  ? "1.0f"
                                : op == OP_ReduceMax ? "-HUGE_VALF"
                                : op == OP_ReduceMin ? "HUGE_VALF"
                                                     : "0.0f");
  reduce_loops(w, nr, rv, re);
  switch (op) {
  case OP_ReduceSum:
  case OP_ReduceMean:
  case OP_ReduceLogSum: cw_line(w, "acc += x0[%s];", ix.s); break;
  case OP_ReduceProd: cw_line(w, "acc *= x0[%s];", ix.s); break;
  case OP_ReduceL1: cw_line(w, "acc += fabsf(x0[%s]);", ix.s); break;
  case OP_ReduceLogSumExp: cw_line(w, "acc += expf(x0[%s] - m);", ix.s); break;
  default:
    cw_open(w, "{");
    cw_line(w, "float v = x0[%s];", ix.s);
    cw_line(w, "%s", op == OP_ReduceMax   ? "acc = v > acc || isnan(v) ? v : acc;"
                     : op == OP_ReduceMin ? "acc = v < acc || isnan(v) ? v : acc;"
                                          : "acc += v * v;"); /* L2, SumSquare */
    cw_close(w);
  }
  switch (op) {
  case OP_ReduceMean: cw_line(w, "y[%s] = acc / %s;", iy.s, hexf(e, (float)cnt)); break;
  case OP_ReduceL2: cw_line(w, "y[%s] = sqrtf(acc);", iy.s); break;
  case OP_ReduceLogSum: cw_line(w, "y[%s] = logf(acc);", iy.s); break;
  case OP_ReduceLogSumExp: cw_line(w, "y[%s] = isinf(m) ? m : m + logf(acc);", iy.s); break;
  default: cw_line(w, "y[%s] = acc;", iy.s);
  }
  cw_close(w);
  return 0;
}

const OpEmit emit_reduce = {NULL, NULL, body_reduce};

/* Softmax over one axis (opset >= 13) or over the flattened dims from axis on
 * (opset < 13): y = exp(x - max) / sum(exp(x - max)); LogSoftmax: y = (x -
 * max) - log(sum(exp(x - max))). */
static int body_softmax(Emit *e, const Node *n) {
  CWriter *w = e->w;
  Tensor *x = node_in(e->g, n, 0);
  int r = x->rank, v13 = e->g->opset >= 13;
  int64_t axis = attr_int(n, "axis", v13 ? -1 : 1);
  if (axis < 0)
    axis += r;
  if (r == 0 || axis < 0 || axis >= r) {
    node_error(e->d, e->g, n, "axis %lld is out of range for rank %d", (long long)attr_int(n, "axis", 0), r);
    return -1;
  }
  int64_t outer = 1, len = 1, inner = 1;
  for (int i = 0; i < r; i++) {
    if (i < axis)
      outer *= x->dims[i];
    else if (i == axis || !v13)
      len *= x->dims[i];
    else
      inner *= x->dims[i];
  }
  cw_for(w, "o", outer);
  cw_for_open(w, "i", inner);
  StrBuf k;
  sb_init(&k, e->g->arena);
  put_mul(&k, "k", inner);
  cw_line(w, "const float *p = x0 + o * %lld + i;", (long long)(len * inner));
  cw_line(w, "float *q = y + o * %lld + i;", (long long)(len * inner));
  cw_line(w, "float mx = p[0], sum = 0.0f;");
  cw_for(w, "k", len);
  cw_head(w, "if (p[%s] > mx)", k.s);
  cw_line(w, "mx = p[%s];", k.s);
  cw_for_open(w, "k", len);
  cw_line(w, "q[%s] = expf(p[%s] - mx);", k.s, k.s);
  cw_line(w, "sum += q[%s];", k.s);
  cw_close(w);
  if (n->op == OP_LogSoftmax) {
    cw_line(w, "sum = logf(sum);");
    cw_for(w, "k", len);
    cw_line(w, "q[%s] = (p[%s] - mx) - sum;", k.s, k.s);
  } else {
    cw_for(w, "k", len);
    cw_line(w, "q[%s] /= sum;", k.s);
  }
  cw_close(w);
  return 0;
}

const OpEmit emit_softmax = {NULL, NULL, body_softmax};

/* ---- the xnor domain, as plain float loops with the interpreter's
 * semantics (compiler/interp/binary.c): sign(x) = x < 0 ? -1 : +1; sums in
 * double in ascending index order, rounded to float once at the end. BinActiv
 * always; BinConv/BinGemm only when their weight is not a constant
 * (otherwise emit_binary.c compiles them onto the runtime's kernels). ---- */

/* BinActiv: y = sign(x); y1 = mean over axis 1 of |x| (when used). */
static int body_binactiv(Emit *e, const Node *n) {
  CWriter *w = e->w;
  Tensor *x = node_in(e->g, n, 0);
  if (plan_writes(e->p, (int)(n - e->g->n), 0)) {
    cw_for(w, "i", numel(x));
    cw_line(w, "y[i] = x0[i] < 0.0f ? -1.0f : 1.0f;");
  }
  if (!plan_writes(e->p, (int)(n - e->g->n), 1))
    return 0;
  if (x->rank < 2) {
    node_error(e->d, e->g, n, "input %s has rank below 2", shape_str(e->g, x));
    return -1;
  }
  int64_t C = x->dims[1], inner = C ? numel(x) / x->dims[0] / C : 0;
  cw_for(w, "o", x->dims[0]);
  cw_for_open(w, "s", inner);
  cw_line(w, "double sum = 0;");
  cw_for(w, "c", C);
  cw_line(w, "sum += fabs((double)x0[(o * %lld + c) * %lld + s]);", (long long)C, (long long)inner);
  cw_line(w, "y1[o * %lld + s] = (float)(sum / %lld.0);", (long long)inner, (long long)C);
  cw_close(w);
  return 0;
}

const OpEmit emit_binactiv = {plan_binactiv, NULL, body_binactiv};

/* alpha = mean |W| of filter m (Eq. 6), as "float alpha". */
static void emit_alpha(CWriter *w, int64_t fs) {
  cw_line(w, "float alpha;");
  cw_line(w, "double sa = 0;");
  cw_for(w, "j", fs);
  cw_line(w, "sa += fabs((double)x1[m * %lld + j]);", (long long)fs);
  cw_line(w, "alpha = (float)(sa / %lld.0);", (long long)fs);
}

/* "int ih = oh*SH + kh*DH - PT, iw = ow*SW + kw*DW - PL;": the input
 * coordinates of tap (kh, kw) of output (oh, ow). */
static void put_taps(CWriter *w, const Window *v) {
  StrBuf *b = cw_begin(w);
  sb_puts(b, "int ih = ");
  put_mul(b, "oh", v->s[0]);
  sb_puts(b, " + ");
  put_mul(b, "kh", v->d[0]);
  put_plus(b, -v->pb[0]);
  sb_puts(b, ", iw = ");
  put_mul(b, "ow", v->s[1]);
  sb_puts(b, " + ");
  put_mul(b, "kw", v->d[1]);
  put_plus(b, -v->pb[1]);
  sb_puts(b, ";");
  cw_end(w);
}

/* BinConv: y = alpha_m * sum_{c,kh,kw} xp * sign(w) * K + B, xp = pad_value
 * outside the input, K = box mean of A over the window (A = 0 outside). */
int body_binconv_float(Emit *e, const Node *n) {
  Window v;
  if (geom_window(e->g, e->d, n, &v))
    return -1;
  CWriter *w = e->w;
  int64_t M, CG, MG, G = v.group;
  if (conv_groups(e, n, &v, &M, &CG, &MG))
    return -1;
  int64_t pv = attr_int(n, "pad_value", 0), fs = CG * v.k[0] * v.k[1];
  int has_a = node_in(e->g, n, 3) != NULL;
  cw_for_open(w, "m", M);
  emit_alpha(w, fs);
  cw_for(w, "n", v.N);
  cw_for(w, "oh", v.out[0]);
  cw_for_open(w, "ow", v.out[1]);
  cw_line(w, "double s = 0, r;");
  cw_for(w, "c", CG);
  cw_for(w, "kh", v.k[0]);
  cw_for_open(w, "kw", v.k[1]);
  put_taps(w, &v);
  StrBuf *b = cw_begin(w);
  sb_printf(b, "double xv = ih < 0 || ih >= %lld || iw < 0 || iw >= %lld ? %lld.0 : (double)x0[((n * %lld + ",
            (long long)v.in[0], (long long)v.in[1], (long long)pv, (long long)v.C);
  if (G > 1)
    sb_printf(b, "m / %lld * %lld + ", (long long)MG, (long long)CG);
  sb_printf(b, "c) * %lld + ih) * %lld + iw];", (long long)v.in[0], (long long)v.in[1]);
  cw_end(w);
  cw_line(w, "s += xv * (x1[((m * %lld + c) * %lld + kh) * %lld + kw] < 0.0f ? -1.0 : 1.0);",
            (long long)CG, (long long)v.k[0], (long long)v.k[1]);
  cw_close(w);
  cw_line(w, "r = (double)alpha * s;");
  if (has_a) {
    cw_open(w, "{");
    cw_line(w, "double ks = 0;");
    cw_for(w, "kh", v.k[0]);
    cw_for_open(w, "kw", v.k[1]);
    put_taps(w, &v);
    cw_head(w, "if (ih >= 0 && ih < %lld && iw >= 0 && iw < %lld)", (long long)v.in[0], (long long)v.in[1]);
    cw_line(w, "ks += (double)x3[(n * %lld + ih) * %lld + iw];", (long long)v.in[0], (long long)v.in[1]);
    cw_close(w);
    cw_line(w, "r *= ks / %lld.0;", (long long)(v.k[0] * v.k[1]));
    cw_close(w);
  }
  if (node_in(e->g, n, 2)) {
    cw_line(w, "r += (double)x2[m];");
  }
  cw_line(w, "y[((n * %lld + m) * %lld + oh) * %lld + ow] = (float)r;", (long long)M, (long long)v.out[0],
            (long long)v.out[1]);
  cw_close(w);
  cw_close(w);
  return 0;
}

/* BinGemm: y[r,m] = alpha_m * sum_f x[r,f] * sign(w[m,f]) * A[r] + B[m]. */
int body_bingemm_float(Emit *e, const Node *n) {
  CWriter *w = e->w;
  Tensor *x = node_in(e->g, n, 0), *wt = node_in(e->g, n, 1);
  if (x->rank < 1 || wt->rank != 2) {
    node_error(e->d, e->g, n, "BinGemm needs X of rank >= 1 and a 2-D W, got %s and %s", shape_str(e->g, x),
               shape_str(e->g, wt));
    return -1;
  }
  int64_t F = x->dims[x->rank - 1], M = wt->dims[0], R = F ? numel(x) / F : 0;
  cw_for_open(w, "m", M);
  emit_alpha(w, F);
  cw_for_open(w, "r", R);
  cw_line(w, "double s = 0, v;");
  cw_for(w, "f", F);
  cw_line(w, "s += (double)x0[r * %lld + f] * (x1[m * %lld + f] < 0.0f ? -1.0 : 1.0);", (long long)F,
            (long long)F);
  cw_line(w, "v = (double)alpha * s;");
  if (node_in(e->g, n, 3)) {
    cw_line(w, "v *= (double)x3[r];");
  }
  if (node_in(e->g, n, 2)) {
    cw_line(w, "v += (double)x2[m];");
  }
  cw_line(w, "y[r * %lld + m] = (float)v;", (long long)M);
  cw_close(w);
  cw_close(w);
  return 0;
}

int emit_node_fn(Emit *e, int ni) {
  Node *n = &e->g->n[ni];
  size_t mark = e->w->b->len;
  fn_begin(e, ni);
  int rc = op_info[n->op].emit->body(e, n); /* plan_select checked the op has hooks */
  if (rc) {
    cw_reset(e->w, mark);
    return -1;
  }
  fn_end(e);
  return 0;
}
