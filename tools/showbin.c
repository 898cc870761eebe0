/* showbin - prints a raw float32 output of a generated program next to the
 * reference interpreter's and the expected one, for the README demo.
 *   showbin OUT.bin REF.bin EXPECTED.bin */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static float *load(const char *path, long *n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "showbin: cannot open %s\n", path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  float *x = malloc((size_t)bytes + 4);
  if (!x || fread(x, 1, (size_t)bytes, f) != (size_t)bytes) {
    fprintf(stderr, "showbin: cannot read %s\n", path);
    exit(1);
  }
  fclose(f);
  *n = bytes / 4;
  return x;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fputs("usage: showbin OUT.bin REF.bin EXPECTED.bin\n", stderr);
    return 2;
  }
  long n, nr, ne;
  float *out = load(argv[1], &n), *ref = load(argv[2], &nr), *exp = load(argv[3], &ne);
  if (n != nr || n != ne) {
    fprintf(stderr, "showbin: sizes differ: %ld, %ld, %ld values\n", n, nr, ne);
    return 1;
  }
  double dref = 0, dexp = 0;
  long best = 0;
  printf("%6s  %14s  %14s  %14s\n", "index", "generated C", "interpreter", "PyTorch");
  for (long i = 0; i < n; i++) {
    if (i < 20)
      printf("%6ld  %14.7g  %14.7g  %14.7g\n", i, out[i], ref[i], exp[i]);
    dref = fmax(dref, fabs((double)out[i] - ref[i]));
    dexp = fmax(dexp, fabs((double)out[i] - exp[i]));
    if (out[i] > out[best])
      best = i;
  }
  if (n > 20)
    printf("   ... (%ld values)\n", n);
  printf("largest value at index %ld\n", best);
  printf("max |generated - interpreter| = %.3g, max |generated - PyTorch| = %.3g\n", dref, dexp);
  int ok = 1;
  for (long i = 0; i < n; i++)
    if (fabs((double)out[i] - exp[i]) > 1e-5 + 1e-5 * fabs((double)exp[i]))
      ok = 0;
  puts(ok ? "MATCH: the generated C agrees with PyTorch within 1e-5" : "MISMATCH");
  return ok ? 0 : 1;
}
