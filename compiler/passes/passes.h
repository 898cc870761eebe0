/* passes.h - transformations on the graph IR. Every pass has the shape
 * int pass(Graph *g, Diag *d): it reports user errors to d and returns 0 on
 * success, -1 after an error.
 *
 * shape.c   shape inference and constant folding, in one topological walk
 * fold.c    constant folding: a node on constants is evaluated by the
 *           interpreter (one node, or the pass `fold` to a fixed point)
 * canon.c   canonicalization (Identity/Dropout, reshape chains, Sub/Div by a
 *           constant) and dead-node elimination
 * passman.c the pass manager: the passes of pipeline_lower in order, by name,
 *           with --print-after, --time-passes and the verifier between passes
 * (binary.h: pass_binarize and the other binary-layer passes)
 */
#ifndef XN_PASSES_H
#define XN_PASSES_H

#include "../ir/ir.h"

/* Infers element type and shape of every tensor, in topological order (run
 * ir_verify() or topo_sort() first), checking each node's inputs against its
 * op (ranks, channel counts, attribute ranges; errors name the node and both
 * sides of a mismatch). Every node whose inputs are all constant is evaluated
 * with the interpreter and replaced by a constant (the node is marked dead).
 * Each node's outputs then meet verify_node_outputs() (extents >= 1, declared
 * shapes). Returns 0 or -1. */
int infer_and_fold(Graph *g, Diag *d);

/* Runs the shape rule of node n alone (its inputs' shapes known): checks
 * them and sets its outputs' dtypes and shapes. Returns 0, or -1 after
 * reporting to d (also for an op without a shape rule). */
int shape_node(Graph *g, Node *n, Diag *d);

/* ---- fold.c: constant folding is evaluation ---- */

/* Evaluates node n, whose inputs are all constant, with its op's interpreter
 * function and attaches the results to its outputs, which become constants;
 * n is marked dead and counted in g->nfolded. An op without an interpreter
 * function, or outputs over g->fold_max_bytes (except a Constant's), leave n to
 * run time (returns 0, n stays). Returns 0, or -1 after reporting to d. */
int fold_node(Graph *g, Node *n, Diag *d);
/* Gives back tensor ti's data (NULL from then on) if it is 1 MiB or more and
 * nothing can read it any more: no live node reads it, it is not a graph
 * input or output and no other tensor shares it. Folding does so with the
 * inputs of each node it folds, binarize with the weights it replaced. */
void release_unread(Graph *g, int ti);
/* The bytes of node n's largest output when that is over the folding limit
 * g->fold_max_bytes (--fold-max-mib; 0, the default: no limit) and n is not
 * a Constant, so that fold_node leaves n to run time; else 0. */
int64_t fold_too_large(Graph *g, const Node *n);
/* Whether every input node n has (omitted ones aside) is a constant. */
int node_inputs_const(Graph *g, const Node *n);
/* The pass `fold`: folds every live node whose inputs are all constant,
 * in topological order, until none is left (a fixed point); then removes
 * what became unused and sorts again. Returns 0 or -1. */
int pass_fold(Graph *g, Diag *d);
/* --report's lines on folding: "folded: N nodes (Op K, ...)" when any were,
 * then one "not folded: NODE: why" line per live node on constant inputs
 * only that stayed (no interpreter function, or over --fold-max-mib). */
void fold_report(Graph *g, StrBuf *b);

/* ---- opset.c ---- */

/* Every opset of the default domain onto the IR: a node of an op that its
 * opset does not have is an error; below opset 7 each node's old form is
 * rewritten into its opset-7 form and g->opset becomes 7 (g->opset_read
 * keeps the model's). Runs on a sorted graph before shape inference (the
 * shapes pass starts with it). Returns 0, or -1 after reporting to d. */
int opset_upgrade(Graph *g, Diag *d);
/* The definition of op in force at opset v (the ONNX spec's "since
 * version"), 0 when op does not exist at v, -1 when op is not in the table. */
