/* plan.h - private to the C backend: the plan, decided before any text is
 * written ("decide, then emit", docs/architecture.md).
 *
 * plan_build() runs the phases below in order; afterwards the Plan is read
 * only. The emitters (emit.h) read it and decide nothing of their own; no
 * plan file includes emit.h or calls an emitter.
 *
 *   plan.c          plan_build (the phase sequence), the plan's queries
 *   plan_nodes.c    phases select, layers (the op table's plan hooks), merge, check
 *   plan_storage.c  phases views, io, liveness, arena (first fit), work
 *   plan_binary.c   plan hooks of the xnor domain (BinActiv, BinConv, BinGemm,
 *                   XnorBlock, XnorDense); their geometry
 *   plan_float.c    plan hooks of Conv, Gemm, MatMul, the pools on the runtime's
 *                   float kernels; BN and activations merged into them
 *   geom.c          layer geometry shared by the plan hooks and the emitters
 */
#ifndef XN_PLAN_H
#define XN_PLAN_H

#include "backend.h"

/* Where a tensor's values live in the generated code. Every activation and
 * work buffer lives in the state of one run (struct NAME_state_, the memory
 * NAME_run_r's caller owns): the arena, then the work union; nothing else in
 * the generated code is writable. */
typedef enum Store {
  ST_NONE,   /* not needed at run time (int64 shape data, unused tensors) */
  ST_CONST,  /* static const float wI[] holding the tensor's data (I = root tensor) */
  ST_INPUT,  /* the caller's input pointer inK (a float32 input) */
  ST_OUTPUT, /* the caller's output pointer outK (a float32 output; the others are
                converted from floats into it at the end) */
  ST_ARENA   /* st->arena.f + off: the state's activation arena */
} Store;

/* How a layer computes (chosen by its plan hook). */
typedef enum LayerPath {
  LP_FLOAT, /* plain float loops (the interpreter's semantics for the xnor domain) */
  LP_XNOR,  /* +-1 input: packed input, XNOR-popcount (xnrt_bconv2d, xnrt_bgemm) */
  LP_BWN,   /* real input, 1-bit weights in the float GEMM's panels (xnrt_conv2d_bwn, xnrt_sgemm_bwn) */
  LP_FKERN  /* float on the runtime's kernels, weights packed at compile time (xnrt_conv2d,
               xnrt_dwconv2d, xnrt_sgemv; xnrt_maxpool2d, xnrt_avgpool2d, xnrt_batchnorm,
               xnrt_binary; plan_float.c) */
} LayerPath;

/* What a layer's code needs in the file (LayerPlan.needs, Plan.needs). */
#define NEED_RUNTIME 1u  /* calls xnorcc_rt.h */
#define NEED_STRING 2u   /* calls memcpy (string.h) */
#define NEED_NOINLINE 4u /* its function is NAME_NOINLINE (the runtime's kernels are always_inline) */

/* Alignment of the state in bytes (NAME_STATE_ALIGN): the arena's size and
 * NAME_STATE_BYTES are multiples of it. */
#define STATE_ALIGN 64

/* One buffer of a layer's work area: a member of its struct in the work
 * union NAME_work_, which is part of the state (Store). */
typedef struct WorkBuf {
  const char *name;  /* member name, e.g. "xp" */
  const char *type;  /* C element type: uint64_t, double, int32_t, float */
  const char *count; /* element count as a C expression of the runtime's macros, or NULL: n */
  int64_t n;         /* element count as xnorcc computes it */
  int size;          /* bytes per element */
  int64_t off;       /* byte offset in the layer's struct (plan_work) */
} WorkBuf;

/* A packed BinConv/BinGemm (plan_binary.c). */
typedef struct BinLayer {
  int conv;                 /* BinConv (else BinGemm) */
  Window v;                 /* BinConv window */
  int64_t M, G, CG, MG, CW; /* filters, groups, channels and filters per group, words per tap */
  int64_t pv;               /* pad_value */
  int64_t R, F, FW;         /* BinGemm: rows, features, words per row */
  int corr;                 /* bwn conv with pad_value +-1 and padding: sign sums per tap (wsN) */
} BinLayer;

/* An XnorBlock (docs/fusion.md). */
typedef struct Block {
  Window v;                           /* the conv's window */
  Window pool;                        /* the fused max-pool, if pool.nsp */
  int bit, relu, has_a, has_q;        /* bit output; ReLU; A (K, Eq. 11) and Q inputs */
  int pack_out, pack_in;              /* output stays packed for the next block; input packed by the previous */
  int64_t M, G, CG, CW, T, P, PH, PW, PQ, pv, OG, NW; /* filters, groups, ..., output word planes */
} Block;

