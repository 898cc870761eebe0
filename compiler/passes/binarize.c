/* binarize.c - recognize exported XNOR-Net / BWN layers and rewrite them into
 * the xnor domain ops (patterns and reasons in docs/binary.md).
 *
 * Runs after shape inference and constant folding, so a weight computed from
 * an initializer (Sign(W) * ReduceMean(Abs(W))) is already a constant.
 *
 *   Conv/Gemm/MatMul, constant weight +-alpha_k per filter     -> BinConv/BinGemm
 *     Conv -> Mul by K (the window average of A)               -> BinConv with A
 *     Gemm/MatMul -> Mul by a per-row scale A [-> Add bias]   -> BinGemm with A [, B]
 *     MatMul -> Add per-output bias                            -> BinGemm with B
 *   Sign whose uses all reach a binary layer's X              -> BinActiv
 *     ReduceMean(Abs(X), axes=[1], keepdims=1) of the same X  -> BinActiv's A output
 *
 * A binary layer whose X comes from a BinActiv is an XNOR layer; any other is
 * a BWN layer (real X, binary weights). Recognition looks at ops, shapes and
 * constants only, never at names. Nodes are scanned linearly to find producers
 * and consumers: simple, and fast enough for the layer counts of real models.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "passes.h"

/* The live node whose first output is t, looking through passthrough ops;
 * -1 if none. (Only output 0 can be binary: a BinActiv's second output is
 * its real A.) */
static int binary_source(Graph *g, int t) {
  int p = graph_producer(g, t);
  while (p >= 0 && g->n[p].out[0] == t && node_keeps_values(&g->n[p])) {
    t = g->n[p].in[0];
    p = graph_producer(g, t);
  }
  return p >= 0 && g->n[p].out[0] == t ? p : -1;
}

/* Whether every use of t is input X of a live BinConv/BinGemm, directly or
 * through passthrough ops (and at least one is). Otherwise *other is the first
 * other consumer (-1 when t is a graph output). */
static int feeds_only_binary(Graph *g, int t, int *other, int depth) {
  int found = 0;
  if (g->t[t].is_output) {
    *other = -1;
    return 0;
  }
  const UseDef *u = graph_usedef(g);
  for (int k = u->use_first[t], end = u->use_first[t + 1]; k < end; k++) {
    int i = u->use_node[k], j = u->use_slot[k];
    const Node *n = &g->n[i];
    if ((n->op == OP_BinConv || n->op == OP_BinGemm) && j == 0) {
      found = 1;
    } else if (node_keeps_values(n) && j == 0 && depth < 64 && n->out[0] >= 0) {
      if (!feeds_only_binary(g, n->out[0], other, depth + 1))
        return 0;
      found = 1;
    } else {
      *other = i;
      return 0;
    }
  }
  *other = -2;
  return found;
}


/* A new float constant of the given shape (data owned by the caller's arena). */
static int new_const(Graph *g, const char *base, const char *suffix, const char *loc, int rank,
                     const int64_t *dims, float *data) {
  return graph_new_const(g, base, suffix, loc, DT_F32, rank, dims, data);
}

/* Window of node n, or -1 (messages go to a scratch Diag: a mismatch only
 * means "no match" here). */
static int window_of(Graph *g, const Node *n, Window *w) {
  Diag scratch;
  diag_init(&scratch, g->file);
  int rc = window_params(g, n, w, &scratch);
  diag_free(&scratch);
  return rc;
}

/* The int64 values of constant tensor t (count in *n), or NULL. */
static const int64_t *const_ints(Graph *g, int t, int64_t *n) {
  if (t < 0 || !g->t[t].data || !dtype_is_int(g->t[t].dtype))
    return NULL;
  *n = tensor_numel(&g->t[t]);
  return g->t[t].data;
}

/* ---- binarized weights ---- */

/* The layer a Conv/Gemm/MatMul would become: weight element j of filter k is
 * w[k*sm + j*sf]. */
typedef struct Layer {
  int node;       /* the Conv, Gemm or MatMul */
  float *alpha;   /* alpha per filter when some weights are only near +-alpha, else NULL */
  int64_t snapped; /* how many weights are off +-alpha by at most the tolerance */
  float snap_ulps; /* the largest deviation, in ulps of its filter's alpha */
  int x, w, b;    /* activation, constant weight, bias (-1: none) */
  int64_t m, fs;  /* filters, weights per filter */
  int64_t sm, sf; /* strides of the filter index and of the element index */
  int bias_fix;   /* b is a constant of shape [1,M], [1] or scalar: copy it to [M] */
  int64_t zeros;  /* weights exactly 0 (accepted only with Graph.zero_plus1) */
} Layer;

