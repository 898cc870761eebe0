/* diag.c - collect user-facing diagnostics; never exits. */
#include <stdlib.h>
#include <string.h>

#include "util.h"

void diag_init(Diag *d, const char *file) {
  memset(d, 0, sizeof *d);
  d->file = file ? file : "xnorcc";
}

void diag_free(Diag *d) {
  xn_free(d->text);
  d->text = NULL;
  d->len = d->cap = 0;
}

static void append(Diag *d, const char *s, size_t n) {
  if (d->echo)
    fwrite(s, 1, n, d->echo);
  if (d->len + n + 1 > d->cap) {
    size_t cap = d->cap ? d->cap : 256;
    while (d->len + n + 1 > cap)
      cap *= 2;
    char *t = xn_realloc(d->text, cap);
    if (!t) {
      d->truncated = 1;
      return;
    }
    d->text = t;
    d->cap = cap;
  }
  memcpy(d->text + d->len, s, n);
  d->len += n;
  d->text[d->len] = 0;
}

static void vmessage(Diag *d, const char *prefix, const char *kind, const char *fmt, va_list ap) {
  char buf[1024];
  int n = snprintf(buf, sizeof buf, "%s: %s: ", prefix, kind);
  if (n < 0)
    n = 0;
  if ((size_t)n < sizeof buf) {
    int m = vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    if (m > 0)
      n += m;
  }
  if ((size_t)n >= sizeof buf - 1)
    n = (int)sizeof buf - 2; /* long messages are cut, never overflow */
  buf[n++] = '\n';
  append(d, buf, (size_t)n);
}

void diag_verror(Diag *d, const char *fmt, va_list ap) {
  d->nerrors++;
  vmessage(d, d->file, "error", fmt, ap);
}

void diag_error(Diag *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_verror(d, fmt, ap);
  va_end(ap);
}

void diag_warning(Diag *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  d->nwarnings++;
  vmessage(d, d->file, "warning", fmt, ap);
  va_end(ap);
}

void diag_note(Diag *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage(d, d->file, "note", fmt, ap);
  va_end(ap);
}

void diag_raw(Diag *d, int is_error, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0)
    n = 0;
  if ((size_t)n > sizeof buf - 2)
    n = (int)sizeof buf - 2;
  buf[n++] = '\n';
  if (is_error)
    d->nerrors++;
  append(d, buf, (size_t)n);
}

void diag_print(const Diag *d, FILE *f) {
  if (d->len)
    fwrite(d->text, 1, d->len, f);
  if (d->truncated)
    fputs("xnorcc: some diagnostics were lost: out of memory\n", f);
}

void xn_unreachable_at(const char *file, int line, const char *msg) {
  fprintf(stderr, "xnorcc: internal error at %s:%d: %s\n", file, line, msg);
  abort();
}

int xn_mul_ok(int64_t a, int64_t b, int64_t *r) {
  if (a < 0 || b < 0)
    return 0;
  if (a != 0 && b > INT64_MAX / a)
    return 0;
  *r = a * b;
  return 1;
}

int xn_add_ok(int64_t a, int64_t b, int64_t *r) {
  if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
    return 0;
  *r = a + b;
  return 1;
}
