/* load.c - read a model file and hand it to the loader its name (or else its
 * contents) asks for. */
#if defined(__unix__) || defined(__APPLE__)
#define _DEFAULT_SOURCE   /* glibc: madvise, MADV_DONTNEED */
#define _DARWIN_C_SOURCE  /* macOS: the same */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif
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

/* The loader for g->file's name, else for its contents; NULL after
 * reporting. */
static Loader pick_loader(Graph *g, const char *text, size_t len, Diag *d) {
  Loader load = NULL;
  if (ends_with(g->file, ".json"))
    load = json_load;
  else if (ends_with(g->file, ".onnx"))
    load = onnx_load;
  else if (ends_with(g->file, ".xir"))
    load = xir_load;
  else if (!(load = sniff(text, len)))
    diag_error(d, "unknown model format (expected a .json, .onnx or .xir file)");
  return load;
}

int frontend_load_text(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d) {
  Loader load = pick_loader(g, text, len, d);
  return load ? load(g, text, len, o, d) : -1;
}

#if defined(MADV_DONTNEED)
/* A .onnx file of this size or more is mapped rather than read (issue 10). */
enum { MAP_MIN_BYTES = 1 << 20 };

/* onnx_load_with's done_bytes for a mapped file: the whole pages inside p[0..n)
 * leave the process. They are clean pages of a private read-only mapping,
 * so reading them again would fault them back in from the file. */
static void drop_pages(const void *p, size_t n) {
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a = (uintptr_t)p, b = a + n;
  a = (a + page - 1) / page * page;
  b = b / page * page;
  if (page > 0 && b > a)
    madvise((void *)a, b - a, MADV_DONTNEED);
}

/* Loads a big .onnx file from a read-only mapping: the loader copies each
 * tensor's bytes out and drops the pages it read them from, so the weights
 * are held about once, not twice (file bytes and the copy). Returns 1 when
 * the file was not mapped (too small, not regular, mmap failed: the caller
 * reads it), else the loader's 0 or -1. */
static int load_mapped(Graph *g, const LoadOptions *o, Diag *d) {
  if (!ends_with(g->file, ".onnx"))
    return 1;
  int fd = open(g->file, O_RDONLY);
  if (fd < 0)
    return 1;
  struct stat st;
  void *p = MAP_FAILED;
  if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size >= MAP_MIN_BYTES && (uintmax_t)st.st_size <= SIZE_MAX)
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED)
    return 1;
  int rc = onnx_load_with(g, p, (size_t)st.st_size, o, drop_pages, d);
  munmap(p, (size_t)st.st_size);
  return rc;
}
#endif

int frontend_load(Graph *g, const LoadOptions *o, Diag *d) {
#if defined(MADV_DONTNEED)
  int mapped = load_mapped(g, o, d);
  if (mapped != 1)
    return mapped;
#endif
  size_t len;
  char *text = read_file(g, g->file, &len, d);
  if (!text)
    return -1;
  Loader load = pick_loader(g, text, len, d);
  if (!load)
    return -1;
  /* The loaders copy what they keep (names, tensor data): the file's bytes
   * go back as soon as they are read, not with the graph, so a model's
   * weights are not held twice through the passes. JSON's go back once
   * cJSON has parsed them. */
  if (load == json_load)
    return json_load_with(g, text, len, o, 1, d);
  int rc = load(g, text, len, o, d);
  arena_release(g->arena, text);
  return rc;
}