/* Weights near +-alpha. PyTorch's binary networks write the weight as
 * (alpha * sign(W)).detach() - clamp(W, -1, 1).detach() + clamp(W, -1, 1), the
 * straight-through estimator: folded, that is alpha * sign(W) up to two
 * roundings of values of magnitude up to 1, a few ulps of 1 at most (and
 * exactly alpha * sign(W) for most weights). A filter whose weights are all
 * within BIN_NEAR_ULPS ulps of max(alpha, 1) of +-alpha (and within alpha/1024)
 * is binary with that alpha, the value most of them have exactly; the layer
 * computes with exact +-alpha, and --report says how many were snapped and by
 * how much. --exact-weights (Graph.exact_weights) refuses them. */
#define BIN_NEAR_ULPS 4

static float ulp_of(float a) { return ldexpf(1.0f, ilogbf(a) - 23); }

static float near_tol(float a) {
  float t = BIN_NEAR_ULPS * ulp_of(a > 1.0f ? a : 1.0f);
  return t < a / 1024.0f ? t : a / 1024.0f;
}

static int cmp_float(const void *x, const void *y) {
  float a = *(const float *)x, b = *(const float *)y;
  return a < b ? -1 : a > b;
}

/* The magnitude most nonzero weights of filter k have (the median one when
 * no value repeats). */
static float filter_alpha(Graph *g, const Layer *L, int64_t k) {
  const float *w = g->t[L->w].data;
  float *v = arena_array(g->arena, (size_t)L->fs + 1, sizeof *v);
  int64_t n = 0;
  for (int64_t j = 0; j < L->fs; j++)
    if (w[k * L->sm + j * L->sf] != 0.0f)
      v[n++] = fabsf(w[k * L->sm + j * L->sf]);
  if (n == 0)
    return 0.0f;
  qsort(v, (size_t)n, sizeof *v, cmp_float);
  float best = v[n / 2];
  int64_t run = 1, best_run = 1;
  for (int64_t j = 1; j < n; j++) {
    run = v[j] == v[j - 1] ? run + 1 : 1;
    if (run > best_run)
      best_run = run, best = v[j];
  }
  return best;
}

/* Whether filter k of L holds only +a_k or -a_k (a_k > 0, finite), exactly or
 * within the tolerance above (then L->alpha, snapped and snap_ulps say so);
 * else says which element broke it in why. */
/* Whether filter k of L holds only +a_k or -a_k (a_k > 0, finite), where a_k
 * is the filter's first nonzero |w|, or holds values within the tolerance
 * above of +-a_k, a_k the magnitude most of them have (L->alpha, snapped and
 * snap_ulps then say so); else says which element broke it in why. Weights
 * exactly 0 (or -0.0) are counted in L->zeros: with Graph.zero_plus1 they are
 * accepted (the caller makes them +a_k), else the layer stays float. */
static int weight_is_binary(Graph *g, Layer *L, char *why, size_t nwhy) {
  const float *w = g->t[L->w].data;
  const char *wn = g->t[L->w].name;
  int64_t zk = -1, zj = -1;
  L->zeros = 0;
  for (int64_t k = 0; k < L->m; k++) {
    float a = 0.0f, lo = 0.0f, hi = 0.0f;
    int64_t j0 = -1, jbad = -1;
    for (int64_t j = 0; j < L->fs; j++) {
      float v = w[k * L->sm + j * L->sf], m = fabsf(v);
      if (v == 0.0f) {
        if (!L->zeros++)
          zk = k, zj = j;
        continue;
      }
      if (j0 < 0) {
        a = lo = hi = m, j0 = j;
        if (!(a > 0.0f) || isinf(a)) {
          snprintf(why, nwhy, "weight '%s' filter %lld element %lld is %g, not +-alpha with alpha > 0", wn,
                   (long long)k, (long long)j, (double)v);
          return 0;
        }
        continue;
      }
      if (m != a && jbad < 0)
        jbad = j;
      lo = m < lo ? m : lo;
      hi = m > hi ? m : hi;
    }
    if (j0 < 0) {
      snprintf(why, nwhy, "weight '%s' filter %lld is all 0, not +-alpha with alpha > 0", wn, (long long)k);
      return 0;
    }
    if (jbad < 0)
      continue;
    /* not exactly +-alpha: near it? (cheaply first: every magnitude within
     * twice the tolerance of each other; a float layer fails here) */
    float an = !isinf(hi) && hi - lo <= 2 * near_tol(hi) ? filter_alpha(g, L, k) : 0.0f, worst = 0.0f;
    float tol = near_tol(an);
    int64_t off = 0, bad = !(an > 0.0f) || isinf(an);
    for (int64_t j = 0; j < L->fs && !bad; j++) {
      float v = w[k * L->sm + j * L->sf], dv = fabsf(fabsf(v) - an);
      if (v == 0.0f)
        continue;
      bad = !(dv <= tol);
      if (dv > 0 && !bad) {
        off++;
        if (dv / ulp_of(an) > worst)
          worst = dv / ulp_of(an);
      }
    }
    if (bad) {
      snprintf(why, nwhy, "weight '%s' filter %lld element %lld is %.9g but element %lld is %.9g: not +-alpha", wn,
               (long long)k, (long long)jbad, (double)w[k * L->sm + jbad * L->sf], (long long)j0,
               (double)w[k * L->sm + j0 * L->sf]);
      return 0;
    }
    if (g->exact_weights) {
      snprintf(why, nwhy, "weight '%s' filter %lld has %lld values up to %.0f ulps off +-%.9g (a straight-through "
               "export): --exact-weights keeps such layers float", wn, (long long)k, (long long)off,
               (double)worst, (double)an);
      return 0;
    }
    if (!L->alpha) {
      L->alpha = arena_array(g->arena, (size_t)L->m, sizeof *L->alpha);
      for (int64_t i = 0; i < L->m; i++)
        L->alpha[i] = -1.0f; /* exact: left as it is */
    }
    L->alpha[k] = an;
    L->snapped += off;
    if (worst > L->snap_ulps)
      L->snap_ulps = worst;
  }
  if (L->zeros && !g->zero_plus1) {
    snprintf(why, nwhy, "weight '%s' is +-alpha but %lld of its %lld elements are exactly 0 (the first: filter %lld "
             "element %lld); the layer stays float, as the model computes it (--zero-weights=plus1 binarizes "
             "them as +alpha)", wn, (long long)L->zeros, (long long)(L->m * L->fs), (long long)zk, (long long)zj);
    return 0;
  }
  return 1;
}