int opset_definition(Op op, int64_t v);

/* ---- signs.c: signs through positive factors ---- */

/* Whether tensor t is provably > 0 / >= 0 in every element (finite
 * positive constants, Exp, Add of a non-negative and a positive, the op
 * table's OPF_NONNEG and OPF_SIGNKEEP properties; signs.c). */
int tensor_positive(Graph *g, int t);
int tensor_nonneg(Graph *g, int t);
/* The pass `signs`: Sign(x / d), Sign(x * d), Sign(d * x) with d provably
 * positive become Sign(x) (repeatedly), then dce. Returns 0 or -1. */
int pass_signs(Graph *g, Diag *d);

/* ---- canon.c ---- */

/* Canonicalizes a shaped, sorted graph (docs/passes.md): removes Identity and
 * inference Dropout, collapses chains of Reshape/Flatten into one Reshape and
 * drops those that keep the shape, turns Sub by a float constant into Add of
 * its negation and Div by a constant of exact powers of two into Mul by the
 * reciprocal (bit-identical results), removes dead nodes and sorts again
 * (pass_fold then folds what became constant). Graph outputs keep their tensors and names.
 * Returns 0, or -1 after reporting to d. */
int pass_canonicalize(Graph *g, Diag *d);
/* Marks dead every live node none of whose outputs reaches a graph output
 * (graph inputs stay) and sorts again when something died. Returns 0 or -1. */
int pass_dce(Graph *g, Diag *d);

/* ---- passman.c ---- */

/* What the pass manager does around the passes. Zeroed = just run them. */
typedef struct PassOptions {
  const char *print_after; /* --print-after=PASS: IR text after that pass (NULL: none) */
  int print_after_all;     /* --print-after-all: IR text after every pass */
  int time_passes;         /* --time-passes: a table of wall times at the end */
  int verify;              /* 1: graph_verify after every pass; 0: only in builds
                              without NDEBUG, or when XNORCC_VERIFY=1 */
  FILE *dump;              /* where IR text and timings go; NULL: stderr */
  int fuse;                /* 1: run the fuse pass, -1: skip it, 0: as XNORCC_FUSE
                              says (0 off, anything else on; unset: on) */
  int no_opt;              /* 1 (--no-opt): run only `shapes`, the graph as read
                              (shape inference and constant folding) */
  int shape_warn;          /* 1 (--allow-shape-mismatch): sets Graph.shape_warn, a
                              declared shape that disagrees is a warning */
  int64_t fold_max_bytes;  /* --fold-max-mib=N: sets Graph.fold_max_bytes to N MiB
                              (0: no folding limit) */
  int zero_plus1;          /* 1 (--zero-weights=plus1): sets Graph.zero_plus1, weights
                              exactly 0 among +-alpha binarize as +alpha */
  int exact_weights;       /* 1 (--exact-weights): sets Graph.exact_weights, weights a
                              few ulps off +-alpha stay float */
} PassOptions;

/* Old opset forms (opset_upgrade), shape inference and folding (infer_and_fold),
 * then topo_sort. Returns 0 or -1. */
int pass_shapes(Graph *g, Diag *d);
/* Index of the pass named name in the pipeline, or -1. */
int pass_lookup(const char *name);
/* The pass names in order, ", "-separated, e.g. "shapes, canonicalize, ...". */
const char *pass_names(void);
/* Runs every pass in order on g (loaded and topologically sorted) with the
 * options po (NULL: defaults): shapes, canonicalize, fold, signs, binarize, fuse, dce (only
 * shapes with po->no_opt). Stops at
 * the first pass that reports an error. An unknown po->print_after is the
 * error "unknown pass 'X' in --print-after; the passes are: ..." before any
 * pass runs; a verifier failure after a pass names that pass. Returns 0 or -1. */
int run_passes(Graph *g, const PassOptions *po, Diag *d);

#endif
