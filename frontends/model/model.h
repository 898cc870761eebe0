/* model.h - what an ONNX ModelProto means, shared by the two readers of ONNX
 * files: json/ (protobuf's JSON mapping) and onnx/ (protobuf's binary wire
 * format). A reader walks its syntax, reports what is wrong with the syntax
 * itself (a string where a number belongs, a truncated field), and hands the
 * values it found to these builders. They check the values and fill the
 * Graph, so both readers accept the same models, give the same messages and
 * build the same IR, down to every loc (docs/format.md).
 *
 * Paths name where something is in the model, e.g. "graph.node[7].input[1]".
 * Readers build them with the field names as their file spells them
 * (lowerCamelCase or snake_case in JSON, the proto names for protobuf);
 * fixed field names inside messages go through om_key().
 *
 * ctx.c      context, paths and messages, tensor names, opset imports,
 *            initializers, graph inputs (and --dim), graph outputs
 * node.c     nodes: op lookup, the unsupported-op summary, attributes,
 *            Constant values
 * tensor.c   TensorProto -> constant tensor: data types, dims, values
 */
#ifndef XN_MODEL_H
#define XN_MODEL_H

#include "../frontend.h"

/* Nodes that cannot be built (an unsupported op or domain), summed up per
 * kind and reported after the last node. */
typedef struct OmUnsupported {
  int what;          /* 0 op, 1 unsupported domain, 2 domain not imported */
  const char *domain, *op;
  int count;         /* nodes */
  const char *first; /* the first node, as "node 'n' at graph.node[4]" */
} OmUnsupported;

/* Builder state, one per model load. */
typedef struct OmCtx {
  Graph *g;             /* graph being filled */
  Diag *d;              /* where errors go */
  const LoadOptions *o; /* --dim bindings */
  Arena *a;             /* g->arena */
  int snake;            /* messages spell fixed field names in snake_case */
  StrMap names;         /* graph-level tensor name -> tensor index */
  StrMap refonly;       /* name -> 1 while a tensor is only referenced as a node input */
  StrMap inames;        /* graph input name -> index in graph.input[] */
  StrMap onames;        /* graph output name -> index in graph.output[] */
  const char *onnx_at;  /* path of the default domain's opset import, or NULL */
  const char *xnor_at;  /* path of the "xnor" opset import, or NULL */
  OmUnsupported *unsup; /* nodes that could not be built, by kind */
  int nunsup, capunsup;
  StrMap unsup_index;   /* kind key -> index in unsup */
  void (*done_bytes)(const void *p, size_t n); /* see onnx_load_with (NULL: none) */
} OmCtx;

/* ---- ctx.c ---- */

/* Sets up c for loading into the empty graph g. snake: the reader spells
 * fields in snake_case (the protobuf names) rather than lowerCamelCase. */
void om_init(OmCtx *c, Graph *g, const LoadOptions *o, Diag *d, int snake);
/* "opType" -> "op_type", "int64Data" -> "int64_data", into out[0..cap). */
void om_snake_case(const char *camel, char *out, size_t cap);
/* A fixed field name for messages, given in lowerCamelCase ("rawData"):
 * as is, or in snake_case ("raw_data") when c->snake. */
const char *om_key(OmCtx *c, const char *camel);
/* "base.key" ("key" when base is empty) and "base[i]", in the arena. */
const char *om_path(OmCtx *c, const char *base, const char *key);
const char *om_index(OmCtx *c, const char *base, int i);
/* Reports "PATH: MESSAGE" (just MESSAGE when path is "": the model itself). */
void om_err(OmCtx *c, const char *path, const char *fmt, ...) XN_PRINTF(3, 4);
/* s[0..n) with quotes, backslashes, control bytes and NUL escaped, for
 * messages; om_esc() for a NUL-terminated string. */
const char *om_esc_bytes(OmCtx *c, const char *s, size_t n);
const char *om_esc(OmCtx *c, const char *s);
/* Length of the valid UTF-8 sequence at s[0..n) (s[0] >= 0x80), or 0 when it
 * is not valid (RFC 3629: no overlong forms, surrogates or values above
 * U+10FFFF). Both readers accept only valid UTF-8 in names. */
