/* emit.h - private to the C backend: the emitters, which write the text of
 * what the plan (plan.h) decided and decide nothing themselves.
 *
 * emit_util.c   hex float literals, comment-safe names, index expressions,
 *               the array printer, weight packing through the runtime
 * emit_c.c      the whole .c and .h: weights, arena, work union, NAME_run, main()
 * emit_ops.c    the float layers (one static function per layer) and the frame
 *               of every layer function
 * emit_binary.c BinConv/BinGemm on the runtime's XNOR-popcount kernels
 * emit_block.c  the fused ops BinThreshold, XnorBlock, XnorDense (docs/fusion.md)
 *
 * Each op's hooks are its row of the op table's emit column: an OpEmit
 * emit_NAME (plan.h) defined beside its body function body_NAME.
 */
#ifndef XN_EMIT_H
#define XN_EMIT_H

#include "plan.h"

typedef struct Emit {
  const Plan *p;        /* what to emit (read only) */
  Graph *g;             /* the graph being emitted (its arena holds scratch text) */
  Diag *d;              /* where errors go */
  const EmitOptions *o; /* names and --main */
  StrBuf *c;            /* the .c text */
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
 * in int (plan_check checked every tensor). */
uint64_t *pack_weight_signs(Graph *g, const float *w, int64_t M, int64_t C, int64_t KH, int64_t KW);
/* Appends "a * s" terms of an index expression (sum of var_k * stride_k over
 * the nonzero strides), or "0" when every stride is 0. vars are C identifiers. */
void put_index(StrBuf *b, int n, const char *const *vars, const int64_t *strides);
/* Appends the C expression of tensor ti's buffer (e.g. "w5", "in0",
 * "net_arena.f + 128"): the one place that addresses activations. */
void put_buffer(const Emit *e, StrBuf *b, int ti);
/* Appends the C expression of work buffer name of layer ni (e.g.
 * "net_work.l3.xp"): the one place that addresses work buffers. */
void put_work(const Emit *e, StrBuf *b, int ni, const char *name);

/* ---- emit_ops.c ---- */

/* Emits the static function of node ni (name l<ni>_<op>) into e->c. Returns 0
 * or -1 after reporting an unsupported attribute to e->d. */
int emit_node_fn(Emit *e, int ni);
/* Appends the name of node ni's function. */
void put_fn_name(const Emit *e, StrBuf *b, int ni);
/* The body of BinConv/BinGemm n on the float path (plain loops with the
 * interpreter's semantics). Returns 0 or -1 after reporting. */
int body_binconv_float(Emit *e, const Node *n);
int body_bingemm_float(Emit *e, const Node *n);

/* ---- emit_binary.c ---- */

/* Emits the computation of K (Eq. 11) for image n of the window v from the
 * A map named a (N x 1 x H x W floats) into double k[OH*OW], by a separable
 * box filter through double rs[H*OW] (both must be declared in scope). */
void emit_box_k(StrBuf *b, const Window *v, const char *a);

#endif
