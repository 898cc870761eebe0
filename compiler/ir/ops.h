/* ops.h - every operator xnorcc knows, declared once.
 *
 *   X(id, onnx_name, domain, min_in, max_in, min_out, max_out, flags, reads,
 *     shape, interp, emit, attrs)
 *
 * expands into the Op enum and the op_info[] table of OpDef rows (graph.c):
 * the op's name and domain ("" is the default ONNX domain, also spelled
 * "ai.onnx"; "xnor" holds the binary layers), arity, properties (OPF_*), which
 * inputs the generated code reads at run time (bit i: input i, when present;
 * the others become literals or are packed at compile time), and its
 * behaviour in each phase as a function named after the column:
 *   shape   shape_<shape>   (passes/shape_rules.c and friends): checks the
 *           inputs, sets the outputs' dtype and shape
 *   interp  interp_<interp> (interp/): the reference semantics, also used by
 *           constant folding
 *   emit    emit_<emit>     (backend/): the C backend's hooks for the op (an
 *           OpEmit, backend/plan.h: what the layer needs in the plan, its
 *           constant data, the body of its C function)
 *   attrs   the attributes the op reads and their kinds ("name:kind ...", kinds
 *           as attr_kind_name() spells them): the verifier (ir/verify.c)
 *           checks the kind of each one a node has
 * `none` in a column means the op has no behaviour in that phase: the phase
 * reports "not supported" naming the op (never a default). The prototypes
 * are generated from this table too (OP_PROTOTYPES), so adding an op is one
 * row here plus one function per phase where it has behaviour
 * (docs/architecture.md walks through it).
 */
#ifndef XN_OPS_H
#define XN_OPS_H

/* Properties (flags column). */
#define OPF_LAYER 1u     /* a compute layer with weights: listed by --report */
#define OPF_ELEMWISE 2u  /* unary elementwise on floats */
#define OPF_VIEW 4u      /* output 0 is input 0 under another shape: no code, an
                            alias of the input's buffer (a copy when it is a graph output) */
#define OPF_KEEPS 8u     /* output 0 holds values of input 0, moved or selected, not
                            computed: +-1 stays +-1 (sign-preserving) */
#define OPF_BINARY 16u   /* a binarized layer (xnor domain): its kind (xnor, bwn) is
                            decided by the binarize pass and kept in Node.kind */
#define OPF_BITS 32u     /* output 0 is +-1 bits (BinActiv, BinThreshold, XnorDense;
                            an XnorBlock when its attribute output is "bit") */
#define OPF_FUSED 64u    /* made by the fuse pass (attribute "fused" lists what it replaced) */
#define OPF_NONNEG 128u  /* output 0 is >= 0 (or NaN) whatever the input (passes/signs.c) */
#define OPF_SIGNKEEP 256u /* output 0 is > 0 where every float input is > 0, and >= 0 where
                            every one is >= 0 (sums, products, means, maxima, pools, views;
                            passes/signs.c: provably positive divisors) */
#define OPF_INTF 512u    /* its generated code computes ONNX's result on int64 and int32
                            tensors too, which generated code holds as floats (exact for
                            values below 2^24 in magnitude; docs/generated-code.md) */

/* Inputs read at run time (reads column). */
#define R0 1u            /* input 0 */
#define R01 3u           /* inputs 0, 1 */
#define R012 7u          /* inputs 0, 1, 2 */
#define R0to3 15u        /* inputs 0 to 3 */
#define R0to4 31u        /* inputs 0 to 4 */
#define RALL 0xffffffffu /* every input */
#define RNONE 0u

/* Attributes each op reads, with their kinds (the column attrs: "name:kind"
 * separated by spaces, kinds spelled as attr_kind_name() and the text IR
 * spell them). The verifier checks the kind of every listed attribute a node
 * has; attributes not listed are kept and ignored. */
#define XA_WINDOW "auto_pad:string dilations:ints kernel_shape:ints pads:ints strides:ints"
#define XA_CONV XA_WINDOW " group:int"
#define XA_POOL XA_WINDOW " ceil_mode:int"
#define XA_BINCONV XA_CONV " pad_value:int"
#define XA_XNORBLOCK                                                                                     \
  XA_BINCONV " output:string relu:int fused:string pool_kernel:ints pool_strides:ints pool_pads:ints " \
             "pool_dilations:ints"
#define XA_CONSTANT "value:tensor value_float:float value_floats:floats value_int:int value_ints:ints"

