/* ops.h - every operator xnorcc knows, declared once.
 *
 * X(id, onnx_name, domain, min_in, max_in, min_out, max_out, flags)
 * expands into the Op enum, the op_info[] table (name, arity checks) and
 * wherever else a per-op list is needed. Domain "" is the default ONNX domain
 * (also spelled "ai.onnx"); "xnor" holds the binary layers.
 */
#ifndef XN_OPS_H
#define XN_OPS_H

/* flags */
#define OPF_LAYER 1 /* a compute layer with weights: listed by --report */
#define OPF_ELEMWISE 2 /* unary elementwise on floats */

#define XN_OPS(X)                                                         \
  X(Conv, "Conv", "", 2, 3, 1, 1, OPF_LAYER)                              \
  X(BatchNormalization, "BatchNormalization", "", 5, 5, 1, 5, 0)          \
  X(Relu, "Relu", "", 1, 1, 1, 1, OPF_ELEMWISE)                           \
  X(LeakyRelu, "LeakyRelu", "", 1, 1, 1, 1, OPF_ELEMWISE)                 \
  X(PRelu, "PRelu", "", 2, 2, 1, 1, 0)                                    \
  X(Clip, "Clip", "", 1, 3, 1, 1, 0)                                      \
  X(Sigmoid, "Sigmoid", "", 1, 1, 1, 1, OPF_ELEMWISE)                     \
  X(Tanh, "Tanh", "", 1, 1, 1, 1, OPF_ELEMWISE)                           \
  X(Abs, "Abs", "", 1, 1, 1, 1, OPF_ELEMWISE)                             \
  X(Sign, "Sign", "", 1, 1, 1, 1, OPF_ELEMWISE)                           \
  X(MaxPool, "MaxPool", "", 1, 1, 1, 2, 0)                                \
  X(AveragePool, "AveragePool", "", 1, 1, 1, 1, 0)                        \
  X(GlobalAveragePool, "GlobalAveragePool", "", 1, 1, 1, 1, 0)            \
  X(Gemm, "Gemm", "", 2, 3, 1, 1, OPF_LAYER)                              \
  X(MatMul, "MatMul", "", 2, 2, 1, 1, OPF_LAYER)                          \
  X(Flatten, "Flatten", "", 1, 1, 1, 1, 0)                                \
  X(Reshape, "Reshape", "", 1, 2, 1, 1, 0)                                \
  X(Transpose, "Transpose", "", 1, 1, 1, 1, 0)                            \
  X(Add, "Add", "", 2, 2, 1, 1, 0)                                        \
  X(Sub, "Sub", "", 2, 2, 1, 1, 0)                                        \
  X(Mul, "Mul", "", 2, 2, 1, 1, 0)                                        \
  X(Div, "Div", "", 2, 2, 1, 1, 0)                                        \
  X(ReduceMean, "ReduceMean", "", 1, 2, 1, 1, 0)                          \
  X(Pad, "Pad", "", 1, 3, 1, 1, 0)                                        \
  X(Concat, "Concat", "", 1, 1024, 1, 1, 0)                               \
  X(Softmax, "Softmax", "", 1, 1, 1, 1, 0)                                \
  X(Identity, "Identity", "", 1, 1, 1, 1, 0)                              \
  X(Dropout, "Dropout", "", 1, 3, 1, 2, 0)                                \
  X(Constant, "Constant", "", 0, 0, 1, 1, 0)                              \
  X(Shape, "Shape", "", 1, 1, 1, 1, 0)                                    \
  X(Gather, "Gather", "", 2, 2, 1, 1, 0)                                  \
  X(Unsqueeze, "Unsqueeze", "", 1, 2, 1, 1, 0)                            \
  X(Squeeze, "Squeeze", "", 1, 2, 1, 1, 0)                                \
  X(BinActiv, "BinActiv", "xnor", 1, 1, 1, 2, 0)                          \
  X(BinConv, "BinConv", "xnor", 2, 4, 1, 1, OPF_LAYER)                    \
  X(BinGemm, "BinGemm", "xnor", 2, 4, 1, 1, OPF_LAYER)                    \
  X(BinThreshold, "BinThreshold", "xnor", 3, 3, 1, 1, 0)                  \
  X(XnorBlock, "XnorBlock", "xnor", 3, 6, 1, 1, OPF_LAYER)                \
  X(XnorDense, "XnorDense", "xnor", 4, 4, 1, 1, OPF_LAYER)

typedef enum Op {
#define X(id, name, dom, mi, xi, mo, xo, fl) OP_##id,
  XN_OPS(X)
#undef X
  OP__COUNT /* number of ops; also "unknown op" */
} Op;

typedef struct OpInfo {
  const char *name;   /* operator name as in ONNX op_type */
  const char *domain; /* "" for the default ONNX domain */
  int min_in, max_in; /* accepted number of inputs (omitted optional ones count) */
  int min_out, max_out; /* accepted number of outputs */
  int flags;          /* OPF_* */
} OpInfo;

extern const OpInfo op_info[OP__COUNT];

/* The op named name in domain ("" or "ai.onnx" for ONNX), or OP__COUNT. */
Op op_lookup(const char *domain, const char *name);

#endif
