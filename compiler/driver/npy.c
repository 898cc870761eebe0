/* npy.c - NumPy .npy format version 1/2/3 (C order; float32 and the integer
 * and bool types of graph inputs and outputs), raw .bin, and
 * ONNX TensorProto files (.pb, read by frontends/onnx). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../frontends/frontend.h"
#include "npy.h"

static int has_ext(const char *s, const char *ext) {
  size_t n = strlen(s), m = strlen(ext);
  return n >= m && !strcmp(s + n - m, ext);
}

/* Little-endian float32 from 4 bytes, whatever the host order. */
static float get_f32(const unsigned char *p) {
  uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static void put_f32(unsigned char *p, float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  p[0] = (unsigned char)u, p[1] = (unsigned char)(u >> 8), p[2] = (unsigned char)(u >> 16),
  p[3] = (unsigned char)(u >> 24);
}

/* The element types of graph inputs and outputs (Tensor.elem, ONNX numbers)
 * as files hold them. */
typedef struct Elem {
  int onnx;          /* TensorProto data type */
  const char *name;  /* its ONNX name */
  const char *descr; /* .npy descr */
  const char *alt;   /* another .npy spelling of it, or NULL */
  int size;          /* bytes per element */
  int is_signed;     /* sign-extended when read */
} Elem;

static const Elem elems[] = {
    {1, "FLOAT", "<f4", NULL, 4, 1},  {2, "UINT8", "|u1", "<u1", 1, 0}, {3, "INT8", "|i1", "<i1", 1, 1},
    {4, "UINT16", "<u2", NULL, 2, 0}, {5, "INT16", "<i2", NULL, 2, 1},  {6, "INT32", "<i4", NULL, 4, 1},
    {7, "INT64", "<i8", NULL, 8, 1},  {9, "BOOL", "|b1", "<b1", 1, 0},
};

static const Elem *elem_of(int onnx) {
  for (size_t k = 0; k < sizeof elems / sizeof elems[0]; k++)
    if (elems[k].onnx == onnx)
      return &elems[k];
  return &elems[0];
}

/* Element i of raw little-endian data of type e, into x (float or int64_t). */
static void get_elem(const Elem *e, const unsigned char *raw, int64_t i, void *x) {
  const unsigned char *p = raw + i * e->size;
  if (e->onnx == 1) {
    ((float *)x)[i] = get_f32(p);
    return;
  }
  uint64_t u = 0;
  for (int b = e->size - 1; b >= 0; b--)
    u = u << 8 | p[b];
  int64_t v;
  if (e->size == 8) /* two's complement, without an implementation-defined cast */
    v = u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
  else if (e->is_signed && (u >> (8 * e->size - 1)))
    v = (int64_t)u - ((int64_t)1 << (8 * e->size));
  else
    v = (int64_t)u;
  ((int64_t *)x)[i] = e->onnx == 9 ? v != 0 : v;
}

/* Element i of x (float or int64_t) as raw little-endian data of type e. */
static void put_elem(const Elem *e, const void *x, int64_t i, unsigned char *p) {
  if (e->onnx == 1) {
    put_f32(p, ((const float *)x)[i]);
    return;
  }
  uint64_t u = (uint64_t)((const int64_t *)x)[i];
  for (int b = 0; b < e->size; b++, u >>= 8)
    p[b] = (unsigned char)(u & 0xff);
}

static const char *dims_text(Arena *a, int rank, const int64_t *dims) {
  StrBuf b;
  sb_init(&b, a);
  sb_putc(&b, '(');
  for (int i = 0; i < rank; i++)
    sb_printf(&b, i ? ", %lld" : "%lld", (long long)dims[i]);
  sb_puts(&b, rank == 1 ? ",)" : ")");
  return b.s;
}

/* Parses the header dict: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } */
static int parse_header(Arena *a, const char *path, const char *h, int rank, const int64_t *dims, const Elem *e,
                        Diag *d) {
  const char *descr = strstr(h, "'descr'");
  const char *fo = strstr(h, "'fortran_order'");
  const char *sh = strstr(h, "'shape'");
  if (!descr || !fo || !sh) {
    diag_error(d, "%s: not a valid .npy header", path);
    return -1;
  }
  const char *q = strchr(descr + 7, '\'');
  if (!q || strncmp(q + 1, e->descr, 3) || q[4] != '\'') {
    if (!q || !e->alt || strncmp(q + 1, e->alt, 3) || q[4] != '\'') {
      diag_error(d, "%s: element type must be %s ('%s'), as the model's input is", path, e->name, e->descr);
      return -1;
    }
  }
  const char *v = strchr(fo + 15, ':');
  while (v && (*v == ':' || *v == ' '))
    v++;
  if (!v || strncmp(v, "False", 5)) {
    diag_error(d, "%s: Fortran-order arrays are not supported", path);
    return -1;
  }
  const char *p = strchr(sh, '(');
  if (!p) {
    diag_error(d, "%s: not a valid .npy shape", path);
    return -1;
  }
  int64_t got[32];
  int n = 0;
  p++;
  for (;;) {
    while (*p == ' ' || *p == ',')
      p++;
    if (*p == ')')
      break;
    char *end;
    errno = 0;
    long long x = strtoll(p, &end, 10);
    if (end == p || errno || x < 0 || n == 32) {
      diag_error(d, "%s: not a valid .npy shape", path);
      return -1;
    }
    got[n++] = x;
    p = end;
  }
  int same = n == rank;
  for (int i = 0; same && i < n; i++)
    same = got[i] == dims[i];
  if (!same) {
    diag_error(d, "%s: array has shape %s but the model expects %s", path, dims_text(a, n, got),
               dims_text(a, rank, dims));
    return -1;
  }
  return 0;
}

/* Reads the whole open file f into the arena (NUL-terminated). */
static char *slurp(Arena *a, FILE *f, size_t *len) {
  size_t cap = 1 << 12, n = 0;
  char *buf = arena_alloc(a, cap + 1);
  for (;;) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap)
      break;
    char *bigger = arena_alloc(a, cap * 2 + 1);
    memcpy(bigger, buf, n);
    buf = bigger;
    cap *= 2;
  }
  *len = n;
  return ferror(f) ? NULL : buf;
}

