/* gen.c - the random model generator of the differential tests.
 *
 * A model is a chain of stages on one current tensor (NCHW, then N x F after
 * a Flatten), with branches that join again (residual Add, channel Concat).
 * Each stage is written in the form PyTorch's exporter gives it, so that
 * xnorcc's passes recognize what they should (docs/binary.md): an XNOR conv
 * is `shift -> [MaxPool] -> Sign -> [MaxPool] -> Conv(+-alpha) [-> Mul K]`
 * with K from `ReduceMean(Abs(x), axes=[1])` through one of the three K
 * patterns, a BWN conv is a Conv with +-alpha weights on a real input, the
 * weights are either +-alpha constants or `Sign(W) * ReduceMean(Abs(W))` on a
 * real initializer (folded by xnorcc). Every shape is computed here, with
 * ONNX's and PyTorch's rules; xnorcc only checks them.
 */
#include "gen.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

/* ---- random numbers ---- */

uint64_t rng_next(Rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double rng_unif(Rng *r) { return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }

int rng_int(Rng *r, int lo, int hi) { return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1)); }

double rng_normal(Rng *r) {
  double u = rng_unif(r), v = rng_unif(r);
  return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * PI * v);
}

int rng_chance(Rng *r, double p) { return rng_unif(r) < p; }

/* ---- memory (a test tool: running out of memory ends it) ---- */

static void *xalloc(size_t n) {
  void *p = calloc(1, n ? n : 1);
  if (!p) {
    fputs("difftest: out of memory\n", stderr);
    exit(3);
  }
  return p;
}

static void *xgrow(void *p, int *cap, size_t elem) {
  int ncap = *cap ? *cap * 2 : 64;
  void *q = realloc(p, (size_t)ncap * elem);
  if (!q) {
    fputs("difftest: out of memory\n", stderr);
    exit(3);
  }
  memset((char *)q + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
  *cap = ncap;
  return q;
}

/* ---- building ---- */

typedef struct G {
  Model *m;
  Rng r;
  const GenOptions *o;
} G;

/* Budgets: keep each model quick to interpret and to compile. */
#define MAX_MACS 2500000L
#define MAX_FWEIGHTS 24000L
#define MAX_BWEIGHTS 120000L

int64_t model_numel(const Model *m, int t) {
  int64_t n = 1;
  for (int i = 0; i < m->t[t].rank; i++)
    n *= m->t[t].d[i];
  return n;
}

/* A new tensor (d may point into m->t: it is read before m->t grows). */
static int new_tensor(Model *m, char prefix, int rank, const int64_t *dims) {
  int64_t d[M_MAXRANK];
  for (int i = 0; i < rank; i++)
    d[i] = dims[i];
  if (m->nt == m->capt)
    m->t = xgrow(m->t, &m->capt, sizeof *m->t);
  MTensor *t = &m->t[m->nt];
  memset(t, 0, sizeof *t);
  snprintf(t->name, sizeof t->name, "%c%d", prefix, m->nt);
  t->rank = rank;
  for (int i = 0; i < rank; i++)
    t->d[i] = d[i];
  return m->nt++;
}

static int t4(Model *m, int64_t n, int64_t c, int64_t h, int64_t w) {
  int64_t d[4] = {n, c, h, w};
  return new_tensor(m, 't', 4, d);
}

static int t2(Model *m, int64_t n, int64_t f) {
  int64_t d[2] = {n, f};
  return new_tensor(m, 't', 2, d);
}

/* A float constant of the given shape; data (malloc'd, owned from now on) or zeros. */
static int cfloat(Model *m, int rank, const int64_t *d, float *data) {
  int t = new_tensor(m, 'w', rank, d);
  m->t[t].data = data ? data : xalloc((size_t)model_numel(m, t) * sizeof(float));
  return t;
}

static int cvec(Model *m, int64_t n, float *data) { return cfloat(m, 1, &n, data); }

static int cints(Model *m, int n, const int64_t *v) {
  int64_t d = n;
  int t = new_tensor(m, 'w', 1, &d);
  m->t[t].is_int = 1;
  m->t[t].idata = xalloc((size_t)(n ? n : 1) * sizeof(int64_t));
  memcpy(m->t[t].idata, v, (size_t)n * sizeof(int64_t));
  return t;
}

/* Appends node op reading in[0..nin) and writing out; attributes as text IR
 * (printf format). */
static void node(Model *m, const char *op, int out, int nin, const int *in, const char *fmt, ...) {
  if (m->nn == m->capn)
    m->n = xgrow(m->n, &m->capn, sizeof *m->n);
  MNode *n = &m->n[m->nn++];
  memset(n, 0, sizeof *n);
  snprintf(n->op, sizeof n->op, "%s", op);
  for (int i = 0; i < nin; i++)
    n->in[i] = in[i];
  n->nin = nin;
  n->out = out;
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->attr, sizeof n->attr, fmt, ap);
    va_end(ap);
  }
}

static void node1(Model *m, const char *op, int out, int a, const char *fmt) {
  int in[1] = {a};
  node(m, op, out, 1, in, fmt ? "%s" : NULL, fmt);
}

static void node2(Model *m, const char *op, int out, int a, int b) {
  int in[2] = {a, b};
  node(m, op, out, 2, in, NULL);
}

static void add_cal(Model *m, Cal c) {
  if (m->ncal < M_MAXCAL)
    m->cal[m->ncal++] = c;
}

static void describe(Model *m, const char *fmt, ...) {
  size_t n = strlen(m->desc);
  if (n + 2 >= sizeof m->desc)
    return;
  if (n)
    m->desc[n++] = ' ';
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->desc + n, sizeof m->desc - n, fmt, ap);
  va_end(ap);
}

/* ---- choices ---- */

/* Channel counts: small ones and the 32- and 64-bit packing boundaries. */
static int pick_channels(G *g) {
  static const int small[] = {1, 2, 3, 4, 5, 8, 16};
  static const int edge[] = {31, 32, 33, 63, 64, 65, 127, 128, 129};
  if (rng_chance(&g->r, 0.5))
    return small[rng_int(&g->r, 0, (int)(sizeof small / sizeof *small) - 1)];
  return edge[rng_int(&g->r, 0, (int)(sizeof edge / sizeof *edge) - 1)];
}

