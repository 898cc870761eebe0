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
 * layers run one at a time; block_work() gives its members and size.
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
  return n->op == OP_XnorBlock && node_writes_bits(n);
}

/* Whether the bit tensor t written by an emitted bit XnorBlock can stay bit
 * packed in its buffer: not a graph output, at least 2 channels per group (so
 * that the packed words fit in the space of its floats), and read only as X by
 * emitted XnorBlocks, all with the same group count (*G). */
static int packed_handoff(Emit *e, int t, int64_t *G) {
  Graph *g = e->g;
  int p, readers = 0;
  if (t < 0 || g->t[t].is_output || g->t[t].rank != 4 || g->t[t].dims[1] < 2)
    return 0;
  const Tensor *tt = &g->t[t];
  p = e->ud->def[t];
  for (int r = e->ud->use_first[t]; r < e->ud->use_first[t + 1]; r++) {
    int i = e->ud->use_node[r];
    const Node *n = &g->n[i];
    if (!e->emit[i] || n->op != OP_XnorBlock || e->ud->use_slot[r] != 0)
      return 0;
    int64_t gi = attr_int(n, "group", 1);
    if (readers++ && gi != *G)
      return 0;
    *G = gi;
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
    for (int r = e->ud->use_first[y]; r < e->ud->use_first[y + 1] && ok; r++) {
      int i = e->ud->use_node[r];
      if (!e->emit[i])
        continue;
      ok &= g->n[i].op == OP_XnorBlock && e->ud->use_slot[r] == 0;
      any = 1;
    }
    if (!ok || !any)
      continue;
    for (int r = e->ud->use_first[y]; r < e->ud->use_first[y + 1]; r++) {
      int i = e->ud->use_node[r];
      if (e->emit[i] && g->n[i].op == OP_XnorBlock && e->ud->use_slot[r] == 0)
        e->in0[i] = th->in[0];
    }
    e->emit[t] = 0;
  }
}

/* The BinThreshold whose input XnorBlock n packs (block_plan), or NULL. */
static const Node *fused_threshold(Emit *e, const Node *n) {
  if (e->in0[n - e->g->n] < 0)
    return NULL;
  int p = e->ud->def[n->in[0]];
  if (p >= 0 && e->g->n[p].op == OP_BinThreshold && e->g->n[p].out[0] == n->in[0])
    return &e->g->n[p];
  xn_unreachable("XnorBlock reads a fused BinThreshold that is gone");
}

/* Geometry of an XnorBlock and the words/elements of its work buffers. */
typedef struct Block {
  Window v;                            /* the conv's window */
  Window pool;                    /* the fused max-pool, if pool.nsp */
  int bit, relu, has_a, has_q;      /* bit output; ReLU; A (K, Eq. 11) and Q inputs */
  int pack_out, pack_in;            /* output stays packed for the next block; input packed by the previous */
  int64_t M, G, CG, CW, T, P, PH, PW, PQ, pv, OG, NW; /* filters, groups, ..., output word planes */
  int64_t xp, scr, bits, pooled, k, rs; /* work: 64-bit words / doubles */
  int64_t acc, val;                 /* work: int32 sums / float values */
} Block;

/* Fills B for XnorBlock n; -1 after reporting to d what is not supported. */
static int block_geom(Emit *e, const Node *n, Diag *d, Block *B) {
  Graph *g = e->g;
  Emit e2 = *e;
  e2.d = d;
  memset(B, 0, sizeof *B);
  Window *v = &B->v;
  if (win_get(&e2, n, v) || xnor_pool_window(g, n, d, (int64_t[2]){v->out[0], v->out[1]}, &B->pool))
    return -1;
  const Tensor *wt = node_in(g, n, 1);
  B->bit = node_writes_bits(n), B->relu = attr_int(n, "relu", 0) != 0;
  B->has_a = node_in(g, n, 4) != NULL, B->has_q = node_in(g, n, 3) != NULL;
  B->M = wt->dims[0], B->G = v->group, B->CG = v->C / B->G, B->CW = (B->CG + 63) / 64, B->T = v->k[0] * v->k[1];
  B->P = v->out[0] * v->out[1], B->PH = B->pool.nsp ? B->pool.out[0] : v->out[0], B->PW = B->pool.nsp ? B->pool.out[1] : v->out[1];
  B->PQ = B->PH * B->PW;
  B->pv = attr_int(n, "pad_value", 0), B->OG = 1;
  B->pack_out = B->bit && packed_handoff(e, n->out[0], &B->OG); /* write packed words for the next block */
  if (!B->pack_out)
    B->OG = 1;
  B->pack_in = packed_handoff(e, n->in[0], &(int64_t){0}) && attr_int(n, "group", 1) == B->G;
  B->NW = B->OG * ((B->M / B->OG + 63) / 64); /* output word planes, in the reader's group layout */
  if (B->pv < -1 || B->pv > 1 || B->M % B->G) {
    node_error(d, g, n, "pad_value %lld or group %lld is not supported", (long long)B->pv, (long long)B->G);
    return -1;
  }
  /* + 8 words (16 int32): the vector kernels read whole 64-byte blocks (masked) */
  B->xp = B->G * B->CW * v->in[0] * v->in[1] + 8;
  B->scr = (B->P + 7) / 8 * (9 * B->T * B->CW + 9) + 8;
  B->acc = B->M * B->P + 16;
  B->bits = B->bit ? B->NW * B->P + 8 : 0;
  B->pooled = B->bit && B->pool.nsp ? B->NW * B->PQ + 8 : 0;
  B->k = B->has_a && !B->bit ? B->P : 0;
  B->rs = B->has_a && !B->bit ? v->in[0] * v->out[1] : 0;
  B->val = !B->bit && B->pool.nsp ? B->P : 0;
  return 0;
}

