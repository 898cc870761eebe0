/* graph.c - building graphs and reading attributes. */
#include <stddef.h>
#include <string.h>

#include "ir.h"

XN_OPS(XN_SHAPE_PROTO)
XN_OPS(XN_INTERP_PROTO)
XN_OPS(XN_EMIT_PROTO)
#define shape_none NULL
#define interp_none NULL
#define emit_none (*(const struct OpEmit *)0) /* so that &emit_none is NULL (C99 6.5.3.2) */

const OpDef op_info[OP__COUNT] = {
#define X(id, name, dom, mi, xi, mo, xo, fl, rd, sh, ip, em, at)                                               \
  {name, dom, mi, xi, mo, xo, fl, rd, shape_##sh, interp_##ip, &emit_##em, at},
    XN_OPS(X)
#undef X
};

int op_has(Op op, unsigned f) { return op < OP__COUNT && (op_info[op].flags & f) != 0; }

int op_is_fused_layer(Op op) { return op_has(op, OPF_BINARY) && op_has(op, OPF_FUSED); }

Op op_lookup(const char *domain, const char *name) {
  if (!domain || !strcmp(domain, "ai.onnx"))
    domain = "";
  for (int i = 0; i < OP__COUNT; i++)
    if (!strcmp(op_info[i].name, name) && !strcmp(op_info[i].domain, domain))
      return (Op)i;
  return OP__COUNT;
}

const char *dtype_name(DType t) {
  switch (t) {
  case DT_F32: return "float32";
  case DT_I64: return "int64";
  case DT_BIT: return "bit";
  case DT_I32: return "int32";
  case DT_BOOL: return "bool";
  default: return "?";
  }
}

size_t dtype_size(DType t) { return dtype_is_float(t) ? 4 : 8; }

int dtype_is_float(DType t) { return t == DT_F32 || t == DT_BIT; }

int dtype_is_int(DType t) { return t == DT_I64 || t == DT_I32; }

int tensor_io_elem(const Tensor *t) {
  if (dtype_is_float(t->dtype))
    return 1;
  if (t->dtype == DT_I32)
    return 6;
  if (t->dtype == DT_BOOL)
    return 9;
  return t->elem >= 2 && t->elem <= 5 ? t->elem : 7;
}

const char *elem_c_type(int elem) {
  static const char *const names[] = {"float", "float", "uint8_t", "int8_t", "uint16_t", "int16_t", "int32_t",
                                      "int64_t", "float", "bool"};
  return elem >= 0 && elem <= 9 ? names[elem] : "float";
}

int64_t dtype_wrap(DType t, int64_t v) {
  if (t == DT_BOOL)
    return v != 0;
  if (t == DT_I32) {
    uint32_t u = (uint32_t)(uint64_t)v;
    return u <= (uint32_t)INT32_MAX ? (int64_t)u : (int64_t)u - ((int64_t)1 << 32);
  }
  return v;
}

Graph *graph_new(const char *file) {
  Arena *a = arena_new();
  if (!a)
    return NULL;
  Graph *g = arena_try_alloc(a, sizeof *g);
  if (!g) {
    arena_free(a);
    return NULL;
  }
  g->arena = a;
  g->file = file ? file : "";
  g->name = "";
  return g;
}

void graph_free(Graph *g) {
  if (g)
    arena_free(g->arena);
}

int graph_add_tensor(Graph *g, const char *name, const char *loc) {
  if (g->nt == g->capt) {
    int cap = g->capt ? g->capt * 2 : 64;
    g->t = arena_grow(g->arena, g->t, (size_t)g->nt, (size_t)cap, sizeof *g->t);
    g->capt = cap;
  }
  Tensor *t = &g->t[g->nt];
  memset(t, 0, sizeof *t);
  t->name = name ? name : "";
  t->loc = loc ? loc : "";
  t->rank = -1;
  t->producer = -1;
  g->ud_stale = 1;
  if (g->names && strmap_get(g->names, t->name) < 0)
    strmap_put(g->names, t->name, g->nt);
  return g->nt++;
}

int graph_find_tensor(const Graph *g, const char *name) {
  for (int i = 0; i < g->nt; i++)
    if (!strcmp(g->t[i].name, name))
      return i;
  return -1;
}

int graph_add_node(Graph *g, Op op, const char *name, const char *loc, int nin, int nout) {
  if (g->nn == g->capn) {
    int cap = g->capn ? g->capn * 2 : 64;
    g->n = arena_grow(g->arena, g->n, (size_t)g->nn, (size_t)cap, sizeof *g->n);
    g->capn = cap;
  }
  Node *n = &g->n[g->nn];
  memset(n, 0, sizeof *n);
  n->op = op;
  n->name = name ? name : "";
  n->loc = loc ? loc : "";
  n->nin = nin;
  n->nout = nout;
  n->in = arena_array(g->arena, (size_t)(nin ? nin : 1), sizeof(int));
  n->out = arena_array(g->arena, (size_t)(nout ? nout : 1), sizeof(int));
  for (int i = 0; i < nin; i++)
    n->in[i] = -1;
  for (int i = 0; i < nout; i++)
    n->out[i] = -1;
  g->ud_stale = 1;
  return g->nn++;
}

Attr *node_add_attr(Graph *g, int ni, const char *name, AttrKind kind, const char *loc) {
  Node *n = &g->n[ni];
  n->attr = arena_grow(g->arena, n->attr, (size_t)n->nattr, (size_t)n->nattr + 1, sizeof *n->attr);
  Attr *a = &n->attr[n->nattr++];
  a->name = name;
  a->kind = kind;
  a->loc = loc ? loc : n->loc;
  a->tensor = -1;
  return a;
}

void graph_add_input(Graph *g, int ti) {
  g->inputs = arena_grow(g->arena, g->inputs, (size_t)g->ninputs, (size_t)g->ninputs + 1, sizeof(int));
  g->inputs[g->ninputs++] = ti;
  g->t[ti].is_input = 1;
}

void graph_add_output(Graph *g, int ti) {
  g->outputs = arena_grow(g->arena, g->outputs, (size_t)g->noutputs, (size_t)g->noutputs + 1, sizeof(int));
  g->outputs[g->noutputs++] = ti;
  g->t[ti].is_output = 1;
}

const Attr *node_attr(const Node *n, const char *name) {
  for (int i = 0; i < n->nattr; i++)
    if (!strcmp(n->attr[i].name, name))
      return &n->attr[i];
  return NULL;
}

int64_t attr_int(const Node *n, const char *name, int64_t dflt) {
  const Attr *a = node_attr(n, name);
  return a && a->kind == AT_INT ? a->i : dflt;
}

float attr_float(const Node *n, const char *name, float dflt) {
  const Attr *a = node_attr(n, name);
  return a && a->kind == AT_FLOAT ? a->f : dflt;
}

int attr_ints(const Node *n, const char *name, const int64_t **v) {
  const Attr *a = node_attr(n, name);
  if (!a || a->kind != AT_INTS)
    return -1;
  *v = a->ints;
  return a->n;
}

const char *attr_string(const Node *n, const char *name, const char *dflt) {
  const Attr *a = node_attr(n, name);
  return a && a->kind == AT_STRING ? a->s : dflt;
}

int64_t tensor_numel(const Tensor *t) {
  if (t->rank < 0)
    return -1;
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++)
    if (t->dims[i] < 0 || !xn_mul_ok(n, t->dims[i], &n))
      return -1;
  return n;
}

