/* ir.h - the one graph IR of xnorcc.
 *
 * A Graph owns arrays of Tensors and Nodes; nodes refer to tensors by index
 * (-1 for an omitted optional input). Every tensor has an element type and, once
 * shape inference has run, a fixed shape. Constant tensors carry their data.
 * Every node and tensor records where it came from (loc: a JSON path such as
 * "graph.node[7]", or "line:col" for text IR) so any pass can report against
 * the source file. All memory belongs to the graph's arena.
 *
 * graph.c    building graphs, attributes, lookups
 * edit.c     the graph toolkit: use/def index, constants, fresh names
 * topo.c     topological order, producers, cycles
 * verify.c   the verifier: the rules every graph obeys, as read and after each pass
 * params.c   normalized attributes of Conv/pool/Gemm-like ops
 * print.c    the text IR (.xir) printer
 * dot.c      Graphviz output
 */
#ifndef XN_IR_H
#define XN_IR_H

#include <stdint.h>

#include "../util/util.h"
#include "ops.h"

#define XN_MAX_RANK 8

typedef enum DType {
  DT_F32,  /* float32 */
  DT_I64,  /* int64 (shapes, axes, indices); ONNX INT8, UINT8, INT16 and UINT16 are
              widened to this (their values stay in their type's range) */
  DT_BIT,  /* +-1 values (binary activations); stored as float +-1 when constant */
  DT_I32,  /* int32: stored as int64_t holding an int32 value (arithmetic wraps at 32 bits) */
  DT_BOOL, /* bool (comparisons, masks): stored as int64_t 0 or 1; at run time in
              generated code, a float 0 or 1 */
  DT__COUNT
} DType;

const char *dtype_name(DType t);
/* Bytes of one element as stored in Tensor.data: BIT as float, every
 * integer type and BOOL as int64_t. */
size_t dtype_size(DType t);
/* Float32 or +-1 bits: the data is float. */
int dtype_is_float(DType t);
/* INT64 or INT32: the data is int64_t holding an integer of that type. */
int dtype_is_int(DType t);
/* Wraps v into the range of integer type t (two's complement, as a cast in
 * C or numpy does); BOOL: v != 0. */
int64_t dtype_wrap(DType t, int64_t v);

typedef struct Tensor {
  const char *name;  /* original name from the model (any bytes but NUL) */
  const char *loc;   /* where it was declared, e.g. "graph.initializer[3]" */
  DType dtype;       /* element type */
  int rank;          /* number of dims; -1 while unknown */
  int64_t dims[XN_MAX_RANK]; /* extents, all >= 0 once known */
  void *data;        /* constant contents (float or int64_t), NULL if computed */
  int producer;      /* index of the producing node, -1 for inputs/constants */
  int is_input;      /* a graph input fed at run time */
  int is_output;     /* a graph output */
  int has_decl;      /* the model declares a type for it (a graph output's type, a
                        text IR tensor statement of a computed tensor): below */
  int decl_rank;     /* declared rank */
  int64_t decl_dims[XN_MAX_RANK]; /* declared extents, -1 where not given (symbolic) */
  DType decl_dtype;  /* declared element type, DT__COUNT when none maps to a DType */
  const char *decl_loc; /* where it is declared, e.g. "graph.output[0]" */
  int elem;          /* a graph input's or output's ONNX element type (TensorProto number: 1
                        FLOAT, 2 UINT8, 3 INT8, 4 UINT16, 5 INT16, 6 INT32, 7 INT64, 9 BOOL),
                        the element type of its buffer in the generated C API; 0: from dtype */
} Tensor;

typedef enum AttrKind {
  AT_INT,     /* i */
  AT_FLOAT,   /* f */
  AT_STRING,  /* s, slen (may hold any bytes) */
  AT_INTS,    /* ints[n] */
  AT_FLOATS,  /* floats[n] */
  AT_TENSOR,  /* tensor: index of a constant tensor */
  AT_OTHER    /* a kind xnorcc does not use (graphs, strings lists...) */
} AttrKind;

typedef struct Attr {
  const char *name; /* attribute name */
  const char *loc;  /* where it was declared */
  AttrKind kind;    /* which of the fields below is set */
  int64_t i;        /* AT_INT */
  float f;          /* AT_FLOAT */
  const char *s;    /* AT_STRING, NUL-terminated copy */
  size_t slen;      /* AT_STRING length (s may contain NUL bytes) */
  int64_t *ints;    /* AT_INTS */
  float *floats;    /* AT_FLOATS */
  int n;            /* number of ints/floats */
  int tensor;       /* AT_TENSOR: tensor index */
} Attr;

