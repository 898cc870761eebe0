/* binary.h - the "xnor" domain: BinActiv, BinConv, BinGemm (XNOR-Net,
 * Rastegari et al., ECCV 2016). Semantics in docs/binary.md.
 *
 * binary_shape.c  shape rules of the three ops (shape_binactiv...)
 * binarize.c      the pass that rewrites exported XNOR/BWN patterns into them
 * report.c        --report: one line per layer (xnor, bwn or float, and why)
 * fuse_shape.c    shape rules of the fused ops BinThreshold, XnorBlock, XnorDense
 * fuse.c          the pass that fuses BatchNorm/sign/conv/pool chains into them
 *                 (docs/fusion.md)
 * Their reference semantics are in ../interp/binary.c and fused.c, their C in
 * ../backend/, the window of an XnorBlock's pool in ../ir/params.c; nothing
 * outside passes/ includes this header for xnor-domain definitions.
 */
#ifndef XN_BINARY_H
#define XN_BINARY_H

#include <stdio.h>

#include "../ir/ir.h"

/* ---- binarize.c ---- */

/* Rewrites what torch.onnx.export produces for XNOR-Net and BWN layers into
 * BinActiv/BinConv/BinGemm (run after infer_and_fold). The rewritten graph
 * computes the same function except that a Sign turned into BinActiv maps 0
 * to +1. New nodes keep the replaced node's name and loc; replaced nodes are
 * marked dead; the graph is topologically sorted again. Returns 0 or -1. */
int pass_binarize(Graph *g, Diag *d);

/* Sets Node.kind of every live binarized layer (OPF_BINARY): LK_XNOR when its
 * input X is +-1 (a BinActiv's Y or a bit-output fused op, maybe through ops
 * that keep values; fused blocks always), LK_BWN otherwise. pass_binarize and
 * pass_fuse call it when they are done, so that later phases read the kind
 * instead of deriving it. */
void set_layer_kinds(Graph *g);

/* Why the live layer n (Conv, Gemm, MatMul) stayed float although it looks
 * binary (its input comes from a Sign), or why a BinConv/BinGemm fed by a kept
 * Sign is only a BWN layer; NULL when there is nothing to say. The text is in
 * the graph arena. */
const char *binarize_reason(Graph *g, const Node *n);


/* ---- fuse_shape.c ---- */


/* ---- fuse.c ---- */

/* Fuses, on a shaped graph after pass_binarize (docs/fusion.md):
 *   per-channel float chain (BatchNormalization, Mul/Add by a per-channel
 *   constant, Relu) -> BinActiv            -> BinThreshold (per-channel thresholds)
 *   BinConv on a binary input -> chain [-> MaxPool] [-> chain] -> BinActiv [-> MaxPool]
 *                                          -> XnorBlock with integer thresholds (bit output)
 *   BinConv [-> Relu] [-> MaxPool]         -> XnorBlock with float output
 * Thresholds are found by evaluating the replaced float operations exactly
 * as the interpreter does (binary search over ordered floats / integers), so
 * every binary tensor stays bit-identical. A chain with a NaN or infinite
 * parameter is left alone. Returns 0 or -1. */
int pass_fuse(Graph *g, Diag *d);

/* The "fused" attribute of a BinThreshold/XnorBlock (the ops it replaced,
 * comma-separated), or NULL. */
const char *fused_ops(const Node *n);

/* ---- report.c ---- */

/* Appends the --report text to b: one line per live compute layer
 *   'NAME' OP KIND[: REASON]
 * then "weights: E bytes emitted, F bytes as float32 (R x smaller)". */
void report_text(Graph *g, StrBuf *b);
/* report_text() written to f. */
void report_print(Graph *g, FILE *f);

#endif
