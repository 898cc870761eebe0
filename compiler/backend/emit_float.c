/* emit_float.c - float Conv, Gemm, MatMul and the pools on the runtime's
 * float kernels (LP_FKERN, plan_float.c; docs/generated-code.md, "Float layers").
 *
 *   weights  packed by xnorcc with the runtime's own packing
 *            (xnrt_conv_pack_weights, xnrt_sgemm_pack: sgemm_pack.h defines
 *            the panel layout once) into static const float wpN[]; a
 *            depthwise conv keeps them as they are (xnrt_dwconv2d reads
 *            OIHW). A BatchNormalization folded into the conv scales each
 *            filter by s = gamma / sqrtf(var + eps) before packing and gives
 *            the layer its own bias bpN = (b - mean) * s + beta;
 *   call     one xnrt_conv2d / xnrt_dwconv2d per image, one xnrt_sgemv per
 *            row of a Gemm/MatMul, every size a literal; the conv's scratch
 *            is its work buffer;
 *   epilogue bias (the conv's B, the folded BN's, a Gemm's C per column),
 *            then the merged Relu or Clip, as literal XNRT_EPI_* flags.
 * MaxPool and AveragePool are one xnrt_maxpool2d / xnrt_avgpool2d call over
 * the N*C planes, a BatchNormalization (with a merged Relu) one
 * xnrt_batchnorm, Add/Sub/Mul/Div one xnrt_binary, every size a literal;
 * they give the interpreter's floats.
 * Float accuracy: the kernels use FMA and their own summation order, within
 * docs/runtime.md's bound of the interpreter's plain loops.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "runtime/include/xnorcc_rt/eltwise.h"
#include "runtime/include/xnorcc_rt/sgemm_pack.h"

static const FloatLayer *fl_of(const Emit *e, int ni) { return &e->p->node[ni].geom->fl; }

static void put_comment_name(CWriter *w, const char *what, const Node *n) {
  StrBuf *b = cw_begin(w);
  sb_printf(b, "/* %s of node %s '", what, op_info[n->op].name);
  put_comment_text(b, n->name);
  sb_puts(b, "' */");
  cw_end(w);
}

/* Conv weights with the folded BN (F->bn) applied, and the layer's bias
 * into *bias (NULL without a BN). */
static const float *conv_weights(Emit *e, const Node *n, const FloatLayer *F, float **bias) {
  Graph *g = e->g;
  const float *w = node_in(g, n, 1)->data;
  *bias = NULL;
  if (F->bn < 0)
    return w;
  const Node *bn = &g->n[F->bn];
  const float *gamma = node_in(g, bn, 1)->data, *beta = node_in(g, bn, 2)->data;
  const float *mean = node_in(g, bn, 3)->data, *var = node_in(g, bn, 4)->data;
  const float *b = node_in(g, n, 2) ? node_in(g, n, 2)->data : NULL;
  float eps = attr_float(bn, "epsilon", 1e-5f);
  int64_t fs = F->CG * F->v.k[0] * F->v.k[1];
  float *wf = arena_array(g->arena, (size_t)(F->M * fs) + 1, sizeof *wf);
  *bias = arena_array(g->arena, (size_t)F->M + 1, sizeof **bias);
  for (int64_t m = 0; m < F->M; m++) {
    float s = gamma[m] / sqrtf(var[m] + eps);
    for (int64_t j = 0; j < fs; j++)
      wf[m * fs + j] = w[m * fs + j] * s;
    (*bias)[m] = (float)(((b ? (double)b[m] : 0.0) - (double)mean[m]) * (double)s + (double)beta[m]);
  }
  return wf;
}

