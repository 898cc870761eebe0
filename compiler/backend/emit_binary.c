/* emit_binary.c - BinConv and BinGemm on the runtime's XNOR-popcount kernels.
 *
 * A BinConv/BinGemm whose weight is a constant is compiled onto xnorcc_rt.h
 * (docs/runtime.md) instead of float loops:
 *
 *   weights  bit-packed by xnorcc in the runtime's layout (xnrt_pack_weights,
 *            xnrt_pack_row): static const uint64_t wbN[], 1 bit per weight,
 *            plus alpha_m = mean |W_m| per filter (Eq. 6) in waN[];
 *   xnor     input known to be +-1 (Node.kind, set by the binarize pass: it comes from a
 *            BinActiv): packed per image (xnrt_pack_chw / xnrt_pack_row),
 *            then xnrt_bconv2d (with the node's pad_value) or xnrt_bgemm give
 *            exact int32 sums S;
 *   bwn      real input: the float GEMM's kernels with 1-bit weights,
 *            xnrt_conv2d_bwn / xnrt_sgemm_bwn (per row), weights packed by
 *            xnrt_bwn_conv_pack_weights into the GEMM's 8-filter panels
 *            (static const uint8_t wbN[]), give float sums S, or alpha * S
 *            through the epilogue when that is the whole transform (zero
 *            padding; pad_value +-1 adds pad_value * the sum of the weights'
 *            signs over the padded taps);
 *   output   Y = (float)(((alpha * S) * K) + B) in double, the interpreter's
 *            arithmetic (compiler/interp/binary.c); K (Eq. 11) is the mean of
 *            zero-padded A over each window, by a separable box filter.
 *            Without K and B, alpha * (float)S in float is the same value:
 *            the product of two floats is exact in double, so one rounding.
 *
 * A BinActiv whose Y only feeds packed xnor layers (as their input X) is not
 * materialized: those layers pack the BinActiv's X, whose sign bits are the
 * same, and the BinActiv computes only A (or nothing).
 *
 * The path, the geometry and the work buffers (packed input, conv scratch,
 * bwn scratch sc, int32 sums, K and its row sums: the layer's struct in union NAME_work_) are the
 * plan's (plan_binary.c); the BinActiv merge is plan_merge's.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"

/* alpha_m = mean |W_m| (Eq. 6), summed in double in memory order and rounded
 * once, as the interpreter does. */
static float alpha_of(const float *w, int64_t fs) {
  double s = 0;
  for (int64_t j = 0; j < fs; j++)
    s += fabs((double)w[j]);
  return (float)(s / (double)fs);
}

static void put_comment_name(CWriter *w, const char *what, const Node *n) {
  StrBuf *b = cw_begin(w);
  sb_printf(b, "/* %s of node %s '", what, op_info[n->op].name);
  put_comment_text(b, n->name);
  sb_puts(b, "' */");
  cw_end(w);
}

/* Data hook of a packed BinConv/BinGemm: the bit-packed weights, alpha per
 * filter and, for a bwn conv padding with +-1, the weights' sign sums per
 * tap. */