/* A group count dividing both a and b (mostly 1). */
static int pick_group(G *g, int a, int b) {
  if (!rng_chance(&g->r, 0.25))
    return 1;
  int opts[64], n = 0;
  for (int k = 2; k <= a && k <= b && n < 64; k++)
    if (a % k == 0 && b % k == 0)
      opts[n++] = k;
  return n ? opts[rng_int(&g->r, 0, n - 1)] : 1;
}

/* One spatial dim of a window. */
typedef struct Dim {
  int64_t k, s, d, pb, pe, out;
} Dim;

/* Output extent: floor((in + pb + pe - ext) / s) + 1, or with ceil_mode the
 * ceiling, minus one when the last window would start past the input and its
 * left pad (PyTorch's rule). */
static int64_t out_extent(int64_t in, const Dim *w, int ceil_mode) {
  int64_t ext = w->d * (w->k - 1) + 1, num = in + w->pb + w->pe - ext;
  if (num < 0)
    return 0;
  int64_t out = num / w->s + (ceil_mode && num % w->s) + 1;
  if (ceil_mode && (out - 1) * w->s >= in + w->pb)
    out--;
  return out;
}

/* Conv window for one dim of extent in. same: stride 1 and pads that keep
 * the extent. Returns 0, or -1 when nothing fits. */
static int pick_conv_dim(G *g, int64_t in, int same, Dim *w) {
  static const int ks[] = {1, 1, 2, 3, 3, 3, 3, 5, 7};
  for (int tries = 0; tries < 50; tries++) {
    w->k = ks[rng_int(&g->r, 0, (int)(sizeof ks / sizeof *ks) - 1)];
    w->d = w->k > 1 && rng_chance(&g->r, 0.2) ? rng_int(&g->r, 2, 3) : 1;
    int64_t ext = w->d * (w->k - 1) + 1;
    int64_t maxpad = g->o->big_pads ? ext + 1 : (in < ext ? in : ext);
    if (same) {
      w->s = 1;
      w->pb = (ext - 1) / 2;
      w->pe = ext - 1 - w->pb;
      if (!g->o->big_pads && (w->pb > in || w->pe > in))
        continue;
    } else {
      w->s = rng_chance(&g->r, 0.6) ? 1 : rng_int(&g->r, 2, 3);
      w->pb = rng_chance(&g->r, 0.3) ? 0 : rng_int(&g->r, 0, (int)maxpad);
      w->pe = rng_chance(&g->r, 0.7) ? w->pb : rng_int(&g->r, 0, (int)maxpad);
    }
    w->out = out_extent(in, w, 0);
    if (w->out >= 1)
      return 0;
  }
  return -1;
}

/* Pool window (ceil_mode given): pads at most half the dilated kernel
 * (PyTorch's limit), dilation only for MaxPool. */
static int pick_pool_dim(G *g, int64_t in, int max, int ceil_mode, Dim *w) {
  for (int tries = 0; tries < 50; tries++) {
    w->k = rng_int(&g->r, 1, 3 < in + 1 ? 3 : (int)in + 1);
    w->d = max && w->k > 1 && rng_chance(&g->r, 0.15) ? 2 : 1;
    int64_t ext = w->d * (w->k - 1) + 1;
    w->s = rng_chance(&g->r, 0.3) ? 1 : rng_int(&g->r, 1, 3);
    w->pb = rng_chance(&g->r, 0.5) ? 0 : rng_int(&g->r, 0, (int)(ext / 2));
    w->pe = rng_chance(&g->r, 0.7) ? w->pb : rng_int(&g->r, 0, (int)(ext / 2));
    w->out = out_extent(in, w, ceil_mode);
    if (w->out >= 1)
      return 0;
  }
  return -1;
}

/* ---- weights ---- */

/* How a binary weight is written. */
enum { BW_FOLDED, BW_UNFOLDED };

/* Float weights N(0, 2 / fan_in) (He init: activations keep their scale). */
static float *he_weights(G *g, int64_t n, int64_t fan_in) {
  float *w = xalloc((size_t)n * sizeof(float));
  double sd = sqrt(2.0 / (double)(fan_in > 0 ? fan_in : 1));
  for (int64_t i = 0; i < n; i++)
    w[i] = (float)(rng_normal(&g->r) * sd);
  g->m->fweights += n;
  return w;
}

/* alpha of one filter: a power of two or any value in [0.05, 1.5). */
static float pick_alpha(G *g) {
  if (rng_chance(&g->r, 0.3))
    return ldexpf(1.0f, rng_int(&g->r, -4, 1));
  return (float)(0.05 + 1.45 * rng_unif(&g->r));
}

/* A binary weight of shape d (rank dims) whose filters run along axis fax
 * (0 for conv [M, C, kh, kw] and Gemm [M, F]; 1 for [F, M]). Returns the
 * tensor the layer reads: a +-alpha constant, or the output of
 * Sign(W) * ReduceMean(Abs(W)) on a real W (what an exporter writes without
 * constant folding). */
static int binary_weight(G *g, int rank, const int64_t *d, int fax) {
  Model *m = g->m;
  int64_t n = 1, nf = d[fax];
  for (int i = 0; i < rank; i++)
    n *= d[i];
  int64_t per = n / nf; /* elements per filter */
  float *w = xalloc((size_t)n * sizeof(float));
  int form = rng_chance(&g->r, 0.2) ? BW_UNFOLDED : BW_FOLDED;
  float *alpha = xalloc((size_t)nf * sizeof(float));
  for (int64_t f = 0; f < nf; f++)
    alpha[f] = pick_alpha(g);
  for (int64_t i = 0; i < n; i++) {
    int64_t f = fax == 0 ? i / per : i % nf;
    int neg = rng_chance(&g->r, 0.5);
    if (form == BW_FOLDED)
      w[i] = neg ? -alpha[f] : alpha[f];
    else /* real weights, away from 0 so that Sign(W) is +-1 */
      w[i] = (float)((0.05 + rng_unif(&g->r)) * (neg ? -1 : 1));
  }
  free(alpha);
  int wt = cfloat(m, rank, d, w);
  if (form == BW_FOLDED)
    return wt;
  int64_t rd[4];
  for (int i = 0; i < rank; i++)
    rd[i] = i == fax ? d[i] : 1;
  int sg = new_tensor(m, 't', rank, d), ab = new_tensor(m, 't', rank, d), mu = new_tensor(m, 't', rank, rd);
  int out = new_tensor(m, 't', rank, d);
  node1(m, "Sign", sg, wt, NULL);
  node1(m, "Abs", ab, wt, NULL);
  char axes[64];
  if (rank == 4)
    snprintf(axes, sizeof axes, "axes: ints [1, 2, 3], keepdims: int 1");
  else
    snprintf(axes, sizeof axes, "axes: ints [%d], keepdims: int 1", 1 - fax);
  node1(m, "ReduceMean", mu, ab, axes);
  node2(m, "Mul", out, sg, mu);
  return out;
}

