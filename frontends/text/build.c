/* build.c - the text IR frontend: the builders behind the grammar actions,
 * token decoding, and error messages with a source line and a caret. */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "xir.h"

/* ---- errors ---- */

/* Start of line `line` (1-based) in the text, or len if the text is shorter. */
static size_t line_start(XirCtx *c, int line) {
  size_t off = 0;
  int cur = 1;
  if (c->line_cache > 0 && c->line_cache <= line) {
    cur = c->line_cache;
    off = (size_t)c->off_cache;
  }
  while (cur < line && off < c->len) {
    const char *nl = memchr(c->text + off, '\n', c->len - off);
    if (!nl) {
      off = c->len;
      break;
    }
    off = (size_t)(nl - c->text) + 1;
    cur++;
  }
  if (off <= (size_t)INT_MAX) {
    c->line_cache = cur;
    c->off_cache = (int)off;
  }
  return off;
}

void xir_error(XirCtx *c, const XirLoc *l, const char *fmt, ...) {
  if (c->nerrors >= XIR_MAX_ERRORS) {
    c->stop = 1;
    return;
  }
  c->nerrors++;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);

  /* The source line, at most 160 bytes of it around the column. */
  enum { WIDTH = 160 };
  size_t start = line_start(c, l->first_line), end = start;
  while (end < c->len && c->text[end] != '\n')
    end++;
  if (end > start && c->text[end - 1] == '\r')
    end--;
  size_t col = l->first_column > 0 ? (size_t)l->first_column - 1 : 0;
  size_t from = col > WIDTH / 2 && end - start > WIDTH ? col - WIDTH / 2 : 0;
  char src[WIDTH + 1], pad[WIDTH + 1];
  size_t n = 0;
  for (size_t i = start + from; i < end && n < WIDTH; i++, n++) {
    unsigned char ch = (unsigned char)c->text[i];
    src[n] = (char)(ch == '\t' || (ch >= 0x20 && ch != 0x7f) ? ch : '?');
  }
  src[n] = 0;
  size_t k = 0;
  for (size_t i = from; i < col && k < WIDTH; i++, k++)
    pad[k] = i - from < n && src[i - from] == '\t' ? '\t' : ' ';
  pad[k] = 0;
  diag_raw(c->d, 1, "%s:%d:%d: error: %s\n%s\n%s^", c->d->file, l->first_line, l->first_column, msg, src, pad);
}

/* A name for messages: quoted with escapes, long names cut. */
static const char *qname(XirCtx *c, const char *s, size_t n) {
  StrBuf b;
  sb_init(&b, c->g->arena);
  ir_put_string(&b, s, n > 64 ? 64 : n);
  if (n > 64)
    sb_puts(&b, "...");
  return b.s;
}

static const char *qs(XirCtx *c, XirStr s) { return qname(c, s.s, s.n); }

/* Names end at their first NUL in the graph, so they may not contain one. */
static int name_ok(XirCtx *c, XirStr s, const XirLoc *l) {
  if (memchr(s.s, 0, s.n)) {
    xir_error(c, l, "name %s contains a NUL byte", qs(c, s));
    return 0;
  }
  return 1;
}

/* ---- tokens ---- */

/* INT := ['-'|'+'] DIGIT+ ; the value must fit in int64. */
int xl_int(XirCtx *c, const char *s, const XirLoc *l, int64_t *v) {
  int neg = *s == '-';
  if (*s == '-' || *s == '+')
    s++;
  uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, x = 0;
  for (; *s; s++) {
    unsigned dgt = (unsigned)(*s - '0');
    if (x > (limit - dgt) / 10) {
      xir_error(c, l, "integer out of range");
      return -1;
    }
    x = x * 10 + dgt;
  }
  *v = neg ? (x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x) : (int64_t)x;
  return 0;
}

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  return ch - 'A' + 10;
}

/* mant * 2^exp (mant < 2^64, sticky: nonzero bits were dropped below mant)
 * rounded to the nearest float32, ties to even. Returns the bits, or 0x7f800000
 * (infinity) when the value is too large. */
