/* json.c - the JSON frontend: an ONNX ModelProto in protobuf's JSON mapping
 * (what json_format.MessageToJson writes) -> Graph. docs/format.md describes
 * what is accepted.
 *
 * Order: opset imports, initializers (constants with data), graph inputs (an
 * input that is also an initializer is the initializer), nodes in file order,
 * graph outputs. Tensor names resolve through a name map; a node input naming
 * a tensor nobody declared gets a fresh tensor, which topo_sort() reports.
 * Every tensor, node and attribute records its JSON path as loc.
 */
#include <string.h>

#include "jsonfe.h"

static const char *const attr_type_names[] = {
    "UNDEFINED", "FLOAT",  "INT",     "STRING",        "TENSOR",         "GRAPH",      "FLOATS", "INTS",
    "STRINGS",   "TENSORS", "GRAPHS", "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"};
enum {
  AT_ONNX_UNDEFINED, AT_ONNX_FLOAT, AT_ONNX_INT, AT_ONNX_STRING, AT_ONNX_TENSOR, AT_ONNX_GRAPH,
  AT_ONNX_FLOATS, AT_ONNX_INTS, AT_ONNX__COUNT = 15
};

/* Value field of each attribute type, to infer a missing type (first match wins). */
static const struct { const char *field; int type; } attr_fields[] = {
    {"f", 1}, {"i", 2}, {"s", 3}, {"t", 4}, {"g", 5}, {"floats", 6}, {"ints", 7},
    {"strings", 8}, {"tensors", 9}, {"graphs", 10}, {"sparseTensor", 11},
    {"sparseTensors", 12}, {"tp", 13}, {"typeProtos", 14}};

enum { OPSET_MIN = 7, OPSET_MAX = 17, XNOR_OPSET = 1 };

/* Nodes that cannot be built: an unsupported op, an unsupported or
 * unimported domain. Reported once per kind, after all nodes. */
typedef struct Unsupported {
  int what;          /* 0 op, 1 unsupported domain, 2 domain not imported */
  const char *domain, *op;
  int count;         /* nodes */
  const char *first; /* the first node, as "node 'n' at graph.node[4]" */
} Unsupported;

typedef struct Unsup {
  Unsupported *v;
  int n, cap;
  StrMap index; /* key -> index in v */
} Unsup;

static void note_unsupported(JCtx *c, Unsup *u, int what, const char *domain, const char *op,
                             const char *name, const char *path) {
  const char *key = arena_printf(c->a, "%d%zu:%s%s", what, strlen(domain), domain, what ? "" : op);
  int k = strmap_get(&u->index, key);
  if (k >= 0) {
    u->v[k].count++;
    return;
  }
  if (u->n == u->cap) {
    u->cap = u->cap ? 2 * u->cap : 16;
    u->v = arena_grow(c->a, u->v, (size_t)u->n, (size_t)u->cap, sizeof *u->v);
  }
  Unsupported *e = &u->v[u->n];
  e->what = what;
  e->domain = domain;
  e->op = op;
  e->count = 1;
  e->first = what ? arena_printf(c->a, "node '%s' (%s) at %s", jesc(c, name), jesc(c, op), path)
                  : arena_printf(c->a, "node '%s' at %s", jesc(c, name), path);
  strmap_put(&u->index, key, u->n++);
}

static void report_unsupported(JCtx *c, const Unsup *u) {
  for (int k = 0; k < u->n; k++) {
    const Unsupported *e = &u->v[k];
    const char *nodes = e->count == 1 ? "node" : "nodes";
    if (e->what == 0)
      diag_error(c->d, "unsupported op '%s' (domain '%s'): %d %s, first: %s", jesc(c, e->op),
                 jesc(c, e->domain), e->count, nodes, e->first);
    else if (e->what == 1)
      diag_error(c->d, "unsupported domain '%s': %d %s, first: %s", jesc(c, e->domain), e->count,
                 nodes, e->first);
    else
      diag_error(c->d, "domain '%s' is used by %d %s but opsetImport does not import it; first: %s",
                 jesc(c, e->domain), e->count, nodes, e->first);
  }
}

/* ---- opset imports ---- */

