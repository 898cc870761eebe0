/* passes.h - transformations on the graph IR. Every pass has the shape
 * int pass(Graph *g, Diag *d): it reports user errors to d and returns 0 on
 * success, -1 after an error.
 *
 * shape.c   shape inference and constant folding, in one topological walk
 */
#ifndef XN_PASSES_H
#define XN_PASSES_H

#include "../ir/ir.h"

/* Infers element type and shape of every tensor, in topological order (run
 * topo_sort() first), checking each node's inputs against its op (ranks,
 * channel counts, attribute ranges; errors name the node and both sides of a
 * mismatch). Every node whose inputs are all constant is evaluated with the
 * interpreter and replaced by a constant (the node is marked dead). Reports all
 * unsupported ops at once before anything else. Returns 0 or -1. */
int infer_and_fold(Graph *g, Diag *d);

#endif
