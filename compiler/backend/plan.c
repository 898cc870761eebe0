/* plan.c - which nodes become code, and where every tensor lives.
 *
 * Storage: constants are static const arrays, graph inputs are the caller's
 * pointers, graph outputs produced by a layer are written straight into the
 * caller's output buffers, and every other activation gets an offset in one
 * static arena. Reshape-like ops (Reshape, Flatten, Squeeze, Unsqueeze,
 * Identity, Dropout) emit no code: their output is an alias of their input,
 * unless it is a graph output (then they copy).
 *
 * Arena plan: a buffer is live from its producer to its last reader (node
 * positions, inclusive, so no layer reads and writes the same floats).
 * Buffers are placed in producer order at the lowest 64-byte aligned offset
 * that does not overlap a placed buffer with an intersecting lifetime
 * (greedy first-fit; deterministic).
 */
#include <limits.h>

#include "emit.h"

#define ALIGN_FLOATS 16 /* 64 bytes */

int op_reads_input(const Emit *e, const Node *n, int i) {
  if (i < 0 || i >= n->nin || n->in[i] < 0)
    return 0;
  if (e->bin && e->bin[n - e->g->n] != BP_FLOAT && i == 1)
    return 0; /* bit-packed at compile time */
  switch (n->op) {
  case OP_Conv:
    return i <= 2;
  case OP_Gemm: /* C is not read when beta = 0 */
    return i <= 1 || (i == 2 && attr_float(n, "beta", 1.0f) != 0.0f);
  case OP_BatchNormalization:
    return i <= 4;
  case OP_PRelu:
  case OP_MatMul:
  case OP_Add:
  case OP_Sub:
  case OP_Mul:
  case OP_Div:
    return i <= 1;
  case OP_Concat:
    return 1;
  case OP_BinConv:
  case OP_BinGemm:
    return i <= 3;
  case OP_XnorBlock: /* W, thresholds and scales become literals */
    return i == 0 || i == 4;
  default:
    return i == 0;
  }
}

int read_tensor(const Emit *e, const Node *n, int i) {
  int ni = (int)(n - e->g->n);
  return i == 0 && e->in0 && e->in0[ni] >= 0 ? e->in0[ni] : n->in[i];
}

int op_writes_output(const Emit *e, const Node *n, int j) {
  if (j < 0 || j >= n->nout || n->out[j] < 0)
    return 0;
  if (j == 0)
    return !(e->no_y && e->no_y[n - e->g->n]);
  const Tensor *t = &e->g->t[n->out[j]];
  return n->op == OP_BinActiv && j == 1 && (e->consumed[n->out[j]] || t->is_output);
}

static int is_alias_op(Op op) {
  return op == OP_Reshape || op == OP_Flatten || op == OP_Identity || op == OP_Dropout ||
         op == OP_Squeeze || op == OP_Unsqueeze;
}

/* A node is folded when all its outputs are constants. */
static int is_folded(const Graph *g, const Node *n) {
  for (int j = 0; j < n->nout; j++)
    if (n->out[j] >= 0 && !g->t[n->out[j]].data)
      return 0;
  return 1;
}

