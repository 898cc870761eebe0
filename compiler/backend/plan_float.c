/* plan_float.c - the plan hooks (plan.h) of the float layers Conv, Gemm and
 * MatMul, and what plan_merge folds into them.
 *
 *   Conv    with a constant float weight: LP_FKERN, one xnrt_conv2d call per
 *           image (any kernel, stride, dilation, pads, groups) on weights
 *           packed at compile time into the runtime's panels, or
 *           xnrt_dwconv2d for a depthwise conv (group = channels > 1); its
 *           scratch (xnrt_conv_scratch_floats, from the runtime's own
 *           function) is the layer's work buffer "scratch"
 *   Gemm    with a constant 2-D B: LP_FKERN, xnrt_sgemv per row of A on B
 *           packed at compile time (transB either way; transA by the row
 *           stride); C in the epilogue when it is a bias per column and
 *           alpha = beta = 1, else a loop after the kernel
 *   MatMul  with a constant 2-D B: as Gemm, over every row of A
 *   MaxPool, AveragePool
 *           LP_FKERN: one xnrt_maxpool2d / xnrt_avgpool2d call over all N*C
 *           planes (any kernel, stride, dilation, pads, ceil_mode,
 *           count_include_pad), the same floats as the interpreter
 *   BatchNormalization (inference, parameters of C values)
 *           LP_FKERN: xnrt_batchnorm, the interpreter's arithmetic; a Relu
 *           reading only its output merges into it
 *   Add, Sub, Mul, Div of two floats, input 0 of the output's size, input 1
 *           the same, a scalar, or broadcast as one contiguous range of the
 *           output's axes: LP_FKERN, one xnrt_binary call (one float
 *           operation per element, the interpreter's floats)
 * Otherwise (weights computed at run time, shapes the kernels do not take)
 * the layer stays plain float loops (LP_FLOAT), which report what is wrong.
 *
 * plan_merge_float (part of plan_merge) then folds a BatchNormalization
 * that only reads a conv's output into the conv's weights and bias, and a
 * Relu or Clip that only reads the result into the kernel's epilogue
 * (docs/generated-code.md, "Float layers").
 */
#include <limits.h>
#include <math.h>

#include "plan.h"
#include "runtime/include/xnorcc_rt/conv.h"
#include "runtime/include/xnorcc_rt/eltwise.h"

static LayerGeom *new_geom(Plan *p) { return arena_array(p->g->arena, 1, sizeof(LayerGeom)); }

/* A constant float32 tensor with its data. */
static int const_f32(const Tensor *t) { return t && t->data && t->dtype == DT_F32; }

/* Fits in the kernels' int arguments (with room for the packed panels). */
static int fits(int64_t n) { return n >= 1 && n <= INT_MAX / 2; }

int plan_conv(Plan *p, Diag *d, int ni) {
  Graph *g = p->g;
  const Node *n = &g->n[ni];
  LayerPlan *lp = &p->node[ni];
  Tensor *x = node_in(g, n, 0), *w = node_in(g, n, 1), *b = node_in(g, n, 2), *y = node_out(g, n, 0);
  (void)d;
  if (!x || !const_f32(w) || !y || (b && tensor_numel(b) != w->dims[0]) || (w->rank != 3 && w->rank != 4))
    return 0;
  LayerGeom *geom = new_geom(p);
  FloatLayer *F = &geom->fl;
  Diag quiet;
  diag_init(&quiet, g->file);
  int bad = geom_window(g, &quiet, n, &F->v);
  diag_free(&quiet);
  if (bad)
    return 0;
  const Window *v = &F->v;
  F->conv = 1, F->bn = F->act = -1;
  F->M = w->dims[0], F->G = v->group;
  if (F->G < 1 || v->C % F->G || F->M % F->G || w->dims[1] != v->C / F->G ||
      tensor_numel(w) != F->M * (v->C / F->G) * v->k[0] * v->k[1] ||
      tensor_numel(y) != v->N * F->M * v->out[0] * v->out[1] || !fits(tensor_numel(x)) || !fits(tensor_numel(y)) ||
      !fits(tensor_numel(w) + 8 * (v->C / F->G) * v->k[0] * v->k[1] * F->G))
    return 0;
  F->CG = v->C / F->G;
  F->dw = F->G > 1 && F->CG == 1;
  F->bias = b != NULL;
  F->algo = xnrt_conv_algo((int)v->C, (int)v->in[0], (int)v->in[1], (int)F->M, (int)v->k[0], (int)v->k[1],
                           (int)v->out[0], (int)v->out[1], (int)v->s[0], (int)v->s[1], (int)v->d[0], (int)v->d[1],
                           (int)v->pb[0], (int)v->pb[1], (int)F->G);
  if (!F->dw)
    F->scratch = (int64_t)xnrt_conv_scratch_floats((int)v->C, (int)v->in[0], (int)v->in[1], (int)F->M, (int)v->k[0],
                                                   (int)v->k[1], (int)v->out[0], (int)v->out[1], (int)v->s[0],
                                                   (int)v->s[1], (int)v->d[0], (int)v->d[1], (int)v->pb[0],
                                                   (int)v->pb[1], (int)F->G);
  lp->path = LP_FKERN;
  lp->geom = geom;
  lp->needs |= NEED_RUNTIME | NEED_NOINLINE;
  lp->unread |= 1u << 1; /* the weight: packed (or, depthwise, copied) at compile time */
  /* rounded up to 64 bytes: the work union of float-only structs is then
   * exactly as large as plan_work's 8-byte-rounded count */
  if (F->scratch)
    add_work(p, lp, "scratch", "float", 4, (F->scratch + 15) / 16 * 16, NULL);
  return 0;
}

