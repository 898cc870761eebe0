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
 * the work union NAME_work_ that the binary layers use (emit_binary.c), since
 * layers run one at a time; the plan (plan_xnorblock) gives its members and size.
 */
#include <string.h>

#include <string.h>

#include "emit.h"

/* "static const TYPE name[n] = {...};" inside the layer's function. */
static void local_array(Emit *e, ItemKind k, const char *name, const void *v, int64_t n) {
  emit_const_array(e, k, name, NULL, v, n);
}

static int body_binthreshold(Emit *e, const Node *n) {
  CWriter *w = e->w;
  const Tensor *x = node_in(e->g, n, 0);
  int64_t N = x->dims[0], C = x->dims[1], inner = C ? tensor_numel(x) / N / C : 0;
  cw_line(w, "/* +1 iff x is NaN or x <= lo[c] or x >= hi[c] (a NaN bound never matches) */");
  local_array(e, IK_F32, "lo", node_in(e->g, n, 1)->data, C);
  local_array(e, IK_F32, "hi", node_in(e->g, n, 2)->data, C);
  cw_for(w, "o", N);
  cw_for(w, "c", C);
  cw_for_open(w, "s", inner);
  cw_line(w, "const float v = x0[(o * %lld + c) * %lld + s];", (long long)C, (long long)inner);
  cw_line(w, "y[(o * %lld + c) * %lld + s] = v != v || v <= lo[c] || v >= hi[c] ? 1.0f : -1.0f;", (long long)C,
          (long long)inner);
  cw_close(w);
  return 0;
}

/* Where channel m of M in G groups lives in packed words: plane, bit. */
static int64_t plane_of(int64_t m, int64_t M, int64_t G) {
  int64_t Mg = M / G;
  return m / Mg * ((Mg + 63) / 64) + m % Mg / 64;
}

/* The float output of an XnorBlock's pool: the interpreter's max (the first
 * tap, then larger ones; a NaN tap wins) of val[] over each window. */
static void emit_float_pool(CWriter *w, const Block *B) {
  const Window *v = &B->v, *pool = &B->pool;
  cw_for(w, "py", B->PH);
  cw_for_open(w, "px", B->PW);
  cw_line(w, "float best = 0;");
  cw_line(w, "int seen = 0;");
  cw_for_open(w, "ky", pool->k[0]);
  emit_coord(w, "iy", "py", "ky", pool->s[0], pool->d[0], pool->pb[0]);
  cw_head(w, "if (iy < 0 || iy >= %lld)", (long long)v->out[0]);
  cw_line(w, "continue;");
  cw_for_open(w, "kx", pool->k[1]);
  emit_coord(w, "ix", "px", "kx", pool->s[1], pool->d[1], pool->pb[1]);
  cw_head(w, "if (ix < 0 || ix >= %lld)", (long long)v->out[1]);
  cw_line(w, "continue;");
  cw_open(w, "{");
  cw_line(w, "const float t = val[iy * %lld + ix];", (long long)v->out[1]);
  cw_head(w, "if (!seen || t > best || (t != t && best == best))");
  cw_line(w, "best = t;");
  cw_line(w, "seen = 1;");
  cw_close(w);
  cw_close(w);
  cw_close(w);
  cw_line(w, "y[n * %lld + m * %lld + py * %lld + px] = best;", (long long)(B->M * B->PQ), (long long)B->PQ,
          (long long)B->PW);
  cw_close(w);
}

