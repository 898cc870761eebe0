/* plan_binary.c - the plan hooks (plan.h) of the xnor domain: which
 * path a binarized layer takes, its geometry and its work buffers.
 *
 *   BinConv/BinGemm  with a constant weight: the packed path (LP_XNOR when
 *                    the binarize pass found a +-1 input, Node.kind, else
 *                    LP_BWN), weights bit-packed at compile time; otherwise
 *                    plain float loops (LP_FLOAT)
 *   XnorBlock        geometry, and whether its bits stay packed between two
 *                    blocks (pack_out of the writer, pack_in of the reader)
 *   XnorDense        geometry
 * Work buffers (packed input, conv scratch, int32 sums, K and its row sums;
 * a block's bits, pooled bits and pre-pool values) are sized here with the
 * runtime's macros as count expressions; layers run one at a time, so their
 * structs share the work union NAME_work_ (plan_work).
 */
#include <stdarg.h>
#include <string.h>

#include "plan.h"

/* The runtime's scratch sizes (the same on every ISA path), computed here
 * by its own functions; the portable path keeps the compiler plain C. */
#define XNRT_FORCE_PORTABLE 1
#include "runtime/include/xnorcc_rt/conv.h"

static int64_t words(int64_t c) { return (c + 63) / 64; }

void add_work(Plan *p, LayerPlan *lp, const char *name, const char *type, int size, int64_t n,
                     const char *count, ...) {
  if (!lp->work)
    lp->work = arena_array(p->g->arena, 8, sizeof *lp->work);
  if (lp->nwork >= 8)
    xn_unreachable("more than 8 work buffers");
  WorkBuf *w = &lp->work[lp->nwork++];
  w->name = name, w->type = type, w->size = size, w->n = n, w->count = NULL;
  if (count) {
    StrBuf s;
    va_list ap;
    sb_init(&s, p->g->arena);
    va_start(ap, count);
    sb_vprintf(&s, count, ap);
    va_end(ap);
    w->count = s.s;
  }
}

static LayerGeom *new_geom(Plan *p) { return arena_array(p->g->arena, 1, sizeof(LayerGeom)); }

int plan_clip(Plan *p, Diag *d, int ni) {
  const Node *n = &p->g->n[ni];
  (void)d;
  for (int i = 1; i < n->nin && i < 3; i++)
    if (n->in[i] >= 0 && tensor_is_const(&p->g->t[n->in[i]]))
      p->node[ni].unread |= 1u << i; /* a constant bound is a literal in the code */
  return 0;
}

int plan_binactiv(Plan *p, Diag *d, int ni) {
  const Node *n = &p->g->n[ni];
  (void)d;
  /* A, when something uses it */
  if (n->nout > 1 && n->out[1] >= 0 && (p->consumed[n->out[1]] || p->g->t[n->out[1]].is_output))
    p->node[ni].writes |= 2u;
  return 0;
}

/* Fills L for BinConv/BinGemm n; -1 when the layer cannot take the packed
 * path (the float path then reports what is wrong). */
static int bin_geom(Graph *g, const Node *n, BinLayer *L) {
  Tensor *x = node_in(g, n, 0), *w = node_in(g, n, 1), *y = node_out(g, n, 0);
  memset(L, 0, sizeof *L);
  if (!x || !w || !y || !w->data || w->dtype != DT_F32 || x->rank < 1 || tensor_numel(x) <= 0 ||
      tensor_numel(w) <= 0 || tensor_numel(y) <= 0)
    return -1;
  if (n->op == OP_BinGemm) {
    if (w->rank != 2 || w->dims[1] != x->dims[x->rank - 1])
      return -1;
    L->F = w->dims[1], L->M = w->dims[0], L->R = tensor_numel(x) / L->F, L->FW = words(L->F);
    return L->R * L->M == tensor_numel(y) ? 0 : -1;
  }
  Diag quiet;
  diag_init(&quiet, g->file);
  int bad = geom_window(g, &quiet, n, &L->v);
  diag_free(&quiet);
  if (bad)
    return -1;
  const Window *v = &L->v;
  L->conv = 1;
  L->M = w->dims[0], L->G = v->group;
  if (L->G < 1 || v->C % L->G || L->M % L->G || w->dims[1] != v->C / L->G ||
      tensor_numel(w) != L->M * (v->C / L->G) * v->k[0] * v->k[1] ||
      tensor_numel(y) != v->N * L->M * v->out[0] * v->out[1])
    return -1;
  L->CG = v->C / L->G, L->MG = L->M / L->G, L->CW = words(L->CG);
  L->pv = attr_int(n, "pad_value", 0);
  return L->pv < -1 || L->pv > 1 ? -1 : 0;
}

