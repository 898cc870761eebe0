/* emit_util.c - the small text helpers of the C backend. */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "emit.h"
#include "runtime/include/xnorcc_rt/pack.h"
#include "runtime/include/xnorcc_rt/sgemm_pack.h"

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

int64_t bwn_panel_bytes(int64_t M, int64_t Cg, int64_t KH, int64_t KW, int64_t G) {
  return (int64_t)XNRT_BWN_CONV_WEIGHT_BYTES(M, Cg, KH, KW, G);
}

uint8_t *pack_bwn_panels(Graph *g, const float *w, int64_t M, int64_t Cg, int64_t KH, int64_t KW, int64_t G) {
  uint8_t *u = arena_array(g->arena, (size_t)bwn_panel_bytes(M, Cg, KH, KW, G) + 1, 1);
  xnrt_bwn_conv_pack_weights(w, (int)M, (int)Cg, (int)KH, (int)KW, (int)G, u);
  return u;
}

/* The items of an initializer list, per_line[k] a line at the writer's
 * depth, separated by ", " and ",\n". */
static void put_items(CWriter *w, ItemKind k, const void *v, int64_t n) {
  static const int per_line[] = {6, 8, 12, 4, 16}; /* IK_F32, IK_I64, IK_I32, IK_U64, IK_U8 */
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
    case IK_U8: sb_printf(b, "0x%02x", (unsigned)((const uint8_t *)v)[i]); break;
    }
    if (i + 1 < n)
      sb_putc(b, ',');
  }
  if (n)
    cw_end(w);
}

/* ---- constant data as bytes (docs/generated-code.md, "Weight storage") ----
 *
 * gcc and clang hold an initializer list as one tree node per element (gcc
 * -O2: about 17 bytes of memory per byte of hex-float source), but a string
 * literal as its bytes. So a large array is a union of the typed array and
 * rows of unsigned char, initialized by string literals of at most
 * CD_ROW bytes each (rows of equal length, but the last) (C99 compilers need only support 4095; -pedantic warns
 * beyond), written CD_LINE bytes a line:
 *
 *   static const union { unsigned char b[R][4088]; float v[N]; } w5_u = {{
 *     "\375\077..."
 *     ...
 *   }};
 *   static const float *const w5 = w5_u.v;
 *
 * The bytes are the elements' little-endian two's-complement / IEEE-754
 * binary32 representations, written by shifts (independent of the host);
 * printable ASCII but \ " ? as itself (no trigraph can form), every other
 * byte a 3-digit octal escape (which a following digit cannot extend).
 * Reading v after initializing b is the union type punning C99 (TC3 6.5.2.3
 * footnote 82) allows; the file refuses to compile on a big-endian target
 * (a guard before the first such array). */
#define CD_ROW 4088  /* bytes per row: <= 4095, a multiple of 8 */
#define CD_LINE 64   /* bytes per source line */
#define CD_AUTO_MIN 1024 /* --weight-storage=auto: arrays of at least this many bytes */

static const char *const item_type[] = {"float", "int64_t", "int32_t", "uint64_t", "uint8_t"};
static const int item_bytes[] = {4, 8, 4, 8, 1};

/* The little-endian bytes of element i of v into o. */
static void item_le(ItemKind k, const void *v, int64_t i, unsigned char *o) {
  uint64_t u;
  if (item_bytes[k] == 1) {
    u = ((const unsigned char *)v)[i];
  } else if (item_bytes[k] == 4) {
    uint32_t x;
    memcpy(&x, (const char *)v + 4 * i, 4);
    u = x;
  } else {
    memcpy(&u, (const char *)v + 8 * i, 8);
  }
  for (int j = 0; j < item_bytes[k]; j++)
    o[j] = (unsigned char)(u >> (8 * j));
}

/* A string literal of the n bytes p into o (at most 4 n + 2 chars); returns
 * its length. */
static size_t put_bytes_literal(char *o, const unsigned char *p, size_t n) {
  char *s = o;
  *s++ = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned c = p[i];
    if (c >= 0x20 && c <= 0x7e && c != '\\' && c != '"' && c != '?') {
      *s++ = (char)c;
    } else {
      *s++ = '\\';
      *s++ = (char)('0' + (c >> 6));
      *s++ = (char)('0' + ((c >> 3) & 7));
      *s++ = (char)('0' + (c & 7));
    }
  }
  *s++ = '"';
  return (size_t)(s - o);
}

static void emit_bytes_array(Emit *e, ItemKind k, const char *name, const char *size, const void *v, int64_t n) {
  CWriter *w = e->w;
  /* rows of equal length (a multiple of 8, at most CD_ROW) but the last:
   * b is at most 8 bytes a row larger than v */
  int64_t nbytes = n * item_bytes[k], rows = (nbytes + CD_ROW - 1) / CD_ROW;
  int64_t row = ((nbytes + rows - 1) / rows + 7) / 8 * 8;
  if (!e->bytes_guard) {
    e->bytes_guard = 1;
    /* preprocessor lines at column 0, also inside a function */
    sb_puts(w->b, "#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && "
                  "__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__\n"
                  "#error \"constant data is stored as little-endian bytes: for this target generate the file "
                  "with --weight-storage=lists\"\n#endif\n");
  }
  if (size)
    cw_open(w, "static const union { unsigned char b[%lld][%lld]; %s v[%s]; } %s_u = {{", (long long)rows,
            (long long)row, item_type[k], size, name);
  else
    cw_open(w, "static const union { unsigned char b[%lld][%lld]; %s v[%lld]; } %s_u = {{", (long long)rows,
            (long long)row, item_type[k], (long long)n, name);
  unsigned char line[CD_LINE + 8];
  char text[4 * CD_LINE + 8];
  int64_t i = 0; /* next element */
  unsigned char pend[8];
  int npend = 0; /* bytes of element i-1 not yet written */
  for (int64_t off = 0; off < nbytes;) {
    int64_t row_end = (off / row + 1) * row;
    if (row_end > nbytes)
      row_end = nbytes;
    int len = (int)(row_end - off < CD_LINE ? row_end - off : CD_LINE);
    for (int j = 0; j < len; j++) {
      if (!npend) {
        item_le(k, v, i++, pend);
        npend = item_bytes[k];
      }
      line[j] = pend[item_bytes[k] - npend--];
    }
    off += len;
    StrBuf *b = cw_begin(w);
    sb_putn(b, text, put_bytes_literal(text, line, (size_t)len));
    if (off == row_end && off < nbytes)
      sb_putc(b, ',');
    cw_end(w);
  }
  cw_close_with(w, "}};");
  cw_line(w, "static const %s *const %s = %s_u.v;", item_type[k], name, name);
}

void emit_const_array(Emit *e, ItemKind k, const char *name, const char *size, const void *v, int64_t n) {
  CWriter *w = e->w;
  if (n == 0) {
    cw_line(w, "static const %s %s[1] = {%s};", item_type[k], name, k == IK_F32 ? "0x0p+0f" : "0");
    return;
  }
  int st = e->o ? e->o->storage : WS_AUTO;
  if (st == WS_BYTES || (st == WS_AUTO && n * item_bytes[k] >= CD_AUTO_MIN)) {
    emit_bytes_array(e, k, name, size, v, n);
    return;
  }
  if (size)
    cw_open(w, "static const %s %s[%s] = {", item_type[k], name, size);
  else
    cw_open(w, "static const %s %s[%lld] = {", item_type[k], name, (long long)n);
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