/* Moves the messages of sub (about the tensor file path) into d as
 * "path: MESSAGE". */
static void forward(Diag *d, const Diag *sub, const char *path) {
  size_t skip = strlen(path) + strlen(": error: ");
  for (const char *line = sub->text; line && *line;) {
    const char *nl = strchr(line, '\n');
    size_t n = nl ? (size_t)(nl - line) : strlen(line);
    if (n > skip)
      diag_error(d, "%s: %.*s", path, (int)(n - skip), line + skip);
    line += n + (nl != NULL);
  }
  if (sub->truncated || (sub->nerrors && !sub->text))
    diag_error(d, "%s: out of memory", path);
}

/* A .pb file: a TensorProto of data type FLOAT whose dims equal the
 * model's. Its data is read by the .onnx frontend into a graph of its own. */
static void *read_pb(Arena *a, const char *path, FILE *f, int rank, const int64_t *dims, int64_t numel,
                     const Elem *e, Diag *d) {
  Graph *g = graph_new(path);
  Diag sub;
  diag_init(&sub, path);
  void *x = NULL;
  jmp_buf oom;
  if (!g || setjmp(oom)) {
    diag_error(&sub, "out of memory");
    goto done;
  }
  arena_set_oom(g->arena, &oom);
  size_t len;
  const char *text = slurp(g->arena, f, &len);
  if (!text) {
    diag_error(&sub, "cannot read the file");
    goto done;
  }
  int dtype, ti = onnx_load_tensor(g, text, len, &dtype, &sub);
  if (ti < 0)
    goto done;
  Tensor *t = &g->t[ti];
  if (dtype != e->onnx) {
    diag_error(&sub, "element type is %s, but the model takes %s", onnx_dtype_name(dtype), e->name);
    goto done;
  }
  int same = t->rank == rank;
  for (int i = 0; same && i < rank; i++)
    same = t->dims[i] == dims[i];
  if (!same) {
    diag_error(&sub, "tensor has shape %s but the model expects %s", dims_text(g->arena, t->rank, t->dims),
               dims_text(g->arena, rank, dims));
    goto done;
  }
  x = arena_array(a, (size_t)numel + 1, e->onnx == 1 ? sizeof(float) : sizeof(int64_t));
  memcpy(x, t->data, (size_t)numel * (e->onnx == 1 ? sizeof(float) : sizeof(int64_t)));
done:
  if (g)
    arena_set_oom(g->arena, NULL);
  forward(d, &sub, path);
  diag_free(&sub);
  graph_free(g);
  return x;
}

float *tensor_read(Arena *a, const char *path, int rank, const int64_t *dims, int64_t numel, Diag *d) {
  return tensor_read_typed(a, path, rank, dims, numel, 1, d);
}

