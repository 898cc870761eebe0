/* opset.c - every opset of the default domain, 1 to OPSET_NEWEST, onto the
 * IR (docs/opsets.md).
 *
 * The rest of the compiler reads ONNX's forms from opset 7 on, branching on
 * g->opset where an op's attributes moved to inputs (Clip 11, Pad 11, Squeeze
 * and Unsqueeze 13, ReduceSum 13, the other Reduce ops 18, Softmax 13 ...).
 * Older forms are mapped here, in one place, before shape inference:
 *
 * - each op's definitions are listed by the opset that introduced them (the
 *   ONNX spec's "since version"); a node of an op that does not exist in the
 *   model's opset is an error naming node, op and opset;
 * - for a model below opset 7, each node's form is rewritten into its opset-7
 *   form (below), and g->opset becomes 7 (g->opset_read keeps the model's);
 *   an op whose old form differs in a way not mapped here is an error naming
 *   node, op, opset and the definition.
 *
 * Old forms and what they become:
 *   consumed_inputs (opset 1)      a legacy hint: ignored
 *   Add/Sub/Mul/Div-1,6, Pow-1     broadcast=1 with axis: B lines up with A's
 *                                  dims from axis, so B gets trailing 1-dims
 *                                  (a reshaped constant, or a Reshape node);
 *                                  without axis it is numpy's suffix rule
 *   PRelu-1,6                      a 1-D slope of A's channel count is per
 *                                  channel: reshaped to (C, 1, ...)
 *   BatchNormalization-1,6,        is_test=1 (inference) only; spatial and
 *   Dropout-1,6                    ratio as in opset 7
 *   Reshape-1                      attribute shape -> constant input 1
 *   Pad-1                          attribute paddings -> pads
 *   Concat-1                       axis defaults to 1
 *   Selu-1                         its own defaults, alpha 1.6732, gamma 1.0507
 *   Less/Greater/Equal/And/Or/Xor-1  broadcast=1 with axis, as Add-1
 *   Cast-1                         'to' a type name ("FLOAT") -> its TensorProto
 *                                  number (the verifier lets the string through
 *                                  below opset 6)
 *   Tile-1                         inputs (input, tiles, axis), tiles and axis
 *                                  constant scalars -> repeats, 1 on every other
 *                                  axis (a constant input 1)
 *   Split-1                        the split sizes as a constant input 1 -> the
 *                                  attribute 'split' (Split-2's form)
 * Every other op's opset 1 and 6 definitions compute what its opset-7 form
 * computes (they differ in attributes the compiler ignores or in types).
 *
 * Ranks: the broadcast and PRelu mappings need the ranks of their inputs.
 * Nodes are visited in topological order and each one's shape rule runs on
 * its mapped form (errors discarded), so the ranks of earlier tensors are
 * known; those shapes are dropped again afterwards for shape inference to
 * compute them for real.
 */
#include <string.h>

#include "passes.h"

#define OPSET_NEWEST XN_OPSET_NEWEST
#define NVERS 12

typedef struct OpVersions {
  Op op;
  unsigned char since[NVERS]; /* the opsets that (re)defined it, ascending, 0-terminated */
} OpVersions;

