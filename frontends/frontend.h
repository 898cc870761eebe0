/* frontend.h - model loaders. Each fills an empty Graph from one input format.
 *
 * json/          ONNX ModelProto in protobuf's JSON mapping (.json)
 * onnx/          ONNX ModelProto in protobuf's binary wire format (.onnx),
 *                and TensorProto files (.pb)
 * model/         what a ModelProto means, shared by json/ and onnx/
 * text/          xnorcc's text IR (.xir), as ir_print() writes it
 * load.c         dispatch on the file name, or on its contents
 *
 * Loaders report problems to the Diag (never exit) and allocate from the
 * graph's arena, which jumps to the caller's out-of-memory handler when it
 * cannot grow; a loader that holds other memory (e.g. a cJSON tree) installs
 * its own handler to free it and then jumps on to the previous one.
 */
#ifndef XN_FRONTEND_H
#define XN_FRONTEND_H

#include "../compiler/ir/ir.h"

/* A value for a symbolic dimension, from --dim NAME=VALUE. */
typedef struct DimBinding {
  const char *name; /* dimParam name */
  int64_t value;    /* its extent (>= 1) */
} DimBinding;

typedef struct LoadOptions {
  const DimBinding *dims; /* bindings for symbolic dims */
  int ndims;
} LoadOptions;

/* Loads the model in text[0..len) (the contents of the file g->file) into g,
 * which must be empty. Returns 0 on success, -1 after reporting errors to d.
 * On success the graph has tensors (inputs with shapes, initializers with
 * data), nodes in file order, inputs and outputs; topo_sort() has not run. */
int json_load(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d);
/* json_load; with release_text, text is an allocation of g's arena that is
 * given back (arena_release) as soon as cJSON has parsed it. */
int json_load_with(Graph *g, const char *text, size_t len, const LoadOptions *o, int release_text, Diag *d);

/* Loads an ONNX model in protobuf's wire format (.onnx) from text[0..len)
 * into the empty graph g, like json_load: the same checks, messages and
 * locs, with fields named as in onnx.proto ("graph.node[3].op_type").
 * External tensor data is read from files in the folder of g->file. */
int onnx_load(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d);
/* onnx_load, calling done_bytes (if not NULL) with each tensor's raw bytes
 * in text once they are copied out: the caller may drop them, as long as
 * reading them again still works (frontend_load's mapped files). */
int onnx_load_with(Graph *g, const char *text, size_t len, const LoadOptions *o,
                   void (*done_bytes)(const void *p, size_t n), Diag *d);
/* Reads a TensorProto file (ONNX test data's .pb files) from text[0..len)
 * into a new constant tensor of g, not entered in any name map; external
 * data is looked for beside g->file. Returns its index, or -1 after
 * reporting (messages name it "tensor"). *dtype (if dtype) is set to its
 * TensorProto.DataType, -1 when unknown. */
int onnx_load_tensor(Graph *g, const char *text, size_t len, int *dtype, Diag *d);
/* The name of a TensorProto.DataType ("FLOAT"), "UNDEFINED" when unknown. */
const char *onnx_dtype_name(int dtype);

/* Loads text IR (.xir, syntax in docs/ir.md) from text[0..len) into the empty
 * graph g, like json_load. Errors are reported as "FILE:LINE:COL: error: ..."
 * with the source line and a caret, at most 20 of them. Node and tensor
 * locations are the ones written after '@' (else "LINE:COL"). */
int xir_load(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d);

/* Calls the loader that g->file's extension names (.json, .onnx, .xir) on
 * text[0..len), which must be followed by a NUL; for other extensions, the
 * one the contents name (a '{' first: JSON; a ModelProto's first tag: .onnx;
 * else text IR when it starts like one). Returns 0 on success, -1 on error. */
int frontend_load_text(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d);
/* Reads the file g->file and calls frontend_load_text(). */
int frontend_load(Graph *g, const LoadOptions *o, Diag *d);

#endif