void tensor_set_shape(Tensor *t, int rank, const int64_t *dims) {
  t->rank = rank;
  for (int i = 0; i < rank; i++)
    t->dims[i] = dims[i];
}

void tensor_declare(Tensor *t, int rank, const int64_t *dims, DType dt, const char *loc) {
  t->has_decl = 1;
  t->decl_rank = rank;
  for (int i = 0; i < rank; i++)
    t->decl_dims[i] = dims[i];
  t->decl_dtype = dt;
  t->decl_loc = loc ? loc : t->loc;
}

const char *shape_str(Graph *g, const Tensor *t) {
  if (t->rank < 0)
    return "?";
  if (t->rank == 0)
    return "scalar";
  StrBuf b;
  sb_init(&b, g->arena);
  for (int i = 0; i < t->rank; i++)
    sb_printf(&b, i ? "x%lld" : "%lld", (long long)t->dims[i]);
  return b.s;
}

/* Names may hold any bytes: show them with C-style escapes. */
static void put_escaped(StrBuf *b, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\\' || c == '\'')
      sb_printf(b, "\\%c", c);
    else if (c < 0x20 || c == 0x7f)
      sb_printf(b, "\\x%02x", c);
    else
      sb_putc(b, (char)c);
  }
}

const char *node_desc(Graph *g, const Node *n) {
  StrBuf b;
  sb_init(&b, g->arena);
  sb_puts(&b, "node '");
  put_escaped(&b, n->name);
  sb_printf(&b, "' (%s) at %s", n->op < OP__COUNT ? op_info[n->op].name : "?", n->loc);
  return b.s;
}

void node_error(Diag *d, Graph *g, const Node *n, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  diag_error(d, "%s: %s", node_desc(g, n), msg);
}

Tensor *node_in(Graph *g, const Node *n, int i) {
  if (i < 0 || i >= n->nin || n->in[i] < 0)
    return NULL;
  return &g->t[n->in[i]];
}

Tensor *node_out(Graph *g, const Node *n, int i) {
  if (i < 0 || i >= n->nout || n->out[i] < 0)
    return NULL;
  return &g->t[n->out[i]];
}