static int body_xnorblock(Emit *e, const Node *n) {
  Graph *g = e->g;
  CWriter *w = e->w;
  int ni = (int)(n - g->n);
  const LayerPlan *lp = &e->p->node[ni];
  const Block B = lp->geom->block;
  const Window v = B.v;
  const Window pool = B.pool;
  const Tensor *wt = node_in(g, n, 1);
  int bit = B.bit, relu = B.relu, has_a = B.has_a, has_q = B.has_q, pack_out = B.pack_out, pack_in = B.pack_in;
  int64_t M = B.M, G = B.G, CG = B.CG, CW = B.CW, T = B.T, P = B.P, PH = B.PH, PW = B.PW, PQ = B.PQ;
  int64_t pv = B.pv, OG = B.OG, NW = B.NW;
  const Node *thr = lp->pro >= 0 ? &g->n[lp->pro] : NULL; /* the BinThreshold it packs through */
  StrBuf *b = cw_begin(w);
  sb_puts(b, "/* fused block: ");
  put_comment_text(b, attr_string(n, "fused", "?"));
  sb_printf(b, " (docs/fusion.md), %s output */", bit ? "bit" : "float");
  cw_end(w);
  uint64_t *u = pack_weight_signs(g, wt->data, M, CG, v.k[0], v.k[1]);
  local_array(e, IK_U64, "wb", u, M * T * CW);
  if (bit) {
    local_array(e, IK_I64, "lo", node_in(g, n, 2)->data, M);
    local_array(e, IK_I64, "hi", node_in(g, n, 3)->data, M);
    if (pool.nsp) {
      const int64_t *r = node_in(g, n, 5)->data;
      uint64_t *all = arena_array(g->arena, (size_t)NW + 1, sizeof *all);
      for (int64_t m = 0; m < M; m++)
        all[plane_of(m, M, OG)] |= (uint64_t)(r[m] != 0) << (m % (M / OG) % 64);
      cw_line(w, "/* pool: channels whose bit is set need every tap +1 (OR of bits), the others any (AND) */");
      local_array(e, IK_U64, "all", all, NW);
    }
  } else {
    local_array(e, IK_F32, "sc", node_in(g, n, 2)->data, M);
    if (has_q)
      local_array(e, IK_F32, "bi", node_in(g, n, 3)->data, M);
  }
  if (thr) {
    b = cw_begin(w);
    sb_puts(b, "/* input thresholds of BinThreshold '");
    put_comment_text(b, thr->name);
    sb_puts(b, "', packed here: +1 iff x is NaN or x <= tlo[c] or x >= thi[c] */");
    cw_end(w);
    local_array(e, IK_F32, "tlo", node_in(g, thr, 1)->data, v.C);
    local_array(e, IK_F32, "thi", node_in(g, thr, 2)->data, v.C);
  }
  /* work buffers: this block's struct in union NAME_work_ (plan_xnorblock) */
  emit_work_decl(e, ni, "uint64_t", "xp", "scratch", (const char *)NULL);
  emit_work_decl(e, ni, "int32_t", "acc", (const char *)NULL);
  if (bit)
    emit_work_decl(e, ni, "uint64_t", "bits", (const char *)NULL);
  if (bit && pool.nsp)
    emit_work_decl(e, ni, "uint64_t", "pooled", (const char *)NULL);
  if (has_a && !bit)
    emit_work_decl(e, ni, "double", "k", "rs", (const char *)NULL);
  if (!bit && pool.nsp)
    emit_work_decl(e, ni, "float", "val", (const char *)NULL);
  cw_for_open(w, "n", v.N);
  if (pack_in)
    cw_line(w, "memcpy(xp, (const unsigned char *)x0 + n * %lld, %lld); /* packed by the previous block */",
            (long long)(G * CW * v.in[0] * v.in[1] * 8), (long long)(G * CW * v.in[0] * v.in[1] * 8));
  else if (thr)
    cw_line(w, "xnrt_threshold_pack_f32(x0 + n * %lld, %lld, %lld, tlo, thi, %lld, xp); /* the BinThreshold */",
            (long long)(v.C * v.in[0] * v.in[1]), (long long)v.C, (long long)(v.in[0] * v.in[1]), (long long)G);
  else
    cw_line(w, "xnrt_pack_chw(x0 + n * %lld, %lld, %lld, %lld, %lld, xp);", (long long)(v.C * v.in[0] * v.in[1]),
            (long long)v.C, (long long)v.in[0], (long long)v.in[1], (long long)G);
  cw_line(w,
          "xnrt_bconv2d(xp, wb, acc, scratch, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, "
          "%lld, %lld, %lld, %lld, %lld);",
          (long long)v.C, (long long)v.in[0], (long long)v.in[1], (long long)M, (long long)v.k[0], (long long)v.k[1],
          (long long)v.out[0], (long long)v.out[1], (long long)v.s[0], (long long)v.s[1], (long long)v.d[0],
          (long long)v.d[1], (long long)v.pb[0], (long long)v.pb[1], (long long)G, (long long)pv);
  if (bit) {
    cw_line(w, "xnrt_threshold_pack_i32(acc, %lld, %lld, lo, hi, %lld, bits);", (long long)M, (long long)P,
            (long long)OG);
    if (pool.nsp)
      cw_line(w,
              "xnrt_pool_bits(bits, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, "
              "all, pooled);",
              (long long)NW, (long long)v.out[0], (long long)v.out[1], (long long)pool.k[0], (long long)pool.k[1],
              (long long)PH, (long long)PW, (long long)pool.s[0], (long long)pool.s[1], (long long)pool.d[0],
              (long long)pool.d[1], (long long)pool.pb[0], (long long)pool.pb[1]);
    if (pack_out) {
      /* the readers are blocks: keep the bits packed (NW word planes) in y's
       * space, which its M >= 2 floats per position cover */
      cw_line(w, "memcpy((unsigned char *)y + n * %lld, %s, %lld);", (long long)(NW * PQ * 8),
              pool.nsp ? "pooled" : "bits", (long long)(NW * PQ * 8));
    } else {
      cw_for(w, "m", M);
      cw_for(w, "q", PQ);
      cw_line(w, "y[n * %lld + m * %lld + q] = %s[(m / 64) * %lld + q] >> (m %% 64) & 1 ? -1.0f : 1.0f;",
              (long long)(M * PQ), (long long)PQ, pool.nsp ? "pooled" : "bits", (long long)PQ);
    }
    cw_close(w);
    return 0;
  }
  if (has_a)
    emit_box_k(w, &v, "x4");
  cw_for_open(w, "m", M);
  cw_for_open(w, "p", P);
  cw_line(w, "double t = (double)sc[m] * (double)acc[m * %lld + p];", (long long)P);
  if (has_a)
    cw_line(w, "t *= k[p];");
  if (has_q)
    cw_line(w, "t += (double)bi[m];");
  cw_open(w, "{");
  cw_line(w, "float o = (float)t;");
  if (relu)
    cw_line(w, "o = o < 0 ? 0.0f : o;");
  if (pool.nsp)
    cw_line(w, "val[p] = o;");
  else
    cw_line(w, "y[n * %lld + m * %lld + p] = o;", (long long)(M * P), (long long)P);
  cw_close(w);
  cw_close(w);
  if (pool.nsp)
    emit_float_pool(w, &B);
  cw_close(w);
  cw_close(w);
  return 0;
}

