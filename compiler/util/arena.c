/* arena.c - bump allocator; one per compilation, freed at once. */
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct Block {
  struct Block *next; /* previously filled block */
  size_t used, cap;   /* bytes used / available in data */
  int solo;           /* holds one allocation over block_min, at data:
                         arena_resize/arena_release may act on it */
  union { long double ld; void *p; long long ll; double d; } data[]; /* payload, aligned for any type */
} Block;

struct Arena {
  Block *head;  /* block being filled */
  jmp_buf *oom; /* where to jump when memory runs out */
};

enum { BLOCK_MIN = 64 * 1024, ALIGN = 16 };

static size_t block_min = BLOCK_MIN; /* arena_test_block_size() */

void arena_test_block_size(size_t n) { block_min = n ? n : BLOCK_MIN; }

Arena *arena_new(void) {
  Arena *a = xn_malloc(sizeof *a);
  if (!a)
    return NULL;
  a->head = NULL;
  a->oom = NULL;
  return a;
}

void arena_free(Arena *a) {
  if (!a)
    return;
  for (Block *b = a->head, *next; b; b = next) {
    next = b->next;
    xn_free(b);
  }
  xn_free(a);
}

void arena_set_oom(Arena *a, jmp_buf *env) { a->oom = env; }

jmp_buf *arena_get_oom(Arena *a) { return a->oom; }

static void out_of_memory(Arena *a) {
  if (a->oom)
    longjmp(*a->oom, 1);
  fputs("xnorcc: out of memory\n", stderr);
  abort();
}

void *arena_alloc(Arena *a, size_t n) {
  void *p = arena_try_alloc(a, n);
  if (!p)
    out_of_memory(a);
  return p;
}

void *arena_try_alloc(Arena *a, size_t n) {
  size_t need = (n + ALIGN - 1) / ALIGN * ALIGN;
  if (need < n)
    return NULL;
  Block *b = a->head;
  if (!b || b->cap - b->used < need) {
    size_t cap = need > block_min ? need : block_min;
    if (cap > SIZE_MAX - sizeof(Block))
      return NULL;
    b = xn_malloc(sizeof(Block) + cap);
    if (!b)
      return NULL;
    b->cap = cap;
    b->used = 0;
    b->solo = need > block_min;
    /* A big one-off block goes behind the head so the head keeps filling. */
    if (a->head && cap > block_min) {
      b->next = a->head->next;
      a->head->next = b;
    } else {
      b->next = a->head;
      a->head = b;
    }
  }
  void *p = (char *)b->data + b->used;
  b->used += need;
  memset(p, 0, n);
  return p;
}

void *arena_array(Arena *a, size_t count, size_t size) {
  if (size && count > SIZE_MAX / size)
    out_of_memory(a);
  return arena_alloc(a, count * size);
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *arena_strdup(Arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(Arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    xn_unreachable("vsnprintf failed");
  char *p = arena_alloc(a, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

/* The link that points to the solo block holding p, or NULL. */
static Block **solo_link(Arena *a, const void *p) {
  for (Block **l = &a->head; *l; l = &(*l)->next)
    if ((*l)->solo && (const void *)(*l)->data == p)
      return l;
  return NULL;
}

void *arena_resize(Arena *a, void *p, size_t old_n, size_t new_n) {
  size_t need = (new_n + ALIGN - 1) / ALIGN * ALIGN;
  Block **l = p && need >= new_n && need > block_min ? solo_link(a, p) : NULL;
  if (l && need <= SIZE_MAX - sizeof(Block)) {
    Block *b = xn_realloc(*l, sizeof(Block) + need);
    if (!b)
      out_of_memory(a);
    *l = b;
    b->cap = b->used = need;
    return b->data; /* the tail is left untouched: pages nobody writes stay unmapped */
  }
  void *q = arena_alloc(a, new_n);
  if (old_n)
    memcpy(q, p, old_n < new_n ? old_n : new_n);
  return q;
}

void arena_release(Arena *a, void *p) {
  Block **l = p ? solo_link(a, p) : NULL;
  if (!l)
    return;
  Block *b = *l;
  *l = b->next;
  xn_free(b);
}

void *arena_grow(Arena *a, void *old, size_t old_n, size_t new_n, size_t size) {
  void *p = arena_array(a, new_n, size);
  if (old_n)
    memcpy(p, old, old_n * size);
  return p;
}
