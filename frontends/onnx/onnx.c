/* onnx.c - the .onnx frontend: an ONNX ModelProto in protobuf's binary wire
 * format -> Graph, through the same builders as the JSON frontend
 * (frontends/model), so that both build the same IR with the same locs and
 * messages. docs/format.md describes what is accepted.
 *
 * Each message is read in two steps: one pass over its fields collects them
 * (reporting broken fields, wrong wire types and bad strings), then they are
 * handed on in the JSON frontend's order (opset imports, initializers, graph
 * inputs, nodes, graph outputs), whatever their order in the file. A broken
 * embedded message ends the reading of that message only: its siblings are
 * still read, since the enclosing length delimits them.
 *
 * Field numbers (onnx.proto):
 *   ModelProto          1 ir_version, 7 graph, 8 opset_import
 *   OperatorSetIdProto  1 domain, 2 version
 *   GraphProto          1 node, 2 name, 5 initializer, 11 input, 12 output,
 *                       15 sparse_initializer
 *   NodeProto           1 input, 2 output, 3 name, 4 op_type, 5 attribute, 7 domain
 *   AttributeProto      1 name, 20 type, 2 f, 3 i, 4 s, 5 t, 6 g, 7 floats,
 *                       8 ints, 9 strings, 10 tensors, 11 graphs, 22 sparse_tensor,
 *                       23 sparse_tensors, 14 tp, 15 type_protos
 *   ValueInfoProto      1 name, 2 type
 *   TypeProto           1 tensor_type;  TypeProto.Tensor  1 elem_type, 2 shape
 *   TensorShapeProto    1 dim;  Dimension  1 dim_value, 2 dim_param
 */
#include <string.h>

#include "pb.h"

/* ---- opset imports ---- */

static void load_opset(PCtx *c, PbMsg m, const char *path) {
  const char *domain = "";
  int64_t version = 0;
  PbField f;
  int r, bad = 0;
  while ((r = pb_next(c, &m, &f, path)) > 0) {
    if (f.num == 1)
      bad |= pb_string(c, &f, om_path(&c->m, path, "domain"), &domain) != 0;
    else if (f.num == 2)
      bad |= pb_int64(c, &f, om_path(&c->m, path, "version"), &version) != 0;
  }
  if (r == 0 && !bad)
    om_opset(&c->m, path, domain, version);
}

/* ---- graph inputs and outputs (ValueInfoProto) ---- */

/* The name of a ValueInfoProto, and its type when type is not NULL. Returns
 * 0 (*name NULL when absent) or -1 after reporting. */
static int value_info(PCtx *c, PbMsg m, const char *path, const char **name, PbMsg *type, int *has_type) {
  PbField f;
  int r, bad = 0;
  *name = NULL;
  while ((r = pb_next(c, &m, &f, path)) > 0) {
    if (f.num == 1)
      bad |= pb_string(c, &f, om_path(&c->m, path, "name"), name) != 0;
    else if (f.num == 2 && type && pb_message(c, &f, om_path(&c->m, path, "type"), type))
      bad = 1;
    else if (f.num == 2 && type)
      *has_type = 1;
  }
  return r < 0 || bad ? -1 : 0;
}

/* One TensorShapeProto.Dimension; the last of dim_value and dim_param counts. */
static void input_dim(PCtx *c, PbMsg m, const char *path, OmDim *out) {
  PbField f;
  int r, bad = 0;
  out->kind = OM_DIM_UNKNOWN;
  while ((r = pb_next(c, &m, &f, path)) > 0) {
    if (f.num == 1 && !pb_int64(c, &f, om_path(&c->m, path, "dim_value"), &out->value))
      out->kind = OM_DIM_VALUE;
    else if (f.num == 2 && !pb_string(c, &f, om_path(&c->m, path, "dim_param"), &out->param))
      out->kind = OM_DIM_PARAM;
    else if (f.num == 1 || f.num == 2)
      bad = 1;
  }
  if (r < 0 || bad)
    out->kind = OM_DIM_BAD;
}

