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
 *   XnorDense     xnrt_pack_row per row, S = xnrt_bgemm, xnrt_threshold_pack_i32,
 *                 the bits written out as +-1 floats
 *
 * Weights are bit-packed at compile time; thresholds, scales and the pool's
 * any/all masks are literal arrays; work buffers (packed input, scratch,
 * sums, bits, K and its row sums, pre-pool values) are a struct per block in
 * the work union NAME_work that the binary layers use (emit_binary.c), since
 * layers run one at a time; the plan (plan_xnorblock) gives its members and size.
 */
#include <string.h>

#include "emit.h"

/* "static const TYPE decl[n] = {...};" inside a function. */
static void put_local_array(StrBuf *b, const char *type, const char *decl, ItemKind k, const void *v, int64_t n) {
  sb_printf(b, "  static const %s %s[%lld] = {", type, decl, (long long)n);
  put_items(b, "    ", k, v, n);
  sb_puts(b, "\n  };\n");
}

static void put_floats(StrBuf *b, const char *decl, const float *v, int64_t n) {
  put_local_array(b, "float", decl, IK_F32, v, n);
}

/* int64 thresholds; the sentinels as the limits of int64_t. */
static void put_i64s(StrBuf *b, const char *decl, const int64_t *v, int64_t n) {
  put_local_array(b, "int64_t", decl, IK_I64, v, n);
}

static void put_words(StrBuf *b, const char *decl, const uint64_t *u, int64_t n) {
  put_local_array(b, "uint64_t", decl, IK_U64, u, n);
}