/* XnorDense: rows R (every index of X but the last), features F, filters M. */
static void dense_geom(Emit *e, const Node *n, int64_t *R, int64_t *F, int64_t *M) {
  const Tensor *x = node_in(e->g, n, 0), *w = node_in(e->g, n, 1);
  *F = w->dims[1], *M = w->dims[0], *R = *F ? tensor_numel(x) / *F : 0;
}

/* An XnorDense's struct in NAME_work: packed rows, threshold bits (uint64),
 * then the int32 sums acc[m][r]; + 8 words / 16 int32 of padding, as the
 * blocks' buffers. */
static int64_t dense_work(Emit *e, const Node *n, StrBuf *decl) {
  int64_t R, F, M;
  dense_geom(e, n, &R, &F, &M);
  int64_t xp = R * ((F + 63) / 64) + 8, bits = (M + 63) / 64 * R + 8, acc = M * R + 16;
  if (decl)
    sb_printf(decl, "    uint64_t xp[%lld];\n    uint64_t bits[%lld];\n    int32_t acc[%lld];\n", (long long)xp,
              (long long)bits, (long long)acc);
  return (8 * (xp + bits) + 4 * acc + 7) / 8 * 8;
}

int64_t block_work(Emit *e, int ni, StrBuf *decl) {
  const Node *n = &e->g->n[ni];
  Block B;
  Diag quiet;
  if (e->emit[ni] && n->op == OP_XnorDense)
    return dense_work(e, n, decl);
  if (!e->emit[ni] || n->op != OP_XnorBlock)
    return 0;
  diag_init(&quiet, e->g->file);
  int bad = block_geom(e, n, &quiet, &B);
  diag_free(&quiet);
  if (bad) /* emit_block reports it */
    return 0;
  if (decl) {
    const Window *v = &B.v;
    sb_printf(decl, "    uint64_t xp[XNRT_PACKED_WORDS(%lld, %lld, %lld, %lld) + 8];\n", (long long)v->C,
              (long long)B.G, (long long)v->in[0], (long long)v->in[1]);
    sb_printf(decl, "    uint64_t scratch[XNRT_BCONV_SCRATCH_WORDS(%lld, %lld, %lld, %lld, %lld) + 8];\n",
              (long long)B.CG, (long long)v->k[0], (long long)v->k[1], (long long)v->out[0], (long long)v->out[1]);
    if (B.bits)
      sb_printf(decl, "    uint64_t bits[%lld];\n", (long long)B.bits);
    if (B.pooled)
      sb_printf(decl, "    uint64_t pooled[%lld];\n", (long long)B.pooled);
    if (B.k)
      sb_printf(decl, "    double k[%lld];\n    double rs[%lld];\n", (long long)B.k, (long long)B.rs);
    sb_printf(decl, "    int32_t acc[%lld];\n", (long long)B.acc);
    if (B.val)
      sb_printf(decl, "    float val[%lld];\n", (long long)B.val);
  }
  /* uint64 and double members first, then 4-byte ones: no padding but at the end */
  int64_t bytes = 8 * (B.xp + B.scr + B.bits + B.pooled + B.k + B.rs) + 4 * (B.acc + B.val);
  return (bytes + 7) / 8 * 8;
}

static int emit_block(Emit *e, const Node *n) {
  Graph *g = e->g;
  StrBuf *b = e->c;
  Block B;
  if (block_geom(e, n, e->d, &B))
    return -1;
  const Window v = B.v;
  const Window pool = B.pool;
  const Tensor *wt = node_in(g, n, 1);
  int bit = B.bit, relu = B.relu, has_a = B.has_a, has_q = B.has_q, pack_out = B.pack_out, pack_in = B.pack_in;
  int64_t M = B.M, G = B.G, CG = B.CG, CW = B.CW, T = B.T, P = B.P, PH = B.PH, PW = B.PW, PQ = B.PQ;
  int64_t pv = B.pv, OG = B.OG, NW = B.NW;
  int ni = (int)(n - g->n);
  const char *nm = e->o->name;
  const Node *thr = fused_threshold(e, n);
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
  /* work buffers: this block's struct in NAME_work (block_work) */
  sb_printf(b, "  uint64_t *xp = %s_work.l%d.xp, *scratch = %s_work.l%d.scratch;\n", nm, ni, nm, ni);
  sb_printf(b, "  int32_t *acc = %s_work.l%d.acc;\n", nm, ni);
  if (B.bits)
    sb_printf(b, "  uint64_t *bits = %s_work.l%d.bits;\n", nm, ni);
  if (B.pooled)
    sb_printf(b, "  uint64_t *pooled = %s_work.l%d.pooled;\n", nm, ni);
  if (B.k)
    sb_printf(b, "  double *k = %s_work.l%d.k, *rs = %s_work.l%d.rs;\n", nm, ni, nm, ni);
  if (B.val)
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
static int emit_dense(Emit *e, const Node *n) {
  Graph *g = e->g;
  StrBuf *b = e->c;
  int64_t R, F, M;
  dense_geom(e, n, &R, &F, &M);
  int64_t FW = (F + 63) / 64;
  int ni = (int)(n - g->n);
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

int emit_fused(Emit *e, const Node *n) {
  switch (n->op) {
  case OP_BinThreshold: return emit_threshold(e, n);
  case OP_XnorBlock: return emit_block(e, n);
  case OP_XnorDense: return emit_dense(e, n);
  default: xn_unreachable("emit_fused: not a fused op");
  }
}
