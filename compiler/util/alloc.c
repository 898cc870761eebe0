/* alloc.c - the single allocation wrapper with failure injection for tests. */
#include <stdlib.h>

#include "util.h"

static long fail_at;  /* call number that fails, 0 = none */
static long calls;    /* calls since the last reset */

static int should_fail(void) {
  calls++;
  return fail_at > 0 && calls == fail_at;
}

void *xn_malloc(size_t n) {
  if (should_fail())
    return NULL;
  return malloc(n ? n : 1);
}

void *xn_realloc(void *p, size_t n) {
  if (should_fail())
    return NULL;
  return realloc(p, n ? n : 1);
}

void xn_free(void *p) { free(p); }

void xn_alloc_fail_at(long n) {
  fail_at = n;
  calls = 0;
}

long xn_alloc_calls(void) { return calls; }
