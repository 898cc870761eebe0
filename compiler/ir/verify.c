/* verify.c - the IR verifier: the one home of the rules every graph obeys,
 * whichever frontend built it and whichever pass changed it last.
 *
 * Frontends parse; the verifier judges. The pipeline calls
 * ir_verify(VERIFY_READ) on the graph as read (JSON, .onnx and text IR
 * alike, so one bad model gets one message whatever its syntax), and, in test
 * and debug builds (XNORCC_VERIFY=1), ir_verify(VERIFY_PASS) after every
 * pass, where a failure is a bug of that pass. Shape inference calls
 * verify_node_outputs() on each node it shapes. Every check is linear in the
 * size of the graph (attribute kinds: one scan of the op's short attribute
 * list per attribute).
 *
 * The rules (docs/architecture.md, "The verifier"):
 *   tensors    a valid element type and rank; graph inputs float32, int64,
 *              int32 or bool with a
 *              shape whose extents are >= 1; every tensor computed at run time
 *              and every graph output has extents >= 1 (constants may be empty)
 *   nodes      a known op; arity from the op table; required inputs and
 *              output 0 present, no omitted Concat input; tensor indices in
 *              range; each attribute the op reads has the kind the op table
 *              gives it (or, below the opset that changed it, the old form's:
 *              Tile-1's three inputs, Cast-1's type name); Pad mode 'constant'
 *   structure  every tensor produced once, by a node, a graph input or an
 *              initializer, and no cycle (topo_sort, which ir_verify runs on
 *              the graph as read); after a pass, producers and topological
 *              order consistent and every shape known
 *   declared   a shape the model declares for a tensor (a graph output's
 *              type, a text IR tensor statement) equals the inferred one; a
 *              disagreement is an error naming both, or a warning that keeps
 *              the inferred shape when Graph.shape_warn is set
 */
#include <string.h>

#include "ir.h"

/* "INTS": how messages name an attribute kind (ONNX's AttributeType names). */
static const char *kind_upper(AttrKind k) {
  static const char *const names[] = {"INT", "FLOAT", "STRING", "INTS", "FLOATS", "TENSOR", "OTHER"};
  return k >= AT_INT && k <= AT_OTHER ? names[k] : "?";
}

int op_attr_kind(Op op, const char *name) {
  if (op >= OP__COUNT)
    return -1;
  size_t len = strlen(name);
  for (const char *p = op_info[op].attrs; *p;) {
    while (*p == ' ')
      p++;
    const char *colon = strchr(p, ':'), *end = colon ? strchr(colon, ' ') : NULL;
    if (!colon)
      break;
    if (!end)
      end = colon + strlen(colon);
    if ((size_t)(colon - p) == len && !strncmp(p, name, len))
      for (int k = AT_INT; k <= AT_OTHER; k++) {
        const char *kn = attr_kind_name((AttrKind)k);
        if ((size_t)(end - colon - 1) == strlen(kn) && !strncmp(colon + 1, kn, strlen(kn)))
          return k;
      }
    p = end;
  }
  return -1;
}

/* ---- tensors ---- */

/* A tensor whose values exist only at run time: a graph input, or the
 * output of a live node that was not folded. */
static int is_runtime(const Tensor *t) { return t->is_input || !t->data; }

/* Reports the first extent < 1 of t (a run-time tensor or a graph output),
 * described as what ("input 'x' at graph.input[0]"). Returns 0 or -1. */
static int check_extents(Diag *d, const Tensor *t, const char *what) {
  for (int i = 0; i < t->rank; i++)
    if (t->dims[i] < 1) {
      diag_error(d, "%s: dimension %d is %lld (must be >= 1)", what, i, (long long)t->dims[i]);
      return -1;
    }
  return 0;
}

/* "1x?x8" for a declared shape (-1: unknown extent). */
static const char *decl_str(Graph *g, const Tensor *t) {
  if (t->decl_rank == 0)
    return "scalar";
  StrBuf b;
  sb_init(&b, g->arena);
  for (int i = 0; i < t->decl_rank; i++) {
    if (i)
      sb_putc(&b, 'x');
    if (t->decl_dims[i] < 0)
      sb_putc(&b, '?');
    else
      sb_printf(&b, "%lld", (long long)t->decl_dims[i]);
  }
  return b.s;
}

/* Whether dtypes a and b hold the same kind of values (+-1 bits are floats). */
static int same_family(DType a, DType b) { return a == b || (dtype_is_float(a) && dtype_is_float(b)); }

/* The declared shape of tensor t (known shape) against its actual one;
 * who: the node that computes it, or NULL. Returns 0, or -1 after an error. */