/* With zeros accepted: a copy of L's weight with each 0 made +a_k, the
 * filter's magnitude (so that alpha = mean |W| is a_k), which L uses from
 * now on. */
static void zeros_to_plus(Graph *g, Layer *L) {
  const Tensor *t = &g->t[L->w];
  int64_t n = tensor_numel(t);
  float *data = arena_array(g->arena, (size_t)n, sizeof(float));
  memcpy(data, t->data, (size_t)n * sizeof(float));
  for (int64_t k = 0; k < L->m; k++) {
    float a = 0.0f;
    for (int64_t j = 0; j < L->fs && a == 0.0f; j++)
      a = fabsf(data[k * L->sm + j * L->sf]);
    for (int64_t j = 0; j < L->fs; j++)
      if (data[k * L->sm + j * L->sf] == 0.0f)
        data[k * L->sm + j * L->sf] = a;
  }
  L->w = graph_new_const(g, t->name, "_zeros_plus1", t->loc, DT_F32, t->rank, t->dims, data);
}

/* A copy of L's weight with every near value made exactly +-alpha (zeros
 * stay 0), which L uses from now on. */
static void snap_weights(Graph *g, Layer *L) {
  const Tensor *t = &g->t[L->w];
  const float *w = t->data;
  int64_t cnt = tensor_numel(t);
  float *v = arena_array(g->arena, (size_t)cnt + 1, sizeof *v);
  memcpy(v, w, (size_t)cnt * sizeof *v);
  for (int64_t k = 0; k < L->m; k++) {
    if (L->alpha[k] < 0)
      continue;
    for (int64_t j = 0; j < L->fs; j++) {
      int64_t i = k * L->sm + j * L->sf;
      if (w[i] != 0.0f)
        v[i] = copysignf(L->alpha[k], w[i]);
    }
  }
  L->w = graph_new_const(g, t->name, "_binary", t->loc, DT_F32, t->rank, t->dims, v);
}

/* The first node of the chain computing tensor t from constants only whose
 * output the constant folder left to run time for its size (-1: t depends
 * on a graph input, or no such node). Walks at most 64 nodes up. */
static int fold_blocker(Graph *g, int t, int *budget) {
  int p = graph_producer(g, t);
  if (p < 0 || --*budget < 0)
    return -1;
  const Node *n = &g->n[p];
  int all_const = 1;
  for (int j = 0; j < n->nin; j++) {
    const Tensor *in = node_in(g, n, j);
    if (!in || tensor_is_const(in))
      continue;
    if (in->is_input)
      return -1;
    all_const = 0;
    int b = fold_blocker(g, n->in[j], budget);
    if (b >= 0)
      return b;
  }
  return all_const && fold_too_large(g, n) ? p : -1;
}

/* Why weight w is no constant, in why: a run-time tensor, or one the folder
 * left to run time for its size (naming that node and the limit). */