static void load_opsets(JCtx *c, const cJSON *model) {
  const char *key;
  const cJSON *imports = jfield(c, model, "", "opsetImport", &key);
  if (!imports) {
    diag_error(c->d, "opsetImport is missing: the model must import an opset of the default domain ('' or 'ai.onnx')");
    return;
  }
  int n = jget_array(c, imports, key);
  if (n < 0)
    return;
  const char *xnor_at = NULL, *onnx_at = NULL;
  int i = 0;
  for (const cJSON *imp = n > 0 ? imports->child : NULL, *v; imp; imp = imp->next, i++) {
    const char *path = jpath_index(c, key, i), *k2, *domain = "";
    int64_t version = 0;
    if (jget_object(c, imp, path))
      continue;
    if ((v = jfield(c, imp, path, "domain", &k2)) && jget_name(c, v, jpath(c, path, k2), &domain))
      continue;
    if ((v = jfield(c, imp, path, "version", &k2)) && jget_int64(c, v, jpath(c, path, k2), &version))
      continue;
    if (!*domain || !strcmp(domain, "ai.onnx")) {
      if (onnx_at) {
        jerr(c, path, "the default domain is imported twice (first at %s)", onnx_at);
        continue;
      }
      onnx_at = path;
      if (version < OPSET_MIN || version > OPSET_MAX)
        jerr(c, path, "unsupported opset version %lld (supported: %d to %d)", (long long)version,
             OPSET_MIN, OPSET_MAX);
      else
        c->g->opset = version;
    } else if (!strcmp(domain, "xnor")) {
      if (xnor_at) {
        jerr(c, path, "domain 'xnor' is imported twice (first at %s)", xnor_at);
        continue;
      }
      xnor_at = path;
      if (version != XNOR_OPSET)
        jerr(c, path, "unsupported version %lld of domain 'xnor' (supported: %d)", (long long)version,
             XNOR_OPSET);
      else
        c->g->xnor_opset = version;
    }
    /* Other domains matter only if a node uses them. */
  }
  if (!onnx_at)
    diag_error(c->d, "opsetImport does not import the default domain ('' or 'ai.onnx')");
}

/* ---- tensors by name ---- */

/* The tensor a node input names; a fresh one when nobody declared it yet. */
static int use_tensor(JCtx *c, const char *name, const char *loc) {
  int ti = strmap_get(&c->names, name);
  if (ti < 0) {
    ti = graph_add_tensor(c->g, name, loc);
    strmap_put(&c->names, name, ti);
    strmap_put(&c->refonly, name, 1);
  }
  return ti;
}

/* The tensor a node output names (its loc becomes the output's path). */
static int def_tensor(JCtx *c, const char *name, const char *loc) {
  int ti = strmap_get(&c->names, name);
  if (ti < 0) {
    ti = graph_add_tensor(c->g, name, loc);
    strmap_put(&c->names, name, ti);
  } else if (strmap_get(&c->refonly, name) == 1) {
    c->g->t[ti].loc = loc;
    strmap_put(&c->refonly, name, 0);
  }
  return ti;
}

/* ---- initializers and graph inputs ---- */

static void load_initializers(JCtx *c, const cJSON *graph) {
  const char *key;
  const cJSON *inits = jfield(c, graph, "graph", "initializer", &key);
  if (!inits)
    return;
  const char *base = jpath(c, "graph", key);
  int n = jget_array(c, inits, base);
  int i = 0;
  for (const cJSON *e = n > 0 ? inits->child : NULL; e; e = e->next, i++) {
    const char *path = jpath_index(c, base, i);
    int ti = json_tensor(c, e, path);
    if (ti < 0)
      continue;
    const char *name = c->g->t[ti].name;
    if (!*name) {
      jerr(c, path, "an initializer needs a name");
      continue;
    }
    int prev = strmap_get(&c->names, name);
    if (prev >= 0) {
      jerr(c, path, "duplicate initializer name '%s' (first at %s)", jesc(c, name), c->g->t[prev].loc);
      continue;
    }
    strmap_put(&c->names, name, ti);
  }
}

/* "input 'x' at graph.input[0]" */
static const char *input_desc(JCtx *c, const char *name, const char *path) {
  return arena_printf(c->a, "input '%s' at %s", jesc(c, name), path);
}

