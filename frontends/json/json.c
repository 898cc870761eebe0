/* json.c - the JSON frontend: an ONNX ModelProto in protobuf's JSON mapping
 * (what json_format.MessageToJson writes) -> Graph. docs/format.md describes
 * what is accepted.
 *
 * This file walks the JSON objects and reports what is wrong with their
 * syntax (a string where a number belongs); the builders of frontends/model
 * check what the values mean and fill the graph, as for the protobuf reader.
 * Order: opset imports, initializers (constants with data), graph inputs (an
 * input that is also an initializer is the initializer), nodes in file order,
 * graph outputs. Every tensor, node and attribute records its JSON path as loc.
 */
#include <string.h>

#include "jsonfe.h"

/* ---- opset imports ---- */

static void load_opsets(OmCtx *c, const cJSON *model) {
  const char *key;
  const cJSON *imports = jfield(c, model, "", "opsetImport", &key);
  if (!imports) {
    om_opsets_end(c, 0);
    return;
  }
  int n = jget_array(c, imports, key);
  if (n < 0)
    return;
  int i = 0;
  for (const cJSON *imp = n > 0 ? imports->child : NULL, *v; imp; imp = imp->next, i++) {
    const char *path = om_index(c, key, i), *k2, *domain = "";
    int64_t version = 0;
    if (jget_object(c, imp, path))
      continue;
    if ((v = jfield(c, imp, path, "domain", &k2)) && jget_name(c, v, om_path(c, path, k2), &domain))
      continue;
    if ((v = jfield(c, imp, path, "version", &k2)) && jget_int64(c, v, om_path(c, path, k2), &version))
      continue;
    om_opset(c, path, domain, version);
  }
  om_opsets_end(c, 1);
}

/* ---- initializers and graph inputs ---- */

static void load_initializers(OmCtx *c, const cJSON *graph) {
  const char *key;
  const cJSON *inits = jfield(c, graph, "graph", "initializer", &key);
  if (!inits)
    return;
  const char *base = om_path(c, "graph", key);
  int n = jget_array(c, inits, base);
  int i = 0;
  for (const cJSON *e = n > 0 ? inits->child : NULL; e; e = e->next, i++) {
    const char *path = om_index(c, base, i);
    int ti = json_tensor(c, e, path);
    if (ti >= 0)
      om_initializer(c, ti, path);
  }
}

/* A name field: 0 with *out set (NULL when absent or empty), or -1 after
 * reporting a value that is not a name. */
static int name_field(OmCtx *c, const cJSON *obj, const char *path, const char **out) {
  const char *key;
  const cJSON *v = jfield(c, obj, path, "name", &key);
  *out = NULL;
  if (!v || (cJSON_IsString(v) && !*v->valuestring))
    return 0;
  return jget_name(c, v, om_path(c, path, key), out);
}

/* Reads one dim of a graph input's shape. */
static void input_dim(OmCtx *c, const cJSON *dim, const char *dpath, OmDim *out) {
  const cJSON *v;
  const char *key;
  out->kind = OM_DIM_BAD;
  if (jget_object(c, dim, dpath))
    return;
  if ((v = jfield(c, dim, dpath, "dimValue", &key))) {
    if (!jget_int64(c, v, om_path(c, dpath, key), &out->value))
      out->kind = OM_DIM_VALUE;
  } else if ((v = jfield(c, dim, dpath, "dimParam", &key))) {
    if (!jget_name(c, v, om_path(c, dpath, key), &out->param))
      out->kind = OM_DIM_PARAM;
  } else {
    out->kind = OM_DIM_UNKNOWN;
  }
}

/* The type of ValueInfoProto vi at path into *in (its shape only for FLOAT
 * unless any_elem). Returns 0, or -1 after reporting. */
static int read_type(OmCtx *c, const cJSON *vi, const char *path, OmInput *in, int any_elem) {
  const cJSON *v;
  const char *key;
  const cJSON *type = jfield(c, vi, path, "type", &key), *tt = NULL, *shape = NULL;
  const char *tpath = om_path(c, path, key);
  if ((in->has_type = type != NULL)) {
    if (jget_object(c, type, tpath))
      return -1;
    tt = jfield(c, type, tpath, "tensorType", &key);
    tpath = om_path(c, tpath, key);
  }
  if ((in->is_tensor = tt != NULL)) {
    if (jget_object(c, tt, tpath))
      return -1;
    if ((v = jfield(c, tt, tpath, "elemType", &key)) &&
        jget_enum(c, v, om_path(c, tpath, key), "data type", om_dtype_names, OM_NDTYPES, &in->elem_type))
      return -1;
    shape = jfield(c, tt, tpath, "shape", &key);
  }
  if ((in->has_shape = shape != NULL) && (om_io_type(in->elem_type) || any_elem)) {
    const char *spath = om_path(c, tpath, key);
    if (jget_object(c, shape, spath))
      return -1;
    const cJSON *dim = jfield(c, shape, spath, "dim", &key);
    if (dim) {
      const char *dpath = om_path(c, spath, key);
      if ((in->rank = jget_array(c, dim, dpath)) < 0)
        return -1;
      if (in->rank <= XN_MAX_RANK) {
        OmDim *dims = arena_array(c->a, (size_t)in->rank + 1, sizeof *dims);
        int i = 0;
        for (const cJSON *e = dim->child; e; e = e->next, i++)
          input_dim(c, e, om_index(c, dpath, i), &dims[i]);
        in->dims = dims;
      }
    }
  }
  return 0;
}

