/* cmp.c - the golden tests' tensor tool (no Python in the test suite).
 *
 *   cmp npy2bin IN.npy OUT.bin          float32 .npy -> raw little-endian .bin
 *   cmp compare LABEL GOT WANT          |got - want| <= 1e-5 + 1e-5 * |want|
 *
 * GOT and WANT are .npy ('<f4', C order) or raw .bin files; the element
 * counts must match. Prints one line naming LABEL on failure; exits 0 on
 * success, 1 on a mismatch or a bad file.
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

/* Reads path (.npy or .bin) into a malloc'd float array; *n gets the count. */
static float *load(const char *path, long *n) {
  FILE *f = fopen(path, "rb");
  if (!f)
    die("cannot open", path);
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 65536;
      buf = realloc(buf, cap);
      if (!buf)
        die("out of memory reading", path);
    }
    size_t r = fread(buf + len, 1, cap - len, f);
    if (r == 0)
      break;
    len += r;
  }
  fclose(f);
  size_t data = 0, plen = strlen(path);
  if (plen > 4 && !strcmp(path + plen - 4, ".npy")) {
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
    if (!strstr(hdr, "'descr': '<f4'") || !strstr(hdr, "'fortran_order': False"))
      die("not a little-endian float32 C-order .npy:", path);
    free(hdr);
    data = hstart + hlen;
  }
  if ((len - data) % 4)
    die("size is not a multiple of 4 bytes:", path);
  *n = (long)((len - data) / 4);
  float *x = malloc((size_t)(*n ? *n : 1) * sizeof(float));
  for (long i = 0; i < *n; i++) {
    const unsigned char *q = buf + data + 4 * i;
    uint32_t u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
    memcpy(&x[i], &u, 4);
  }
  free(buf);
  return x;
}

static int npy2bin(const char *in, const char *out) {
  long n;
  float *x = load(in, &n);
  FILE *f = fopen(out, "wb");
  if (!f)
    die("cannot create", out);
  for (long i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &x[i], 4);
    unsigned char q[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 24)};
    if (fwrite(q, 1, 4, f) != 4)
      die("cannot write", out);
  }
  if (fclose(f))
    die("cannot write", out);
  free(x);
  return 0;
}

static int compare(const char *got_path, const char *want_path) {
  long ng, nw;
  float *got = load(got_path, &ng), *want = load(want_path, &nw);
  if (ng != nw) {
    fprintf(stderr, "%s: %ld values in '%s' but %ld in '%s'\n", label, ng, got_path, nw, want_path);
    return 1;
  }
  long bad = 0, first = -1;
  double worst = 0;
  for (long i = 0; i < ng; i++) {
    double a = got[i], b = want[i], err = fabs(a - b);
    int ok = err <= 1e-5 + 1e-5 * fabs(b) || (isnan(a) && isnan(b)) || a == b;
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
  if (argc == 5 && !strcmp(argv[1], "compare")) {
    label = argv[2];
    return compare(argv[3], argv[4]);
  }
  fprintf(stderr, "usage: cmp npy2bin IN.npy OUT.bin\n       cmp compare LABEL GOT WANT\n");
  return 2;
}
