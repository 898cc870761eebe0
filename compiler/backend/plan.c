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
 *
 * Everything here is O(n log n) in the number of nodes and tensors, so that no
 * model makes the compiler crawl: last uses come from one pass over the
 * nodes, and since buffers are placed in producer order, the placed buffers
 * whose lifetime intersects the new one's are exactly those still live at its
 * producer. Those are kept in a treap ordered by offset, each entry with the
 * gap below it, so the lowest gap that fits is found in O(log n).
 */
#include <limits.h>
#include <stdint.h>

#include "emit.h"

#define ALIGN_FLOATS 16 /* 64 bytes */

int op_reads_input(const Emit *e, const Node *n, int i) {
  if (i < 0 || i >= n->nin || n->in[i] < 0)
    return 0;
  if (e->bin && e->bin[n - e->g->n] != BP_FLOAT && i == 1)
    return 0; /* bit-packed at compile time */
  if (n->op == OP_Gemm && i == 2) /* C is not read when beta = 0 */
    return attr_float(n, "beta", 1.0f) != 0.0f;
  return (op_info[n->op].reads >> (i < 31 ? i : 31) & 1u) != 0;
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

/* A node is folded when all its outputs are constants. */
static int is_folded(const Graph *g, const Node *n) {
  for (int j = 0; j < n->nout; j++)
    if (n->out[j] >= 0 && !g->t[n->out[j]].data)
      return 0;
  return 1;
}

static int64_t round_up(int64_t x) { return (x + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS; }

/* ---- live arena buffers: a treap ordered by offset ----
 *
 * The buffers in it are pairwise live at the same time, so their intervals
 * [off, end) are disjoint. gap is off minus the end of the previous buffer
 * (off itself for the lowest one), maxgap the largest gap in the subtree.
 * Entries are indexed by tensor; priorities are a fixed hash of the index,
 * so the tree (and the time taken) is deterministic; the offsets found do
 * not depend on the tree's shape at all. */
typedef struct Live {
  int64_t off, end;    /* the buffer's floats [off, end) */
  int64_t gap, maxgap; /* free floats below it; largest gap in its subtree */
  int l, r;            /* children, -1 for none */
  uint32_t prio;       /* heap order: a parent's prio >= its children's */
} Live;

static void pull(Live *s, int x) {
  int64_t m = s[x].gap;
  if (s[x].l >= 0 && s[s[x].l].maxgap > m)
    m = s[s[x].l].maxgap;
  if (s[x].r >= 0 && s[s[x].r].maxgap > m)
    m = s[s[x].r].maxgap;
  s[x].maxgap = m;
}

/* Splits treap x into offsets < key (*a) and >= key (*b). */
static void split(Live *s, int x, int64_t key, int *a, int *b) {
  if (x < 0) {
    *a = *b = -1;
  } else if (s[x].off < key) {
    split(s, s[x].r, key, &s[x].r, b);
    pull(s, x);
    *a = x;
  } else {
    split(s, s[x].l, key, a, &s[x].l);
    pull(s, x);
    *b = x;
  }
}

/* Joins treaps a and b, every offset of a below every offset of b. */
static int merge(Live *s, int a, int b) {
  if (a < 0 || b < 0)
    return a < 0 ? b : a;
  if (s[a].prio >= s[b].prio) {
    s[a].r = merge(s, s[a].r, b);
    pull(s, a);
    return a;
  }
  s[b].l = merge(s, a, s[b].l);
  pull(s, b);
  return b;
}

/* End of the highest buffer of treap x, 0 if empty. */
static int64_t top_end(const Live *s, int x) {
  if (x < 0)
    return 0;
  while (s[x].r >= 0)
    x = s[x].r;
  return s[x].end;
}

/* Sets the gap of the lowest buffer of x to its offset minus below. */
static void set_first_gap(Live *s, int x, int64_t below) {
  if (x < 0)
    return;
  if (s[x].l >= 0)
    set_first_gap(s, s[x].l, below);
  else
    s[x].gap = s[x].off - below;
  pull(s, x);
}

/* The lowest offset where size floats overlap no buffer of x: the bottom of
 * the lowest gap of at least size, else the top of the highest buffer. */
static int64_t first_fit(const Live *s, int x, int64_t size) {
  if (x < 0 || s[x].maxgap < size)
    return top_end(s, x);
  for (;;) {
    int l = s[x].l;
    if (l >= 0 && s[l].maxgap >= size)
      x = l;
    else if (s[x].gap >= size)
      return s[x].off - s[x].gap;
    else
      x = s[x].r;
  }
}

/* Adds buffer t at [off, end) to the treap *root. */
static void live_insert(Live *s, int *root, int t, int64_t off, int64_t end) {
  int a, b;
  split(s, *root, off, &a, &b);
  s[t].off = off, s[t].end = end, s[t].l = s[t].r = -1;
  s[t].prio = (uint32_t)t * 2654435761u ^ 0x9e3779b9u;
  s[t].gap = off - top_end(s, a);
  pull(s, t);
  set_first_gap(s, b, end);
  *root = merge(s, merge(s, a, t), b);
}

/* Removes buffer t from the treap *root. */
static void live_remove(Live *s, int *root, int t) {
  int a, b, m, c;
  split(s, *root, s[t].off, &a, &b);
  split(s, b, s[t].off + 1, &m, &c);
  set_first_gap(s, c, top_end(s, a));
  *root = merge(s, a, c);
}

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
    if (!op_info[n->op].emit)
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
  e->ud = graph_usedef(g); /* producers and readers, for the fusion plans */
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
  int *out_slot = arena_array(a, (size_t)nt + 1, sizeof(int)); /* first graph output k of tensor t */
  for (int t = 0; t < nt; t++)
    out_slot[t] = -1;
  for (int k = g->noutputs - 1; k >= 0; k--)
    out_slot[g->outputs[k]] = k;
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    if (!e->emit[i])
      continue;
    int y = n->out[0];
    if (op_has(n->op, OPF_VIEW) && !g->t[y].is_output) {
      e->alias[i] = 1;
      e->emit[i] = 0;
      e->root[y] = e->root[n->in[0]];
      continue;
    }
    for (int j = 0; j < n->nout; j++) {
      if (!op_writes_output(e, n, j))
        continue;
      y = n->out[j];
      e->store[y] = out_slot[y] >= 0 ? ST_OUTPUT : ST_ARENA;
      if (out_slot[y] >= 0)
        e->slot[y] = out_slot[y];
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

  /* Greedy first-fit in producer order. A placed buffer conflicts with the
   * new one iff it is still live at the new one's producer: retire buffers
   * in order of their last use as the producer position passes it. */
  int *by_end = arena_array(a, (size_t)nt + 1, sizeof(int));
  int *cnt = arena_array(a, (size_t)nn + 3, sizeof(int));
  int nbuf = 0;
  for (int t = 0; t < nt; t++)
    if (start[t] >= 0)
      cnt[end[t] + 1]++, nbuf++;
  for (int i = 0; i <= nn; i++)
    cnt[i + 1] += cnt[i];
  for (int t = 0; t < nt; t++)
    if (start[t] >= 0)
      by_end[cnt[end[t]]++] = t;
  Live *live = arena_array(a, (size_t)nt + 1, sizeof(Live));
  int root = -1, retired = 0;
  e->arena_floats = 0;
  for (int i = 0; i < nn; i++) {
    while (retired < nbuf && end[by_end[retired]] < i)
      live_remove(live, &root, by_end[retired++]);
    for (int j = 0; e->emit[i] && j < g->n[i].nout; j++) {
      int t = g->n[i].out[j];
      if (!op_writes_output(e, &g->n[i], j) || e->store[t] != ST_ARENA)
        continue;
      int64_t size = round_up(tensor_numel(&g->t[t]) ? tensor_numel(&g->t[t]) : 1);
      int64_t off = first_fit(live, root, size);
      e->off[t] = off;
      live_insert(live, &root, t, off, off + size);
      if (off + size > e->arena_floats)
        e->arena_floats = off + size;
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
