/* interp_elem.c - elementwise ops, broadcasting, BatchNormalization, Softmax.
 * All float arithmetic is in float, in the natural element order. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "interp_impl.h"

void dense_strides(int rank, const int64_t *dims, int64_t *st) {
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; i--) {
    st[i] = s;
    s *= dims[i];
  }
}

int64_t dims_prod(const int64_t *dims, int from, int to) {
  int64_t p = 1;
  for (int i = from; i < to; i++)
    p *= dims[i];
  return p;
}

void bcast_strides(const Tensor *t, int orank, const int64_t *odims, int64_t *st) {
  int64_t ts[XN_MAX_RANK];
  dense_strides(t->rank, t->dims, ts);
  for (int i = 0; i < orank; i++) {
    int j = i - (orank - t->rank); /* t's dim aligned with output dim i */
    st[i] = j < 0 || t->dims[j] == 1 || odims[i] == 1 ? 0 : ts[j];
  }
}

/* Advances the output index idx (extents dims) by one and the two input
 * offsets by their strides (odometer order: last dim fastest). */
static void step2(int rank, const int64_t *dims, int64_t *idx, const int64_t *sa, const int64_t *sb, int64_t *oa,
                  int64_t *ob) {
  for (int k = rank - 1; k >= 0; k--) {
    *oa += sa[k];
    *ob += sb[k];
    if (++idx[k] < dims[k])
      return;
    *oa -= sa[k] * dims[k];
    *ob -= sb[k] * dims[k];
    idx[k] = 0;
  }
}

static float sign_f(float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : x == 0 ? 0.0f : x; }

/* One value of a float unary op, as ONNX defines it (Sign(0) = 0, Round
 * halves to even, Softplus = ln(exp(x) + 1), HardSwish = x * max(0, min(1,
 * x / 6 + 1/2)), Elu/Selu/Celu through expm1). The emitters of backend/
 * emit_ops.c write the same expressions. */
static float unary_f(Op op, float v, const UnaryParams *a) {
  switch (op) {
  case OP_Relu: return v < 0 ? 0.0f : v;
  case OP_LeakyRelu: return v < 0 ? a->alpha * v : v;
  case OP_Sigmoid: return 1.0f / (1.0f + expf(-v));
  case OP_Tanh: return tanhf(v);
  case OP_Abs: return fabsf(v);
  case OP_Sign: return sign_f(v);
  case OP_Neg: return -v;
  case OP_Sqrt: return sqrtf(v);
  case OP_Reciprocal: return 1.0f / v;
  case OP_Exp: return expf(v);
  case OP_Log: return logf(v);
  case OP_Round: return nearbyintf(v); /* the default rounding mode: half to even */
  case OP_Floor: return floorf(v);
  case OP_Ceil: return ceilf(v);
  case OP_Sin: return sinf(v);
  case OP_Cos: return cosf(v);
  case OP_Tan: return tanf(v);
  case OP_Asin: return asinf(v);
  case OP_Acos: return acosf(v);
  case OP_Atan: return atanf(v);
  case OP_Sinh: return sinhf(v);
  case OP_Cosh: return coshf(v);
  case OP_Asinh: return asinhf(v);
  case OP_Acosh: return acoshf(v);
  case OP_Atanh: return atanhf(v);
  case OP_Erf: return erff(v);
  case OP_Softplus: return log1pf(expf(v));
  case OP_Softsign: return v / (1.0f + fabsf(v));
  case OP_HardSwish: {
    float t = v * (1.0f / 6.0f) + 0.5f;
    return v * (t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t);
  }
  case OP_Elu: return v < 0 ? a->alpha * expm1f(v) : v;
  case OP_Selu: return v > 0 ? a->gamma * v : a->gamma * (a->alpha * expm1f(v));
  case OP_Celu: return v > 0 ? v : a->alpha * expm1f(v / a->alpha);
  case OP_ThresholdedRelu: return v > a->alpha ? v : 0.0f;
  case OP_Shrink: return v < -a->lambd ? v + a->bias : v > a->lambd ? v - a->bias : 0.0f;
  default: xn_unreachable("not a unary op");
  }
}

/* int64 Abs, Sign, Relu and Neg (shape arithmetic); Abs and Neg wrap like
 * two's complement on INT64_MIN. */