#define XN_OPS(X) \
  X(Conv, "Conv", "", 2, 3, 1, 1, OPF_LAYER, R012, conv, conv, conv, XA_CONV) \
  X(BatchNormalization, "BatchNormalization", "", 5, 5, 1, 5, 0, R0to4, batchnorm, batchnorm, batchnorm, "epsilon:float momentum:float training_mode:int spatial:int is_test:int") \
  X(Relu, "Relu", "", 1, 1, 1, 1, OPF_ELEMWISE | OPF_NONNEG | OPF_INTF, R0, unary_int, unary, relu, "") \
  X(LeakyRelu, "LeakyRelu", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, leakyrelu, "alpha:float") \
  X(PRelu, "PRelu", "", 2, 2, 1, 1, 0, R01, prelu, prelu, prelu, "") \
  X(Clip, "Clip", "", 1, 3, 1, 1, 0, R012, clip, clip, clip, "min:float max:float") \
  X(Sigmoid, "Sigmoid", "", 1, 1, 1, 1, OPF_ELEMWISE | OPF_NONNEG, R0, unary, unary, sigmoid, "") \
  X(Tanh, "Tanh", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, tanh, "") \
  X(HardSigmoid, "HardSigmoid", "", 1, 1, 1, 1, OPF_ELEMWISE | OPF_NONNEG, R0, unary, hardsigmoid, hardsigmoid, "alpha:float beta:float") \
  X(Abs, "Abs", "", 1, 1, 1, 1, OPF_ELEMWISE | OPF_NONNEG | OPF_INTF, R0, unary_int, unary, abs, "") \
  X(Sign, "Sign", "", 1, 1, 1, 1, OPF_ELEMWISE | OPF_INTF, R0, unary_int, unary, sign, "") \
  X(Neg, "Neg", "", 1, 1, 1, 1, OPF_ELEMWISE | OPF_INTF, R0, unary_int, unary, neg, "") \
  X(Sqrt, "Sqrt", "", 1, 1, 1, 1, OPF_ELEMWISE | OPF_SIGNKEEP, R0, unary, unary, sqrt, "") \
  X(Reciprocal, "Reciprocal", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, reciprocal, "") \
  X(Exp, "Exp", "", 1, 1, 1, 1, OPF_ELEMWISE | OPF_NONNEG, R0, unary, unary, exp, "") \
  X(Log, "Log", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, log, "") \
  X(Round, "Round", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, round, "") \
  X(Floor, "Floor", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, floor, "") \
  X(Ceil, "Ceil", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, ceil, "") \
  X(Sin, "Sin", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, sin, "") \
  X(Cos, "Cos", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, cos, "") \
  X(Tan, "Tan", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, tan, "") \
  X(Asin, "Asin", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, asin, "") \
  X(Acos, "Acos", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, acos, "") \
  X(Atan, "Atan", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, atan, "") \
  X(Sinh, "Sinh", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, sinh, "") \
  X(Cosh, "Cosh", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, cosh, "") \
  X(Asinh, "Asinh", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, asinh, "") \
  X(Acosh, "Acosh", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, acosh, "") \
  X(Atanh, "Atanh", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, atanh, "") \
  X(Erf, "Erf", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, erf, "") \
  X(Softplus, "Softplus", "", 1, 1, 1, 1, OPF_ELEMWISE | OPF_NONNEG, R0, unary, unary, softplus, "") \
  X(Softsign, "Softsign", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, softsign, "") \
  X(HardSwish, "HardSwish", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, hardswish, "") \
  X(Elu, "Elu", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, elu, "alpha:float") \
  X(Selu, "Selu", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, selu, "alpha:float gamma:float") \
  X(Celu, "Celu", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, celu, "alpha:float") \
  X(ThresholdedRelu, "ThresholdedRelu", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, thresholdedrelu, "alpha:float") \
  X(Shrink, "Shrink", "", 1, 1, 1, 1, OPF_ELEMWISE, R0, unary, unary, shrink, "bias:float lambd:float") \
  X(MaxPool, "MaxPool", "", 1, 1, 1, 2, OPF_KEEPS | OPF_SIGNKEEP, R0, pool, maxpool, pool, XA_POOL " storage_order:int") \
  X(AveragePool, "AveragePool", "", 1, 1, 1, 1, OPF_SIGNKEEP, R0, pool, avgpool, pool, XA_POOL " count_include_pad:int") \
  X(GlobalAveragePool, "GlobalAveragePool", "", 1, 1, 1, 1, OPF_SIGNKEEP, R0, globalavgpool, globalavgpool, global_avg, "") \
  X(Gemm, "Gemm", "", 2, 3, 1, 1, OPF_LAYER, R012, gemm, gemm, gemm, "alpha:float beta:float transA:int transB:int") \
  X(MatMul, "MatMul", "", 2, 2, 1, 1, OPF_LAYER, R01, matmul, matmul, matmul, "") \
  X(Flatten, "Flatten", "", 1, 1, 1, 1, OPF_VIEW | OPF_KEEPS | OPF_SIGNKEEP | OPF_INTF, R0, flatten, copy, copy, "axis:int") \
  X(Reshape, "Reshape", "", 1, 2, 1, 1, OPF_VIEW | OPF_KEEPS | OPF_SIGNKEEP | OPF_INTF, R0, reshape, copy, copy, "allowzero:int") \
  X(Transpose, "Transpose", "", 1, 1, 1, 1, OPF_KEEPS | OPF_SIGNKEEP | OPF_INTF, R0, transpose, transpose, transpose, "perm:ints") \
  X(Add, "Add", "", 2, 2, 1, 1, OPF_SIGNKEEP | OPF_INTF, R01, arith, arith, arith, "") \
  X(Sub, "Sub", "", 2, 2, 1, 1, OPF_INTF, R01, arith, arith, arith, "") \
  X(Mul, "Mul", "", 2, 2, 1, 1, OPF_SIGNKEEP | OPF_INTF, R01, arith, arith, arith, "") \
  X(Div, "Div", "", 2, 2, 1, 1, OPF_INTF, R01, arith, arith, arith, "") \
  X(Pow, "Pow", "", 2, 2, 1, 1, OPF_INTF, R01, pow, pow, arith, "") \
  X(Mod, "Mod", "", 2, 2, 1, 1, OPF_INTF, R01, arith, arith, arith, "fmod:int") \
  X(Max, "Max", "", 1, 1024, 1, 1, OPF_SIGNKEEP | OPF_INTF, RALL, arith, arith, arith, "") \
  X(Min, "Min", "", 1, 1024, 1, 1, OPF_SIGNKEEP | OPF_INTF, RALL, arith, arith, arith, "") \
  X(Sum, "Sum", "", 1, 1024, 1, 1, OPF_SIGNKEEP | OPF_INTF, RALL, arith, arith, arith, "") \
  X(Mean, "Mean", "", 1, 1024, 1, 1, OPF_SIGNKEEP, RALL, arith, arith, arith, "") \
  X(ReduceMean, "ReduceMean", "", 1, 2, 1, 1, OPF_SIGNKEEP, R0, reduce, reduce, reduce, "axes:ints keepdims:int noop_with_empty_axes:int") \
  X(ReduceSum, "ReduceSum", "", 1, 2, 1, 1, OPF_SIGNKEEP, R0, reduce, reduce, reduce, "axes:ints keepdims:int noop_with_empty_axes:int") \
  X(ReduceMax, "ReduceMax", "", 1, 2, 1, 1, OPF_SIGNKEEP, R0, reduce, reduce, reduce, "axes:ints keepdims:int noop_with_empty_axes:int") \
  X(ReduceMin, "ReduceMin", "", 1, 2, 1, 1, OPF_SIGNKEEP, R0, reduce, reduce, reduce, "axes:ints keepdims:int noop_with_empty_axes:int") \
  X(ReduceProd, "ReduceProd", "", 1, 2, 1, 1, OPF_SIGNKEEP, R0, reduce, reduce, reduce, "axes:ints keepdims:int noop_with_empty_axes:int") \
  X(ReduceL1, "ReduceL1", "", 1, 2, 1, 1, OPF_NONNEG, R0, reduce, reduce, reduce, "axes:ints keepdims:int noop_with_empty_axes:int") \
  X(ReduceL2, "ReduceL2", "", 1, 2, 1, 1, OPF_NONNEG, R0, reduce, reduce, reduce, "axes:ints keepdims:int noop_with_empty_axes:int") \
  X(ReduceSumSquare, "ReduceSumSquare", "", 1, 2, 1, 1, OPF_NONNEG, R0, reduce, reduce, reduce, "axes:ints keepdims:int noop_with_empty_axes:int") \
  X(ReduceLogSum, "ReduceLogSum", "", 1, 2, 1, 1, 0, R0, reduce, reduce, reduce, "axes:ints keepdims:int noop_with_empty_axes:int") \
  X(ReduceLogSumExp, "ReduceLogSumExp", "", 1, 2, 1, 1, 0, R0, reduce, reduce, reduce, "axes:ints keepdims:int noop_with_empty_axes:int") \
  X(Pad, "Pad", "", 1, 3, 1, 1, 0, R0, pad, pad, pad, "mode:string pads:ints value:float") \
  X(Concat, "Concat", "", 1, 1024, 1, 1, OPF_SIGNKEEP | OPF_INTF, RALL, concat, concat, concat, "axis:int") \
  X(Softmax, "Softmax", "", 1, 1, 1, 1, OPF_NONNEG, R0, softmax, softmax, softmax, "axis:int") \
  X(LogSoftmax, "LogSoftmax", "", 1, 1, 1, 1, 0, R0, softmax, softmax, softmax, "axis:int") \
  X(Identity, "Identity", "", 1, 1, 1, 1, OPF_VIEW | OPF_KEEPS | OPF_SIGNKEEP | OPF_INTF, R0, identity, copy, copy, "") \
  X(Dropout, "Dropout", "", 1, 3, 1, 2, OPF_VIEW | OPF_KEEPS | OPF_SIGNKEEP | OPF_INTF, R0, dropout, dropout, copy, "ratio:float seed:int is_test:int") \
  X(Constant, "Constant", "", 0, 0, 1, 1, 0, RNONE, constant, constant, none, XA_CONSTANT) \
  X(Shape, "Shape", "", 1, 1, 1, 1, 0, RNONE, shape, shape, none, "start:int end:int") \
  X(Gather, "Gather", "", 2, 2, 1, 1, OPF_SIGNKEEP | OPF_INTF, R01, gather, gather, gather, "axis:int") \
  X(Unsqueeze, "Unsqueeze", "", 1, 2, 1, 1, OPF_VIEW | OPF_KEEPS | OPF_SIGNKEEP | OPF_INTF, R0, unsqueeze, copy, copy, "axes:ints") \
  X(Squeeze, "Squeeze", "", 1, 2, 1, 1, OPF_VIEW | OPF_KEEPS | OPF_SIGNKEEP | OPF_INTF, R0, squeeze, copy, copy, "axes:ints") \
  X(Cast, "Cast", "", 1, 1, 1, 1, OPF_INTF, R0, cast, cast, cast, "to:int saturate:int") \
  X(Less, "Less", "", 2, 2, 1, 1, OPF_INTF, R01, compare, compare, compare, "") \
  X(LessOrEqual, "LessOrEqual", "", 2, 2, 1, 1, OPF_INTF, R01, compare, compare, compare, "") \
  X(Greater, "Greater", "", 2, 2, 1, 1, OPF_INTF, R01, compare, compare, compare, "") \
  X(GreaterOrEqual, "GreaterOrEqual", "", 2, 2, 1, 1, OPF_INTF, R01, compare, compare, compare, "") \
  X(Equal, "Equal", "", 2, 2, 1, 1, OPF_INTF, R01, compare, compare, compare, "") \
  X(And, "And", "", 2, 2, 1, 1, OPF_INTF, R01, logic, logic, logic, "") \
  X(Or, "Or", "", 2, 2, 1, 1, OPF_INTF, R01, logic, logic, logic, "") \
  X(Xor, "Xor", "", 2, 2, 1, 1, OPF_INTF, R01, logic, logic, logic, "") \
  X(Not, "Not", "", 1, 1, 1, 1, OPF_INTF, R0, not, not, not, "") \
  X(Where, "Where", "", 3, 3, 1, 1, OPF_INTF, R012, where, where, where, "") \
  X(ArgMax, "ArgMax", "", 1, 1, 1, 1, OPF_INTF, R0, argmax, argmax, argmax, "axis:int keepdims:int select_last_index:int") \
  X(ArgMin, "ArgMin", "", 1, 1, 1, 1, OPF_INTF, R0, argmax, argmax, argmax, "axis:int keepdims:int select_last_index:int") \
  X(Expand, "Expand", "", 2, 2, 1, 1, OPF_KEEPS | OPF_SIGNKEEP | OPF_INTF, R0, expand, expand, expand, "") \
  X(ConstantOfShape, "ConstantOfShape", "", 1, 1, 1, 1, 0, RNONE, constantofshape, constantofshape, none, "value:tensor") \
  X(Range, "Range", "", 3, 3, 1, 1, 0, RNONE, range, range, none, "") \
  X(Slice, "Slice", "", 1, 5, 1, 1, OPF_KEEPS | OPF_SIGNKEEP | OPF_INTF, R0, slice, slice, slice, "starts:ints ends:ints axes:ints") \
  X(Tile, "Tile", "", 2, 2, 1, 1, OPF_KEEPS | OPF_SIGNKEEP | OPF_INTF, R0, tile, tile, tile, "") \
  X(Split, "Split", "", 1, 2, 1, 1024, OPF_INTF, R0, split, split, split, "axis:int split:ints num_outputs:int") \
  X(Size, "Size", "", 1, 1, 1, 1, 0, RNONE, size, size, none, "") \
  X(BinActiv, "BinActiv", "xnor", 1, 1, 1, 2, OPF_BITS, R0, binactiv, binactiv, binactiv, "") \
  X(BinConv, "BinConv", "xnor", 2, 4, 1, 1, OPF_LAYER | OPF_BINARY, R0to3, binconv, binconv, binconv, XA_BINCONV) \
  X(BinGemm, "BinGemm", "xnor", 2, 4, 1, 1, OPF_LAYER | OPF_BINARY, R0to3, bingemm, bingemm, bingemm, "") \
  X(BinThreshold, "BinThreshold", "xnor", 3, 3, 1, 1, OPF_BITS | OPF_FUSED, R0, binthreshold, binthreshold, binthreshold, "fused:string") \
  X(XnorBlock, "XnorBlock", "xnor", 3, 6, 1, 1, OPF_LAYER | OPF_BINARY | OPF_FUSED, R0 | 16u, xnorblock, xnorblock, xnorblock, XA_XNORBLOCK) \
  X(XnorDense, "XnorDense", "xnor", 4, 4, 1, 1, OPF_LAYER | OPF_BINARY | OPF_BITS | OPF_FUSED, R0, xnordense, xnordense, xnordense, "fused:string")

