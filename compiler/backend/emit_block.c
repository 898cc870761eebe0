/* emit_block.c - the fused xnor ops (docs/fusion.md) on the runtime.
 *
 *   BinThreshold  y = +-1 by per-channel float thresholds:
 *                 +1 iff x is NaN or x <= lo[c] or x >= hi[c]
 *   XnorBlock     pack X (xnrt_pack_chw), S = xnrt_bconv2d, then
 *                 bit:   xnrt_threshold_pack_i32 writes the thresholded S as
 *                        bits, xnrt_pool_bits pools them (AND/OR per channel);
 *                        when only blocks read the output, the packed words
 *                        go into the output's buffer and the readers copy them
 *                        (no float tensor between the two layers); otherwise
 *                        they are written out as +-1 floats
 *                 float: (float)((double)P[m] * S * K + Q[m]) as the
 *                        interpreter computes it, ReLU, max-pool of the values
 *
 * Weights are bit-packed at compile time; thresholds, scales and the pool's
 * any/all masks are literal arrays; work buffers are static arrays of the
 * block's function (one set per block).
 */
#include <string.h>

#include "../passes/binary.h"
#include "emit.h"

static void put_floats(StrBuf *b, const char *decl, const float *v, int64_t n) {
  sb_printf(b, "  static const float %s[%lld] = {", decl, (long long)n);
  for (int64_t i = 0; i < n; i++) {
    sb_puts(b, i % 6 ? " " : "\n    ");
    put_hexfloat(b, v[i]);
    if (i + 1 < n)
      sb_putc(b, ',');
  }
  sb_puts(b, "\n  };\n");
}

/* int64 thresholds; the sentinels as the limits of int64_t. */
static void put_i64s(StrBuf *b, const char *decl, const int64_t *v, int64_t n) {
  sb_printf(b, "  static const int64_t %s[%lld] = {", decl, (long long)n);
  for (int64_t i = 0; i < n; i++) {
    sb_puts(b, i % 8 ? " " : "\n    ");
    if (v[i] == INT64_MIN)
      sb_puts(b, "INT64_MIN");
    else if (v[i] == INT64_MAX)
      sb_puts(b, "INT64_MAX");
    else
      sb_printf(b, "%lld", (long long)v[i]);
    if (i + 1 < n)
      sb_putc(b, ',');
  }
  sb_puts(b, "\n  };\n");
}

static void put_words(StrBuf *b, const char *decl, const uint64_t *u, int64_t n) {
  sb_printf(b, "  static const uint64_t %s[%lld] = {", decl, (long long)n);
  for (int64_t i = 0; i < n; i++)
    sb_printf(b, "%s0x%016llxu%s", i % 4 ? " " : "\n    ", (unsigned long long)u[i], i + 1 < n ? "," : "");
  sb_puts(b, "\n  };\n");
}

static int emit_threshold(Emit *e, const Node *n) {
  StrBuf *b = e->c;
  const Tensor *x = node_in(e->g, n, 0);
  int64_t N = x->dims[0], C = x->dims[1], inner = C ? tensor_numel(x) / N / C : 0;
  sb_puts(b, "  /* +1 iff x is NaN or x <= lo[c] or x >= hi[c] (a NaN bound never matches) */\n");
  put_floats(b, "lo", node_in(e->g, n, 1)->data, C);
  put_floats(b, "hi", node_in(e->g, n, 2)->data, C);
  sb_printf(b, "  for (int o = 0; o < %lld; o++)\n    for (int c = 0; c < %lld; c++)\n", (long long)N, (long long)C);
  sb_printf(b, "      for (int s = 0; s < %lld; s++) {\n", (long long)inner);
  sb_printf(b, "        const float v = x0[(o * %lld + c) * %lld + s];\n", (long long)C, (long long)inner);
  sb_printf(b, "        y[(o * %lld + c) * %lld + s] = v != v || v <= lo[c] || v >= hi[c] ? 1.0f : -1.0f;\n",
            (long long)C, (long long)inner);
  sb_puts(b, "      }\n");
  return 0;
}