static int64_t unary_i64(Op op, int64_t v) {
  switch (op) {
  case OP_Abs: return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
  case OP_Neg: return (int64_t)(0 - (uint64_t)v);
  case OP_Sign: return v > 0 ? 1 : v < 0 ? -1 : 0;
  case OP_Relu: return v < 0 ? 0 : v;
  default: xn_unreachable("not an int64 unary op");
  }
}

int interp_unary(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *t = node_in(g, n, 0);
  int64_t cnt = tensor_numel(t);
  if (!dtype_is_float(t->dtype)) {
    const int64_t *x = in[0];
    int64_t *y = out[0];
    for (int64_t i = 0; i < cnt; i++)
      y[i] = dtype_wrap(t->dtype, unary_i64(n->op, x[i]));
    return 0;
  }
  const float *x = in[0];
  float *y = out[0];
  UnaryParams a;
  unary_params(n, &a);
  for (int64_t i = 0; i < cnt; i++)
    y[i] = unary_f(n->op, x[i], &a);
  return 0;
}

/* HardSigmoid: y = max(0, min(1, alpha * x + beta)), in float; NaN stays NaN. */
int interp_hardsigmoid(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const float *x = in[0];
  float *y = out[0];
  float alpha = attr_float(n, "alpha", 0.2f), beta = attr_float(n, "beta", 0.5f);
  for (int64_t i = 0, cnt = tensor_numel(node_in(g, n, 0)); i < cnt; i++) {
    float t = alpha * x[i] + beta;
    y[i] = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
  }
  return 0;
}

/* int64 arithmetic wraps (as two's complement) instead of overflowing; Div
 * truncates toward zero like C; Mod takes the sign of the divisor (Python's
 * %), or of the dividend with fmod (C's %); a zero divisor is reported. */
static int binary_i64(Graph *g, const Node *n, Diag *d, int fmod, int64_t a, int64_t b, int64_t *r) {
  uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
  switch (n->op) {
  case OP_Add:
  case OP_Sum: *r = (int64_t)(ua + ub); return 0;
  case OP_Sub: *r = (int64_t)(ua - ub); return 0;
  case OP_Mul: *r = (int64_t)(ua * ub); return 0;
  case OP_Max: *r = a > b ? a : b; return 0;
  case OP_Min: *r = a < b ? a : b; return 0;
  case OP_Div:
  case OP_Mod:
    if (b == 0) {
      node_error(d, g, n, "int64 %s by zero", n->op == OP_Div ? "division" : "modulo");
      return -1;
    }
    if (a == INT64_MIN && b == -1) { /* a / b overflows; a % b is 0 */
      if (n->op == OP_Div) {
        node_error(d, g, n, "int64 division overflows");
        return -1;
      }
      *r = 0;
      return 0;
    }
    if (n->op == OP_Div) {
      *r = a / b;
      return 0;
    }
    *r = a % b;
    if (!fmod && *r != 0 && (*r < 0) != (b < 0))
      *r += b;
    return 0;
  default: xn_unreachable("not an int64 broadcasting op");
  }
}

/* a op b in float. Max and Min propagate NaN (numpy's maximum/minimum); Mod
 * is fmod (the shape rule admits floats only with fmod = 1); Sum and Mean
 * add (Mean divides at the end). */
static float binary_f(Op op, float a, float b) {
  switch (op) {
  case OP_Add:
  case OP_Sum:
  case OP_Mean: return a + b;
  case OP_Sub: return a - b;
  case OP_Mul: return a * b;
  case OP_Div: return a / b;
  case OP_Mod: return fmodf(a, b);
  case OP_Max: return a > b || isnan(a) ? a : b;
  case OP_Min: return a < b || isnan(a) ? a : b;
  default: xn_unreachable("not a float broadcasting op");
  }
}

/* Add, Sub, Mul, Div, Mod and the variadic Max, Min, Sum, Mean, numpy
 * broadcasting: y = x0 broadcast to y's shape, then y = y op xk for k = 1,
 * 2, ... in turn (left to right, in the input's type); Mean then divides by
 * the number of inputs. */
