/* conform.c - the conformance runner's helper (run.sh):
 *
 *   conform pb2bin IN.pb OUT.bin
 *       the values of a FLOAT TensorProto file as raw little-endian float32
 *       (what a program built with --main reads)
 *   conform compare GOT EXPECTED.pb
 *       GOT (.bin raw float32, or .pb) against the expected outputs of an ONNX
 *       test case, with ONNX's tolerance: |got - want| <= 1e-7 + 1e-3 |want|
 *       for every value (NaN equal to NaN, infinities equal to themselves);
 *       the counts must agree. Exits 0 when they match, 1 with one line on
 *       stdout saying how they differ (the first and the largest difference).
 *
 * .pb files are read by the .onnx frontend's TensorProto reader
 * (onnx_load_tensor); expected outputs may be of any data type it accepts
 * (float, double, the integer types, bool), compared as numbers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/frontend.h"

/* ONNX's backend test runner compares with numpy's assert_allclose(rtol=1e-3, atol=1e-7). */
#define RTOL 1e-3
#define ATOL 1e-7

static int has_ext(const char *s, const char *ext) {
  size_t n = strlen(s), m = strlen(ext);
  return n >= m && !strcmp(s + n - m, ext);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 1 << 12, n = 0;
  char *buf = malloc(cap + 1);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap)
      break;
    char *bigger = realloc(buf, cap * 2 + 1);
    if (!bigger)
      free(buf);
    buf = bigger;
    cap *= 2;
  }
  fclose(f);
  if (buf)
    buf[n] = 0;
  *len = n;
  return buf;
}

/* The values of a .pb (any supported type) or .bin (float32) file as
 * doubles; *n their count. NULL after printing why. */
static double *read_values(const char *path, int64_t *n) {
  size_t len;
  char *text = slurp(path, &len);
  if (!text) {
    printf("cannot read %s\n", path);
    return NULL;
  }
  double *v = NULL;
  if (has_ext(path, ".bin")) {
    *n = (int64_t)(len / 4);
    v = malloc(sizeof *v * (size_t)(*n + 1));
    for (int64_t i = 0; v && i < *n; i++) {
      const unsigned char *p = (const unsigned char *)text + 4 * i;
      uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
      float f;
      memcpy(&f, &u, 4);
      v[i] = f;
    }
    free(text);
    return v;
  }
  Graph *g = graph_new(path);
  Diag d;
  diag_init(&d, path);
  int dtype, ti = g ? onnx_load_tensor(g, text, len, &dtype, &d) : -1;
  if (ti < 0) {
    const char *msg = d.text ? d.text : "out of memory\n";
    printf("%.*s\n", (int)strcspn(msg, "\n"), msg);
  } else {
    const Tensor *t = &g->t[ti];
    *n = tensor_numel(t);
    v = malloc(sizeof *v * (size_t)(*n + 1));
    for (int64_t i = 0; v && i < *n; i++)
      v[i] = t->dtype == DT_F32 ? ((const float *)t->data)[i] : (double)((const int64_t *)t->data)[i];
  }
  diag_free(&d);
  graph_free(g);
  free(text);
  return v;
}

static int pb2bin(const char *in, const char *out) {
  int64_t n;
  double *v = read_values(in, &n);
  if (!v)
    return 1;
  FILE *f = fopen(out, "wb");
  int ok = f != NULL;
  for (int64_t i = 0; ok && i < n; i++) {
    float x = (float)v[i];
    uint32_t u;
    memcpy(&u, &x, 4);
    unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 24)};
    ok = fwrite(b, 1, 4, f) == 4;
  }
  if (f && fclose(f))
    ok = 0;
  free(v);
  if (!ok)
    printf("cannot write %s\n", out);
  return !ok;
}

static int close_enough(double got, double want) {
  if (isnan(want) || isnan(got))
    return isnan(want) && isnan(got);
  if (isinf(want) || isinf(got))
    return got == want;
  return fabs(got - want) <= ATOL + RTOL * fabs(want);
}

static int compare(const char *gotp, const char *wantp) {
  int64_t ng, nw;
  double *got = read_values(gotp, &ng), *want = got ? read_values(wantp, &nw) : NULL;
  int rc = 1;
  if (got && want && ng != nw) {
    printf("%lld values, expected %lld\n", (long long)ng, (long long)nw);
  } else if (got && want) {
    int64_t bad = 0, first = -1, worst = -1;
    double worst_err = 0;
    for (int64_t i = 0; i < nw; i++) {
      if (close_enough(got[i], want[i]))
        continue;
      bad++;
      if (first < 0)
        first = i;
      double err = fabs(got[i] - want[i]);
      if (worst < 0 || err > worst_err || isnan(err))
        worst = i, worst_err = err;
    }
    if (bad)
      printf("%lld of %lld values differ; first [%lld] %.9g, expected %.9g; largest [%lld] %.9g, expected %.9g\n",
             (long long)bad, (long long)nw, (long long)first, got[first], want[first], (long long)worst, got[worst],
             want[worst]);
    rc = bad != 0;
  }
  free(got);
  free(want);
  return rc;
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "pb2bin"))
    return pb2bin(argv[2], argv[3]);
  if (argc == 4 && !strcmp(argv[1], "compare"))
    return compare(argv[2], argv[3]);
  fprintf(stderr, "usage: conform pb2bin IN.pb OUT.bin | conform compare GOT EXPECTED.pb\n");
  return 2;
}
