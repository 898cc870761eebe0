/* emit.h - private to the C backend: the emitters, which write the text of
 * what the plan (plan.h) decided and decide nothing themselves.
 *
 * writer.c      the C writer: lines at a tracked indentation, blocks
 * emit_util.c   hex float literals, comment-safe names, index expressions,
 *               constant arrays (the one array printer), weight packing
 *               through the runtime, the addresses of buffers
 * emit_c.c      the whole .c and .h: weights, work union, state, NAME_run_r,
 *               NAME_run, main()
 * emit_ops.c    the float layers (one static function per layer) and the frame
 *               of every layer function
 * emit_float.c  float Conv, Gemm, MatMul on the runtime's float kernels
 * emit_binary.c BinConv/BinGemm on the runtime's XNOR-popcount kernels
 * emit_block.c  the fused ops BinThreshold, XnorBlock, XnorDense (docs/fusion.md)
 * emit_profile.c --profile: per-layer timing in NAME_run_r and its table
 *
 * Each op's hooks are its row of the op table's emit column: an OpEmit
 * emit_NAME (plan.h) defined beside its body function body_NAME.
 */
#ifndef XN_EMIT_H
#define XN_EMIT_H

#include "plan.h"

/* ---- writer.c: C text with tracked indentation ---- */

#define CW_MAX_OPEN 64 /* nesting of blocks and brace-less headers */

/* Writes C line by line at a tracked depth (two spaces a level). Blocks are
 * opened by a line ending in "{" (cw_open) and closed by cw_close; a header
 * without braces (cw_head: "for (...)", "if (...)") indents the one
 * statement after it, and ends with that statement. */
typedef struct CWriter {
  StrBuf *b;                       /* the text */
  int depth;                       /* indentation of the next line, in levels */
  int nopen;                       /* open levels */
  unsigned char single[CW_MAX_OPEN]; /* per open level: 1 for a brace-less header */
} CWriter;

/* Starts writing C into b at depth 0. */
void cw_init(CWriter *w, StrBuf *b);
/* A statement or declaration line (also a comment line inside a function). */
void cw_line(CWriter *w, const char *fmt, ...) XN_PRINTF(2, 3);
/* A header without braces: the next statement goes one level in. */
void cw_head(CWriter *w, const char *fmt, ...) XN_PRINTF(2, 3);
/* A line that ends with "{" (fmt writes it): one level in until cw_close. */
void cw_open(CWriter *w, const char *fmt, ...) XN_PRINTF(2, 3);
/* "}" closing the innermost cw_open; it ends the statement of any header. */
void cw_close(CWriter *w);
/* The same with another closing line, e.g. "};" after an initializer. */
void cw_close_with(CWriter *w, const char *text);
/* "} else {": closes the innermost block and opens the else block. */
void cw_else(CWriter *w);
/* "for (int v = 0; v < n; v++)" as cw_head, and with " {" as cw_open. */
void cw_for(CWriter *w, const char *v, int64_t n);
void cw_for_open(CWriter *w, const char *v, int64_t n);
/* A line built in pieces: cw_begin writes the indentation and returns the
 * buffer to append to; cw_end ends it as a statement, cw_end_head as a
 * brace-less header, cw_end_open as a block opener. */
StrBuf *cw_begin(CWriter *w);
void cw_end(CWriter *w);
void cw_end_head(CWriter *w);
void cw_end_open(CWriter *w);
/* Drops the text after its first len bytes and returns to depth 0 (a
 * layer function that failed halfway). */
void cw_reset(CWriter *w, size_t len);
/* Verbatim text at file scope (depth 0): comments, preprocessor lines,
 * fixed helper code. */
void cw_raw(CWriter *w, const char *fmt, ...) XN_PRINTF(2, 3);

typedef struct Emit {
  const Plan *p;        /* what to emit (read only) */
  Graph *g;             /* the graph being emitted (its arena holds scratch text) */
  Diag *d;              /* where errors go */
  const EmitOptions *o; /* names and --main */
  CWriter *w;           /* the .c text */
  int bytes_guard;      /* the byte-order guard of byte-string data is written */
} Emit;

/* ---- emit_util.c ---- */

/* Appends f as an exact C99 hexadecimal float literal with suffix f (e.g.
 * 0x1.8p+1f, -0x0p+0f, 0x1p-149f); infinities as HUGE_VALF, NaN as NAN (both
 * from math.h). Independent of the locale and of the C library's printf. */
void put_hexfloat(StrBuf *b, float f);
/* Appends s so that it can sit inside a C block comment: every byte that is
 * not printable ASCII, and '*', '\\' and '?', become \xNN. */
void put_comment_text(StrBuf *b, const char *s);
/* Element types of constant arrays: float as exact hex literals (6 a
 * line), int64 (8 a line; the limits as INT64_MIN/INT64_MAX), int32 (12 a
 * line), uint64 words as 0x%016llxu (4 a line), bytes as 0x%02x (16 a line). */
typedef enum ItemKind { IK_F32, IK_I64, IK_I32, IK_U64, IK_U8 } ItemKind;
/* The one place constant data is written, at the writer's depth (file
 * scope, or inside a layer function): "static const TYPE name[size] =
 * {...};", the n elements of v one line per 4 to 12 items, or (EmitOptions
 * storage WS_BYTES, or WS_AUTO for 1 KiB and more) a union of name_u.v[size]
 * and rows of string literals holding the elements' bytes, and
 * "static const TYPE *const name = name_u.v;". Either way name is used as
 * the array. size is a C expression, or NULL for n itself. An empty array
 * becomes one zero element. */