/* The fields of message m at path that are messages themselves, by number:
 * want[k] is a field number, found[k] gets its (last) message. Returns 0 or
 * -1 after reporting. */
static int sub_messages(PCtx *c, PbMsg m, const char *path, int n, const uint32_t *want, const char *const *names,
                        PbMsg *found, int *has) {
  PbField f;
  int r, bad = 0;
  for (int k = 0; k < n; k++)
    has[k] = 0;
  while ((r = pb_next(c, &m, &f, path)) > 0)
    for (int k = 0; k < n; k++)
      if (f.num == want[k]) {
        if (pb_message(c, &f, om_path(&c->m, path, names[k]), &found[k]))
          bad = 1;
        else
          has[k] = 1;
      }
  return r < 0 || bad ? -1 : 0;
}

/* The TypeProto type (present: in->has_type) of the ValueInfoProto at path
 * into *in (its shape only for a type graph inputs may have, unless any_elem). Returns 0, or -1
 * after reporting. */
static int read_type(PCtx *c, PbMsg type, const char *path, OmInput *in, int any_elem) {
  const char *tpath = om_path(&c->m, path, "type");
  if (!in->has_type)
    return 0;
  static const uint32_t tensor_type[] = {1};
  static const char *const tensor_name[] = {"tensor_type"};
  PbMsg tt;
  if (sub_messages(c, type, tpath, 1, tensor_type, tensor_name, &tt, &in->is_tensor))
    return -1;
  tpath = om_path(&c->m, tpath, "tensor_type");
  PbField f;
  PbMsg shape = tt;
  int r = 0, bad = 0;
  while (in->is_tensor && (r = pb_next(c, &tt, &f, tpath)) > 0) {
    if (f.num == 1)
      bad |= pb_enum(c, &f, om_path(&c->m, tpath, "elem_type"), "data type", om_dtype_names, OM_NDTYPES,
                     &in->elem_type) != 0;
    else if (f.num == 2 && pb_message(c, &f, om_path(&c->m, tpath, "shape"), &shape))
      bad = 1;
    else if (f.num == 2)
      in->has_shape = 1;
  }
  if (in->is_tensor && (r < 0 || bad))
    return -1;
  if (in->has_shape && (om_io_type(in->elem_type) || any_elem)) {
    const char *spath = om_path(&c->m, tpath, "shape"), *dpath = om_path(&c->m, spath, "dim");
    PbList dims = {NULL, 0, 0};
    for (PbMsg s = shape; (r = pb_next(c, &s, &f, spath)) > 0;)
      if (f.num == 1)
        bad |= pb_list_add(c, &dims, &f, dpath) != 0;
    if (r < 0 || bad)
      return -1;
    in->rank = dims.n;
    if (in->rank <= XN_MAX_RANK) {
      OmDim *d = arena_array(c->m.a, (size_t)in->rank + 1, sizeof *d);
      for (int i = 0; i < in->rank; i++)
        input_dim(c, dims.v[i], om_index(&c->m, dpath, i), &d[i]);
      in->dims = d;
    }
  }
  return 0;
}

static void load_input(PCtx *c, PbMsg m, const char *path, int idx, int n) {
  OmInput in;
  memset(&in, 0, sizeof in);
  in.path = path;
  PbMsg type;
  if (value_info(c, m, path, &in.name, &type, &in.has_type) || !om_input_begin(&c->m, path, in.name, idx))
    return;
  if (read_type(c, type, path, &in, 0) == 0)
    om_input(&c->m, &in, n);
}

/* ---- nodes ---- */

/* Appends the string f (an element of the repeated field at base) to the
 * array *v of *n names; returns 0 or -1 after reporting. */
static int add_name(PCtx *c, const PbField *f, const char *base, const char ***v, int *n, int *cap) {
  if (*n == *cap) {
    *cap = *cap ? 2 * *cap : 4;
    *v = arena_grow(c->m.a, (void *)*v, (size_t)*n, (size_t)*cap, sizeof **v);
  }
  if (pb_string(c, f, om_index(&c->m, base, *n), &(*v)[*n]))
    return -1;
  (*n)++;
  return 0;
}