/* From the ONNX operator list (docs/Operators.md, "Since version"). */
static const OpVersions versions[] = {
    {OP_Conv, {1, 11, 22}},
    {OP_BatchNormalization, {1, 6, 7, 9, 14, 15}},
    {OP_Relu, {1, 6, 13, 14}},
    {OP_LeakyRelu, {1, 6, 16}},
    {OP_PRelu, {1, 6, 7, 9, 16}},
    {OP_Clip, {1, 6, 11, 12, 13}},
    {OP_Sigmoid, {1, 6, 13}},
    {OP_Tanh, {1, 6, 13}},
    {OP_HardSigmoid, {1, 6, 22}},
    {OP_Abs, {1, 6, 13}},
    {OP_Sign, {9, 13}},
    {OP_Neg, {1, 6, 13}},
    {OP_Sqrt, {1, 6, 13}},
    {OP_Reciprocal, {1, 6, 13}},
    {OP_Exp, {1, 6, 13}},
    {OP_Log, {1, 6, 13}},
    {OP_Round, {11, 22}},
    {OP_Floor, {1, 6, 13}},
    {OP_Ceil, {1, 6, 13}},
    {OP_Sin, {7, 22}},
    {OP_Cos, {7, 22}},
    {OP_Tan, {7, 22}},
    {OP_Asin, {7, 22}},
    {OP_Acos, {7, 22}},
    {OP_Atan, {7, 22}},
    {OP_Sinh, {9, 22}},
    {OP_Cosh, {9, 22}},
    {OP_Asinh, {9, 22}},
    {OP_Acosh, {9, 22}},
    {OP_Atanh, {9, 22}},
    {OP_Erf, {9, 13}},
    {OP_Softplus, {1, 22}},
    {OP_Softsign, {1, 22}},
    {OP_HardSwish, {14, 22}},
    {OP_Elu, {1, 6, 22}},
    {OP_Selu, {1, 6, 22}},
    {OP_Celu, {12}},
    {OP_ThresholdedRelu, {10, 22}},
    {OP_Shrink, {9}},
    {OP_MaxPool, {1, 8, 10, 11, 12, 22}},
    {OP_AveragePool, {1, 7, 10, 11, 19, 22}},
    {OP_GlobalAveragePool, {1, 22}},
    {OP_Gemm, {1, 6, 7, 9, 11, 13}},
    {OP_MatMul, {1, 9, 13}},
    {OP_Flatten, {1, 9, 11, 13, 21, 23, 24, 25}},
    {OP_Reshape, {1, 5, 13, 14, 19, 21, 23, 24, 25}},
    {OP_Transpose, {1, 13, 21, 23, 24, 25}},
    {OP_Add, {1, 6, 7, 13, 14}},
    {OP_Sub, {1, 6, 7, 13, 14}},
    {OP_Mul, {1, 6, 7, 13, 14}},
    {OP_Div, {1, 6, 7, 13, 14}},
    {OP_Pow, {1, 7, 12, 13, 15}},
    {OP_Mod, {10, 13}},
    {OP_Max, {1, 6, 8, 12, 13}},
    {OP_Min, {1, 6, 8, 12, 13}},
    {OP_Sum, {1, 6, 8, 13}},
    {OP_Mean, {1, 6, 8, 13}},
    {OP_ReduceMean, {1, 11, 13, 18}},
    {OP_ReduceSum, {1, 11, 13}},
    {OP_ReduceMax, {1, 11, 12, 13, 18, 20}},
    {OP_ReduceMin, {1, 11, 12, 13, 18, 20}},
    {OP_ReduceProd, {1, 11, 13, 18}},
    {OP_ReduceL1, {1, 11, 13, 18}},
    {OP_ReduceL2, {1, 11, 13, 18}},
    {OP_ReduceSumSquare, {1, 11, 13, 18}},
    {OP_ReduceLogSum, {1, 11, 13, 18}},
    {OP_ReduceLogSumExp, {1, 11, 13, 18}},
    {OP_Pad, {1, 2, 11, 13, 18, 19, 21, 23, 24, 25}},
    {OP_Concat, {1, 4, 11, 13}},
    {OP_Softmax, {1, 11, 13}},
    {OP_LogSoftmax, {1, 11, 13}},
    {OP_Identity, {1, 13, 14, 16, 19, 21, 23, 24, 25}},
    {OP_Dropout, {1, 6, 7, 10, 12, 13, 22}},
    {OP_Constant, {1, 9, 11, 12, 13, 19, 21, 23, 24, 25}},
    {OP_Shape, {1, 13, 15, 19, 21, 23, 24, 25}},
    {OP_Gather, {1, 11, 13}},
    {OP_Unsqueeze, {1, 11, 13, 21, 23, 24, 25}},
    {OP_Squeeze, {1, 11, 13, 21, 23, 24, 25}},
    {OP_Cast, {1, 6, 9, 13, 19, 21, 23, 24, 25}},
    {OP_Less, {1, 7, 9, 13}},
    {OP_LessOrEqual, {12, 16}},
    {OP_Greater, {1, 7, 9, 13}},
    {OP_GreaterOrEqual, {12, 16}},
    {OP_Equal, {1, 7, 11, 13, 19}},
    {OP_And, {1, 7}},
    {OP_Or, {1, 7}},
    {OP_Xor, {1, 7}},
    {OP_Not, {1}},
    {OP_Where, {9, 16}},
    {OP_ArgMax, {1, 11, 12, 13}},
    {OP_ArgMin, {1, 11, 12, 13}},
    {OP_Expand, {8, 13}},
    {OP_ConstantOfShape, {9, 20, 21, 23, 24, 25}},
    {OP_Range, {11}},
    {OP_Slice, {1, 10, 11, 13}},
    {OP_Tile, {1, 6, 13}},
    {OP_Split, {1, 2, 11, 13, 18}},
    {OP_Size, {1, 13, 19, 21, 23, 24, 25}},
};
#define NVERSIONS ((int)(sizeof versions / sizeof versions[0]))

