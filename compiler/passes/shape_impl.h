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

/* The shape rules of the op table (ops.h, column shape). */
XN_OPS(XN_SHAPE_PROTO)

#endif