static void data_binlayer(Emit *e, int i) {
  Graph *g = e->g;
  CWriter *w = e->w;
  const Node *n = &g->n[i];
  const LayerPlan *lp = &e->p->node[i];
  if (lp->path == LP_FLOAT)
    return;
  const BinLayer L = lp->geom->bin;
  const float *wt = node_in(g, n, 1)->data;
  int64_t M = L.M, fs = L.conv ? L.CG * L.v.k[0] * L.v.k[1] : L.F;
  int64_t T = L.conv ? L.v.k[0] * L.v.k[1] : 1, CW = L.conv ? L.CW : L.FW, C = L.conv ? L.CG : L.F;
  if (lp->path == LP_BWN) {
    /* the float GEMM's 8-filter panels at one bit a weight (a BinGemm's
     * W[M][F] is one group of F channels, 1x1) */
    int64_t Cg = L.conv ? L.CG : L.F, KH = L.conv ? L.v.k[0] : 1, KW = L.conv ? L.v.k[1] : 1, G = L.conv ? L.G : 1;
    uint8_t *u = pack_bwn_panels(g, wt, M, Cg, KH, KW, G);
    put_comment_name(w, "1-bit weights in the float GEMM's panels (bit set: W < 0)", n);
    const char *size = L.conv ? arena_printf(g->arena, "XNRT_BWN_CONV_WEIGHT_BYTES(%lld, %lld, %lld, %lld, %lld)",
                                             (long long)M, (long long)Cg, (long long)KH, (long long)KW, (long long)G)
                              : arena_printf(g->arena, "XNRT_BWN_PACKED_BYTES(%lld, %lld)", (long long)M, (long long)Cg);
    emit_const_array(e, IK_U8, arena_printf(g->arena, "wb%d", i), size, u, bwn_panel_bytes(M, Cg, KH, KW, G));
  } else {
    /* BinGemm: row m, bit f = W[m][f] < 0, as xnrt_pack_row packs the input */
    uint64_t *u = pack_weight_signs(g, wt, M, C, L.conv ? L.v.k[0] : 1, L.conv ? L.v.k[1] : 1);
    put_comment_name(w, "bit-packed weights", n);
    const char *size = L.conv ? arena_printf(g->arena, "XNRT_WEIGHT_WORDS(%lld, %lld, %lld, %lld)", (long long)M,
                                             (long long)L.CG, (long long)L.v.k[0], (long long)L.v.k[1])
                              : arena_printf(g->arena, "%lld * XNRT_WORDS(%lld)", (long long)M, (long long)L.F);
    emit_const_array(e, IK_U64, arena_printf(g->arena, "wb%d", i), size, u, M * T * CW);
  }
  put_comment_name(w, "alpha (mean |W| per filter, Eq. 6)", n);
  float *alpha = arena_array(g->arena, (size_t)M + 1, sizeof *alpha);
  for (int64_t m = 0; m < M; m++)
    alpha[m] = alpha_of(wt + m * fs, fs);
  emit_const_array(e, IK_F32, arena_printf(g->arena, "wa%d", i), NULL, alpha, M);
  if (L.corr) {
    /* Sum of the weights' signs per filter and tap, for pad_value +-1. */
    put_comment_name(w, "sum of sign(W) over the channels of each tap", n);
    int32_t *ws = arena_array(g->arena, (size_t)(M * T) + 1, sizeof *ws);
    for (int64_t m = 0; m < M; m++)
      for (int64_t t = 0; t < T; t++)
        for (int64_t ch = 0; ch < C; ch++)
          ws[m * T + t] += wt[(m * C + ch) * T + t] < 0.0f ? -1 : 1;
    emit_const_array(e, IK_I32, arena_printf(g->arena, "ws%d", i), NULL, ws, M * T);
  }
  cw_raw(w, "\n");
}

/* K (Eq. 11) of image n into k[], as a separable box filter:
 *   rs[ih][ow] = sum_kw A0[ih][ow*SW + kw*DW - PL]       (row sums, rows of A only)
 *   k[oh][ow]  = sum_kh rs[oh*SH + kh*DH - PT][ow] / (KH*KW)
 * A0 = A inside the input, 0 outside, so the padded rows add nothing and the
 * denominator is kh*kw at the borders too. In double, like the interpreter,
 * which sums each window tap by tap (row, then column): the two agree bit for
 * bit when the sums of A are exact, and otherwise differ only by the
 * association of the sum. a is the C name of A's buffer. */
