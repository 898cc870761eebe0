/* node.c - NodeProto and AttributeProto: op lookup, the summary of
 * unsupported ops, attribute names and types, Constant values. */
#include <string.h>

#include "model.h"

const char *const om_attr_type_names[OM_AT__COUNT] = {
    "UNDEFINED", "FLOAT",  "INT",     "STRING",        "TENSOR",         "GRAPH",      "FLOATS", "INTS",
    "STRINGS",   "TENSORS", "GRAPHS", "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"};

const char *const om_attr_fields[OM_AT__COUNT] = {
    "",        "f",      "i",            "s",             "t",  "g",         "floats", "ints",
    "strings", "tensors", "graphs", "sparseTensor", "sparseTensors", "tp", "typeProtos"};

/* ---- unsupported ops and domains ---- */

static void note_unsupported(OmCtx *c, int what, const char *domain, const char *op, const char *name,
                             const char *path) {
  const char *key = arena_printf(c->a, "%d%zu:%s%s", what, strlen(domain), domain, what ? "" : op);
  int k = strmap_get(&c->unsup_index, key);
  if (k >= 0) {
    c->unsup[k].count++;
    return;
  }
  if (c->nunsup == c->capunsup) {
    c->capunsup = c->capunsup ? 2 * c->capunsup : 16;
    c->unsup = arena_grow(c->a, c->unsup, (size_t)c->nunsup, (size_t)c->capunsup, sizeof *c->unsup);
  }
  OmUnsupported *e = &c->unsup[c->nunsup];
  e->what = what;
  e->domain = domain;
  e->op = op;
  e->count = 1;
  e->first = what ? arena_printf(c->a, "node '%s' (%s) at %s", om_esc(c, name), om_esc(c, op), path)
                  : arena_printf(c->a, "node '%s' at %s", om_esc(c, name), path);
  strmap_put(&c->unsup_index, key, c->nunsup++);
}

void om_nodes_end(OmCtx *c) {
  for (int k = 0; k < c->nunsup; k++) {
    const OmUnsupported *e = &c->unsup[k];
    const char *nodes = e->count == 1 ? "node" : "nodes";
    if (e->what == 0)
      diag_error(c->d, "unsupported op '%s' (domain '%s'): %d %s, first: %s", om_esc(c, e->op),
                 om_esc(c, e->domain), e->count, nodes, e->first);
    else if (e->what == 1)
      diag_error(c->d, "unsupported domain '%s': %d %s, first: %s", om_esc(c, e->domain), e->count, nodes,
                 e->first);
    else
      diag_error(c->d, "domain '%s' is used by %d %s but %s does not import it; first: %s", om_esc(c, e->domain),
                 e->count, nodes, om_key(c, "opsetImport"), e->first);
  }
}

/* ---- nodes ---- */

static void declare_outputs(OmCtx *c, const OmNode *n) {
  for (int i = 0; i < n->nout; i++)
    if (*n->out[i])
      om_def(c, n->out[i], om_index(c, n->outbase, i));
}

int om_node(OmCtx *c, const OmNode *n) {
  if (!n->bad && !n->op_type)
    om_err(c, n->path, "a node needs an %s", om_key(c, "opType"));
  if (n->bad || !n->op_type) {
    declare_outputs(c, n);
    return -1;
  }
  const char *dom = !strcmp(n->domain, "ai.onnx") ? "" : n->domain;
  Op op = OP__COUNT;
  if (*dom && strcmp(dom, "xnor"))
    note_unsupported(c, 1, dom, n->op_type, n->name, n->path);
  else if (!strcmp(dom, "xnor") && !c->g->xnor_opset)
    note_unsupported(c, 2, dom, n->op_type, n->name, n->path);
  else if ((op = op_lookup(dom, n->op_type)) == OP__COUNT)
    note_unsupported(c, 0, dom, n->op_type, n->name, n->path);
  if (op == OP__COUNT) {
    declare_outputs(c, n);
    return -1;
  }

  /* Arity, omitted inputs and attribute kinds are the verifier's (ir/verify.c). */
  int ni = graph_add_node(c->g, op, n->name, n->path, n->nin, n->nout);
  for (int i = 0; i < n->nin; i++)
    if (*n->in[i])
      c->g->n[ni].in[i] = om_use(c, n->in[i], om_index(c, n->inbase, i));
  for (int i = 0; i < n->nout; i++) {
    if (!*n->out[i])
      continue;
    c->g->n[ni].out[i] = om_def(c, n->out[i], om_index(c, n->outbase, i));
  }
  /* Sized once (node_add_attr grows one by one). */
  if (n->nattr > 0)
    c->g->n[ni].attr = arena_array(c->a, (size_t)n->nattr, sizeof(Attr));
  return ni;
}

