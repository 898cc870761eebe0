/* emit.h - private to the C backend: the emission context shared by its files.
 *
 * emit_util.c   hex float literals, comment-safe names, index expressions
 * plan.c        storage of every tensor: constant, caller buffer or arena offset
 * emit_ops.c    one static function per layer
 * emit_binary.c BinConv/BinGemm on the runtime's XNOR-popcount kernels
 * emit_block.c  the fused ops BinThreshold and XnorBlock (docs/fusion.md)
 * emit_c.c      the whole .c and .h: weights, arena, NAME_run, main()
 */
#ifndef XN_EMIT_H
#define XN_EMIT_H

#include "backend.h"

/* Where a tensor's values live in the generated code. */
typedef enum Store {
  ST_NONE,   /* not needed at run time (int64 shape data, unused tensors) */
  ST_CONST,  /* static const float wI[] holding the tensor's data (I = root tensor) */
  ST_INPUT,  /* the caller's input pointer inK */
  ST_OUTPUT, /* the caller's output pointer outK */
  ST_ARENA   /* NAME_arena.f + off */
} Store;

/* How a BinConv/BinGemm is compiled (emit_binary.c). */
typedef enum BinPath {
  BP_FLOAT, /* plain float loops with the interpreter's semantics (weight not constant...) */
  BP_XNOR,  /* +-1 input: packed input, XNOR-popcount (xnrt_bconv2d, xnrt_bgemm) */
  BP_BWN    /* real input, packed weights (xnrt_bwn_conv2d, xnrt_bwn_gemm) */
} BinPath;

typedef struct Emit {
  Graph *g;              /* the graph being emitted */
  Diag *d;               /* where errors go */
  const EmitOptions *o;  /* names and --main */
  StrBuf *c;             /* the .c text */
  int *emit;             /* per node: 1 if it has a function and a call */
  int *alias;            /* per node: 1 if its output shares its input's buffer (no code) */
  int *root;             /* per tensor: the tensor whose storage it uses (itself unless aliased) */
  Store *store;          /* per tensor (meaningful for roots): kind of storage */
  int *slot;             /* per root: input/output index for ST_INPUT/ST_OUTPUT */
  int64_t *off;          /* per root: arena offset in floats for ST_ARENA */
  int *used_const;       /* per root: a static const array must be emitted */
  int64_t arena_floats;  /* size of the activation arena in floats */
  int *out_copy_src;     /* per graph output: tensor to copy into outK at the end, or -1 */
  int *in_used;          /* per graph input: referenced by the generated run() */
  int *consumed;         /* per tensor: read by an emitted node */
  BinPath *bin;          /* per node: how a BinConv/BinGemm is compiled */
  int *in0;              /* per node: tensor read as input 0 (a fused BinActiv's X), or -1 */
  int *no_y;             /* per node: a BinActiv whose Y is never materialized (fused) */
  int64_t work_bytes;    /* size of the binary layers' work union (NAME_work), 0 if none */
  const UseDef *ud;      /* producers and readers of every tensor (live nodes) */
} Emit;

/* ---- emit_util.c ---- */

/* Appends f as an exact C99 hexadecimal float literal with suffix f (e.g.
 * 0x1.8p+1f, -0x0p+0f, 0x1p-149f); infinities as HUGE_VALF, NaN as NAN (both
 * from math.h). Independent of the locale and of the C library's printf. */
void put_hexfloat(StrBuf *b, float f);
/* Appends s so that it can sit inside a C block comment: every byte that is
 * not printable ASCII, and '*', '\\' and '?', become \xNN. */
void put_comment_text(StrBuf *b, const char *s);
/* What put_items prints: float as exact hex literals (6 a line), int64 (8 a
 * line; the limits as INT64_MIN/INT64_MAX), int32 (12 a line), uint64 words
 * as 0x%016llxu (4 a line). */
typedef enum ItemKind { IK_F32, IK_I64, IK_I32, IK_U64 } ItemKind;
/* The one array printer: appends the n elements of v as the items of a C
 * initializer list, each line starting with a newline and indent, items
 * separated by ", " (a comma, then a space or a new line). The caller writes
 * the declaration before and the closing brace after. */
void put_items(StrBuf *b, const char *indent, ItemKind k, const void *v, int64_t n);
/* Weights w[M][C][KH][KW] (a BinGemm's W[M][F] with KH = KW = 1) bit-packed
 * by the runtime's xnrt_pack_weights into a new array of the graph arena:
 * word ((m*KH + kh)*KW + kw)*ceil(C/64) + c/64, bit c%64 = w < 0. Sizes fit
 * in int (plan_storage checked every tensor). */