void data_float(Emit *e, int ni) {
  const LayerPlan *lp = &e->p->node[ni];
  if (lp->path != LP_FKERN)
    return;
  Graph *g = e->g;
  CWriter *w = e->w;
  const Node *n = &g->n[ni];
  const FloatLayer *F = fl_of(e, ni);
  if (F->conv) {
    float *bias;
    const float *wt = conv_weights(e, n, F, &bias);
    long long M = F->M, CG = F->CG, KH = F->v.k[0], KW = F->v.k[1], G = F->G;
    if (F->dw) {
      put_comment_name(w, F->bn >= 0 ? "weights (OIHW, BN folded)" : "weights (OIHW)", n);
      emit_const_array(e, IK_F32, arena_printf(g->arena, "wp%d", ni), NULL, wt, M * KH * KW);
    } else {
      size_t nf = XNRT_CONV_WEIGHT_FLOATS(M, CG, KH, KW, G);
      float *pk = arena_array(g->arena, nf + 1, sizeof *pk);
      xnrt_conv_pack_weights(wt, (int)M, (int)CG, (int)KH, (int)KW, (int)G, pk);
      put_comment_name(w, F->bn >= 0 ? "packed weights (sgemm_pack.h panels, BN folded)" : "packed weights (sgemm_pack.h panels)", n);
      emit_const_array(e, IK_F32, arena_printf(g->arena, "wp%d", ni),
                       arena_printf(g->arena, "XNRT_CONV_WEIGHT_FLOATS(%lld, %lld, %lld, %lld, %lld)", M, CG, KH, KW, G),
                       pk, (int64_t)nf);
    }
    if (bias) {
      put_comment_name(w, "bias with the folded BatchNormalization", n);
      emit_const_array(e, IK_F32, arena_printf(g->arena, "bp%d", ni), NULL, bias, F->M);
    }
  } else {
    const float *b = node_in(g, n, 1)->data;
    size_t nf = XNRT_SGEMM_PACKED_FLOATS(F->N, F->K);
    float *pk = arena_array(g->arena, nf + 1, sizeof *pk);
    /* the packed matrix is B^T (N x K): element (j, k) at b[j*rs + k*cs] */
    xnrt_sgemm_pack(b, (int)F->N, (int)F->K, F->tb ? (ptrdiff_t)F->K : 1, F->tb ? 1 : (ptrdiff_t)F->N, pk);
    put_comment_name(w, "packed B^T (sgemm_pack.h panels)", n);
    emit_const_array(e, IK_F32, arena_printf(g->arena, "wp%d", ni),
                     arena_printf(g->arena, "XNRT_SGEMM_PACKED_FLOATS(%lld, %lld)", (long long)F->N, (long long)F->K),
                     pk, (int64_t)nf);
  }
  cw_raw(w, "\n");
}

/* "const xnrt_epi ep = {...};" for the layer's epilogue, and its flags into
 * *flags ("0" without one); bias is the C expression of the bias. */
static void emit_epi(Emit *e, const FloatLayer *F, const char *bias, const char **flags) {
  StrBuf f, *b;
  sb_init(&f, e->g->arena);
  if (F->bias)
    sb_puts(&f, "XNRT_EPI_BIAS");
  if (F->relu)
    sb_printf(&f, "%sXNRT_EPI_RELU", f.len ? " | " : "");
  if (F->clip)
    sb_printf(&f, "%sXNRT_EPI_CLIP", f.len ? " | " : "");
  *flags = f.len ? f.s : "0";
  if (!f.len)
    return;
  b = cw_begin(e->w);
  sb_printf(b, "const xnrt_epi ep = {0, %s, 0, 0, ", F->bias ? bias : "0");
  put_hexfloat(b, F->clip ? F->lo : 0.0f);
  sb_puts(b, ", ");
  put_hexfloat(b, F->clip ? F->hi : 0.0f);
  sb_puts(b, ", 0x0p+0f, 0, 0, 0};");
  cw_end(e->w);
}

/* The comment naming what the layer absorbed. */
static void put_merged(StrBuf *b, const Emit *e, const FloatLayer *F) {
  const Graph *g = e->g;
  if (F->bn >= 0) {
    sb_puts(b, "; BatchNormalization '");
    put_comment_text(b, g->n[F->bn].name);
    sb_puts(b, "' folded into the weights");
  }
  if (F->act >= 0) {
    sb_printf(b, "; %s '", op_info[g->n[F->act].op].name);
    put_comment_text(b, g->n[F->act].name);
    sb_puts(b, "' in the epilogue");
  }
}

