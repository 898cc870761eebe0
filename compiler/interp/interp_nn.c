/* interp_nn.c - Conv, pools, Gemm, MatMul, the Reduce* ops.
 *
 * Windowed ops use the Window of window_params(); a 3-D (NCW) input is the
 * 4-D layout with H = 1, so one set of loops serves both. Sums accumulate in
 * float, in the natural loop order written below, starting from 0; the
 * generated C is compared to these results within 1e-5 relative. */
#include <math.h>
#include <string.h>

#include "interp_impl.h"

/* Conv: y[b,m,oh,ow] = sum over c in m's group, kh, kw (in that order) of
 * x[b, c, oh*s0 - pb0 + kh*d0, ow*s1 - pb1 + kw*d1] * w[m, c - group_base, kh, kw]
 * (taps in the padding contribute 0), then + bias[m]. */
int interp_conv(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  Window w;
  if (window_params(g, n, &w, d))
    return -1;
  const Tensor *tx = node_in(g, n, 0), *tw = node_in(g, n, 1);
  const float *x = in[0], *wt = in[1], *bias = n->nin > 2 ? in[2] : NULL;
  float *y = out[0];
  int64_t N = tx->dims[0], C = tx->dims[1], M = tw->dims[0];
  int64_t Cg = C / w.group, Mg = M / w.group;
  int64_t H = w.in[0], W = w.in[1], OH = w.out[0], OW = w.out[1], KH = w.k[0], KW = w.k[1];
  for (int64_t b = 0; b < N; b++)
    for (int64_t m = 0; m < M; m++) {
      int64_t c0 = m / Mg * Cg; /* first input channel of m's group */
      for (int64_t oh = 0; oh < OH; oh++)
        for (int64_t ow = 0; ow < OW; ow++) {
          float acc = 0;
          for (int64_t c = 0; c < Cg; c++)
            for (int64_t kh = 0; kh < KH; kh++) {
              int64_t ih = oh * w.s[0] - w.pb[0] + kh * w.d[0];
              if (ih < 0 || ih >= H)
                continue;
              for (int64_t kw = 0; kw < KW; kw++) {
                int64_t iw = ow * w.s[1] - w.pb[1] + kw * w.d[1];
                if (iw < 0 || iw >= W)
                  continue;
                acc += x[((b * C + c0 + c) * H + ih) * W + iw] * wt[((m * Cg + c) * KH + kh) * KW + kw];
              }
            }
          y[((b * M + m) * OH + oh) * OW + ow] = bias ? acc + bias[m] : acc;
        }
    }
  return 0;
}

/* MaxPool: the largest tap inside the input (padding is -inf; a NaN tap wins).
 * Output 1, when present, gets the flat NCHW index of that tap in x
 * (storage_order 0). */
int interp_maxpool(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  Window w;
  if (window_params(g, n, &w, d))
    return -1;
  const Tensor *tx = node_in(g, n, 0);
  const float *x = in[0];
  float *y = out[0];
  int64_t *ind = n->nout > 1 ? out[1] : NULL;
  int64_t NC = tx->dims[0] * tx->dims[1];
  int64_t H = w.in[0], W = w.in[1], OH = w.out[0], OW = w.out[1];
  for (int64_t p = 0; p < NC; p++)
    for (int64_t oh = 0; oh < OH; oh++)
      for (int64_t ow = 0; ow < OW; ow++) {
        float m = -INFINITY;
        int64_t at = -1;
        for (int64_t kh = 0; kh < w.k[0]; kh++) {
          int64_t ih = oh * w.s[0] - w.pb[0] + kh * w.d[0];
          if (ih < 0 || ih >= H)
            continue;
          for (int64_t kw = 0; kw < w.k[1]; kw++) {
            int64_t iw = ow * w.s[1] - w.pb[1] + kw * w.d[1];
            if (iw < 0 || iw >= W)
              continue;
            float v = x[(p * H + ih) * W + iw];
            if (at < 0 || v > m || (isnan(v) && !isnan(m))) {
              m = v;
              at = (p * H + ih) * W + iw;
            }
          }
        }
        int64_t o = (p * OH + oh) * OW + ow;
        y[o] = m;
        if (ind)
          ind[o] = at;
      }
  return 0;
}