/* What a binarized layer computes on (OPF_BINARY ops), decided by the
 * binarize pass and read by the backend and --report. */
typedef enum LayerKind {
  LK_FLOAT, /* not a binarized layer */
  LK_XNOR,  /* +-1 input (from a BinActiv or a bit-output fused op): XNOR-popcount */
  LK_BWN    /* real input, binary weights */
} LayerKind;

typedef struct Node {
  Op op;            /* operator */
  const char *name; /* node name from the model ("" if none) */
  const char *loc;  /* where it was declared, e.g. "graph.node[7]" */
  int nin;          /* number of inputs (omitted optional ones included) */
  int *in;          /* tensor indices, -1 for an omitted optional input */
  int nout;         /* number of outputs */
  int *out;         /* tensor indices, -1 for an omitted optional output */
  int nattr;        /* number of attributes */
  Attr *attr;       /* attributes */
  int dead;         /* removed by a pass; skipped by everyone */
  void *aux;        /* pass/backend-private data attached to the node */
  LayerKind kind;   /* OPF_BINARY ops: set by the binarize (and fuse) pass */
} Node;

/* Use/def index of a graph's live nodes (edit.c); see graph_usedef(). */
typedef struct UseDef {
  int nt;          /* tensors when built */
  int *def;        /* per tensor: the live node writing it (lowest index), or -1 */
  int *def_slot;   /* per tensor: which output of def it is, or -1 */
  int *use_first;  /* per tensor t: its uses are use_node/use_slot[use_first[t] .. use_first[t+1]) */
  int *use_node;   /* use entries: live node reading the tensor, in node order */
  int *use_slot;   /* use entries: the input index it reads it as */
} UseDef;

/* The opsets of the default domain that are read: 1 to the newest ONNX
 * release (ONNX 1.22); older forms are mapped by passes/opset.c. */
#define XN_OPSET_MIN 1
#define XN_OPSET_NEWEST 27

typedef struct Graph {
  Arena *arena;     /* owns everything below */
  const char *file; /* model file name, for messages */
  const char *name; /* graph name from the model */
  int64_t opset;    /* opset version of the default ONNX domain whose forms the
                       nodes are in (7 or more once passes/opset.c ran) */
  int64_t opset_read; /* the version the model imports (set by opset_upgrade) */
  int64_t xnor_opset; /* opset version of the "xnor" domain (0 if not imported) */
  Tensor *t;        /* tensors */
  int nt, capt;     /* tensors used / allocated */
  Node *n;          /* nodes, in topological order after topo_sort() */
  int nn, capn;     /* nodes used / allocated */
  int *inputs;      /* run-time graph inputs (tensor indices), in order */
  int ninputs;
  int *outputs;     /* graph outputs (tensor indices), in order */
  int noutputs;
  UseDef *ud;       /* cached use/def index (graph_usedef), NULL until asked for */
  int ud_stale;     /* the graph changed since ud was built */
  StrMap *names;    /* tensor name -> index (graph_fresh_name), NULL until asked for */
  int *nfolded;     /* per op (OP__COUNT entries): nodes constant folding evaluated
                       (passes/fold.c; --report); NULL until the first */
  int shape_warn;   /* a declared shape that disagrees with the inferred one is a
                       warning and the inferred one is kept (--allow-shape-mismatch);
                       else an error */
  int64_t fold_max_bytes; /* constant folding leaves outputs over this many bytes
                       to run time (--fold-max-mib); 0: no limit */
  int zero_plus1;   /* a weight exactly 0 among +-alpha binarizes as +alpha
                       (--zero-weights=plus1); else such a layer stays float */
  int exact_weights; /* binarize only weights exactly +-alpha (--exact-weights);
                        else also those within BIN_NEAR_ULPS (binarize.c) */
} Graph;

/* ---- graph.c ---- */

/* An empty graph with its own arena, or NULL when out of memory. */
Graph *graph_new(const char *file);
void graph_free(Graph *g);
/* Appends a tensor named name (not copied: it must live as long as the graph,
 * e.g. in its arena); returns its index. rank -1 = shape unknown. */
int graph_add_tensor(Graph *g, const char *name, const char *loc);
/* Index of the tensor named name, or -1. (Linear scan; use a name map when bulk-loading.) */
int graph_find_tensor(const Graph *g, const char *name);
/* Appends a node with room for nin inputs and nout outputs (all -1); returns its index. */
int graph_add_node(Graph *g, Op op, const char *name, const char *loc, int nin, int nout);
/* Adds an attribute (zeroed apart from name/kind/loc) to node ni and returns it. */
Attr *node_add_attr(Graph *g, int ni, const char *name, AttrKind kind, const char *loc);
void graph_add_input(Graph *g, int ti);
void graph_add_output(Graph *g, int ti);