/* ---- layers ---- */

static const MTensor *T(G *g, int t) { return &g->m->t[t]; }

/* BatchNormalization of x (rank 2 or 4, channels on axis 1). mean and var
 * are placeholders that repair_model sets from the input's statistics
 * (CAL_BN). for_sign: the bias is the shift before a Sign (*bias gets it). */
static int batchnorm(G *g, int x, int for_sign, int *bias) {
  Model *m = g->m;
  int64_t C = T(g, x)->d[1];
  float *sc = xalloc((size_t)C * sizeof(float)), *b = xalloc((size_t)C * sizeof(float));
  float *var = xalloc((size_t)C * sizeof(float));
  for (int64_t c = 0; c < C; c++) {
    double u = rng_unif(&g->r);
    sc[c] = u < 0.03 ? 0.0f : (float)((0.4 + rng_unif(&g->r)) * (u < 0.2 ? -1 : 1));
    b[c] = for_sign ? 0.0f : (float)(0.3 * rng_normal(&g->r));
    var[c] = 1.0f;
  }
  int ts = cvec(m, C, sc), tb = cvec(m, C, b), tm = cvec(m, C, NULL), tv = cvec(m, C, var);
  int y = new_tensor(m, 't', T(g, x)->rank, T(g, x)->d);
  int in[5] = {x, ts, tb, tm, tv};
  node(m, "BatchNormalization", y, 5, in, "epsilon: float %a", rng_chance(&g->r, 0.5) ? 1e-5 : 1e-3);
  Cal c = {CAL_BN, x, tm, tv, ts, -1};
  add_cal(m, c);
  if (bias)
    *bias = tb;
  return y;
}

/* A per-channel constant for x: [1, C, 1, 1], [C, 1, 1] or [1, F], [F]. */
static int channel_const(G *g, int x, float *data) {
  int64_t C = T(g, x)->d[1];
  if (T(g, x)->rank == 4) {
    int64_t d4[4] = {1, C, 1, 1}, d3[3] = {C, 1, 1};
    return rng_chance(&g->r, 0.5) ? cfloat(g->m, 4, d4, data) : cfloat(g->m, 3, d3, data);
  }
  int64_t d2[2] = {1, C};
  return rng_chance(&g->r, 0.5) ? cfloat(g->m, 2, d2, data) : cvec(g->m, C, data);
}

static int maxpool(G *g, int x, int allow_dilation);

/* shift -> [MaxPool] -> Sign: the activation binarization of an XNOR layer.
 * The shift (a BN's bias, or an Add of a per-channel constant, after a
 * per-channel Mul or not) is what repair_model moves so that no value that
 * reaches the Sign lies within the margin of 0 (CAL_SIGN); allow_pool: a
 * MaxPool may sit between the shift and the Sign. A graph input may
 * go straight to the Sign: its values are drawn away from 0. Returns the
 * Sign's output; *pre gets the Sign's input (what K's A is computed from). */
static int sign_site(G *g, int x, int allow_pool, int *pre) {
  Model *m = g->m;
  int v = x, shift = -1;
  if (!(T(g, x)->is_input && rng_chance(&g->r, 0.5))) {
    double u = rng_unif(&g->r);
    if (u < 0.55) {
      v = batchnorm(g, x, 1, &shift);
      describe(m, "bn-sign");
    } else {
      int y = x;
      if (u > 0.8) { /* per-channel scale, some negative, before the shift */
        int64_t C = T(g, x)->d[1];
        float *s = xalloc((size_t)C * sizeof(float));
        for (int64_t c = 0; c < C; c++)
          s[c] = (float)((0.25 + rng_unif(&g->r)) * (rng_chance(&g->r, 0.3) ? -1 : 1));
        int sc = channel_const(g, x, s);
        y = new_tensor(m, 't', T(g, x)->rank, T(g, x)->d);
        node2(m, "Mul", y, x, sc);
      }
      shift = channel_const(g, y, NULL);
      v = new_tensor(m, 't', T(g, y)->rank, T(g, y)->d);
      if (rng_chance(&g->r, 0.5))
        node2(m, "Add", v, y, shift);
      else
        node2(m, "Add", v, shift, y);
      describe(m, u > 0.8 ? "mul-add-sign" : "add-sign");
    }
  } else {
    describe(m, "input-sign");
  }
  if (allow_pool && T(g, v)->rank == 4 && shift >= 0 && rng_chance(&g->r, 0.15)) {
    int p = maxpool(g, v, 0);
    if (p >= 0)
      v = p;
  }
  int s = new_tensor(m, 't', T(g, v)->rank, T(g, v)->d);
  node1(m, "Sign", s, v, NULL);
  m->t[s].pm1 = 1;
  Cal c = {CAL_SIGN, v, -1, -1, -1, shift};
  add_cal(m, c);
  *pre = v;
  return s;
}

/* Conv attributes as text IR. */
static void conv_attrs(char *buf, size_t n, const Dim *w, int group) {
  snprintf(buf, n,
           "dilations: ints [%lld, %lld], group: int %d, kernel_shape: ints [%lld, %lld], "
           "pads: ints [%lld, %lld, %lld, %lld], strides: ints [%lld, %lld]",
           (long long)w[0].d, (long long)w[1].d, group, (long long)w[0].k, (long long)w[1].k, (long long)w[0].pb,
           (long long)w[1].pb, (long long)w[0].pe, (long long)w[1].pe, (long long)w[0].s, (long long)w[1].s);
}

/* Weight kinds of a conv or gemm. */
enum { WK_FLOAT, WK_BINARY };

/* Whether a layer of macs multiply-adds and nw weights of kind wkind fits
 * the model's budget. */
static int fits(G *g, long macs, long nw, int wkind) {
  const Model *m = g->m;
  return m->macs + macs <= MAX_MACS &&
         (wkind == WK_FLOAT ? m->fweights + nw <= MAX_FWEIGHTS : m->bweights + nw <= MAX_BWEIGHTS);
}