/* AveragePool: the sum of the taps inside the input (kh, then kw) divided by
 * the number of taps inside the input (count_include_pad = 0) or inside the
 * input and its explicit pads (count_include_pad = 1). With ceil_mode a last
 * window may hang past the end pad; its extra taps count in neither case
 * (PyTorch's rule; ONNX's text does not say). */
int interp_avgpool(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  Window w;
  if (window_params(g, n, &w, d))
    return -1;
  const Tensor *tx = node_in(g, n, 0);
  const float *x = in[0];
  float *y = out[0];
  int64_t NC = tx->dims[0] * tx->dims[1];
  int64_t H = w.in[0], W = w.in[1], OH = w.out[0], OW = w.out[1];
  for (int64_t p = 0; p < NC; p++)
    for (int64_t oh = 0; oh < OH; oh++)
      for (int64_t ow = 0; ow < OW; ow++) {
        float sum = 0;
        int64_t cnt = 0;
        for (int64_t kh = 0; kh < w.k[0]; kh++) {
          int64_t ih = oh * w.s[0] - w.pb[0] + kh * w.d[0];
          int inh = ih >= 0 && ih < H, padh = ih >= -w.pb[0] && ih < H + w.pe[0];
          for (int64_t kw = 0; kw < w.k[1]; kw++) {
            int64_t iw = ow * w.s[1] - w.pb[1] + kw * w.d[1];
            int inw = iw >= 0 && iw < W, padw = iw >= -w.pb[1] && iw < W + w.pe[1];
            if (inh && inw)
              sum += x[(p * H + ih) * W + iw];
            if (w.count_include_pad ? padh && padw : inh && inw)
              cnt++;
          }
        }
        y[(p * OH + oh) * OW + ow] = sum / (float)cnt;
      }
  return 0;
}

/* GlobalAveragePool: mean over all spatial positions of each (n, c), summed
 * in float in memory order. */
int interp_globalavgpool(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *tx = node_in(g, n, 0);
  const float *x = in[0];
  float *y = out[0];
  int64_t NC = tx->dims[0] * tx->dims[1], S = dims_prod(tx->dims, 2, tx->rank);
  for (int64_t p = 0; p < NC; p++) {
    float sum = 0;
    for (int64_t i = 0; i < S; i++)
      sum += x[p * S + i];
    y[p] = sum / (float)S;
  }
  return 0;
}

/* Gemm: Y = alpha * (A' B') + beta * C, A' = transA ? A^T : A (M x K),
 * B' = transB ? B^T : B (K x N); the dot product accumulates over k in
 * float, then is scaled by alpha; C is broadcast to M x N. */
int interp_gemm(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *ta = node_in(g, n, 0), *tb = node_in(g, n, 1), *tc = node_in(g, n, 2);
  int transA = attr_int(n, "transA", 0) != 0, transB = attr_int(n, "transB", 0) != 0;
  float alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
  int64_t M = ta->dims[transA], K = ta->dims[!transA], N = tb->dims[!transB];
  int64_t sam = transA ? 1 : K, sak = transA ? M : 1; /* strides of A' */
  int64_t sbk = transB ? 1 : N, sbn = transB ? K : 1; /* strides of B' */
  const float *a = in[0], *b = in[1], *c = tc ? in[2] : NULL;
  float *y = out[0];
  int64_t dims[2] = {M, N}, sc[2] = {0, 0};
  if (tc)
    bcast_strides(tc, 2, dims, sc);
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      float acc = 0;
      for (int64_t k = 0; k < K; k++)
        acc += a[i * sam + k * sak] * b[k * sbk + j * sbn];
      y[i * N + j] = c ? alpha * acc + beta * c[i * sc[0] + j * sc[1]] : alpha * acc;
    }
  return 0;
}