/* An XnorDense: rows (every index of X but the last), features, filters. */
typedef struct Dense {
  int64_t R, F, M;
} Dense;

/* A float Conv, Gemm or MatMul on the runtime's kernels (LP_FKERN,
 * plan_float.c), with what plan_merge folded into it: a BatchNormalization
 * after a conv into its weights and bias, a Relu or Clip into the epilogue.
 * A MaxPool or AveragePool on LP_FKERN (pool) uses only v; nothing merges into it;
 * a BatchNormalization on a tensor (bnt) may absorb a Relu; Add/Sub/Mul/Div
 * (binop) nothing. */
typedef struct FloatLayer {
  int conv;           /* Conv (else Gemm or MatMul) */
  int pool;           /* MaxPool or AveragePool (only v is set) */
  int bnt;            /* BatchNormalization on a tensor (xnrt_batchnorm): R images of M channels of
                         K values; relu (its merged Relu in act) */
  int binop;          /* Add, Sub, Mul, Div on xnrt_binary: bc (XNRT_BC_*) of input 1 over R rows of
                         K values, N values of input 1 for XNRT_BC_ROW */
  int bc;             /* see binop */
  int dw;             /* depthwise (group = channels > 1): xnrt_dwconv2d, weights unpacked */
  Window v;           /* Conv window */
  int64_t M, G, CG;   /* filters, groups, input channels per group */
  int algo;           /* xnrt_conv_algo of the shape (XNRT_CONV_GEMM, _DIRECT, _IM2COL) */
  int64_t scratch;    /* floats of xnrt_conv_scratch_floats (0: none) */
  int64_t R, K, N;    /* Gemm/MatMul: rows of A, inner extent, columns of B (output features) */
  int ta, tb;         /* Gemm transA, transB */
  int bias;           /* Conv bias or Gemm C in the epilogue (BIAS) */
  int post;           /* Gemm: alpha, beta or C applied by a loop after the kernel */
  int bn;             /* node of the BatchNormalization folded into the weights, or -1 */
  int act;            /* node of the Relu or Clip in the epilogue, or -1 */
  int relu, clip;     /* the epilogue's RELU, CLIP */
  float lo, hi;       /* CLIP bounds */
} FloatLayer;

/* The geometry a plan hook records; which member is set follows from the op. */
typedef union LayerGeom {
  BinLayer bin;   /* BinConv, BinGemm on a packed path */
  FloatLayer fl;  /* Conv, Gemm, MatMul, pools, BatchNormalization, Add/Sub/Mul/Div on LP_FKERN */
  Block block;    /* XnorBlock */
  Dense dense;    /* XnorDense */
} LayerGeom;

/* What the plan decided for one node. */
typedef struct LayerPlan {
  int code;             /* has a function and a call in NAME_run */
  int alias;            /* a view whose output shares its input's buffer (no code) */
  LayerPath path;       /* how it computes */
  unsigned needs;       /* NEED_* */
  unsigned writes;      /* bit j: output j is written (bit 0 unless not materialized) */
  unsigned unread;      /* bit i: input i, read at run time per the op table, is consumed at
                           compile time instead (bit-packed weights; Gemm's C with beta 0) */
  int in0;              /* tensor read as input 0 instead of the node's own (the input of a
                           BinActiv or BinThreshold merged into this layer), or -1 */
  int out0;             /* tensor written as output 0 (the node's own; issue 9's epilogue
                           fusion writes the last absorbed node's output here) */
  int pro;              /* node whose function this layer applies while reading input 0
                           (a BinThreshold it packs through its thresholds), or -1 */
  const LayerGeom *geom; /* geometry from the plan hook, or NULL */
  WorkBuf *work;        /* work buffers, in struct order (8-byte members first) */
  int nwork;
  int64_t work_bytes;   /* size of the layer's struct in NAME_work_, 0 for none (then its
                           function takes no work pointer) */
} LayerPlan;

