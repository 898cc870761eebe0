/* load.c - read a model file and hand it to the loader its name (or else its
 * contents) asks for. */
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
    buf = arena_resize(g->arena, buf, n, cap * 2 + 1); /* in place once over 64 KiB */
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

/* The format the contents name, for a file whose extension names none:
 * JSON starts with '{'; text IR with "graph" after comment lines; an ONNX
 * file with a ModelProto field tag (ir_version, opset_import, graph,
 * producer_name... all have field numbers 1 to 8, so the first byte is such a
 * tag with a valid wire type). Returns the loader, or NULL. */
typedef int (*Loader)(Graph *, const char *, size_t, const LoadOptions *, Diag *);

static Loader sniff(const char *text, size_t len) {
  size_t i = 0;
  for (;;) {
    while (i < len && strchr(" \t\r\n", text[i]) && text[i])
      i++;
    if (i < len && text[i] == '#')
      while (i < len && text[i] != '\n')
        i++;
    else
      break;
  }
  if (i < len && text[i] == '{')
    return json_load;
  if (len - i >= 5 && !strncmp(text + i, "graph", 5))
    return xir_load;
  unsigned char tag = len ? (unsigned char)text[0] : 0;
  int wire = tag & 7, field = tag >> 3;
  if (field >= 1 && field <= 8 && (wire == 0 || wire == 2))
    return onnx_load;
  return NULL;
}

int frontend_load_text(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d) {
  Loader load = NULL;
  if (ends_with(g->file, ".json"))
    load = json_load;
  else if (ends_with(g->file, ".onnx"))
    load = onnx_load;
  else if (ends_with(g->file, ".xir"))
    load = xir_load;
  else if (!(load = sniff(text, len))) {
    diag_error(d, "unknown model format (expected a .json, .onnx or .xir file)");
    return -1;
  }
  return load(g, text, len, o, d);
}

int frontend_load(Graph *g, const LoadOptions *o, Diag *d) {
  size_t len;
  char *text = read_file(g, g->file, &len, d);
  if (!text)
    return -1;
  int rc = frontend_load_text(g, text, len, o, d);
  /* The loaders copy what they keep (names, tensor data): the file's bytes
   * go back now rather than with the graph, so a model's weights are not
   * held twice through the passes. */
  arena_release(g->arena, text);
  return rc;
}