void emit_box_k(CWriter *w, const Window *v, const char *a) {
  long long H = v->in[0], W = v->in[1], OH = v->out[0], OW = v->out[1];
  cw_line(w, "/* K (Eq. 11): mean of zero-padded A over each window, kh*kw in the denominator;");
  cw_line(w, " * separable: row sums over the kw taps, then column sums over the kh taps */");
  cw_for(w, "ih", H);
  cw_for_open(w, "ow", OW);
  cw_line(w, "double rsum = 0;");
  cw_for_open(w, "kw", v->k[1]);
  emit_coord(w, "iw", "ow", "kw", v->s[1], v->d[1], v->pb[1]);
  cw_head(w, "if (iw >= 0 && iw < %lld)", W);
  cw_line(w, "rsum += (double)%s[n * %lld + ih * %lld + iw];", a, H * W, W);
  cw_close(w);
  cw_line(w, "rs[ih * %lld + ow] = rsum;", OW);
  cw_close(w);
  cw_for(w, "oh", OH);
  cw_for_open(w, "ow", OW);
  cw_line(w, "double ks = 0;");
  cw_for_open(w, "kh", v->k[0]);
  emit_coord(w, "ih", "oh", "kh", v->s[0], v->d[0], v->pb[0]);
  cw_head(w, "if (ih >= 0 && ih < %lld)", H);
  cw_line(w, "ks += rs[ih * %lld + ow];", OW);
  cw_close(w);
  cw_line(w, "k[oh * %lld + ow] = ks / %lld.0;", OW, (long long)(v->k[0] * v->k[1]));
  cw_close(w);
}

/* The output transform of one value (Out.S the C expression of the sum, yi
 * the output index expression, mi the filter, ri the row of A (BinGemm) or
 * NULL, pk the index into k[] or NULL). */
typedef struct Out {
  int ni;                      /* the layer: its alphas are wa<ni> */
  const char *S;               /* the sum */
  int exact_float;             /* alpha * (float)S in float is exact (no K, A or B) */
  const char *yi, *mi, *ri, *pk; /* output index, filter, row of A, index into k[] */
  int has_b;                   /* add the bias x2[m] */
} Out;

static void emit_out(CWriter *w, const Out *o) {
  if (o->exact_float && !o->ri && !o->pk && !o->has_b) {
    cw_line(w, "y[%s] = wa%d[%s] * (float)%s;", o->yi, o->ni, o->mi, o->S);
    return;
  }
  cw_line(w, "double v = (double)wa%d[%s] * (double)%s;", o->ni, o->mi, o->S);
  if (o->pk)
    cw_line(w, "v *= k[%s];", o->pk);
  if (o->ri)
    cw_line(w, "v *= (double)x3[%s];", o->ri);
  if (o->has_b)
    cw_line(w, "v += (double)x2[%s];", o->mi);
  cw_line(w, "y[%s] = (float)v;", o->yi);
}

/* "for (int v = 0; v < n; v++) {out}", split at the last multiple of 16 so
 * that gcc -O2 (which vectorizes only loops needing no epilogue) vectorizes
 * the main part with full-width vectors. */
static void split_loop(CWriter *w, const char *v, int64_t n, const Out *o) {
  int64_t n16 = n / 16 * 16;
  if (n16 > 0 && n16 < n) {
    cw_open(w, "for (int %s = 0; %s < %lld; %s++) {", v, v, (long long)n16, v);
    emit_out(w, o);
    cw_close(w);
    cw_open(w, "for (int %s = %lld; %s < %lld; %s++) {", v, (long long)n16, v, (long long)n, v);
  } else {
    cw_open(w, "for (int %s = 0; %s < %lld; %s++) {", v, v, (long long)n, v);
  }
  emit_out(w, o);
  cw_close(w);
}

