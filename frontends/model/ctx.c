/* ctx.c - the builder context, paths and messages, tensor names, opset
 * imports, initializers, graph inputs and outputs of an ONNX model. */
#include <ctype.h>
#include <string.h>

#include "model.h"

enum { OPSET_MIN = XN_OPSET_MIN, OPSET_MAX = XN_OPSET_NEWEST, XNOR_OPSET = 1 };

void om_init(OmCtx *c, Graph *g, const LoadOptions *o, Diag *d, int snake) {
  memset(c, 0, sizeof *c);
  c->g = g;
  c->d = d;
  c->o = o;
  c->a = g->arena;
  c->snake = snake;
  strmap_init(&c->names, c->a);
  strmap_init(&c->refonly, c->a);
  strmap_init(&c->inames, c->a);
  strmap_init(&c->unsup_index, c->a);
}

/* ---- paths and messages ---- */

void om_snake_case(const char *camel, char *out, size_t cap) {
  size_t k = 0;
  for (; *camel && k + 2 < cap; camel++) {
    if (isupper((unsigned char)*camel)) {
      out[k++] = '_';
      out[k++] = (char)tolower((unsigned char)*camel);
    } else {
      out[k++] = *camel;
    }
  }
  out[k] = 0;
}

const char *om_key(OmCtx *c, const char *camel) {
  if (!c->snake)
    return camel;
  char snake[64];
  om_snake_case(camel, snake, sizeof snake);
  return arena_strdup(c->a, snake);
}

const char *om_path(OmCtx *c, const char *base, const char *key) {
  return *base ? arena_printf(c->a, "%s.%s", base, key) : key;
}

const char *om_index(OmCtx *c, const char *base, int i) { return arena_printf(c->a, "%s[%d]", base, i); }

void om_err(OmCtx *c, const char *path, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (*path)
    diag_error(c->d, "%s: %s", path, msg);
  else
    diag_error(c->d, "%s", msg);
}

const char *om_esc_bytes(OmCtx *c, const char *s, size_t n) {
  StrBuf b;
  sb_init(&b, c->a);
  sb_puts(&b, "");
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '\\' || ch == '\'')
      sb_printf(&b, "\\%c", ch);
    else if (ch < 0x20 || ch == 0x7f)
      sb_printf(&b, "\\x%02x", ch);
    else
      sb_putc(&b, (char)ch);
  }
  return b.s;
}

const char *om_esc(OmCtx *c, const char *s) { return om_esc_bytes(c, s, strlen(s)); }