int interp_arith(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  const Tensor *ty = node_out(g, n, 0);
  int r = ty->rank, fmod = attr_int(n, "fmod", 0) != 0;
  int64_t cnt = tensor_numel(ty), sy[XN_MAX_RANK];
  dense_strides(r, ty->dims, sy);
  for (int k = 0; k < n->nin; k++) {
    int64_t sk[XN_MAX_RANK], idx[XN_MAX_RANK] = {0}, oy = 0, ok = 0;
    bcast_strides(node_in(g, n, k), r, ty->dims, sk);
    if (!dtype_is_float(ty->dtype)) { /* int64, int32 (wrapped after each step) */
      const int64_t *x = in[k];
      int64_t *y = out[0];
      for (int64_t i = 0; i < cnt; i++, step2(r, ty->dims, idx, sy, sk, &oy, &ok))
        if (!k)
          y[i] = x[ok];
        else if (binary_i64(g, n, d, fmod, y[i], x[ok], &y[i]))
          return -1;
        else
          y[i] = dtype_wrap(ty->dtype, y[i]);
    } else {
      const float *x = in[k];
      float *y = out[0];
      for (int64_t i = 0; i < cnt; i++, step2(r, ty->dims, idx, sy, sk, &oy, &ok))
        y[i] = k ? binary_f(n->op, y[i], x[ok]) : x[ok];
    }
  }
  if (n->op == OP_Mean) {
    float *y = out[0];
    for (int64_t i = 0; i < cnt; i++)
      y[i] /= (float)n->nin;
  }
  return 0;
}

/* int64 a to the power e >= 0 (wrapping), by squaring. */
static int64_t ipow(int64_t a, int64_t e) {
  uint64_t r = 1, b = (uint64_t)a;
  for (; e > 0; e >>= 1, b *= b)
    if (e & 1)
      r *= b;
  return (int64_t)r;
}

/* Pow with numpy broadcasting; the output has the base's type. float base:
 * powf(x, e) with an int64 exponent converted to float; int64 base: exact
 * integer powers of an int64 exponent (a negative one is an error), a float
 * exponent through pow in double, truncated toward zero (ONNX's reference
 * casts numpy's float64 result back). */
int interp_pow(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  const Tensor *tx = node_in(g, n, 0), *te = node_in(g, n, 1), *ty = node_out(g, n, 0);
  int r = ty->rank;
  int64_t sx[XN_MAX_RANK], se[XN_MAX_RANK], idx[XN_MAX_RANK] = {0}, ox = 0, oe = 0;
  bcast_strides(tx, r, ty->dims, sx);
  bcast_strides(te, r, ty->dims, se);
  int fx = dtype_is_float(tx->dtype), fe = dtype_is_float(te->dtype);
  for (int64_t i = 0, cnt = tensor_numel(ty); i < cnt; i++, step2(r, ty->dims, idx, sx, se, &ox, &oe)) {
    if (fx) {
      float e = fe ? ((const float *)in[1])[oe] : (float)((const int64_t *)in[1])[oe];
      ((float *)out[0])[i] = powf(((const float *)in[0])[ox], e);
      continue;
    }
    int64_t x = ((const int64_t *)in[0])[ox];
    if (fe) {
      double v = pow((double)x, (double)((const float *)in[1])[oe]);
      if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0)) {
        node_error(d, g, n, "int64 %lld to the power %g is not an int64", (long long)x,
                   (double)((const float *)in[1])[oe]);
        return -1;
      }
      ((int64_t *)out[0])[i] = dtype_wrap(ty->dtype, (int64_t)v);
      continue;
    }
    int64_t e = ((const int64_t *)in[1])[oe];
    if (e < 0) {
      node_error(d, g, n, "int64 %lld to the negative power %lld", (long long)x, (long long)e);
      return -1;
    }
    ((int64_t *)out[0])[i] = dtype_wrap(ty->dtype, ipow(x, e));
  }
  return 0;
}

/* PRelu: y = x < 0 ? slope * x : x, slope broadcast to x. */
int interp_prelu(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *tx = node_in(g, n, 0), *ts = node_in(g, n, 1);
  int r = tx->rank;
  int64_t sx[XN_MAX_RANK], ss[XN_MAX_RANK], idx[XN_MAX_RANK] = {0}, ox = 0, os = 0;
  dense_strides(r, tx->dims, sx);
  bcast_strides(ts, r, tx->dims, ss);
  const float *x = in[0], *s = in[1];
  float *y = out[0];
  int64_t cnt = tensor_numel(tx);
  for (int64_t i = 0; i < cnt; i++, step2(r, tx->dims, idx, sx, ss, &ox, &os))
    y[i] = x[ox] < 0 ? s[os] * x[ox] : x[ox];
  return 0;
}

