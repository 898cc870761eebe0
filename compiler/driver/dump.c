/* dump.c - `xnorcc run --dump DIR` (every tensor the interpreter computes,
 * one .npy file each, and DIR/index.tsv) and `xnorcc compare-dumps A B` (the
 * first tensor read by a Sign whose signs differ between two dumps, and how
 * far from zero its values were). docs/dumps.md.
 *
 * index.tsv: a comment line, then one line per tensor in the order computed:
 *   FILE <tab> SIGN <tab> SHAPE <tab> TENSOR <tab> PRODUCER
 * SIGN is 1 when a Sign or BinActiv reads the tensor (its sign is what a
 * binary layer sees), SHAPE is "2x3x4" ("scalar" for rank 0), TENSOR the
 * tensor's name and PRODUCER the node that computed it (as messages name
 * nodes), both with tabs, newlines, backslashes and control bytes escaped.
 * Only float tensors are written (int64 shape tensors are left out).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../interp/interp.h"
#include "dump.h"
#include "npy.h"

typedef struct Dump {
  const char *dir;
  FILE *index;
  int seq;
  Diag *d;
} Dump;

static void put_field(FILE *f, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\\')
      fputs("\\\\", f);
    else if (c == '\t')
      fputs("\\t", f);
    else if (c == '\n')
      fputs("\\n", f);
    else if (c < 0x20 || c == 0x7f)
      fprintf(f, "\\x%02x", c);
    else
      fputc(c, f);
  }
}

/* Whether a live Sign or BinActiv reads tensor t. */
static int feeds_sign(Graph *g, int t) {
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (!n->dead && (n->op == OP_Sign || n->op == OP_BinActiv) && n->nin > 0 && n->in[0] == t)
      return 1;
  }
  return 0;
}

static int dump_tensor(Dump *u, Graph *g, int ti, const void *data, const char *producer) {
  const Tensor *t = &g->t[ti];
  if (t->dtype != DT_F32 || !data)
    return 0;
  char file[32], path[4200];
  snprintf(file, sizeof file, "%05d.npy", u->seq++);
  snprintf(path, sizeof path, "%s/%s", u->dir, file);
  if (tensor_write(path, t->name, t->rank, t->dims, data, tensor_numel(t), u->d))
    return -1;
  fprintf(u->index, "%s\t%d\t", file, feeds_sign(g, ti));
  if (t->rank == 0)
    fputs("scalar", u->index);
  for (int i = 0; i < t->rank; i++)
    fprintf(u->index, "%s%lld", i ? "x" : "", (long long)t->dims[i]);
  fputc('\t', u->index);
  put_field(u->index, t->name);
  fputc('\t', u->index);
  put_field(u->index, producer);
  fputc('\n', u->index);
  return 0;
}

static int after_node(void *ctx, Graph *g, int ni, void *const *out) {
  Dump *u = ctx;
  const Node *n = &g->n[ni];
  const char *desc = node_desc(g, n);
  for (int j = 0; j < n->nout; j++)
    if (n->out[j] >= 0 && dump_tensor(u, g, n->out[j], out[j], desc))
      return -1;
  return 0;
}

int dump_run(Graph *g, Diag *d, const char *dir, const void *const *inputs, void **outputs) {
  if (mkdir(dir, 0777) && errno != EEXIST) {
    diag_error(d, "--dump: cannot create the folder '%s': %s", dir, strerror(errno));
    return -1;
  }
  struct stat st;
  if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
    diag_error(d, "--dump: '%s' is not a folder", dir);
    return -1;
  }
  char path[4200];
  snprintf(path, sizeof path, "%s/index.tsv", dir);
  Dump u = {dir, fopen(path, "w"), 0, d};
  if (!u.index) {
    diag_error(d, "--dump: cannot write '%s': %s", path, strerror(errno));
    return -1;
  }
  fputs("# xnorcc run --dump: FILE, SIGN (read by a Sign or BinActiv), SHAPE, TENSOR, PRODUCER\n", u.index);
  int rc = 0;
  for (int i = 0; i < g->ninputs && !rc; i++)
    rc = dump_tensor(&u, g, g->inputs[i], inputs[i], "graph input");
  if (!rc)
    rc = interp_run_with(g, d, inputs, outputs, after_node, &u);
  if (fclose(u.index) && !rc) {
    diag_error(d, "--dump: cannot write '%s'", path);
    rc = -1;
  }
  return rc;
}

/* ---- compare-dumps ---- */

typedef struct Entry {
  char *file, *name, *producer;
  int sign, rank;
  int64_t dims[XN_MAX_RANK];
} Entry;

typedef struct Index {
  Entry *e;
  int n, cap;
} Index;