/* MatMul with numpy semantics: a 1-D A is a row [1, K] and a 1-D B a column
 * [K, 1] (the added dim does not appear in the output); the leading batch
 * dims broadcast. Each dot product accumulates over k in float. */
int interp_matmul(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *ta = node_in(g, n, 0), *tb = node_in(g, n, 1);
  Tensor a2 = *ta, b2 = *tb; /* A and B as (batch..., rows, cols) */
  if (a2.rank == 1) {
    a2.rank = 2;
    a2.dims[1] = a2.dims[0];
    a2.dims[0] = 1;
  }
  if (b2.rank == 1) {
    b2.rank = 2;
    b2.dims[1] = 1;
  }
  int64_t M = a2.dims[a2.rank - 2], K = a2.dims[a2.rank - 1], N = b2.dims[b2.rank - 1];
  int br = (a2.rank > b2.rank ? a2.rank : b2.rank) - 2; /* batch rank */
  int64_t bd[XN_MAX_RANK], sa[XN_MAX_RANK], sb[XN_MAX_RANK], idx[XN_MAX_RANK] = {0};
  /* Batch extents, and batch strides in units of one matrix. */
  Tensor ba = a2, bb = b2;
  ba.rank = a2.rank - 2;
  bb.rank = b2.rank - 2;
  for (int i = 0; i < br; i++) {
    int ia = i - (br - ba.rank), ib = i - (br - bb.rank);
    int64_t ea = ia >= 0 ? ba.dims[ia] : 1, eb = ib >= 0 ? bb.dims[ib] : 1;
    bd[i] = ea == 1 ? eb : ea;
  }
  bcast_strides(&ba, br, bd, sa);
  bcast_strides(&bb, br, bd, sb);
  int64_t nbatch = dims_prod(bd, 0, br), oa = 0, ob = 0;
  const float *A = in[0], *B = in[1];
  float *y = out[0];
  for (int64_t t = 0; t < nbatch; t++) {
    const float *a = A + oa * M * K, *b = B + ob * K * N;
    float *yy = y + t * M * N;
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) {
        float acc = 0;
        for (int64_t k = 0; k < K; k++)
          acc += a[i * K + k] * b[k * N + j];
        yy[i * N + j] = acc;
      }
    for (int k = br - 1; k >= 0; k--) {
      oa += sa[k];
      ob += sb[k];
      if (++idx[k] < bd[k])
        break;
      oa -= sa[k] * bd[k];
      ob -= sb[k] * bd[k];
      idx[k] = 0;
    }
  }
  return 0;
}

/* The Reduce* ops on floats, per output, over its inputs in input memory
 * order: acc starts at reduce_init, takes each input v by reduce_step and
 * ends as reduce_final. Max and Min propagate NaN; ReduceLogSumExp is m +
 * log(sum exp(v - m)) with m the output's maximum (a first pass), m itself
 * when m is infinite. backend/emit_ops.c (body_reduce) writes the same. */
static float reduce_init(Op op) {
  return op == OP_ReduceProd ? 1.0f : op == OP_ReduceMax ? -HUGE_VALF : op == OP_ReduceMin ? HUGE_VALF : 0.0f;
}

static float reduce_step(Op op, float acc, float v, float m) {
  switch (op) {
  case OP_ReduceSum:
  case OP_ReduceMean:
  case OP_ReduceLogSum: return acc + v;
  case OP_ReduceProd: return acc * v;
  case OP_ReduceMax: return v > acc || isnan(v) ? v : acc;
  case OP_ReduceMin: return v < acc || isnan(v) ? v : acc;
  case OP_ReduceL1: return acc + fabsf(v);
  case OP_ReduceL2:
  case OP_ReduceSumSquare: return acc + v * v;
  case OP_ReduceLogSumExp: return acc + expf(v - m);
  default: xn_unreachable("not a Reduce op");
  }
}