/* "int iv = ov * S + kv * D - P;" */
static void coord(StrBuf *b, const char *iv, const char *ov, const char *kv, int64_t S, int64_t D, int64_t P) {
  sb_printf(b, "int %s = %s * %lld + %s * %lld - %lld;", iv, ov, (long long)S, kv, (long long)D, (long long)P);
}

static int is_bit_block(const Node *n) {
  return n->op == OP_XnorBlock && !strcmp(attr_string(n, "output", "float"), "bit");
}

/* Whether the bit tensor t written by an emitted bit XnorBlock can stay bit
 * packed in its buffer: not a graph output, at least 2 channels per group (so
 * that the packed words fit in the space of its floats), and read only as X by
 * emitted XnorBlocks, all with the same group count (*G). */
static int packed_handoff(Emit *e, int t, int64_t *G) {
  Graph *g = e->g;
  int p = -1, readers = 0;
  if (t < 0 || g->t[t].is_output || g->t[t].rank != 4 || g->t[t].dims[1] < 2)
    return 0;
  const Tensor *tt = &g->t[t];
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (n->dead)
      continue;
    for (int j = 0; j < n->nout; j++)
      if (n->out[j] == t)
        p = i;
    for (int j = 0; j < n->nin; j++) {
      if (n->in[j] != t)
        continue;
      if (!e->emit[i] || n->op != OP_XnorBlock || j != 0)
        return 0;
      int64_t gi = attr_int(n, "group", 1);
      if (readers++ && gi != *G)
        return 0;
      *G = gi;
    }
  }
  return p >= 0 && e->emit[p] && is_bit_block(&g->n[p]) && readers > 0 && *G >= 1 && tt->dims[1] % *G == 0 &&
         tt->dims[1] / *G >= 2;
}

/* Where channel m of M in G groups lives in packed words: plane, bit. */
static int64_t plane_of(int64_t m, int64_t M, int64_t G) {
  int64_t Mg = M / G;
  return m / Mg * ((Mg + 63) / 64) + m % Mg / 64;
}

void block_plan(Emit *e) {
  Graph *g = e->g;
  for (int t = 0; t < g->nn; t++) {
    const Node *th = &g->n[t];
    int y = th->nout > 0 ? th->out[0] : -1, ok = 1, any = 0;
    if (!e->emit[t] || th->op != OP_BinThreshold || y < 0 || g->t[y].is_output)
      continue;
    for (int i = 0; i < g->nn && ok; i++)
      for (int j = 0; e->emit[i] && j < g->n[i].nin; j++)
        if (g->n[i].in[j] == y) {
          ok &= g->n[i].op == OP_XnorBlock && j == 0;
          any = 1;
        }
    if (!ok || !any)
      continue;
    for (int i = 0; i < g->nn; i++)
      if (e->emit[i] && g->n[i].op == OP_XnorBlock && g->n[i].in[0] == y)
        e->in0[i] = th->in[0];
    e->emit[t] = 0;
  }
}

/* The BinThreshold whose input XnorBlock n packs (block_plan), or NULL. */
static const Node *fused_threshold(Emit *e, const Node *n) {
  if (e->in0[n - e->g->n] < 0)
    return NULL;
  for (int i = 0; i < e->g->nn; i++)
    if (!e->g->n[i].dead && e->g->n[i].op == OP_BinThreshold && e->g->n[i].out[0] == n->in[0])
      return &e->g->n[i];
  xn_unreachable("XnorBlock reads a fused BinThreshold that is gone");
}