static void not_constant(Graph *g, int w, char *why, size_t nwhy) {
  int budget = 64, b = fold_blocker(g, w, &budget);
  if (b < 0) {
    snprintf(why, nwhy, "weight '%s' is not a constant", g->t[w].name);
    return;
  }
  int64_t bytes = fold_too_large(g, &g->n[b]);
  snprintf(why, nwhy, "weight '%s' is not a constant: it is computed from constants, but %s makes %lld bytes, "
           "more than the constant folder's limit of %lld MiB (--fold-max-mib), so it is left to run time",
           g->t[w].name, node_desc(g, &g->n[b]), (long long)bytes, (long long)(g->fold_max_bytes >> 20));
}

/* Fills L for node ni if its shape fits a binary layer and its weight is a
 * +-alpha constant; returns 1, or 0 with the reason in why. */
static int analyze_layer(Graph *g, int ni, Layer *L, char *why, size_t nwhy) {
  const Node *n = &g->n[ni];
  memset(L, 0, sizeof *L);
  L->node = ni;
  L->x = n->in[0];
  L->w = n->nin > 1 ? n->in[1] : -1;
  L->b = -1;
  if (L->x < 0 || L->w < 0)
    return snprintf(why, nwhy, "an input is missing"), 0;
  const Tensor *x = &g->t[L->x], *w = &g->t[L->w];
  if (!graph_is_const_f32(g, L->w))
    return not_constant(g, L->w, why, nwhy), 0;
  switch (n->op) {
  case OP_Conv:
    if (x->rank != 3 && x->rank != 4)
      return snprintf(why, nwhy, "input has rank %d; binary convs are 1-D or 2-D", x->rank), 0;
    L->m = w->dims[0];
    L->fs = L->m ? tensor_numel(w) / L->m : 0;
    L->sm = L->fs, L->sf = 1;
    L->b = n->nin > 2 ? n->in[2] : -1;
    break;
  case OP_Gemm: {
    if (attr_int(n, "transA", 0))
      return snprintf(why, nwhy, "Gemm has transA=1"), 0;
    if (attr_float(n, "alpha", 1.0f) != 1.0f)
      return snprintf(why, nwhy, "Gemm has alpha=%g", (double)attr_float(n, "alpha", 1.0f)), 0;
    int tb = attr_int(n, "transB", 0) != 0;
    L->m = w->dims[tb ? 0 : 1];
    L->fs = w->dims[tb ? 1 : 0];
    L->sm = tb ? L->fs : 1, L->sf = tb ? 1 : L->m;
    L->b = n->nin > 2 ? n->in[2] : -1;
    if (L->b >= 0) {
      const Tensor *c = &g->t[L->b];
      if (attr_float(n, "beta", 1.0f) != 1.0f)
        return snprintf(why, nwhy, "Gemm has beta=%g", (double)attr_float(n, "beta", 1.0f)), 0;
      int per_m = (c->rank == 1 && c->dims[0] == L->m);
      int fixable = c->data && (tensor_numel(c) == 1 || (c->rank == 2 && c->dims[0] == 1 && c->dims[1] == L->m));
      if (!per_m && !fixable)
        return snprintf(why, nwhy, "bias '%s' of shape %s is not one value per output", c->name, shape_str(g, c)), 0;
      L->bias_fix = !per_m;
    }
    break;
  }
  case OP_MatMul:
    if (x->rank < 2)
      return snprintf(why, nwhy, "input '%s' has rank %d; a binary dense layer needs rank 2 or more", x->name,
                      x->rank), 0;
    if (w->rank != 2)
      return snprintf(why, nwhy, "weight '%s' has shape %s; a binary dense layer needs a 2-D weight", w->name,
                      shape_str(g, w)), 0;
    L->m = w->dims[1];
    L->fs = w->dims[0];
    L->sm = 1, L->sf = L->m;
    break;
  default:
    return snprintf(why, nwhy, "not a conv or dense layer"), 0;
  }
  if (L->m < 1 || L->fs < 1)
    return snprintf(why, nwhy, "weight '%s' is empty", w->name), 0;
  return weight_is_binary(g, L, why, nwhy);
}

/* ---- the K branch: Mul by the window average of A ---- */

static int same_window(const Window *a, const Window *b) {
  for (int i = 0; i < 2; i++)
    if (a->k[i] != b->k[i] || a->s[i] != b->s[i] || a->d[i] != b->d[i] || a->pb[i] != b->pb[i] ||
        a->pe[i] != b->pe[i])
      return 0;
  return 1;
}

/* Whether A (tensor a) is N x 1 x spatial dims of X. */
static int a_fits_conv(Graph *g, int a, int x) {
  const Tensor *at = &g->t[a], *xt = &g->t[x];
  if (at->rank != xt->rank || at->dims[0] != xt->dims[0] || at->dims[1] != 1 || at->dtype != DT_F32)
    return 0;
  for (int i = 2; i < xt->rank; i++)
    if (at->dims[i] != xt->dims[i])
      return 0;
  return 1;
}

