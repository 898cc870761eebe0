/* strmap.c - open-addressing string map (FNV-1a hash, linear probing). */
#include <string.h>

#include "util.h"

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

void strmap_init(StrMap *m, Arena *a) {
  m->arena = a;
  m->cap = 64;
  m->count = 0;
  m->keys = arena_array(a, m->cap, sizeof *m->keys);
  m->vals = arena_array(a, m->cap, sizeof *m->vals);
}

int strmap_get(const StrMap *m, const char *key) {
  for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    if (!m->keys[i])
      return -1;
    if (!strcmp(m->keys[i], key))
      return m->vals[i];
  }
}

static void put(StrMap *m, const char *key, int val) {
  size_t i = hash(key) & (m->cap - 1);
  while (m->keys[i] && strcmp(m->keys[i], key))
    i = (i + 1) & (m->cap - 1);
  if (!m->keys[i])
    m->count++;
  m->keys[i] = key;
  m->vals[i] = val;
}

void strmap_put(StrMap *m, const char *key, int val) {
  if ((m->count + 1) * 2 > m->cap) {
    StrMap old = *m;
    m->cap *= 2;
    m->count = 0;
    m->keys = arena_array(m->arena, m->cap, sizeof *m->keys);
    m->vals = arena_array(m->arena, m->cap, sizeof *m->vals);
    for (size_t i = 0; i < old.cap; i++)
      if (old.keys[i])
        put(m, old.keys[i], old.vals[i]);
  }
  put(m, key, val);
}
