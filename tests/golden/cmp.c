/* cmp.c - the golden tests' tensor tool (no Python in the test suite).
 *
 *   cmp npy2bin IN.npy OUT.bin          .npy -> its raw little-endian data
 *   cmp compare LABEL GOT WANT [LIKE]   |got - want| <= 1e-5 + 1e-5 * |want|
 *
 * GOT and WANT are .npy (C order; float32 '<f4', float64 '<f8', the integer
 * types '|i1' '|u1' '<i2' '<u2' '<i4' '<u4' '<i8' '<u8', bool '|b1') or raw
 * little-endian .bin files of LIKE's element type (an .npy; without LIKE,
 * WANT's when it is an .npy, else float32), as a generated program writes an
 * integer or bool output.
 * Values are compared as numbers (a bool is 0 or 1; when either file holds
 * integers or bools, the values must be equal); the element counts must
 * match. Prints one line naming LABEL on failure; exits 0 on success, 1 on a
 * mismatch or a bad file.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *label = "cmp";

static void die(const char *msg, const char *path) {
  fprintf(stderr, "%s: %s '%s'\n", label, msg, path);
  exit(1);
}

/* An element type: kind 'f' (float), 'i' (signed), 'u' (unsigned) or 'b'
 * (bool), and its size in bytes. */
typedef struct Type {
  char kind;
  int size;
} Type;

static const Type f32 = {'f', 4};

/* Reads a whole file into a malloc'd buffer; *len its size. */
static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    die("cannot open", path);
  unsigned char *buf = NULL;
  size_t cap = 0;
  *len = 0;
  for (;;) {
    if (*len == cap) {
      cap = cap ? cap * 2 : 65536;
      buf = realloc(buf, cap);
      if (!buf)
        die("out of memory reading", path);
    }
    size_t r = fread(buf + *len, 1, cap - *len, f);
    if (r == 0)
      break;
    *len += r;
  }
  fclose(f);
  return buf;
}

/* The offset of the data of .npy file buf (len bytes), its element type in
 * *t; 0 (and *t float32) for a .bin file. */
static size_t data_start(const char *path, const unsigned char *buf, size_t len, Type *t) {
  size_t plen = strlen(path);
  *t = f32;
  if (!(plen > 4 && !strcmp(path + plen - 4, ".npy")))
    return 0;
  if (len < 10 || memcmp(buf, "\x93NUMPY", 6))
    die("not a .npy file:", path);
  size_t hlen = buf[8] | (size_t)buf[9] << 8, hstart = 10;
  if (buf[6] >= 2) {
    if (len < 12)
      die("truncated .npy file:", path);
    hlen |= (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
    hstart = 12;
  }
  if (hstart + hlen > len)
    die("truncated .npy header:", path);
  char *hdr = malloc(hlen + 1);
  memcpy(hdr, buf + hstart, hlen);
  hdr[hlen] = 0;
  const char *d = strstr(hdr, "'descr': '");
  if (!d || !strstr(hdr, "'fortran_order': False"))
    die("not a C-order .npy:", path);
  d += 10;
  t->kind = d[1];
  t->size = d[2] - '0';
  if (!strchr("<|", d[0]) || !strchr("fiub", t->kind) || d[3] != '\'' ||
      !(t->kind == 'f' ? t->size == 4 || t->size == 8
        : t->kind == 'b' ? t->size == 1
                         : t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8) ||
      (t->size > 1 && d[0] != '<'))
    die("not a little-endian .npy of float32/64, integers or bools:", path);
  free(hdr);
  return hstart + hlen;
}

/* Reads path (.npy, or .bin of type *like) into a malloc'd array of
 * doubles; *n gets the count, *t (when not NULL) the element type. */
static double *load(const char *path, long *n, const Type *like, Type *t) {
  size_t len;
  unsigned char *buf = slurp(path, &len);
  Type ty;
  size_t data = data_start(path, buf, len, &ty);
  if (!data && like)
    ty = *like;
  if ((len - data) % (size_t)ty.size)
    die("size is not a multiple of the element size:", path);
  *n = (long)((len - data) / (size_t)ty.size);
  double *x = malloc((size_t)(*n ? *n : 1) * sizeof(double));
  for (long i = 0; i < *n; i++) {
    const unsigned char *q = buf + data + (size_t)ty.size * (size_t)i;
    uint64_t u = 0;
    for (int b = ty.size - 1; b >= 0; b--)
      u = u << 8 | q[b];
    if (ty.kind == 'f' && ty.size == 4) {
      uint32_t u32 = (uint32_t)u;
      float f;
      memcpy(&f, &u32, 4);
      x[i] = f;
    } else if (ty.kind == 'f') {
      memcpy(&x[i], &u, 8);
    } else if (ty.kind == 'b') {
      x[i] = u != 0;
    } else if (ty.kind == 'i' && u >> (8 * ty.size - 1)) { /* two's complement */
      x[i] = -(double)((~u & (UINT64_MAX >> (64 - 8 * ty.size))) + 1);
    } else {
      x[i] = (double)u;
    }
  }
  free(buf);
  if (t)
    *t = ty;
  return x;
}

static int npy2bin(const char *in, const char *out) {
  size_t len;
  unsigned char *buf = slurp(in, &len);
  Type t;
  size_t data = data_start(in, buf, len, &t);
  FILE *f = fopen(out, "wb");
  if (!f)
    die("cannot create", out);
  if (fwrite(buf + data, 1, len - data, f) != len - data || fclose(f))
    die("cannot write", out);
  free(buf);
  return 0;
}

static int compare(const char *got_path, const char *want_path, const char *like_path) {
  long ng, nw, nl;
  Type like = f32;
  size_t wl = strlen(want_path);
  if (!like_path && wl > 4 && !strcmp(want_path + wl - 4, ".npy"))
    like_path = want_path; /* a .bin GOT has WANT's element type */
  if (like_path)
    free(load(like_path, &nl, NULL, &like));
  Type tg, tw;
  double *got = load(got_path, &ng, &like, &tg), *want = load(want_path, &nw, &like, &tw);
  int exact = tg.kind != 'f' || tw.kind != 'f'; /* integers and bools: equal */
  if (ng != nw) {
    fprintf(stderr, "%s: %ld values in '%s' but %ld in '%s'\n", label, ng, got_path, nw, want_path);
    return 1;
  }
  long bad = 0, first = -1;
  double worst = 0;
  for (long i = 0; i < ng; i++) {
    double a = got[i], b = want[i], err = fabs(a - b);
    int ok = a == b || (!exact && (err <= 1e-5 + 1e-5 * fabs(b) || (isnan(a) && isnan(b))));
    if (!ok) {
      if (first < 0)
        first = i;
      bad++;
    }
    if (err > worst && !isnan(err))
      worst = err;
  }
  if (bad) {
    fprintf(stderr, "%s: %ld of %ld values differ (first at %ld: got %.9g, want %.9g; max |err| %.3g)\n",
            label, bad, ng, first, got[first], want[first], worst);
    return 1;
  }
  free(got);
  free(want);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "npy2bin"))
    return npy2bin(argv[2], argv[3]);
  if ((argc == 5 || argc == 6) && !strcmp(argv[1], "compare")) {
    label = argv[2];
    return compare(argv[3], argv[4], argc == 6 ? argv[5] : NULL);
  }
  fprintf(stderr, "usage: cmp npy2bin IN.npy OUT.bin\n       cmp compare LABEL GOT WANT [LIKE.npy]\n");
  return 2;
}