static const OpVersions *op_versions(Op op) {
  for (int i = 0; i < NVERSIONS; i++)
    if (versions[i].op == op)
      return &versions[i];
  return NULL;
}

/* The definition of op in force at opset v (its "since version"), 0 when op
 * does not exist at v, -1 when the table does not know op. */
int opset_definition(Op op, int64_t v) {
  const OpVersions *ov = op_versions(op);
  if (!ov)
    return -1;
  int def = 0;
  for (int k = 0; k < NVERS && ov->since[k]; k++)
    if (ov->since[k] <= v)
      def = ov->since[k];
  return def;
}

/* ---- the mapping of opset 1..6 forms ---- */

typedef struct Up {
  Graph *g;
  Diag *d;
  int64_t opset; /* the model's */
} Up;

static int rank_of(Up *u, int t) { return t >= 0 ? u->g->t[t].rank : -1; }

/* Reshapes tensor t to dims[0..rank): a new constant sharing t's data when t
 * is a constant (an initializer), else a Reshape node before ni. Returns the
 * new tensor's index. */
static int reshaped(Up *u, int ni, int t, int rank, const int64_t *dims) {
  Graph *g = u->g;
  Tensor *x = &g->t[t];
  const char *loc = g->n[ni].loc;
  if (tensor_is_const(x))
    return graph_new_const(g, x->name, ".opset7", x->loc, x->dtype, rank, dims, x->data);
  int64_t rk = rank;
  int64_t *sd = arena_array(g->arena, (size_t)rank + 1, sizeof *sd);
  if (rank > 0)
    memcpy(sd, dims, (size_t)rank * sizeof *sd);
  int s = graph_new_const(g, x->name, ".opset7_shape", loc, DT_I64, 1, &rk, sd);
  int y = graph_add_tensor(g, graph_fresh_name(g, arena_printf(g->arena, "%s.opset7", x->name)), loc);
  int in[2] = {t, s};
  int r = graph_add_node_io(g, OP_Reshape, graph_fresh_name(g, arena_printf(g->arena, "%s.opset7", x->name)), loc,
                            2, in, 1, &y);
  Diag scratch;
  diag_init(&scratch, "");
  shape_node(g, &g->n[r], &scratch);
  diag_free(&scratch);
  return y;
}

/* Add, Sub, Mul, Div (opset 1 and 6), Pow (1): with broadcast=1 and an axis,
 * B's dims line up with A's from axis on. */