int plan_pool(Plan *p, Diag *d, int ni) {
  Graph *g = p->g;
  const Node *n = &g->n[ni];
  LayerPlan *lp = &p->node[ni];
  Tensor *x = node_in(g, n, 0), *y = node_out(g, n, 0);
  (void)d;
  if (!x || !y || (n->op == OP_MaxPool && attr_int(n, "storage_order", 0) != 0))
    return 0; /* the plain loops report it */
  LayerGeom *geom = new_geom(p);
  FloatLayer *F = &geom->fl;
  Diag quiet;
  diag_init(&quiet, g->file);
  int bad = geom_window(g, &quiet, n, &F->v);
  diag_free(&quiet);
  const Window *v = &F->v;
  if (bad || !fits(v->N * v->C) || !fits(tensor_numel(x)) || !fits(tensor_numel(y)) ||
      tensor_numel(y) != v->N * v->C * v->out[0] * v->out[1])
    return 0;
  F->pool = 1, F->bn = F->act = -1;
  lp->path = LP_FKERN;
  lp->geom = geom;
  lp->needs |= NEED_RUNTIME | NEED_NOINLINE;
  return 0;
}

int plan_batchnorm(Plan *p, Diag *d, int ni) {
  Graph *g = p->g;
  const Node *n = &g->n[ni];
  LayerPlan *lp = &p->node[ni];
  Tensor *x = node_in(g, n, 0), *y = node_out(g, n, 0);
  (void)d;
  if (!x || !y || x->rank < 2 || n->nin != 5 || attr_int(n, "training_mode", 0) != 0 || !fits(tensor_numel(x)) ||
      tensor_numel(y) != tensor_numel(x))
    return 0; /* the plain loops report what is wrong */
  int64_t C = x->dims[1];
  for (int i = 1; i <= 4; i++)
    if (!node_in(g, n, i) || tensor_numel(node_in(g, n, i)) != C)
      return 0;
  LayerGeom *geom = new_geom(p);
  FloatLayer *F = &geom->fl;
  F->bnt = 1, F->bn = F->act = -1;
  F->R = x->dims[0], F->M = C, F->K = C ? tensor_numel(x) / x->dims[0] / C : 0;
  if (!fits(F->R) || !fits(F->M) || !fits(F->K))
    return 0;
  lp->path = LP_FKERN;
  lp->geom = geom;
  lp->needs |= NEED_RUNTIME | NEED_NOINLINE;
  return 0;
}