/* The attribute type each value field stands for (onnx.proto numbers), to
 * infer a missing type. */
static const struct {
  uint32_t num;
  int type;
} attr_values[] = {{2, 1}, {3, 2}, {4, 3}, {5, 4}, {6, 5}, {7, 6}, {8, 7}, {9, 8}, {10, 9}, {11, 10},
                   {22, 11}, {23, 12}, {14, 13}, {15, 14}};

/* The repeated ints or floats of attribute message m (field num) into a. */
static int attr_list(PCtx *c, PbMsg m, const char *path, Attr *a, int ints) {
  uint32_t num = ints ? 8 : 7;
  int elem = ints ? PB_VARINT : PB_FIXED32;
  const char *lpath = om_path(&c->m, path, ints ? "ints" : "floats");
  int64_t n = 0, k;
  PbField f;
  for (PbMsg s = m; pb_next(c, &s, &f, path) > 0;)
    if (f.num == num) {
      if ((k = pb_count(c, &f, elem, lpath)) < 0)
        return -1;
      n += k;
    }
  if (n > INT32_MAX / 8) {
    om_err(&c->m, lpath, "has %lld values (too many)", (long long)n);
    return -1;
  }
  uint64_t *u = arena_array(c->m.a, (size_t)n + 1, sizeof *u);
  pb_iter_all(m, num, elem, n, u);
  a->n = (int)n;
  if (ints) {
    a->ints = arena_array(c->m.a, (size_t)n + 1, sizeof *a->ints);
    for (int64_t i = 0; i < n; i++)
      a->ints[i] = u[i] <= (uint64_t)INT64_MAX ? (int64_t)u[i] : -(int64_t)(~u[i]) - 1;
  } else {
    a->floats = arena_array(c->m.a, (size_t)n + 1, sizeof *a->floats);
    for (int64_t i = 0; i < n; i++) {
      uint32_t bits = (uint32_t)u[i];
      memcpy(&a->floats[i], &bits, 4);
    }
  }
  return 0;
}

static void load_attr(PCtx *c, int ni, PbMsg m, const char *path, StrMap *seen) {
  const PbMsg whole = m;
  const char *name = NULL, *tpath = om_path(&c->m, path, "type");
  int given = -1, bad = 0, r;
  unsigned present = 0;
  PbField f, fv[3]; /* the last f, i and s */
  PbMsg t;
  int have[4] = {0, 0, 0, 0};
  while ((r = pb_next(c, &m, &f, path)) > 0) {
    if (f.num == 1)
      bad |= pb_string(c, &f, om_path(&c->m, path, "name"), &name) != 0;
    else if (f.num == 20)
      bad |= pb_enum(c, &f, tpath, "attribute type", om_attr_type_names, OM_AT__COUNT, &given) != 0;
    for (size_t k = 0; k < sizeof attr_values / sizeof *attr_values; k++)
      if (f.num == attr_values[k].num)
        present |= 1u << attr_values[k].type;
    if (f.num >= 2 && f.num <= 4)
      fv[f.num - 2] = f, have[f.num - 2] = 1;
    if (f.num == 5 && pb_message(c, &f, om_path(&c->m, path, "t"), &t))
      bad = 1;
    else if (f.num == 5)
      have[3] = 1;
  }
  if (r < 0 || bad || om_attr_name(&c->m, ni, path, name, seen))
    return;
  int type = om_attr_type(&c->m, path, tpath, name, given, present);
  if (type < 0)
    return;
  Attr a;
  memset(&a, 0, sizeof a);
  a.tensor = -1;
  a.name = name;
  a.loc = path;
  switch (type) {
  case OM_AT_FLOAT:
    a.kind = AT_FLOAT;
    bad = have[0] && pb_float(c, &fv[0], om_path(&c->m, path, "f"), &a.f);
    break;
  case OM_AT_INT:
    a.kind = AT_INT;
    bad = have[1] && pb_int64(c, &fv[1], om_path(&c->m, path, "i"), &a.i);
    break;
  case OM_AT_STRING:
    a.kind = AT_STRING;
    a.s = "";
    bad = have[2] && pb_bytes(c, &fv[2], om_path(&c->m, path, "s"), &a.s, &a.slen);
    break;
  case OM_AT_TENSOR:
    a.kind = AT_TENSOR;
    if (!have[3]) {
      om_err(&c->m, path, "a TENSOR attribute needs a value in 't'");
      return;
    }
    /* Reading a tensor may add tensors but never attributes. */
    a.tensor = pb_tensor(c, t, om_path(&c->m, path, "t"), NULL);
    bad = a.tensor < 0;
    break;
  case OM_AT_FLOATS:
  case OM_AT_INTS:
    a.kind = type == OM_AT_INTS ? AT_INTS : AT_FLOATS;
    bad = attr_list(c, whole, path, &a, type == OM_AT_INTS);
    break;
  default:
    a.kind = AT_OTHER;
  }
  if (!bad)
    om_attr_add(&c->m, ni, &a, seen);
}

