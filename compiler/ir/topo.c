/* topo.c - producers, topological order and cycles (the verifier, verify.c,
 * runs it on the graph as read; passes run it after their edits). */
#include <string.h>

#include "ir.h"

/* Min-heap of node indices, so that ready nodes leave in file order. */
typedef struct Heap {
  int *v;
  int n;
} Heap;

static void heap_push(Heap *h, int x) {
  int i = h->n++;
  h->v[i] = x;
  while (i > 0 && h->v[(i - 1) / 2] > h->v[i]) {
    int p = (i - 1) / 2, t = h->v[p];
    h->v[p] = h->v[i];
    h->v[i] = t;
    i = p;
  }
}

static int heap_pop(Heap *h) {
  int top = h->v[0];
  h->v[0] = h->v[--h->n];
  for (int i = 0;;) {
    int l = 2 * i + 1, r = l + 1, m = i;
    if (l < h->n && h->v[l] < h->v[m])
      m = l;
    if (r < h->n && h->v[r] < h->v[m])
      m = r;
    if (m == i)
      break;
    int t = h->v[m];
    h->v[m] = h->v[i];
    h->v[i] = t;
    i = m;
  }
  return top;
}

int topo_sort(Graph *g, Diag *d) {
  int errors = d->nerrors;
  int nn = g->nn;
  for (int i = 0; i < g->nt; i++)
    g->t[i].producer = -1;
  /* Producers: one per tensor, never a graph input or a constant. */
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    if (n->dead)
      continue;
    for (int j = 0; j < n->nout; j++) {
      int ti = n->out[j];
      if (ti < 0)
        continue;
      Tensor *t = &g->t[ti];
      if (t->producer >= 0)
        node_error(d, g, n, "output '%s' is already produced by %s", t->name,
                   node_desc(g, &g->n[t->producer]));
      else if (t->is_input)
        node_error(d, g, n, "output '%s' is also a graph input", t->name);
      else if (t->data)
        node_error(d, g, n, "output '%s' is also an initializer", t->name);
      else
        t->producer = i;
    }
  }
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    if (n->dead)
      continue;
    for (int j = 0; j < n->nin; j++) {
      Tensor *t = node_in(g, n, j);
      if (t && t->producer < 0 && !t->is_input && !t->data)
        node_error(d, g, n, "input %d '%s' is not produced by any node, graph input or initializer", j,
                   t->name);
    }
  }
  for (int i = 0; i < g->noutputs; i++) {
    Tensor *t = &g->t[g->outputs[i]];
    if (t->producer < 0 && !t->is_input && !t->data)
      diag_error(d, "graph output '%s' at %s is not produced by any node", t->name, t->loc);
  }
  if (d->nerrors > errors)
    return -1;

  /* Kahn's algorithm over the live nodes. */
  Arena *a = g->arena;
  int *pending = arena_array(a, (size_t)nn + 1, sizeof(int)); /* unfinished producers */
  int *nuse = arena_array(a, (size_t)g->nt + 1, sizeof(int));   /* consumers per tensor */
  for (int i = 0; i < nn; i++)
    if (!g->n[i].dead)
      for (int j = 0; j < g->n[i].nin; j++)
        if (g->n[i].in[j] >= 0)
          nuse[g->n[i].in[j]]++;
  int **users = arena_array(a, (size_t)g->nt + 1, sizeof(int *));
  int *fill = arena_array(a, (size_t)g->nt + 1, sizeof(int));
  for (int t = 0; t < g->nt; t++)
    users[t] = arena_array(a, (size_t)nuse[t] + 1, sizeof(int));
  for (int i = 0; i < nn; i++) {
    Node *n = &g->n[i];
    if (n->dead)
      continue;
    for (int j = 0; j < n->nin; j++) {
      int ti = n->in[j];
      if (ti < 0)
        continue;
      users[ti][fill[ti]++] = i;
      if (g->t[ti].producer >= 0)
        pending[i]++;
    }
  }
  Heap h = {arena_array(a, (size_t)nn + 1, sizeof(int)), 0};
  for (int i = 0; i < nn; i++)
    if (!g->n[i].dead && !pending[i])
      heap_push(&h, i);
  int *order = arena_array(a, (size_t)nn + 1, sizeof(int));
  int norder = 0;
  while (h.n) {
    int i = heap_pop(&h);
    order[norder++] = i;
    Node *n = &g->n[i];
    for (int j = 0; j < n->nout; j++) {
      int ti = n->out[j];
      if (ti < 0)
        continue;
      for (int k = 0; k < fill[ti]; k++)
        if (--pending[users[ti][k]] == 0)
          heap_push(&h, users[ti][k]);
    }
  }
  int live = 0;
  for (int i = 0; i < nn; i++)
    live += !g->n[i].dead;
  if (norder < live) {
    for (int i = 0; i < nn; i++)
      if (!g->n[i].dead && pending[i]) {
        node_error(d, g, &g->n[i], "is part of a cycle (its inputs depend on its own outputs)");
        break;
      }
    return -1;
  }
  /* Rewrite the node array in the new order, dropping dead nodes. */
  Node *nodes = arena_array(a, (size_t)g->capn + 1, sizeof(Node));
  int *newidx = arena_array(a, (size_t)nn + 1, sizeof(int));
  for (int k = 0; k < norder; k++) {
    nodes[k] = g->n[order[k]];
    newidx[order[k]] = k;
  }
  g->n = nodes;
  g->nn = norder;
  for (int t = 0; t < g->nt; t++)
    if (g->t[t].producer >= 0)
      g->t[t].producer = newidx[g->t[t].producer];
  graph_changed(g);
  return 0;
}
