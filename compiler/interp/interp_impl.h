/* interp_impl.h - private to the interpreter: one kernel per op family.
 *
 * interp_elem.c   elementwise ops, broadcasting, BatchNormalization, Softmax
 * interp_nn.c     Conv, pools, Gemm, MatMul, the Reduce* ops
 * interp_data.c   data movement: reshapes, Transpose, Pad, Concat, Gather,
 *                 Shape, Constant
 * binary.c        the xnor domain: BinActiv, BinConv, BinGemm (docs/binary.md)
 * fused.c         the fused ops: BinThreshold, XnorBlock, XnorDense (docs/fusion.md)
 *
 * Every kernel has the shape of interp_node(): it reads the node's input
 * tensors' shapes (already inferred and checked), the data in in[] and writes
 * out[]. It returns 0, or -1 after reporting a data-dependent error.
 */
#ifndef XN_INTERP_IMPL_H
#define XN_INTERP_IMPL_H

#include "interp.h"

/* The kernels of the op table (ops.h, column interp). */
XN_OPS(XN_INTERP_PROTO)

/* The shared loops of BinConv and XnorBlock (NCHW, window win, C input and M
 * output channels): the sum over the taps and channels of filter m's group of
 * Xp * sign(W) at output (oy, ox) of image in, in double, channel then kernel
 * row then column; Xp = pad_value pv outside the input, inside X itself, or
 * sign(X) when sign_x. */
double bin_conv_sum(const Window *win, const float *x, const float *w, int64_t in, int64_t m, int64_t oy,
                    int64_t ox, int64_t C, int64_t M, double pv, int sign_x);
/* K of Eq. 11 at (oy, ox) of image in: the window sum of A (N x 1 x H x W,
 * zero outside) over kh*kw, in double. */
double bin_k_window(const Window *win, const float *a, int64_t in, int64_t oy, int64_t ox);

/* Strides (in elements) of t's dims as seen from an output of rank orank and
 * extents odims under numpy broadcasting (right-aligned): 0 where t has extent
 * 1 or no dim at all. */
void bcast_strides(const Tensor *t, int orank, const int64_t *odims, int64_t *st);

/* Dense row-major strides of t. */
void dense_strides(int rank, const int64_t *dims, int64_t *st);

/* Product of dims[from..to). */
int64_t dims_prod(const int64_t *dims, int from, int to);

#endif