static void load_node(PCtx *c, PbMsg m, const char *path) {
  OmNode n;
  memset(&n, 0, sizeof n);
  n.path = path;
  n.domain = n.name = "";
  n.inbase = om_path(&c->m, path, "input");
  n.outbase = om_path(&c->m, path, "output");
  const char *abase = om_path(&c->m, path, "attribute");
  PbList attrs = {NULL, 0, 0};
  int capin = 0, capout = 0, r;
  PbField f;
  while ((r = pb_next(c, &m, &f, path)) > 0) {
    switch (f.num) {
    case 1:
      n.bad |= add_name(c, &f, n.inbase, &n.in, &n.nin, &capin) != 0;
      break;
    case 2:
      n.bad |= add_name(c, &f, n.outbase, &n.out, &n.nout, &capout) != 0;
      break;
    case 3:
      n.bad |= pb_string(c, &f, om_path(&c->m, path, "name"), &n.name) != 0;
      break;
    case 4:
      n.bad |= pb_string(c, &f, om_path(&c->m, path, "op_type"), &n.op_type) != 0;
      break;
    case 5:
      n.bad |= pb_list_add(c, &attrs, &f, abase) != 0;
      break;
    case 7:
      n.bad |= pb_string(c, &f, om_path(&c->m, path, "domain"), &n.domain) != 0;
      break;
    }
  }
  if (r < 0)
    n.bad = 1;
  n.nattr = attrs.n;
  int ni = om_node(&c->m, &n);
  if (ni < 0)
    return;
  /* Names checked through a map when there are many. */
  StrMap seen;
  if (attrs.n > 16)
    strmap_init(&seen, c->m.a);
  for (int i = 0; i < attrs.n; i++)
    load_attr(c, ni, attrs.v[i], om_index(&c->m, abase, i), attrs.n > 16 ? &seen : NULL);
  om_node_end(&c->m, ni);
}

/* ---- the graph and the model ---- */

static void load_graph(PCtx *c, PbMsg m) {
  PbList nodes = {NULL, 0, 0}, inits = {NULL, 0, 0}, inputs = {NULL, 0, 0}, outputs = {NULL, 0, 0};
  int sparse = 0, r, bad = 0;
  PbField f;
  while ((r = pb_next(c, &m, &f, "graph")) > 0) {
    switch (f.num) {
    case 1:
      bad |= pb_list_add(c, &nodes, &f, "graph.node") != 0;
      break;
    case 2:
      bad |= pb_string(c, &f, "graph.name", &c->m.g->name) != 0;
      break;
    case 5:
      bad |= pb_list_add(c, &inits, &f, "graph.initializer") != 0;
      break;
    case 11:
      bad |= pb_list_add(c, &inputs, &f, "graph.input") != 0;
      break;
    case 12:
      bad |= pb_list_add(c, &outputs, &f, "graph.output") != 0;
      break;
    case 15:
      sparse = 1;
      break;
    }
  }
  if (r < 0 || bad)
    return;
  if (sparse)
    om_err(&c->m, "graph.sparse_initializer", "sparse initializers are not supported");
  for (int i = 0; i < inits.n; i++) {
    const char *path = om_index(&c->m, "graph.initializer", i);
    int ti = pb_tensor(c, inits.v[i], path, NULL);
    if (ti >= 0)
      om_initializer(&c->m, ti, path);
  }
  for (int i = 0; i < inputs.n; i++)
    load_input(c, inputs.v[i], om_index(&c->m, "graph.input", i), i, inputs.n);
  for (int i = 0; i < nodes.n; i++)
    load_node(c, nodes.v[i], om_index(&c->m, "graph.node", i));
  om_nodes_end(&c->m);
  om_outputs_begin(&c->m, outputs.n);
  for (int i = 0; i < outputs.n; i++) {
    const char *name, *path = om_index(&c->m, "graph.output", i);
    OmInput type;
    memset(&type, 0, sizeof type);
    PbMsg tm;
    if (!value_info(c, outputs.v[i], path, &name, &tm, &type.has_type) && !read_type(c, tm, path, &type, 1))
      om_output(&c->m, "graph.output", i, name, &type);
  }
}