static int body_binthreshold(Emit *e, const Node *n) {
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

/* Where channel m of M in G groups lives in packed words: plane, bit. */
static int64_t plane_of(int64_t m, int64_t M, int64_t G) {
  int64_t Mg = M / G;
  return m / Mg * ((Mg + 63) / 64) + m % Mg / 64;
}

static int body_xnorblock(Emit *e, const Node *n) {
  Graph *g = e->g;
  StrBuf *b = e->c;
  int ni = (int)(n - g->n);
  const LayerPlan *lp = &e->p->node[ni];
  const Block B = lp->geom->block;
  const Window v = B.v;
  const Window pool = B.pool;
  const Tensor *wt = node_in(g, n, 1);
  int bit = B.bit, relu = B.relu, has_a = B.has_a, has_q = B.has_q, pack_out = B.pack_out, pack_in = B.pack_in;
  int64_t M = B.M, G = B.G, CG = B.CG, CW = B.CW, T = B.T, P = B.P, PH = B.PH, PW = B.PW, PQ = B.PQ;
  int64_t pv = B.pv, OG = B.OG, NW = B.NW;
  const char *nm = e->o->name;
  const Node *thr = lp->pro >= 0 ? &g->n[lp->pro] : NULL; /* the BinThreshold it packs through */
  sb_puts(b, "  /* fused block: ");
  put_comment_text(b, attr_string(n, "fused", "?"));
  sb_printf(b, " (docs/fusion.md), %s output */\n", bit ? "bit" : "float");
  uint64_t *u = pack_weight_signs(g, wt->data, M, CG, v.k[0], v.k[1]);
  put_words(b, "wb", u, M * T * CW);
  if (bit) {
    put_i64s(b, "lo", node_in(g, n, 2)->data, M);
    put_i64s(b, "hi", node_in(g, n, 3)->data, M);
    if (pool.nsp) {
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
  /* work buffers: this block's struct in NAME_work (plan_xnorblock) */
  sb_printf(b, "  uint64_t *xp = %s_work.l%d.xp, *scratch = %s_work.l%d.scratch;\n", nm, ni, nm, ni);
  sb_printf(b, "  int32_t *acc = %s_work.l%d.acc;\n", nm, ni);
  if (bit)
    sb_printf(b, "  uint64_t *bits = %s_work.l%d.bits;\n", nm, ni);
  if (bit && pool.nsp)
    sb_printf(b, "  uint64_t *pooled = %s_work.l%d.pooled;\n", nm, ni);
  if (has_a && !bit)
    sb_printf(b, "  double *k = %s_work.l%d.k, *rs = %s_work.l%d.rs;\n", nm, ni, nm, ni);
  if (!bit && pool.nsp)
    sb_printf(b, "  float *val = %s_work.l%d.val;\n", nm, ni);
  sb_printf(b, "  for (int n = 0; n < %lld; n++) {\n", (long long)v.N);
  if (pack_in)
    sb_printf(b, "    memcpy(xp, (const unsigned char *)x0 + n * %lld, %lld); /* packed by the previous block */\n",
              (long long)(G * CW * v.in[0] * v.in[1] * 8), (long long)(G * CW * v.in[0] * v.in[1] * 8));
  else if (thr)
    sb_printf(b, "    xnrt_threshold_pack_f32(x0 + n * %lld, %lld, %lld, tlo, thi, %lld, xp); /* the BinThreshold */\n",
              (long long)(v.C * v.in[0] * v.in[1]), (long long)v.C, (long long)(v.in[0] * v.in[1]), (long long)G);
  else
    sb_printf(b, "    xnrt_pack_chw(x0 + n * %lld, %lld, %lld, %lld, %lld, xp);\n", (long long)(v.C * v.in[0] * v.in[1]),
              (long long)v.C, (long long)v.in[0], (long long)v.in[1], (long long)G);
  sb_printf(b, "    xnrt_bconv2d(xp, wb, acc, scratch, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, "
               "%lld, %lld, %lld, %lld, %lld);\n",
            (long long)v.C, (long long)v.in[0], (long long)v.in[1], (long long)M, (long long)v.k[0], (long long)v.k[1],
            (long long)v.out[0], (long long)v.out[1], (long long)v.s[0], (long long)v.s[1], (long long)v.d[0], (long long)v.d[1],
            (long long)v.pb[0], (long long)v.pb[1], (long long)G, (long long)pv);
  if (bit) {
    sb_printf(b, "    xnrt_threshold_pack_i32(acc, %lld, %lld, lo, hi, %lld, bits);\n", (long long)M, (long long)P,
              (long long)OG);
    if (pool.nsp)
      sb_printf(b, "    xnrt_pool_bits(bits, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, "
                   "all, pooled);\n",
                (long long)NW, (long long)v.out[0], (long long)v.out[1], (long long)pool.k[0], (long long)pool.k[1],
                (long long)PH, (long long)PW, (long long)pool.s[0], (long long)pool.s[1], (long long)pool.d[0],
                (long long)pool.d[1], (long long)pool.pb[0], (long long)pool.pb[1]);
    if (pack_out) {
      /* the readers are blocks: keep the bits packed (NW word planes) in y's
       * space, which its M >= 2 floats per position cover */
      sb_printf(b, "    memcpy((unsigned char *)y + n * %lld, %s, %lld);\n", (long long)(NW * PQ * 8),
                pool.nsp ? "pooled" : "bits", (long long)(NW * PQ * 8));
    } else {
      sb_printf(b, "    for (int m = 0; m < %lld; m++)\n      for (int q = 0; q < %lld; q++)\n", (long long)M,
                (long long)PQ);
      sb_printf(b, "        y[n * %lld + m * %lld + q] = %s[(m / 64) * %lld + q] >> (m %% 64) & 1 ? -1.0f : 1.0f;\n",
                (long long)(M * PQ), (long long)PQ, pool.nsp ? "pooled" : "bits", (long long)PQ);
    }
    sb_puts(b, "  }\n");
    return 0;
  }
  if (has_a)
    emit_box_k(b, &v, "x4");
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
  if (pool.nsp)
    sb_puts(b, "          val[p] = o;\n");
  else
    sb_printf(b, "          y[n * %lld + m * %lld + p] = o;\n", (long long)(M * P), (long long)P);
  sb_puts(b, "        }\n      }\n");
  if (pool.nsp) {
    /* the interpreter's max: the first tap, then larger ones; a NaN tap wins */
    sb_printf(b, "      for (int py = 0; py < %lld; py++)\n        for (int px = 0; px < %lld; px++) {\n",
              (long long)PH, (long long)PW);
    sb_puts(b, "          float best = 0;\n          int seen = 0;\n");
    sb_printf(b, "          for (int ky = 0; ky < %lld; ky++) {\n            ", (long long)pool.k[0]);
    coord(b, "iy", "py", "ky", pool.s[0], pool.d[0], pool.pb[0]);
    sb_printf(b, "\n            if (iy < 0 || iy >= %lld)\n              continue;\n", (long long)v.out[0]);
    sb_printf(b, "            for (int kx = 0; kx < %lld; kx++) {\n              ", (long long)pool.k[1]);
    coord(b, "ix", "px", "kx", pool.s[1], pool.d[1], pool.pb[1]);
    sb_printf(b, "\n              if (ix < 0 || ix >= %lld)\n                continue;\n", (long long)v.out[1]);
    sb_printf(b, "              {\n                const float t = val[iy * %lld + ix];\n", (long long)v.out[1]);
    sb_puts(b, "                if (!seen || t > best || (t != t && best == best))\n                  best = t;\n"
               "                seen = 1;\n              }\n            }\n          }\n");
    sb_printf(b, "          y[n * %lld + m * %lld + py * %lld + px] = best;\n        }\n", (long long)(M * PQ),
              (long long)PQ, (long long)PW);
  }
  sb_puts(b, "    }\n  }\n");
  return 0;
}

/* XnorDense: per row xnrt_pack_row, xnrt_bgemm into acc[m][r] (the
 * accumulator S, exact), xnrt_threshold_pack_i32 through lo/hi, then the
 * bits written out as +-1 floats. */
static int body_xnordense(Emit *e, const Node *n) {
  Graph *g = e->g;
  StrBuf *b = e->c;
  int ni = (int)(n - g->n);
  const Dense D = e->p->node[ni].geom->dense;
  int64_t R = D.R, F = D.F, M = D.M, FW = (F + 63) / 64;
  const char *nm = e->o->name;
  sb_puts(b, "  /* fused dense layer: ");
  put_comment_text(b, attr_string(n, "fused", "?"));
  sb_puts(b, " (docs/fusion.md), bit output */\n");
  const float *w = node_in(g, n, 1)->data;
  uint64_t *u = pack_weight_signs(g, w, M, F, 1, 1); /* rows as xnrt_pack_row packs them */
  put_words(b, "wb", u, M * FW);
  put_i64s(b, "lo", node_in(g, n, 2)->data, M);
  put_i64s(b, "hi", node_in(g, n, 3)->data, M);
  sb_printf(b, "  uint64_t *xp = %s_work.l%d.xp, *bits = %s_work.l%d.bits;\n", nm, ni, nm, ni);
  sb_printf(b, "  int32_t *acc = %s_work.l%d.acc;\n", nm, ni);
  sb_printf(b, "  for (int r = 0; r < %lld; r++)\n    xnrt_pack_row(x0 + r * %lld, %lld, xp + r * %lld);\n",
            (long long)R, (long long)F, (long long)F, (long long)FW);
  sb_printf(b, "  xnrt_bgemm(xp, %lld, wb, %lld, %lld, %lld, %lld, acc, 1, %lld); /* acc[m][r] */\n", (long long)FW,
            (long long)FW, (long long)R, (long long)M, (long long)F, (long long)R);
  sb_printf(b, "  xnrt_threshold_pack_i32(acc, %lld, %lld, lo, hi, 1, bits);\n", (long long)M, (long long)R);
  sb_printf(b, "  for (int r = 0; r < %lld; r++)\n    for (int m = 0; m < %lld; m++)\n", (long long)R, (long long)M);
  sb_printf(b, "      y[r * %lld + m] = bits[(m / 64) * %lld + r] >> (m %% 64) & 1 ? -1.0f : 1.0f;\n", (long long)M,
            (long long)R);
  return 0;
}

const OpEmit emit_binthreshold = {NULL, NULL, body_binthreshold};
const OpEmit emit_xnorblock = {plan_xnorblock, NULL, body_xnorblock};
const OpEmit emit_xnordense = {plan_xnordense, NULL, body_xnordense};
