/* plan_storage.c - where every tensor lives: the phases views, io, arena and
 * work (plan.h).
 *
 * Storage: constants are static const arrays, graph inputs are the caller's
 * pointers, graph outputs produced by a layer are written straight into the
 * caller's output buffers, and every other activation gets an offset in the
 * arena, the first part of the state (plan.h, Store). Reshape-like ops (OPF_VIEW: Reshape, Flatten, Squeeze,
 * Unsqueeze, Identity, Dropout) emit no code: their output is an alias of
 * their input, unless it is a graph output (then they copy).
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
#include <stdint.h>

#include "plan.h"

#define ALIGN_FLOATS (STATE_ALIGN / 4) /* 64 bytes */

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

/* Gives tensor t the lowest arena offset free for its (aligned) size among
 * the live buffers, records it, and grows the arena to cover it. */
static void place(Plan *p, Live *live, int *root, int t) {
  int64_t numel = tensor_numel(&p->g->t[t]);
  int64_t size = round_up(numel ? numel : 1);
  int64_t off = first_fit(live, *root, size);
  p->off[t] = off;
  live_insert(live, root, t, off, off + size);
  if (off + size > p->arena_floats)
    p->arena_floats = off + size;
}

void plan_views(Plan *p) {
  Graph *g = p->g;
  int nt = g->nt;
  p->root = arena_array(g->arena, (size_t)nt + 1, sizeof(int));
  p->store = arena_array(g->arena, (size_t)nt + 1, sizeof(Store));
  p->slot = arena_array(g->arena, (size_t)nt + 1, sizeof(int));
  for (int t = 0; t < nt; t++) {
    p->root[t] = t;
    p->slot[t] = -1;
    if (g->t[t].data)
      p->store[t] = ST_CONST;
  }
  /* A float32 input is read from the caller's buffer; any other is
   * converted into an arena buffer of floats at entry. */
  p->conv_in = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof(int));
  for (int k = g->ninputs - 1; k >= 0; k--) {
    int conv = !dtype_is_float(g->t[g->inputs[k]].dtype);
    p->store[g->inputs[k]] = conv ? ST_ARENA : ST_INPUT;
    p->slot[g->inputs[k]] = k;
    p->conv_in[k] = conv;
  }
  /* A layer writes a float32 output straight into the caller's buffer; any
   * other output is converted from the arena at the end. */
  int *out_slot = arena_array(g->arena, (size_t)nt + 1, sizeof(int)); /* first graph output k of tensor t */
  for (int t = 0; t < nt; t++)
    out_slot[t] = -1;
  for (int k = g->noutputs - 1; k >= 0; k--)
    if (tensor_io_elem(&g->t[g->outputs[k]]) == 1)
      out_slot[g->outputs[k]] = k;
  for (int i = 0; i < g->nn; i++) {
    Node *n = &g->n[i];
    LayerPlan *lp = &p->node[i];
    if (!lp->code)
      continue;
    int y = plan_out(p, i, 0);
    if (op_has(n->op, OPF_VIEW) && !g->t[y].is_output) {
      lp->alias = 1;
      lp->code = 0;
      p->root[y] = p->root[n->in[0]];
      continue;
    }
    for (int j = 0; j < n->nout; j++) {
      if (!plan_writes(p, i, j))
        continue;
      y = plan_out(p, i, j);
      p->store[y] = out_slot[y] >= 0 ? ST_OUTPUT : ST_ARENA;
      if (out_slot[y] >= 0)
        p->slot[y] = out_slot[y];
    }
  }
}

void plan_io(Plan *p) {
  Graph *g = p->g;
  p->used_const = arena_array(g->arena, (size_t)g->nt + 1, sizeof(int));
  p->out_copy_src = arena_array(g->arena, (size_t)g->noutputs + 1, sizeof(int));
  p->in_used = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof(int));
  for (int i = 0; i < g->nn; i++)
    for (int j = 0; p->node[i].code && j < g->n[i].nin; j++)
      if (plan_reads(p, i, j)) {
        int r = p->root[plan_in(p, i, j)];
        if (p->store[r] == ST_CONST)
          p->used_const[r] = 1;
        if (p->store[r] == ST_INPUT || (p->slot[r] >= 0 && g->t[r].is_input && p->conv_in[p->slot[r]]))
          p->in_used[p->slot[r]] = 1;
      }
  for (int k = 0; k < g->noutputs; k++) {
    int t = g->outputs[k], r = p->root[t];
    p->out_copy_src[k] = -1;
    if (!(p->store[t] == ST_OUTPUT && p->slot[t] == k)) {
      p->out_copy_src[k] = t;
      if (p->store[r] == ST_CONST && tensor_io_elem(&g->t[t]) == 1) /* (else its own int64_t array) */
        p->used_const[r] = 1;
      if (p->store[r] == ST_INPUT || (p->slot[r] >= 0 && g->t[r].is_input && p->conv_in[p->slot[r]]))
        p->in_used[p->slot[r]] = 1;
    }
  }
}