/* Explicit zero Pad node p padding exactly the spatial borders of cw. */
static int zero_pad_matches(Graph *g, const Node *p, const Window *cw, int rank) {
  if (strcmp(attr_string(p, "mode", "constant"), "constant"))
    return 0;
  const int64_t *pads = NULL;
  int64_t np = 0;
  if (p->nin > 1 && p->in[1] >= 0) {
    pads = const_ints(g, p->in[1], &np);
    if (p->nin > 2 && p->in[2] >= 0) {
      const Tensor *v = &g->t[p->in[2]];
      if (!graph_is_const_f32(g, p->in[2]) || tensor_numel(v) != 1 || ((float *)v->data)[0] != 0.0f)
        return 0;
    }
    if (p->nin > 3 && p->in[3] >= 0)
      return 0; /* opset 18 axes: not produced by the exporter for this pattern */
  } else {
    int c = attr_ints(p, "pads", &pads);
    np = c;
    if (attr_float(p, "value", 0.0f) != 0.0f)
      return 0;
  }
  if (!pads || np != 2 * rank || pads[0] || pads[1] || pads[rank] || pads[rank + 1])
    return 0;
  int nsp = rank - 2, off = 2 - nsp;
  for (int i = 0; i < nsp; i++)
    if (pads[2 + i] != cw->pb[off + i] || pads[rank + 2 + i] != cw->pe[off + i])
      return 0;
  return 1;
}

/* If tensor k is K of Eq. 11 for conv node ci (an average over the conv's
 * windows of zero-padded A, counting padding), returns A and lists the nodes
 * computing K in dead[] (*ndead); else -1. Accepted: AveragePool with the
 * conv's pads and count_include_pad=1; Pad(0) then AveragePool without pads;
 * a Conv with a constant 1/(kh*kw) box filter and the conv's window. */
static int match_k(Graph *g, int ci, int k, int *dead, int *ndead) {
  Window cw, pw;
  const Node *c = &g->n[ci];
  int x = c->in[0], y = c->out[0];
  const Tensor *kt = &g->t[k], *yt = &g->t[y];
  if (kt->rank != yt->rank || kt->dims[0] != yt->dims[0] || kt->dims[1] != 1)
    return -1;
  for (int i = 2; i < yt->rank; i++)
    if (kt->dims[i] != yt->dims[i])
      return -1;
  int pi = graph_producer(g, k);
  if (pi < 0 || window_of(g, c, &cw))
    return -1;
  const Node *p = &g->n[pi];
  *ndead = 0;
  if (p->op == OP_AveragePool && p->nout == 1) {
    if (window_of(g, p, &pw) || pw.ceil_mode || cw.d[0] != 1 || cw.d[1] != 1 || pw.d[0] != 1 || pw.d[1] != 1)
      return -1;
    if (pw.k[0] != cw.k[0] || pw.k[1] != cw.k[1] || pw.s[0] != cw.s[0] || pw.s[1] != cw.s[1])
      return -1;
    int a = p->in[0];
    int nopad = !pw.pb[0] && !pw.pb[1] && !pw.pe[0] && !pw.pe[1];
    dead[(*ndead)++] = pi;
    if (same_window(&pw, &cw) && (pw.count_include_pad || nopad))
      return a_fits_conv(g, a, x) ? a : -1;
    if (!nopad)
      return -1;
    int qi = graph_producer(g, a);
    if (qi < 0 || g->n[qi].op != OP_Pad || !zero_pad_matches(g, &g->n[qi], &cw, g->t[x].rank))
      return -1;
    dead[(*ndead)++] = qi;
    a = g->n[qi].in[0];
    return a_fits_conv(g, a, x) ? a : -1;
  }
  if (p->op == OP_Conv && p->nin >= 2) {
    int bw = p->in[1];
    const Tensor *bt = &g->t[bw];
    if (!graph_is_const_f32(g, bw) || bt->dims[0] != 1 || bt->dims[1] != 1 || attr_int(p, "group", 1) != 1)
      return -1;
    if (p->nin > 2 && p->in[2] >= 0) {
      if (!graph_is_const_f32(g, p->in[2]) || ((float *)g->t[p->in[2]].data)[0] != 0.0f)
        return -1;
    }
    if (window_of(g, p, &pw) || !same_window(&pw, &cw))
      return -1;
    int64_t cnt = tensor_numel(bt);
    const float *v = bt->data;
    for (int64_t i = 0; i < cnt; i++)
      if (v[i] != v[0] || fabs((double)v[i] * (double)cnt - 1.0) > 1e-6)
        return -1;
    dead[(*ndead)++] = pi;
    return a_fits_conv(g, p->in[0], x) ? p->in[0] : -1;
  }
  return -1;
}

/* ---- rewriting ---- */

/* Nodes that may have become unused; swept at the end. */
typedef struct Sweep {
  int *v;
  int n, cap;
} Sweep;