static void load_input(OmCtx *c, const cJSON *vi, const char *path, int idx, int n) {
  OmInput in;
  memset(&in, 0, sizeof in);
  in.path = path;
  if (jget_object(c, vi, path) || name_field(c, vi, path, &in.name) || !om_input_begin(c, path, in.name, idx))
    return;
  if (read_type(c, vi, path, &in, 0) == 0)
    om_input(c, &in, n);
}

/* ---- nodes ---- */

/* Reads a string array (node inputs/outputs) into names; returns its size or -1. */
static int name_list(OmCtx *c, const cJSON *node, const char *path, const char *field, const char ***names,
                     const char **base) {
  const char *key;
  const cJSON *v = jfield(c, node, path, field, &key);
  *base = om_path(c, path, key);
  *names = NULL;
  if (!v)
    return 0;
  int n = jget_array(c, v, *base);
  if (n <= 0)
    return n;
  *names = arena_array(c->a, (size_t)n, sizeof **names);
  int i = 0, bad = 0;
  for (const cJSON *e = v->child; e; e = e->next, i++)
    if (jget_name(c, e, om_index(c, *base, i), &(*names)[i]))
      bad = 1;
  return bad ? -1 : n;
}

static int read_attr_value(OmCtx *c, Attr *a, const cJSON *obj, const char *path, int type) {
  const char *key;
  const cJSON *v;
  switch (type) {
  case OM_AT_INT:
    a->kind = AT_INT;
    return (v = jfield(c, obj, path, "i", &key)) ? jget_int64(c, v, om_path(c, path, key), &a->i) : 0;
  case OM_AT_FLOAT:
    a->kind = AT_FLOAT;
    return (v = jfield(c, obj, path, "f", &key)) ? jget_float(c, v, om_path(c, path, key), &a->f) : 0;
  case OM_AT_STRING: {
    a->kind = AT_STRING;
    a->s = "";
    if (!(v = jfield(c, obj, path, "s", &key)))
      return 0;
    const char *sp = om_path(c, path, key);
    if (!cJSON_IsString(v)) {
      om_err(c, sp, "expected a base64 string, found %s", jtype_name(v));
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
  case OM_AT_TENSOR: {
    a->kind = AT_TENSOR;
    if (!(v = jfield(c, obj, path, "t", &key))) {
      om_err(c, path, "a TENSOR attribute needs a value in 't'");
      return -1;
    }
    int ti = json_tensor(c, v, om_path(c, path, key));
    a->tensor = ti;
    return ti < 0 ? -1 : 0;
  }
  case OM_AT_INTS:
  case OM_AT_FLOATS: {
    int ints = type == OM_AT_INTS;
    a->kind = ints ? AT_INTS : AT_FLOATS;
    if (!(v = jfield(c, obj, path, ints ? "ints" : "floats", &key)))
      return 0;
    const char *ap = om_path(c, path, key);
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
      const char *ep = om_index(c, ap, i);
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

static void load_attr(OmCtx *c, int ni, const cJSON *obj, const char *path, StrMap *seen) {
  const cJSON *v;
  const char *key, *name;
  if (jget_object(c, obj, path) || name_field(c, obj, path, &name) || om_attr_name(c, ni, path, name, seen))
    return;
  int given = -1;
  unsigned present = 0;
  if ((v = jfield(c, obj, path, "type", &key))) {
    if (jget_enum(c, v, om_path(c, path, key), "attribute type", om_attr_type_names, OM_AT__COUNT, &given))
      return;
  } else {
    for (int t = 1; t < OM_AT__COUNT; t++)
      if (jfield(c, obj, path, om_attr_fields[t], NULL))
        present |= 1u << t;
  }
  int type = om_attr_type(c, path, om_path(c, path, key), name, given, present);
  if (type < 0)
    return;
  Attr a;
  memset(&a, 0, sizeof a);
  a.tensor = -1;
  /* Read into a first: reading a tensor may add tensors but never attributes. */
  if (read_attr_value(c, &a, obj, path, type))
    return;
  a.name = name;
  a.loc = path;
  om_attr_add(c, ni, &a, seen);
}

static void load_node(OmCtx *c, const cJSON *obj, const char *path) {
  const cJSON *v;
  const char *key;
  OmNode n;
  memset(&n, 0, sizeof n);
  n.path = path;
  n.domain = n.name = "";
  if (jget_object(c, obj, path))
    return;
  if ((v = jfield(c, obj, path, "opType", &key)) && jget_name(c, v, om_path(c, path, key), &n.op_type))
    n.bad = 1;
  if ((v = jfield(c, obj, path, "domain", &key)) && jget_name(c, v, om_path(c, path, key), &n.domain))
    n.bad = 1;
  if ((v = jfield(c, obj, path, "name", &key)) && jget_name(c, v, om_path(c, path, key), &n.name))
    n.bad = 1;
  n.nin = name_list(c, obj, path, "input", &n.in, &n.inbase);
  n.nout = name_list(c, obj, path, "output", &n.out, &n.outbase);
  if (n.nin < 0 || n.nout < 0)
    n.bad = 1;
  if (n.nout < 0)
    n.nout = 0;
  const cJSON *attrs = jfield(c, obj, path, "attribute", &key);
  const char *abase = om_path(c, path, key);
  int na = attrs ? jget_array(c, attrs, abase) : 0;
  n.nattr = na > 0 ? na : 0;
  int ni = om_node(c, &n);
  if (ni < 0)
    return;
  /* Names checked through a map when there are many. */
  StrMap seen;
  if (na > 16)
    strmap_init(&seen, c->a);
  int i = 0;
  for (const cJSON *e = na > 0 ? attrs->child : NULL; e; e = e->next, i++)
    load_attr(c, ni, e, om_index(c, abase, i), na > 16 ? &seen : NULL);
  om_node_end(c, ni);
}

/* ---- graph outputs and the whole model ---- */

static void load_outputs(OmCtx *c, const cJSON *graph) {
  const char *key;
  const cJSON *outs = jfield(c, graph, "graph", "output", &key);
  const char *base = om_path(c, "graph", key);
  int n = outs ? jget_array(c, outs, base) : 0;
  if (n < 0)
    return;
  om_outputs_begin(c, n);
  int i = 0;
  for (const cJSON *vi = n > 0 ? outs->child : NULL; vi; vi = vi->next, i++) {
    const char *path = om_index(c, base, i), *name;
    OmInput type;
    memset(&type, 0, sizeof type);
    if (!jget_object(c, vi, path) && !name_field(c, vi, path, &name) && !read_type(c, vi, path, &type, 1))
      om_output(c, base, i, name, &type);
  }
}

static void load_model(OmCtx *c, const cJSON *model) {
  if (!cJSON_IsObject(model)) {
    diag_error(c->d, "expected a JSON object (an ONNX ModelProto) at the top level, found %s", jtype_name(model));
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
    jget_name(c, v, om_path(c, "graph", key), &c->g->name);
  if ((v = jfield(c, graph, "graph", "sparseInitializer", &key)) && !(cJSON_IsArray(v) && !cJSON_GetArraySize(v)))
    om_err(c, om_path(c, "graph", key), "sparse initializers are not supported");

  load_initializers(c, graph);

  const cJSON *inputs = jfield(c, graph, "graph", "input", &key);
  if (inputs) {
    const char *base = om_path(c, "graph", key);
    int n = jget_array(c, inputs, base), i = 0;
    for (const cJSON *e = n > 0 ? inputs->child : NULL; e; e = e->next, i++)
      load_input(c, e, om_index(c, base, i), i, n);
  }

  const cJSON *nodes = jfield(c, graph, "graph", "node", &key);
  if (nodes) {
    const char *base = om_path(c, "graph", key);
    int n = jget_array(c, nodes, base), i = 0;
    for (const cJSON *e = n > 0 ? nodes->child : NULL; e; e = e->next, i++)
      load_node(c, e, om_index(c, base, i));
    om_nodes_end(c);
  }

  load_outputs(c, graph);
}

int json_load(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d) {
  return json_load_with(g, text, len, o, 0, d);
}

int json_load_with(Graph *g, const char *text, size_t len, const LoadOptions *o, int release_text, Diag *d) {
  int errors0 = d->nerrors;
  cJSON *root = json_parse_text(text, len, d);
  if (release_text) /* the tree holds copies of everything */
    arena_release(g->arena, (void *)text);
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
  OmCtx c;
  om_init(&c, g, o, d, 0);
  load_model(&c, root);
  arena_set_oom(g->arena, prev);
  cJSON_Delete(root);
  return d->nerrors > errors0 ? -1 : 0;
}