/* Splits line at tabs into at most 5 fields (in place). */
static int split(char *line, char **f) {
  int k = 0;
  f[k++] = line;
  for (char *p = line; *p && k < 5; p++)
    if (*p == '\t') {
      *p = 0;
      f[k++] = p + 1;
    }
  char *nl = strchr(f[k - 1], '\n');
  if (nl)
    *nl = 0;
  return k;
}

static int read_index(const char *dir, Index *ix, Diag *d) {
  char path[4200];
  snprintf(path, sizeof path, "%s/index.tsv", dir);
  FILE *f = fopen(path, "r");
  if (!f) {
    diag_error(d, "cannot read '%s': %s (write a dump with xnorcc run --dump DIR)", path, strerror(errno));
    return -1;
  }
  char line[8192];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    if (line[0] == '#')
      continue;
    char *fl[5];
    Entry e;
    memset(&e, 0, sizeof e);
    if (split(line, fl) != 5) {
      diag_error(d, "%s:%d: expected 5 tab-separated fields", path, lineno);
      fclose(f);
      return -1;
    }
    e.sign = atoi(fl[1]);
    if (strcmp(fl[2], "scalar"))
      for (char *p = fl[2]; *p && e.rank < XN_MAX_RANK; e.rank++) {
        e.dims[e.rank] = strtoll(p, &p, 10);
        if (*p == 'x')
          p++;
      }
    e.file = strdup(fl[0]);
    e.name = strdup(fl[3]);
    e.producer = strdup(fl[4]);
    if (ix->n == ix->cap) {
      ix->cap = ix->cap ? 2 * ix->cap : 64;
      ix->e = realloc(ix->e, (size_t)ix->cap * sizeof *ix->e);
    }
    if (!ix->e || !e.file || !e.name || !e.producer) {
      diag_error(d, "out of memory");
      fclose(f);
      return -1;
    }
    ix->e[ix->n++] = e;
  }
  fclose(f);
  return 0;
}

static void free_index(Index *ix) {
  for (int i = 0; i < ix->n; i++) {
    free(ix->e[i].file);
    free(ix->e[i].name);
    free(ix->e[i].producer);
  }
  free(ix->e);
}

static int sgn(float v) { return v > 0.0f ? 1 : v < 0.0f ? -1 : 0; }

static float *load(Arena *a, const char *dir, const Entry *e, int64_t numel, Diag *d) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, e->file);
  return tensor_read(a, path, e->rank, e->dims, numel, d);
}

int dump_compare(const char *da, const char *db, FILE *out, Diag *d) {
  Index A = {NULL, 0, 0}, B = {NULL, 0, 0};
  Arena *ar = arena_new();
  int rc = 2;
  if (!ar || read_index(da, &A, d) || read_index(db, &B, d))
    goto done;
  int both = 0, signs = 0;
  rc = 0;
  for (int i = 0; i < A.n && rc == 0; i++) {
    const Entry *a = &A.e[i], *b = NULL;
    for (int k = 0; k < B.n && !b; k++)
      if (!strcmp(B.e[k].name, a->name))
        b = &B.e[k];
    if (!b || b->rank != a->rank || memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank))
      continue;
    both++;
    if (!a->sign && !b->sign)
      continue;
    signs++;
    int64_t numel = 1;
    for (int r = 0; r < a->rank; r++)
      numel *= a->dims[r];
    const float *x = load(ar, da, a, numel, d), *y = x ? load(ar, db, b, numel, d) : NULL;
    if (!x || !y) {
      rc = 2;
      break;
    }
    int64_t flips = 0, first = -1;
    double near = 0, big = 0;
    for (int64_t k = 0; k < numel; k++) {
      double m = fabs((double)x[k]) > fabs((double)y[k]) ? fabs((double)x[k]) : fabs((double)y[k]);
      if (m > big)
        big = m;
      if (sgn(x[k]) == sgn(y[k]))
        continue;
      if (first < 0)
        first = k;
      flips++;
      if (m > near)
        near = m;
    }
    if (!flips)
      continue;
    fprintf(out, "first sign difference: tensor '%s' (%s; read by a Sign): %lld of %lld elements differ in sign; "
            "element %lld is %.9g in %s and %.9g in %s; every differing element is within %.3g of zero (the "
            "tensor's largest magnitude is %.3g)\n", a->name, a->producer, (long long)flips, (long long)numel,
            (long long)first, (double)x[first], da, (double)y[first], db, near, big);
    rc = 1;
  }
  if (rc == 0)
    fprintf(out, "no sign differs: %d tensors in both dumps, %d of them read by a Sign\n", both, signs);
done:
  free_index(&A);
  free_index(&B);
  if (ar)
    arena_free(ar);
  return rc;
}