static void sweep_add(Graph *g, Sweep *s, int node) {
  if (s->n == s->cap) {
    int cap = s->cap ? 2 * s->cap : 32;
    s->v = arena_grow(g->arena, s->v, (size_t)s->n, (size_t)cap, sizeof *s->v);
    s->cap = cap;
  }
  s->v[s->n++] = node;
}

/* Marks dead every listed node whose outputs nobody uses any more, then their
 * now unused producers, until nothing changes. */
static void sweep_run(Graph *g, Sweep *s) {
  for (int changed = 1; changed;) {
    changed = 0;
    for (int i = 0; i < s->n; i++) {
      Node *n = &g->n[s->v[i]];
      if (n->dead)
        continue;
      int used = 0;
      for (int j = 0; j < n->nout && !used; j++)
        used = n->out[j] >= 0 && graph_nuses(g, n->out[j], NULL, NULL) > 0;
      if (used)
        continue;
      node_kill(g, s->v[i]);
      changed = 1;
      for (int j = 0; j < n->nin; j++) {
        int p = graph_producer(g, n->in[j]);
        if (p >= 0)
          sweep_add(g, s, p);
      }
    }
  }
}

/* Copies the per-output bias of a Gemm into a new [M] constant. */
static int fix_bias(Graph *g, const Layer *L, const char *loc) {
  const Tensor *c = &g->t[L->b];
  float *data = arena_array(g->arena, (size_t)L->m, sizeof(float));
  const float *src = c->data;
  int one = tensor_numel(c) == 1;
  for (int64_t i = 0; i < L->m; i++)
    data[i] = src[one ? 0 : i];
  return new_const(g, c->name, "_per_output", loc, 1, &L->m, data);
}

/* The weight of a BinGemm: M x F, copied when the layer stores it F x M. */
static int gemm_weight(Graph *g, const Layer *L, const char *loc) {
  if (L->sm == L->fs && L->sf == 1)
    return L->w;
  const float *src = g->t[L->w].data;
  float *data = arena_array(g->arena, (size_t)(L->m * L->fs), sizeof(float));
  for (int64_t k = 0; k < L->m; k++)
    for (int64_t j = 0; j < L->fs; j++)
      data[k * L->fs + j] = src[k * L->sm + j * L->sf];
  int64_t dims[2] = {L->m, L->fs};
  return new_const(g, g->t[L->w].name, "_MxF", loc, 2, dims, data);
}

/* A per-output bias that tensor t adds to y (shape [M] or [1,..,1,M],
 * constant); returns a [M] tensor or -1. */
static int add_bias_of(Graph *g, int t, int y, int64_t m, const char *loc) {
  const Tensor *b = &g->t[t], *yt = &g->t[y];
  if (!graph_is_const_f32(g, t) || b->rank < 1 || b->rank > yt->rank || b->dims[b->rank - 1] != m)
    return -1;
  for (int i = 0; i < b->rank - 1; i++)
    if (b->dims[i] != 1)
      return -1;
  if (b->rank == 1)
    return t;
  return new_const(g, b->name, "_per_output", loc, 1, &m, b->data);
}

/* Whether tensor a is one value per row of y (y's shape with the last dim 1). */
static int a_fits_rows(Graph *g, int a, int y) {
  const Tensor *at = &g->t[a], *yt = &g->t[y];
  if (at->rank != yt->rank || at->dims[at->rank - 1] != 1 || at->dtype != DT_F32)
    return 0;
  for (int i = 0; i < yt->rank - 1; i++)
    if (at->dims[i] != yt->dims[i])
      return 0;
  return 1;
}

/* The other input of binary node ni (Mul/Add) besides tensor t, or -1. */
static int other_input(Graph *g, int ni, int t) {
  const Node *n = &g->n[ni];
  if (n->nin != 2)
    return -1;
  return n->in[0] == t ? n->in[1] : n->in[0];
}

/* Checks a new node against its inferred shapes: the rewrite must not change
 * any tensor's shape. */
static int recheck(Graph *g, int ni, Diag *d) {
  Tensor saved[2];
  Node *n = &g->n[ni];
  for (int j = 0; j < n->nout && j < 2; j++)
    if (n->out[j] >= 0)
      saved[j] = g->t[n->out[j]];
  if (shape_node(g, n, d))
    return -1;
  for (int j = 0; j < n->nout && j < 2; j++) {
    const Tensor *t = n->out[j] >= 0 ? &g->t[n->out[j]] : NULL;
    if (t && (t->rank != saved[j].rank || memcmp(t->dims, saved[j].dims, sizeof(int64_t) * (size_t)t->rank)))
      xn_unreachable("pass_binarize changed a tensor's shape");
  }
  return 0;
}