/* The whole plan. Per-tensor arrays are meaningful for roots. */
typedef struct Plan {
  Graph *g;             /* the graph (its arena holds the plan) */
  const UseDef *ud;     /* producers and readers of every tensor (live nodes) */
  LayerPlan *node;      /* per node */
  int *consumed;        /* per tensor: some node with code has it as an input */
  int *root;            /* per tensor: the tensor whose storage it uses (itself unless aliased) */
  Store *store;         /* per root: kind of storage */
  int *slot;            /* per root: input/output index for ST_INPUT/ST_OUTPUT */
  int64_t *off;         /* per root: arena offset in floats for ST_ARENA */
  int *used_const;      /* per root: a static const array must be emitted */
  int *out_copy_src;    /* per graph output: tensor copied into outK at the end, or -1 */
  int *in_used;         /* per graph input: referenced by NAME_run */
  int *conv_in;         /* per graph input: a non-float input converted at entry into its
                           ST_ARENA buffer (the values as floats) and read there, else 0 */
  int64_t arena_floats; /* size of the activation arena in floats */
  int64_t work_bytes;   /* size of the work union NAME_work_ (the largest layer struct), 0 if none */
  int64_t state_bytes;  /* NAME_STATE_BYTES: the arena (a multiple of STATE_ALIGN bytes), then the
                           work union rounded up to STATE_ALIGN; STATE_ALIGN when both are empty */
  unsigned needs;       /* NEED_* of all layers with code */
  int nlayers;          /* nodes with code */
} Plan;

/* ---- the op table's backend column (ops.h: emit) ---- */

struct Emit;
/* Plan hook: records in p->node[ni] what layer ni needs (path, geometry,
 * work buffers, inputs consumed at compile time, outputs written). Runs in
 * phase layers, when every node's code flag is known. Returns 0, or -1 after
 * reporting to d. */
typedef int PlanFn(Plan *p, Diag *d, int ni);
/* Data hook: file-scope constant data of layer ni (bit-packed weights...). */
typedef void DataFn(struct Emit *e, int ni);
/* Body hook: the body of node n's function. Returns 0 or -1 after reporting. */
typedef int BodyFn(struct Emit *e, const Node *n);
/* The backend's hooks for one emit name of the op table (emit_NAME); a NULL
 * hook does nothing, except body, which every supported op has. */
struct OpEmit {
  PlanFn *plan; /* what the layer needs (plan_binary.c), or NULL */
  DataFn *data; /* constant data before the functions, or NULL */
  BodyFn *body; /* the layer's function body */
};
typedef struct OpEmit OpEmit;

/* ---- plan.c ---- */

/* Builds the plan of graph g (shape inferred and folded) into *p, in the
 * graph's arena. Reports unsupported ops, tensor types and layer parameters
 * to d; returns 0, or -1 (then *p is incomplete). */
int plan_build(Plan *p, Graph *g, Diag *d);
/* Whether input i of node ni is read at run time as a float array parameter
 * (present, read per the op table, not consumed at compile time). */
int plan_reads(const Plan *p, int ni, int i);
/* Whether node ni writes its output j. */
int plan_writes(const Plan *p, int ni, int j);
/* The tensor whose buffer node ni reads as input i (LayerPlan.in0 for 0). */
int plan_in(const Plan *p, int ni, int i);
/* The tensor whose buffer node ni writes as output j (LayerPlan.out0 for 0). */
int plan_out(const Plan *p, int ni, int j);

/* ---- plan_nodes.c, plan_storage.c: the phases, in plan_build's order ---- */

int plan_select(Plan *p, Diag *d);
int plan_layers(Plan *p, Diag *d);
void plan_merge(Plan *p);
int plan_check(Plan *p, Diag *d);
void plan_views(Plan *p);
void plan_io(Plan *p);
void plan_arena(Plan *p);
void plan_work(Plan *p);

/* ---- plan_binary.c: plan hooks ---- */

PlanFn plan_clip, plan_binactiv, plan_binlayer, plan_xnorblock, plan_xnordense;
/* Appends a work buffer to layer lp (at most 8). count is a printf format
 * of the C count expression, or NULL for the literal n. */
void add_work(Plan *p, LayerPlan *lp, const char *name, const char *type, int size, int64_t n, const char *count,
              ...) XN_PRINTF(7, 8);

/* ---- plan_float.c: plan hooks of Conv, Gemm, MatMul; their epilogue merge ---- */

PlanFn plan_conv, plan_gemm, plan_matmul, plan_pool, plan_batchnorm, plan_arith;
/* Part of plan_merge: a BatchNormalization, then a Relu or Clip, after a
 * float conv on LP_FKERN (each the only reader of its input, not a graph
 * output) become part of the conv: their nodes lose their code and the conv
 * writes the last one's output. A Relu or Clip after Gemm/MatMul likewise. */
void plan_merge_float(Plan *p);
/* plan_data.c */
PlanFn plan_split;

/* ---- geom.c ---- */

/* window_params() of the Conv-like node n, checked for what the C backend
 * emits (1-D or 2-D windows, extents matching the input); -1 after
 * reporting to d. */
int geom_window(Graph *g, Diag *d, const Node *n, Window *v);

#endif