int plan_arith(Plan *p, Diag *d, int ni) {
  Graph *g = p->g;
  const Node *n = &g->n[ni];
  LayerPlan *lp = &p->node[ni];
  (void)d;
  if (n->op != OP_Add && n->op != OP_Sub && n->op != OP_Mul && n->op != OP_Div)
    return 0;
  Tensor *a = node_in(g, n, 0), *b = node_in(g, n, 1), *y = node_out(g, n, 0);
  if (n->nin != 2 || !a || !b || !y || a->dtype != DT_F32 || b->dtype != DT_F32 || y->dtype != DT_F32 ||
      !fits(tensor_numel(y)) || tensor_numel(a) != tensor_numel(y) || b->rank > y->rank || tensor_numel(b) < 1)
    return 0;
  /* b's axes (right-aligned on y's) whose extent is y's, and > 1: one
   * contiguous range [lo, hi) among the axes of y with extent > 1 */
  int r = y->rank, lo = -1, hi = -1, gap = 0;
  for (int i = 0; i < r; i++) {
    int j = i - (r - b->rank);
    int64_t be = j < 0 ? 1 : b->dims[j], ye = y->dims[i];
    if (be != 1 && be != ye)
      return 0;
    if (ye == 1)
      continue;
    if (be == ye) {
      if (gap)
        return 0; /* a broadcast axis inside the range */
      if (lo < 0)
        lo = i;
      hi = i + 1;
    } else if (lo >= 0) {
      gap = 1;
    }
  }
  int64_t outer = 1, mid = 1, inner = 1;
  for (int i = 0; i < r; i++)
    *(lo < 0 || i < lo ? &outer : i < hi ? &mid : &inner) *= y->dims[i];
  LayerGeom *geom = new_geom(p);
  FloatLayer *F = &geom->fl;
  F->binop = 1, F->bn = F->act = -1;
  if (lo < 0)
    F->bc = XNRT_BC_SCALAR, F->R = 1, F->K = outer;
  else if (outer == 1 && inner == 1)
    F->bc = XNRT_BC_SAME, F->R = 1, F->K = mid;
  else if (inner == 1)
    F->bc = XNRT_BC_COL, F->R = outer, F->K = mid;
  else
    F->bc = XNRT_BC_ROW, F->R = outer * mid, F->K = inner, F->N = mid;
  lp->path = LP_FKERN;
  lp->geom = geom;
  lp->needs |= NEED_RUNTIME | NEED_NOINLINE;
  return 0;
}

/* Gemm/MatMul: rows R of A, inner K, columns N of the constant 2-D B (tb:
 * stored transposed); 0, or -1 when the kernels do not take the shapes. */
static int gemm_geom(const Plan *p, const Node *n, FloatLayer *F) {
  Graph *g = p->g;
  Tensor *A = node_in(g, n, 0), *B = node_in(g, n, 1), *y = node_out(g, n, 0);
  F->bn = F->act = -1;
  if (!A || !const_f32(B) || B->rank != 2 || !y || A->rank < 1)
    return -1;
  F->K = F->tb ? B->dims[1] : B->dims[0], F->N = F->tb ? B->dims[0] : B->dims[1];
  if (n->op == OP_Gemm) {
    if (A->rank != 2 || y->rank != 2)
      return -1;
    F->R = F->ta ? A->dims[1] : A->dims[0];
    if ((F->ta ? A->dims[0] : A->dims[1]) != F->K)
      return -1;
  } else {
    if (A->dims[A->rank - 1] != F->K)
      return -1;
    F->R = tensor_numel(A) / F->K;
  }
  if (!fits(F->R) || !fits(F->K) || !fits(F->N) || !fits(tensor_numel(A)) || !fits(tensor_numel(y)) ||
      !fits((F->N + 8) * F->K) || tensor_numel(y) != F->R * F->N)
    return -1;
  return 0;
}

/* The fast path of Gemm/MatMul n, when it applies. */
static void plan_linear(Plan *p, int ni) {
  const Node *n = &p->g->n[ni];
  LayerPlan *lp = &p->node[ni];
  LayerGeom *geom = new_geom(p);
  FloatLayer *F = &geom->fl;
  if (n->op == OP_Gemm)
    F->ta = attr_int(n, "transA", 0) != 0, F->tb = attr_int(n, "transB", 0) != 0;
  if (gemm_geom(p, n, F))
    return;
  lp->path = LP_FKERN;
  lp->geom = geom;
  lp->needs |= NEED_RUNTIME | NEED_NOINLINE;
  lp->unread |= 1u << 1; /* B: packed at compile time */
  if (n->op != OP_Gemm)
    return;
  float alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
  const Tensor *C = node_in(p->g, n, 2);
  int c_read = plan_reads(p, ni, 2);
  /* C of N values along the columns: [N] or [1, N] (N > 1, or N = 1 = M) */
  int per_col = c_read && C->rank >= 1 && C->rank <= 2 && C->dims[C->rank - 1] == F->N &&
                (C->rank == 1 || C->dims[0] == 1);
  F->bias = per_col && alpha == 1.0f && beta == 1.0f;
  F->post = alpha != 1.0f || (c_read && !F->bias);
}