static int map_broadcast(Up *u, int ni) {
  Graph *g = u->g;
  Node *n = &g->n[ni];
  const Attr *ax = node_attr(n, "axis");
  if (!attr_int(n, "broadcast", 0) || !ax || n->nin != 2 || n->in[0] < 0 || n->in[1] < 0)
    return 0; /* equal shapes, or numpy's suffix rule */
  int ra = rank_of(u, n->in[0]), rb = rank_of(u, n->in[1]);
  if (ra < 0 || rb < 0) {
    node_error(u->d, g, n,
               "opset %lld: broadcast with axis=%lld needs the ranks of both inputs, which are not known before "
               "shape inference here (%s '%s' is computed)",
               (long long)u->opset, (long long)ax->i, ra < 0 ? "input A" : "input B",
               g->t[n->in[ra < 0 ? 0 : 1]].name);
    return -1;
  }
  int64_t axis = ax->kind == AT_INT ? ax->i : -1;
  if (axis < 0 && ax->kind == AT_INT)
    axis += ra;
  if (ax->kind != AT_INT || axis < 0 || axis + rb > ra) {
    node_error(u->d, g, n, "opset %lld: broadcast axis %lld does not fit input B of rank %d into input A of rank %d",
               (long long)u->opset, (long long)(ax->kind == AT_INT ? ax->i : 0), rb, ra);
    return -1;
  }
  if (axis + rb == ra)
    return 0;
  int64_t dims[XN_MAX_RANK];
  const Tensor *b = &g->t[n->in[1]];
  for (int i = 0; i < rb; i++)
    dims[i] = b->dims[i];
  for (int i = rb; i < ra - (int)axis; i++)
    dims[i] = 1;
  int y = reshaped(u, ni, n->in[1], ra - (int)axis, dims);
  g->n[ni].in[1] = y;
  graph_changed(g);
  return 0;
}

/* PRelu (opset 1 and 6): a slope of one element is shared, a 1-D slope of
 * the input's channel count (dim 1) is per channel. */
static int map_prelu(Up *u, int ni) {
  Graph *g = u->g;
  Node *n = &g->n[ni];
  if (n->nin != 2 || n->in[0] < 0 || n->in[1] < 0)
    return 0;
  const Tensor *x = &g->t[n->in[0]], *s = &g->t[n->in[1]];
  if (s->rank < 0 || x->rank < 0) {
    node_error(u->d, g, n, "opset %lld: the slope's broadcasting needs the ranks of X and slope, which are not known "
               "before shape inference here", (long long)u->opset);
    return -1;
  }
  if (s->rank != 1 || s->dims[0] == 1 || x->rank < 3 || s->dims[0] != x->dims[1])
    return 0; /* one slope, or numpy's suffix rule says the same */
  int64_t dims[XN_MAX_RANK];
  dims[0] = s->dims[0];
  for (int i = 1; i < x->rank - 1; i++)
    dims[i] = 1;
  int y = reshaped(u, ni, n->in[1], x->rank - 1, dims);
  g->n[ni].in[1] = y;
  graph_changed(g);
  return 0;
}

/* BatchNormalization and Dropout (opset 1 and 6): is_test=0 (the default) is
 * training mode: batch statistics, random masks. */
static int map_is_test(Up *u, int ni) {
  Node *n = &u->g->n[ni];
  if (attr_int(n, "is_test", 0) == 0) {
    node_error(u->d, u->g, n, "opset %lld: is_test=0 is training mode (%s); only is_test=1 (inference) is supported",
               (long long)u->opset, n->op == OP_Dropout ? "random masks" : "batch statistics");
    return -1;
  }
  return 0;
}

/* Reshape-1: the target shape is the attribute 'shape'. */
static int map_reshape(Up *u, int ni) {
  Graph *g = u->g;
  Node *n = &g->n[ni];
  if (n->nin >= 2 && n->in[1] >= 0)
    return 0;
  const int64_t *v;
  int cnt = attr_ints(n, "shape", &v);
  if (cnt < 0) {
    node_error(u->d, g, n, "opset %lld: Reshape-1 needs the attribute 'shape' (ints)", (long long)u->opset);
    return -1;
  }
  int64_t c = cnt;
  int64_t *data = arena_array(g->arena, (size_t)cnt + 1, sizeof *data);
  if (cnt > 0) /* an empty "shape" (a scalar) may come with no array at all */
    memcpy(data, v, (size_t)cnt * sizeof *data);
  const char *base = n->nout > 0 && n->out[0] >= 0 ? g->t[n->out[0]].name : "reshape";
  int s = graph_new_const(g, base, ".shape", n->loc, DT_I64, 1, &c, data);
  n = &g->n[ni];
  int *in = arena_array(g->arena, 2, sizeof *in);
  in[0] = n->nin > 0 ? n->in[0] : -1;
  in[1] = s;
  n->in = in;
  n->nin = 2;
  graph_changed(g);
  return 0;
}

/* The value of scalar constant input k of node n (what names it), or -1
 * after reporting. */