void *tensor_read_typed(Arena *a, const char *path, int rank, const int64_t *dims, int64_t numel, int elem,
                        Diag *d) {
  const Elem *e = elem_of(elem);
  FILE *f = fopen(path, "rb");
  if (!f) {
    diag_error(d, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  void *x = NULL;
  unsigned char *raw = NULL;
  if (has_ext(path, ".npy")) {
    unsigned char pre[12];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) {
      diag_error(d, "%s: not a .npy file", path);
      goto done;
    }
    size_t hlen = pre[8] | (size_t)pre[9] << 8;
    if (pre[6] >= 2) {
      if (fread(pre + 10, 1, 2, f) != 2) {
        diag_error(d, "%s: truncated .npy header", path);
        goto done;
      }
      hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    }
    if (hlen > (1u << 20)) {
      diag_error(d, "%s: .npy header too long", path);
      goto done;
    }
    char *h = arena_alloc(a, hlen + 1);
    if (fread(h, 1, hlen, f) != hlen) {
      diag_error(d, "%s: truncated .npy header", path);
      goto done;
    }
    if (parse_header(a, path, h, rank, dims, e, d))
      goto done;
  } else if (has_ext(path, ".pb")) {
    x = read_pb(a, path, f, rank, dims, numel, e, d);
    goto done;
  } else if (!has_ext(path, ".bin")) {
    diag_error(d, "%s: unknown tensor file type (expected .npy, .pb or .bin)", path);
    goto done;
  }
  int64_t bytes;
  if (!xn_mul_ok(numel, e->size, &bytes)) {
    diag_error(d, "%s: tensor too large", path);
    goto done;
  }
  raw = arena_alloc(a, (size_t)bytes + 1);
  size_t got = fread(raw, 1, (size_t)bytes + 1, f);
  if (got != (size_t)bytes) {
    diag_error(d, "%s: holds %s%zu bytes of data but the model expects %lld (%lld %s values)", path,
               got > (size_t)bytes ? "more than " : "", got > (size_t)bytes ? (size_t)bytes : got,
               (long long)bytes, (long long)numel, e->onnx == 1 ? "float32" : e->name);
    goto done;
  }
  x = arena_array(a, (size_t)numel + 1, e->onnx == 1 ? sizeof(float) : sizeof(int64_t));
  for (int64_t i = 0; i < numel; i++)
    get_elem(e, raw, i, x);
done:
  fclose(f);
  return x;
}

/* A protobuf varint (wire.c in frontends/onnx reads them). */
static int put_varint(FILE *f, uint64_t v) {
  do {
    unsigned char b = (unsigned char)(v & 0x7f);
    v >>= 7;
    if (v)
      b |= 0x80;
    if (fputc(b, f) == EOF)
      return 0;
  } while (v);
  return 1;
}

/* A TensorProto: 1 dims (one field each), 2 data_type (e's), 8 name,
 * 9 raw_data (little-endian), in field order as protobuf writes them. */
static int write_pb_header(FILE *f, const char *name, int rank, const int64_t *dims, int64_t numel, const Elem *e) {
  int ok = 1;
  for (int i = 0; ok && i < rank; i++)
    ok = put_varint(f, 1 << 3 | 0) && put_varint(f, (uint64_t)dims[i]);
  ok = ok && put_varint(f, 2 << 3 | 0) && put_varint(f, (uint64_t)e->onnx);
  if (ok && name && *name) {
    size_t n = strlen(name);
    ok = put_varint(f, 8 << 3 | 2) && put_varint(f, n) && fwrite(name, 1, n, f) == n;
  }
  return ok && put_varint(f, 9 << 3 | 2) && put_varint(f, (uint64_t)numel * (uint64_t)e->size);
}

int tensor_write(const char *path, const char *name, int rank, const int64_t *dims, const float *x, int64_t numel,
                 Diag *d) {
  return tensor_write_typed(path, name, rank, dims, x, numel, 1, d);
}

int tensor_write_typed(const char *path, const char *name, int rank, const int64_t *dims, const void *x,
                       int64_t numel, int elem, Diag *d) {
  const Elem *e = elem_of(elem);
  FILE *f = fopen(path, "wb");
  if (!f) {
    diag_error(d, "%s: cannot create: %s", path, strerror(errno));
    return -1;
  }
  int ok = 1;
  if (has_ext(path, ".pb")) {
    ok = write_pb_header(f, name, rank, dims, numel, e);
  } else if (has_ext(path, ".npy")) {
    char h[512];
    int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", e->descr);
    for (int i = 0; i < rank; i++)
      n += snprintf(h + n, sizeof h - (size_t)n, i ? ", %lld" : "%lld", (long long)dims[i]);
    n += snprintf(h + n, sizeof h - (size_t)n, rank == 1 ? ",), }" : "), }");
    /* Pad with spaces so that data starts on a 64-byte boundary, end with \n. */
    int total = 10 + n + 1;
    int pad = (64 - total % 64) % 64;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    int hlen = n + pad + 1;
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);
    ok = fwrite(pre, 1, 10, f) == 10 && fwrite(h, 1, (size_t)n, f) == (size_t)n;
    for (int i = 0; ok && i < pad; i++)
      ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
  }
  for (int64_t i = 0; ok && i < numel; i++) {
    unsigned char b[8];
    put_elem(e, x, i, b);
    ok = fwrite(b, 1, (size_t)e->size, f) == (size_t)e->size;
  }
  if (fclose(f) != 0)
    ok = 0;
  if (!ok) {
    diag_error(d, "%s: write failed", path);
    remove(path);
    return -1;
  }
  return 0;
}