/* ---- attributes ---- */

int om_attr_name(OmCtx *c, int ni, const char *path, const char *name, StrMap *seen) {
  if (!name || !*name) {
    om_err(c, path, "an attribute needs a name");
    return -1;
  }
  int k = seen ? strmap_get(seen, name) : -1;
  const Attr *dup = seen ? (k >= 0 ? &c->g->n[ni].attr[k] : NULL) : node_attr(&c->g->n[ni], name);
  if (dup) {
    node_error(c->d, c->g, &c->g->n[ni], "attribute '%s' is given twice (%s and %s)", om_esc(c, name), dup->loc,
               path);
    return -1;
  }
  return 0;
}

int om_attr_type(OmCtx *c, const char *path, const char *tpath, const char *name, int given, unsigned present) {
  if (given == OM_AT_UNDEFINED) {
    om_err(c, tpath, "attribute '%s' has type UNDEFINED", om_esc(c, name));
    return -1;
  }
  if (given > 0)
    return given;
  for (int t = 1; t < OM_AT__COUNT; t++)
    if (present & (1u << t))
      return t;
  om_err(c, path, "attribute '%s' has neither a type nor a value", om_esc(c, name));
  return -1;
}

void om_attr_add(OmCtx *c, int ni, const Attr *a, StrMap *seen) {
  Node *n = &c->g->n[ni];
  if (seen)
    strmap_put(seen, a->name, n->nattr);
  n->attr[n->nattr++] = *a;
}

/* Constant: one of value, value_float(s), value_int(s) -> a single `value`
 * attribute (AT_TENSOR) pointing at a constant tensor. */
void om_node_end(OmCtx *c, int ni) {
  static const char *const forms[] = {"value", "value_float", "value_floats", "value_int", "value_ints",
                                      "value_string", "value_strings", "sparse_value"};
  static const AttrKind kinds[] = {AT_TENSOR, AT_FLOAT, AT_FLOATS, AT_INT, AT_INTS};
  static const int types[] = {OM_AT_TENSOR, OM_AT_FLOAT, OM_AT_FLOATS, OM_AT_INT, OM_AT_INTS};
  Node *n = &c->g->n[ni];
  if (n->op != OP_Constant)
    return;
  const Attr *a = NULL;
  int form = -1, found = 0;
  for (int i = 0; i < n->nattr; i++)
    for (int k = 0; k < 8; k++)
      if (!strcmp(n->attr[i].name, forms[k]))
        a = &n->attr[i], form = k, found++;
  if (found != 1) {
    node_error(c->d, c->g, n,
               "needs exactly one of the attributes value, value_float, value_floats, value_int, value_ints (found %d)",
               found);
    return;
  }
  if (form >= 5) {
    node_error(c->d, c->g, n, "a Constant with %s is not supported", forms[form]);
    return;
  }
  if (a->kind != kinds[form]) {
    node_error(c->d, c->g, n, "attribute '%s' has the wrong type (expected %s)", forms[form],
               om_attr_type_names[types[form]]);
    return;
  }
  Attr value = *a;
  if (form > 0) {
    const char *tname = n->nout > 0 && n->out[0] >= 0 ? c->g->t[n->out[0]].name : "";
    int scalar = form == 1 || form == 3, isint = form >= 3;
    int64_t cnt = scalar ? 1 : a->n;
    int ti = graph_add_tensor(c->g, tname, a->loc);
    Tensor *t = &c->g->t[ti];
    t->dtype = isint ? DT_I64 : DT_F32;
    t->rank = scalar ? 0 : 1;
    t->dims[0] = cnt;
    t->data = arena_array(c->a, (size_t)cnt + 1, dtype_size(t->dtype));
    if (form == 1)
      *(float *)t->data = a->f;
    else if (form == 3)
      *(int64_t *)t->data = a->i;
    else if (cnt)
      memcpy(t->data, isint ? (void *)a->ints : (void *)a->floats, (size_t)cnt * dtype_size(t->dtype));
    memset(&value, 0, sizeof value);
    value.loc = a->loc;
    value.kind = AT_TENSOR;
    value.tensor = ti;
  }
  value.name = "value";
  n = &c->g->n[ni];
  n->attr[0] = value;
  n->nattr = 1;
}