static int const_scalar(Up *u, const Node *n, int k, const char *what, int64_t *v) {
  const Tensor *t = node_in(u->g, n, k);
  if (!t || !tensor_is_const(t) || dtype_is_float(t->dtype) || tensor_numel(t) != 1) {
    node_error(u->d, u->g, n, "opset %lld: %s (input %d) must be a constant integer scalar", (long long)u->opset,
               what, k);
    return -1;
  }
  *v = ((const int64_t *)t->data)[0];
  return 0;
}

/* Tile-1: input, tiles (how many copies), axis (along which) -> Tile-6's
 * repeats, tiles at axis and 1 elsewhere. */
static int map_tile(Up *u, int ni) {
  Graph *g = u->g;
  Node *n = &g->n[ni];
  int64_t tiles, axis;
  if (n->nin != 3) {
    node_error(u->d, g, n, "opset %lld: Tile-1 takes 3 inputs (input, tiles, axis), not %d", (long long)u->opset,
               n->nin);
    return -1;
  }
  if (const_scalar(u, n, 1, "tiles", &tiles) || const_scalar(u, n, 2, "axis", &axis))
    return -1;
  int r = rank_of(u, n->in[0]);
  if (r < 0) {
    node_error(u->d, g, n, "opset %lld: Tile-1 needs the rank of its input, which is not known before shape "
               "inference here", (long long)u->opset);
    return -1;
  }
  if (axis < 0 || axis >= r) {
    node_error(u->d, g, n, "opset %lld: Tile-1's axis %lld is out of range for input '%s' of rank %d",
               (long long)u->opset, (long long)axis, g->t[n->in[0]].name, r);
    return -1;
  }
  int64_t rk = r;
  int64_t *reps = arena_array(g->arena, (size_t)r + 1, sizeof *reps);
  for (int i = 0; i < r; i++)
    reps[i] = i == axis ? tiles : 1;
  const char *base = n->nout > 0 && n->out[0] >= 0 ? g->t[n->out[0]].name : "tile";
  int s = graph_new_const(g, base, ".repeats", n->loc, DT_I64, 1, &rk, reps);
  n = &g->n[ni];
  n->in[1] = s;
  n->nin = 2;
  graph_changed(g);
  return 0;
}

/* Cast-1: 'to' names the type ("FLOAT"); Cast-6 on give its number. */
static int map_cast(Up *u, int ni) {
  static const char *const names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64",
                                      "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
                                      "COMPLEX128", "BFLOAT16"};
  Graph *g = u->g;
  Node *n = &g->n[ni];
  for (int i = 0; i < n->nattr; i++) {
    Attr *a = &n->attr[i];
    if (strcmp(a->name, "to") || a->kind != AT_STRING)
      continue; /* a number, or missing: as in Cast-6 */
    for (int k = 1; k < (int)(sizeof names / sizeof names[0]); k++)
      if (!strcmp(a->s, names[k])) {
        a->kind = AT_INT;
        a->i = k;
        return 0;
      }
    node_error(u->d, g, n, "opset %lld: Cast-1's 'to' is '%s', not a TensorProto type name", (long long)u->opset,
               a->s);
    return -1;
  }
  return 0;
}

/* Split-1: the sizes may come as input 1; Split-2 on have the attribute. */
static int map_split(Up *u, int ni) {
  Graph *g = u->g;
  Node *n = &g->n[ni];
  const Tensor *t = node_in(g, n, 1);
  if (!t)
    return 0;
  if (!tensor_is_const(t) || dtype_is_float(t->dtype) || t->rank != 1) {
    node_error(u->d, g, n, "opset %lld: Split-1's split (input 1) must be a constant 1-D integer tensor",
               (long long)u->opset);
    return -1;
  }
  if (node_attr(n, "split")) {
    node_error(u->d, g, n, "opset %lld: Split-1 has both the attribute 'split' and input 1", (long long)u->opset);
    return -1;
  }
  node_set_ints(g, ni, "split", (int)t->dims[0], (const int64_t *)t->data);
  n = &g->n[ni];
  n->nin = 1;
  graph_changed(g);
  return 0;
}

