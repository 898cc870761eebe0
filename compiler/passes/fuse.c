/* fuse.c - B-A-C-P fusion: BatchNorm -> BinActiv -> BinConv -> Pool chains
 * into BinThreshold and XnorBlock (docs/fusion.md).
 *
 *   BinConv -> [chain] -> [MaxPool] -> [chain] -> BinActiv [-> MaxPool]
 *       -> XnorBlock output="bit": per-channel integer thresholds on the
 *          accumulator S, max-pool as any/all over the window's bits
 *   BinConv [-> affine chain] [-> Relu] [-> MaxPool]  (no sign follows, or K)
 *       -> XnorBlock output="float": the BinConv formula, ReLU, max-pool; the
 *          affine steps fold into its scale/bias only where no sign reads
 *          the result (a fold rounds differently)
 *   BinGemm (N x F, no A) -> chain -> BinActiv (no A output)
 *       -> XnorDense: the same integer thresholds on the accumulator
 *   chain -> BinActiv (no A output)
 *       -> BinThreshold: per-channel float thresholds on the chain's input
 *
 * A chain is a sequence of per-channel monotone float ops: BatchNormalization
 * (inference), Mul or Add by a per-channel constant, Relu. Each is evaluated
 * here exactly as the interpreter evaluates it (BN through the interpreter's
 * own interp_bn_value; single float operations otherwise), and thresholds
 * come from a binary search on those evaluations, never from algebra: the
 * fused ops give bit-identical binary tensors, ties included.
 */
#include <math.h>
#include <string.h>

#include "../interp/interp.h"
#include "binary.h"
#include "passes.h"

#define MAX_STEPS 32

/* A new 1-D constant [m] of dtype dt holding data, named after base + suffix. */
static int new_const1(Graph *g, const char *base, const char *suffix, const char *loc, DType dt, int64_t m,
                      void *data) {
  return graph_new_const(g, base, suffix, loc, dt, 1, &m, data);
}

/* Whether output j > 0 of node n is absent or unused. */
static int extra_outputs_unused(Graph *g, const Node *n) {
  for (int j = 1; j < n->nout; j++)
    if (n->out[j] >= 0 && graph_nuses(g, n->out[j], NULL, NULL))
      return 0;
  return 1;
}

/* ---- chains of per-channel monotone float ops ---- */

typedef enum StepKind { ST_BN, ST_MUL, ST_ADD, ST_RELU } StepKind;

typedef struct Step {
  StepKind k;
  int node;           /* the node it replaces */
  const float *p[4];  /* BN: scale, B, mean, var; Mul/Add: the constant */
  int64_t cs;         /* channel stride of p[]: 1 per channel, 0 one value for all */
  float eps;          /* BN epsilon */
} Step;

typedef struct Chain {
  Step s[MAX_STEPS];
  int n;
} Chain;

/* One step on channel ch, as the interpreter computes it (interp_elem.c:
 * interp_batchnorm, interp_arith, interp_unary). */
static float step_eval(const Step *s, int64_t ch, float v) {
  int64_t i = ch * s->cs;
  switch (s->k) {
  case ST_BN: return interp_bn_value(v, s->p[2][i], sqrtf(s->p[3][i] + s->eps), s->p[0][i], s->p[1][i]);
  case ST_MUL: return v * s->p[0][i];
  case ST_ADD: return v + s->p[0][i];
  case ST_RELU: return v < 0 ? 0.0f : v;
  }
  xn_unreachable("step_eval");
}

/* Steps [from, to) of c on v; *finite &= every intermediate value is finite. */
static float chain_eval(const Chain *c, int from, int to, int64_t ch, float v, int *finite) {
  for (int i = from; i < to; i++) {
    v = step_eval(&c->s[i], ch, v);
    *finite &= isfinite(v) != 0;
  }
  return v;
}

/* Direction of steps [from, to) on channel ch: +1 non-decreasing, -1
 * non-increasing, 0 constant (a zero multiplier). */
static int chain_dir(const Chain *c, int from, int to, int64_t ch) {
  int dir = 1;
  for (int i = from; i < to; i++) {
    const Step *s = &c->s[i];
    float m = s->k == ST_BN ? s->p[0][ch * s->cs] : s->k == ST_MUL ? s->p[0][ch * s->cs] : 1.0f;
    dir *= m > 0 ? 1 : m < 0 ? -1 : 0;
  }
  return dir;
}

/* Constant tensor t as a per-channel operand for a tensor of shape x (channel
 * axis 1, c channels): every dim of t but the one aligned with axis 1 is 1,
 * and that one is 1 or c. Sets *cs; returns the data or NULL. */
