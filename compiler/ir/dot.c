/* dot.c - the graph for Graphviz (`dot -Tpng`).
 *
 * Live nodes are boxes labelled with op, name and output shapes. Colours come
 * from the op table, not from op names: ops of the binary domain ("xnor") are
 * orange, float layers (OPF_LAYER) blue, elementwise ops grey. Binary ops that
 * feed each other form one cluster (a binary block); a node's string attribute
 * "fused" (what a fused block op absorbed) is shown in its label and in its
 * cluster's title. Constants are not drawn: each consumer lists them. */
#include <string.h>

#include "ir.h"

#define BINARY_DOMAIN "xnor"
#define MAX_CONSTS 4 /* constants listed in a label before "+N more" */

/* Text inside a dot "..." string: printable ASCII as is, '"' and '\' escaped,
 * other bytes shown as \xHH; at most max bytes of s (then "..."). */
static void put_text(StrBuf *b, const char *s, size_t max) {
  static const char hex[] = "0123456789abcdef";
  size_t i = 0;
  for (; s[i] && i < max; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      sb_putc(b, '\\');
      sb_putc(b, (char)c);
    } else if (c >= 0x20 && c < 0x7f) {
      sb_putc(b, (char)c);
    } else {
      char e[5] = {'\\', '\\', 'x', hex[c >> 4], hex[c & 15]};
      sb_putn(b, e, 5);
    }
  }
  if (s[i])
    sb_puts(b, "...");
}

static int is_binary(const Node *n) { return n->op < OP__COUNT && !strcmp(op_info[n->op].domain, BINARY_DOMAIN); }

static const char *fill(const Node *n) {
  if (n->op >= OP__COUNT)
    return "#ffffff";
  if (is_binary(n))
    return "#f9cb9c";
  if (op_info[n->op].flags & OPF_LAYER)
    return "#c9daf8";
  if (op_info[n->op].flags & OPF_ELEMWISE)
    return "#eeeeee";
  return "#ffffff";
}

static void put_node(Graph *g, StrBuf *b, int i) {
  const Node *n = &g->n[i];
  sb_printf(b, "  n%d [fillcolor=\"%s\"%s, label=\"", i, fill(n), is_binary(n) ? ", color=\"#b45f06\"" : "");
  if (n->op < OP__COUNT && op_info[n->op].domain[0])
    sb_printf(b, "%s.", op_info[n->op].domain);
  sb_puts(b, n->op < OP__COUNT ? op_info[n->op].name : "?");
  if (n->name[0]) {
    sb_puts(b, "\\n");
    put_text(b, n->name, 40);
  }
  for (int j = 0; j < n->nout; j++)
    if (n->out[j] >= 0)
      sb_printf(b, "\\n-> %s", shape_str(g, &g->t[n->out[j]]));
  int nconst = 0;
  for (int j = 0; j < n->nin; j++) {
    const Tensor *t = n->in[j] >= 0 ? &g->t[n->in[j]] : NULL;
    if (!t || !tensor_is_const(t))
      continue;
    if (nconst++ < MAX_CONSTS) {
      sb_puts(b, "\\n+ ");
      put_text(b, t->name, 24);
      sb_printf(b, " [%s]", shape_str(g, t));
    }
  }
  if (nconst > MAX_CONSTS)
    sb_printf(b, "\\n+ %d more constants", nconst - MAX_CONSTS);
  const char *fused = attr_string(n, "fused", NULL);
  if (fused) {
    sb_puts(b, "\\nfused: ");
    put_text(b, fused, 80);
  }
  sb_puts(b, "\"];\n");
}

/* Union-find over node indices, to group connected binary nodes. */
static int find(int *p, int x) {
  while (p[x] != x)
    x = p[x] = p[p[x]];
  return x;
}

void ir_dot(Graph *g, StrBuf *out) {
  const int *producer = graph_usedef(g)->def;
  int *parent = arena_array(g->arena, (size_t)g->nn + 1, sizeof(int));
  for (int i = 0; i < g->nn; i++)
    parent[i] = i;
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (n->dead || !is_binary(n))
      continue;
    for (int j = 0; j < n->nin; j++) {
      int p = n->in[j] >= 0 && n->in[j] < g->nt ? producer[n->in[j]] : -1;
      if (p >= 0 && is_binary(&g->n[p]))
        parent[find(parent, p)] = find(parent, i);
    }
  }

  sb_puts(out, "digraph \"");
  put_text(out, g->name, 80);
  sb_puts(out, "\" {\n"
               "  graph [fontname=\"Helvetica\", fontsize=11, labelloc=t, label=\"");
  put_text(out, g->name, 80);
  sb_puts(out, "\"];\n"
               "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n"
               "  edge [color=\"#555555\", arrowsize=0.7];\n");
  for (int i = 0; i < g->ninputs; i++) {
    const Tensor *t = &g->t[g->inputs[i]];
    sb_printf(out, "  t%d [shape=ellipse, fillcolor=\"#d9ead3\", label=\"", g->inputs[i]);
    put_text(out, t->name, 40);
    sb_printf(out, "\\n%s\"];\n", shape_str(g, t));
  }
  /* Binary blocks: one cluster per connected group, listed from its root. */
  for (int r = 0; r < g->nn; r++) {
    if (g->n[r].dead || !is_binary(&g->n[r]) || find(parent, r) != r)
      continue;
    sb_printf(out, "  subgraph cluster_%d {\n    style=\"rounded,dashed\"; color=\"#b45f06\"; label=\"binary", r);
    for (int i = 0; i < g->nn; i++) {
      const char *fused = g->n[i].dead || find(parent, i) != r ? NULL : attr_string(&g->n[i], "fused", NULL);
      if (fused) {
        sb_puts(out, " (");
        put_text(out, fused, 80);
        sb_putc(out, ')');
      }
    }
    sb_puts(out, "\";\n");
    for (int i = 0; i < g->nn; i++)
      if (!g->n[i].dead && is_binary(&g->n[i]) && find(parent, i) == r) {
        sb_puts(out, "  ");
        put_node(g, out, i);
      }
    sb_puts(out, "  }\n");
  }
  for (int i = 0; i < g->nn; i++)
    if (!g->n[i].dead && !is_binary(&g->n[i]))
      put_node(g, out, i);
  /* Edges: producer (node or graph input) to consumer; constants are in labels. */
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (n->dead)
      continue;
    for (int j = 0; j < n->nin; j++) {
      int ti = n->in[j];
      if (ti < 0 || ti >= g->nt)
        continue;
      if (producer[ti] >= 0)
        sb_printf(out, "  n%d -> n%d;\n", producer[ti], i);
      else if (g->t[ti].is_input)
        sb_printf(out, "  t%d -> n%d;\n", ti, i);
    }
  }
  for (int i = 0; i < g->noutputs; i++) {
    int ti = g->outputs[i];
    const Tensor *t = &g->t[ti];
    sb_printf(out, "  o%d [shape=ellipse, fillcolor=\"#fff2cc\", label=\"", i);
    put_text(out, t->name, 40);
    sb_printf(out, "\\n%s\"];\n", shape_str(g, t));
    if (producer[ti] >= 0)
      sb_printf(out, "  n%d -> o%d;\n", producer[ti], i);
    else if (t->is_input)
      sb_printf(out, "  t%d -> o%d;\n", ti, i);
  }
  sb_puts(out, "}\n");
}
