/* cases.c - see cases.h. */
#include "cases.h"

#include "driver/npy.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int case_file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

int case_dims(const char *dir, DimBinding *b, char names[8][64]) {
  char path[1024], text[4096];
  snprintf(path, sizeof path, "%s/README", dir);
  FILE *f = fopen(path, "rb");
  if (!f)
    return 0;
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  int k = 0;
  for (char *p = strstr(text, "--dim "); p && k < 8; p = strstr(p + 1, "--dim ")) {
    long long v;
    if (sscanf(p + 6, "%63[A-Za-z0-9_]=%lld", names[k], &v) == 2) {
      b[k].name = names[k];
      b[k].value = v;
      k++;
    }
  }
  return k;
}

int case_npy_elem(const char *path) {
  unsigned char h[256];
  FILE *f = fopen(path, "rb");
  if (!f)
    return 1;
  size_t n = fread(h, 1, sizeof h - 1, f);
  fclose(f);
  h[n] = 0;
  for (size_t i = 10; i + 14 < n; i++)
    if (!memcmp(h + i, "'descr': '", 10)) {
      static const char *const descr[] = {"<f4", "|u1", "|i1", "<u2", "<i2", "<i4", "<i8", "|b1"};
      static const int elem[] = {1, 2, 3, 4, 5, 6, 7, 9};
      for (int k = 0; k < 8; k++)
        if (!memcmp(h + i + 10, descr[k], 3))
          return elem[k];
      return 1;
    }
  return 1;
}

void *case_read(Arena *a, const char *path, const Tensor *t, int rank, const int64_t *dims, Diag *d) {
  int64_t n = tensor_numel(t);
  int elem = case_npy_elem(path);
  void *x = tensor_read_typed(a, path, rank, dims, n, elem, d);
  if (!x || (elem == 1) == (dtype_is_float(t->dtype) != 0))
    return x;
  if (elem == 1) { /* float file, integer tensor */
    int64_t *v = arena_array(a, (size_t)n + 1, sizeof *v);
    for (int64_t i = 0; i < n; i++)
      v[i] = (int64_t)((const float *)x)[i];
    return v;
  }
  float *v = arena_array(a, (size_t)n + 1, sizeof *v);
  for (int64_t i = 0; i < n; i++)
    v[i] = (float)((const int64_t *)x)[i];
  return v;
}

const float *case_floats(Arena *a, const Tensor *t, const void *x) {
  if (dtype_is_float(t->dtype))
    return x;
  int64_t n = tensor_numel(t);
  float *v = arena_array(a, (size_t)n + 1, sizeof *v);
  for (int64_t i = 0; i < n; i++)
    v[i] = (float)((const int64_t *)x)[i];
  return v;
}

float **case_interp(Graph *g, const void *const *in, Diag *d) {
  void **out = arena_array(g->arena, (size_t)g->noutputs + 1, sizeof *out);
  float **f = arena_array(g->arena, (size_t)g->noutputs + 1, sizeof *f);
  for (int i = 0; i < g->noutputs; i++) {
    const Tensor *t = &g->t[g->outputs[i]];
    out[i] = arena_array(g->arena, (size_t)tensor_numel(t) + 1, dtype_size(t->dtype));
  }
  if (interp_run_with(g, d, in, out, NULL, NULL))
    return NULL;
  for (int i = 0; i < g->noutputs; i++)
    f[i] = (float *)case_floats(g->arena, &g->t[g->outputs[i]], out[i]);
  return f;
}