static const float *per_channel_const(Graph *g, int t, const Tensor *x, int64_t *cs) {
  if (!graph_is_const_f32(g, t))
    return NULL;
  const Tensor *ct = &g->t[t];
  if (ct->rank > x->rank)
    return NULL;
  *cs = 0;
  for (int j = 0; j < ct->rank; j++) {
    int i = j + x->rank - ct->rank;
    if (ct->dims[j] == 1)
      continue;
    if (i != 1 || ct->dims[j] != x->dims[1])
      return NULL;
    *cs = 1;
  }
  const float *v = ct->data;
  for (int64_t k = 0, n = tensor_numel(ct); k < n; k++)
    if (!isfinite(v[k]))
      return NULL;
  return v;
}

/* Whether node ni reading tensor t is a chain step; fills *s. */
static int as_step(Graph *g, int ni, int t, Step *s) {
  const Node *n = &g->n[ni];
  const Tensor *x = &g->t[t];
  memset(s, 0, sizeof *s);
  s->node = ni;
  if (x->rank < 2 || n->nout < 1 || n->out[0] < 0 || n->in[0] < 0)
    return 0;
  switch (n->op) {
  case OP_Relu:
    s->k = ST_RELU;
    return n->in[0] == t;
  case OP_BatchNormalization: {
    if (n->in[0] != t || !extra_outputs_unused(g, n))
      return 0;
    s->k = ST_BN;
    s->cs = 1;
    s->eps = attr_float(n, "epsilon", 1e-5f);
    for (int i = 0; i < 4; i++) {
      int c = n->in[1 + i];
      if (!graph_is_const_f32(g, c) || tensor_numel(&g->t[c]) != x->dims[1])
        return 0;
      s->p[i] = g->t[c].data;
    }
    for (int64_t c = 0; c < x->dims[1]; c++) {
      float den = sqrtf(s->p[3][c] + s->eps);
      for (int i = 0; i < 4; i++)
        if (!isfinite(s->p[i][c]))
          return 0;
      if (!(den > 0) || !isfinite(den))
        return 0;
    }
    return isfinite(s->eps) != 0;
  }
  case OP_Mul:
  case OP_Add: {
    if (n->nin != 2 || (n->in[0] == t) == (n->in[1] == t))
      return 0;
    int c = n->in[0] == t ? n->in[1] : n->in[0];
    s->k = n->op == OP_Mul ? ST_MUL : ST_ADD;
    s->p[0] = per_channel_const(g, c, x, &s->cs);
    return s->p[0] != NULL;
  }
  default: return 0;
  }
}

/* The input of node ni a chain step reads: the one non-constant input of
 * Mul/Add, input 0 otherwise; -1 if none. */
static int data_input(Graph *g, int ni) {
  const Node *n = &g->n[ni];
  if (n->nin < 1)
    return -1;
  if ((n->op == OP_Mul || n->op == OP_Add) && n->nin == 2 && n->in[0] >= 0 && g->t[n->in[0]].data)
    return n->in[1];
  return n->in[0];
}

/* Extends c forward from tensor *t through chain steps whose input has no
 * other use; *t becomes the last step's output. */
static void walk_steps(Graph *g, Chain *c, int *t) {
  for (int u; c->n < MAX_STEPS && (u = graph_only_user(g, *t)) >= 0 && as_step(g, u, *t, &c->s[c->n]); c->n++)
    *t = g->n[u].out[0];
}

/* ---- thresholds by binary search ---- */

/* A predicate on an ordered domain of int64 indices: +1 or -1. */
typedef int (*SignFn)(const void *ctx, int64_t i);

/* {i : f(i) = +1} as "i <= lo or i >= hi" (has_lo / has_hi say whether each
 * side is present; neither: never +1). */
typedef struct Cut {
  int has_lo, has_hi;
  int64_t lo, hi;
} Cut;

/* In [a, b] where f is monotone and f(a) != f(b): the last index with f(a). */
static int64_t last_like_first(SignFn f, const void *ctx, int64_t a, int64_t b) {
  int fa = f(ctx, a);
  while (b - a > 1) {
    int64_t m = a + (b - a) / 2;
    if (f(ctx, m) == fa)
      a = m;
    else
      b = m;
  }
  return a;
}

/* f is monotone (either way) on [a, z] and on [z + 1, b]. Finds the runs of
 * equal values and describes the +1 set as a Cut; returns 0 if it is not of
 * that shape (a -1 run on both sides of a +1 run). */
