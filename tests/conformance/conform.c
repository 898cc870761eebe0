/* conform.c - the conformance runner's helper (run.sh):
 *
 *   conform pb2bin IN.pb OUT.bin
 *       the values of a TensorProto file as raw little-endian data of its own
 *       type (what a program built with --main reads: float32 for FLOAT and
 *       DOUBLE, else the integer's width, bool one byte)
 *   conform compare GOT EXPECTED.pb
 *       GOT (.bin raw data of EXPECTED's type, as pb2bin writes it, or .pb)
 *       against the expected outputs of an ONNX
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

/* Bytes and signedness of a .bin element of ONNX data type dtype (pb2bin's
 * layout): FLOAT and DOUBLE as float32 (size 4, is_float). */
static int bin_size(int dtype, int *is_signed, int *is_float) {
  *is_signed = dtype == 3 || dtype == 5 || dtype == 6 || dtype == 7;
  *is_float = 0;
  switch (dtype) {
  case 2: case 3: case 9: return 1;
  case 4: case 5: return 2;
  case 6: case 12: return 4;
  case 7: case 13: return 8;
  default: *is_float = 1; return 4;
  }
}

/* The values of a .pb (any supported type; *dtype set to its data type) or
 * .bin (raw data of type *dtype, bin_size) file as doubles; *n their count.
 * NULL after printing why. */
static double *read_values(const char *path, int64_t *n, int *dtype) {
  size_t len;
  char *text = slurp(path, &len);
  if (!text) {
    printf("cannot read %s\n", path);
    return NULL;
  }
  double *v = NULL;
  if (has_ext(path, ".bin")) {
    int is_signed, is_float, size = bin_size(*dtype, &is_signed, &is_float);
    if (len % (size_t)size) {
      printf("%s: %zu bytes, not a multiple of %d\n", path, len, size);
      free(text);
      return NULL;
    }
    *n = (int64_t)(len / (size_t)size);
    v = malloc(sizeof *v * (size_t)(*n + 1));
    for (int64_t i = 0; v && i < *n; i++) {
      const unsigned char *p = (const unsigned char *)text + size * i;
      uint64_t u = 0;
      for (int b = size - 1; b >= 0; b--)
        u = u << 8 | p[b];
      if (is_float) {
        uint32_t u32 = (uint32_t)u;
        float f;
        memcpy(&f, &u32, 4);
        v[i] = f;
      } else if (is_signed && u >> (8 * size - 1)) /* two's complement */
        v[i] = -(double)((~u & (UINT64_MAX >> (64 - 8 * size))) + 1);
      else
        v[i] = (double)u;
    }
    free(text);
    return v;
  }
  Graph *g = graph_new(path);
  Diag d;
  diag_init(&d, path);
  int ti = g ? onnx_load_tensor(g, text, len, dtype, &d) : -1;
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
  size_t len;
  char *text = slurp(in, &len);
  if (!text) {
    printf("cannot read %s\n", in);
    return 1;
  }
  Graph *g = graph_new(in);
  Diag d;
  diag_init(&d, in);
  int dtype = 0, ti = g ? onnx_load_tensor(g, text, len, &dtype, &d) : -1, ok = 0;
  if (ti < 0) {
    const char *msg = d.text ? d.text : "out of memory\n";
    printf("%.*s\n", (int)strcspn(msg, "\n"), msg);
  } else {
    const Tensor *t = &g->t[ti];
    int is_signed, is_float, size = bin_size(dtype, &is_signed, &is_float);
    int64_t n = tensor_numel(t);
    FILE *f = fopen(out, "wb");
    ok = f != NULL;
    for (int64_t i = 0; ok && i < n; i++) {
      uint64_t u;
      if (t->dtype == DT_F32) {
        uint32_t u32;
        memcpy(&u32, (const float *)t->data + i, 4);
        u = u32;
      } else /* integers and bools: int64_t (two's complement; the low bytes) */
        u = (uint64_t)((const int64_t *)t->data)[i];
      unsigned char b[8];
      for (int k = 0; k < size; k++, u >>= 8)
        b[k] = (unsigned char)(u & 0xff);
      ok = fwrite(b, 1, (size_t)size, f) == (size_t)size;
    }
    if (f && fclose(f))
      ok = 0;
    if (!ok)
      printf("cannot write %s\n", out);
  }
  diag_free(&d);
  graph_free(g);
  free(text);
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
  int dtype = 0;
  double *want = read_values(wantp, &nw, &dtype), *got = want ? read_values(gotp, &ng, &dtype) : NULL;
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
