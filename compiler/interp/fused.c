/* fused.c - reference semantics of the fused xnor ops (docs/fusion.md), in
 * plain loops. Binary (bit) outputs are stored as float +-1.
 *
 * BinThreshold: Y[n,c,...] = +1 if X is NaN or X <= Lo[c] or X >= Hi[c], else -1
 *   (a NaN bound never matches: Lo = NaN, Hi = t is "X >= t").
 * XnorBlock:
 *   S[n,m,oy,ox] = sum over c in group(m), ky, kx of Xp * sign(W[m,c,ky,kx])
 *                  (an exact integer; Xp = sign(X) inside, pad_value outside:
 *                  X is +-1, and anything else is read as its sign)
 *   output "float": v = (float)(((double)P[m] * S) * K + Q[m]) as BinConv
 *                   (K from A when given, Q = 0 when omitted), then
 *                   v = max(v, 0) when relu = 1, then the max-pool of v;
 *   output "bit":   b = +1 if S <= P[m] or S >= Q[m], else -1; with a pool,
 *                   R[m] = 0: +1 if any tap of the window is +1,
 *                   R[m] = 1: +1 if every tap of the window is +1.
 * Pool windows count only taps inside the conv output (padding is ignored).
 * XnorDense (X ... x F, W M x F, Lo/Hi int64 [M]):
 *   S[r,m] = sum over f of sign(X[r,f]) * sign(W[m,f])   (an exact integer)
 *   Y[r,m] = +1 if S <= Lo[m] or S >= Hi[m], else -1.
 */
#include <math.h>
#include <string.h>

#include "interp_impl.h"

static int run_threshold(Graph *g, const Node *n, const float *x, const float *lo, const float *hi, float *y) {
  const Tensor *xt = node_in(g, n, 0);
  int64_t outer = xt->dims[0], c = xt->dims[1], inner = 1;
  for (int i = 2; i < xt->rank; i++)
    inner *= xt->dims[i];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t ch = 0; ch < c; ch++)
      for (int64_t s = 0; s < inner; s++) {
        float v = x[(o * c + ch) * inner + s];
        y[(o * c + ch) * inner + s] = isnan(v) || v <= lo[ch] || v >= hi[ch] ? 1.0f : -1.0f;
      }
  return 0;
}

static int run_block(Graph *g, const Node *n, Diag *d, void *const *in, float *y) {
  Window win;
  if (window_params(g, n, &win, d))
    return -1;
  Window pool;
  if (xnor_pool_window(g, n, d, win.out, &pool))
    return -1;
  const Tensor *xt = node_in(g, n, 0), *wt = node_in(g, n, 1);
  int bit = node_writes_bits(n), relu = attr_int(n, "relu", 0) != 0;
  const float *x = in[0], *w = in[1];
  const float *scale = bit ? NULL : in[2], *bias = !bit && node_in(g, n, 3) ? in[3] : NULL;
  const float *a = node_in(g, n, 4) ? in[4] : NULL;
  const int64_t *lo = bit ? in[2] : NULL, *hi = bit ? in[3] : NULL, *r = node_in(g, n, 5) ? in[5] : NULL;
  const double pv = (double)attr_int(n, "pad_value", 0);
  const int64_t N = xt->dims[0], C = xt->dims[1];
  const int64_t M = wt->dims[0], OH = win.out[0], OW = win.out[1];
  const int64_t PH = pool.nsp ? pool.out[0] : OH, PW = pool.nsp ? pool.out[1] : OW;
  float *v = arena_array(g->arena, (size_t)(OH * OW) + 1, sizeof *v); /* one channel before the pool */
  for (int64_t in_ = 0; in_ < N; in_++)
    for (int64_t m = 0; m < M; m++) {
      for (int64_t oy = 0; oy < OH; oy++)
        for (int64_t ox = 0; ox < OW; ox++) {
          double s = bin_conv_sum(&win, x, w, in_, m, oy, ox, C, M, pv, 1);
          float o;
          if (bit) {
            int64_t si = (int64_t)s;
            o = si <= lo[m] || si >= hi[m] ? 1.0f : -1.0f;
          } else {
            double t = (double)scale[m] * s;
            if (a)
              t *= bin_k_window(&win, a, in_, oy, ox);
            if (bias)
              t += (double)bias[m];
            o = (float)t;
            if (relu)
              o = o < 0 ? 0.0f : o;
          }
          v[oy * OW + ox] = o;
        }
      float *ym = y + (in_ * M + m) * PH * PW;
      if (!pool.nsp) {
        memcpy(ym, v, (size_t)(OH * OW) * sizeof *v);
        continue;
      }
      for (int64_t py = 0; py < PH; py++)
        for (int64_t px = 0; px < PW; px++) {
          float best = 0;
          int any = 0, all = 1, seen = 0;
          for (int64_t ky = 0; ky < pool.k[0]; ky++)
            for (int64_t kx = 0; kx < pool.k[1]; kx++) {
              int64_t iy = py * pool.s[0] - pool.pb[0] + ky * pool.d[0];
              int64_t ix = px * pool.s[1] - pool.pb[1] + kx * pool.d[1];
              if (iy < 0 || iy >= OH || ix < 0 || ix >= OW)
                continue;
              float t = v[iy * OW + ix];
              if (!seen || t > best || (isnan(t) && !isnan(best))) /* as MaxPool: NaN wins */
                best = t;
              seen = 1;
              any |= t > 0;
              all &= t > 0;
            }
          if (bit)
            best = (r[m] ? all : any) ? 1.0f : -1.0f;
          ym[py * PW + px] = best;
        }
    }
  return 0;
}

static int run_dense(Graph *g, const Node *n, void *const *in, float *y) {
  const Tensor *xt = node_in(g, n, 0), *wt = node_in(g, n, 1);
  const float *x = in[0], *w = in[1];
  const int64_t *lo = in[2], *hi = in[3];
  const int64_t F = xt->dims[xt->rank - 1], M = wt->dims[0], R = F ? tensor_numel(xt) / F : 0;
  for (int64_t r = 0; r < R; r++)
    for (int64_t m = 0; m < M; m++) {
      int64_t s = 0;
      for (int64_t f = 0; f < F; f++)
        s += (x[r * F + f] < 0.0f) == (w[m * F + f] < 0.0f) ? 1 : -1;
      y[r * M + m] = s <= lo[m] || s >= hi[m] ? 1.0f : -1.0f;
    }
  return 0;
}

int interp_binthreshold(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  return run_threshold(g, n, in[0], in[1], in[2], out[0]);
}

int interp_xnorblock(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  return run_block(g, n, d, in, out[0]);
}

int interp_xnordense(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  return run_dense(g, n, in, out[0]);
}