/* Clip: y = min(max(x, lo), hi). Bounds: attributes min/max before opset 11
 * (defaults -FLT_MAX/FLT_MAX), optional scalar inputs 1 and 2 from opset 11
 * (an omitted one does not clip). */
int interp_clip(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *tx = node_in(g, n, 0);
  float lo = -INFINITY, hi = INFINITY;
  if (g->opset < 11) {
    lo = attr_float(n, "min", -FLT_MAX);
    hi = attr_float(n, "max", FLT_MAX);
  } else {
    if (n->nin > 1 && in[1])
      lo = *(const float *)in[1];
    if (n->nin > 2 && in[2])
      hi = *(const float *)in[2];
  }
  const float *x = in[0];
  float *y = out[0];
  int64_t cnt = tensor_numel(tx);
  for (int64_t i = 0; i < cnt; i++) {
    float v = x[i] < lo ? lo : x[i];
    y[i] = v > hi ? hi : v;
  }
  return 0;
}

float interp_bn_value(float x, float mean, float den, float scale, float bias) {
  return (x - mean) / den * scale + bias;
}

/* BatchNormalization (inference), as ONNX's reference computes it:
 * y = (x - mean) / sqrt(var + epsilon) * scale + B, per channel (dim 1).
 * Outputs 1..4 (training only) are never consumed; they are zero-filled. */
int interp_batchnorm(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)d;
  const Tensor *tx = node_in(g, n, 0);
  const float *x = in[0], *scale = in[1], *bias = in[2], *mean = in[3], *var = in[4];
  float *y = out[0];
  float eps = attr_float(n, "epsilon", 1e-5f);
  int64_t N = tx->dims[0], C = tx->dims[1], inner = dims_prod(tx->dims, 2, tx->rank);
  for (int64_t b = 0; b < N; b++)
    for (int64_t c = 0; c < C; c++) {
      float den = sqrtf(var[c] + eps);
      int64_t base = (b * C + c) * inner;
      for (int64_t i = 0; i < inner; i++)
        y[base + i] = interp_bn_value(x[base + i], mean[c], den, scale[c], bias[c]);
    }
  for (int k = 1; k < n->nout; k++)
    if (out[k])
      memset(out[k], 0, (size_t)tensor_numel(node_out(g, n, k)) * sizeof(float));
  return 0;
}

/* Softmax and LogSoftmax over rows of len elements spaced inner apart.
 * Before opset 13 the input is coerced to 2-D at axis (default 1) and each
 * row is the flattened trailing block; from opset 13 the row is one axis
 * (default -1). Softmax: y = exp(x - max) / sum(exp(x - max)); LogSoftmax:
 * y = (x - max) - log(sum(exp(x - max))); the sum accumulated in float. */
int interp_softmax(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  const Tensor *tx = node_in(g, n, 0);
  int r = tx->rank, axis;
  if (norm_axis(g, n, d, "axis", attr_int(n, "axis", g->opset < 13 ? 1 : -1), r, &axis))
    return -1;
  int64_t outer = dims_prod(tx->dims, 0, axis), len, inner;
  if (g->opset < 13) {
    len = dims_prod(tx->dims, axis, r);
    inner = 1;
  } else {
    len = tx->dims[axis];
    inner = dims_prod(tx->dims, axis + 1, r);
  }
  const float *x = in[0];
  float *y = out[0];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      int64_t base = o * len * inner + i;
      float mx = -INFINITY, sum = 0;
      for (int64_t j = 0; j < len; j++)
        if (x[base + j * inner] > mx)
          mx = x[base + j * inner];
      for (int64_t j = 0; j < len; j++) {
        float e = expf(x[base + j * inner] - mx);
        y[base + j * inner] = e;
        sum += e;
      }
      float ls = logf(sum);
      for (int64_t j = 0; j < len; j++)
        if (n->op == OP_LogSoftmax)
          y[base + j * inner] = (x[base + j * inner] - mx) - ls;
        else
          y[base + j * inner] /= sum;
    }
  return 0;
}