/* Rewrites layer L (weight binarized) into BinConv/BinGemm, absorbing a
 * following K/A scale and bias when the pattern allows. */
static int rewrite_layer(Graph *g, const Layer *L, Sweep *sw, Diag *d) {
  const Node *n = &g->n[L->node];
  const char *name = n->name, *loc = n->loc;
  int is_conv = n->op == OP_Conv;
  int y = n->out[0], w = L->w, b = L->b, a = -1;
  int kdead[4], nk = 0, absorbed[2], nabs = 0;
  if (!is_conv) {
    w = gemm_weight(g, L, loc);
    if (b >= 0 && L->bias_fix)
      b = fix_bias(g, L, loc);
  }
  int u = graph_only_user(g, y);
  if (is_conv && b < 0 && u >= 0 && g->n[u].op == OP_Mul) {
    int k = other_input(g, u, y);
    a = k >= 0 && k != y ? match_k(g, L->node, k, kdead, &nk) : -1;
    if (a < 0)
      nk = 0;
    if (a >= 0) {
      absorbed[nabs++] = u;
      y = g->n[u].out[0];
    }
  }
  if (!is_conv && b < 0 && u >= 0 && g->n[u].op == OP_Mul) {
    int s = other_input(g, u, y);
    if (s >= 0 && s != y && a_fits_rows(g, s, y)) {
      a = s;
      absorbed[nabs++] = u;
      y = g->n[u].out[0];
      u = graph_only_user(g, y);
    }
  }
  if (!is_conv && b < 0 && u >= 0 && g->n[u].op == OP_Add) {
    int t = other_input(g, u, y);
    int nb = t >= 0 && t != y ? add_bias_of(g, t, y, L->m, loc) : -1;
    if (nb >= 0) {
      b = nb;
      absorbed[nabs++] = u;
      y = g->n[u].out[0];
    }
  }
  int nin = a >= 0 ? 4 : b >= 0 ? 3 : 2;
  int old = L->node;
  int ni = graph_add_node(g, is_conv ? OP_BinConv : OP_BinGemm, name, loc, nin, 1);
  Node *nn = &g->n[ni];
  nn->in[0] = L->x;
  nn->in[1] = w;
  if (nin > 2)
    nn->in[2] = b;
  if (nin > 3)
    nn->in[3] = a;
  nn->out[0] = y;
  if (is_conv) {
    const Node *o = &g->n[old];
    for (int i = 0; i < o->nattr; i++) {
      Attr *at = node_add_attr(g, ni, o->attr[i].name, o->attr[i].kind, o->attr[i].loc);
      *at = g->n[old].attr[i];
    }
    node_add_attr(g, ni, "pad_value", AT_INT, loc)->i = 0;
  }
  node_kill(g, old);
  for (int i = 0; i < nabs; i++)
    node_kill(g, absorbed[i]);
  for (int i = 0; i < nk; i++)
    sweep_add(g, sw, kdead[i]);
  return recheck(g, ni, d);
}

/* Whether live node r is ReduceMean(Abs(x), axes=[1], keepdims=1): the A of
 * BinActiv. */
static int is_channel_mean_abs(Graph *g, int r, int x) {
  const Node *n = &g->n[r];
  const Tensor *xt = &g->t[x];
  if (n->op != OP_ReduceMean || attr_int(n, "keepdims", 1) != 1 || n->out[0] < 0)
    return 0;
  const int64_t *ax = NULL;
  int64_t na = 0;
  if (n->nin > 1 && n->in[1] >= 0)
    ax = const_ints(g, n->in[1], &na);
  else
    na = attr_ints(n, "axes", &ax);
  if (!ax || na != 1 || (ax[0] != 1 && ax[0] != 1 - xt->rank))
    return 0;
  int p = graph_producer(g, n->in[0]);
  return p >= 0 && g->n[p].op == OP_Abs && g->n[p].in[0] == x;
}

/* Rewrites Sign node si into BinActiv when all its uses reach binary layers;
 * fuses a ReduceMean(Abs(X), axes=[1]) of the same X as output A. */
static int rewrite_sign(Graph *g, int si, Sweep *sw, Diag *d) {
  const Node *s = &g->n[si];
  int x = s->in[0], y = s->out[0], other;
  if (x < 0 || y < 0 || g->t[x].data || g->t[x].rank < 1 || !feeds_only_binary(g, y, &other, 0))
    return 0;
  int r = -1;
  if (g->t[x].rank >= 2)
    for (int i = 0; i < g->nn && r < 0; i++)
      if (!g->n[i].dead && is_channel_mean_abs(g, i, x))
        r = i;
  const char *name = s->name, *loc = s->loc;
  int ni = graph_add_node(g, OP_BinActiv, name, loc, 1, r >= 0 ? 2 : 1);
  g->n[ni].in[0] = x;
  g->n[ni].out[0] = y;
  node_kill(g, si);
  if (r >= 0) {
    g->n[ni].out[1] = g->n[r].out[0];
    node_kill(g, r);
    int p = graph_producer(g, g->n[r].in[0]);
    if (p >= 0)
      sweep_add(g, sw, p);
  }
  return recheck(g, ni, d);
}