/* The folder of the file g->file, where external data is looked for. */
static const char *model_dir(Graph *g) {
  const char *slash = strrchr(g->file, '/');
  if (!slash)
    return ".";
  return slash == g->file ? "/" : arena_strndup(g->arena, g->file, (size_t)(slash - g->file));
}

/* Sets up c for the file text[0..len); 0, or -1 after reporting a file that
 * cannot be protobuf (empty, or JSON). what: "ModelProto" or "TensorProto". */
static int start(PCtx *c, Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d, const char *what) {
  om_init(&c->m, g, o, d, 1);
  c->file = (const unsigned char *)text;
  c->len = len;
  c->dir = model_dir(g);
  if (len == 0) {
    diag_error(d, "the file is empty (expected a protobuf %s)", what);
    return -1;
  }
  size_t i = 0;
  while (i < len && strchr(" \t\r\n", text[i]) && text[i])
    i++;
  if (i < len && text[i] == '{') {
    diag_error(d, "not a protobuf %s: the file starts with '{' (a model in protobuf's JSON mapping must be named .json)",
               what);
    return -1;
  }
  return 0;
}

int onnx_load(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d) {
  return onnx_load_with(g, text, len, o, NULL, d);
}

int onnx_load_with(Graph *g, const char *text, size_t len, const LoadOptions *o,
                   void (*done_bytes)(const void *p, size_t n), Diag *d) {
  int errors0 = d->nerrors;
  PCtx c;
  if (start(&c, g, text, len, o, d, "ModelProto"))
    return -1;
  c.m.done_bytes = done_bytes;
  PbMsg m = {c.file, c.file + len}, graph = m;
  PbList opsets = {NULL, 0, 0};
  PbField f;
  int r, bad = 0, has_graph = 0;
  while ((r = pb_next(&c, &m, &f, "")) > 0) {
    int64_t v;
    if (f.num == 1)
      bad |= pb_int64(&c, &f, "ir_version", &v) != 0;
    else if (f.num == 7 && pb_message(&c, &f, "graph", &graph))
      bad = 1;
    else if (f.num == 7)
      has_graph = 1;
    else if (f.num == 8)
      bad |= pb_list_add(&c, &opsets, &f, "opset_import") != 0;
  }
  if (r < 0 || bad)
    return -1;
  for (int i = 0; i < opsets.n; i++)
    load_opset(&c, opsets.v[i], om_index(&c.m, "opset_import", i));
  om_opsets_end(&c.m, opsets.n > 0);
  if (!has_graph)
    diag_error(d, "the model has no graph");
  else
    load_graph(&c, graph);
  return d->nerrors > errors0 ? -1 : 0;
}

int onnx_load_tensor(Graph *g, const char *text, size_t len, int *dtype, Diag *d) {
  PCtx c;
  if (start(&c, g, text, len, NULL, d, "TensorProto"))
    return -1;
  PbMsg m = {c.file, c.file + len};
  return pb_tensor(&c, m, "tensor", dtype);
}

const char *onnx_dtype_name(int dtype) { return dtype > 0 && dtype < OM_NDTYPES ? om_dtype_names[dtype] : "UNDEFINED"; }