int plan_gemm(Plan *p, Diag *d, int ni) {
  (void)d;
  if (attr_float(&p->g->n[ni], "beta", 1.0f) == 0.0f)
    p->node[ni].unread |= 1u << 2; /* C is not read when beta = 0 */
  plan_linear(p, ni);
  return 0;
}

int plan_matmul(Plan *p, Diag *d, int ni) {
  (void)d;
  plan_linear(p, ni);
  return 0;
}

/* The node that alone reads tensor t (as its input 0, with code), when t is
 * not a graph output; else -1. */
static int only_reader(const Plan *p, int t) {
  const UseDef *ud = p->ud;
  if (t < 0 || p->g->t[t].is_output || ud->use_first[t + 1] - ud->use_first[t] != 1)
    return -1;
  int r = ud->use_first[t];
  return p->node[ud->use_node[r]].code && ud->use_slot[r] == 0 ? ud->use_node[r] : -1;
}

/* Whether BatchNormalization b can fold into a conv of M filters: inference
 * mode, constant parameters of M values, no other output used. */
static int bn_foldable(const Plan *p, int b, int64_t M) {
  const Graph *g = p->g;
  const Node *n = &g->n[b];
  if (n->op != OP_BatchNormalization || attr_int(n, "training_mode", 0) != 0 || n->nin != 5)
    return 0;
  for (int i = 1; i <= 4; i++)
    if (!const_f32(node_in((Graph *)g, n, i)) || tensor_numel(node_in((Graph *)g, n, i)) != M)
      return 0;
  for (int j = 1; j < n->nout; j++)
    if (n->out[j] >= 0 && (p->consumed[n->out[j]] || g->t[n->out[j]].is_output))
      return 0;
  return 1;
}

/* Whether Relu or Clip a can be the epilogue's RELU or CLIP; sets F's. */
static int act_foldable(const Plan *p, int a, FloatLayer *F) {
  const Graph *g = p->g;
  const Node *n = &g->n[a];
  if (n->op == OP_Relu) {
    F->relu = 1;
    return 1;
  }
  if (n->op != OP_Clip)
    return 0;
  float lo = -HUGE_VALF, hi = HUGE_VALF;
  if (g->opset < 11) {
    lo = attr_float(n, "min", lo);
    hi = attr_float(n, "max", hi);
  } else {
    for (int i = 1; i <= 2; i++) {
      const Tensor *t = node_in((Graph *)g, n, i);
      if (!t)
        continue;
      if (!const_f32(t) || tensor_numel(t) != 1)
        return 0;
      *(i == 1 ? &lo : &hi) = *(const float *)t->data;
    }
  }
  /* min(max(v, lo), hi) is Clip's v > hi ? hi : v < lo ? lo : v only for lo <= hi */
  if (!(lo <= hi))
    return 0;
  F->clip = 1, F->lo = lo, F->hi = hi;
  return 1;
}

void plan_merge_float(Plan *p) {
  Graph *g = p->g;
  for (int i = 0; i < g->nn; i++) {
    LayerPlan *lp = &p->node[i];
    if (!lp->code || lp->path != LP_FKERN)
      continue;
    FloatLayer *F = &((LayerGeom *)lp->geom)->fl;
    if (F->pool || F->binop)
      continue;
    int r = only_reader(p, lp->out0);
    if (F->bnt) { /* a Relu after a BatchNormalization on a tensor */
      if (r >= 0 && g->n[r].op == OP_Relu) {
        F->act = r, F->relu = 1;
        p->node[r].code = 0;
        lp->out0 = g->n[r].out[0];
      }
      continue;
    }
    /* BN after a conv whose bias (if any) is a constant */
    if (F->conv && r >= 0 && (!F->bias || const_f32(node_in(g, &g->n[i], 2))) && bn_foldable(p, r, F->M)) {
      F->bn = r;
      if (F->bias)
        lp->unread |= 1u << 2; /* folded with the BN into a bias of the layer's own */
      F->bias = 1;
      p->node[r].code = 0;
      lp->out0 = g->n[r].out[0];
      r = only_reader(p, lp->out0);
    }
    if (r >= 0 && !F->post && act_foldable(p, r, F)) {
      F->act = r;
      p->node[r].code = 0;
      lp->out0 = g->n[r].out[0];
    }
  }
}
