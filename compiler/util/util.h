/* util.h - memory, strings and diagnostics shared by every phase of xnorcc.
 *
 * Memory: every compiler allocation goes through xn_malloc/xn_realloc (alloc.c),
 * which a test can make fail at the N-th call. Most objects live in an Arena that
 * is freed once at the end of a compilation. When the arena cannot grow it jumps
 * to the handler installed with arena_set_oom(), so callers never check for NULL.
 *
 * Diagnostics: user errors are collected in a Diag (diag.c); library code never
 * exits. Internal bugs go through xn_unreachable().
 */
#ifndef XN_UTIL_H
#define XN_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__GNUC__)
#define XN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define XN_NORETURN __attribute__((noreturn))
#else
#define XN_PRINTF(f, a)
#define XN_NORETURN
#endif


/* ---- alloc.c: the one allocation wrapper ---- */

/* Like malloc/realloc/free. Return NULL on failure, including an injected one. */
void *xn_malloc(size_t n);
void *xn_realloc(void *p, size_t n);
void xn_free(void *p);
/* Test hook: make the n-th allocation call from now fail (n >= 1); 0 disables. */
void xn_alloc_fail_at(long n);
/* Requests of more than n bytes fail as if malloc returned NULL (0: no
 * limit, the default). The fuzz targets set it below libFuzzer's memory
 * limit, so a model that asks for a huge tensor takes the out-of-memory path
 * a real machine takes, instead of ending the fuzzer. */
void xn_alloc_limit(size_t n);
/* Number of allocation calls since the last xn_alloc_fail_at(). */
long xn_alloc_calls(void);
/* Blocks obtained from xn_malloc/xn_realloc(NULL, n) and not yet given to
 * xn_free: tests compare it before and after a compile to find leaks. */
long xn_alloc_live(void);

/* ---- arena.c ---- */

typedef struct Arena Arena;

/* A new empty arena, or NULL when out of memory. */
Arena *arena_new(void);
/* Frees every block of the arena. NULL is allowed. */
void arena_free(Arena *a);
/* Where arena_alloc jumps (longjmp(*env, 1)) when memory runs out. Without a
 * handler, running out of memory aborts. */
void arena_set_oom(Arena *a, jmp_buf *env);
/* The handler arena_set_oom() installed last (NULL when none), so a caller that
 * installs its own can restore and jump on to it. */
jmp_buf *arena_get_oom(Arena *a);
/* Test hook: arenas allocate blocks of at least n bytes from now on (0 = the
 * default, 64 KiB). A tiny size makes nearly every arena_alloc call an
 * xn_malloc call, so that xn_alloc_fail_at() can fail each of them. */
void arena_test_block_size(size_t n);
/* n zeroed bytes, aligned for any type. Never returns NULL (see arena_set_oom). */
void *arena_alloc(Arena *a, size_t n);
/* Like arena_alloc but returns NULL instead of jumping. */
void *arena_try_alloc(Arena *a, size_t n);
/* count*size bytes with an overflow check (an overflow is treated as out of memory). */
void *arena_array(Arena *a, size_t count, size_t size);
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) XN_PRINTF(2, 3);
/* p (an allocation of old_n bytes from a, or NULL) with room for new_n
 * bytes, the first min(old_n, new_n) kept and the rest unspecified (not
 * zeroed, unlike arena_alloc: a text buffer grown by doubling does not
 * touch pages it never writes). An allocation
 * over the block size (64 KiB) has a block of its own, which is realloc'ed
 * in place; a smaller one is copied and the old bytes stay in the arena. */
void *arena_resize(Arena *a, void *p, size_t old_n, size_t new_n);
/* Gives the memory of p (an allocation from a) back at once when it has a
 * block of its own (over 64 KiB); else does nothing. p must not be used
 * afterwards. */
void arena_release(Arena *a, void *p);
/* Grow an arena array: returns a copy of old (old_n elements) with room for new_n. */
void *arena_grow(Arena *a, void *old, size_t old_n, size_t new_n, size_t size);

/* ---- strbuf.c: growable text buffer in an arena ---- */

typedef struct StrBuf {
  Arena *arena; /* owner of the memory */
  char *s;      /* NUL-terminated contents */
  size_t len;   /* bytes used, without the NUL */
  size_t cap;   /* bytes available */
} StrBuf;

void sb_init(StrBuf *b, Arena *a);
void sb_putc(StrBuf *b, char c);
void sb_puts(StrBuf *b, const char *s);
void sb_putn(StrBuf *b, const char *s, size_t n);
void sb_printf(StrBuf *b, const char *fmt, ...) XN_PRINTF(2, 3);
void sb_vprintf(StrBuf *b, const char *fmt, va_list ap);

/* ---- diag.c: user-facing diagnostics ---- */

typedef struct Diag {
  const char *file; /* the model file every message is reported against */
  int nerrors;      /* errors reported so far */
  int nwarnings;    /* warnings reported so far */
  char *text;       /* all messages, one per line (xn_malloc'd) */
  size_t len, cap;  /* bytes used / allocated in text */
  int truncated;    /* a message was lost because memory ran out */
  FILE *echo;       /* when set, each message is also written here at once */
} Diag;

void diag_init(Diag *d, const char *file);
void diag_free(Diag *d);
/* "FILE: error: MESSAGE" */
void diag_error(Diag *d, const char *fmt, ...) XN_PRINTF(2, 3);
void diag_verror(Diag *d, const char *fmt, va_list ap);
/* "FILE: warning: MESSAGE" */
void diag_warning(Diag *d, const char *fmt, ...) XN_PRINTF(2, 3);
/* "FILE: note: MESSAGE" (does not count as an error) */
void diag_note(Diag *d, const char *fmt, ...) XN_PRINTF(2, 3);
/* A message with a prefix chosen by the caller, e.g. "m.xir:3:7: error: ...". */
void diag_raw(Diag *d, int is_error, const char *fmt, ...) XN_PRINTF(3, 4);
/* Writes all collected messages to f. */
void diag_print(const Diag *d, FILE *f);

/* Internal errors: a bug in xnorcc, not in the model. */
XN_NORETURN void xn_unreachable_at(const char *file, int line, const char *msg);
#define xn_unreachable(msg) xn_unreachable_at(__FILE__, __LINE__, msg)

/* ---- checked arithmetic (util.c) ---- */

/* a*b into *r; returns 0 on overflow or when a result would exceed INT64_MAX. */
int xn_mul_ok(int64_t a, int64_t b, int64_t *r);
int xn_add_ok(int64_t a, int64_t b, int64_t *r);



/* ---- strmap.c: string -> int map in an arena (lookups only; never iterated,
 * so no hash order can leak into output) ---- */

typedef struct StrMap {
  Arena *arena;       /* owner of the table */
  const char **keys;  /* NULL = empty slot; keys are not copied */
  int *vals;          /* values */
  size_t cap, count;  /* slots / used slots */
} StrMap;

void strmap_init(StrMap *m, Arena *a);
/* Value for key, or -1. */
int strmap_get(const StrMap *m, const char *key);
/* Sets key (which must outlive the map) to val. */
void strmap_put(StrMap *m, const char *key, int val);
#endif