static int find_cut(SignFn f, const void *ctx, int64_t a, int64_t z, int64_t b, Cut *cut) {
  int64_t rs[4], re[4];
  int rv[4], nr = 0;
  int64_t half[2][2] = {{a, z}, {z + 1, b}};
  for (int h = 0; h < 2; h++) {
    int64_t p = half[h][0], q = half[h][1];
    if (p > q)
      continue;
    int fp = f(ctx, p), fq = f(ctx, q);
    int64_t m = fp == fq ? q : last_like_first(f, ctx, p, q);
    int64_t s[2] = {p, m + 1}, e[2] = {m, q};
    int v[2] = {fp, fq};
    for (int k = 0; k < (fp == fq ? 1 : 2); k++) {
      if (nr && rv[nr - 1] == v[k]) {
        re[nr - 1] = e[k];
      } else {
        rs[nr] = s[k], re[nr] = e[k], rv[nr] = v[k];
        nr++;
      }
    }
  }
  memset(cut, 0, sizeof *cut);
  int first = 0, last = nr - 1;
  if (rv[first] > 0) {
    cut->has_lo = 1;
    cut->lo = re[first];
    first++;
  }
  if (last >= first && rv[last] > 0) {
    cut->has_hi = 1;
    cut->hi = rs[last];
    last--;
  }
  for (int k = first; k <= last; k++)
    if (rv[k] > 0)
      return 0;
  return 1;
}

/* Ordered float indices: -inf < ... < -0.0 < +0.0 < ... < +inf are consecutive integers. */
static int64_t f2ord(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u & 0x80000000u ? -(int64_t)(u & 0x7fffffffu) - 1 : (int64_t)u;
}