int plan_binlayer(Plan *p, Diag *d, int ni) {
  Graph *g = p->g;
  const Node *n = &g->n[ni];
  LayerPlan *lp = &p->node[ni];
  LayerGeom *geom = new_geom(p);
  BinLayer *L = &geom->bin;
  (void)d;
  if (bin_geom(g, n, L))
    return 0; /* plain float loops */
  lp->path = n->kind == LK_XNOR ? LP_XNOR : LP_BWN; /* decided by the binarize pass */
  lp->geom = geom;
  lp->needs |= NEED_RUNTIME | NEED_NOINLINE;
  lp->unread |= 1u << 1; /* the weight: bit-packed at compile time */
  const Window *v = &L->v;
  int xnor = lp->path == LP_XNOR;
  if (!L->conv) {
    if (xnor) {
      add_work(p, lp, "xp", "uint64_t", 8, L->R * L->FW, "%lld * XNRT_WORDS(%lld)", (long long)L->R, (long long)L->F);
      add_work(p, lp, "acc", "int32_t", 4, L->R * L->M, NULL);
    } else { /* one expanded K block of two panels (xnrt_sgemm_bwn) */
      add_work(p, lp, "sc", "float", 4, (int64_t)XNRT_SGEMM_BWN_SCRATCH_FLOATS, "XNRT_SGEMM_BWN_SCRATCH_FLOATS");
    }
    return 0;
  }
  int64_t P = v->out[0] * v->out[1];
  L->corr = !xnor && L->pv && (v->pb[0] || v->pb[1] || v->pe[0] || v->pe[1]);
  if (xnor) {
    add_work(p, lp, "xp", "uint64_t", 8, L->G * L->CW * v->in[0] * v->in[1], "XNRT_PACKED_WORDS(%lld, %lld, %lld, %lld)",
             (long long)v->C, (long long)L->G, (long long)v->in[0], (long long)v->in[1]);
    add_work(p, lp, "scratch", "uint64_t", 8, (P + 7) / 8 * (9 * v->k[0] * v->k[1] * L->CW + 9),
             "XNRT_BCONV_SCRATCH_WORDS(%lld, %lld, %lld, %lld, %lld)", (long long)L->CG, (long long)v->k[0],
             (long long)v->k[1], (long long)v->out[0], (long long)v->out[1]);
  }
  if (!xnor) { /* xnrt_conv2d_bwn: the conv's copy or im2col block, then the expanded panel block */
    int64_t cs = (int64_t)xnrt_conv_scratch_floats((int)v->C, (int)v->in[0], (int)v->in[1], (int)L->M, (int)v->k[0],
                                                   (int)v->k[1], (int)v->out[0], (int)v->out[1], (int)v->s[0],
                                                   (int)v->s[1], (int)v->d[0], (int)v->d[1], (int)v->pb[0],
                                                   (int)v->pb[1], (int)L->G);
    cs += cs & 1; /* an even count: the struct's size a multiple of 8, as plan_work rounds it */
    add_work(p, lp, "sc", "float", 4, cs + (int64_t)XNRT_SGEMM_BWN_SCRATCH_FLOATS,
             "%lld + XNRT_SGEMM_BWN_SCRATCH_FLOATS", (long long)cs);
  }
  if (node_in(g, n, 3)) { /* K (Eq. 11) and its row sums */
    add_work(p, lp, "k", "double", 8, P, NULL);
    add_work(p, lp, "rs", "double", 8, v->in[0] * v->out[1], NULL);
  }
  if (xnor)
    add_work(p, lp, "acc", "int32_t", 4, L->M * P, NULL);
  return 0;
}

/* Whether the bit tensor t written by a bit XnorBlock with code can stay bit
 * packed in its buffer: not a graph output, at least 2 channels per group (so
 * that the packed words fit in the space of its floats), and read only as X
 * by XnorBlocks with code, all with the same group count (*G). */
static int packed_handoff(const Plan *p, int t, int64_t *G) {
  const Graph *g = p->g;
  int readers = 0;
  if (t < 0 || g->t[t].is_output || g->t[t].rank != 4 || g->t[t].dims[1] < 2)
    return 0;
  const Tensor *tt = &g->t[t];
  int w = p->ud->def[t];
  for (int r = p->ud->use_first[t]; r < p->ud->use_first[t + 1]; r++) {
    int i = p->ud->use_node[r];
    const Node *n = &g->n[i];
    if (!p->node[i].code || n->op != OP_XnorBlock || p->ud->use_slot[r] != 0)
      return 0;
    int64_t gi = attr_int(n, "group", 1);
    if (readers++ && gi != *G)
      return 0;
    *G = gi;
  }
  return w >= 0 && p->node[w].code && g->n[w].op == OP_XnorBlock && node_writes_bits(&g->n[w]) && readers > 0 &&
         *G >= 1 && tt->dims[1] % *G == 0 && tt->dims[1] / *G >= 2;
}

