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
 *   bwn      real input: xnrt_bwn_conv2d / xnrt_bwn_gemm give float sums S
 *            (zero padding; pad_value +-1 adds pad_value * the sum of the
 *            weights' signs over the padded taps);
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
 * int32 sums, K and its row sums: the layer's struct in NAME_work) are the
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

static void put_words(StrBuf *c, const uint64_t *u, int64_t n) {
  put_items(c, "  ", IK_U64, u, n);
  sb_puts(c, "\n};\n");
}

static void put_comment_name(StrBuf *c, const char *what, const Node *n) {
  sb_printf(c, "/* %s of node %s '", what, op_info[n->op].name);
  put_comment_text(c, n->name);
  sb_puts(c, "' */\n");
}

/* Data hook of a packed BinConv/BinGemm: the bit-packed weights, alpha per
 * filter and, for a bwn conv padding with +-1, the weights' sign sums per
 * tap. */
static void data_binlayer(Emit *e, int i) {
  Graph *g = e->g;
  StrBuf *c = e->c;
  const Node *n = &g->n[i];
  const LayerPlan *lp = &e->p->node[i];
  if (lp->path == LP_FLOAT)
    return;
  const BinLayer L = lp->geom->bin;
  const float *w = node_in(g, n, 1)->data;
  int64_t M = L.M, fs = L.conv ? L.CG * L.v.k[0] * L.v.k[1] : L.F;
  int64_t T = L.conv ? L.v.k[0] * L.v.k[1] : 1, CW = L.conv ? L.CW : L.FW, C = L.conv ? L.CG : L.F;
  int64_t nw = M * T * CW;
  /* BinGemm: row m, bit f = W[m][f] < 0, as xnrt_pack_row packs the input */
  uint64_t *u = pack_weight_signs(g, w, M, C, L.conv ? L.v.k[0] : 1, L.conv ? L.v.k[1] : 1);
  put_comment_name(c, "bit-packed weights", n);
  if (L.conv)
    sb_printf(c, "static const uint64_t wb%d[XNRT_WEIGHT_WORDS(%lld, %lld, %lld, %lld)] = {", i, (long long)M,
              (long long)L.CG, (long long)L.v.k[0], (long long)L.v.k[1]);
  else
    sb_printf(c, "static const uint64_t wb%d[%lld * XNRT_WORDS(%lld)] = {", i, (long long)M, (long long)L.F);
  put_words(c, u, nw);
  put_comment_name(c, "alpha (mean |W| per filter, Eq. 6)", n);
  sb_printf(c, "static const float wa%d[%lld] = {", i, (long long)M);
  float *alpha = arena_array(g->arena, (size_t)M + 1, sizeof *alpha);
  for (int64_t m = 0; m < M; m++)
    alpha[m] = alpha_of(w + m * fs, fs);
  put_items(c, "  ", IK_F32, alpha, M);
  sb_puts(c, "\n};\n");
  if (L.corr) {
    /* Sum of the weights' signs per filter and tap, for pad_value +-1. */
    put_comment_name(c, "sum of sign(W) over the channels of each tap", n);
    sb_printf(c, "static const int32_t ws%d[%lld] = {", i, (long long)(M * T));
    int32_t *ws = arena_array(g->arena, (size_t)(M * T) + 1, sizeof *ws);
    for (int64_t m = 0; m < M; m++)
      for (int64_t t = 0; t < T; t++)
        for (int64_t ch = 0; ch < C; ch++)
          ws[m * T + t] += w[(m * C + ch) * T + t] < 0.0f ? -1 : 1;
    put_items(c, "  ", IK_I32, ws, M * T);
    sb_puts(c, "\n};\n");
  }
  sb_putc(c, '\n');
}

static void ind(StrBuf *b, int depth) {
  for (int i = 0; i < depth; i++)
    sb_puts(b, "  ");
}

/* "int iv = ov * S + kv * D - P;" */
static void coord(StrBuf *b, const char *iv, const char *ov, const char *kv, int64_t S, int64_t D, int64_t P) {
  sb_printf(b, "int %s = %s * %lld + %s * %lld - %lld;", iv, ov, (long long)S, kv, (long long)D, (long long)P);
}

/* K (Eq. 11) of image n into k[], as a separable box filter:
 *   rs[ih][ow] = sum_kw A0[ih][ow*SW + kw*DW - PL]       (row sums, rows of A only)
 *   k[oh][ow]  = sum_kh rs[oh*SH + kh*DH - PT][ow] / (KH*KW)
 * A0 = A inside the input, 0 outside, so the padded rows add nothing and the
 * denominator is kh*kw at the borders too. In double, like the interpreter,
 * which sums each window tap by tap (row, then column): the two agree bit for
 * bit when the sums of A are exact, and otherwise differ only by the
 * association of the sum. a is the C name of A's buffer. */
void emit_box_k(StrBuf *b, const Window *v, const char *a) {
  long long H = v->in[0], W = v->in[1], OH = v->out[0], OW = v->out[1];
  sb_puts(b, "    /* K (Eq. 11): mean of zero-padded A over each window, kh*kw in the denominator;\n"
             "     * separable: row sums over the kw taps, then column sums over the kh taps */\n");
  sb_printf(b, "    for (int ih = 0; ih < %lld; ih++)\n      for (int ow = 0; ow < %lld; ow++) {\n", H, OW);
  sb_printf(b, "        double rsum = 0;\n        for (int kw = 0; kw < %lld; kw++) {\n          ", (long long)v->k[1]);
  coord(b, "iw", "ow", "kw", v->s[1], v->d[1], v->pb[1]);
  sb_printf(b, "\n          if (iw >= 0 && iw < %lld)\n", W);
  sb_printf(b, "            rsum += (double)%s[n * %lld + ih * %lld + iw];\n        }\n", a, H * W, W);
  sb_printf(b, "        rs[ih * %lld + ow] = rsum;\n      }\n", OW);
  sb_printf(b, "    for (int oh = 0; oh < %lld; oh++)\n      for (int ow = 0; ow < %lld; ow++) {\n", OH, OW);
  sb_printf(b, "        double ks = 0;\n        for (int kh = 0; kh < %lld; kh++) {\n          ", (long long)v->k[0]);
  coord(b, "ih", "oh", "kh", v->s[0], v->d[0], v->pb[0]);
  sb_printf(b, "\n          if (ih >= 0 && ih < %lld)\n", H);
  sb_printf(b, "            ks += rs[ih * %lld + ow];\n        }\n", OW);
  sb_printf(b, "        k[oh * %lld + ow] = ks / %lld.0;\n      }\n", OW, (long long)(v->k[0] * v->k[1]));
}

/* The output transform of one value: S is the C expression of the sum, yi
 * the output index expression, mi the filter, ri the row of A (BinGemm) or
 * NULL, pk the index into k[] or NULL. */
static void emit_out(StrBuf *b, int depth, int ni, const char *S, int exact_float, const char *yi, const char *mi,
                     const char *ri, const char *pk, int has_b) {
  ind(b, depth);
  if (exact_float && !ri && !pk && !has_b) {
    sb_printf(b, "y[%s] = wa%d[%s] * (float)%s;\n", yi, ni, mi, S);
    return;
  }
  sb_printf(b, "double v = (double)wa%d[%s] * (double)%s;\n", ni, mi, S);
  if (pk) {
    ind(b, depth);
    sb_printf(b, "v *= k[%s];\n", pk);
  }
  if (ri) {
    ind(b, depth);
    sb_printf(b, "v *= (double)x3[%s];\n", ri);
  }
  if (has_b) {
    ind(b, depth);
    sb_printf(b, "v += (double)x2[%s];\n", mi);
  }
  ind(b, depth);
  sb_printf(b, "y[%s] = (float)v;\n", yi);
}

/* "for (int v = 0; v < n; v++) {body}" at depth 2 + d, split at the last
 * multiple of 16 so that gcc -O2 (which vectorizes only loops needing no
 * epilogue) vectorizes the main part with full-width vectors. body is
 * indented for depth 3 + d. */
static void split_loop(StrBuf *b, int d, const char *v, int64_t n, const char *body) {
  int64_t n16 = n / 16 * 16;
  if (n16 > 0 && n16 < n) {
    ind(b, 2 + d);
    sb_printf(b, "for (int %s = 0; %s < %lld; %s++) {\n%s", v, v, (long long)n16, v, body);
    ind(b, 2 + d);
    sb_printf(b, "}\n");
    ind(b, 2 + d);
    sb_printf(b, "for (int %s = %lld; %s < %lld; %s++) {\n%s", v, (long long)n16, v, (long long)n, v, body);
  } else {
    ind(b, 2 + d);
    sb_printf(b, "for (int %s = 0; %s < %lld; %s++) {\n%s", v, v, (long long)n, v, body);
  }
  ind(b, 2 + d);
  sb_printf(b, "}\n");
}

static int emit_conv_body(Emit *e, const Node *n, int ni, const BinLayer *L) {
  StrBuf *b = e->c;
  const Window *v = &L->v;
  const char *nm = e->o->name;
  int xnor = e->p->node[ni].path == LP_XNOR, has_a = node_in(e->g, n, 3) != NULL, has_b = node_in(e->g, n, 2) != NULL;
  int64_t P = v->out[0] * v->out[1], MP = L->M * P, CHW = v->C * v->in[0] * v->in[1];
  int corr = L->corr;
  /* |S| <= CG*KH*KW: below 2^24 it is exact as a float. */
  int exact_float = L->CG * v->k[0] * v->k[1] < (1 << 24);
  sb_printf(b, "  /* %s layer: %s, pad_value %lld */\n", xnor ? "xnor" : "bwn",
            xnor ? "XNOR-popcount on packed input (xnrt_bconv2d)" : "real input, packed weights (xnrt_bwn_conv2d)",
            (long long)L->pv);
  if (xnor)
    sb_printf(b, "  uint64_t *xp = %s_work.l%d.xp, *scratch = %s_work.l%d.scratch;\n  int32_t *acc = %s_work.l%d.acc;\n",
              nm, ni, nm, ni, nm, ni);
  if (has_a)
    sb_printf(b, "  double *k = %s_work.l%d.k, *rs = %s_work.l%d.rs;\n", nm, ni, nm, ni);
  sb_printf(b, "  for (int n = 0; n < %lld; n++) {\n", (long long)v->N);
  if (xnor) {
    sb_printf(b, "    xnrt_pack_chw(x0 + n * %lld, %lld, %lld, %lld, %lld, xp);\n", (long long)CHW, (long long)v->C,
              (long long)v->in[0], (long long)v->in[1], (long long)L->G);
    sb_printf(b, "    xnrt_bconv2d(xp, wb%d, acc, scratch, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, "
                 "%lld, %lld, %lld, %lld, %lld, %lld);\n",
              ni, (long long)v->C, (long long)v->in[0], (long long)v->in[1], (long long)L->M, (long long)v->k[0],
              (long long)v->k[1], (long long)v->out[0], (long long)v->out[1], (long long)v->s[0], (long long)v->s[1],
              (long long)v->d[0], (long long)v->d[1], (long long)v->pb[0], (long long)v->pb[1], (long long)L->G,
              (long long)L->pv);
  } else {
    sb_printf(b, "    xnrt_bwn_conv2d(x0 + n * %lld, wb%d, y + n * %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, "
                 "%lld, %lld, %lld, %lld, %lld, %lld, %lld);\n",
              (long long)CHW, ni, (long long)MP, (long long)v->C, (long long)v->in[0], (long long)v->in[1], (long long)L->M,
              (long long)v->k[0], (long long)v->k[1], (long long)v->out[0], (long long)v->out[1], (long long)v->s[0],
              (long long)v->s[1], (long long)v->d[0], (long long)v->d[1], (long long)v->pb[0], (long long)v->pb[1],
              (long long)L->G);
  }
  if (has_a)
    emit_box_k(b, v, "x3");
  char yi[96], S[128];
  if (corr) {
    /* bwn with pad_value +-1: xnrt_bwn_conv2d pads with zeros; add
     * pad_value * sum of sign(W) over the padded taps. */
    snprintf(yi, sizeof yi, "n * %lld + (m * %lld + oh) * %lld + ow", (long long)MP, (long long)v->out[0],
             (long long)v->out[1]);
    sb_printf(b, "    for (int m = 0; m < %lld; m++)\n      for (int oh = 0; oh < %lld; oh++)\n"
                 "        for (int ow = 0; ow < %lld; ow++) {\n          int cr = 0;\n          double s;\n",
              (long long)L->M, (long long)v->out[0], (long long)v->out[1]);
    sb_printf(b, "          for (int kh = 0; kh < %lld; kh++) {\n            ", (long long)v->k[0]);
    coord(b, "ih", "oh", "kh", v->s[0], v->d[0], v->pb[0]);
    sb_printf(b, "\n            for (int kw = 0; kw < %lld; kw++) {\n              ", (long long)v->k[1]);
    coord(b, "iw", "ow", "kw", v->s[1], v->d[1], v->pb[1]);
    sb_printf(b, "\n              if (ih < 0 || ih >= %lld || iw < 0 || iw >= %lld)\n", (long long)v->in[0],
              (long long)v->in[1]);
    sb_printf(b, "                cr += ws%d[(m * %lld + kh) * %lld + kw];\n            }\n          }\n", ni,
              (long long)v->k[0], (long long)v->k[1]);
    sb_printf(b, "          s = (double)y[%s] %c (double)cr;\n", yi, L->pv > 0 ? '+' : '-');
    snprintf(S, sizeof S, "s");
    char pk[48];
    snprintf(pk, sizeof pk, "oh * %lld + ow", (long long)v->out[1]);
    sb_puts(b, "          {\n");
    emit_out(b, 6, ni, S, 0, yi, "m", NULL, has_a ? pk : NULL, has_b);
    sb_puts(b, "          }\n        }\n");
  } else {
    snprintf(yi, sizeof yi, "n * %lld + m * %lld + p", (long long)MP, (long long)P);
    if (xnor)
      snprintf(S, sizeof S, "acc[m * %lld + p]", (long long)P);
    else
      snprintf(S, sizeof S, "y[%s]", yi);
    StrBuf body;
    sb_init(&body, e->g->arena);
    emit_out(&body, 4, ni, S, !xnor || exact_float, yi, "m", NULL, has_a ? "p" : NULL, has_b);
    sb_printf(b, "    for (int m = 0; m < %lld; m++) {\n", (long long)L->M);
    split_loop(b, 1, "p", P, body.s);
    sb_puts(b, "    }\n");
  }
  sb_puts(b, "  }\n");
  return 0;
}

static int emit_gemm_body(Emit *e, const Node *n, int ni, const BinLayer *L) {
  StrBuf *b = e->c;
  const char *nm = e->o->name;
  int xnor = e->p->node[ni].path == LP_XNOR, has_a = node_in(e->g, n, 3) != NULL, has_b = node_in(e->g, n, 2) != NULL;
  sb_printf(b, "  /* %s layer: %s */\n", xnor ? "xnor" : "bwn",
            xnor ? "XNOR-popcount on packed rows (xnrt_bgemm)" : "real input, packed weights (xnrt_bwn_gemm)");
  if (xnor) {
    sb_printf(b, "  uint64_t *xp = %s_work.l%d.xp;\n  int32_t *acc = %s_work.l%d.acc;\n", nm, ni, nm, ni);
    sb_printf(b, "  for (int r = 0; r < %lld; r++)\n    xnrt_pack_row(x0 + r * %lld, %lld, xp + r * %lld);\n",
              (long long)L->R, (long long)L->F, (long long)L->F, (long long)L->FW);
    sb_printf(b, "  xnrt_bgemm(xp, %lld, wb%d, %lld, %lld, %lld, %lld, acc, %lld, 1);\n", (long long)L->FW, ni,
              (long long)L->FW, (long long)L->R, (long long)L->M, (long long)L->F, (long long)L->M);
  } else {
    sb_printf(b, "  xnrt_bwn_gemm(x0, %lld, wb%d, %lld, %lld, %lld, %lld, y, %lld, 1);\n", (long long)L->F, ni,
              (long long)L->FW, (long long)L->R, (long long)L->M, (long long)L->F, (long long)L->M);
  }
  char yi[64];
  snprintf(yi, sizeof yi, "r * %lld + m", (long long)L->M);
  char S[80];
  snprintf(S, sizeof S, "%s[%s]", xnor ? "acc" : "y", yi);
  StrBuf body;
  sb_init(&body, e->g->arena);
  emit_out(&body, 3, ni, S, !xnor || L->F < (1 << 24), yi, "m", has_a ? "r" : NULL, NULL, has_b);
  sb_printf(b, "  for (int r = 0; r < %lld; r++) {\n", (long long)L->R);
  split_loop(b, 0, "m", L->M, body.s);
  sb_puts(b, "  }\n");
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