int body_conv_fkern(Emit *e, const Node *n) {
  int ni = (int)(n - e->g->n);
  CWriter *w = e->w;
  const FloatLayer *F = fl_of(e, ni);
  const Window *v = &F->v;
  long long C = v->C, H = v->in[0], W = v->in[1], M = F->M, KH = v->k[0], KW = v->k[1], OH = v->out[0],
            OW = v->out[1];
  static const char *const algo[] = {"the image as B", "direct: padded copy, taps as B rows", "im2col blocks"};
  StrBuf *b = cw_begin(w);
  if (F->dw)
    sb_puts(b, "/* float depthwise conv on the runtime (xnrt_dwconv2d)");
  else
    sb_printf(b, "/* float conv on the runtime's GEMM (xnrt_conv2d, %s), weights packed at compile time",
              algo[F->algo]);
  put_merged(b, e, F);
  sb_puts(b, " */");
  cw_end(w);
  if (F->scratch)
    emit_work_decl(e, ni, "float", "scratch", (const char *)NULL);
  const char *flags;
  char bias[32];
  snprintf(bias, sizeof bias, F->bn >= 0 ? "bp%d" : "x2", ni);
  emit_epi(e, F, bias, &flags);
  const char *xi = "x0", *yi = "y";
  if (v->N > 1) {
    cw_for(w, "n", v->N);
    xi = arena_printf(e->g->arena, "x0 + n * %lld", C * H * W);
    yi = arena_printf(e->g->arena, "y + n * %lld", M * OH * OW);
  }
  b = cw_begin(w);
  if (F->dw)
    sb_printf(b, "xnrt_dwconv2d(%s, wp%d, %s, ", xi, ni, yi);
  else
    sb_printf(b, "xnrt_conv2d(%s, wp%d, %s, %s, ", xi, ni, yi, F->scratch ? "scratch" : "0");
  sb_printf(b, "%lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, ", C, H, W, M, KH,
            KW, OH, OW, (long long)v->s[0], (long long)v->s[1], (long long)v->d[0], (long long)v->d[1],
            (long long)v->pb[0], (long long)v->pb[1]);
  if (!F->dw)
    sb_printf(b, "%lld, ", (long long)F->G);
  sb_printf(b, "%s, %s);", flags, strcmp(flags, "0") ? "&ep" : "0");
  cw_end(w);
  return 0;
}

int body_linear_fkern(Emit *e, const Node *n) {
  int ni = (int)(n - e->g->n);
  CWriter *w = e->w;
  const FloatLayer *F = fl_of(e, ni);
  StrBuf *b = cw_begin(w);
  sb_printf(b, "/* float %s on the runtime (xnrt_sgemv per row), B packed at compile time", op_info[n->op].name);
  put_merged(b, e, F);
  sb_puts(b, " */");
  cw_end(w);
  const char *flags;
  emit_epi(e, F, "x2", &flags);
  long long R = F->R, K = F->K, N = F->N;
  const char *xi = "x0", *yi = "y";
  if (R > 1) {
    cw_for(w, "r", R);
    xi = F->ta ? "x0 + r" : arena_printf(e->g->arena, "x0 + r * %lld", K);
    yi = arena_printf(e->g->arena, "y + r * %lld", N);
  }
  cw_line(w, "xnrt_sgemv(%lld, %lld, wp%d, %s, %lld, %s, 1, %s, %s);", N, K, ni, xi, F->ta ? R : 1LL, yi, flags,
          strcmp(flags, "0") ? "&ep" : "0");
  if (!F->post)
    return 0;
  /* alpha * acc + beta * C, as the interpreter writes it */
  float alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
  const Tensor *C = node_in(e->g, n, 2);
  cw_for(w, "i", R);
  cw_for_open(w, "j", N);
  b = cw_begin(w);
  sb_printf(b, "y[i * %lld + j] = ", N);
  if (alpha != 1.0f) {
    put_hexfloat(b, alpha);
    sb_puts(b, " * ");
  }
  sb_printf(b, "y[i * %lld + j]", N);
  if (plan_reads(e->p, ni, 2)) {
    int64_t cm = C->rank == 2 ? C->dims[0] : 1, cn = C->rank >= 1 ? C->dims[C->rank - 1] : 1;
    sb_puts(b, " + ");
    if (beta != 1.0f) {
      put_hexfloat(b, beta);
      sb_puts(b, " * ");
    }
    const char *vars[2] = {"i", "j"};
    int64_t s[2] = {cm == 1 ? 0 : cn, cn == 1 ? 0 : 1};
    sb_puts(b, "x2[");
    put_index(b, 2, vars, s);
    sb_puts(b, "]");
  }
  sb_puts(b, ";");
  cw_end(w);
  cw_close(w);
  return 0;
}

