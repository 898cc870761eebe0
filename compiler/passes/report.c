/* report.c - what --report prints: one line per compute layer, then the
 * weight bytes.
 *
 *   'NAME' OP KIND[: REASON]          KIND is xnor, bwn or float
 *   weights: E bytes emitted, F bytes as float32 (R x smaller)
 *   folded: N nodes (Op K, ...)       constant folding (fold.c), when any
 *   not folded: NODE: WHY             a node on constants only left to run time
 *
 * Weight bytes count the constant inputs (weights and biases) of the layers.
 * A binary layer's weight is counted as the runtime packs it
 * (xnrt_pack_weights / xnrt_pack_row): per filter, for each kernel tap, the
 * channels of a group in 64-bit words, plus a float alpha per filter; its bias
 * stays float. Every other constant input counts 4 bytes per element.
 *
 * Fused ops (pass fuse, docs/fusion.md) say what they absorbed:
 *   'NAME' XnorBlock xnor: absorbed BinConv,Relu,MaxPool,... (OUTPUT)
 *   'NAME' XnorDense xnor: absorbed BinGemm,BatchNormalization,BinActiv (...)
 *   'NAME' BinThreshold xnor: absorbed BatchNormalization,BinActiv (...)
 */
#include <string.h>

#include "binary.h"
#include "passes.h"

/* Names may hold any bytes: C-style escapes for control bytes, and for quotes
 * and backslashes when quotes is set (as node_desc() does). */
static void put_escaped(StrBuf *b, const char *s, int quotes) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (quotes && (c == '\\' || c == '\''))
      sb_printf(b, "\\%c", c);
    else if (c < 0x20 || c == 0x7f)
      sb_printf(b, "\\x%02x", c);
    else
      sb_putc(b, (char)c);
  }
}

static int is_layer(const Node *n) {
  return !n->dead && (op_has(n->op, OPF_LAYER) || n->op == OP_BinThreshold);
}

/* What a fused op absorbed and how its output is computed; NULL otherwise. */
static const char *absorbed(Graph *g, const Node *n) {
  const char *list = fused_ops(n);
  if (!list)
    return NULL;
  const char *how = "float thresholds on the input, bit output";
  if (n->op == OP_XnorDense || (n->op == OP_XnorBlock && node_writes_bits(n)))
    how = "integer thresholds on the popcount, bit output";
  else if (n->op == OP_XnorBlock)
    how = node_in(g, n, 4) ? "float output, K from A" : "float output";
  return arena_printf(g->arena, "absorbed %s (%s)", list, how);
}

/* Bytes of the packed binary weight of BinConv/BinGemm n: M filters, each
 * taps x ceil(Cg/64) words of 8 bytes (xnor); for bwn the float GEMM's
 * 8-filter panels at one bit a weight, ceil(M/G/8) bytes per k of each of
 * the G groups (sgemm_pack.h); plus 4 bytes of alpha per filter. */
static int64_t packed_bytes(Graph *g, const Node *n) {
  const Tensor *w = node_in(g, n, 1);
  int64_t m = w->dims[0], cg = w->dims[1], taps = 1;
  for (int i = 2; i < w->rank; i++)
    taps *= w->dims[i];
  if (n->kind == LK_BWN) {
    int64_t G = n->op == OP_BinConv ? attr_int(n, "group", 1) : 1;
    if (G < 1 || m % G)
      G = 1;
    return G * ((m / G + 7) / 8) * cg * taps + 4 * m;
  }
  return m * (taps * ((cg + 63) / 64) * 8 + 4);
}

void report_text(Graph *g, StrBuf *b) {
  int64_t emitted = 0, f32 = 0;
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (!is_layer(n))
      continue;
    int binary = op_has(n->op, OPF_BINARY);
    const char *why = absorbed(g, n);
    sb_putc(b, '\'');
    put_escaped(b, n->name, 1);
    sb_printf(b, "' %s %s", op_info[n->op].name, why ? "xnor" : layer_kind_name(n->kind));
    if (!why)
      why = binarize_reason(g, n);
    if (why) {
      sb_puts(b, ": ");
      put_escaped(b, why, 0);
    }
    const Attr *za = node_attr(n, "zeros_plus1");
    if (za && za->kind == AT_INT)
      sb_printf(b, "%s%lld weights exactly 0 binarized as +alpha (--zero-weights=plus1)", why ? "; " : ": ",
                (long long)za->i);
    const Attr *na = node_attr(n, "near_binary"), *nu = node_attr(n, "near_ulps");
    if (na && na->kind == AT_INT && nu && nu->kind == AT_FLOAT)
      sb_printf(b, "%s%lld weights a few ulps off +-alpha made +-alpha (a straight-through export; the largest "
                "deviation %.0f ulps of alpha; --exact-weights keeps such layers float)",
                why || za ? "; " : ": ", (long long)na->i, (double)nu->f);
    sb_putc(b, '\n');
    for (int j = 0; j < n->nin; j++) {
      const Tensor *t = node_in(g, n, j);
      if (!t || !t->data || t->dtype != DT_F32)
        continue;
      /* BN parameters were not counted either; an XnorBlock's float scale is alpha */
      if (n->op == OP_BinThreshold || (n->op == OP_XnorBlock && j == 2))
        continue;
      int64_t bytes = 4 * tensor_numel(t);
      f32 += bytes;
      emitted += binary && j == 1 ? packed_bytes(g, n) : bytes;
    }
  }
  sb_printf(b, "weights: %lld bytes emitted, %lld bytes as float32", (long long)emitted, (long long)f32);
  if (emitted > 0 && f32 >= emitted)
    sb_printf(b, " (%.1fx smaller)\n", (double)f32 / (double)emitted);
  else if (emitted > 0)
    sb_printf(b, " (%.1fx larger)\n", (double)emitted / (double)f32);
  else
    sb_puts(b, "\n");
  fold_report(g, b);
}

void report_print(Graph *g, FILE *f) {
  StrBuf b;
  sb_init(&b, g->arena);
  report_text(g, &b);
  fputs(b.s, f);
}