static uint32_t round_float(uint64_t mant, int64_t exp, int sticky) {
  if (mant == 0)
    return 0;
  int h = 63;
  while (!(mant >> h))
    h--;
  int64_t e = h + exp; /* value is in [2^e, 2^(e+1)) */
  if (e > 127)
    return 0x7f800000;
  int64_t k = e - 23 > -149 ? e - 23 : -149; /* the weight of the last kept bit */
  int64_t shift = k - exp;
  uint64_t q;
  if (shift <= 0) {
    q = mant << -shift; /* exact: q < 2^24 */
  } else {
    uint64_t rest;
    int half, more;
    if (shift > 64) {
      q = 0, half = 0, more = 1;
    } else if (shift == 64) {
      q = 0, half = (int)(mant >> 63), more = (mant << 1) != 0 || sticky;
    } else {
      q = mant >> shift;
      rest = mant & (((uint64_t)1 << shift) - 1);
      half = (int)((rest >> (shift - 1)) & 1);
      more = (rest & (((uint64_t)1 << (shift - 1)) - 1)) != 0 || sticky;
    }
    if (half && (more || (q & 1)))
      q++;
    if (q == (uint64_t)1 << 24) {
      q >>= 1;
      k++;
    }
  }
  if (q >= (uint64_t)1 << 23) {
    if (k + 23 > 127)
      return 0x7f800000;
    return (uint32_t)((k + 150) << 23) | (uint32_t)(q & 0x7fffff);
  }
  return (uint32_t)q; /* subnormal (or zero) */
}

/* FLOAT := hex float (exact, rounded to nearest even) | decimal float
 * (strtof in the C locale's notation) | ('+'|'-') ('inf' | 'nan' ['(0x' HEX+ ')']) */
int xl_float(XirCtx *c, const char *s, const XirLoc *l, float *v) {
  const char *p = s;
  int neg = *p == '-';
  if (*p == '-' || *p == '+')
    p++;
  uint32_t bits;
  if (*p == 'i') {
    bits = 0x7f800000;
  } else if (*p == 'n') {
    uint64_t pay = 0x400000;
    if (p[3] == '(') {
      pay = 0;
      for (p += 6; *p != ')'; p++)
        pay = pay > 0xffffff ? pay : pay * 16 + (uint64_t)hexval(*p);
      if (pay == 0 || pay > 0x7fffff) {
        xir_error(c, l, "NaN payload must be between 0x1 and 0x7fffff");
        return -1;
      }
    }
    bits = 0x7f800000 | (uint32_t)pay;
  } else if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    uint64_t mant = 0;
    int64_t exp = 0;
    int sticky = 0, point = 0;
    for (p += 2; *p != 'p' && *p != 'P'; p++) {
      if (*p == '.') {
        point = 1;
        continue;
      }
      int dv = hexval(*p);
      if (mant >> 56) { /* no room: the digit only matters as sticky bits */
        sticky |= dv != 0;
        if (!point)
          exp += 4;
      } else {
        mant = mant * 16 + (uint64_t)dv;
        if (point)
          exp -= 4;
      }
    }
    p++;
    int eneg = *p == '-';
    if (*p == '-' || *p == '+')
      p++;
    int64_t pe = 0;
    for (; *p; p++)
      pe = pe > 100000 ? pe : pe * 10 + (*p - '0');
    exp += eneg ? -pe : pe;
    bits = round_float(mant, exp, sticky);
    if (bits == 0x7f800000) {
      xir_error(c, l, "float out of range");
      return -1;
    }
  } else {
    /* Decimal: strtof, with '.' spelled as the current locale wants it. */
    char buf[256];
    const char *dp = localeconv()->decimal_point;
    size_t dl = strlen(dp), n = 0;
    if (strlen(s) * (dl ? dl : 1) >= sizeof buf) {
      xir_error(c, l, "decimal float too long (write it as a hex float)");
      return -1;
    }
    for (const char *q = s; *q; q++) {
      if (*q == '.') {
        memcpy(buf + n, dp, dl);
        n += dl;
      } else {
        buf[n++] = *q;
      }
    }
    buf[n] = 0;
    errno = 0;
    char *end;
    float f = strtof(buf, &end);
    if (*end || f - f != 0) {
      xir_error(c, l, *end ? "malformed float" : "float out of range");
      return -1;
    }
    *v = f;
    return 0;
  }
  if (neg)
    bits |= 0x80000000u;
  memcpy(v, &bits, sizeof *v);
  return 0;
}