static int emit_conv_body(Emit *e, const Node *n, int ni, const BinLayer *L) {
  CWriter *w = e->w;
  const Window *v = &L->v;
  int xnor = e->p->node[ni].path == LP_XNOR, has_a = node_in(e->g, n, 3) != NULL, has_b = node_in(e->g, n, 2) != NULL;
  int64_t P = v->out[0] * v->out[1], MP = L->M * P, CHW = v->C * v->in[0] * v->in[1];
  /* |S| <= CG*KH*KW: below 2^24 it is exact as a float. */
  int exact_float = L->CG * v->k[0] * v->k[1] < (1 << 24);
  /* bwn, the sums scaled by alpha and nothing else: alpha in the kernel's
   * epilogue (SCALE: one float product, as emit_out's) */
  int epi = !xnor && !has_a && !has_b && !L->corr;
  cw_line(w, "/* %s layer: %s, pad_value %lld */", xnor ? "xnor" : "bwn",
          xnor ? "XNOR-popcount on packed input (xnrt_bconv2d)"
               : "real input, 1-bit weights expanded into the float GEMM's panels (xnrt_conv2d_bwn)",
          (long long)L->pv);
  if (xnor) {
    emit_work_decl(e, ni, "uint64_t", "xp", "scratch", (const char *)NULL);
    emit_work_decl(e, ni, "int32_t", "acc", (const char *)NULL);
  } else {
    emit_work_decl(e, ni, "float", "sc", (const char *)NULL);
  }
  if (epi)
    cw_line(w, "static const xnrt_epi ep = {wa%d, 0, 0, 0, 0.0f, 0.0f, 0.0f, 0, 0, 0};", ni);
  if (has_a)
    emit_work_decl(e, ni, "double", "k", "rs", (const char *)NULL);
  cw_for_open(w, "n", v->N);
  if (xnor) {
    cw_line(w, "xnrt_pack_chw(x0 + n * %lld, %lld, %lld, %lld, %lld, xp);", (long long)CHW, (long long)v->C,
            (long long)v->in[0], (long long)v->in[1], (long long)L->G);
    cw_line(w,
            "xnrt_bconv2d(xp, wb%d, acc, scratch, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, "
            "%lld, %lld, %lld, %lld, %lld, %lld);",
            ni, (long long)v->C, (long long)v->in[0], (long long)v->in[1], (long long)L->M, (long long)v->k[0],
            (long long)v->k[1], (long long)v->out[0], (long long)v->out[1], (long long)v->s[0], (long long)v->s[1],
            (long long)v->d[0], (long long)v->d[1], (long long)v->pb[0], (long long)v->pb[1], (long long)L->G,
            (long long)L->pv);
  } else {
    cw_line(w,
            "xnrt_conv2d_bwn(x0 + n * %lld, wb%d, y + n * %lld, sc, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, "
            "%lld, %lld, %lld, %lld, %lld, %lld, %lld, %s);",
            (long long)CHW, ni, (long long)MP, (long long)v->C, (long long)v->in[0], (long long)v->in[1],
            (long long)L->M, (long long)v->k[0], (long long)v->k[1], (long long)v->out[0], (long long)v->out[1],
            (long long)v->s[0], (long long)v->s[1], (long long)v->d[0], (long long)v->d[1], (long long)v->pb[0],
            (long long)v->pb[1], (long long)L->G, epi ? "XNRT_EPI_SCALE, &ep" : "0, NULL");
    if (epi) {
      cw_close(w);
      return 0;
    }
  }
  if (has_a)
    emit_box_k(w, v, "x3");
  char yi[96], S[128], pk[48];
  Out o = {ni, S, 0, yi, "m", NULL, NULL, has_b};
  if (L->corr) {
    /* bwn with pad_value +-1: xnrt_conv2d_bwn pads with zeros; add
     * pad_value * sum of sign(W) over the padded taps. */
    snprintf(yi, sizeof yi, "n * %lld + (m * %lld + oh) * %lld + ow", (long long)MP, (long long)v->out[0],
             (long long)v->out[1]);
    cw_for(w, "m", L->M);
    cw_for(w, "oh", v->out[0]);
    cw_for_open(w, "ow", v->out[1]);
    cw_line(w, "int cr = 0;");
    cw_line(w, "double s;");
    cw_for_open(w, "kh", v->k[0]);
    emit_coord(w, "ih", "oh", "kh", v->s[0], v->d[0], v->pb[0]);
    cw_for_open(w, "kw", v->k[1]);
    emit_coord(w, "iw", "ow", "kw", v->s[1], v->d[1], v->pb[1]);
    cw_head(w, "if (ih < 0 || ih >= %lld || iw < 0 || iw >= %lld)", (long long)v->in[0], (long long)v->in[1]);
    cw_line(w, "cr += ws%d[(m * %lld + kh) * %lld + kw];", ni, (long long)v->k[0], (long long)v->k[1]);
    cw_close(w);
    cw_close(w);
    cw_line(w, "s = (double)y[%s] %c (double)cr;", yi, L->pv > 0 ? '+' : '-');
    snprintf(S, sizeof S, "s");
    snprintf(pk, sizeof pk, "oh * %lld + ow", (long long)v->out[1]);
    o.pk = has_a ? pk : NULL;
    cw_open(w, "{");
    emit_out(w, &o);
    cw_close(w);
    cw_close(w);
  } else {
    snprintf(yi, sizeof yi, "n * %lld + m * %lld + p", (long long)MP, (long long)P);
    if (xnor)
      snprintf(S, sizeof S, "acc[m * %lld + p]", (long long)P);
    else
      snprintf(S, sizeof S, "y[%s]", yi);
    o.exact_float = !xnor || exact_float;
    o.pk = has_a ? "p" : NULL;
    cw_for_open(w, "m", L->M);
    split_loop(w, "p", P, &o);
    cw_close(w);
  }
  cw_close(w);
  return 0;
}