/* Attribute lookups: the attribute named name, or NULL. */
const Attr *node_attr(const Node *n, const char *name);
int64_t attr_int(const Node *n, const char *name, int64_t dflt);
float attr_float(const Node *n, const char *name, float dflt);
/* Ints attribute: returns its count and sets *v, or returns -1 when absent. */
int attr_ints(const Node *n, const char *name, const int64_t **v);
/* String attribute or dflt. */
const char *attr_string(const Node *n, const char *name, const char *dflt);

/* The ONNX element type of graph input or output t in the generated C API
 * and in `xnorcc run`'s files: Tensor.elem when it is of t's dtype (UINT8,
 * INT8, UINT16, INT16 for an int64 tensor), else its dtype's (FLOAT for
 * float32 and bits, INT64, INT32, BOOL). */
int tensor_io_elem(const Tensor *t);
/* The C type of ONNX element type elem (of tensor_io_elem): "float",
 * "uint8_t", "int8_t", "uint16_t", "int16_t", "int32_t", "int64_t", "bool". */
const char *elem_c_type(int elem);
/* Number of elements of a tensor with known shape; -1 if unknown or overflowing. */
int64_t tensor_numel(const Tensor *t);
/* Sets rank and dims. */
void tensor_set_shape(Tensor *t, int rank, const int64_t *dims);
/* Records the type the model declares for t (dims -1: not given; dt
 * DT__COUNT: no element type that maps to a DType), declared at loc. */
void tensor_declare(Tensor *t, int rank, const int64_t *dims, DType dt, const char *loc);
/* "1x3x224x224" (or "?" when unknown) in the graph arena. */
const char *shape_str(Graph *g, const Tensor *t);
/* "node 'conv3' (Conv) at graph.node[7]": how messages name a node. */
const char *node_desc(Graph *g, const Node *n);
/* Reports "FILE: error: node 'x' (Op) at LOC: MESSAGE". */
void node_error(Diag *d, Graph *g, const Node *n, const char *fmt, ...) XN_PRINTF(4, 5);
/* The tensor at input i of node n, or NULL when omitted/out of range. */
Tensor *node_in(Graph *g, const Node *n, int i);
Tensor *node_out(Graph *g, const Node *n, int i);

/* ---- edit.c: the graph toolkit ---- */

/* A tensor whose data is known at compile time (not an overridable input). */
int tensor_is_const(const Tensor *t);
/* Whether tensor index t (maybe -1) holds float32 data. */
int graph_is_const_f32(const Graph *g, int t);
/* Tells the toolkit that nodes' inputs, outputs or dead flags were edited: the
 * use/def index is rebuilt at the next query. (Adding nodes or tensors does
 * this by itself.) A pass calls it after each rewrite. */
void graph_changed(Graph *g);
/* Marks node ni dead (removed; skipped by everyone) and the index stale. */
void node_kill(Graph *g, int ni);
/* The use/def index of the live nodes as the graph is now (rebuilt when stale). */
const UseDef *graph_usedef(Graph *g);
/* The live node writing tensor t (-1 for none, or t < 0); with its output slot. */
int graph_producer(Graph *g, int t);
int graph_producer_slot(Graph *g, int t, int *slot);
/* Uses of tensor t by live nodes, plus one if it is a graph output; the first
 * use by a node goes to *node / *slot (-1 when none; either may be NULL). */
int graph_nuses(Graph *g, int t, int *node, int *slot);
/* The single live consumer of t (one use, t not a graph output), or -1. */
int graph_only_user(Graph *g, int t);
/* Whether node n's output 0 holds values of its input 0, moved or selected
 * but not computed (views, Transpose, MaxPool and Dropout without their
 * second output): a +-1 input gives a +-1 output. */
int node_keeps_values(const Node *n);
/* Whether node n's output 0 is +-1 bits: an OPF_BITS op, or an XnorBlock
 * whose attribute output is "bit". */
int node_writes_bits(const Node *n);
/* "float", "xnor" or "bwn". */
const char *layer_kind_name(LayerKind k);
/* base, or base.1, base.2...: a tensor name not used yet (looked up in a name
 * map of the graph, built on first use). The result is in the graph arena. */
const char *graph_fresh_name(Graph *g, const char *base);
/* A tensor named name (not copied) of dtype dt holding data (NULL: computed);
 * shape dims[0..rank) unless rank is -1. Returns its index. */