static long conv_macs(G *g, int x, int cout, const Dim *w, int group) {
  const MTensor *tx = T(g, x);
  return (long)(tx->d[0] * cout * w[0].out * w[1].out * (tx->d[1] / group) * w[0].k * w[1].k);
}

static long conv_weights(G *g, int x, int cout, const Dim *w, int group) {
  return (long)(cout * (T(g, x)->d[1] / group) * w[0].k * w[1].k);
}

/* Conv of x to cout channels with window w[2] and group; bias or not.
 * Returns the output, or -1 when over budget. */
static int conv(G *g, int x, int cout, const Dim *w, int group, int wkind, int bias) {
  Model *m = g->m;
  const MTensor *tx = T(g, x);
  int64_t N = tx->d[0], C = tx->d[1], Cg = C / group;
  long macs = conv_macs(g, x, cout, w, group);
  int64_t nw = conv_weights(g, x, cout, w, group);
  if (!fits(g, macs, (long)nw, wkind))
    return -1;
  m->macs += macs;
  if (wkind != WK_FLOAT)
    m->bweights += (long)nw;
  int64_t wd[4] = {cout, Cg, w[0].k, w[1].k};
  int wt = wkind == WK_FLOAT ? cfloat(m, 4, wd, he_weights(g, nw, Cg * w[0].k * w[1].k))
                             : binary_weight(g, 4, wd, 0);
  int y = t4(m, N, cout, w[0].out, w[1].out);
  int in[3] = {x, wt, -1};
  if (bias) {
    float *b = xalloc((size_t)cout * sizeof(float));
    for (int i = 0; i < cout; i++)
      b[i] = (float)(0.2 * rng_normal(&g->r));
    in[2] = cvec(m, cout, b);
  }
  char a[256];
  conv_attrs(a, sizeof a, w, group);
  node(m, "Conv", y, bias ? 3 : 2, in, "%s", a);
  return y;
}

/* Picks a conv window for x; same keeps the spatial size. */
static int conv_window(G *g, int x, int same, Dim *w) {
  const MTensor *tx = T(g, x);
  return pick_conv_dim(g, tx->d[2], same, &w[0]) || pick_conv_dim(g, tx->d[3], same, &w[1]) ? -1 : 0;
}

/* An output channel count that the budget allows for a conv of x. */
static int pick_cout(G *g, int x, const Dim *w, int group, int wkind) {
  for (int tries = 0; tries < 8; tries++) {
    int c = pick_channels(g);
    c = c / group * group;
    if (c < group)
      c = group;
    if (fits(g, conv_macs(g, x, c, w, group), conv_weights(g, x, c, w, group), wkind))
      return c;
  }
  return -1;
}

static int activation(G *g, int x);

/* MaxPool of x with random window (ceil_mode, pads, strides, dilations when
 * allowed). Returns the output or -1 when no window fits. */
static int maxpool(G *g, int x, int allow_dilation) {
  const MTensor *tx = T(g, x);
  int ceil_mode = rng_chance(&g->r, 0.3);
  Dim w[2];
  if (pick_pool_dim(g, tx->d[2], allow_dilation, ceil_mode, &w[0]) ||
      pick_pool_dim(g, tx->d[3], allow_dilation, ceil_mode, &w[1]))
    return -1;
  int pm1 = tx->pm1;
  int y = t4(g->m, tx->d[0], tx->d[1], w[0].out, w[1].out);
  g->m->t[y].pm1 = pm1;
  node(g->m, "MaxPool", y, 1, &x,
       "ceil_mode: int %d, dilations: ints [%lld, %lld], kernel_shape: ints [%lld, %lld], "
       "pads: ints [%lld, %lld, %lld, %lld], strides: ints [%lld, %lld]",
       ceil_mode, (long long)w[0].d, (long long)w[1].d, (long long)w[0].k, (long long)w[1].k, (long long)w[0].pb,
       (long long)w[1].pb, (long long)w[0].pe, (long long)w[1].pe, (long long)w[0].s, (long long)w[1].s);
  return y;
}

static int avgpool(G *g, int x) {
  const MTensor *tx = T(g, x);
  int ceil_mode = rng_chance(&g->r, 0.5), cip = rng_chance(&g->r, 0.5);
  Dim w[2];
  if (pick_pool_dim(g, tx->d[2], 0, ceil_mode, &w[0]) || pick_pool_dim(g, tx->d[3], 0, ceil_mode, &w[1]))
    return -1;
  int y = t4(g->m, tx->d[0], tx->d[1], w[0].out, w[1].out);
  node(g->m, "AveragePool", y, 1, &x,
       "ceil_mode: int %d, count_include_pad: int %d, kernel_shape: ints [%lld, %lld], "
       "pads: ints [%lld, %lld, %lld, %lld], strides: ints [%lld, %lld]",
       ceil_mode, cip, (long long)w[0].k, (long long)w[1].k, (long long)w[0].pb, (long long)w[1].pb,
       (long long)w[0].pe, (long long)w[1].pe, (long long)w[0].s, (long long)w[1].s);
  return y;
}

/* K of Eq. 11 for a conv with window w over a sign whose input is pre:
 * A = ReduceMean(Abs(pre), axes=[1]), then one of the exported forms
 * (AveragePool with count_include_pad, Pad + AveragePool, a box-filter Conv).
 * Returns K (N x 1 x OH x OW) or -1 when no form fits. */
