/* print.c - the graph as text IR (.xir), the form frontends/text reads back.
 *
 * Output is a pure function of the graph: tensors in index order (only those a
 * live node, an attribute or the graph's input/output lists refer to), then the
 * input and output lists, then the live nodes in array order. Names are quoted
 * with C-style escapes; floats are exact hex floats built from their bits, so
 * nothing depends on the locale or on printf's float formatting. The syntax is
 * described in docs/ir.md.
 */
#include <stdio.h>
#include <string.h>

#include "ir.h"

/* string := '"' { printable ASCII but '"' and '\' | '\' ( '"' | '\' | 'n' | 't' | 'r' | 'x' HEX HEX ) } '"' */
void ir_put_string(StrBuf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  sb_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char e[4] = {'\\', 0, 0, 0};
    size_t en = 2;
    switch (c) {
    case '"': e[1] = '"'; break;
    case '\\': e[1] = '\\'; break;
    case '\n': e[1] = 'n'; break;
    case '\t': e[1] = 't'; break;
    case '\r': e[1] = 'r'; break;
    default:
      if (c >= 0x20 && c < 0x7f) {
        sb_putc(b, (char)c);
        continue;
      }
      e[1] = 'x';
      e[2] = hex[c >> 4];
      e[3] = hex[c & 15];
      en = 4;
    }
    sb_putn(b, e, en);
  }
  sb_putc(b, '"');
}

static void put_name(StrBuf *b, const char *s) { ir_put_string(b, s, strlen(s)); }

/* float := ['-'] '0x0p+0' | ['-'] '0x1' ['.' HEX+] 'p' ('+'|'-') DEC
 *        | ('+'|'-') 'inf' | ('+'|'-') 'nan' ['(0x' HEX+ ')']
 * The value is (1 + frac / 2^24) * 2^exp with the 23 fraction bits shifted to
 * six hex digits (trailing zeros dropped); subnormals are normalized first. */