static float ord2f(int64_t i) {
  uint32_t u = i >= 0 ? (uint32_t)i : 0x80000000u | (uint32_t)(-(i + 1));
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* sign as BinActiv computes it: -1 for x < 0, else +1 (also -0.0, NaN). */
static int sgn(float v) { return v < 0.0f ? -1 : 1; }

/* ---- BinThreshold: chain -> BinActiv ---- */

typedef struct FloatCtx {
  const Chain *c;
  int64_t ch;
} FloatCtx;

static int float_sign(const void *p, int64_t i) {
  const FloatCtx *x = p;
  int fin = 1;
  return sgn(chain_eval(x->c, 0, x->c->n, x->ch, ord2f(i), &fin));
}

/* Lo/Hi of channel ch for BinThreshold (NaN = that side never matches).
 * Returns 0 when the chain is not fusable on this channel. */
static int float_cut(const Chain *c, int64_t ch, float *lo, float *hi) {
  int fin = 1;
  chain_eval(c, 0, c->n, ch, 0.0f, &fin);
  chain_eval(c, 0, c->n, ch, -0.0f, &fin);
  if (!fin) /* the halves [-inf, -0] and [+0, +inf] are monotone only when 0 maps to finite values */
    return 0;
  FloatCtx x = {c, ch};
  Cut cut;
  if (!find_cut(float_sign, &x, f2ord(-INFINITY), f2ord(-0.0f), f2ord(INFINITY), &cut))
    return 0;
  /* the direction the scales imply must be what the search found */
  int dir = chain_dir(c, 0, c->n, ch);
  if ((dir > 0 && cut.has_lo && cut.lo != f2ord(INFINITY)) || (dir < 0 && cut.has_hi))
    return 0;
  *lo = cut.has_lo ? ord2f(cut.lo) : NAN;
  *hi = cut.has_hi ? ord2f(cut.hi) : NAN;
  /* What BinThreshold will compute, checked where the answer changes. */
  int64_t probe[16] = {f2ord(-INFINITY), f2ord(-0.0f), f2ord(0.0f), f2ord(INFINITY), f2ord(-1.0f), f2ord(1.0f)};
  int np = 6;
  if (cut.has_lo)
    probe[np++] = cut.lo, probe[np++] = cut.lo + 1, probe[np++] = cut.lo - 1;
  if (cut.has_hi)
    probe[np++] = cut.hi, probe[np++] = cut.hi - 1, probe[np++] = cut.hi + 1;
  for (int k = 0; k < np; k++) {
    if (probe[k] < f2ord(-INFINITY) || probe[k] > f2ord(INFINITY))
      continue;
    float v = ord2f(probe[k]);
    int got = v <= *lo || v >= *hi ? 1 : -1;
    if (got != float_sign(&x, probe[k]))
      return 0;
  }
  int nan_fin = 1; /* BinThreshold maps NaN to +1: so must the chain */
  return sgn(chain_eval(c, 0, c->n, ch, NAN, &nan_fin)) > 0;
}

/* Joins the op names of the chain's nodes, comma-separated, after prefix. */
static const char *chain_names(Graph *g, const Chain *c, int from, int to, const char *prefix) {
  const char *s = prefix;
  for (int i = from; i < to; i++)
    s = arena_printf(g->arena, "%s%s%s", s, *s ? "," : "", op_info[g->n[c->s[i].node].op].name);
  return s;
}

static void add_fused_attr(Graph *g, int ni, const char *list) {
  Attr *a = node_add_attr(g, ni, "fused", AT_STRING, g->n[ni].loc);
  a->s = list;
  a->slen = strlen(list);
}

/* BinActiv node bi without an A output: walk back through chain steps and
 * replace them with one BinThreshold. Returns 1 if rewritten. */
static int fuse_threshold(Graph *g, int bi) {
  const Node *b = &g->n[bi];
  if (b->nout > 1 && b->out[1] >= 0)
    return 0;
  Step rev[MAX_STEPS];
  int nrev = 0, x = b->in[0];
  for (int p; nrev < MAX_STEPS && (p = graph_producer(g, x)) >= 0 && graph_only_user(g, x) >= 0;) {
    int in = data_input(g, p);
    if (in < 0 || !as_step(g, p, in, &rev[nrev]))
      break;
    nrev++;
    x = in;
  }
  if (nrev == 0 || g->t[x].rank < 2)
    return 0;
  Chain c;
  c.n = nrev;
  for (int i = 0; i < nrev; i++)
    c.s[i] = rev[nrev - 1 - i];
  int64_t C = g->t[x].dims[1];
  float *lo = arena_array(g->arena, (size_t)C + 1, sizeof *lo), *hi = arena_array(g->arena, (size_t)C + 1, sizeof *hi);
  for (int64_t ch = 0; ch < C; ch++)
    if (!float_cut(&c, ch, &lo[ch], &hi[ch]))
      return 0;
  const char *name = b->name, *loc = b->loc;
  int y = b->out[0];
  const char *base = *name ? name : g->t[y].name;
  int tl = new_const1(g, base, ".lo", loc, DT_F32, C, lo), th = new_const1(g, base, ".hi", loc, DT_F32, C, hi);
  int ni = graph_add_node(g, OP_BinThreshold, name, loc, 3, 1);
  Node *n = &g->n[ni];
  n->in[0] = x, n->in[1] = tl, n->in[2] = th, n->out[0] = y;
  add_fused_attr(g, ni, arena_printf(g->arena, "%s,BinActiv", chain_names(g, &c, 0, c.n, "")));
  g->t[y].dtype = DT_BIT;
  node_kill(g, bi);
  for (int i = 0; i < c.n; i++)
    node_kill(g, c.s[i].node);
  return 1;
}

/* ---- XnorBlock: BinConv and what follows ---- */


/* Whether tensor t holds only +-1 (a binary activation, maybe reshaped or pooled). */
static int is_binary(Graph *g, int t) {
  for (int depth = 0; depth < 64 && t >= 0; depth++) {
    if (g->t[t].dtype == DT_BIT)
      return 1;
    int p = graph_producer(g, t);
    if (p < 0)
      return 0;
    const Node *n = &g->n[p];
    if (node_writes_bits(n))
      return n->out[0] == t;
    if (!node_keeps_values(n) || n->out[0] != t)
      return 0;
    t = n->in[0];
  }
  return 0;
}

/* A MaxPool we can absorb: 2-D, one output, floor rounding. */
static int pool_ok(Graph *g, int pi, Window *w) {
  const Node *p = &g->n[pi];
  if (p->op != OP_MaxPool || !extra_outputs_unused(g, p) || g->t[p->in[0]].rank != 4)
    return 0;
  Diag scratch;
  diag_init(&scratch, g->file);
  int rc = window_params(g, p, w, &scratch);
  diag_free(&scratch);
  return rc == 0 && !w->ceil_mode && w->nsp == 2;
}

/* What the accumulator passes through: S -> BinConv output -> chain. */
typedef struct IntCtx {
  const Chain *c;
  int to;          /* steps [0, to) */
  int64_t ch;
  double alpha, b; /* BinConv: v = (float)(alpha * S + b) */
  int has_b;
} IntCtx;

static float conv_value(const IntCtx *x, int64_t s) {
  double v = x->alpha * (double)s; /* as interp/binary.c run_conv */
  if (x->has_b)
    v += x->b;
  return (float)v;
}

static int int_sign(const void *p, int64_t s) {
  const IntCtx *x = p;
  int fin = 1;
  return sgn(chain_eval(x->c, 0, x->to, x->ch, conv_value(x, s), &fin));
}

/* Integer thresholds of channel m for an accumulator S in [-K, K] that goes
 * through v = (float)(alpha * S + b[m]) (BinConv, BinGemm; b may be NULL),
 * then the steps of ch, then the sign: +1 iff S <= *lo or S >= *hi
 * (INT64_MIN / INT64_MAX never match; *lo = INT64_MAX: always +1). Returns 0
 * when the channel cannot be fused. */
static int acc_cut(const Chain *ch, int64_t m, float alpha, const float *b, int64_t K, int64_t *lo, int64_t *hi) {
  IntCtx x = {ch, ch->n, m, alpha, b ? (double)b[m] : 0.0, b != NULL};
  if (!isfinite(x.alpha) || (b && !isfinite(b[m])))
    return 0;
  int fin = 1; /* finite at both ends: every step is monotone in S in between */
  chain_eval(ch, 0, ch->n, m, conv_value(&x, -K), &fin);
  chain_eval(ch, 0, ch->n, m, conv_value(&x, K), &fin);
  if (!fin || !isfinite(conv_value(&x, -K)) || !isfinite(conv_value(&x, K)))
    return 0;
  Cut cut;
  if (!find_cut(int_sign, &x, -K, -1, K, &cut) || (cut.has_lo && cut.has_hi))
    return 0;
  /* the direction the scales imply must be what the search found */
  int dir = chain_dir(ch, 0, ch->n, m) * (x.alpha > 0 ? 1 : 0);
  if ((dir > 0 && cut.has_lo && cut.lo < K) || (dir < 0 && cut.has_hi && cut.hi > -K))
    return 0;
  *lo = !cut.has_lo ? INT64_MIN : cut.lo >= K ? INT64_MAX : cut.lo; /* INT64_MAX: always +1 */
  *hi = cut.has_hi ? cut.hi : INT64_MAX;
  return 1;
}

/* alpha_k = mean |W_k|, as interp/binary.c filter_alphas. */
static float filter_alpha(const float *w, int64_t fs) {
  double sum = 0;
  for (int64_t j = 0; j < fs; j++)
    sum += fabs((double)w[j]);
  return (float)(sum / (double)fs);
}

static void set_ints_attr(Graph *g, int ni, const char *name, int n, const int64_t *v) {
  Attr *a = node_add_attr(g, ni, name, AT_INTS, g->n[ni].loc);
  a->ints = arena_array(g->arena, (size_t)n, sizeof *a->ints);
  memcpy(a->ints, v, (size_t)n * sizeof *v);
  a->n = n;
}

static void set_pool_attrs(Graph *g, int ni, const Window *w) {
  int64_t k[2] = {w->k[0], w->k[1]}, s[2] = {w->s[0], w->s[1]}, d[2] = {w->d[0], w->d[1]};
  int64_t p[4] = {w->pb[0], w->pb[1], w->pe[0], w->pe[1]};
  set_ints_attr(g, ni, "pool_kernel", 2, k);
  set_ints_attr(g, ni, "pool_strides", 2, s);
  set_ints_attr(g, ni, "pool_pads", 4, p);
  set_ints_attr(g, ni, "pool_dilations", 2, d);
}

/* A new XnorBlock replacing BinConv ci, with its attributes, inputs X and W,
 * writing tensor y. */
static int new_block(Graph *g, int ci, int nin, int y, const char *output) {
  const Node *c = &g->n[ci];
  int ni = graph_add_node(g, OP_XnorBlock, c->name, c->loc, nin, 1);
  c = &g->n[ci];
  g->n[ni].in[0] = c->in[0];
  g->n[ni].in[1] = c->in[1];
  g->n[ni].out[0] = y;
  for (int i = 0; i < c->nattr; i++) {
    Attr *a = node_add_attr(g, ni, g->n[ci].attr[i].name, g->n[ci].attr[i].kind, g->n[ci].attr[i].loc);
    *a = g->n[ci].attr[i];
  }
  Attr *o = node_add_attr(g, ni, "output", AT_STRING, g->n[ni].loc);
  o->s = output;
  o->slen = strlen(output);
  return ni;
}

/* BinConv ci on a binary input, no K: BinConv -> chain [-> MaxPool] [-> chain]
 * -> BinActiv [-> MaxPool] into an XnorBlock with a bit output. Returns 1 if
 * rewritten. */
static int fuse_bit_block(Graph *g, int ci) {
  const Node *c = &g->n[ci];
  const Tensor *wt = node_in(g, c, 1);
  int bias = c->nin > 2 ? c->in[2] : -1;
  if (c->nin > 3 && c->in[3] >= 0)
    return 0;
  Chain ch;
  ch.n = 0;
  int t = c->out[0], pre, pool = -1, post_pool = 0, act, u;
  Window pw;
  walk_steps(g, &ch, &t);
  pre = ch.n;
  if ((u = graph_only_user(g, t)) >= 0 && g->n[u].op == OP_MaxPool && pool_ok(g, u, &pw)) {
    pool = u;
    t = g->n[u].out[0];
    walk_steps(g, &ch, &t);
  }
  act = graph_only_user(g, t);
  if (act < 0 || g->n[act].op != OP_BinActiv || g->n[act].in[0] != t || (g->n[act].nout > 1 && g->n[act].out[1] >= 0))
    return 0;
  int y = g->n[act].out[0];
  if (pool < 0 && (u = graph_only_user(g, y)) >= 0 && g->n[u].op == OP_MaxPool && pool_ok(g, u, &pw)) {
    pool = u;
    post_pool = 1;
    y = g->n[u].out[0];
  }
  int64_t M = wt->dims[0], fs = tensor_numel(wt) / M, K = fs; /* |S| <= taps x channels */
  const float *w = wt->data, *b = bias >= 0 ? g->t[bias].data : NULL;
  int64_t *lo = arena_array(g->arena, (size_t)M + 1, sizeof *lo), *hi = arena_array(g->arena, (size_t)M + 1, sizeof *hi);
  int64_t *red = arena_array(g->arena, (size_t)M + 1, sizeof *red);
  for (int64_t m = 0; m < M; m++) {
    if (!acc_cut(&ch, m, filter_alpha(w + m * fs, fs), b, K, &lo[m], &hi[m]))
      return 0;
    /* max-pool before the sign: max commutes with the non-decreasing part;
     * after a non-increasing tail, the max of values is the min of signs */
    red[m] = !post_pool && pool >= 0 && chain_dir(&ch, pre, ch.n, m) < 0;
  }
  const char *base = *c->name ? c->name : g->t[c->out[0]].name, *loc = c->loc;
  int tl = new_const1(g, base, ".lo", loc, DT_I64, M, lo), th = new_const1(g, base, ".hi", loc, DT_I64, M, hi);
  int tr = pool >= 0 ? new_const1(g, base, ".pool_all", loc, DT_I64, M, red) : -1;
  const char *list = chain_names(g, &ch, 0, pre, "BinConv");
  if (pool >= 0 && !post_pool)
    list = arena_printf(g->arena, "%s,MaxPool", list);
  list = chain_names(g, &ch, pre, ch.n, list);
  list = arena_printf(g->arena, "%s,BinActiv%s", list, post_pool ? ",MaxPool" : "");
  int ni = new_block(g, ci, pool >= 0 ? 6 : 4, y, "bit");
  Node *n = &g->n[ni];
  n->in[2] = tl, n->in[3] = th;
  if (pool >= 0) {
    n->in[4] = -1, n->in[5] = tr;
    set_pool_attrs(g, ni, &pw);
  }
  add_fused_attr(g, ni, list);
  g->t[y].dtype = DT_BIT;
  node_kill(g, ci), node_kill(g, act);
  if (pool >= 0)
    node_kill(g, pool);
  for (int i = 0; i < ch.n; i++)
    node_kill(g, ch.s[i].node);
  return 1;
}

/* BinGemm gi (dense XNOR layer: N x F binary input, constant M x F +-alpha
 * weight, optional constant bias, no A) -> chain -> BinActiv into an
 * XnorDense: the same integer thresholds on the accumulator as a bit
 * XnorBlock (acc_cut). Returns 1 if rewritten. */
static int fuse_dense(Graph *g, int gi) {
  const Node *c = &g->n[gi];
  const Tensor *x = node_in(g, c, 0), *wt = node_in(g, c, 1);
  int bias = c->nin > 2 ? c->in[2] : -1;
  if ((c->nin > 3 && c->in[3] >= 0) || !x || x->rank != 2 || !wt || wt->rank != 2 || !graph_is_const_f32(g, c->in[1]) ||
      wt->dims[0] < 1 || wt->dims[1] < 1 || wt->dims[1] != x->dims[1] || (bias >= 0 && !graph_is_const_f32(g, bias)) ||
      (bias >= 0 && tensor_numel(&g->t[bias]) != wt->dims[0]) || !is_binary(g, c->in[0]))
    return 0;
  Chain ch;
  ch.n = 0;
  int t = c->out[0];
  walk_steps(g, &ch, &t);
  int act = graph_only_user(g, t);
  if (act < 0 || g->n[act].op != OP_BinActiv || g->n[act].in[0] != t || (g->n[act].nout > 1 && g->n[act].out[1] >= 0))
    return 0;
  int y = g->n[act].out[0];
  int64_t M = wt->dims[0], F = wt->dims[1]; /* |S| <= F */
  const float *w = wt->data, *b = bias >= 0 ? g->t[bias].data : NULL;
  int64_t *lo = arena_array(g->arena, (size_t)M + 1, sizeof *lo), *hi = arena_array(g->arena, (size_t)M + 1, sizeof *hi);
  for (int64_t m = 0; m < M; m++)
    if (!acc_cut(&ch, m, filter_alpha(w + m * F, F), b, F, &lo[m], &hi[m]))
      return 0;
  const char *base = *c->name ? c->name : g->t[c->out[0]].name, *loc = c->loc;
  int tl = new_const1(g, base, ".lo", loc, DT_I64, M, lo), th = new_const1(g, base, ".hi", loc, DT_I64, M, hi);
  const char *list = chain_names(g, &ch, 0, ch.n, "BinGemm");
  int ni = graph_add_node(g, OP_XnorDense, g->n[gi].name, loc, 4, 1);
  Node *n = &g->n[ni];
  n->in[0] = g->n[gi].in[0], n->in[1] = g->n[gi].in[1], n->in[2] = tl, n->in[3] = th, n->out[0] = y;
  add_fused_attr(g, ni, arena_printf(g->arena, "%s,BinActiv", list));
  g->t[y].dtype = DT_BIT;
  node_kill(g, gi), node_kill(g, act);
  for (int i = 0; i < ch.n; i++)
    node_kill(g, ch.s[i].node);
  return 1;
}

/* Whether a sign reads tensor t, directly or through any chain of ops. */
static int reaches_sign(Graph *g, int t, int depth) {
  if (depth > 256)
    return 1;
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (n->dead)
      continue;
    for (int j = 0; j < n->nin; j++) {
      if (n->in[j] != t)
        continue;
      if (n->op == OP_Sign || !strcmp(op_info[n->op].domain, "xnor"))
        return 1;
      for (int k = 0; k < n->nout; k++)
        if (n->out[k] >= 0 && reaches_sign(g, n->out[k], depth + 1))
          return 1;
    }
  }
  return 0;
}

