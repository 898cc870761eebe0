/* alloc.c - the single allocation wrapper with failure injection for tests. */
#include <stdlib.h>

#include "util.h"

static long fail_at;  /* call number that fails, 0 = none */
static long calls;    /* calls since the last reset */
static long live;     /* blocks allocated and not yet freed (never reset) */
static size_t limit;  /* largest request served, 0 = any (xn_alloc_limit) */

static int should_fail(void) {
  calls++;
  return fail_at > 0 && calls == fail_at;
}

void *xn_malloc(size_t n) {
  if (should_fail() || (limit && n > limit))
    return NULL;
  void *p = malloc(n ? n : 1);
  if (p)
    live++;
  return p;
}

void *xn_realloc(void *p, size_t n) {
  if (should_fail() || (limit && n > limit))
    return NULL;
  void *q = realloc(p, n ? n : 1);
  if (q && !p)
    live++;
  return q;
}

void xn_free(void *p) {
  if (p)
    live--;
  free(p);
}

void xn_alloc_fail_at(long n) {
  fail_at = n;
  calls = 0;
}

void xn_alloc_limit(size_t n) { limit = n; }

long xn_alloc_calls(void) { return calls; }

long xn_alloc_live(void) { return live; }