/* The kind of binarized layer n: xnor when X is +-1 (the Y of a BinActiv, or
 * the bit output of a fused op, maybe through ops that keep values), bwn
 * otherwise; fused blocks are made of binary inputs only (fuse.c). */
static LayerKind layer_kind(Graph *g, const Node *n) {
  if (op_is_fused_layer(n->op))
    return LK_XNOR;
  int src = binary_source(g, n->in[0]);
  return src >= 0 && node_writes_bits(&g->n[src]) ? LK_XNOR : LK_BWN;
}

int pass_binarize(Graph *g, Diag *d) {
  Sweep sw = {NULL, 0, 0};
  int nn = g->nn;
  char why[512];
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    if (n->dead || (n->op != OP_Conv && n->op != OP_Gemm && n->op != OP_MatMul))
      continue;
    Layer L;
    if (!analyze_layer(g, i, &L, why, sizeof why))
      continue;
    /* A real-valued input with a one-weight filter gains nothing from binary
     * weights; leave such layers alone unless their input is binary. */
    int src = binary_source(g, L.x);
    int binary_in = src >= 0 && (g->n[src].op == OP_Sign || g->n[src].op == OP_BinActiv);
    if (L.fs < 2 && !binary_in)
      continue;
    int w0 = L.w, w1;
    if (L.alpha)
      snap_weights(g, &L);
    w1 = L.w;
    if (L.zeros)
      zeros_to_plus(g, &L);
    int before = g->nn;
    if (rewrite_layer(g, &L, &sw, d))
      return -1;
    /* The weights the copies replaced: a big one goes back now (issue 10). */
    if (w0 != L.w)
      release_unread(g, w0);
    if (w1 != w0 && w1 != L.w)
      release_unread(g, w1);
    if (L.zeros) /* the new BinConv/BinGemm, for --report */
      node_add_attr(g, before, "zeros_plus1", AT_INT, g->n[before].loc)->i = L.zeros;
    if (L.alpha) {
      node_add_attr(g, before, "near_binary", AT_INT, g->n[before].loc)->i = L.snapped;
      node_add_attr(g, before, "near_ulps", AT_FLOAT, g->n[before].loc)->f = L.snap_ulps;
    }
    sweep_run(g, &sw); /* before the loop reaches a node that computed K */
  }
  nn = g->nn;
  for (int i = 0; i < nn; i++)
    if (!g->n[i].dead && g->n[i].op == OP_Sign && rewrite_sign(g, i, &sw, d))
      return -1;
  sweep_run(g, &sw);
  set_layer_kinds(g);
  return topo_sort(g, d);
}

void set_layer_kinds(Graph *g) {
  for (int i = 0; i < g->nn; i++)
    if (!g->n[i].dead && op_has(g->n[i].op, OPF_BINARY))
      g->n[i].kind = layer_kind(g, &g->n[i]);
}


const char *binarize_reason(Graph *g, const Node *n) {
  char why[512];
  int src = n->nin > 0 ? binary_source(g, n->in[0]) : -1;
  int from_sign = src >= 0 && g->n[src].op == OP_Sign;
  if ((n->op == OP_BinConv || n->op == OP_BinGemm) && from_sign) {
    int other;
    feeds_only_binary(g, g->n[src].out[0], &other, 0);
    const char *what = other >= 0 ? node_desc(g, &g->n[other]) : other == -1 ? "a graph output" : "no binary layer";
    return arena_printf(g->arena, "binary weights only: input Sign '%s' stays a Sign (ONNX Sign(0) = 0) because "
                        "it also feeds %s", g->n[src].name, what);
  }
  if (n->op != OP_Conv && n->op != OP_Gemm && n->op != OP_MatMul)
    return NULL;
  int bin_in = from_sign || (src >= 0 && g->n[src].op == OP_BinActiv);
  Layer L;
  int idx = (int)(n - g->n);
  if (!analyze_layer(g, idx, &L, why, sizeof why)) {
    if (bin_in)
      return arena_printf(g->arena, "input is binary (Sign '%s') but %s", g->n[src].name, why);
    /* a BWN layer but for its zeros: say so, whatever its input */
    return L.zeros ? arena_printf(g->arena, "%s", why) : NULL;
  }
  if (!bin_in)
    return NULL;
  return arena_printf(g->arena, "input is binary (Sign '%s') and the weight is +-alpha, but the layer was not "
                      "rewritten (was pass_binarize run?)", g->n[src].name);
}
