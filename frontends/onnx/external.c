/* external.c - external tensor data (TensorProto.data_location = EXTERNAL):
 * the bytes of a tensor live in a file beside the model, named by the
 * external_data entries "location" (a path relative to the model's folder),
 * "offset" and "length" (decimal byte counts; without a length the data runs
 * to the end of the file). Other keys ("checksum") are ignored.
 *
 * The file must stay inside the model's folder: an absolute location, a '..'
 * component, or a symbolic link that resolves outside the folder is an error,
 * as is anything but a regular file (a FIFO would block the compiler).
 * Offset and length are checked against the file's size before reading.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pb.h"

/* A decimal byte count: digits only, within int64. Returns 0 or -1. */
static int parse_count(const char *s, int64_t *out) {
  int64_t v = 0;
  if (!*s)
    return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (INT64_MAX - (*s - '0')) / 10)
      return -1;
    v = v * 10 + (*s - '0');
  }
  *out = v;
  return 0;
}

int pb_external_entries(PCtx *c, const PbList *l, const char *base, const char *where, PbExternal *e) {
  e->location = NULL;
  e->resolved = NULL;
  e->offset = 0;
  e->length = -1;
  for (int i = 0; i < l->n; i++) {
    const char *path = om_index(&c->m, base, i), *key = NULL, *value = "";
    PbMsg m = l->v[i];
    PbField f;
    int r, bad = 0;
    while ((r = pb_next(c, &m, &f, path)) > 0) {
      if (f.num == 1)
        bad |= pb_string(c, &f, om_path(&c->m, path, "key"), &key) != 0;
      else if (f.num == 2)
        bad |= pb_string(c, &f, om_path(&c->m, path, "value"), &value) != 0;
    }
    if (r < 0 || bad)
      return -1;
    if (!key)
      continue;
    if (!strcmp(key, "location")) {
      e->location = value;
    } else if (!strcmp(key, "offset") || !strcmp(key, "length")) {
      int64_t v;
      if (parse_count(value, &v)) {
        om_err(&c->m, where, "external data %s '%s' is not a byte count (digits only)", key, om_esc(&c->m, value));
        return -1;
      }
      *(key[0] == 'o' ? &e->offset : &e->length) = v;
    }
  }
  if (!e->location || !*e->location) {
    om_err(&c->m, where, "external data has no location");
    return -1;
  }
  return 0;
}

/* Whether a path component of loc is "..". */
static int has_dotdot(const char *loc) {
  for (const char *p = loc; *p;) {
    size_t n = strcspn(p, "/");
    if (n == 2 && p[0] == '.' && p[1] == '.')
      return 1;
    p += n;
    while (*p == '/')
      p++;
  }
  return 0;
}

int pb_external_check(PCtx *c, PbExternal *e, const char *where) {
  const char *loc = om_esc(&c->m, e->location);
  if (e->location[0] == '/') {
    om_err(&c->m, where, "external data location '%s' is an absolute path (it must be relative to the model's folder)",
           loc);
    return -1;
  }
  if (has_dotdot(e->location)) {
    om_err(&c->m, where, "external data location '%s' leaves the model's folder ('..')", loc);
    return -1;
  }
  const char *joined = arena_printf(c->m.a, "%s/%s", c->dir, e->location);
  char dir[PATH_MAX], file[PATH_MAX];
  if (!realpath(c->dir, dir)) {
    om_err(&c->m, where, "cannot open the model's folder '%s': %s", om_esc(&c->m, c->dir), strerror(errno));
    return -1;
  }
  if (!realpath(joined, file)) {
    om_err(&c->m, where, "cannot open external data file '%s': %s", loc, strerror(errno));
    return -1;
  }
  size_t n = strlen(dir);
  int inside = !strcmp(dir, "/") ? 1 : !strncmp(file, dir, n) && file[n] == '/';
  if (!inside) {
    om_err(&c->m, where, "external data location '%s' leaves the model's folder (through a symbolic link)", loc);
    return -1;
  }
  struct stat st;
  if (stat(file, &st) != 0) {
    om_err(&c->m, where, "cannot open external data file '%s': %s", loc, strerror(errno));
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    om_err(&c->m, where, "external data file '%s' is not a regular file", loc);
    return -1;
  }
  int64_t size = (int64_t)st.st_size;
  if (e->offset > size) {
    om_err(&c->m, where, "external data offset %lld is past the end of '%s' (%lld bytes)", (long long)e->offset, loc,
           (long long)size);
    return -1;
  }
  if (e->length < 0) {
    e->length = size - e->offset;
  } else if (e->length > size - e->offset) {
    om_err(&c->m, where, "external data of %lld bytes at offset %lld runs past the end of '%s' (%lld bytes)",
           (long long)e->length, (long long)e->offset, loc, (long long)size);
    return -1;
  }
  e->resolved = arena_strdup(c->m.a, file);
  return 0;
}

const unsigned char *pb_external_read(PCtx *c, const PbExternal *e, const char *where) {
  /* The buffer first: running out of memory must not leave the file open. */
  unsigned char *buf = arena_alloc(c->m.a, (size_t)e->length + 1);
  const char *loc = om_esc(&c->m, e->location);
  int fd = open(e->resolved, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    om_err(&c->m, where, "cannot open external data file '%s': %s", loc, strerror(errno));
    return NULL;
  }
  struct stat st;
  const char *problem = NULL;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (int64_t)st.st_size - e->offset < e->length)
    problem = "it changed while being read";
  else if (lseek(fd, (off_t)e->offset, SEEK_SET) < 0)
    problem = strerror(errno);
  int64_t got = 0;
  while (!problem && got < e->length) {
    ssize_t k = read(fd, buf + got, (size_t)(e->length - got));
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      problem = k < 0 ? strerror(errno) : "it changed while being read";
    else
      got += k;
  }
  close(fd);
  if (problem) {
    om_err(&c->m, where, "cannot read external data file '%s': %s", loc, problem);
    return NULL;
  }
  return buf;
}