static int k_branch(G *g, int pre, const Dim *w) {
  Model *m = g->m;
  const MTensor *tp = T(g, pre);
  int64_t N = tp->d[0], H = tp->d[2], W = tp->d[3];
  int dil = w[0].d > 1 || w[1].d > 1;
  int pads = w[0].pb || w[0].pe || w[1].pb || w[1].pe;
  /* AveragePool pads must stay below the kernel (else a window is all padding) */
  int pool_ok = !dil && w[0].pb < w[0].k && w[0].pe < w[0].k && w[1].pb < w[1].k && w[1].pe < w[1].k;
  int form = dil ? 2 : rng_int(&g->r, pool_ok ? 0 : 1, 2);
  int ab = t4(m, N, tp->d[1], H, W), a = t4(m, N, 1, H, W);
  node1(m, "Abs", ab, pre, NULL);
  node1(m, "ReduceMean", a, ab, "axes: ints [1], keepdims: int 1");
  int k = t4(m, N, 1, w[0].out, w[1].out);
  if (form == 0) {
    if (pads || rng_chance(&g->r, 0.5))
      node(m, "AveragePool", k, 1, &a,
           "ceil_mode: int 0, count_include_pad: int 1, kernel_shape: ints [%lld, %lld], "
           "pads: ints [%lld, %lld, %lld, %lld], strides: ints [%lld, %lld]",
           (long long)w[0].k, (long long)w[1].k, (long long)w[0].pb, (long long)w[1].pb, (long long)w[0].pe,
           (long long)w[1].pe, (long long)w[0].s, (long long)w[1].s);
    else
      node(m, "AveragePool", k, 1, &a, "kernel_shape: ints [%lld, %lld], strides: ints [%lld, %lld]",
           (long long)w[0].k, (long long)w[1].k, (long long)w[0].s, (long long)w[1].s);
    describe(m, "K=avgpool");
  } else if (form == 1) {
    int64_t pv[8] = {0, 0, w[0].pb, w[1].pb, 0, 0, w[0].pe, w[1].pe};
    int pt = cints(m, 8, pv);
    int ap = t4(m, N, 1, H + w[0].pb + w[0].pe, W + w[1].pb + w[1].pe);
    int in[2] = {a, pt};
    node(m, "Pad", ap, 2, in, "mode: string \"constant\"");
    node(m, "AveragePool", k, 1, &ap, "kernel_shape: ints [%lld, %lld], strides: ints [%lld, %lld]",
         (long long)w[0].k, (long long)w[1].k, (long long)w[0].s, (long long)w[1].s);
    describe(m, "K=pad-avgpool");
  } else {
    int64_t bd[4] = {1, 1, w[0].k, w[1].k};
    int64_t nb = w[0].k * w[1].k;
    float *box = xalloc((size_t)nb * sizeof(float));
    for (int64_t i = 0; i < nb; i++)
      box[i] = (float)(1.0 / (double)nb);
    int bt = cfloat(m, 4, bd, box);
    char at[256];
    conv_attrs(at, sizeof at, w, 1);
    int in[2] = {a, bt};
    node(m, "Conv", k, 2, in, "%s", at);
    describe(m, "K=box");
  }
  return k;
}

/* After a layer: maybe BN, an activation, a pool. */
static int post(G *g, int y, double p_bn, double p_act, double p_pool) {
  if (rng_chance(&g->r, p_bn))
    y = batchnorm(g, y, 0, NULL);
  if (rng_chance(&g->r, p_act))
    y = activation(g, y);
  if (T(g, y)->rank == 4 && rng_chance(&g->r, p_pool)) {
    int p = rng_chance(&g->r, 0.6) ? maxpool(g, y, 1) : avgpool(g, y);
    if (p >= 0)
      y = p;
  }
  return y;
}

/* Identity or inference Dropout of x (canonicalize removes them; binarize
 * looks through them). */
static int noop(G *g, int x) {
  int y = new_tensor(g->m, 't', T(g, x)->rank, T(g, x)->d);
  g->m->t[y].pm1 = T(g, x)->pm1;
  node1(g->m, rng_chance(&g->r, 0.5) ? "Identity" : "Dropout", y, x, NULL);
  describe(g->m, "noop");
  return y;
}

/* XNOR conv: sign site, [MaxPool], Conv(+-alpha), [* K]. same: keeps shape
 * and channels (for residuals). Returns the output or -1. */
static int xnor_conv(G *g, int x, int same, int cout) {
  Model *m = g->m;
  Dim w[2];
  int pre, s = sign_site(g, x, !same, &pre);
  int use_k = rng_chance(&g->r, 0.4);
  if (!use_k && !same && rng_chance(&g->r, 0.15)) {
    int p = maxpool(g, s, 0);
    if (p >= 0) {
      s = p;
      describe(m, "sign-pool");
    }
  }
  if (rng_chance(&g->r, 0.1))
    s = noop(g, s);
  /* window, groups and channels on what the conv reads (a sign site that
   * fails here leaves unused nodes, which is valid) */
  if (conv_window(g, s, same, w))
    return -1;
  int group = pick_group(g, (int)T(g, s)->d[1], same ? cout : (int)T(g, s)->d[1]);
  if (!same && (cout = pick_cout(g, s, w, group, WK_BINARY)) < 0)
    return -1;
  if (cout % group)
    group = 1;
  int bias = rng_chance(&g->r, use_k ? 0.25 : 0.5);
  int y = conv(g, s, cout, w, group, WK_BINARY, bias);
  if (y < 0)
    return -1;
  describe(m, "xnor-conv(%lldx%lld,g%d,%lld->%d)", (long long)w[0].k, (long long)w[1].k, group,
           (long long)T(g, x)->d[1], cout);
  if (use_k) {
    int k = k_branch(g, pre, w);
    int z = t4(m, T(g, y)->d[0], cout, w[0].out, w[1].out);
    if (rng_chance(&g->r, 0.5))
      node2(m, "Mul", z, y, k);
    else
      node2(m, "Mul", z, k, y);
    y = z;
  }
  return y;
}

static int float_conv(G *g, int x, int same, int cout, int wkind) {
  Dim w[2];
  if (conv_window(g, x, same, w))
    return -1;
  int group = pick_group(g, (int)T(g, x)->d[1], same ? cout : (int)T(g, x)->d[1]);
  if (!same && (cout = pick_cout(g, x, w, group, wkind)) < 0)
    return -1;
  if (cout % group)
    group = 1;
  int y = conv(g, x, cout, w, group, wkind, rng_chance(&g->r, 0.6));
  if (y >= 0)
    describe(g->m, "%s-conv(%lldx%lld,s%lld,g%d,%lld->%d)", wkind == WK_FLOAT ? "float" : "bwn", (long long)w[0].k,
             (long long)w[1].k, (long long)w[0].s, group, (long long)T(g, x)->d[1], cout);
  return y;
}

