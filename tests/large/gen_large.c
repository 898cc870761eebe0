/* gen_large.c - writes the synthetic large model of the `large` test: the
 * binary FC of XNOR-AlexNet's fc6 as torch.onnx.export writes it with
 * constant folding on, the binarization left on the initializer:
 *
 *   y = Gemm(Sign(x), Mul(Sign(W), ReduceMean(Abs(W), axes=[1])), B, transB=1)
 *
 * x 1 x F, W M x F (real values, none 0), B [M], y 1 x M; M = 4096, F = 9216
 * by default (151 MB of W). Usage: gen_large OUT.onnx IN.bin [M F]. IN.bin is
 * an input (raw float32, none 0). ONNX protobuf wire format written by hand;
 * values from a fixed LCG, so the files are the same on every run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Buf {
  unsigned char *b;
  size_t n, cap;
} Buf;

static void put(Buf *o, const void *p, size_t n) {
  if (o->n + n > o->cap) {
    size_t cap = o->cap ? o->cap : 256;
    while (cap < o->n + n)
      cap *= 2;
    o->b = realloc(o->b, cap);
    if (!o->b) {
      fputs("gen_large: out of memory\n", stderr);
      exit(1);
    }
    o->cap = cap;
  }
  memcpy(o->b + o->n, p, n);
  o->n += n;
}

static void varint(Buf *o, uint64_t v) {
  unsigned char c[10];
  int k = 0;
  do {
    c[k] = (unsigned char)(v & 0x7f);
    v >>= 7;
    if (v)
      c[k] |= 0x80;
    k++;
  } while (v);
  put(o, c, (size_t)k);
}

static void tag(Buf *o, unsigned num, unsigned wire) { varint(o, (uint64_t)num << 3 | wire); }
static void f_int(Buf *o, unsigned num, uint64_t v) { tag(o, num, 0), varint(o, v); }
static void f_bytes(Buf *o, unsigned num, const void *p, size_t n) { tag(o, num, 2), varint(o, n), put(o, p, n); }
static void f_str(Buf *o, unsigned num, const char *s) { f_bytes(o, num, s, strlen(s)); }
static void f_msg(Buf *o, unsigned num, Buf *m) {
  f_bytes(o, num, m->b, m->n);
  free(m->b);
  memset(m, 0, sizeof *m);
}

static uint64_t lcg = 12345;
/* A float in +-[0.01, 1), never 0. */
static float draw(void) {
  lcg = lcg * 6364136223846793005u + 1442695040888963407u;
  float v = 0.01f + (float)((lcg >> 40) & 0xffffff) / 16777216.0f * 0.99f;
  return (lcg >> 33) & 1 ? -v : v;
}

static void le_floats(unsigned char *p, const float *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &v[i], 4);
    for (int j = 0; j < 4; j++)
      p[4 * i + (size_t)j] = (unsigned char)(u >> (8 * j));
  }
}

/* TensorProto float32 of the given dims with n values from draw(). */
static void tensor(Buf *o, unsigned num, const char *name, const int64_t *dims, int rank) {
  Buf t = {0};
  size_t n = 1;
  for (int i = 0; i < rank; i++)
    f_int(&t, 1, (uint64_t)dims[i]), n *= (size_t)dims[i];
  f_int(&t, 2, 1); /* FLOAT */
  f_str(&t, 8, name);
  float *v = malloc(n * sizeof *v);
  unsigned char *raw = malloc(n * 4);
  if (!v || !raw) {
    fputs("gen_large: out of memory\n", stderr);
    exit(1);
  }
  for (size_t i = 0; i < n; i++)
    v[i] = draw();
  le_floats(raw, v, n);
  f_bytes(&t, 9, raw, n * 4); /* raw_data */
  free(v);
  free(raw);
  f_msg(o, num, &t);
}