int graph_add_const(Graph *g, const char *name, const char *loc, DType dt, int rank, const int64_t *dims,
                    void *data);
/* graph_add_const named by graph_fresh_name(base + suffix). */
int graph_new_const(Graph *g, const char *base, const char *suffix, const char *loc, DType dt, int rank,
                    const int64_t *dims, void *data);
/* graph_add_node with inputs in[0..nin) and outputs out[0..nout) (NULL: all -1). */
int graph_add_node_io(Graph *g, Op op, const char *name, const char *loc, int nin, const int *in, int nout,
                      const int *out);
/* Add an attribute of that kind and value to node ni (values are copied; s is not). */
void node_set_int(Graph *g, int ni, const char *name, int64_t v);
void node_set_float(Graph *g, int ni, const char *name, float v);
void node_set_ints(Graph *g, int ni, const char *name, int n, const int64_t *v);
void node_set_string(Graph *g, int ni, const char *name, const char *s);

/* ---- topo.c ---- */

/* Sets producers, checks that every input is produced once (by a node, a graph
 * input or a constant), that no tensor is produced twice, that the graph has no
 * cycle, and reorders g->n topologically (iteratively, stable: ties keep file
 * order). Reports errors to d; returns 0 on success, -1 on error. */
int topo_sort(Graph *g, Diag *d);

/* ---- verify.c: the verifier (the rules are listed at the top of verify.c) ---- */

typedef enum VerifyStage {
  VERIFY_READ, /* the graph as a frontend built it: before topo_sort and shape inference */
  VERIFY_PASS  /* after a pass: producers set, nodes sorted, every shape known */
} VerifyStage;

/* Checks every rule that applies at stage and reports each broken one to d
 * (user errors naming the node or tensor; after a pass, broken internal
 * invariants start with "verifier:"). At VERIFY_READ it ends with
 * topo_sort() (every tensor produced once, no cycle) when the rest holds.
 * Returns 0 if the graph is clean, else -1. Linear in the graph's size. */
int ir_verify(Graph *g, Diag *d, VerifyStage stage);
/* The rules on the outputs of node n once its shape rule has run (shape
 * inference calls it for every node, folded or not): every output has a
 * shape, extents >= 1 unless it is a constant, and agrees with its declared
 * type (or a warning, when g->shape_warn, which drops the declaration).
 * Returns 0, or -1 after reporting. */
int verify_node_outputs(Graph *g, const Node *n, Diag *d);
/* The kind (AttrKind) op's attribute name must have (ops.h, column attrs),
 * or -1 when op does not read an attribute of that name. */
int op_attr_kind(Op op, const char *name);

/* ---- params.c: normalized attributes (after shape inference) ---- */

/* Spatial window of Conv, BinConv, XnorBlock, MaxPool, AveragePool (and the
 * max-pool fused into an XnorBlock) for an NCHW or NCW input: index 0 is H,
 * index 1 is W (1-D windows have H = 1 and live in index 1). auto_pad is
 * resolved. The one window struct of the compiler. */
typedef struct Window {
  int nsp;          /* spatial dims (1 or 2); 0: no window (an XnorBlock without pool) */
  int64_t N, C;     /* input batch and channels */
  int64_t k[2];     /* kernel extent per spatial dim */
  int64_t s[2];     /* strides */
  int64_t d[2];     /* dilations */
  int64_t pb[2];    /* padding at the beginning of each spatial dim */
  int64_t pe[2];    /* padding at the end */
  int64_t in[2];    /* input extents */
  int64_t out[2];   /* output extents */
  int ceil_mode;    /* pools: output size rounded up */
  int count_include_pad; /* AveragePool */
  int64_t group;    /* Conv groups */
} Window;

/* Fills w from node n (whose input 0 has a known shape; kernel from attribute
 * kernel_shape or, for convs, from the weight tensor input 1). Reports bad
 * attributes (stride 0, dilation 0, negative pads, a pool window made only of
 * padding, rank mismatches, empty output) to d against the node; returns
 * 0 on success, -1 on error. */
int window_params(Graph *g, const Node *n, Window *w, Diag *d);

/* The max-pool an XnorBlock applies after its conv (attributes pool_kernel,
 * pool_strides, pool_pads, pool_dilations; floor rounding; 2-D) to the conv's
 * output extents in[2]: fills p (p->nsp = 0 when n has no pool_kernel; N and
 * C are left 0). Returns 0, or -1 after reporting a bad window. */