/* Folds the affine steps [0, n) of c into scale p and bias q of channel m,
 * starting from the BinConv's alpha and bias b (in double, rounded once). */
static int fold_affine(const Chain *c, int64_t m, double alpha, double b, float *p, float *q) {
  double s = alpha, t = b;
  for (int i = 0; i < c->n; i++) {
    const Step *st = &c->s[i];
    int64_t k = m * st->cs;
    switch (st->k) {
    case ST_BN: {
      double r = (double)st->p[0][k] / (double)sqrtf(st->p[3][k] + st->eps);
      s *= r;
      t = (t - (double)st->p[2][k]) * r + (double)st->p[1][k];
      break;
    }
    case ST_MUL: s *= (double)st->p[0][k], t *= (double)st->p[0][k]; break;
    case ST_ADD: t += (double)st->p[0][k]; break;
    case ST_RELU: xn_unreachable("fold_affine: Relu");
    }
  }
  *p = (float)s;
  *q = (float)t;
  return isfinite(*p) && isfinite(*q);
}

/* BinConv ci on a binary input followed by what a float output can absorb
 * (K allowed): affine steps (BatchNorm, Mul/Add by a per-channel constant)
 * when no sign reads the result (folding rounds differently, so a tie could
 * flip), then Relu, then MaxPool. Without affine steps the block computes
 * exactly what the BinConv computed. Returns 1 if rewritten. */