/* Relu, LeakyRelu, Clip, Sigmoid, Tanh or PRelu. */
static int activation(G *g, int x) {
  Model *m = g->m;
  int y = new_tensor(m, 't', T(g, x)->rank, T(g, x)->d);
  switch (rng_int(&g->r, 0, 6)) {
  case 0:
  case 1:
    node1(m, "Relu", y, x, NULL);
    describe(m, "relu");
    break;
  case 2:
    node(m, "LeakyRelu", y, 1, &x, "alpha: float %a", (double)(float)(0.01 + 0.3 * rng_unif(&g->r)));
    describe(m, "leakyrelu");
    break;
  case 3: {
    float *lo = xalloc(sizeof(float)), *hi = xalloc(sizeof(float));
    *lo = (float)(-0.5 - rng_unif(&g->r));
    *hi = (float)(0.5 + rng_unif(&g->r));
    int64_t none = 0;
    int tl = cfloat(m, 0, &none, lo), th = cfloat(m, 0, &none, hi);
    int in[3] = {x, rng_chance(&g->r, 0.2) ? -1 : tl, rng_chance(&g->r, 0.2) ? -1 : th};
    node(m, "Clip", y, in[2] >= 0 ? 3 : in[1] >= 0 ? 2 : 1, in, NULL);
    describe(m, "clip");
    break;
  }
  case 4:
    node1(m, "Sigmoid", y, x, NULL);
    describe(m, "sigmoid");
    break;
  case 5:
    node1(m, "Tanh", y, x, NULL);
    describe(m, "tanh");
    break;
  default: {
    int64_t C = T(g, x)->d[1];
    int one = rng_chance(&g->r, 0.3);
    float *s = xalloc((size_t)(one ? 1 : C) * sizeof(float));
    for (int64_t c = 0; c < (one ? 1 : C); c++)
      s[c] = (float)(0.5 * rng_normal(&g->r));
    int st = one ? cvec(m, 1, s) : channel_const(g, x, s);
    node2(m, "PRelu", y, x, st);
    describe(m, "prelu");
    break;
  }
  }
  return y;
}

/* ---- dense layers (x is N x F) ---- */

/* Gemm or MatMul (+ Add) of x to M outputs with float or binary weights;
 * kind_xnor 1: through a sign site here, 2: x is already +-1 (a sign before
 * the Flatten). */
static int dense(G *g, int x, int kind_xnor, int wkind) {
  Model *m = g->m;
  int64_t N = T(g, x)->d[0], F = T(g, x)->d[1];
  int M = 0;
  for (int tries = 0; tries < 8 && !M; tries++) {
    int c = pick_channels(g);
    if (fits(g, (long)(N * F * c), (long)(F * c), wkind))
      M = c;
  }
  if (!M)
    return -1;
  m->macs += (long)(N * F * M);
  if (wkind != WK_FLOAT)
    m->bweights += (long)(F * M);
  int in = x, pre = -1;
  if (kind_xnor == 1)
    in = sign_site(g, x, 0, &pre);
  int use_a = kind_xnor == 1 && rng_chance(&g->r, 0.4);
  int matmul = rng_chance(&g->r, 0.3), transb = matmul ? 0 : rng_chance(&g->r, 0.7);
  int64_t wd[2] = {transb ? M : F, transb ? F : M};
  int wt = wkind == WK_FLOAT ? cfloat(m, 2, wd, he_weights(g, F * M, F)) : binary_weight(g, 2, wd, transb ? 0 : 1);
  int bias_in_gemm = !matmul && rng_chance(&g->r, use_a ? 0.3 : 0.6);
  int bias_after = !bias_in_gemm && rng_chance(&g->r, 0.6);
  float *b = xalloc((size_t)M * sizeof(float));
  for (int i = 0; i < M; i++)
    b[i] = (float)(0.2 * rng_normal(&g->r));
  int bt = -1;
  if (bias_in_gemm || bias_after) {
    int64_t d2[2] = {1, M};
    bt = rng_chance(&g->r, 0.7) ? cvec(m, M, b) : cfloat(m, 2, d2, b);
  } else {
    free(b);
  }
  int y = t2(m, N, M);
  if (matmul) {
    node2(m, "MatMul", y, in, wt);
  } else {
    int ins[3] = {in, wt, bt};
    node(m, "Gemm", y, bias_in_gemm ? 3 : 2, ins, "alpha: float 0x1p+0, beta: float 0x1p+0, transB: int %d", transb);
  }
  describe(m, "%s-%s(%lld->%d%s)", kind_xnor ? "xnor" : wkind == WK_FLOAT ? "float" : "bwn",
           matmul ? "matmul" : "gemm", (long long)F, M, use_a ? ",A" : "");
  if (use_a) {
    int ab = t2(m, N, F), a = t2(m, N, 1), z = t2(m, N, M);
    node1(m, "Abs", ab, pre, NULL);
    node1(m, "ReduceMean", a, ab, rng_chance(&g->r, 0.5) ? "axes: ints [1], keepdims: int 1"
                                                          : "axes: ints [-1], keepdims: int 1");
    node2(m, "Mul", z, y, a);
    y = z;
  }
  if (bias_after) {
    int z = t2(m, N, M);
    node2(m, "Add", z, y, bt);
    y = z;
  }
  return y;
}

/* ---- stages ---- */

static int flatten(G *g, int x) {
  int64_t N = T(g, x)->d[0];
  int pm1 = T(g, x)->pm1;
  int y = t2(g->m, N, model_numel(g->m, x) / N);
  g->m->t[y].pm1 = pm1;
  if (rng_chance(&g->r, 0.7)) {
    node1(g->m, "Flatten", y, x, "axis: int 1");
  } else {
    int64_t sh[2] = {N, -1};
    int st = cints(g->m, 2, sh);
    node2(g->m, "Reshape", y, x, st);
  }
  describe(g->m, "flatten");
  return y;
}

/* body of a residual or concat branch: keeps the spatial size. */
static int same_branch(G *g, int x, int cout) {
  double u = rng_unif(&g->r);
  int y = u < 0.6 ? xnor_conv(g, x, 1, cout) : float_conv(g, x, 1, cout, u < 0.85 ? WK_FLOAT : WK_BINARY);
  if (y < 0)
    return -1;
  return post(g, y, 0.7, 0.3, 0.0);
}

static int residual(G *g, int x) {
  int y = same_branch(g, x, (int)T(g, x)->d[1]);
  if (y < 0)
    return -1;
  int z = new_tensor(g->m, 't', 4, T(g, x)->d);
  if (rng_chance(&g->r, 0.5))
    node2(g->m, "Add", z, x, y);
  else
    node2(g->m, "Add", z, y, x);
  describe(g->m, "residual-add");
  return z;
}