/* Reads one dim of a graph input's shape into *out; returns 0 or -1. */
static int input_dim(JCtx *c, const cJSON *dim, const char *dpath, const char *desc, int i, int64_t *out) {
  const cJSON *v;
  const char *key;
  if (jget_object(c, dim, dpath))
    return -1;
  if ((v = jfield(c, dim, dpath, "dimValue", &key))) {
    if (jget_int64(c, v, jpath(c, dpath, key), out))
      return -1;
    if (*out < 1) {
      diag_error(c->d, "%s: dimension %d is %lld (must be >= 1)", desc, i, (long long)*out);
      return -1;
    }
    return 0;
  }
  if ((v = jfield(c, dim, dpath, "dimParam", &key))) {
    const char *param;
    if (jget_name(c, v, jpath(c, dpath, key), &param))
      return -1;
    for (int k = 0; c->o && k < c->o->ndims; k++)
      if (!strcmp(c->o->dims[k].name, param)) {
        *out = c->o->dims[k].value;
        return 0;
      }
    diag_error(c->d, "%s: dimension %d is symbolic ('%s'): give its value with --dim %s=N", desc, i,
               jesc(c, param), jesc(c, param));
    return -1;
  }
  diag_error(c->d, "%s: dimension %d is unknown (neither dimValue nor dimParam)", desc, i);
  return -1;
}

static void load_input(JCtx *c, const cJSON *vi, const char *path, int idx) {
  const cJSON *v;
  const char *key, *name = "";
  if (jget_object(c, vi, path))
    return;
  if (!(v = jfield(c, vi, path, "name", &key)) || (cJSON_IsString(v) && !*v->valuestring)) {
    jerr(c, path, "a graph input needs a name");
    return;
  }
  if (jget_name(c, v, jpath(c, path, key), &name))
    return;
  int prev = strmap_get(&c->inames, name);
  if (prev >= 0) {
    jerr(c, path, "duplicate input name '%s' (first at graph.input[%d])", jesc(c, name), prev);
    return;
  }
  strmap_put(&c->inames, name, idx);
  /* An initializer that is also listed as an input is a constant. */
  if (strmap_get(&c->names, name) >= 0)
    return;

  const char *desc = input_desc(c, name, path);
  const cJSON *type = jfield(c, vi, path, "type", &key), *tt;
  const char *tpath = jpath(c, path, key);
  if (!type) {
    diag_error(c->d, "%s: has no type", desc);
    return;
  }
  if (jget_object(c, type, tpath))
    return;
  if (!(tt = jfield(c, type, tpath, "tensorType", &key))) {
    diag_error(c->d, "%s: is not a tensor (only tensor inputs are supported)", desc);
    return;
  }
  tpath = jpath(c, tpath, key);
  if (jget_object(c, tt, tpath))
    return;
  int et = 0;
  if ((v = jfield(c, tt, tpath, "elemType", &key)) &&
      jget_enum(c, v, jpath(c, tpath, key), "data type", json_dtype_names, JSON_NDTYPES, &et))
    return;
  if (et != 1) {
    diag_error(c->d, "%s: element type is %s (only FLOAT inputs are supported)", desc, json_dtype_names[et]);
    return;
  }
  const cJSON *shape = jfield(c, tt, tpath, "shape", &key);
  if (!shape) {
    diag_error(c->d, "%s: has no shape (xnorcc needs the input shapes)", desc);
    return;
  }
  const char *spath = jpath(c, tpath, key);
  if (jget_object(c, shape, spath))
    return;
  int rank = 0, bad = 0;
  int64_t dims[XN_MAX_RANK];
  const cJSON *dim = jfield(c, shape, spath, "dim", &key);
  if (dim) {
    const char *dpath = jpath(c, spath, key);
    rank = jget_array(c, dim, dpath);
    if (rank < 0)
      return;
    if (rank > XN_MAX_RANK) {
      diag_error(c->d, "%s: has %d dims (at most %d are supported)", desc, rank, XN_MAX_RANK);
      return;
    }
    for (int i = 0; i < rank; i++)
      if (input_dim(c, cJSON_GetArrayItem(dim, i), jpath_index(c, dpath, i), desc, i, &dims[i]))
        bad = 1;
  }
  if (bad)
    return;
  int ti = graph_add_tensor(c->g, name, path);
  c->g->t[ti].dtype = DT_F32;
  tensor_set_shape(&c->g->t[ti], rank, dims);
  strmap_put(&c->names, name, ti);
  /* Not graph_add_input(), which grows the array one by one. */
  c->g->inputs[c->g->ninputs++] = ti;
  c->g->t[ti].is_input = 1;
}

