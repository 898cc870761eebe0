/* shape_impl.h - private to shape inference.
 *
 * shape.c        the pass: supported-op check, the topological walk, folding
 * shape_rules.c  one inference rule per op: checks inputs, sets outputs
 */
#ifndef XN_SHAPE_IMPL_H
#define XN_SHAPE_IMPL_H

#include "passes.h"

typedef struct Infer {
  Graph *g;
  Diag *d;
  int *uses; /* per tensor: live consumers, plus one if it is a graph output
                (NULL: ask the graph toolkit) */
} Infer;

/* Infers node n's outputs (dtype and shape) from its inputs, whose shapes are
 * known. Returns 0, or -1 after reporting to the Diag. */
int infer_node(Infer *c, Node *n);

/* For the xnor domain's rules (binary_shape.c, fuse_shape.c): input i of n,
 * present (or optional: NULL without error when !required), of known shape
 * and of the dtype class asked for (want_int: int64, else float32 or bit).
 * On a violation reports it and sets *err; does nothing once *err is set. */
const Tensor *xnor_input(Graph *g, const Node *n, int i, const char *what, int required, int want_int, Diag *d,
                         int *err);
/* Sets output i of n (when present) to dtype dt with the given shape. */
void xnor_set_out(Graph *g, const Node *n, int i, DType dt, int rank, const int64_t *dims);

/* The shape rules of the op table (ops.h, column shape). */
XN_OPS(XN_SHAPE_PROTO)

#endif