static int check_declared(Graph *g, const Node *who, Tensor *t, Diag *d) {
  if (!t->has_decl || t->rank < 0)
    return 0;
  int same = t->decl_rank == t->rank;
  for (int i = 0; same && i < t->rank; i++)
    same = t->decl_dims[i] < 0 || t->decl_dims[i] == t->dims[i];
  int dt_ok = t->decl_dtype >= DT__COUNT || same_family(t->decl_dtype, t->dtype);
  if (same && dt_ok)
    return 0;
  StrBuf b;
  sb_init(&b, g->arena);
  if (who)
    sb_printf(&b, "%s: output '%s'", node_desc(g, who), t->name);
  else
    sb_printf(&b, "tensor '%s' at %s", t->name, t->loc);
  if (!same)
    sb_printf(&b, ": declared %s (%s), inferred %s", decl_str(g, t), t->decl_loc, shape_str(g, t));
  else
    sb_printf(&b, ": declared element type %s (%s), inferred %s", dtype_name(t->decl_dtype), t->decl_loc,
              dtype_name(t->dtype));
  if (g->shape_warn) {
    diag_warning(d, "%s; the inferred %s is kept", b.s, same ? "element type" : "shape");
    t->has_decl = 0; /* warned once */
    return 0;
  }
  diag_error(d, "%s", b.s);
  return -1;
}

/* The rules on one tensor. read: the graph as read (shapes of computed
 * tensors not known yet). */
static void verify_tensor(Graph *g, int ti, Diag *d, int read) {
  Tensor *t = &g->t[ti];
  if ((unsigned)t->dtype >= DT__COUNT || t->rank < -1 || t->rank > XN_MAX_RANK) {
    diag_error(d, "verifier: tensor '%s' at %s has element type %d and rank %d", t->name, t->loc, (int)t->dtype,
               t->rank);
    return;
  }
  if (t->is_input) {
    const char *what = arena_printf(g->arena, "input '%s' at %s", t->name, t->loc);
    if (t->dtype == DT_BIT)
      diag_error(d, "%s: element type is %s (inputs are float32, int64, int32 or bool)", what, dtype_name(t->dtype));
    else if (t->rank < 0)
      diag_error(d, "%s: has no shape (xnorcc needs the input shapes)", what);
    else
      check_extents(d, t, what);
  } else if (t->data) {
    for (int i = 0; i < t->rank; i++)
      if (t->dims[i] < 0)
        diag_error(d, "verifier: constant '%s' at %s has dimension %d = %lld", t->name, t->loc, i,
                   (long long)t->dims[i]);
  }
  if (t->is_output && !t->is_input && t->rank >= 0 && (t->data || !read))
    check_extents(d, t, arena_printf(g->arena, "graph output '%s' at %s", t->name, t->loc));
  if (t->producer < 0 && (t->is_input || t->data))
    check_declared(g, NULL, t, d);
}

/* ---- nodes ---- */

/* Old forms the op table's row does not describe, which passes/opset.c maps
 * onto the row's form before shape inference (docs/opsets.md): below opset
 * 'below', op may have 'nin' inputs, or its attribute 'attr' kind 'kind'. */
static const struct Legacy {
  Op op;
  int below;        /* the model's opset is below this */
  int nin;          /* inputs the old form has (0: the row's arity) */
  const char *attr; /* attribute of another kind, or NULL */
  AttrKind kind;
} legacy[] = {
    {OP_Tile, 6, 3, NULL, AT_INT},     /* Tile-1: input, tiles, axis */
    {OP_Cast, 6, 0, "to", AT_STRING},  /* Cast-1: 'to' is a type name */
};

static const struct Legacy *legacy_form(const Graph *g, const Node *n) {
  for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++)
    if (legacy[i].op == n->op && g->opset >= 1 && g->opset < legacy[i].below)
      return &legacy[i];
  return NULL;
}

/* "has 1 input but Conv takes 2 to 3" and the like; returns 0 or -1. */
static int check_arity(Graph *g, const Node *n, Diag *d) {
  const OpDef *oi = &op_info[n->op];
  const struct Legacy *old = legacy_form(g, n);
  int bad = 0;
  if ((n->nin < oi->min_in || n->nin > oi->max_in) && !(old && old->nin == n->nin)) {
    if (oi->min_in == oi->max_in)
      node_error(d, g, n, "has %d input%s but %s takes %d", n->nin, n->nin == 1 ? "" : "s", oi->name, oi->min_in);
    else
      node_error(d, g, n, "has %d input%s but %s takes %d to %d", n->nin, n->nin == 1 ? "" : "s", oi->name,
                 oi->min_in, oi->max_in);
    bad = 1;
  }
  if (n->nout < oi->min_out || n->nout > oi->max_out) {
    if (oi->min_out == oi->max_out)
      node_error(d, g, n, "has %d output%s but %s gives %d", n->nout, n->nout == 1 ? "" : "s", oi->name,
                 oi->min_out);
    else
      node_error(d, g, n, "has %d output%s but %s gives %d to %d", n->nout, n->nout == 1 ? "" : "s", oi->name,
                 oi->min_out, oi->max_out);
    bad = 1;
  }
  return bad ? -1 : 0;
}