void ir_put_hexfloat(StrBuf *b, float f) {
  static const char hex[] = "0123456789abcdef";
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  int neg = (int)(u >> 31);
  uint32_t e = (u >> 23) & 0xff, m = u & 0x7fffff;
  if (e == 0xff) {
    if (m == 0)
      sb_puts(b, neg ? "-inf" : "+inf");
    else if (m == 0x400000)
      sb_puts(b, neg ? "-nan" : "+nan");
    else
      sb_printf(b, "%cnan(0x%lx)", neg ? '-' : '+', (unsigned long)m);
    return;
  }
  if (neg)
    sb_putc(b, '-');
  if (e == 0 && m == 0) {
    sb_puts(b, "0x0p+0");
    return;
  }
  int exp;
  if (e == 0) { /* subnormal: m * 2^-149, shift the leading 1 into bit 23 */
    exp = -126;
    while (!(m & 0x800000)) {
      m <<= 1;
      exp--;
    }
    m &= 0x7fffff;
  } else {
    exp = (int)e - 127;
  }
  char digits[7];
  uint32_t frac = m << 1; /* 24 bits = 6 hex digits */
  int nd = 6;
  for (int i = 5; i >= 0; i--, frac >>= 4)
    digits[i] = hex[frac & 15];
  while (nd > 0 && digits[nd - 1] == '0')
    nd--;
  digits[nd] = 0;
  sb_puts(b, "0x1");
  if (nd) {
    sb_putc(b, '.');
    sb_puts(b, digits);
  }
  sb_printf(b, "p%c%d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

/* A bare attribute name must not look like a keyword, a number or '_'. */
static int bare_ok(const char *s) {
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
      return 0;
  return 1;
}

static void put_shape(StrBuf *b, const Tensor *t) {
  sb_puts(b, dtype_name(t->dtype));
  if (t->rank < 0) {
    sb_puts(b, "[*]");
    return;
  }
  sb_putc(b, '[');
  for (int i = 0; i < t->rank; i++)
    sb_printf(b, i ? ", %lld" : "%lld", (long long)t->dims[i]);
  sb_putc(b, ']');
}

/* data := '[' [ value { ',' value } ] ']', eight values a line. */
static void put_data(StrBuf *b, const Tensor *t, int64_t n) {
  sb_putc(b, '[');
  for (int64_t i = 0; i < n; i++) {
    if (i)
      sb_puts(b, i % 8 ? ", " : ",\n    ");
    if (!dtype_is_float(t->dtype))
      sb_printf(b, "%lld", (long long)((const int64_t *)t->data)[i]);
    else
      ir_put_hexfloat(b, ((const float *)t->data)[i]);
  }
  sb_putc(b, ']');
}

static void put_tensor(StrBuf *b, const Tensor *t, int elide) {
  sb_puts(b, "tensor ");
  put_name(b, t->name);
  sb_puts(b, ": ");
  put_shape(b, t);
  if (t->data) {
    int64_t n = tensor_numel(t);
    if (n < 0)
      n = 0; /* data without a known shape cannot be sized: print none */
    if (elide)
      sb_printf(b, " = <elided %lld %s>", (long long)n, dtype_is_float(t->dtype) ? "floats" : "ints");
    else {
      sb_puts(b, " = ");
      put_data(b, t, n);
    }
  }
  sb_puts(b, " @");
  put_name(b, t->loc);
  sb_puts(b, ";\n");
}

static const char *const kind_names[] = {"int", "float", "string", "ints", "floats", "tensor", "other"};

const char *attr_kind_name(AttrKind k) {
  return (unsigned)k < sizeof kind_names / sizeof *kind_names ? kind_names[k] : "?";
}

/* An attribute's location is left out when it is the default the parser
 * gives it back: the node's location + ".attribute[INDEX]" (the JSON path). */
static int default_attr_loc(const Node *n, const Attr *a, int index) {
  size_t k = strlen(n->loc);
  char tail[40];
  snprintf(tail, sizeof tail, ".attribute[%d]", index);
  return !strncmp(a->loc, n->loc, k) && !strcmp(a->loc + k, tail);
}

static void put_attr(Graph *g, StrBuf *b, const Node *n, const Attr *a, int index) {
  if (bare_ok(a->name))
    sb_puts(b, a->name);
  else
    put_name(b, a->name);
  sb_printf(b, ": %s", attr_kind_name(a->kind));
  switch (a->kind) {
  case AT_INT: sb_printf(b, " %lld", (long long)a->i); break;
  case AT_FLOAT: sb_putc(b, ' '); ir_put_hexfloat(b, a->f); break;
  case AT_STRING: sb_putc(b, ' '); ir_put_string(b, a->s ? a->s : "", a->s ? a->slen : 0); break;
  case AT_INTS:
  case AT_FLOATS:
    sb_puts(b, " [");
    for (int i = 0; i < a->n; i++) {
      if (i)
        sb_puts(b, ", ");
      if (a->kind == AT_INTS)
        sb_printf(b, "%lld", (long long)a->ints[i]);
      else
        ir_put_hexfloat(b, a->floats[i]);
    }
    sb_putc(b, ']');
    break;
  case AT_TENSOR:
    sb_putc(b, ' ');
    if (a->tensor >= 0 && a->tensor < g->nt)
      put_name(b, g->t[a->tensor].name);
    else
      sb_putc(b, '_');
    break;
  default: break;
  }
  if (a->loc && !default_attr_loc(n, a, index)) {
    sb_puts(b, " @");
    put_name(b, a->loc);
  }
}

static void put_refs(Graph *g, StrBuf *b, const int *v, int n) {
  sb_putc(b, '(');
  for (int i = 0; i < n; i++) {
    if (i)
      sb_puts(b, ", ");
    if (v[i] >= 0 && v[i] < g->nt)
      put_name(b, g->t[v[i]].name);
    else
      sb_putc(b, '_');
  }
  sb_putc(b, ')');
}

static void put_node(Graph *g, StrBuf *b, const Node *n) {
  sb_puts(b, "node ");
  if (n->op < OP__COUNT && op_info[n->op].domain[0])
    sb_printf(b, "%s.", op_info[n->op].domain);
  sb_puts(b, n->op < OP__COUNT ? op_info[n->op].name : "?");
  sb_putc(b, ' ');
  put_name(b, n->name);
  sb_putc(b, ' ');
  put_refs(g, b, n->in, n->nin);
  sb_puts(b, " -> ");
  put_refs(g, b, n->out, n->nout);
  if (n->nattr) {
    sb_puts(b, " {");
    for (int i = 0; i < n->nattr; i++) {
      sb_puts(b, i ? ", " : "");
      put_attr(g, b, n, &n->attr[i], i);
    }
    sb_putc(b, '}');
  }
  sb_puts(b, " @");
  put_name(b, n->loc);
  sb_puts(b, ";\n");
}

static void mark(char *used, const Graph *g, int ti) {
  if (ti >= 0 && ti < g->nt)
    used[ti] = 1;
}

void ir_print(Graph *g, StrBuf *out, int elide_weights) {
  char *used = arena_alloc(g->arena, (size_t)g->nt + 1);
  for (int i = 0; i < g->ninputs; i++)
    mark(used, g, g->inputs[i]);
  for (int i = 0; i < g->noutputs; i++)
    mark(used, g, g->outputs[i]);
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (n->dead)
      continue;
    for (int j = 0; j < n->nin; j++)
      mark(used, g, n->in[j]);
    for (int j = 0; j < n->nout; j++)
      mark(used, g, n->out[j]);
    for (int j = 0; j < n->nattr; j++)
      if (n->attr[j].kind == AT_TENSOR)
        mark(used, g, n->attr[j].tensor);
  }

  sb_puts(out, "# xnorcc IR (text form, see docs/ir.md)\ngraph ");
  put_name(out, g->name);
  sb_printf(out, " opset %lld", (long long)g->opset);
  if (g->xnor_opset)
    sb_printf(out, ", xnor %lld", (long long)g->xnor_opset);
  sb_puts(out, ";\n\n");
  for (int i = 0; i < g->nt; i++)
    if (used[i])
      put_tensor(out, &g->t[i], elide_weights);
  sb_puts(out, "\ninputs");
  for (int i = 0; i < g->ninputs; i++) {
    sb_puts(out, i ? ", " : " ");
    put_name(out, g->t[g->inputs[i]].name);
  }
  sb_puts(out, ";\noutputs");
  for (int i = 0; i < g->noutputs; i++) {
    sb_puts(out, i ? ", " : " ");
    put_name(out, g->t[g->outputs[i]].name);
  }
  sb_puts(out, ";\n\n");
  for (int i = 0; i < g->nn; i++)
    if (!g->n[i].dead)
      put_node(g, out, &g->n[i]);
}
