/* interp.h - the reference interpreter: plain loops, written to be obviously
 * right. It is the reference for every test and computes constant folding.
 *
 * interp.c   per-op evaluation and whole-graph runs
 */
#ifndef XN_INTERP_H
#define XN_INTERP_H

#include "../ir/ir.h"

/* Evaluates node n of g. in[i] points at the data of input i (float or
 * int64_t per the tensor's dtype; NULL for an omitted input), laid out densely
 * in the tensor's shape; out[i] points at caller-allocated storage for output i
 * (NULL for omitted outputs). All shapes must be known. Returns 0, or -1 after
 * reporting to d (e.g. an index out of range in Gather). */
int interp_node(Graph *g, const Node *n, Diag *d, void *const *in, void **out);
/* 1 if op's interpreter function may be given out[0] == in[0] (when they
 * have the same type and shape and no other input is that data): it reads
 * x0[i] only before it writes y[i]. Folding computes over dead inputs so. */
int interp_in_place_ok(Op op);

/* Runs the whole graph (shapes inferred, topologically sorted) on float32
 * graph inputs: inputs[i] is the data of graph input i, outputs[i] receives
 * graph output i as floats (an integer or bool output converted), both sized
 * by tensor_numel. Intermediates live in the graph arena. Returns 0, or -1
 * after reporting (also for a graph input that is not float32). */
int interp_run(Graph *g, Diag *d, const float *const *inputs, float **outputs);
/* The same on buffers in each tensor's own storage (Tensor.data's: float for
 * float32, int64_t for int64, int32 and bool), any input type, calling
 * after(ctx, g, ni, out) once node ni has run (out[j]: its output j's data,
 * NULL when omitted; after may be NULL), e.g. to dump every intermediate
 * tensor (`xnorcc run --dump`). after returns 0, or -1 to stop the run (it
 * reported to d). */
typedef int InterpAfterFn(void *ctx, Graph *g, int ni, void *const *out);
int interp_run_with(Graph *g, Diag *d, const void *const *inputs, void **outputs, InterpAfterFn *after, void *ctx);

/* One value of BatchNormalization (inference) as interp_batchnorm computes
 * it: (x - mean) / den * scale + bias, den = sqrtf(var + epsilon). The fuse
 * pass evaluates BN through this same function, so that its thresholds see
 * exactly the interpreter's arithmetic (whatever the compiler contracts). */
float interp_bn_value(float x, float mean, float den, float scale, float bias);

#endif