/* ---- nodes ---- */

/* Reads a string array (node inputs/outputs) into names; returns its size or -1. */
static int name_list(JCtx *c, const cJSON *node, const char *path, const char *field,
                     const char ***names, const char **base) {
  const char *key;
  const cJSON *v = jfield(c, node, path, field, &key);
  *base = jpath(c, path, key);
  *names = NULL;
  if (!v)
    return 0;
  int n = jget_array(c, v, *base);
  if (n <= 0)
    return n;
  *names = arena_array(c->a, (size_t)n, sizeof **names);
  int i = 0, bad = 0;
  for (const cJSON *e = v->child; e; e = e->next, i++)
    if (jget_name(c, e, jpath_index(c, *base, i), &(*names)[i]))
      bad = 1;
  return bad ? -1 : n;
}

static int read_attr_value(JCtx *c, Attr *a, const cJSON *obj, const char *path, int type) {
  const char *key;
  const cJSON *v;
  switch (type) {
  case AT_ONNX_INT:
    a->kind = AT_INT;
    return (v = jfield(c, obj, path, "i", &key)) ? jget_int64(c, v, jpath(c, path, key), &a->i) : 0;
  case AT_ONNX_FLOAT:
    a->kind = AT_FLOAT;
    return (v = jfield(c, obj, path, "f", &key)) ? jget_float(c, v, jpath(c, path, key), &a->f) : 0;
  case AT_ONNX_STRING: {
    a->kind = AT_STRING;
    a->s = "";
    if (!(v = jfield(c, obj, path, "s", &key)))
      return 0;
    const char *sp = jpath(c, path, key);
    if (!cJSON_IsString(v)) {
      jerr(c, sp, "expected a base64 string, found %s", jtype_name(v));
      return -1;
    }
    long long n = jbase64_len(c, v->valuestring, sp);
    if (n < 0)
      return -1;
    unsigned char *s = arena_alloc(c->a, (size_t)n + 1);
    jbase64_decode(v->valuestring, s);
    a->s = (const char *)s;
    a->slen = (size_t)n;
    return 0;
  }
  case AT_ONNX_TENSOR: {
    a->kind = AT_TENSOR;
    if (!(v = jfield(c, obj, path, "t", &key))) {
      jerr(c, path, "a TENSOR attribute needs a value in 't'");
      return -1;
    }
    int ti = json_tensor(c, v, jpath(c, path, key));
    a->tensor = ti;
    return ti < 0 ? -1 : 0;
  }
  case AT_ONNX_INTS:
  case AT_ONNX_FLOATS: {
    int ints = type == AT_ONNX_INTS;
    a->kind = ints ? AT_INTS : AT_FLOATS;
    if (!(v = jfield(c, obj, path, ints ? "ints" : "floats", &key)))
      return 0;
    const char *ap = jpath(c, path, key);
    int n = jget_array(c, v, ap);
    if (n < 0)
      return -1;
    a->n = n;
    if (ints)
      a->ints = arena_array(c->a, (size_t)n + 1, sizeof *a->ints);
    else
      a->floats = arena_array(c->a, (size_t)n + 1, sizeof *a->floats);
    int i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
      const char *ep = jpath_index(c, ap, i);
      if (ints ? jget_int64(c, e, ep, &a->ints[i]) : jget_float(c, e, ep, &a->floats[i]))
        return -1;
    }
    return 0;
  }
  default:
    a->kind = AT_OTHER;
    return 0;
  }
}

/* Adds an attribute to node ni, whose attr array load_node sized for all. */
static Attr *add_attr(JCtx *c, int ni) {
  Node *n = &c->g->n[ni];
  return &n->attr[n->nattr++];
}