static float reduce_final(Op op, float acc, float m, int64_t cnt) {
  switch (op) {
  case OP_ReduceMean: return acc / (float)cnt;
  case OP_ReduceL2: return sqrtf(acc);
  case OP_ReduceLogSum: return logf(acc);
  case OP_ReduceLogSumExp: return isinf(m) ? m : m + logf(acc);
  default: return acc;
  }
}

/* int64 ReduceSum, ReduceProd (both wrapping), ReduceMax, ReduceMin. */
static int64_t reduce_step_i64(Op op, int64_t acc, int64_t v) {
  switch (op) {
  case OP_ReduceSum: return (int64_t)((uint64_t)acc + (uint64_t)v);
  case OP_ReduceProd: return (int64_t)((uint64_t)acc * (uint64_t)v);
  case OP_ReduceMax: return v > acc ? v : acc;
  case OP_ReduceMin: return v < acc ? v : acc;
  default: xn_unreachable("not an int64 Reduce op");
  }
}

/* Advances the input index idx (extents dims) by one and the output offset o
 * by st (0 on reduced axes). */
static void reduce_next(int rank, const int64_t *dims, const int64_t *st, int64_t *idx, int64_t *o) {
  for (int k = rank - 1; k >= 0; k--) {
    *o += st[k];
    if (++idx[k] < dims[k])
      return;
    *o -= st[k] * dims[k];
    idx[k] = 0;
  }
}

int interp_reduce(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  Reduce r;
  if (reduce_params(g, n, &r, d))
    return -1;
  const Tensor *tx = node_in(g, n, 0), *ty = node_out(g, n, 0);
  int64_t ny = tensor_numel(ty), nx = tensor_numel(tx);
  if (r.noop) {
    memcpy(out[0], in[0], (size_t)nx * dtype_size(tx->dtype));
    return 0;
  }
  int rank = tx->rank;
  int64_t kd[XN_MAX_RANK], st[XN_MAX_RANK], cnt = 1;
  for (int i = 0; i < rank; i++) {
    kd[i] = r.axis[i] ? 1 : tx->dims[i]; /* the output as keepdims would shape it */
    if (r.axis[i])
      cnt *= tx->dims[i];
  }
  dense_strides(rank, kd, st);
  for (int i = 0; i < rank; i++)
    if (r.axis[i])
      st[i] = 0;
  if (!dtype_is_float(tx->dtype)) {
    const int64_t *x = in[0];
    int64_t *y = out[0], idx[XN_MAX_RANK] = {0}, o = 0;
    int64_t init = n->op == OP_ReduceProd ? 1 : n->op == OP_ReduceMax ? INT64_MIN : n->op == OP_ReduceMin ? INT64_MAX : 0;
    for (int64_t i = 0; i < ny; i++)
      y[i] = init;
    for (int64_t i = 0; i < nx; i++, reduce_next(rank, tx->dims, st, idx, &o))
      y[o] = dtype_wrap(tx->dtype, reduce_step_i64(n->op, y[o], x[i]));
    return 0;
  }
  const float *x = in[0];
  float *y = out[0], *m = NULL;
  if (n->op == OP_ReduceLogSumExp) { /* the first pass: each output's maximum */
    int64_t idx[XN_MAX_RANK] = {0}, o = 0;
    m = arena_array(g->arena, (size_t)ny + 1, sizeof *m);
    for (int64_t i = 0; i < ny; i++)
      m[i] = -HUGE_VALF;
    for (int64_t i = 0; i < nx; i++, reduce_next(rank, tx->dims, st, idx, &o))
      m[o] = reduce_step(OP_ReduceMax, m[o], x[i], 0.0f);
  }
  int64_t idx[XN_MAX_RANK] = {0}, o = 0;
  for (int64_t i = 0; i < ny; i++)
    y[i] = reduce_init(n->op);
  for (int64_t i = 0; i < nx; i++, reduce_next(rank, tx->dims, st, idx, &o))
    y[o] = reduce_step(n->op, y[o], x[i], m ? m[o] : 0.0f);
  for (int64_t i = 0; i < ny; i++)
    y[i] = reduce_final(n->op, y[i], m ? m[i] : 0.0f, cnt);
  return 0;
}