static int64_t round_up(int64_t x) { return (x + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS; }

/* Checks that tensor t can be an array of floats in generated code. */
static int check_float_tensor(Emit *e, const Node *n, const Tensor *t, const char *what, int k) {
  if (t->rank < 0 || tensor_numel(t) < 0) {
    node_error(e->d, e->g, n, "%s %d '%s' has no known shape", what, k, t->name);
    return -1;
  }
  if (tensor_numel(t) > INT_MAX) {
    node_error(e->d, e->g, n, "%s %d '%s' (%s) has more than %d elements, too many for the C backend",
               what, k, t->name, shape_str(e->g, t), INT_MAX);
    return -1;
  }
  if (t->dtype == DT_F32 || t->dtype == DT_BIT) /* bit: +-1 floats */
    return 0;
  node_error(e->d, e->g, n, "%s %d '%s' has type %s; the C backend computes on float32 only", what, k,
             t->name, dtype_name(t->dtype));
  return -1;
}

int plan_storage(Emit *e) {
  Graph *g = e->g;
  Arena *a = g->arena;
  int nt = g->nt, nn = g->nn, errors = e->d->nerrors;
  e->emit = arena_array(a, (size_t)nn + 1, sizeof(int));
  e->alias = arena_array(a, (size_t)nn + 1, sizeof(int));
  e->root = arena_array(a, (size_t)nt + 1, sizeof(int));
  e->store = arena_array(a, (size_t)nt + 1, sizeof(Store));
  e->slot = arena_array(a, (size_t)nt + 1, sizeof(int));
  e->off = arena_array(a, (size_t)nt + 1, sizeof(int64_t));
  e->used_const = arena_array(a, (size_t)nt + 1, sizeof(int));
  e->out_copy_src = arena_array(a, (size_t)g->noutputs + 1, sizeof(int));
  e->in_used = arena_array(a, (size_t)g->ninputs + 1, sizeof(int));
  int *consumed = e->consumed = arena_array(a, (size_t)nt + 1, sizeof(int));
  e->bin = arena_array(a, (size_t)nn + 1, sizeof(BinPath));
  e->in0 = arena_array(a, (size_t)nn + 1, sizeof(int));
  e->no_y = arena_array(a, (size_t)nn + 1, sizeof(int));
  for (int i = 0; i < nn; i++)
    e->in0[i] = -1;
  int64_t *start = arena_array(a, (size_t)nt + 1, sizeof(int64_t));
  int64_t *end = arena_array(a, (size_t)nt + 1, sizeof(int64_t));

  /* Every unsupported op at once, before anything else. */
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    if (n->dead || is_folded(g, n))
      continue;
    if (!op_supported(n->op))
      node_error(e->d, g, n, "op %s is not supported by the C backend", op_info[n->op].name);
    else
      e->emit[i] = 1;
  }
  if (e->d->nerrors > errors)
    return -1;

  for (int i = 0; i < nn; i++)
    for (int j = 0; e->emit[i] && j < g->n[i].nin; j++)
      if (g->n[i].in[j] >= 0)
        consumed[g->n[i].in[j]] = 1;
  bin_plan(e);
  block_plan(e);
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    if (!e->emit[i])
      continue;
    for (int j = 0; j < n->nin; j++)
      if (op_reads_input(e, n, j))
        check_float_tensor(e, n, &g->t[n->in[j]], "input", j);
    if (n->nout < 1 || n->out[0] < 0) {
      node_error(e->d, g, n, "output 0 is omitted");
      continue;
    }
    for (int j = 0; j < n->nout; j++)
      if (op_writes_output(e, n, j))
        check_float_tensor(e, n, &g->t[n->out[j]], "output", j);
    for (int j = 1; j < n->nout; j++) {
      int ti = n->out[j];
      if (ti >= 0 && (consumed[ti] || g->t[ti].is_output) && !op_writes_output(e, n, j))
        node_error(e->d, g, n, "output %d '%s' is used, which the C backend does not support for %s", j,
                   g->t[ti].name, op_info[n->op].name);
    }
  }
  for (int k = 0; k < g->ninputs; k++) {
    Tensor *t = &g->t[g->inputs[k]];
    if (t->dtype != DT_F32 || tensor_numel(t) < 0 || tensor_numel(t) > INT_MAX)
      diag_error(e->d, "graph input %d '%s' (%s, %s) must be float32 with a known shape for the C backend",
                 k, t->name, dtype_name(t->dtype), shape_str(g, t));
  }
  for (int k = 0; k < g->noutputs; k++) {
    Tensor *t = &g->t[g->outputs[k]];
    if ((t->dtype != DT_F32 && t->dtype != DT_BIT) || tensor_numel(t) < 0 ||
        tensor_numel(t) > INT_MAX)
      diag_error(e->d, "graph output %d '%s' (%s, %s) must be float32 with a known shape for the C backend",
                 k, t->name, dtype_name(t->dtype), shape_str(g, t));
  }
  if (e->d->nerrors > errors)
    return -1;

  /* Roots and storage kinds. */
  for (int t = 0; t < nt; t++) {
    e->root[t] = t;
    e->slot[t] = -1;
    if (g->t[t].data)
      e->store[t] = ST_CONST;
  }
  for (int k = g->ninputs - 1; k >= 0; k--) {
    e->store[g->inputs[k]] = ST_INPUT;
    e->slot[g->inputs[k]] = k;
  }
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    if (!e->emit[i])
      continue;
    int y = n->out[0];
    if (is_alias_op(n->op) && !g->t[y].is_output) {
      e->alias[i] = 1;
      e->emit[i] = 0;
      e->root[y] = e->root[n->in[0]];
      continue;
    }
    for (int j = 0; j < n->nout; j++) {
      if (!op_writes_output(e, n, j))
        continue;
      y = n->out[j];
      e->store[y] = ST_ARENA;
      for (int k = 0; k < g->noutputs; k++)
        if (g->outputs[k] == y) {
          e->store[y] = ST_OUTPUT;
          e->slot[y] = k;
          break;
        }
    }
  }

  /* Lifetimes of arena buffers, in node positions. */
  for (int t = 0; t < nt; t++)
    start[t] = end[t] = -1;
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    if (!e->emit[i])
      continue;
    for (int j = 0; j < n->nout; j++)
      if (op_writes_output(e, n, j) && e->store[n->out[j]] == ST_ARENA)
        start[n->out[j]] = end[n->out[j]] = i;
    for (int j = 0; j < n->nin; j++)
      if (op_reads_input(e, n, j)) {
        int r = e->root[read_tensor(e, n, j)];
        if (e->store[r] == ST_ARENA && end[r] < i)
          end[r] = i;
        if (e->store[r] == ST_CONST)
          e->used_const[r] = 1;
      }
  }
  for (int k = 0; k < g->noutputs; k++) {
    int t = g->outputs[k], r = e->root[t];
    e->out_copy_src[k] = -1;
    if (!(e->store[t] == ST_OUTPUT && e->slot[t] == k)) {
      e->out_copy_src[k] = t;
      if (e->store[r] == ST_ARENA)
        end[r] = nn;
      if (e->store[r] == ST_CONST)
        e->used_const[r] = 1;
    }
  }

  /* Greedy first-fit in producer order. */
  int *placed = arena_array(a, (size_t)nt + 1, sizeof(int));
  int nplaced = 0;
  e->arena_floats = 0;
  for (int i = 0; i < nn; i++) {
    for (int j = 0; e->emit[i] && j < g->n[i].nout; j++) {
      int t = g->n[i].out[j];
      if (!op_writes_output(e, &g->n[i], j) || e->store[t] != ST_ARENA)
        continue;
      int64_t size = round_up(tensor_numel(&g->t[t]) ? tensor_numel(&g->t[t]) : 1);
      int64_t best = -1;
      for (int c = -1; c < nplaced; c++) {
        int64_t cand = 0;
        if (c >= 0) {
          int p = placed[c];
          if (start[p] > end[t] || end[p] < start[t])
            continue;
          cand = e->off[p] + round_up(tensor_numel(&g->t[p]) ? tensor_numel(&g->t[p]) : 1);
        }
        if (best >= 0 && cand >= best)
          continue;
        int fits = 1;
        for (int q = 0; q < nplaced && fits; q++) {
          int p = placed[q];
          int64_t psize = round_up(tensor_numel(&g->t[p]) ? tensor_numel(&g->t[p]) : 1);
          if (start[p] > end[t] || end[p] < start[t])
            continue;
          if (cand < e->off[p] + psize && e->off[p] < cand + size)
            fits = 0;
        }
        if (fits)
          best = cand;
      }
      e->off[t] = best;
      placed[nplaced++] = t;
      if (best + size > e->arena_floats)
        e->arena_floats = best + size;
    }
  }
  return 0;
}

void put_buffer(Emit *e, StrBuf *b, int ti) {
  int r = e->root[ti];
  switch (e->store[r]) {
  case ST_CONST: sb_printf(b, "w%d", r); break;
  case ST_INPUT:
    sb_printf(b, "in%d", e->slot[r]);
    e->in_used[e->slot[r]] = 1;
    break;
  case ST_OUTPUT: sb_printf(b, "out%d", e->slot[r]); break;
  case ST_ARENA:
    sb_printf(b, "%s_arena.f", e->o->name);
    if (e->off[r])
      sb_printf(b, " + %lld", (long long)e->off[r]);
    break;
  default: xn_unreachable("tensor without storage");
  }
}