static int fuse_float_block(Graph *g, int ci) {
  const Node *c = &g->n[ci];
  int t = c->out[0], relu = -1, pool = -1, u;
  Window pw;
  Chain ch;
  ch.n = 0;
  if (!reaches_sign(g, t, 0)) {
    int end = t;
    walk_steps(g, &ch, &end);
    int k = 0;
    while (k < ch.n && ch.s[k].k != ST_RELU)
      k++;
    ch.n = k;
    if (k)
      t = g->n[ch.s[k - 1].node].out[0];
  }
  if ((u = graph_only_user(g, t)) >= 0 && g->n[u].op == OP_Relu) {
    relu = u;
    t = g->n[u].out[0];
  }
  if ((u = graph_only_user(g, t)) >= 0 && g->n[u].op == OP_MaxPool && pool_ok(g, u, &pw)) {
    pool = u;
    t = g->n[u].out[0];
  }
  if (relu < 0 && pool < 0 && ch.n == 0)
    return 0;
  const Tensor *wt = node_in(g, c, 1);
  int64_t M = wt->dims[0], fs = tensor_numel(wt) / M;
  int bias = c->nin > 2 ? c->in[2] : -1, a = c->nin > 3 ? c->in[3] : -1;
  const float *b = bias >= 0 ? g->t[bias].data : NULL;
  float *alpha = arena_array(g->arena, (size_t)M + 1, sizeof *alpha);
  float *q = ch.n ? arena_array(g->arena, (size_t)M + 1, sizeof *q) : NULL;
  for (int64_t m = 0; m < M; m++) {
    alpha[m] = filter_alpha((const float *)wt->data + m * fs, fs);
    if (ch.n && !fold_affine(&ch, m, alpha[m], b ? (double)b[m] : 0.0, &alpha[m], &q[m]))
      return 0;
  }
  const char *base = *c->name ? c->name : g->t[c->out[0]].name;
  int ts = new_const1(g, base, ch.n ? ".scale" : ".alpha", c->loc, DT_F32, M, alpha);
  if (ch.n)
    bias = new_const1(g, base, ".bias", c->loc, DT_F32, M, q);
  int ni = new_block(g, ci, a >= 0 ? 5 : 4, t, "float");
  Node *n = &g->n[ni];
  n->in[2] = ts, n->in[3] = bias;
  if (a >= 0)
    n->in[4] = a;
  if (relu >= 0)
    node_add_attr(g, ni, "relu", AT_INT, g->n[ni].loc)->i = 1;
  if (pool >= 0)
    set_pool_attrs(g, ni, &pw);
  const char *list = chain_names(g, &ch, 0, ch.n, "BinConv");
  add_fused_attr(g, ni, arena_printf(g->arena, "%s%s%s", list, relu >= 0 ? ",Relu" : "", pool >= 0 ? ",MaxPool" : ""));
  node_kill(g, ci);
  for (int i = 0; i < ch.n; i++)
    node_kill(g, ch.s[i].node);
  if (relu >= 0)
    node_kill(g, relu);
  if (pool >= 0)
    node_kill(g, pool);
  return 1;
}