static void load_attr(JCtx *c, int ni, const cJSON *obj, const char *path, StrMap *seen) {
  const cJSON *v;
  const char *key, *name;
  if (jget_object(c, obj, path))
    return;
  if (!(v = jfield(c, obj, path, "name", &key)) || (cJSON_IsString(v) && !*v->valuestring)) {
    jerr(c, path, "an attribute needs a name");
    return;
  }
  if (jget_name(c, v, jpath(c, path, key), &name))
    return;
  int k = seen ? strmap_get(seen, name) : -1;
  const Attr *dup = seen ? (k >= 0 ? &c->g->n[ni].attr[k] : NULL) : node_attr(&c->g->n[ni], name);
  if (dup) {
    node_error(c->d, c->g, &c->g->n[ni], "attribute '%s' is given twice (%s and %s)", jesc(c, name),
               dup->loc, path);
    return;
  }
  int type = -1;
  if ((v = jfield(c, obj, path, "type", &key))) {
    if (jget_enum(c, v, jpath(c, path, key), "attribute type", attr_type_names, AT_ONNX__COUNT, &type))
      return;
    if (type == AT_ONNX_UNDEFINED) {
      jerr(c, jpath(c, path, key), "attribute '%s' has type UNDEFINED", jesc(c, name));
      return;
    }
  } else {
    for (size_t k = 0; k < sizeof attr_fields / sizeof *attr_fields && type < 0; k++)
      if (jfield(c, obj, path, attr_fields[k].field, NULL))
        type = attr_fields[k].type;
    if (type < 0) {
      jerr(c, path, "attribute '%s' has neither a type nor a value", jesc(c, name));
      return;
    }
  }
  Attr tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.tensor = -1;
  /* Read into tmp first: reading a tensor may add tensors but never attributes. */
  if (read_attr_value(c, &tmp, obj, path, type))
    return;
  tmp.name = name;
  tmp.loc = path;
  if (seen)
    strmap_put(seen, name, c->g->n[ni].nattr);
  *add_attr(c, ni) = tmp;
}

/* Constant: one of value, value_float(s), value_int(s) -> a single `value`
 * attribute (AT_TENSOR) pointing at a constant tensor. */