static int concat(G *g, int x) {
  int c2 = pick_channels(g);
  int y = same_branch(g, x, c2);
  if (y < 0)
    return -1;
  const MTensor *tx = T(g, x);
  int three = rng_chance(&g->r, 0.2);
  int64_t C = tx->d[1] + c2 + (three ? tx->d[1] : 0);
  int z = t4(g->m, tx->d[0], C, tx->d[2], tx->d[3]);
  int in[3] = {x, y, x};
  if (rng_chance(&g->r, 0.5))
    in[0] = y, in[1] = x;
  node(g->m, "Concat", z, three ? 3 : 2, in, "axis: int 1");
  describe(g->m, "concat(%lld)", (long long)C);
  return z;
}

static int stage4(G *g, int x) {
  double u = rng_unif(&g->r);
  int y;
  if (u < 0.30) {
    y = xnor_conv(g, x, 0, 0);
    if (y >= 0)
      y = post(g, y, 0.6, 0.4, 0.3);
  } else if (u < 0.45) {
    y = float_conv(g, x, 0, 0, WK_FLOAT);
    if (y >= 0)
      y = post(g, y, 0.5, 0.6, 0.2);
  } else if (u < 0.53) {
    y = float_conv(g, x, 0, 0, WK_BINARY);
    if (y >= 0)
      y = post(g, y, 0.5, 0.5, 0.2);
  } else if (u < 0.63) {
    y = residual(g, x);
  } else if (u < 0.72) {
    y = concat(g, x);
  } else if (u < 0.82) {
    y = rng_chance(&g->r, 0.5) ? maxpool(g, x, 1) : avgpool(g, x);
    if (y >= 0)
      describe(g->m, "pool");
  } else if (u < 0.90) {
    y = activation(g, x);
  } else {
    y = batchnorm(g, x, 0, NULL);
    describe(g->m, "bn");
  }
  return y;
}

static int stage2(G *g, int x) {
  double u = rng_unif(&g->r);
  int y;
  if (u < 0.4)
    y = dense(g, x, 1, WK_BINARY);
  else if (u < 0.65)
    y = dense(g, x, 0, WK_FLOAT);
  else if (u < 0.75)
    y = dense(g, x, 0, WK_BINARY);
  else if (u < 0.88) {
    y = batchnorm(g, x, 0, NULL);
    describe(g->m, "bn1d");
  } else
    y = activation(g, x);
  return y;
}

/* ---- the model ---- */

int gen_model(Model *m, uint64_t seed, const GenOptions *o) {
  static const GenOptions dflt;
  G g = {m, {seed}, o ? o : &dflt};
  memset(m, 0, sizeof *m);
  m->seed = seed;
  rng_next(&g.r);
  int64_t N = rng_chance(&g.r, 0.75) ? 1 : 2;
  int64_t C = rng_chance(&g.r, 0.5) ? rng_int(&g.r, 1, 4) : pick_channels(&g);
  int64_t H = rng_int(&g.r, 1, 12), W = rng_chance(&g.r, 0.7) ? H : rng_int(&g.r, 1, 12);
  int flat_input = rng_chance(&g.r, 0.1);
  int x = flat_input ? t2(m, N, C * H) : t4(m, N, C, H, W);
  m->t[x].is_input = 1;
  snprintf(m->t[x].name, sizeof m->t[x].name, "x");
  m->in[m->nin++] = x;
  int nstages = rng_int(&g.r, 1, g.o->max_stages > 0 ? g.o->max_stages : 6);
  int cur = x;
  for (int s = 0; s < nstages; s++) {
    int y;
    if (m->t[cur].rank == 4 && s > 0 && rng_chance(&g.r, 0.12)) {
      if (rng_chance(&g.r, 0.5)) {
        y = t4(m, m->t[cur].d[0], m->t[cur].d[1], 1, 1);
        node1(m, "GlobalAveragePool", y, cur, NULL);
        describe(m, "gap");
        cur = y;
      }
      y = flatten(&g, cur);
    } else {
      y = m->t[cur].rank == 4 ? stage4(&g, cur) : stage2(&g, cur);
    }
    if (y >= 0)
      cur = y;
  }
  if (m->t[cur].rank == 4 && rng_chance(&g.r, 0.4)) {
    double u = rng_unif(&g.r);
    int y, kind = u < 0.5 ? 0 : u < 0.75 ? 1 : 2;
    if (kind == 2) { /* sign, [MaxPool], Flatten, binary dense */
      int pre, s = sign_site(&g, cur, 1, &pre);
      if (rng_chance(&g.r, 0.3) && (y = maxpool(&g, s, 0)) >= 0)
        s = y;
      cur = flatten(&g, s);
    } else {
      cur = flatten(&g, cur);
    }
    y = dense(&g, cur, kind, kind ? WK_BINARY : WK_FLOAT);
    if (y >= 0)
      cur = y;
  }
  if (cur == x) { /* nothing fitted: one activation */
    cur = activation(&g, x);
  }
  m->out[m->nout++] = cur;
  /* more outputs: intermediates (a graph output changes what the passes may fuse) */
  int extra = rng_chance(&g.r, 0.35) ? rng_int(&g.r, 1, 2) : 0;
  for (int e = 0; e < extra && m->nout < M_MAXOUTPUTS; e++) {
    int cand = m->n[rng_int(&g.r, 0, m->nn - 1)].out, dup = m->t[cand].data != NULL;
    for (int i = 0; i < m->nout; i++)
      dup |= m->out[i] == cand;
    if (!dup)
      m->out[m->nout++] = cand;
  }
  /* inputs: uniform in [-1, 1]; away from 0 when a Sign reads them directly */
  int64_t nx = model_numel(m, x);
  m->indata[0] = xalloc((size_t)nx * sizeof(float));
  int signed_input = 0;
  for (int i = 0; i < m->ncal; i++)
    signed_input |= m->cal[i].kind == CAL_SIGN && m->cal[i].shift < 0;
  for (int64_t i = 0; i < nx; i++) {
    double v = 2.0 * rng_unif(&g.r) - 1.0;
    if (signed_input && fabs(v) < 0.05)
      v = v < 0 ? -0.05 - 0.9 * rng_unif(&g.r) : 0.05 + 0.9 * rng_unif(&g.r);
    m->indata[0][i] = (float)v;
  }
  return 0;
}