static int emit_gemm_body(Emit *e, const Node *n, int ni, const BinLayer *L) {
  CWriter *w = e->w;
  int xnor = e->p->node[ni].path == LP_XNOR, has_a = node_in(e->g, n, 3) != NULL, has_b = node_in(e->g, n, 2) != NULL;
  int epi = !xnor && !has_a && !has_b; /* as in emit_conv_body */
  cw_line(w, "/* %s layer: %s */", xnor ? "xnor" : "bwn",
          xnor ? "XNOR-popcount on packed rows (xnrt_bgemm)"
               : "real input, 1-bit weights expanded into the float GEMM's panels (xnrt_sgemm_bwn, one row at a time)");
  if (xnor) {
    emit_work_decl(e, ni, "uint64_t", "xp", (const char *)NULL);
    emit_work_decl(e, ni, "int32_t", "acc", (const char *)NULL);
    cw_for(w, "r", L->R);
    cw_line(w, "xnrt_pack_row(x0 + r * %lld, %lld, xp + r * %lld);", (long long)L->F, (long long)L->F,
            (long long)L->FW);
    cw_line(w, "xnrt_bgemm(xp, %lld, wb%d, %lld, %lld, %lld, %lld, acc, %lld, 1);", (long long)L->FW, ni,
            (long long)L->FW, (long long)L->R, (long long)L->M, (long long)L->F, (long long)L->M);
  } else {
    emit_work_decl(e, ni, "float", "sc", (const char *)NULL);
    if (epi)
      cw_line(w, "static const xnrt_epi ep = {wa%d, 0, 0, 0, 0.0f, 0.0f, 0.0f, 0, 0, 0};", ni);
    /* Y[r] = W x X[r]: a matrix-vector product per row (N = 1) */
    cw_for(w, "r", L->R);
    cw_line(w, "xnrt_sgemm_bwn(%lld, 1, %lld, wb%d, x0 + r * %lld, 1, y + r * %lld, 1, sc, %s);", (long long)L->M,
            (long long)L->F, ni, (long long)L->F, (long long)L->M, epi ? "XNRT_EPI_SCALE, &ep" : "0, NULL");
    if (epi)
      return 0;
  }
  char yi[64], S[80];
  snprintf(yi, sizeof yi, "r * %lld + m", (long long)L->M);
  snprintf(S, sizeof S, "%s[%s]", xnor ? "acc" : "y", yi);
  Out o = {ni, S, !xnor || L->F < (1 << 24), yi, "m", has_a ? "r" : NULL, NULL, has_b};
  cw_for_open(w, "r", L->R);
  split_loop(w, "m", L->M, &o);
  cw_close(w);
  return 0;
}

/* BinConv/BinGemm: the packed path the plan chose, or plain float loops. */
static int body_binconv(Emit *e, const Node *n) {
  const LayerPlan *lp = &e->p->node[n - e->g->n];
  if (lp->path == LP_FLOAT)
    return body_binconv_float(e, n);
  return emit_conv_body(e, n, (int)(n - e->g->n), &lp->geom->bin);
}

static int body_bingemm(Emit *e, const Node *n) {
  const LayerPlan *lp = &e->p->node[n - e->g->n];
  if (lp->path == LP_FLOAT)
    return body_bingemm_float(e, n);
  return emit_gemm_body(e, n, (int)(n - e->g->n), &lp->geom->bin);
}

const OpEmit emit_binconv = {plan_binlayer, data_binlayer, body_binconv};
const OpEmit emit_bingemm = {plan_binlayer, data_binlayer, body_bingemm};
