/* binary.c - reference semantics of the xnor domain ops, in plain loops.
 *
 * sign(x) = +1 for x >= 0 (also -0.0, and NaN as the runtime packs it), else -1;
 * the same for weights.
 *
 * Accumulation order (every op): sums run in double, in ascending index order
 * (channel, then kernel row, then kernel column; features for BinGemm; the
 * weights of a filter in memory order for alpha), and each output is rounded
 * to float once, at the end:
 *   Y = (float)(((alpha * S) * K) + B)    all in double.
 * With +-1 inputs the convolution sum S is an exact integer, so XNOR layers do
 * not depend on the order at all; alpha = mean |W| is exact for weights already
 * stored as +-alpha (a sum of n equal floats is exact in double for n < 2^29).
 */
#include <math.h>

#include "interp_impl.h"

static double sgn(float x) { return x < 0.0f ? -1.0 : 1.0; }

/* alpha_k = mean |W_k| for each of the m filters of fs weights (Eq. 6). */
static float *filter_alphas(Graph *g, const float *w, int64_t m, int64_t fs) {
  float *alpha = arena_array(g->arena, (size_t)m + 1, sizeof *alpha);
  for (int64_t k = 0; k < m; k++) {
    double sum = 0;
    for (int64_t j = 0; j < fs; j++)
      sum += fabs((double)w[k * fs + j]);
    alpha[k] = (float)(sum / (double)fs);
  }
  return alpha;
}

/* BinActiv: Y = sign(X); A = mean over axis 1 of |X|, axis kept. */
static void run_activ(Graph *g, const Node *n, const float *x, float *y, float *a) {
  const Tensor *xt = node_in(g, n, 0);
  int64_t numel = tensor_numel(xt);
  for (int64_t i = 0; i < numel; i++)
    y[i] = (float)sgn(x[i]);
  if (!a)
    return;
  int64_t outer = xt->dims[0], c = xt->dims[1], inner = 1;
  for (int i = 2; i < xt->rank; i++)
    inner *= xt->dims[i];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t s = 0; s < inner; s++) {
      double sum = 0;
      for (int64_t ch = 0; ch < c; ch++)
        sum += fabs((double)x[(o * c + ch) * inner + s]);
      a[o * inner + s] = (float)(sum / (double)c);
    }
}

double bin_conv_sum(const Window *win, const float *x, const float *w, int64_t in, int64_t m, int64_t oy,
                    int64_t ox, int64_t C, int64_t M, double pv, int sign_x) {
  const int64_t H = win->in[0], W = win->in[1], KH = win->k[0], KW = win->k[1];
  const int64_t CG = C / win->group, c0 = (m / (M / win->group)) * CG;
  double s = 0;
  for (int64_t c = 0; c < CG; c++)
    for (int64_t ky = 0; ky < KH; ky++)
      for (int64_t kx = 0; kx < KW; kx++) {
        int64_t iy = oy * win->s[0] - win->pb[0] + ky * win->d[0];
        int64_t ix = ox * win->s[1] - win->pb[1] + kx * win->d[1];
        double xv = pv;
        if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
          float xf = x[((in * C + c0 + c) * H + iy) * W + ix];
          xv = sign_x ? sgn(xf) : (double)xf;
        }
        s += xv * sgn(w[((m * CG + c) * KH + ky) * KW + kx]);
      }
  return s;
}

double bin_k_window(const Window *win, const float *a, int64_t in, int64_t oy, int64_t ox) {
  const int64_t H = win->in[0], W = win->in[1], KH = win->k[0], KW = win->k[1];
  double ks = 0;
  for (int64_t ky = 0; ky < KH; ky++)
    for (int64_t kx = 0; kx < KW; kx++) {
      int64_t iy = oy * win->s[0] - win->pb[0] + ky * win->d[0];
      int64_t ix = ox * win->s[1] - win->pb[1] + kx * win->d[1];
      if (iy >= 0 && iy < H && ix >= 0 && ix < W)
        ks += (double)a[(in * H + iy) * W + ix];
    }
  return ks / (double)(KH * KW);
}

/* BinConv (Eq. 1 for real X, Eq. 11 for binary X with A):
 *   Y[n,m,oy,ox] = alpha_m * sum_{c in group(m), ky, kx} Xp[n,c,iy,ix] * sign(W[m,c,ky,kx])
 *                  * K[n,oy,ox] + B[m]
 *   iy = oy*sy - pby + ky*dy, ix = ox*sx - pbx + kx*dx,
 *   Xp = X inside the input, pad_value outside;
 *   K[n,oy,ox] = sum_{ky,kx} A0[n,iy,ix] / (kh*kw), A0 = A inside, 0 outside. */
static int run_conv(Graph *g, const Node *n, Diag *d, const float *x, const float *w, const float *b,
                    const float *a, float *y) {
  Window win;
  if (window_params(g, n, &win, d))
    return -1;
  const Tensor *xt = node_in(g, n, 0), *wt = node_in(g, n, 1);
  const double pv = (double)attr_int(n, "pad_value", 0);
  const int64_t N = xt->dims[0], C = xt->dims[1];
  const int64_t M = wt->dims[0], OH = win.out[0], OW = win.out[1];
  const int64_t fs = C / win.group * win.k[0] * win.k[1];
  float *alpha = filter_alphas(g, w, M, fs);
  for (int64_t in = 0; in < N; in++)
    for (int64_t m = 0; m < M; m++) {
      for (int64_t oy = 0; oy < OH; oy++)
        for (int64_t ox = 0; ox < OW; ox++) {
          double s = bin_conv_sum(&win, x, w, in, m, oy, ox, C, M, pv, 0);
          double v = (double)alpha[m] * s;
          if (a)
            v *= bin_k_window(&win, a, in, oy, ox);
          if (b)
            v += (double)b[m];
          y[((in * M + m) * OH + oy) * OW + ox] = (float)v;
        }
    }
  return 0;
}

/* BinGemm: Y[r,m] = alpha_m * sum_f X[r,f] * sign(W[m,f]) * A[r] + B[m],
 * r over all rows of X (every dim but the last). */
static void run_gemm(Graph *g, const Node *n, const float *x, const float *w, const float *b, const float *a,
                     float *y) {
  const Tensor *xt = node_in(g, n, 0), *wt = node_in(g, n, 1);
  const int64_t F = xt->dims[xt->rank - 1], M = wt->dims[0], R = tensor_numel(xt) / (F ? F : 1);
  float *alpha = filter_alphas(g, w, M, F);
  for (int64_t r = 0; r < R; r++)
    for (int64_t m = 0; m < M; m++) {
      double s = 0;
      for (int64_t f = 0; f < F; f++)
        s += (double)x[r * F + f] * sgn(w[m * F + f]);
      double v = (double)alpha[m] * s;
      if (a)
        v *= (double)a[r];
      if (b)
        v += (double)b[m];
      y[r * M + m] = (float)v;
    }
}

/* An input is present when the node names a tensor for it. */
static const float *present(Graph *g, const Node *n, void *const *in, int i) {
  return node_in(g, n, i) ? in[i] : NULL;
}

int interp_binactiv(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  run_activ(g, n, in[0], out[0], node_out(g, n, 1) ? out[1] : NULL);
  return 0;
}

int interp_binconv(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  return run_conv(g, n, d, in[0], present(g, n, in, 1), present(g, n, in, 2), present(g, n, in, 3), out[0]);
}

int interp_bingemm(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  run_gemm(g, n, in[0], present(g, n, in, 1), present(g, n, in, 2), present(g, n, in, 3), out[0]);
  return 0;
}