static void normalize_constant(JCtx *c, int ni) {
  static const char *const forms[] = {"value", "value_float", "value_floats", "value_int", "value_ints",
                                      "value_string", "value_strings", "sparse_value"};
  static const AttrKind kinds[] = {AT_TENSOR, AT_FLOAT, AT_FLOATS, AT_INT, AT_INTS};
  Node *n = &c->g->n[ni];
  const Attr *a = NULL;
  int form = -1, found = 0;
  for (int i = 0; i < n->nattr; i++)
    for (int k = 0; k < 8; k++)
      if (!strcmp(n->attr[i].name, forms[k]))
        a = &n->attr[i], form = k, found++;
  if (found != 1) {
    node_error(c->d, c->g, n, "needs exactly one of the attributes value, value_float, value_floats, value_int, value_ints (found %d)", found);
    return;
  }
  if (form >= 5) {
    node_error(c->d, c->g, n, "a Constant with %s is not supported", forms[form]);
    return;
  }
  if (a->kind != kinds[form]) {
    node_error(c->d, c->g, n, "attribute '%s' has the wrong type (expected %s)", forms[form],
               attr_type_names[form == 0 ? 4 : form == 1 ? 1 : form == 2 ? 6 : form == 3 ? 2 : 7]);
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

static void load_node(JCtx *c, const cJSON *obj, const char *path, Unsup *u) {
  const cJSON *v;
  const char *key, *op_type, *domain = "", *name = "";
  if (jget_object(c, obj, path))
    return;
  if (!(v = jfield(c, obj, path, "opType", &key))) {
    jerr(c, path, "a node needs an opType");
    return;
  }
  int bad = jget_name(c, v, jpath(c, path, key), &op_type);
  if ((v = jfield(c, obj, path, "domain", &key)) && jget_name(c, v, jpath(c, path, key), &domain))
    bad = 1;
  if ((v = jfield(c, obj, path, "name", &key)) && jget_name(c, v, jpath(c, path, key), &name))
    bad = 1;
  const char **ins, **outs, *inbase, *outbase;
  int nin = name_list(c, obj, path, "input", &ins, &inbase);
  int nout = name_list(c, obj, path, "output", &outs, &outbase);
  if (bad || nin < 0 || nout < 0) {
    /* Declare its outputs anyway so that their users do not cascade errors. */
    for (int i = 0; i < nout; i++)
      if (*outs[i])
        def_tensor(c, outs[i], jpath_index(c, outbase, i));
    return;
  }

  const char *dom = !strcmp(domain, "ai.onnx") ? "" : domain;
  Op op = OP__COUNT;
  if (*dom && strcmp(dom, "xnor"))
    note_unsupported(c, u, 1, dom, op_type, name, path);
  else if (!strcmp(dom, "xnor") && !c->g->xnor_opset)
    note_unsupported(c, u, 2, dom, op_type, name, path);
  else if ((op = op_lookup(dom, op_type)) == OP__COUNT)
    note_unsupported(c, u, 0, dom, op_type, name, path);
  if (op == OP__COUNT) {
    /* Declare its outputs anyway so that their users do not cascade errors. */
    for (int i = 0; i < nout; i++)
      if (*outs[i])
        def_tensor(c, outs[i], jpath_index(c, outbase, i));
    return;
  }

  int ni = graph_add_node(c->g, op, name, path, nin, nout);
  const OpInfo *info = &op_info[op];
  if (nin < info->min_in || nin > info->max_in) {
    if (info->min_in == info->max_in)
      node_error(c->d, c->g, &c->g->n[ni], "has %d input%s but %s takes %d", nin, nin == 1 ? "" : "s",
                 info->name, info->min_in);
    else
      node_error(c->d, c->g, &c->g->n[ni], "has %d input%s but %s takes %d to %d", nin,
                 nin == 1 ? "" : "s", info->name, info->min_in, info->max_in);
  }
  if (nout < info->min_out || nout > info->max_out) {
    if (info->min_out == info->max_out)
      node_error(c->d, c->g, &c->g->n[ni], "has %d output%s but %s gives %d", nout,
                 nout == 1 ? "" : "s", info->name, info->min_out);
    else
      node_error(c->d, c->g, &c->g->n[ni], "has %d output%s but %s gives %d to %d", nout,
                 nout == 1 ? "" : "s", info->name, info->min_out, info->max_out);
  }
  for (int i = 0; i < nin; i++)
    if (*ins[i])
      c->g->n[ni].in[i] = use_tensor(c, ins[i], jpath_index(c, inbase, i));
  for (int i = 0; i < nout; i++) {
    if (!*outs[i])
      continue;
    int ti = def_tensor(c, outs[i], jpath_index(c, outbase, i));
    c->g->n[ni].out[i] = ti;
    if (c->g->t[ti].data || c->g->t[ti].is_input)
      node_error(c->d, c->g, &c->g->n[ni], "output %d '%s' is also %s (%s)", i, jesc(c, outs[i]),
                 c->g->t[ti].data ? "an initializer" : "a graph input", c->g->t[ti].loc);
  }

  const cJSON *attrs = jfield(c, obj, path, "attribute", &key);
  if (attrs) {
    const char *abase = jpath(c, path, key);
    int na = jget_array(c, attrs, abase), i = 0;
    /* Sized once (node_add_attr grows one by one); names checked through a
     * map when there are many. */
    StrMap seen;
    if (na > 16)
      strmap_init(&seen, c->a);
    if (na > 0)
      c->g->n[ni].attr = arena_array(c->a, (size_t)na, sizeof(Attr));
    for (const cJSON *e = na > 0 ? attrs->child : NULL; e; e = e->next, i++)
      load_attr(c, ni, e, jpath_index(c, abase, i), na > 16 ? &seen : NULL);
  }
  if (op == OP_Constant)
    normalize_constant(c, ni);
}

/* ---- graph outputs and the whole model ---- */

static void load_outputs(JCtx *c, const cJSON *graph) {
  const char *key;
  const cJSON *outs = jfield(c, graph, "graph", "output", &key);
  const char *base = jpath(c, "graph", key);
  int n = outs ? jget_array(c, outs, base) : 0;
  if (n < 0)
    return;
  if (n == 0) {
    diag_error(c->d, "the graph has no outputs");
    return;
  }
  StrMap seen;
  strmap_init(&seen, c->a);
  c->g->outputs = arena_array(c->a, (size_t)n, sizeof(int));
  int i = 0;
  for (const cJSON *vi = outs->child, *v; vi; vi = vi->next, i++) {
    const char *path = jpath_index(c, base, i), *name;
    if (jget_object(c, vi, path))
      continue;
    if (!(v = jfield(c, vi, path, "name", &key)) || (cJSON_IsString(v) && !*v->valuestring)) {
      jerr(c, path, "a graph output needs a name");
      continue;
    }
    if (jget_name(c, v, jpath(c, path, key), &name))
      continue;
    int prev = strmap_get(&seen, name);
    if (prev >= 0) {
      jerr(c, path, "duplicate output name '%s' (first at %s[%d])", jesc(c, name), base, prev);
      continue;
    }
    strmap_put(&seen, name, i);
    int ti = strmap_get(&c->names, name);
    if (ti < 0 || strmap_get(&c->refonly, name) == 1) {
      jerr(c, path, "output '%s' is not produced by any node, graph input or initializer", jesc(c, name));
      continue;
    }
    c->g->outputs[c->g->noutputs++] = ti;
    c->g->t[ti].is_output = 1;
  }
}

static void load_model(JCtx *c, const cJSON *model) {
  if (!cJSON_IsObject(model)) {
    diag_error(c->d, "expected a JSON object (an ONNX ModelProto) at the top level, found %s",
               jtype_name(model));
    return;
  }
  load_opsets(c, model);
  const char *key;
  const cJSON *graph = jfield(c, model, "", "graph", &key);
  if (!graph) {
    diag_error(c->d, "the model has no graph");
    return;
  }
  if (jget_object(c, graph, key))
    return;
  const cJSON *v;
  if ((v = jfield(c, graph, "graph", "name", &key)))
    jget_name(c, v, jpath(c, "graph", key), &c->g->name);
  if ((v = jfield(c, graph, "graph", "sparseInitializer", &key)) && !(cJSON_IsArray(v) && !cJSON_GetArraySize(v)))
    jerr(c, jpath(c, "graph", key), "sparse initializers are not supported");

  load_initializers(c, graph);

  const cJSON *inputs = jfield(c, graph, "graph", "input", &key);
  if (inputs) {
    const char *base = jpath(c, "graph", key);
    int n = jget_array(c, inputs, base), i = 0;
    if (n > 0)
      c->g->inputs = arena_array(c->a, (size_t)n, sizeof(int));
    for (const cJSON *e = n > 0 ? inputs->child : NULL; e; e = e->next, i++)
      load_input(c, e, jpath_index(c, base, i), i);
  }

  const cJSON *nodes = jfield(c, graph, "graph", "node", &key);
  if (nodes) {
    const char *base = jpath(c, "graph", key);
    Unsup u;
    memset(&u, 0, sizeof u);
    strmap_init(&u.index, c->a);
    int n = jget_array(c, nodes, base), i = 0;
    for (const cJSON *e = n > 0 ? nodes->child : NULL; e; e = e->next, i++)
      load_node(c, e, jpath_index(c, base, i), &u);
    report_unsupported(c, &u);
  }

  load_outputs(c, graph);
}

int json_load(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d) {
  int errors0 = d->nerrors;
  cJSON *root = json_parse_text(text, len, d);
  if (!root)
    return -1;
  /* While we hold the tree, running out of arena memory lands here first. */
  jmp_buf *prev = arena_get_oom(g->arena);
  jmp_buf oom;
  if (setjmp(oom)) {
    arena_set_oom(g->arena, prev);
    cJSON_Delete(root);
    if (prev)
      longjmp(*prev, 1);
    diag_error(d, "out of memory");
    return -1;
  }
  arena_set_oom(g->arena, &oom);
  JCtx c;
  memset(&c, 0, sizeof c);
  c.g = g;
  c.d = d;
  c.o = o;
  c.a = g->arena;
  strmap_init(&c.names, c.a);
  strmap_init(&c.refonly, c.a);
  strmap_init(&c.inames, c.a);
  load_model(&c, root);
  arena_set_oom(g->arena, prev);
  cJSON_Delete(root);
  return d->nerrors > errors0 ? -1 : 0;
}