static int map_node(Up *u, int ni, int def) {
  Graph *g = u->g;
  Node *n = &g->n[ni];
  switch (n->op) {
  case OP_Add:
  case OP_Sub:
  case OP_Mul:
  case OP_Div:
  case OP_Pow:
  case OP_Less:
  case OP_Greater:
  case OP_Equal:
  case OP_And:
  case OP_Or:
  case OP_Xor:
    return map_broadcast(u, ni);
  case OP_Tile:
    return def < 6 ? map_tile(u, ni) : 0;
  case OP_Cast:
    return def < 6 ? map_cast(u, ni) : 0;
  case OP_Split:
    return def < 2 ? map_split(u, ni) : 0;
  case OP_PRelu:
    return map_prelu(u, ni);
  case OP_BatchNormalization:
  case OP_Dropout:
    return map_is_test(u, ni);
  case OP_Reshape:
    return def < 5 ? map_reshape(u, ni) : 0;
  case OP_Pad:
    if (def < 2)
      for (int i = 0; i < n->nattr; i++)
        if (!strcmp(n->attr[i].name, "paddings"))
          n->attr[i].name = "pads";
    return 0;
  case OP_Concat:
    if (def < 4 && !node_attr(n, "axis"))
      node_set_int(g, ni, "axis", 1);
    return 0;
  case OP_Selu:
    if (def < 6) {
      if (!node_attr(n, "alpha"))
        node_set_float(g, ni, "alpha", 1.6732f);
      if (!node_attr(&g->n[ni], "gamma"))
        node_set_float(g, ni, "gamma", 1.0507f);
    }
    return 0;
  default:
    return 0;
  }
}

int opset_upgrade(Graph *g, Diag *d) {
  int errors = d->nerrors;
  if (!g->opset_read)
    g->opset_read = g->opset;
  if (g->opset == 0)
    return 0; /* a graph built in code (the unit tests) names no opset: as it is */
  if (g->opset < 1 || g->opset > OPSET_NEWEST) {
    diag_error(d, "unsupported opset version %lld (supported: 1 to %d)", (long long)g->opset, OPSET_NEWEST);
    return -1;
  }
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (n->dead || *op_info[n->op].domain)
      continue;
    int def = opset_definition(n->op, g->opset);
    if (def == 0)
      node_error(d, g, n, "%s is not in opset %lld (it was added in opset %d)", op_info[n->op].name,
                 (long long)g->opset, op_versions(n->op)->since[0]);
    else if (def < 0 && g->opset < 7)
      node_error(d, g, n, "no mapping of %s in opset %lld onto its opset-7 form is known (opsets 7 to %d are read)",
                 op_info[n->op].name, (long long)g->opset, OPSET_NEWEST);
  }
  if (d->nerrors > errors || g->opset >= 7)
    return d->nerrors > errors ? -1 : 0;

  /* Below opset 7: in topological order, map each node and run its shape
   * rule for the ranks later mappings need; then forget those shapes. */
  Up u = {g, d, g->opset};
  int nt0 = g->nt, nn0 = g->nn;
  Tensor *saved = arena_array(g->arena, (size_t)nt0 + 1, sizeof *saved);
  memcpy(saved, g->t, (size_t)nt0 * sizeof *saved);
  Diag scratch;
  diag_init(&scratch, "");
  for (int i = 0; i < nn0; i++) {
    if (g->n[i].dead || *op_info[g->n[i].op].domain)
      continue;
    int def = opset_definition(g->n[i].op, g->opset);
    if (def < 7 && map_node(&u, i, def))
      continue;
    int known = 1;
    for (int j = 0; j < g->n[i].nin; j++) {
      const Tensor *t = node_in(g, &g->n[i], j);
      if (t && t->rank < 0)
        known = 0;
    }
    if (known)
      shape_node(g, &g->n[i], &scratch);
  }
  diag_free(&scratch);
  for (int t = 0; t < g->nt; t++) {
    if (t < nt0) {
      g->t[t] = saved[t];
    } else if (!tensor_is_const(&g->t[t])) {
      g->t[t].rank = -1;
      g->t[t].dtype = 0;
    }
  }
  if (d->nerrors > errors)
    return -1;
  g->opset = 7;
  return g->nn != nn0 ? topo_sort(g, d) : 0;
}