size_t om_utf8_seq(const unsigned char *s, size_t n);

/* The tensor a node input names (a fresh one when nobody declared it yet),
 * and the tensor a node output names (whose loc becomes the output's path). */
int om_use(OmCtx *c, const char *name, const char *loc);
int om_def(OmCtx *c, const char *name, const char *loc);

/* One entry of opset_import, at path; om_opsets_end() after the last one
 * (present: the model has the field at all). */
void om_opset(OmCtx *c, const char *path, const char *domain, int64_t version);
void om_opsets_end(OmCtx *c, int present);

/* Enters the constant tensor ti (from om_tensor) read at path as an
 * initializer: it needs a name not used by another initializer. */
void om_initializer(OmCtx *c, int ti, const char *path);

/* A dim of a graph input's shape, as read. */
typedef enum OmDimKind {
  OM_DIM_UNKNOWN, /* neither dim_value nor dim_param */
  OM_DIM_VALUE,   /* value */
  OM_DIM_PARAM,   /* param, a symbolic dim bound by --dim */
  OM_DIM_BAD      /* the reader already reported it */
} OmDimKind;

typedef struct OmDim {
  OmDimKind kind;    /* which of the fields is set */
  int64_t value;     /* OM_DIM_VALUE */
  const char *param; /* OM_DIM_PARAM */
} OmDim;

/* The type of a graph input or output (ValueInfoProto), as read. */
typedef struct OmInput {
  const char *path;  /* e.g. "graph.input[0]" */
  const char *name;  /* from om_input_begin() */
  int has_type;      /* the ValueInfoProto has a type */
  int is_tensor;     /* ... which is a tensor_type */
  int elem_type;     /* its TensorProto.DataType (0 when absent) */
  int has_shape;     /* it has a shape */
  int rank;          /* number of dims in the shape */
  const OmDim *dims; /* rank of them */
} OmInput;

/* Graph input idx at path, named name (NULL or "" when it has none). Returns
 * 1 when the reader should read its type and call om_input(), 0 when not
 * (an error was reported, or the input is an initializer: a constant). */
int om_input_begin(OmCtx *c, const char *path, const char *name, int idx);
/* Checks the input's type (FLOAT, dims that are values or symbolic dims with
 * a --dim value; the verifier judges the values and a missing shape) and adds
 * it as a run-time input. nmax: the length of graph.input (room is made for
 * that many on the first call). */
void om_input(OmCtx *c, const OmInput *in, int nmax);

/* Graph outputs: om_outputs_begin() with their count (0 is an error), then
 * om_output() for each one, named name (NULL or "" when it has none), at
 * base[i], with its declared type as read (NULL: none), which the verifier
 * checks against the inferred one (path and name of type are not used). */
void om_outputs_begin(OmCtx *c, int n);
void om_output(OmCtx *c, const char *base, int i, const char *name, const OmInput *type);

/* ---- node.c ---- */

/* A NodeProto, as read. */
typedef struct OmNode {
  const char *path;    /* e.g. "graph.node[7]" */
  const char *op_type; /* NULL when absent */
  const char *domain;  /* "" when absent */
  const char *name;    /* "" when absent */
  int nin, nout;       /* inputs and outputs ("" for omitted optional ones) */
  const char **in, **out;
  const char *inbase, *outbase; /* paths of the input and output lists */
  int nattr;           /* attributes the reader will add */
  int bad;             /* the reader reported an error: only declare the outputs */
} OmNode;

/* Builds the node (or notes it as unsupported) and returns its index, or -1
 * when there is no node to add attributes to. Its outputs are declared even
 * then, so that their users do not cascade errors. */
int om_node(OmCtx *c, const OmNode *n);
/* Reports the unsupported ops and domains, one line per kind. */
void om_nodes_end(OmCtx *c);

