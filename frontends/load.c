/* load.c - read a model file and hand it to the loader its name asks for. */
#include <errno.h>
#include <string.h>

#include "frontend.h"

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

/* Reads a whole file into the graph arena (NUL-terminated). */
static char *read_file(Graph *g, const char *path, size_t *len, Diag *d) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    diag_error(d, "cannot open: %s", strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = arena_alloc(g->arena, cap + 1);
  for (;;) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap)
      break;
    char *bigger = arena_alloc(g->arena, cap * 2 + 1);
    memcpy(bigger, buf, n);
    buf = bigger;
    cap *= 2;
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    diag_error(d, "cannot read the file");
    return NULL;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

int frontend_load_text(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d) {
  if (ends_with(g->file, ".json"))
    return json_load(g, text, len, o, d);
  if (ends_with(g->file, ".xir"))
    return xir_load(g, text, len, o, d);
  diag_error(d, "unknown model format (expected a .json or .xir file)");
  return -1;
}

int frontend_load(Graph *g, const LoadOptions *o, Diag *d) {
  size_t len;
  char *text = read_file(g, g->file, &len, d);
  return text ? frontend_load_text(g, text, len, o, d) : -1;
}