int xnor_pool_window(Graph *g, const Node *n, Diag *d, const int64_t *in, Window *p);

/* ---- print.c: text IR (syntax in docs/ir.md; frontends/text parses it) ---- */

/* Appends the whole graph as text IR to out (sb_init'ed by the caller): every
 * tensor that something refers to, the input and output lists and every live
 * node, with locations. Constant data is written exactly (hex floats, decimal
 * int64) unless elide_weights, which writes "<elided N floats>" (such a dump
 * cannot be loaded again). Deterministic; allocates from g's arena. */
void ir_print(Graph *g, StrBuf *out, int elide_weights);
/* Appends s[0..n) as a double-quoted string with C-style escapes. */
void ir_put_string(StrBuf *b, const char *s, size_t n);
/* Appends f as an exact hex float ("-0x1.8p+1", "+inf", "+nan(0x1)"). */
void ir_put_hexfloat(StrBuf *b, float f);
/* "int", "float", "string", "ints", "floats", "tensor", "other" ("?" if invalid). */
const char *attr_kind_name(AttrKind k);

/* ---- dot.c ---- */

/* Appends the graph as a Graphviz digraph to out: one box per live node
 * (op, name, output shape; binary "xnor" ops coloured apart from float
 * layers, connected binary ops grouped in a cluster), graph inputs and
 * outputs as ellipses, constants listed in their consumer's label. */
void ir_dot(Graph *g, StrBuf *out);

/* The other ops' normalized attributes. Each reports to d against the node and
 * returns 0, or -1 on error; none can fail once shape inference accepted n. */

/* axis (negative counts from the end) as 0..rank-1 in *out; what names it in
 * the message ("axis", "perm"...). */
int norm_axis(Graph *g, const Node *n, Diag *d, const char *what, int64_t axis, int rank, int *out);
/* Sets mask[a] = 1 for every axis in v[0..cnt) (rank rank); duplicates are errors. */
int axes_mask(Graph *g, const Node *n, Diag *d, const int64_t *v, int64_t cnt, int rank, unsigned char *mask);

/* The Reduce* ops: which axes of input 0 are reduced (axes attribute, or
 * constant input 1: ReduceSum from opset 13, the others from 18; none = all
 * unless noop_with_empty_axes), keepdims. */
typedef struct Reduce {
  int keepdims;                     /* reduced axes stay as extent 1 */
  int noop;                         /* no axes and noop_with_empty_axes: y = x (the spec's identity) */
  unsigned char axis[XN_MAX_RANK];  /* 1 for each reduced axis of input 0 */
} Reduce;
int reduce_params(Graph *g, const Node *n, Reduce *r, Diag *d);
/* The attributes of the float unary ops, with their ONNX defaults: alpha of
 * LeakyRelu (0.01), Selu (1.6732632), Elu, Celu, ThresholdedRelu (1); gamma
 * of Selu (1.0507010); lambd (0.5) and bias (0) of Shrink. */
typedef struct UnaryParams {
  float alpha, gamma, lambd, bias;
} UnaryParams;
void unary_params(const Node *n, UnaryParams *p);
/* Pad: pads[0..2*rank) as [begin..., end...], from the attribute (opset < 11)
 * or the constant int64 input 1; negative values crop. */
int pad_params(Graph *g, const Node *n, int64_t *pads, Diag *d);
/* Transpose: perm[i] = input axis of output axis i (default: reversed). */
int transpose_perm(Graph *g, const Node *n, int *perm, Diag *d);
/* Squeeze/Unsqueeze: the raw axes (attribute before opset 13, constant input 1
 * from opset 13) in v[0..*cnt); *cnt = -1 when none are given. */
int node_axes(Graph *g, const Node *n, const int64_t **v, int64_t *cnt, Diag *d);
/* Slice: per axis of input 0 the first index, the step and the output
 * extent (axes not sliced: 0, 1 and the input's extent); starts, ends, axes,
 * steps from the attributes (opset < 10) or the constant inputs 1 to 4,
 * negative indices counted from the end and clamped as ONNX says. */
typedef struct SliceParams {
  int64_t start[XN_MAX_RANK], step[XN_MAX_RANK], dims[XN_MAX_RANK];
} SliceParams;
int slice_params(Graph *g, const Node *n, SliceParams *s, Diag *d);
/* Split: the axis and the extent of each output along it (sizes[0..nout)):
 * the attribute split (opset < 13) or constant input 1 (from 13), else equal
 * parts (from opset 18 the last may be smaller). */
int split_params(Graph *g, const Node *n, int *axis, int64_t *sizes, Diag *d);

#endif