/* ValueInfoProto of a float tensor. */
static void value_info(Buf *o, unsigned num, const char *name, const int64_t *dims, int rank) {
  Buf vi = {0}, ty = {0}, tt = {0}, sh = {0};
  for (int i = 0; i < rank; i++) {
    Buf d = {0};
    f_int(&d, 1, (uint64_t)dims[i]);
    f_msg(&sh, 1, &d);
  }
  f_int(&tt, 1, 1);
  f_msg(&tt, 2, &sh);
  f_msg(&ty, 1, &tt);
  f_str(&vi, 1, name);
  f_msg(&vi, 2, &ty);
  f_msg(o, num, &vi);
}

/* NodeProto: inputs, outputs (NULL-terminated lists), op, name. */
static void node(Buf *g, const char *op, const char *name, const char *const *in, const char *const *out, Buf *attr) {
  Buf n = {0};
  for (; *in; in++)
    f_str(&n, 1, *in);
  for (; *out; out++)
    f_str(&n, 2, *out);
  f_str(&n, 3, name);
  f_str(&n, 4, op);
  if (attr)
    f_msg(&n, 5, attr);
  f_msg(g, 1, &n);
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 5) {
    fputs("usage: gen_large OUT.onnx IN.bin [M F]\n", stderr);
    return 2;
  }
  int64_t M = argc == 5 ? atoll(argv[3]) : 4096, F = argc == 5 ? atoll(argv[4]) : 9216;
  Buf g = {0}, m = {0}, a = {0};
  node(&g, "Sign", "/fc/Sign", (const char *[]){"x", NULL}, (const char *[]){"xs", NULL}, NULL);
  node(&g, "Sign", "/fc/Sign_1", (const char *[]){"W", NULL}, (const char *[]){"ws", NULL}, NULL);
  node(&g, "Abs", "/fc/Abs", (const char *[]){"W", NULL}, (const char *[]){"wa", NULL}, NULL);
  f_str(&a, 1, "axes");
  f_int(&a, 8, 1);   /* ints: [1] */
  f_int(&a, 20, 7);  /* INTS */
  node(&g, "ReduceMean", "/fc/ReduceMean", (const char *[]){"wa", NULL}, (const char *[]){"wm", NULL}, &a);
  node(&g, "Mul", "/fc/Mul", (const char *[]){"ws", "wm", NULL}, (const char *[]){"wb", NULL}, NULL);
  f_str(&a, 1, "transB");
  f_int(&a, 3, 1);
  f_int(&a, 20, 2); /* INT */
  node(&g, "Gemm", "/fc/Gemm", (const char *[]){"xs", "wb", "B", NULL}, (const char *[]){"y", NULL}, &a);
  f_str(&g, 2, "large_fc");
  tensor(&g, 5, "W", (const int64_t[]){M, F}, 2);
  tensor(&g, 5, "B", (const int64_t[]){M}, 1);
  value_info(&g, 11, "x", (const int64_t[]){1, F}, 2);
  value_info(&g, 12, "y", (const int64_t[]){1, M}, 2);
  Buf op = {0};
  f_str(&op, 1, "");
  f_int(&op, 2, 13);
  f_int(&m, 1, 8); /* ir_version */
  f_msg(&m, 8, &op);
  f_msg(&m, 7, &g);
  FILE *f = fopen(argv[1], "wb");
  if (!f || fwrite(m.b, 1, m.n, f) != m.n || fclose(f)) {
    fprintf(stderr, "gen_large: cannot write %s\n", argv[1]);
    return 1;
  }
  free(m.b);
  float *x = malloc((size_t)F * sizeof *x);
  unsigned char *raw = malloc((size_t)F * 4);
  if (!x || !raw)
    return 1;
  for (int64_t i = 0; i < F; i++)
    x[i] = draw();
  le_floats(raw, x, (size_t)F);
  f = fopen(argv[2], "wb");
  if (!f || fwrite(raw, 1, (size_t)F * 4, f) != (size_t)F * 4 || fclose(f)) {
    fprintf(stderr, "gen_large: cannot write %s\n", argv[2]);
    return 1;
  }
  free(x);
  free(raw);
  return 0;
}