void plan_arena(Plan *p) {
  Graph *g = p->g;
  Arena *a = g->arena;
  int nt = g->nt, nn = g->nn;
  int64_t *start = arena_array(a, (size_t)nt + 1, sizeof(int64_t));
  int64_t *end = arena_array(a, (size_t)nt + 1, sizeof(int64_t));
  p->off = arena_array(a, (size_t)nt + 1, sizeof(int64_t));

  /* Lifetimes of arena buffers, in node positions; a copied graph output
   * lives to the end. */
  for (int t = 0; t < nt; t++)
    start[t] = end[t] = -1;
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    if (!p->node[i].code)
      continue;
    for (int j = 0; j < n->nout; j++)
      if (plan_writes(p, i, j) && p->store[plan_out(p, i, j)] == ST_ARENA)
        start[plan_out(p, i, j)] = end[plan_out(p, i, j)] = i;
    for (int j = 0; j < n->nin; j++)
      if (plan_reads(p, i, j)) {
        int r = p->root[plan_in(p, i, j)];
        if (p->store[r] == ST_ARENA && end[r] < i)
          end[r] = i;
      }
  }
  for (int k = 0; k < g->noutputs; k++)
    if (p->out_copy_src[k] >= 0 && p->store[p->root[p->out_copy_src[k]]] == ST_ARENA)
      end[p->root[p->out_copy_src[k]]] = nn;
  /* A converted input lives from the start (position 0) to its last use. */
  for (int k = 0; k < g->ninputs; k++) {
    int t = g->inputs[k];
    if (p->conv_in[k] && p->in_used[k] && start[t] < 0) {
      start[t] = 0;
      if (end[t] < 0)
        end[t] = 0;
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
  p->arena_floats = 0;
  for (int k = 0; k < g->ninputs; k++) { /* converted inputs first: live before node 0 */
    int t = g->inputs[k];
    if (!p->conv_in[k] || start[t] < 0 || p->root[t] != t)
      continue;
    place(p, live, &root, t);
  }
  for (int i = 0; i < nn; i++) {
    while (retired < nbuf && end[by_end[retired]] < i)
      live_remove(live, &root, by_end[retired++]);
    for (int j = 0; p->node[i].code && j < g->n[i].nout; j++) {
      int t = plan_out(p, i, j);
      if (!plan_writes(p, i, j) || p->store[t] != ST_ARENA)
        continue;
      place(p, live, &root, t);
    }
  }
}

void plan_work(Plan *p) {
  for (int i = 0; i < p->g->nn; i++) {
    LayerPlan *lp = &p->node[i];
    int64_t off = 0;
    if (!lp->code || !lp->nwork)
      continue;
    for (int k = 0; k < lp->nwork; k++) {
      WorkBuf *w = &lp->work[k];
      off = (off + w->size - 1) / w->size * w->size;
      w->off = off;
      off += w->n * w->size;
    }
    lp->work_bytes = (off + 7) / 8 * 8;
    if (lp->work_bytes > p->work_bytes)
      p->work_bytes = lp->work_bytes;
  }
  /* The state: the arena (whole 64-byte blocks, as every buffer is rounded
   * up to them), then the work union. */
  int64_t work = (p->work_bytes + STATE_ALIGN - 1) / STATE_ALIGN * STATE_ALIGN;
  if ((p->arena_floats * 4) % STATE_ALIGN)
    xn_unreachable("arena not a whole number of aligned blocks");
  p->state_bytes = p->arena_floats * 4 + work;
  if (!p->state_bytes)
    p->state_bytes = STATE_ALIGN;
}