/* Length of the valid UTF-8 sequence at s[0..n) (s[0] >= 0x80), or 0
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). */
size_t om_utf8_seq(const unsigned char *s, size_t n) {
  unsigned b = s[0];
  size_t len;
  unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
  if (b >= 0xc2 && b <= 0xdf) {
    len = 2;
  } else if (b >= 0xe0 && b <= 0xef) {
    len = 3;
    if (b == 0xe0)
      lo = 0xa0;
    if (b == 0xed)
      hi = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    len = 4;
    if (b == 0xf0)
      lo = 0x90;
    if (b == 0xf4)
      hi = 0x8f;
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if (s[i] < 0x80 || s[i] > 0xbf)
      return 0;
  return len;
}

/* ---- tensors by name ---- */

int om_use(OmCtx *c, const char *name, const char *loc) {
  int ti = strmap_get(&c->names, name);
  if (ti < 0) {
    ti = graph_add_tensor(c->g, name, loc);
    strmap_put(&c->names, name, ti);
    strmap_put(&c->refonly, name, 1);
  }
  return ti;
}

int om_def(OmCtx *c, const char *name, const char *loc) {
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

/* ---- opset imports ---- */

void om_opset(OmCtx *c, const char *path, const char *domain, int64_t version) {
  if (!*domain || !strcmp(domain, "ai.onnx")) {
    if (c->onnx_at) {
      om_err(c, path, "the default domain is imported twice (first at %s)", c->onnx_at);
      return;
    }
    c->onnx_at = path;
    if (version < OPSET_MIN || version > OPSET_MAX)
      om_err(c, path, "unsupported opset version %lld (supported: %d to %d)", (long long)version, OPSET_MIN,
             OPSET_MAX);
    else
      c->g->opset = version;
  } else if (!strcmp(domain, "xnor")) {
    if (c->xnor_at) {
      om_err(c, path, "domain 'xnor' is imported twice (first at %s)", c->xnor_at);
      return;
    }
    c->xnor_at = path;
    if (version != XNOR_OPSET)
      om_err(c, path, "unsupported version %lld of domain 'xnor' (supported: %d)", (long long)version, XNOR_OPSET);
    else
      c->g->xnor_opset = version;
  }
  /* Other domains matter only if a node uses them. */
}

void om_opsets_end(OmCtx *c, int present) {
  if (!present)
    diag_error(c->d, "%s is missing: the model must import an opset of the default domain ('' or 'ai.onnx')",
               om_key(c, "opsetImport"));
  else if (!c->onnx_at)
    diag_error(c->d, "%s does not import the default domain ('' or 'ai.onnx')", om_key(c, "opsetImport"));
}

/* ---- initializers ---- */

void om_initializer(OmCtx *c, int ti, const char *path) {
  const char *name = c->g->t[ti].name;
  if (!*name) {
    om_err(c, path, "an initializer needs a name");
    return;
  }
  int prev = strmap_get(&c->names, name);
  if (prev >= 0) {
    om_err(c, path, "duplicate initializer name '%s' (first at %s)", om_esc(c, name), c->g->t[prev].loc);
    return;
  }
  strmap_put(&c->names, name, ti);
}

/* ---- graph inputs ---- */

int om_input_begin(OmCtx *c, const char *path, const char *name, int idx) {
  if (!name || !*name) {
    om_err(c, path, "a graph input needs a name");
    return 0;
  }
  int prev = strmap_get(&c->inames, name);
  if (prev >= 0) {
    om_err(c, path, "duplicate input name '%s' (first at graph.input[%d])", om_esc(c, name), prev);
    return 0;
  }
  strmap_put(&c->inames, name, idx);
  /* An initializer that is also listed as an input is a constant. */
  return strmap_get(&c->names, name) < 0;
}

/* The --dim value of the symbolic dim param: 1 with *out set, or 0. */
static int dim_binding(OmCtx *c, const char *param, int64_t *out) {
  for (int k = 0; c->o && k < c->o->ndims; k++)
    if (!strcmp(c->o->dims[k].name, param)) {
      *out = c->o->dims[k].value;
      return 1;
    }
  return 0;
}

/* The extent of dim i of an input (desc names it); returns 0 or -1. */
static int input_dim(OmCtx *c, const OmDim *dim, const char *desc, int i, int64_t *out) {
  switch (dim->kind) {
  case OM_DIM_VALUE:
    *out = dim->value; /* the verifier wants it >= 1 */
    return 0;
  case OM_DIM_PARAM:
    if (dim_binding(c, dim->param, out))
      return 0;
    diag_error(c->d, "%s: dimension %d is symbolic ('%s'): give its value with --dim %s=N", desc, i,
               om_esc(c, dim->param), om_esc(c, dim->param));
    return -1;
  case OM_DIM_UNKNOWN:
    diag_error(c->d, "%s: dimension %d is unknown (neither %s nor %s)", desc, i, om_key(c, "dimValue"),
               om_key(c, "dimParam"));
    return -1;
  default:
    return -1;
  }
}

void om_input(OmCtx *c, const OmInput *in, int nmax) {
  const char *desc = arena_printf(c->a, "input '%s' at %s", om_esc(c, in->name), in->path);
  if (!in->has_type) {
    diag_error(c->d, "%s: has no type", desc);
    return;
  }
  if (!in->is_tensor) {
    diag_error(c->d, "%s: is not a tensor (only tensor inputs are supported)", desc);
    return;
  }
  DType dt = om_ir_dtype(in->elem_type);
  if (!om_io_type(in->elem_type)) {
    diag_error(c->d, "%s: element type is %s (inputs may be FLOAT, INT64, INT32, BOOL, UINT8, INT8, UINT16, "
               "INT16)", desc, om_dtype_names[in->elem_type]);
    return;
  }
  if (in->has_shape && in->rank > XN_MAX_RANK) {
    diag_error(c->d, "%s: has %d dims (at most %d are supported)", desc, in->rank, XN_MAX_RANK);
    return;
  }
  int64_t dims[XN_MAX_RANK];
  int bad = 0;
  for (int i = 0; in->has_shape && i < in->rank; i++)
    if (input_dim(c, &in->dims[i], desc, i, &dims[i]))
      bad = 1;
  if (bad)
    return;
  if (!c->g->inputs)
    c->g->inputs = arena_array(c->a, (size_t)nmax, sizeof(int));
  int ti = graph_add_tensor(c->g, in->name, in->path);
  c->g->t[ti].dtype = dt;
  c->g->t[ti].elem = in->elem_type;
  if (in->has_shape) /* without one the verifier reports it */
    tensor_set_shape(&c->g->t[ti], in->rank, dims);
  strmap_put(&c->names, in->name, ti);
  /* Not graph_add_input(), which grows the array one by one. */
  c->g->inputs[c->g->ninputs++] = ti;
  c->g->t[ti].is_input = 1;
}

/* ---- graph outputs ---- */

void om_outputs_begin(OmCtx *c, int n) {
  if (n == 0) {
    diag_error(c->d, "the graph has no outputs");
    return;
  }
  c->g->outputs = arena_array(c->a, (size_t)n, sizeof(int));
  strmap_init(&c->onames, c->a);
}

/* Records the declared type of graph output t (read at path) for the
 * verifier: the shape's dims (-1 where symbolic without a --dim value, or
 * neither value nor param), the element type when it maps to a DType. */
static void declare_output(OmCtx *c, Tensor *t, const OmInput *ty, const char *path) {
  if (!ty || !ty->has_type || !ty->is_tensor || !ty->has_shape || ty->rank > XN_MAX_RANK)
    return;
  int64_t dims[XN_MAX_RANK];
  for (int i = 0; i < ty->rank; i++) {
    const OmDim *dm = &ty->dims[i];
    dims[i] = -1;
    if (dm->kind == OM_DIM_BAD)
      return;
    if (dm->kind == OM_DIM_VALUE)
      dims[i] = dm->value;
    else if (dm->kind == OM_DIM_PARAM && !dim_binding(c, dm->param, &dims[i]))
      dims[i] = -1;
  }
  tensor_declare(t, ty->rank, dims, om_ir_dtype(ty->elem_type), path);
  if (om_io_type(ty->elem_type))
    t->elem = ty->elem_type;
}

void om_output(OmCtx *c, const char *base, int i, const char *name, const OmInput *type) {
  const char *path = om_index(c, base, i);
  if (!name || !*name) {
    om_err(c, path, "a graph output needs a name");
    return;
  }
  int prev = strmap_get(&c->onames, name);
  if (prev >= 0) {
    om_err(c, path, "duplicate output name '%s' (first at %s[%d])", om_esc(c, name), base, prev);
    return;
  }
  strmap_put(&c->onames, name, i);
  int ti = strmap_get(&c->names, name);
  if (ti < 0 || strmap_get(&c->refonly, name) == 1) {
    om_err(c, path, "output '%s' is not produced by any node, graph input or initializer", om_esc(c, name));
    return;
  }
  c->g->outputs[c->g->noutputs++] = ti;
  c->g->t[ti].is_output = 1;
  declare_output(c, &c->g->t[ti], type, path);
}