/* Each attribute the op reads has the kind the op table gives it. */
static void check_attrs(Graph *g, const Node *n, Diag *d) {
  for (int i = 0; i < n->nattr; i++) {
    const Attr *a = &n->attr[i];
    int want = op_attr_kind(n->op, a->name);
    const struct Legacy *old = legacy_form(g, n);
    if (old && old->attr && !strcmp(old->attr, a->name) && a->kind == old->kind)
      continue;
    if (want >= 0 && (int)a->kind != want)
      node_error(d, g, n, "attribute '%s' has type %s but %s takes %s", a->name, kind_upper(a->kind),
                 op_info[n->op].name, kind_upper((AttrKind)want));
    else if (a->kind == AT_TENSOR && (a->tensor < -1 || a->tensor >= g->nt))
      node_error(d, g, n, "verifier: attribute '%s' refers to tensor %d of %d", a->name, a->tensor, g->nt);
  }
  const char *mode = attr_string(n, "mode", "constant");
  if (n->op == OP_Pad && strcmp(mode, "constant"))
    node_error(d, g, n, "Pad mode '%s' is not supported (only 'constant')", mode);
}

/* Whether tensor t is written by its recorded producer p (a live node), or
 * needs none (p < 0: a graph input or a constant). */
static int writes(Graph *g, int p, int t) {
  if (p < 0)
    return g->t[t].is_input || g->t[t].data;
  if (p >= g->nn || g->n[p].dead)
    return 0;
  for (int j = 0; j < g->n[p].nout; j++)
    if (g->n[p].out[j] == t)
      return 1;
  return 0;
}

/* The rules on node i. read: the graph as read (no producers yet). */
static void verify_node(Graph *g, int i, Diag *d, int read) {
  Node *n = &g->n[i];
  if (n->op >= OP__COUNT) {
    node_error(d, g, n, "verifier: not a valid op");
    return;
  }
  if (check_arity(g, n, d))
    return;
  const OpDef *oi = &op_info[n->op];
  for (int j = 0; j < n->nin; j++) {
    int ti = n->in[j];
    if (ti < -1 || ti >= g->nt)
      node_error(d, g, n, "verifier: input %d refers to tensor %d of %d", j, ti, g->nt);
    else if (ti < 0 && (j < oi->min_in || n->op == OP_Concat))
      node_error(d, g, n, "input %d is required but omitted", j);
    else if (ti >= 0 && !read && g->t[ti].producer >= i)
      node_error(d, g, n, "verifier: input %d '%s' is produced later", j, g->t[ti].name);
    else if (ti >= 0 && !read && !writes(g, g->t[ti].producer, ti))
      node_error(d, g, n, "verifier: input %d '%s' is not produced by a node, graph input or constant", j,
                 g->t[ti].name);
    else if (ti >= 0 && !read && g->t[ti].rank < 0)
      node_error(d, g, n, "verifier: input %d '%s' has no shape", j, g->t[ti].name);
  }
  for (int j = 0; j < n->nout; j++) {
    int ti = n->out[j];
    if (ti < -1 || ti >= g->nt)
      node_error(d, g, n, "verifier: output %d refers to tensor %d of %d", j, ti, g->nt);
    else if (ti < 0 && j == 0)
      node_error(d, g, n, "output 0 is omitted");
    else if (ti >= 0 && !read && g->t[ti].producer != i)
      node_error(d, g, n, "verifier: output %d '%s' has producer %d", j, g->t[ti].name, g->t[ti].producer);
  }
  check_attrs(g, n, d);
  if (!read)
    verify_node_outputs(g, n, d);
}

int verify_node_outputs(Graph *g, const Node *n, Diag *d) {
  int errors = d->nerrors;
  for (int j = 0; j < n->nout; j++) {
    Tensor *t = node_out(g, n, j);
    if (!t)
      continue;
    if (t->rank < 0) {
      node_error(d, g, n, "verifier: output %d '%s' has no shape", j, t->name);
      continue;
    }
    if (is_runtime(t))
      for (int k = 0; k < t->rank; k++)
        if (t->dims[k] < 1) {
          node_error(d, g, n, "output '%s' would have shape %s: dimension %d is %lld (must be >= 1)", t->name,
                     shape_str(g, t), k, (long long)t->dims[k]);
          break;
        }
    check_declared(g, n, t, d);
  }
  return d->nerrors > errors ? -1 : 0;
}

int ir_verify(Graph *g, Diag *d, VerifyStage stage) {
  int errors = d->nerrors, read = stage == VERIFY_READ;
  for (int i = 0; i < g->nn; i++)
    if (!g->n[i].dead)
      verify_node(g, i, d, read);
  for (int t = 0; t < g->nt; t++)
    verify_tensor(g, t, d, read);
  for (int i = 0; i < g->ninputs; i++)
    if (g->inputs[i] < 0 || g->inputs[i] >= g->nt)
      diag_error(d, "verifier: graph input %d refers to tensor %d of %d", i, g->inputs[i], g->nt);
  for (int i = 0; i < g->noutputs; i++)
    if (g->outputs[i] < 0 || g->outputs[i] >= g->nt)
      diag_error(d, "verifier: graph output %d refers to tensor %d of %d", i, g->outputs[i], g->nt);
  if (d->nerrors > errors)
    return -1;
  /* As read: every tensor produced once, no cycle; nodes in topological order. */
  return read ? topo_sort(g, d) : 0;
}