int body_pool_fkern(Emit *e, const Node *n) {
  const Window *v = &fl_of(e, (int)(n - e->g->n))->v;
  int is_max = n->op == OP_MaxPool;
  CWriter *w = e->w;
  cw_line(w, "/* float %s on the runtime (%s), the interpreter's floats */", is_max ? "max-pool" : "average pool",
          is_max ? "xnrt_maxpool2d" : "xnrt_avgpool2d");
  StrBuf *b = cw_begin(w);
  sb_printf(b, "%s(x0, y, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld",
            is_max ? "xnrt_maxpool2d" : "xnrt_avgpool2d", (long long)(v->N * v->C), (long long)v->in[0],
            (long long)v->in[1], (long long)v->k[0], (long long)v->k[1], (long long)v->out[0], (long long)v->out[1],
            (long long)v->s[0], (long long)v->s[1], (long long)v->d[0], (long long)v->d[1], (long long)v->pb[0],
            (long long)v->pb[1]);
  if (!is_max)
    sb_printf(b, ", %lld, %lld, %d", (long long)v->pe[0], (long long)v->pe[1], v->count_include_pad ? 1 : 0);
  sb_puts(b, ");");
  cw_end(w);
  return 0;
}

int body_batchnorm_fkern(Emit *e, const Node *n) {
  int ni = (int)(n - e->g->n);
  const FloatLayer *F = fl_of(e, ni);
  CWriter *w = e->w;
  StrBuf *b = cw_begin(w);
  sb_puts(b, "/* float BatchNormalization on the runtime (xnrt_batchnorm), the interpreter's floats");
  put_merged(b, e, F);
  sb_puts(b, " */");
  cw_end(w);
  b = cw_begin(w);
  sb_printf(b, "xnrt_batchnorm(x0, y, %lld, %lld, %lld, x1, x2, x3, x4, ", (long long)F->R, (long long)F->M,
            (long long)F->K);
  put_hexfloat(b, attr_float(n, "epsilon", 1e-5f));
  sb_printf(b, ", %d);", F->relu);
  cw_end(w);
  return 0;
}

int body_binary_fkern(Emit *e, const Node *n) {
  const FloatLayer *F = fl_of(e, (int)(n - e->g->n));
  static const char *const bc[] = {"XNRT_BC_SAME", "XNRT_BC_ROW", "XNRT_BC_COL", "XNRT_BC_SCALAR"};
  const char *op = n->op == OP_Add ? "XNRT_OP_ADD" : n->op == OP_Sub ? "XNRT_OP_SUB" : n->op == OP_Mul ? "XNRT_OP_MUL"
                                                                                                       : "XNRT_OP_DIV";
  CWriter *w = e->w;
  cw_line(w, "/* float %s on the runtime (xnrt_binary), the interpreter's floats */", op_info[n->op].name);
  cw_line(w, "xnrt_binary(%s, %s, x0, x1, %lld, y, %lld, %lld);", op, bc[F->bc], (long long)(F->bc == XNRT_BC_ROW ? F->N : 1),
          (long long)F->R, (long long)F->K);
  return 0;
}