/* Whether BinConv ci is an XNOR conv we can fuse: 2-D, binary input, constant
 * +-alpha weight (and bias). */
static int block_candidate(Graph *g, int ci) {
  const Node *c = &g->n[ci];
  const Tensor *x = node_in(g, c, 0), *w = node_in(g, c, 1);
  if (!x || x->rank != 4 || !w || !graph_is_const_f32(g, c->in[1]) || w->dims[0] < 1 || tensor_numel(w) < 1)
    return 0;
  if (c->nin > 2 && c->in[2] >= 0 && !graph_is_const_f32(g, c->in[2]))
    return 0;
  return is_binary(g, c->in[0]);
}

int pass_fuse(Graph *g, Diag *d) {
  int nn = g->nn;
  for (int i = 0; i < nn; i++)
    if (!g->n[i].dead && g->n[i].op == OP_BinConv && block_candidate(g, i) && !fuse_bit_block(g, i))
      fuse_float_block(g, i);
  nn = g->nn;
  for (int i = 0; i < nn; i++)
    if (!g->n[i].dead && g->n[i].op == OP_BinGemm)
      fuse_dense(g, i);
  nn = g->nn;
  for (int i = 0; i < nn; i++)
    if (!g->n[i].dead && g->n[i].op == OP_BinActiv)
      fuse_threshold(g, i);
  set_layer_kinds(g); /* what reads a fused op's bits is an xnor layer now */
  if (topo_sort(g, d))
    return -1;
  return infer_and_fold(g, d) || topo_sort(g, d) ? -1 : 0;
}

const char *fused_ops(const Node *n) {
  const Attr *a = node_attr(n, "fused");
  return a && a->kind == AT_STRING ? a->s : NULL;
}
