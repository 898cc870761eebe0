/* binary.h - the "xnor" domain: BinActiv, BinConv, BinGemm (XNOR-Net,
 * Rastegari et al., ECCV 2016). Semantics in docs/binary.md.
 *
 * binary_shape.c  checks and output types/shapes of the three ops
 * ../interp/binary.c  their reference semantics in plain float loops
 * binarize.c      the pass that rewrites exported XNOR/BWN patterns into them
 * report.c        --report: one line per layer (xnor, bwn or float, and why)
 */
#ifndef XN_BINARY_H
#define XN_BINARY_H

#include <stdio.h>

#include "../ir/ir.h"

/* ---- binary_shape.c ---- */

/* Checks node n (BinActiv, BinConv or BinGemm; inputs' shapes known) and sets
 * the dtype (F32) and shape of its outputs. Errors name the node and both
 * sides of a mismatch. Returns 0, or -1 after reporting to d. */
int infer_binary_node(Graph *g, Node *n, Diag *d);

/* ---- ../interp/binary.c ---- */

/* Evaluates BinActiv, BinConv or BinGemm node n with the calling convention of
 * interp_node(): in[i] is the float data of input i (NULL when omitted), out[i]
 * caller-allocated storage of output i (NULL when omitted). Shapes must have
 * been inferred. Returns 0, or -1 after reporting to d. */
int interp_binary_node(Graph *g, const Node *n, Diag *d, void *const *in, void **out);

/* ---- binarize.c ---- */

/* Rewrites what torch.onnx.export produces for XNOR-Net and BWN layers into
 * BinActiv/BinConv/BinGemm (run after infer_and_fold). The rewritten graph
 * computes the same function except that a Sign turned into BinActiv maps 0
 * to +1. New nodes keep the replaced node's name and loc; replaced nodes are
 * marked dead; the graph is topologically sorted again. Returns 0 or -1. */
int pass_binarize(Graph *g, Diag *d);

/* Why the live layer n (Conv, Gemm, MatMul) stayed float although it looks
 * binary (its input comes from a Sign), or why a BinConv/BinGemm fed by a kept
 * Sign is only a BWN layer; NULL when there is nothing to say. The text is in
 * the graph arena. */
const char *binarize_reason(Graph *g, const Node *n);

/* "xnor", "bwn" or "float": the kind of the live layer n. */
const char *binary_layer_kind(Graph *g, const Node *n);

/* ---- report.c ---- */

/* Appends the --report text to b: one line per live compute layer
 *   'NAME' OP KIND[: REASON]
 * then "weights: E bytes emitted, F bytes as float32 (R x smaller)". */
void report_text(Graph *g, StrBuf *b);
/* report_text() written to f. */
void report_print(Graph *g, FILE *f);

#endif