/* AttributeProto.AttributeType, as numbered in onnx.proto. */
enum {
  OM_AT_UNDEFINED, OM_AT_FLOAT, OM_AT_INT, OM_AT_STRING, OM_AT_TENSOR, OM_AT_GRAPH,
  OM_AT_FLOATS, OM_AT_INTS, OM_AT__COUNT = 15
};
/* Their names, by number. */
extern const char *const om_attr_type_names[OM_AT__COUNT];
/* The value field of each type (lowerCamelCase), by number ("" for UNDEFINED). */
extern const char *const om_attr_fields[OM_AT__COUNT];

/* Checks the name of an attribute of node ni at path (NULL or "" when it has
 * none) and that it is not given twice. seen: a name map the reader keeps
 * for nodes with many attributes, or NULL. Returns 0 or -1 after reporting. */
int om_attr_name(OmCtx *c, int ni, const char *path, const char *name, StrMap *seen);
/* The attribute's type: given (a valid type number, or -1 when the file has
 * none; tpath is where it is), or else the first type whose value field is
 * present (bit t of present). Returns it, or -1 after reporting. */
int om_attr_type(OmCtx *c, const char *path, const char *tpath, const char *name, int given,
                 unsigned present);
/* Adds the attribute a (name, loc, kind and value set) to node ni, whose
 * attribute array om_node() sized for OmNode.nattr. */
void om_attr_add(OmCtx *c, int ni, const Attr *a, StrMap *seen);
/* After the node's last attribute: a Constant's value, whichever attribute
 * gives it, becomes a single `value` attribute (AT_TENSOR). */
void om_node_end(OmCtx *c, int ni);

/* ---- tensor.c ---- */

#define OM_NDTYPES 24
/* TensorProto.DataType names by number. */
extern const char *const om_dtype_names[OM_NDTYPES];

/* The fields a TensorProto may keep its values in. */
typedef enum OmField {
  OM_RAW,         /* raw_data (or external data): little-endian bytes */
  OM_FLOAT_DATA,  /* the typed fields */
  OM_INT32_DATA,
  OM_INT64_DATA,
  OM_DOUBLE_DATA,
  OM_STRING_DATA,
  OM_UINT64_DATA,
  OM_NFIELDS
} OmField;

/* A TensorProto, as read. */
typedef struct OmTensor {
  const char *path;            /* e.g. "graph.initializer[2]" */
  const char *name;            /* "" when absent */
  int ndims;                   /* number of dims */
  const int64_t *dims;         /* their values */
  const char *dims_path;       /* where they are */
  int dtype;                   /* TensorProto.DataType (< OM_NDTYPES), -1 when absent */
  const char *dtype_path;      /* where it is */
  const char *key[OM_NFIELDS]; /* spelling of each value field that holds values, else NULL */
  int64_t count[OM_NFIELDS];   /* how many values it holds (OM_RAW: bytes) */
  const unsigned char *raw;    /* OM_RAW: the bytes, or NULL to have them fetched */
  /* OM_RAW with raw NULL: reads the count[OM_RAW] bytes once their count is
   * right (external data); returns them, or NULL after reporting. */
  const unsigned char *(*fetch_raw)(void *it);
  /* A typed field's values, asked for in order (i = 0, 1, ...) once the
   * count is right: sets *f (float fields) or *v (integer fields). Returns 0,
   * or -1 after reporting the value at path. */
  int (*next)(void *it, int64_t i, const char *path, double *f, int64_t *v);
  void *it;                    /* the reader's state for next and fetch_raw */
} OmTensor;

/* The DType a TensorProto.DataType is kept as (FLOAT, DOUBLE: DT_F32; INT32:
 * DT_I32; BOOL: DT_BOOL; the other integer types: DT_I64), or DT__COUNT. */
DType om_ir_dtype(int onnx);
/* Whether a graph input or output may have ONNX element type onnx (FLOAT,
 * UINT8, INT8, UINT16, INT16, INT32, INT64, BOOL: Tensor.elem). */
int om_io_type(int onnx);
/* "graph.initializer[2] ('w')": how messages name a tensor. */
const char *om_tensor_where(OmCtx *c, const char *path, const char *name);
/* Checks t (element type, dims, where the values are and how many) and
 * makes it a new constant tensor, not entered in the name map. Returns its
 * index, or -1 after reporting. */
int om_tensor(OmCtx *c, const OmTensor *t);

#endif