void model_free(Model *m) {
  for (int i = 0; i < m->nt; i++) {
    free(m->t[i].data);
    free(m->t[i].idata);
  }
  for (int i = 0; i < m->nin; i++)
    free(m->indata[i]);
  free(m->t);
  free(m->n);
  memset(m, 0, sizeof *m);
}

int model_copy(Model *dst, const Model *src) {
  *dst = *src;
  dst->t = xalloc((size_t)(src->capt ? src->capt : 1) * sizeof *dst->t);
  dst->n = xalloc((size_t)(src->capn ? src->capn : 1) * sizeof *dst->n);
  memcpy(dst->t, src->t, (size_t)src->nt * sizeof *dst->t);
  memcpy(dst->n, src->n, (size_t)src->nn * sizeof *dst->n);
  for (int i = 0; i < src->nt; i++) {
    size_t n = (size_t)model_numel(src, i);
    if (src->t[i].data) {
      dst->t[i].data = xalloc(n * sizeof(float));
      memcpy(dst->t[i].data, src->t[i].data, n * sizeof(float));
    }
    if (src->t[i].idata) {
      dst->t[i].idata = xalloc(n * sizeof(int64_t));
      memcpy(dst->t[i].idata, src->t[i].idata, n * sizeof(int64_t));
    }
  }
  for (int i = 0; i < src->nin; i++) {
    size_t n = (size_t)model_numel(src, src->in[i]);
    dst->indata[i] = xalloc(n * sizeof(float));
    memcpy(dst->indata[i], src->indata[i], n * sizeof(float));
  }
  return 0;
}

/* ---- text IR ---- */

typedef struct Buf {
  char *s;
  size_t len, cap;
} Buf;

static void put(Buf *b, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0)
      return;
    if (b->s && b->len + (size_t)n < b->cap) {
      b->len += (size_t)n;
      return;
    }
    size_t ncap = b->cap ? b->cap * 2 : 65536;
    while (ncap < b->len + (size_t)n + 1)
      ncap *= 2;
    char *q = realloc(b->s, ncap);
    if (!q) {
      fputs("difftest: out of memory\n", stderr);
      exit(3);
    }
    b->s = q;
    b->cap = ncap;
  }
}

static void put_shape(Buf *b, const MTensor *t) {
  put(b, "[");
  for (int i = 0; i < t->rank; i++)
    put(b, i ? ", %lld" : "%lld", (long long)t->d[i]);
  put(b, "]");
}

/* Marks in need[] the live nodes that outs[0..nouts) depend on, and in
 * tneed[] the tensors those nodes and the outputs refer to. */
static void mark_needed(const Model *m, const int *outs, int nouts, char *need, char *tneed) {
  int *prod = xalloc((size_t)(m->nt ? m->nt : 1) * sizeof(int));
  for (int i = 0; i < m->nt; i++)
    prod[i] = -1;
  for (int i = 0; i < m->nn; i++)
    if (!m->n[i].dead)
      prod[m->n[i].out] = i;
  for (int i = 0; i < nouts; i++)
    tneed[outs[i]] = 1;
  for (int i = m->nn - 1; i >= 0; i--) { /* nodes are in topological order */
    const MNode *n = &m->n[i];
    if (n->dead || !tneed[n->out] || prod[n->out] != i)
      continue;
    need[i] = 1;
    for (int k = 0; k < n->nin; k++)
      if (n->in[k] >= 0)
        tneed[n->in[k]] = 1;
  }
  free(prod);
}

void model_needed(const Model *m, const int *outs, int nouts, char *tneed) {
  char *need = xalloc((size_t)(m->nn ? m->nn : 1));
  mark_needed(m, outs, nouts, need, tneed);
  free(need);
}

char *model_xir(const Model *m, const int *outs, int nouts, size_t *len) {
  if (!outs) {
    outs = m->out;
    nouts = m->nout;
  }
  char *need = xalloc((size_t)(m->nn ? m->nn : 1)), *tneed = xalloc((size_t)(m->nt ? m->nt : 1));
  mark_needed(m, outs, nouts, need, tneed);
  Buf b = {0};
  put(&b, "# difftest model (docs/difftest.md), seed 0x%016llx\n", (unsigned long long)m->seed);
  put(&b, "# stages: %s\n", m->desc);
  put(&b, "# exact outputs (+-1, compared bit for bit):");
  for (int i = 0; i < nouts; i++)
    if (m->t[outs[i]].pm1)
      put(&b, " %d", i);
  put(&b, "\ngraph \"difftest\" opset 13;\n");
  for (int i = 0; i < m->nt; i++) {
    const MTensor *t = &m->t[i];
    if (t->dead || !(t->is_input || tneed[i]))
      continue;
    put(&b, "tensor \"%s\": %s", t->name, t->is_int ? "int64" : "float32");
    put_shape(&b, t);
    if (t->data || t->idata) {
      int64_t n = model_numel(m, i);
      put(&b, " = [");
      for (int64_t k = 0; k < n; k++) {
        if (k)
          put(&b, k % 8 ? ", " : ",\n    ");
        if (t->is_int)
          put(&b, "%lld", (long long)t->idata[k]);
        else
          put(&b, "%a", (double)t->data[k]);
      }
      put(&b, "]");
    }
    put(&b, ";\n");
  }
  put(&b, "inputs");
  for (int i = 0; i < m->nin; i++)
    put(&b, i ? ", \"%s\"" : " \"%s\"", m->t[m->in[i]].name);
  put(&b, ";\noutputs");
  for (int i = 0; i < nouts; i++)
    put(&b, i ? ", \"%s\"" : " \"%s\"", m->t[outs[i]].name);
  put(&b, ";\n");
  for (int i = 0; i < m->nn; i++) {
    const MNode *n = &m->n[i];
    if (!need[i])
      continue;
    put(&b, "node %s \"n%d\" (", n->op, i);
    for (int k = 0; k < n->nin; k++) {
      if (k)
        put(&b, ", ");
      if (n->in[k] < 0)
        put(&b, "_");
      else
        put(&b, "\"%s\"", m->t[n->in[k]].name);
    }
    put(&b, ") -> (\"%s\")", m->t[n->out].name);
    if (n->attr[0])
      put(&b, " {%s}", n->attr);
    put(&b, ";\n");
  }
  free(need);
  free(tneed);
  if (len)
    *len = b.len;
  return b.s;
}