void emit_const_array(Emit *e, ItemKind k, const char *name, const char *size, const void *v, int64_t n);
/* Weights w[M][C][KH][KW] (a BinGemm's W[M][F] with KH = KW = 1) bit-packed
 * by the runtime's xnrt_pack_weights into a new array of the graph arena:
 * word ((m*KH + kh)*KW + kw)*ceil(C/64) + c/64, bit c%64 = w < 0. Sizes fit
 * in int (plan_check checked every tensor). */
uint64_t *pack_weight_signs(Graph *g, const float *w, int64_t M, int64_t C, int64_t KH, int64_t KW);
/* Weights w[M][Cg][KH][KW] in G groups (a BinGemm's W[M][F]: Cg = F,
 * KH = KW = G = 1) as the signs of the float GEMM's 8-row panels, one bit a
 * weight (the runtime's xnrt_bwn_conv_pack_weights, sgemm_pack.h), into a
 * new array of the graph arena of XNRT_BWN_CONV_WEIGHT_BYTES bytes. */
uint8_t *pack_bwn_panels(Graph *g, const float *w, int64_t M, int64_t Cg, int64_t KH, int64_t KW, int64_t G);
/* Bytes pack_bwn_panels writes. */
int64_t bwn_panel_bytes(int64_t M, int64_t Cg, int64_t KH, int64_t KW, int64_t G);
/* Appends "a * s" terms of an index expression (sum of var_k * stride_k over
 * the nonzero strides), or "0" when every stride is 0. vars are C identifiers. */
void put_index(StrBuf *b, int n, const char *const *vars, const int64_t *strides);
/* Appends the C expression of tensor ti's buffer in NAME_run_r (e.g. "w5",
 * "in0", "st->arena.f + 128", st the state): the one place that addresses
 * activations. */
void put_buffer(const Emit *e, StrBuf *b, int ti);
/* Appends the C expression of work buffer name of layer ni inside its
 * function (e.g. "work->l3.xp", work the function's pointer to the state's
 * work union): the one place that addresses work buffers. */
void put_work(const Emit *e, StrBuf *b, int ni, const char *name);
/* "int iv = ov * S + kv * D - P;": the input coordinate of tap kv of output
 * ov of a window (stride S, dilation D, leading pad P). */
void emit_coord(CWriter *w, const char *iv, const char *ov, const char *kv, int64_t S, int64_t D, int64_t P);
/* Declares pointers to work buffers of layer ni, each named after its
 * buffer: "type *xp = work->l3.xp, *scratch = ...;". The names end with
 * a NULL. */
void emit_work_decl(const Emit *e, int ni, const char *type, ...);

/* ---- emit_ops.c ---- */

/* Emits the static function of node ni (name l<ni>_<op>) into e->w. Returns 0
 * or -1 after reporting an unsupported attribute to e->d. */
int emit_node_fn(Emit *e, int ni);
/* Appends the name of node ni's function. */
void put_fn_name(const Emit *e, StrBuf *b, int ni);
/* The body of BinConv/BinGemm n on the float path (plain loops with the
 * interpreter's semantics). Returns 0 or -1 after reporting. */
int body_binconv_float(Emit *e, const Node *n);
int body_bingemm_float(Emit *e, const Node *n);

/* ---- emit_profile.c: --profile (each does nothing without EmitOptions.profile) ---- */

/* _POSIX_C_SOURCE and the headers, before the file's own includes. */
void emit_profile_prelude(Emit *e);
/* The layer table, the timers and NAME_profile_print/_reset, before NAME_run_r. */
void emit_profile_data(Emit *e);
/* In NAME_run_r: the first clock reading (and atexit at the first run). */
void emit_profile_run_begin(Emit *e);
/* In NAME_run_r after the call of the k-th layer with code: its time. */
void emit_profile_after(Emit *e, int k);
/* The header's declarations of NAME_profile_print/_reset. */
void emit_profile_header(const Emit *e, StrBuf *h);

/* ---- emit_float.c: float Conv, Gemm, MatMul, pools on LP_FKERN ---- */

/* Data hook of Conv, Gemm, MatMul: on LP_FKERN, the weights packed (BN
 * folded) and the folded bias; nothing on the plain path. */
DataFn data_float;
/* Bodies on LP_FKERN: xnrt_conv2d/xnrt_dwconv2d per image, xnrt_sgemv per
 * row, with the plan's epilogue. Return 0. */
int body_conv_fkern(Emit *e, const Node *n);
int body_linear_fkern(Emit *e, const Node *n);
/* Body of MaxPool/AveragePool on LP_FKERN: one xnrt_maxpool2d/xnrt_avgpool2d
 * call over the N*C planes. Returns 0. */
int body_pool_fkern(Emit *e, const Node *n);
/* BatchNormalization (+ its merged Relu) on xnrt_batchnorm; Add/Sub/Mul/Div
 * on xnrt_binary. Return 0. */
int body_batchnorm_fkern(Emit *e, const Node *n);
int body_binary_fkern(Emit *e, const Node *n);

/* ---- emit_binary.c ---- */

/* Emits the computation of K (Eq. 11) for image n of the window v from the
 * A map named a (N x 1 x H x W floats) into double k[OH*OW], by a separable
 * box filter through double rs[H*OW] (both must be declared in scope). */
void emit_box_k(CWriter *w, const Window *v, const char *a);

#endif