int plan_xnorblock(Plan *p, Diag *d, int ni) {
  Graph *g = p->g;
  const Node *n = &g->n[ni];
  LayerPlan *lp = &p->node[ni];
  LayerGeom *geom = new_geom(p);
  Block *B = &geom->block;
  Window *v = &B->v;
  if (geom_window(g, d, n, v) || xnor_pool_window(g, n, d, (int64_t[2]){v->out[0], v->out[1]}, &B->pool))
    return -1;
  const Tensor *wt = node_in(g, n, 1);
  B->bit = node_writes_bits(n), B->relu = attr_int(n, "relu", 0) != 0;
  B->has_a = node_in(g, n, 4) != NULL, B->has_q = node_in(g, n, 3) != NULL;
  B->M = wt->dims[0], B->G = v->group, B->CG = v->C / B->G, B->CW = (B->CG + 63) / 64, B->T = v->k[0] * v->k[1];
  B->P = v->out[0] * v->out[1];
  B->PH = B->pool.nsp ? B->pool.out[0] : v->out[0], B->PW = B->pool.nsp ? B->pool.out[1] : v->out[1];
  B->PQ = B->PH * B->PW;
  B->pv = attr_int(n, "pad_value", 0), B->OG = 1;
  B->pack_out = B->bit && packed_handoff(p, n->out[0], &B->OG); /* write packed words for the next block */
  if (!B->pack_out)
    B->OG = 1;
  B->pack_in = packed_handoff(p, n->in[0], &(int64_t){0}) && attr_int(n, "group", 1) == B->G;
  B->NW = B->OG * ((B->M / B->OG + 63) / 64); /* output word planes, in the reader's group layout */
  if (B->pv < -1 || B->pv > 1 || B->M % B->G) {
    node_error(d, g, n, "pad_value %lld or group %lld is not supported", (long long)B->pv, (long long)B->G);
    return -1;
  }
  lp->path = LP_XNOR;
  lp->geom = geom;
  lp->needs |= NEED_RUNTIME | NEED_STRING;
  /* + 8 words (16 int32): the vector kernels read whole 64-byte blocks (masked) */
  add_work(p, lp, "xp", "uint64_t", 8, B->G * B->CW * v->in[0] * v->in[1] + 8,
           "XNRT_PACKED_WORDS(%lld, %lld, %lld, %lld) + 8", (long long)v->C, (long long)B->G, (long long)v->in[0],
           (long long)v->in[1]);
  add_work(p, lp, "scratch", "uint64_t", 8, (B->P + 7) / 8 * (9 * B->T * B->CW + 9) + 8,
           "XNRT_BCONV_SCRATCH_WORDS(%lld, %lld, %lld, %lld, %lld) + 8", (long long)B->CG, (long long)v->k[0],
           (long long)v->k[1], (long long)v->out[0], (long long)v->out[1]);
  if (B->bit)
    add_work(p, lp, "bits", "uint64_t", 8, B->NW * B->P + 8, NULL);
  if (B->bit && B->pool.nsp)
    add_work(p, lp, "pooled", "uint64_t", 8, B->NW * B->PQ + 8, NULL);
  if (B->has_a && !B->bit) {
    add_work(p, lp, "k", "double", 8, B->P, NULL);
    add_work(p, lp, "rs", "double", 8, v->in[0] * v->out[1], NULL);
  }
  add_work(p, lp, "acc", "int32_t", 4, B->M * B->P + 16, NULL);
  if (!B->bit && B->pool.nsp)
    add_work(p, lp, "val", "float", 4, B->P, NULL);
  return 0;
}

int plan_xnordense(Plan *p, Diag *d, int ni) {
  const Node *n = &p->g->n[ni];
  LayerPlan *lp = &p->node[ni];
  LayerGeom *geom = new_geom(p);
  Dense *D = &geom->dense;
  const Tensor *x = node_in(p->g, n, 0), *w = node_in(p->g, n, 1);
  (void)d;
  D->F = w->dims[1], D->M = w->dims[0], D->R = D->F ? tensor_numel(x) / D->F : 0;
  lp->path = LP_XNOR;
  lp->geom = geom;
  lp->needs |= NEED_RUNTIME;
  /* + 8 words / 16 int32 of padding, as the blocks' buffers */
  add_work(p, lp, "xp", "uint64_t", 8, D->R * ((D->F + 63) / 64) + 8, NULL);
  add_work(p, lp, "bits", "uint64_t", 8, (D->M + 63) / 64 * D->R + 8, NULL);
  add_work(p, lp, "acc", "int32_t", 4, D->M * D->R + 16, NULL);
  return 0;
}