static int emit_block(Emit *e, const Node *n) {
  Graph *g = e->g;
  StrBuf *b = e->c;
  Win v;
  XnorPool pool;
  if (win_get(e, n, &v) || xnor_block_pool(g, n, e->d, (int64_t[2]){v.OH, v.OW}, &pool))
    return -1;
  const Tensor *wt = node_in(g, n, 1);
  int bit = !strcmp(attr_string(n, "output", "float"), "bit"), relu = attr_int(n, "relu", 0) != 0;
  int has_a = node_in(g, n, 4) != NULL, has_q = node_in(g, n, 3) != NULL;
  int64_t M = wt->dims[0], G = v.w.group, CG = v.C / G, CW = (CG + 63) / 64, T = v.KH * v.KW;
  int64_t P = v.OH * v.OW, PH = pool.on ? pool.out[0] : v.OH, PW = pool.on ? pool.out[1] : v.OW, PQ = PH * PW;
  int64_t pv = attr_int(n, "pad_value", 0), OG = 1;
  int pack_out = bit && packed_handoff(e, n->out[0], &OG); /* write packed words for the next block */
  if (!pack_out)
    OG = 1;
  int pack_in = packed_handoff(e, n->in[0], &(int64_t){0}) && attr_int(n, "group", 1) == G;
  int64_t NW = OG * ((M / OG + 63) / 64); /* output word planes, in the reader's group layout */
  if (pv < -1 || pv > 1 || M % G) {
    node_error(e->d, g, n, "pad_value %lld or group %lld is not supported", (long long)pv, (long long)G);
    return -1;
  }
  const Node *thr = fused_threshold(e, n);
  sb_puts(b, "  /* fused block: ");
  put_comment_text(b, attr_string(n, "fused", "?"));
  sb_printf(b, " (docs/fusion.md), %s output */\n", bit ? "bit" : "float");
  /* bit-packed weights in xnrt_pack_weights' layout */
  const float *w = wt->data;
  uint64_t *u = arena_array(g->arena, (size_t)(M * T * CW) + 1, sizeof *u);
  for (int64_t m = 0; m < M; m++)
    for (int64_t t = 0; t < T; t++)
      for (int64_t ch = 0; ch < CG; ch++)
        if (w[(m * CG + ch) * T + t] < 0.0f)
          u[(m * T + t) * CW + ch / 64] |= (uint64_t)1 << (ch % 64);
  put_words(b, "wb", u, M * T * CW);
  if (bit) {
    put_i64s(b, "lo", node_in(g, n, 2)->data, M);
    put_i64s(b, "hi", node_in(g, n, 3)->data, M);
    if (pool.on) {
      const int64_t *r = node_in(g, n, 5)->data;
      uint64_t *all = arena_array(g->arena, (size_t)NW + 1, sizeof *all);
      for (int64_t m = 0; m < M; m++)
        all[plane_of(m, M, OG)] |= (uint64_t)(r[m] != 0) << (m % (M / OG) % 64);
      sb_puts(b, "  /* pool: channels whose bit is set need every tap +1 (OR of bits), the others any (AND) */\n");
      put_words(b, "all", all, NW);
    }
  } else {
    put_floats(b, "sc", node_in(g, n, 2)->data, M);
    if (has_q)
      put_floats(b, "bi", node_in(g, n, 3)->data, M);
  }
  if (thr) {
    sb_puts(b, "  /* input thresholds of BinThreshold '");
    put_comment_text(b, thr->name);
    sb_puts(b, "', packed here: +1 iff x is NaN or x <= tlo[c] or x >= thi[c] */\n");
    put_floats(b, "tlo", node_in(g, thr, 1)->data, v.C);
    put_floats(b, "thi", node_in(g, thr, 2)->data, v.C);
  }
  /* + 8 words: the vector kernels read whole 64-byte blocks (masked) */
  sb_printf(b, "  static uint64_t xp[XNRT_PACKED_WORDS(%lld, %lld, %lld, %lld) + 8];\n", (long long)v.C, (long long)G,
            (long long)v.H, (long long)v.W);
  sb_printf(b, "  static uint64_t scratch[XNRT_BCONV_SCRATCH_WORDS(%lld, %lld, %lld, %lld, %lld) + 8];\n", (long long)CG,
            (long long)v.KH, (long long)v.KW, (long long)v.OH, (long long)v.OW);
  sb_printf(b, "  static int32_t acc[%lld];\n", (long long)(M * P + 16));
  if (bit)
    sb_printf(b, "  static uint64_t bits[%lld];\n", (long long)(NW * P + 8));
  if (bit && pool.on)
    sb_printf(b, "  static uint64_t pooled[%lld];\n", (long long)(NW * PQ + 8));
  if (has_a)
    sb_printf(b, "  static double k[%lld];\n", (long long)P);
  if (!bit && pool.on)
    sb_printf(b, "  static float val[%lld];\n", (long long)P);
  sb_printf(b, "  for (int n = 0; n < %lld; n++) {\n", (long long)v.N);
  if (pack_in)
    sb_printf(b, "    memcpy(xp, (const unsigned char *)x0 + n * %lld, %lld); /* packed by the previous block */\n",
              (long long)(G * CW * v.H * v.W * 8), (long long)(G * CW * v.H * v.W * 8));
  else if (thr)
    sb_printf(b, "    xnrt_threshold_pack_f32(x0 + n * %lld, %lld, %lld, tlo, thi, %lld, xp); /* the BinThreshold */\n",
              (long long)(v.C * v.H * v.W), (long long)v.C, (long long)(v.H * v.W), (long long)G);
  else
    sb_printf(b, "    xnrt_pack_chw(x0 + n * %lld, %lld, %lld, %lld, %lld, xp);\n", (long long)(v.C * v.H * v.W),
              (long long)v.C, (long long)v.H, (long long)v.W, (long long)G);
  sb_printf(b, "    xnrt_bconv2d(xp, wb, acc, scratch, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, "
               "%lld, %lld, %lld, %lld, %lld);\n",
            (long long)v.C, (long long)v.H, (long long)v.W, (long long)M, (long long)v.KH, (long long)v.KW,
            (long long)v.OH, (long long)v.OW, (long long)v.SH, (long long)v.SW, (long long)v.DH, (long long)v.DW,
            (long long)v.PT, (long long)v.PL, (long long)G, (long long)pv);
  if (bit) {
    sb_printf(b, "    xnrt_threshold_pack_i32(acc, %lld, %lld, lo, hi, %lld, bits);\n", (long long)M, (long long)P,
              (long long)OG);
    if (pool.on)
      sb_printf(b, "    xnrt_pool_bits(bits, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, "
                   "all, pooled);\n",
                (long long)NW, (long long)v.OH, (long long)v.OW, (long long)pool.k[0], (long long)pool.k[1],
                (long long)PH, (long long)PW, (long long)pool.s[0], (long long)pool.s[1], (long long)pool.d[0],
                (long long)pool.d[1], (long long)pool.pb[0], (long long)pool.pb[1]);
    if (pack_out) {
      /* the readers are blocks: keep the bits packed (NW word planes) in y's
       * space, which its M >= 2 floats per position cover */
      sb_printf(b, "    memcpy((unsigned char *)y + n * %lld, %s, %lld);\n", (long long)(NW * PQ * 8),
                pool.on ? "pooled" : "bits", (long long)(NW * PQ * 8));
    } else {
      sb_printf(b, "    for (int m = 0; m < %lld; m++)\n      for (int q = 0; q < %lld; q++)\n", (long long)M,
                (long long)PQ);
      sb_printf(b, "        y[n * %lld + m * %lld + q] = %s[(m / 64) * %lld + q] >> (m %% 64) & 1 ? -1.0f : 1.0f;\n",
                (long long)(M * PQ), (long long)PQ, pool.on ? "pooled" : "bits", (long long)PQ);
    }
    sb_puts(b, "  }\n");
    return 0;
  }
  if (has_a) {
    sb_puts(b, "    /* K (Eq. 11): mean of zero-padded A over each window, kh*kw in the denominator */\n");
    sb_printf(b, "    for (int oh = 0; oh < %lld; oh++)\n      for (int ow = 0; ow < %lld; ow++) {\n",
              (long long)v.OH, (long long)v.OW);
    sb_printf(b, "        double ks = 0;\n        for (int kh = 0; kh < %lld; kh++) {\n          ", (long long)v.KH);
    coord(b, "ih", "oh", "kh", v.SH, v.DH, v.PT);
    sb_printf(b, "\n          for (int kw = 0; kw < %lld; kw++) {\n            ", (long long)v.KW);
    coord(b, "iw", "ow", "kw", v.SW, v.DW, v.PL);
    sb_printf(b, "\n            if (ih >= 0 && ih < %lld && iw >= 0 && iw < %lld)\n", (long long)v.H, (long long)v.W);
    sb_printf(b, "              ks += (double)x4[n * %lld + ih * %lld + iw];\n", (long long)(v.H * v.W),
              (long long)v.W);
    sb_puts(b, "          }\n        }\n");
    sb_printf(b, "        k[oh * %lld + ow] = ks / %lld.0;\n      }\n", (long long)v.OW, (long long)T);
  }
  sb_printf(b, "    for (int m = 0; m < %lld; m++) {\n", (long long)M);
  sb_printf(b, "      for (int p = 0; p < %lld; p++) {\n", (long long)P);
  sb_printf(b, "        double t = (double)sc[m] * (double)acc[m * %lld + p];\n", (long long)P);
  if (has_a)
    sb_puts(b, "        t *= k[p];\n");
  if (has_q)
    sb_puts(b, "        t += (double)bi[m];\n");
  sb_puts(b, "        {\n          float o = (float)t;\n");
  if (relu)
    sb_puts(b, "          o = o < 0 ? 0.0f : o;\n");
  if (pool.on)
    sb_puts(b, "          val[p] = o;\n");
  else
    sb_printf(b, "          y[n * %lld + m * %lld + p] = o;\n", (long long)(M * P), (long long)P);
  sb_puts(b, "        }\n      }\n");
  if (pool.on) {
    /* the interpreter's max: the first tap, then larger ones; a NaN tap wins */
    sb_printf(b, "      for (int py = 0; py < %lld; py++)\n        for (int px = 0; px < %lld; px++) {\n",
              (long long)PH, (long long)PW);
    sb_puts(b, "          float best = 0;\n          int seen = 0;\n");
    sb_printf(b, "          for (int ky = 0; ky < %lld; ky++) {\n            ", (long long)pool.k[0]);
    coord(b, "iy", "py", "ky", pool.s[0], pool.d[0], pool.pb[0]);
    sb_printf(b, "\n            if (iy < 0 || iy >= %lld)\n              continue;\n", (long long)v.OH);
    sb_printf(b, "            for (int kx = 0; kx < %lld; kx++) {\n              ", (long long)pool.k[1]);
    coord(b, "ix", "px", "kx", pool.s[1], pool.d[1], pool.pb[1]);
    sb_printf(b, "\n              if (ix < 0 || ix >= %lld)\n                continue;\n", (long long)v.OW);
    sb_printf(b, "              {\n                const float t = val[iy * %lld + ix];\n", (long long)v.OW);
    sb_puts(b, "                if (!seen || t > best || (t != t && best == best))\n                  best = t;\n"
               "                seen = 1;\n              }\n            }\n          }\n");
    sb_printf(b, "          y[n * %lld + m * %lld + py * %lld + px] = best;\n        }\n", (long long)(M * PQ),
              (long long)PQ, (long long)PW);
  }
  sb_puts(b, "    }\n  }\n");
  return 0;
}

int emit_fused_body(Emit *e, const Node *n) {
  switch (n->op) {
  case OP_BinThreshold: return emit_threshold(e, n);
  case OP_XnorBlock: return emit_block(e, n);
  default: xn_unreachable("emit_fused_body: not a fused op");
  }
}
