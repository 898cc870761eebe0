/* strbuf.c - growable text in an arena (old copies are left to the arena). */
#include <string.h>

#include "util.h"

void sb_init(StrBuf *b, Arena *a) {
  b->arena = a;
  b->cap = 256;
  b->len = 0;
  b->s = arena_alloc(a, b->cap);
}

static void reserve(StrBuf *b, size_t extra) {
  if (b->cap - b->len > extra)
    return;
  size_t cap = b->cap;
  while (cap - b->len <= extra) {
    if (cap > SIZE_MAX / 2)
      cap = SIZE_MAX; /* arena_alloc reports the failure */
    else
      cap *= 2;
  }
  b->s = arena_resize(b->arena, b->s, b->len + 1, cap);
  b->cap = cap;
}

void sb_putn(StrBuf *b, const char *s, size_t n) {
  reserve(b, n);
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = 0;
}

void sb_putc(StrBuf *b, char c) { sb_putn(b, &c, 1); }
void sb_puts(StrBuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

void sb_vprintf(StrBuf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    xn_unreachable("vsnprintf failed");
  reserve(b, (size_t)n);
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void sb_printf(StrBuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(b, fmt, ap);
  va_end(ap);
}