typedef enum Op {
#define X(id, name, dom, mi, xi, mo, xo, fl, rd, sh, ip, em, at) OP_##id,
  XN_OPS(X)
#undef X
  OP__COUNT /* number of ops; also "unknown op" */
} Op;

struct Graph;
struct Node;
struct Diag;
struct Infer;
struct OpEmit; /* the C backend's hooks of one op (backend/plan.h) */

/* Shape rule: checks node n's inputs (shapes known) and sets its outputs'
 * dtypes and shapes. Returns 0, or -1 after reporting to the context's Diag. */
typedef int ShapeFn(struct Infer *c, struct Node *n);
/* Interpreter: in[i] is the data of input i (NULL when omitted), out[i]
 * caller-allocated storage of output i; see interp_node(). Returns 0 or -1. */
typedef int InterpFn(struct Graph *g, const struct Node *n, struct Diag *d, void *const *in, void **out);

typedef struct OpDef {
  const char *name;     /* operator name as in ONNX op_type */
  const char *domain;   /* "" for the default ONNX domain */
  int min_in, max_in;   /* accepted number of inputs (omitted optional ones count) */
  int min_out, max_out; /* accepted number of outputs */
  unsigned flags;       /* OPF_* */
  unsigned reads;       /* bit i (i < 31; bit 31: every later input): input i is read at run time */
  ShapeFn *shape;       /* shape rule (NULL: none) */
  InterpFn *interp;     /* reference semantics and folding (NULL: none) */
  const struct OpEmit *emit; /* C backend hooks (NULL: the C backend does not support the op) */
  const char *attrs;    /* the attributes it reads, "name:kind ..." (XA_* above) */
} OpDef;

extern const OpDef op_info[OP__COUNT];

/* Prototypes of one phase's column: XN_OPS(XN_SHAPE_PROTO) declares every
 * shape_<name> (and shape_none, which is never defined: the table maps it to
 * NULL). */
#define XN_SHAPE_PROTO(id, name, dom, mi, xi, mo, xo, fl, rd, sh, ip, em, at) ShapeFn shape_##sh;
#define XN_INTERP_PROTO(id, name, dom, mi, xi, mo, xo, fl, rd, sh, ip, em, at) InterpFn interp_##ip;
#define XN_EMIT_PROTO(id, name, dom, mi, xi, mo, xo, fl, rd, sh, ip, em, at) extern const struct OpEmit emit_##em;

/* The op named name in domain ("" or "ai.onnx" for ONNX), or OP__COUNT. */
Op op_lookup(const char *domain, const char *name);

/* Whether op has property f (OPF_*); false for OP__COUNT. */
int op_has(Op op, unsigned f);
/* A fused binarized layer (XnorBlock, XnorDense): OPF_BINARY and OPF_FUSED. */
int op_is_fused_layer(Op op);

#endif
