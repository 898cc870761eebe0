/* emit_util.c - the small text helpers of the C backend. */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "emit.h"
#include "runtime/include/xnorcc_rt/pack.h"

static const char hexdig[] = "0123456789abcdef";

/* A float is (-1)^s * 1.f * 2^e (normal) or (-1)^s * 0.m * 2^-126 (subnormal);
 * both are printed normalized as 0x1.<hex digits>p<e>, which C99 reads back
 * exactly (6.4.4.2). */
void put_hexfloat(StrBuf *b, float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  int neg = (int)(u >> 31);
  uint32_t ex = (u >> 23) & 0xffu, m = u & 0x7fffffu;
  if (ex == 0xffu) {
    if (m)
      sb_puts(b, "NAN");
    else
      sb_puts(b, neg ? "(-HUGE_VALF)" : "HUGE_VALF");
    return;
  }
  if (neg)
    sb_putc(b, '-');
  if (ex == 0 && m == 0) {
    sb_puts(b, "0x0p+0f");
    return;
  }
  long e;
  uint32_t frac; /* 24 fraction bits after the leading 1 */
  if (ex == 0) {
    int p = 22;
    while (!(m >> p & 1u))
      p--;
    e = (long)p - 149;
    frac = (m - (1u << p)) << (24 - p);
  } else {
    e = (long)ex - 127;
    frac = m << 1;
  }
  char digits[7];
  int nd = 0;
  for (int i = 5; i >= 0; i--)
    digits[nd++] = hexdig[(frac >> (4 * i)) & 0xfu];
  while (nd > 0 && digits[nd - 1] == '0')
    nd--;
  sb_puts(b, "0x1");
  if (nd) {
    sb_putc(b, '.');
    sb_putn(b, digits, (size_t)nd);
  }
  sb_printf(b, "p%c%ldf", e < 0 ? '-' : '+', e < 0 ? -e : e);
}

void put_comment_text(StrBuf *b, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c > 0x7e || c == '*' || c == '\\' || c == '?') {
      char esc[5] = {'\\', 'x', hexdig[c >> 4], hexdig[c & 15], 0};
      sb_puts(b, esc);
    } else {
      sb_putc(b, (char)c);
    }
  }
}

void put_index(StrBuf *b, int n, const char *const *vars, const int64_t *strides) {
  int any = 0;
  for (int i = 0; i < n; i++) {
    if (strides[i] == 0)
      continue;
    if (any)
      sb_puts(b, " + ");
    if (strides[i] == 1)
      sb_puts(b, vars[i]);
    else
      sb_printf(b, "%s * %lld", vars[i], (long long)strides[i]);
    any = 1;
  }
  if (!any)
    sb_putc(b, '0');
}

/* The runtime's own packing (xnorcc_rt/pack.h), run at compile time, so the
 * layout is defined once. */
uint64_t *pack_weight_signs(Graph *g, const float *w, int64_t M, int64_t C, int64_t KH, int64_t KW) {
  uint64_t *u = arena_array(g->arena, (size_t)XNRT_WEIGHT_WORDS(M, C, KH, KW) + 1, sizeof *u);
  xnrt_pack_weights(w, (int)M, (int)C, (int)KH, (int)KW, u);
  return u;
}

/* The items of an initializer list, per_line[k] a line at the writer's
 * depth, separated by ", " and ",\n". */
static void put_items(CWriter *w, ItemKind k, const void *v, int64_t n) {
  static const int per_line[] = {6, 8, 12, 4}; /* IK_F32, IK_I64, IK_I32, IK_U64 */
  StrBuf *b = NULL;
  for (int64_t i = 0; i < n; i++) {
    if (i % per_line[k])
      sb_putc(b, ' ');
    else {
      if (i)
        cw_end(w);
      b = cw_begin(w);
    }
    switch (k) {
    case IK_F32: put_hexfloat(b, ((const float *)v)[i]); break;
    case IK_I64: {
      int64_t x = ((const int64_t *)v)[i];
      if (x == INT64_MIN)
        sb_puts(b, "INT64_MIN");
      else if (x == INT64_MAX)
        sb_puts(b, "INT64_MAX");
      else
        sb_printf(b, "%lld", (long long)x);
      break;
    }
    case IK_I32: sb_printf(b, "%ld", (long)((const int32_t *)v)[i]); break;
    case IK_U64: sb_printf(b, "0x%016llxu", (unsigned long long)((const uint64_t *)v)[i]); break;
    }
    if (i + 1 < n)
      sb_putc(b, ',');
  }
  if (n)
    cw_end(w);
}

void emit_const_array(Emit *e, ItemKind k, const char *name, const char *size, const void *v, int64_t n) {
  static const char *const type[] = {"float", "int64_t", "int32_t", "uint64_t"};
  CWriter *w = e->w;
  if (n == 0) {
    cw_line(w, "static const %s %s[1] = {%s};", type[k], name, k == IK_F32 ? "0x0p+0f" : "0");
    return;
  }
  if (size)
    cw_open(w, "static const %s %s[%s] = {", type[k], name, size);
  else
    cw_open(w, "static const %s %s[%lld] = {", type[k], name, (long long)n);
  put_items(w, k, v, n);
  cw_close_with(w, "};");
}

void put_buffer(const Emit *e, StrBuf *b, int ti) {
  const Plan *p = e->p;
  int r = p->root[ti];
  switch (p->store[r]) {
  case ST_CONST: sb_printf(b, "w%d", r); break;
  case ST_INPUT: sb_printf(b, "in%d", p->slot[r]); break;
  case ST_OUTPUT: sb_printf(b, "out%d", p->slot[r]); break;
  case ST_ARENA:
    sb_puts(b, "st->arena.f");
    if (p->off[r])
      sb_printf(b, " + %lld", (long long)p->off[r]);
    break;
  default: xn_unreachable("tensor without storage");
  }
}

void put_work(const Emit *e, StrBuf *b, int ni, const char *name) {
  (void)e;
  sb_printf(b, "work->l%d.%s", ni, name);
}

void emit_work_decl(const Emit *e, int ni, const char *type, ...) {
  va_list ap;
  StrBuf *b = cw_begin(e->w);
  sb_puts(b, type);
  va_start(ap, type);
  int first = 1;
  for (const char *name; (name = va_arg(ap, const char *)) != NULL; first = 0) {
    sb_printf(b, "%s *%s = ", first ? "" : ",", name);
    put_work(e, b, ni, name);
  }
  va_end(ap);
  sb_putc(b, ';');
  cw_end(e->w);
}

void emit_coord(CWriter *w, const char *iv, const char *ov, const char *kv, int64_t S, int64_t D, int64_t P) {
  cw_line(w, "int %s = %s * %lld + %s * %lld - %lld;", iv, ov, (long long)S, kv, (long long)D, (long long)P);
}