uint64_t *pack_weight_signs(Graph *g, const float *w, int64_t M, int64_t C, int64_t KH, int64_t KW);
/* Appends "a * s" terms of an index expression (sum of var_k * stride_k over
 * the nonzero strides), or "0" when every stride is 0. vars are C identifiers. */
void put_index(StrBuf *b, int n, const char *const *vars, const int64_t *strides);

/* ---- plan.c ---- */

/* Decides which nodes emit code, which alias their input, and where every
 * tensor lives (liveness-based first-fit arena plan). Reports unsupported ops
 * and tensor types to e->d; returns 0 or -1. */
int plan_storage(Emit *e);
/* Appends the C expression of tensor ti's buffer (e.g. "w5", "in0",
 * "net_arena.f + 128"). */
void put_buffer(Emit *e, StrBuf *b, int ti);
/* Whether node n writes its output j (output 0 always; BinActiv's A output
 * when something uses it). Valid after plan_storage(). */
int op_writes_output(const Emit *e, const Node *n, int j);
/* Whether input i of node n is read at run time (as a float array parameter),
 * rather than folded into literals at compile time (shapes, axes, pads...,
 * and the bit-packed weights of a binary layer). */
int op_reads_input(const Emit *e, const Node *n, int i);
/* The tensor whose buffer node n reads as input i: n->in[i], except input 0
 * of a binary layer fused with its BinActiv (then the BinActiv's X). */
int read_tensor(const Emit *e, const Node *n, int i);

/* ---- emit_ops.c ---- */

/* The emitters of the op table (ops.h, column emit): the body of node n's
 * function, between the frame emit_node_fn writes. */
XN_OPS(XN_EMIT_PROTO)
/* Emits the static function of node ni (name l<ni>_<op>) into e->c. Returns 0
 * or -1 after reporting an unsupported attribute to e->d. */
int emit_node_fn(Emit *e, int ni);
/* Appends the name of node ni's function. */
void put_fn_name(Emit *e, StrBuf *b, int ni);
/* window_params() of the Conv-like node n, checked for what the C backend
 * emits (1-D or 2-D windows, extents matching the input); -1 after
 * reporting to e->d. */
int win_get(Emit *e, const Node *n, Window *v);

/* ---- emit_binary.c ---- */

/* Chooses e->bin for every emitted BinConv/BinGemm and fuses BinActivs whose
 * Y only feeds packed layers (sets e->in0, e->no_y). Called by plan_storage
 * once e->emit is known. */
void bin_plan(Emit *e);
/* Bytes of the work union of the binary layers and XnorBlocks (packed
 * inputs, scratch, int32 accumulators, K maps and their row sums, block
 * bits), as laid out by emit_bin_data(). */
int64_t bin_work_bytes(Emit *e);
/* Emits the packed weights (static const uint64_t wbN[]), the per-filter
 * alphas (static const float waN[]) and the work union NAME_work (a struct
 * per packed layer and per XnorBlock, block_work()). */
void emit_bin_data(Emit *e);
/* Emits the body of the packed BinConv/BinGemm node n. Returns 0 or -1. */
int emit_bin_body(Emit *e, const Node *n);
/* Emits the computation of K (Eq. 11) for image n of the window v from the
 * A map named a (N x 1 x H x W floats) into double k[OH*OW], by a separable
 * box filter through double rs[H*OW] (both must be declared in scope). */
void emit_box_k(StrBuf *b, const Window *v, const char *a);

/* ---- emit_block.c ---- */

/* A BinThreshold read only by XnorBlocks (as X, not a graph output) is not
 * emitted: its readers pack its input through its thresholds (sets e->in0,
 * clears e->emit). Called by plan_storage after bin_plan. */
void block_plan(Emit *e);
/* Bytes of emitted XnorBlock node ni's struct in the work union NAME_work (0
 * for other nodes, or when the block cannot be emitted: emit_fused then
 * reports why); when decl is not NULL, appends the struct's member
 * declarations to it. */
int64_t block_work(Emit *e, int ni, StrBuf *decl);
/* Emits the body of BinThreshold or XnorBlock node n (weights and thresholds
 * as static const arrays of its function, work buffers in NAME_work).
 * Returns 0 or -1. */
int emit_fused(Emit *e, const Node *n);

#endif
