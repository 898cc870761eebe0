/* writer.c - C text with tracked indentation (emit.h, CWriter).
 *
 * Every line starts at the writer's depth (two spaces a level). A block
 * opener ("... {") goes one level in until its cw_close; a header without
 * braces ("for (...)", "if (...)") goes one level in for the statement after
 * it, and that statement (a line, or a closed block) ends it, so nested
 * brace-less loops unwind by themselves.
 */
#include <stdarg.h>

#include "emit.h"

void cw_init(CWriter *w, StrBuf *b) {
  w->b = b;
  w->depth = 0;
  w->nopen = 0;
}

static void push(CWriter *w, int single) {
  if (w->nopen >= CW_MAX_OPEN)
    xn_unreachable("C writer nested too deep");
  w->single[w->nopen++] = (unsigned char)single;
  w->depth++;
}

/* A statement ended: so did every brace-less header waiting for it. */
static void end_statement(CWriter *w) {
  while (w->nopen > 0 && w->single[w->nopen - 1]) {
    w->nopen--;
    w->depth--;
  }
}

StrBuf *cw_begin(CWriter *w) {
  for (int i = 0; i < w->depth; i++)
    sb_puts(w->b, "  ");
  return w->b;
}

void cw_end(CWriter *w) {
  sb_putc(w->b, '\n');
  end_statement(w);
}

void cw_end_head(CWriter *w) {
  sb_putc(w->b, '\n');
  push(w, 1);
}

void cw_end_open(CWriter *w) {
  sb_putc(w->b, '\n');
  push(w, 0);
}

void cw_line(CWriter *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(cw_begin(w), fmt, ap);
  va_end(ap);
  cw_end(w);
}

void cw_head(CWriter *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(cw_begin(w), fmt, ap);
  va_end(ap);
  cw_end_head(w);
}

void cw_open(CWriter *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sb_vprintf(cw_begin(w), fmt, ap);
  va_end(ap);
  cw_end_open(w);
}

/* Leaves the innermost block, which must be one opened by cw_open. */
static void pop_block(CWriter *w) {
  if (w->nopen == 0 || w->single[w->nopen - 1])
    xn_unreachable("C writer: closing a block that is not open");
  w->nopen--;
  w->depth--;
}

void cw_close_with(CWriter *w, const char *text) {
  pop_block(w);
  sb_puts(cw_begin(w), text);
  cw_end(w);
}

void cw_close(CWriter *w) { cw_close_with(w, "}"); }

void cw_else(CWriter *w) {
  pop_block(w);
  sb_puts(cw_begin(w), "} else {");
  cw_end_open(w);
}

void cw_for(CWriter *w, const char *v, int64_t n) {
  cw_head(w, "for (int %s = 0; %s < %lld; %s++)", v, v, (long long)n, v);
}

void cw_for_open(CWriter *w, const char *v, int64_t n) {
  cw_open(w, "for (int %s = 0; %s < %lld; %s++) {", v, v, (long long)n, v);
}

void cw_raw(CWriter *w, const char *fmt, ...) {
  va_list ap;
  if (w->depth)
    xn_unreachable("C writer: raw text inside a block");
  va_start(ap, fmt);
  sb_vprintf(w->b, fmt, ap);
  va_end(ap);
}

void cw_reset(CWriter *w, size_t len) {
  w->b->len = len;
  w->b->s[len] = 0;
  w->depth = w->nopen = 0;
}