static int is_hex(char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* STRING := '"' { char | '\' ( '"' | '\' | 'n' | 't' | 'r' | 'x' HEX HEX ) } '"' */
int xl_string(XirCtx *c, const char *s, size_t n, const XirLoc *l, XirStr *out) {
  char *d = arena_alloc(c->g->arena, n + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '\\') {
      d[k++] = s[i];
      continue;
    }
    XirLoc el = *l;
    el.first_column += (int)(i + 1); /* strings never span lines */
    char e = s[++i];
    switch (e) {
    case '"': d[k++] = '"'; break;
    case '\\': d[k++] = '\\'; break;
    case 'n': d[k++] = '\n'; break;
    case 't': d[k++] = '\t'; break;
    case 'r': d[k++] = '\r'; break;
    case 'x':
      if (i + 2 < n && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
        d[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
        i += 2;
        break;
      }
      xir_error(c, &el, "\\x needs two hex digits");
      return -1;
    default:
      if ((unsigned char)e >= 0x21 && (unsigned char)e < 0x7f)
        xir_error(c, &el, "unknown escape '\\%c' in string", e);
      else
        xir_error(c, &el, "unknown escape in string (byte 0x%02x)", (unsigned char)e);
      return -1;
    }
  }
  d[k] = 0;
  out->s = d;
  out->n = k;
  return 0;
}

char *xl_ident(XirCtx *c, const char *s, size_t n) { return arena_strndup(c->g->arena, s, n); }

/* ---- builders ---- */

void xb_reset(XirCtx *c) {
  c->nnums = c->nrefs = c->nattrs = 0;
  c->vkind = XV_NONE;
}

XirStr xb_str(XirCtx *c, const char *s) {
  XirStr r;
  r.n = strlen(s);
  r.s = arena_strndup(c->g->arena, s, r.n);
  return r;
}

/* The location a statement records: the one written after '@', else line:col. */
static const char *stmt_loc(XirCtx *c, XirStr loc, const XirLoc *sl) {
  if (loc.s)
    return memchr(loc.s, 0, loc.n) ? arena_strdup(c->g->arena, "?") : loc.s;
  return arena_printf(c->g->arena, "%d:%d", sl->first_line, sl->first_column);
}

/* graph_stmt: the graph's name (opsets were set by xb_opset). */
void xb_graph(XirCtx *c, XirStr name, const XirLoc *l) {
  if (name_ok(c, name, l))
    c->g->name = name.s;
}

/* opset := INT | DOMAIN INT, DOMAIN one of ai.onnx, xnor */
void xb_opset(XirCtx *c, const char *domain, int64_t version, const XirLoc *l) {
  if (version < 0) {
    xir_error(c, l, "opset version %lld is negative", (long long)version);
    return;
  }
  if (!domain || !strcmp(domain, "ai.onnx"))
    c->g->opset = version;
  else if (!strcmp(domain, "xnor"))
    c->g->xnor_opset = version;
  else
    xir_error(c, l, "unknown opset domain '%s' (expected ai.onnx or xnor)", domain);
}

/* dims: returns the new rank; an extra dimension past XN_MAX_RANK is reported once. */
int xb_dim(XirCtx *c, int rank, int64_t v, const XirLoc *l) {
  if (rank == XN_MAX_RANK)
    xir_error(c, l, "a tensor has at most %d dimensions", XN_MAX_RANK);
  else if (rank < XN_MAX_RANK) {
    if (v < 0)
      xir_error(c, l, "dimension %lld is negative", (long long)v);
    c->shape[rank] = v < 0 ? 0 : v;
  }
  return rank < INT_MAX ? rank + 1 : rank;
}

static void push_num(XirCtx *c, XirNum x) {
  if (c->nnums == c->capnums) {
    if (c->capnums > INT_MAX / 2)
      xn_unreachable("too many numbers"); /* the input is limited to INT_MAX bytes */
    int cap = c->capnums ? c->capnums * 2 : 64;
    c->nums = arena_grow(c->g->arena, c->nums, (size_t)c->nnums, (size_t)cap, sizeof *c->nums);
    c->capnums = cap;
  }
  c->nums[c->nnums++] = x;
}

void xb_num_int(XirCtx *c, int64_t v) {
  XirNum x = {0, v, 0};
  push_num(c, x);
}

void xb_num_float(XirCtx *c, float v) {
  XirNum x = {1, 0, v};
  push_num(c, x);
}

void xb_elided(XirCtx *c, const XirLoc *l) {
  xir_error(c, l, "the data was left out (--elide-weights); this dump cannot be loaded");
}

static int find_dtype(const char *s) {
  for (int t = 0; t < DT__COUNT; t++)
    if (!strcmp(dtype_name((DType)t), s))
      return t;
  return -1;
}

/* tensor_stmt: declares a tensor; with data it is a constant. */
void xb_tensor(XirCtx *c, XirStr name, const XirLoc *nl, const char *dtype, const XirLoc *tl, int rank,
               int has_data, const XirLoc *dl, XirStr loc, const XirLoc *sl) {
  Graph *g = c->g;
  int nnums = c->nnums;
  xb_reset(c);
  if (!name_ok(c, name, nl))
    return;
  int prev = strmap_get(&c->names, name.s);
  if (prev >= 0) {
    xir_error(c, nl, "tensor %s is already declared on line %d", qs(c, name), c->decl_line[prev]);
    return;
  }
  int ti = graph_add_tensor(g, name.s, stmt_loc(c, loc, sl));
  strmap_put(&c->names, g->t[ti].name, ti);
  if (ti >= c->cap_decl) {
    int cap = c->cap_decl ? c->cap_decl * 2 : 64;
    c->decl_line = arena_grow(g->arena, c->decl_line, (size_t)c->cap_decl, (size_t)cap, sizeof(int));
    c->cap_decl = cap;
  }
  c->decl_line[ti] = nl->first_line;
  Tensor *t = &g->t[ti];
  int dt = find_dtype(dtype);
  if (dt < 0) {
    StrBuf b;
    sb_init(&b, g->arena);
    for (int i = 0; i < DT__COUNT; i++)
      sb_printf(&b, "%s%s", i ? (i + 1 == DT__COUNT ? " or " : ", ") : "", dtype_name((DType)i));
    xir_error(c, tl, "unknown element type '%s' (expected %s)", dtype, b.s);
    return;
  }
  t->dtype = (DType)dt;
  if (rank > XN_MAX_RANK)
    return; /* reported by xb_dim */
  tensor_set_shape(t, rank, c->shape);
  if (has_data != 1)
    return;
  int64_t numel = tensor_numel(t);
  if (rank < 0) {
    xir_error(c, dl, "tensor %s has data but no shape", qs(c, name));
    return;
  }
  if (numel < 0 || numel > INT_MAX) {
    xir_error(c, dl, "tensor %s is too large", qs(c, name));
    return;
  }
  if (numel != nnums) {
    xir_error(c, dl, "tensor %s has shape %s (%lld values) but %d values are given", qs(c, name),
              shape_str(g, t), (long long)numel, nnums);
    return;
  }
  void *data = arena_array(g->arena, (size_t)numel + 1, dtype_size(t->dtype));
  for (int i = 0; i < nnums; i++) {
    const XirNum *x = &c->nums[i];
    if (!dtype_is_float(t->dtype)) {
      if (x->is_float || dtype_wrap(t->dtype, x->i) != x->i) {
        xir_error(c, dl, "tensor %s is %s but value %d is %s", qs(c, name), dtype_name(t->dtype), i,
                  x->is_float ? "a float" : "out of its range");
        return;
      }
      ((int64_t *)data)[i] = x->i;
    } else {
      ((float *)data)[i] = x->is_float ? x->f : (float)x->i;
    }
  }
  t->data = data;
}

static int push_ref(XirCtx *c, int count, int ti) {
  if (c->nrefs == c->caprefs) {
    int cap = c->caprefs ? c->caprefs * 2 : 16;
    c->refs = arena_grow(c->g->arena, c->refs, (size_t)c->nrefs, (size_t)cap, sizeof(int));
    c->caprefs = cap;
  }
  c->refs[c->nrefs++] = ti;
  return count < INT_MAX ? count + 1 : count;
}

/* ref := STRING: a declared tensor (reported and marked -2 when undefined). */
int xb_ref(XirCtx *c, int count, XirStr name, const XirLoc *l) {
  int ti = -2;
  if (name_ok(c, name, l)) {
    ti = strmap_get(&c->names, name.s);
    if (ti < 0) {
      xir_error(c, l, "undefined tensor %s", qs(c, name));
      ti = -2;
    }
  }
  return push_ref(c, count, ti);
}

int xb_ref_omitted(XirCtx *c, int count) { return push_ref(c, count, -1); }

/* io_stmt: appends the refs to the graph's inputs (or outputs). */
void xb_inputs(XirCtx *c, int is_output, const XirLoc *l) {
  for (int i = 0; i < c->nrefs; i++) {
    int ti = c->refs[i];
    if (ti == -1)
      xir_error(c, l, "'_' cannot be a graph %s", is_output ? "output" : "input");
    else if (ti >= 0 && is_output)
      graph_add_output(c->g, ti);
    else if (ti >= 0)
      graph_add_input(c->g, ti);
  }
  xb_reset(c);
}

void xb_val(XirCtx *c, XirValKind k, const XirLoc *l) {
  c->vkind = k;
  c->vloc = *l;
}

void xb_val_int(XirCtx *c, int64_t v, const XirLoc *l) {
  xb_val(c, XV_INT, l);
  c->vi = v;
}

void xb_val_float(XirCtx *c, float v, const XirLoc *l) {
  xb_val(c, XV_FLOAT, l);
  c->vf = v;
}

void xb_val_string(XirCtx *c, XirStr v, const XirLoc *l) {
  xb_val(c, XV_STRING, l);
  c->vs = v;
}

/* Fills a (of kind k) from the value just read; returns the expected form on a mismatch. */
static const char *attr_value(XirCtx *c, Attr *a) {
  Graph *g = c->g;
  XirValKind v = c->vkind;
  switch (a->kind) {
  case AT_INT:
    if (v != XV_INT)
      return "an integer";
    a->i = c->vi;
    return NULL;
  case AT_FLOAT:
    if (v != XV_INT && v != XV_FLOAT)
      return "a number";
    a->f = v == XV_FLOAT ? c->vf : (float)c->vi;
    return NULL;
  case AT_STRING:
    if (v != XV_STRING)
      return "a string";
    a->s = c->vs.s;
    a->slen = c->vs.n;
    return NULL;
  case AT_INTS:
  case AT_FLOATS:
    if (v != XV_LIST)
      return a->kind == AT_INTS ? "a list of integers" : "a list of numbers";
    a->n = c->nnums;
    if (a->kind == AT_INTS)
      a->ints = arena_array(g->arena, (size_t)a->n + 1, sizeof(int64_t));
    else
      a->floats = arena_array(g->arena, (size_t)a->n + 1, sizeof(float));
    for (int i = 0; i < a->n; i++) {
      const XirNum *x = &c->nums[i];
      if (a->kind == AT_INTS) {
        if (x->is_float)
          return "a list of integers";
        a->ints[i] = x->i;
      } else {
        a->floats[i] = x->is_float ? x->f : (float)x->i;
      }
    }
    return NULL;
  case AT_TENSOR:
    if (v == XV_OMITTED)
      return NULL;
    if (v != XV_STRING)
      return "a tensor name or '_'";
    if (memchr(c->vs.s, 0, c->vs.n) || (a->tensor = strmap_get(&c->names, c->vs.s)) < 0) {
      xir_error(c, &c->vloc, "undefined tensor %s", qs(c, c->vs));
      a->tensor = -1;
    }
    return NULL;
  default:
    return v == XV_NONE ? NULL : "no value";
  }
}

/* attr: appended to the node being read; checked against its kind. */
void xb_attr(XirCtx *c, XirStr name, const XirLoc *nl, const char *kind, const XirLoc *kl, XirStr loc) {
  Graph *g = c->g;
  int k = 0;
  while (k <= AT_OTHER && strcmp(attr_kind_name((AttrKind)k), kind))
    k++;
  if (k > AT_OTHER) {
    xir_error(c, kl, "unknown attribute kind '%s' (expected int, float, string, ints, floats, tensor or other)",
              kind);
  } else if (name_ok(c, name, nl)) {
    int dup = 0;
    for (int i = 0; i < c->nattrs; i++)
      dup |= !strcmp(c->attrs[i].name, name.s);
    Attr a;
    memset(&a, 0, sizeof a);
    a.name = name.s;
    a.kind = (AttrKind)k;
    a.tensor = -1;
    a.loc = loc.s ? stmt_loc(c, loc, nl) : NULL;
    const char *want = attr_value(c, &a);
    if (dup) {
      xir_error(c, nl, "attribute %s is given twice", qs(c, name));
    } else if (want) {
      xir_error(c, c->vkind == XV_NONE ? kl : &c->vloc, "attribute %s of kind %s needs %s", qs(c, name), kind,
                want);
    } else {
      if (c->nattrs == c->capattrs) {
        int cap = c->capattrs ? c->capattrs * 2 : 8;
        c->attrs = arena_grow(g->arena, c->attrs, (size_t)c->nattrs, (size_t)cap, sizeof *c->attrs);
        c->attr_at = arena_grow(g->arena, c->attr_at, (size_t)c->nattrs, (size_t)cap, sizeof *c->attr_at);
        c->capattrs = cap;
      }
      c->attr_at[c->nattrs] = *nl;
      c->attrs[c->nattrs++] = a;
    }
  }
  c->nnums = 0;
  c->vkind = XV_NONE;
}

/* node_stmt: OP is NAME or DOMAIN.NAME; c->refs holds nin inputs then nout outputs. */
void xb_node(XirCtx *c, const char *op, const XirLoc *ol, XirStr name, const XirLoc *nl, int nin, int nout,
             XirStr loc, const XirLoc *sl) {
  Graph *g = c->g;
  const char *dot = strrchr(op, '.');
  const char *domain = dot ? arena_strndup(g->arena, op, (size_t)(dot - op)) : "";
  const char *opname = dot ? dot + 1 : op;
  Op o = op_lookup(domain, opname);
  int ok = name_ok(c, name, nl);
  if (o == OP__COUNT) {
    xir_error(c, ol, "unknown op '%s'", op);
    ok = 0;
  }
  /* Arity, omitted inputs and attribute kinds are the verifier's (ir/verify.c). */
  for (int i = 0; i < c->nrefs; i++)
    if (c->refs[i] == -2)
      ok = 0; /* an undefined tensor, already reported */
  if (ok && c->nrefs == nin + nout) {
    int ni = graph_add_node(g, o, name.s, stmt_loc(c, loc, sl), nin, nout);
    Node *n = &g->n[ni];
    memcpy(n->in, c->refs, (size_t)nin * sizeof(int));
    memcpy(n->out, c->refs + nin, (size_t)nout * sizeof(int));
    for (int i = 0; i < c->nattrs; i++) {
      /* Without '@' an attribute is at NODELOC.attribute[i] when the node has
       * an '@' location (the JSON path of dumps), else at its own line:col. */
      const Attr *p = &c->attrs[i];
      const char *aloc = p->loc;
      if (!aloc && loc.s)
        aloc = arena_printf(g->arena, "%s.attribute[%d]", n->loc, i);
      else if (!aloc)
        aloc = arena_printf(g->arena, "%d:%d", c->attr_at[i].first_line, c->attr_at[i].first_column);
      Attr *a = node_add_attr(g, ni, p->name, p->kind, aloc);
      *a = *p;
      a->loc = aloc;
    }
  }
  xb_reset(c);
}

/* ---- entry ---- */

/* The shape a tensor statement gives a tensor that a node computes is the
 * model's declaration, which the verifier checks against the inferred one
 * (the shape stays until shape inference replaces it). */
static void declare_computed(Graph *g) {
  for (int i = 0; i < g->nn; i++)
    for (int j = 0; j < g->n[i].nout; j++) {
      int ti = g->n[i].out[j];
      Tensor *t = ti >= 0 ? &g->t[ti] : NULL;
      if (t && !t->data && !t->is_input && t->rank >= 0 && !t->has_decl)
        tensor_declare(t, t->rank, t->dims, t->dtype, t->loc);
    }
}

int xir_load(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d) {
  (void)o; /* shapes in text IR are always literal */
  if (len > (size_t)INT_MAX - 2) {
    diag_error(d, "the file is too large (more than %d bytes)", INT_MAX - 2);
    return -1;
  }
  XirCtx c;
  memset(&c, 0, sizeof c);
  c.g = g;
  c.d = d;
  c.text = text;
  c.len = len;
  strmap_init(&c.names, g->arena);
  xir_scan_parse(&c);
  declare_computed(g);
  if (c.stop)
    diag_raw(d, 1, "%s: error: too many errors (%d), giving up", d->file, XIR_MAX_ERRORS);
  return c.nerrors || c.stop ? -1 : 0;
}