/* XnorDense: per row xnrt_pack_row, xnrt_bgemm into acc[m][r] (the
 * accumulator S, exact), xnrt_threshold_pack_i32 through lo/hi, then the
 * bits written out as +-1 floats. */
static int body_xnordense(Emit *e, const Node *n) {
  Graph *g = e->g;
  CWriter *w = e->w;
  int ni = (int)(n - g->n);
  const Dense D = e->p->node[ni].geom->dense;
  int64_t R = D.R, F = D.F, M = D.M, FW = (F + 63) / 64;
  StrBuf *b = cw_begin(w);
  sb_puts(b, "/* fused dense layer: ");
  put_comment_text(b, attr_string(n, "fused", "?"));
  sb_puts(b, " (docs/fusion.md), bit output */");
  cw_end(w);
  const float *wt = node_in(g, n, 1)->data;
  uint64_t *u = pack_weight_signs(g, wt, M, F, 1, 1); /* rows as xnrt_pack_row packs them */
  local_array(e, IK_U64, "wb", u, M * FW);
  local_array(e, IK_I64, "lo", node_in(g, n, 2)->data, M);
  local_array(e, IK_I64, "hi", node_in(g, n, 3)->data, M);
  emit_work_decl(e, ni, "uint64_t", "xp", "bits", (const char *)NULL);
  emit_work_decl(e, ni, "int32_t", "acc", (const char *)NULL);
  cw_for(w, "r", R);
  cw_line(w, "xnrt_pack_row(x0 + r * %lld, %lld, xp + r * %lld);", (long long)F, (long long)F, (long long)FW);
  cw_line(w, "xnrt_bgemm(xp, %lld, wb, %lld, %lld, %lld, %lld, acc, 1, %lld); /* acc[m][r] */", (long long)FW,
          (long long)FW, (long long)R, (long long)M, (long long)F, (long long)R);
  cw_line(w, "xnrt_threshold_pack_i32(acc, %lld, %lld, lo, hi, 1, bits);", (long long)M, (long long)R);
  cw_for(w, "r", R);
  cw_for(w, "m", M);
  cw_line(w, "y[r * %lld + m] = bits[(m / 64) * %lld + r] >> (m %% 64) & 1 ? -1.0f : 1.0f;", (long long)M,
          (long long)R);
  return 0;
}

const OpEmit emit_binthreshold = {NULL, NULL, body_binthreshold};
const OpEmit emit_xnorblock = {plan_xnorblock, NULL, body_xnorblock};
const OpEmit emit_xnordense = {plan_xnordense, NULL, body_xnordense};
