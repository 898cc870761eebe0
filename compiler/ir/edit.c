/* edit.c - the graph toolkit every pass, the backend and the test kits use:
 * a use/def index of the live nodes, constants, fresh names, node building.
 *
 * The index is cached in the graph and rebuilt on the next query after the
 * graph changed (graph_add_node, graph_add_tensor and graph_changed mark it
 * stale), so a pass that edits and queries in turn always sees the graph as
 * it is; rebuilding is O(nodes + edges). A tensor's definer is the live node
 * of lowest index writing it, its uses are in node order: exactly what a scan
 * over the live nodes finds.
 */
#include <string.h>

#include "ir.h"

int tensor_is_const(const Tensor *t) { return t->data != NULL && !t->is_input; }

int graph_is_const_f32(const Graph *g, int t) {
  return t >= 0 && g->t[t].data && g->t[t].dtype == DT_F32;
}

void graph_changed(Graph *g) { g->ud_stale = 1; }

void node_kill(Graph *g, int ni) {
  g->n[ni].dead = 1;
  g->ud_stale = 1;
}

/* (Re)builds *u for the live nodes of g. */
static void usedef_build(Graph *g, UseDef *u) {
  Arena *a = g->arena;
  int nt = g->nt, nn = g->nn, nuse = 0;
  u->def = arena_array(a, (size_t)nt + 1, sizeof(int));
  u->def_slot = arena_array(a, (size_t)nt + 1, sizeof(int));
  u->use_first = arena_array(a, (size_t)nt + 2, sizeof(int));
  for (int t = 0; t < nt; t++)
    u->def[t] = u->def_slot[t] = -1;
  for (int i = nn - 1; i >= 0; i--) { /* downwards: the lowest index wins */
    const Node *n = &g->n[i];
    if (n->dead)
      continue;
    for (int j = n->nout - 1; j >= 0; j--)
      if (n->out[j] >= 0 && n->out[j] < nt)
        u->def[n->out[j]] = i, u->def_slot[n->out[j]] = j;
    for (int j = 0; j < n->nin; j++)
      if (n->in[j] >= 0 && n->in[j] < nt)
        u->use_first[n->in[j] + 1]++, nuse++;
  }
  for (int t = 0; t < nt; t++)
    u->use_first[t + 1] += u->use_first[t];
  u->use_node = arena_array(a, (size_t)nuse + 1, sizeof(int));
  u->use_slot = arena_array(a, (size_t)nuse + 1, sizeof(int));
  int *fill = arena_array(a, (size_t)nt + 1, sizeof(int));
  for (int i = 0; i < nn; i++) {
    const Node *n = &g->n[i];
    for (int j = 0; !n->dead && j < n->nin; j++) {
      int t = n->in[j];
      if (t < 0 || t >= nt)
        continue;
      int k = u->use_first[t] + fill[t]++;
      u->use_node[k] = i, u->use_slot[k] = j;
    }
  }
  u->nt = nt;
}

const UseDef *graph_usedef(Graph *g) {
  if (!g->ud) {
    g->ud = arena_alloc(g->arena, sizeof *g->ud);
    g->ud_stale = 1;
  }
  if (g->ud_stale) {
    usedef_build(g, g->ud);
    g->ud_stale = 0;
  }
  return g->ud;
}

int graph_producer(Graph *g, int t) {
  if (t < 0)
    return -1;
  return graph_usedef(g)->def[t];
}

int graph_producer_slot(Graph *g, int t, int *slot) {
  if (t < 0)
    return -1;
  const UseDef *u = graph_usedef(g);
  *slot = u->def_slot[t];
  return u->def[t];
}

int graph_nuses(Graph *g, int t, int *node, int *slot) {
  const UseDef *u = graph_usedef(g);
  int k = u->use_first[t], cnt = u->use_first[t + 1] - k;
  if (node)
    *node = cnt ? u->use_node[k] : -1;
  if (slot)
    *slot = cnt ? u->use_slot[k] : -1;
  return cnt + (g->t[t].is_output ? 1 : 0);
}

int graph_only_user(Graph *g, int t) {
  int node;
  if (t < 0)
    return -1;
  return graph_nuses(g, t, &node, NULL) == 1 ? node : -1;
}

int node_keeps_values(const Node *n) {
  if (!op_has(n->op, OPF_KEEPS))
    return 0;
  return n->nout < 2 || n->out[1] < 0; /* MaxPool's indices, Dropout's mask */
}

int node_writes_bits(const Node *n) {
  if (op_has(n->op, OPF_BITS))
    return 1;
  return n->op == OP_XnorBlock && !strcmp(attr_string(n, "output", "float"), "bit");
}

const char *layer_kind_name(LayerKind k) { return k == LK_XNOR ? "xnor" : k == LK_BWN ? "bwn" : "float"; }

/* ---- names ---- */

const char *graph_fresh_name(Graph *g, const char *base) {
  if (!g->names) {
    g->names = arena_alloc(g->arena, sizeof *g->names);
    strmap_init(g->names, g->arena);
    for (int i = 0; i < g->nt; i++)
      if (strmap_get(g->names, g->t[i].name) < 0)
        strmap_put(g->names, g->t[i].name, i);
  }
  const char *s = base;
  for (int k = 1; strmap_get(g->names, s) >= 0; k++)
    s = arena_printf(g->arena, "%s.%d", base, k);
  return s;
}

/* ---- building ---- */

int graph_add_const(Graph *g, const char *name, const char *loc, DType dt, int rank, const int64_t *dims,
                    void *data) {
  int t = graph_add_tensor(g, name, loc);
  g->t[t].dtype = dt;
  if (rank >= 0)
    tensor_set_shape(&g->t[t], rank, dims);
  g->t[t].data = data;
  return t;
}

int graph_new_const(Graph *g, const char *base, const char *suffix, const char *loc, DType dt, int rank,
                    const int64_t *dims, void *data) {
  const char *name = graph_fresh_name(g, arena_printf(g->arena, "%s%s", base, suffix));
  return graph_add_const(g, name, loc, dt, rank, dims, data);
}

int graph_add_node_io(Graph *g, Op op, const char *name, const char *loc, int nin, const int *in, int nout,
                      const int *out) {
  int ni = graph_add_node(g, op, name, loc, nin, nout);
  for (int i = 0; in && i < nin; i++)
    g->n[ni].in[i] = in[i];
  for (int i = 0; out && i < nout; i++)
    g->n[ni].out[i] = out[i];
  return ni;
}

void node_set_int(Graph *g, int ni, const char *name, int64_t v) {
  node_add_attr(g, ni, name, AT_INT, NULL)->i = v;
}

void node_set_float(Graph *g, int ni, const char *name, float v) {
  node_add_attr(g, ni, name, AT_FLOAT, NULL)->f = v;
}

void node_set_ints(Graph *g, int ni, const char *name, int n, const int64_t *v) {
  Attr *a = node_add_attr(g, ni, name, AT_INTS, NULL);
  a->ints = arena_array(g->arena, (size_t)n + 1, sizeof(int64_t));
  memcpy(a->ints, v, (size_t)n * sizeof(int64_t));
  a->n = n;
}

void node_set_string(Graph *g, int ni, const char *name, const char *s) {
  Attr *a = node_add_attr(g, ni, name, AT_STRING, NULL);
  a->s = s;
  a->slen = strlen(s);
}
