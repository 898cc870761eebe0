/* harness.c - time one xnorcc-generated network and check its output.
 *
 * Built together with a net.c that xnorcc wrote with `--name net` (one input,
 * one output; net.h on the include path):
 *
 *   harness IN REF [OUT] [--warmup N] [--runs N] [--min-time S] [--threads N] [--check]
 *
 * IN and REF are float32 tensors, raw little-endian (.bin) or .npy (v1-v3,
 * '<f4', C order); REF may be "-" (no check). OUT, when given (not "-"),
 * receives the output of the first run as raw float32.
 *
 * Prints two lines of key=value pairs (bench/net/run.py reads them):
 *   check n=.. max_abs=.. ref_max=.. rel=.. far=.. top1=.. top1_ref=..
 *   time warmup=.. runs=.. median_ms=.. min_ms=.. mean_ms=.. total_s=.. cpu_median_ms=.. threads=..
 * rel is max_abs / max|REF| (normwise); far counts outputs with
 * |out - ref| > 1e-3 * max|REF|, a difference float rounding alone does not
 * make (a flipped sign does). With --check the exit status is 1 when far > 0
 * or the arg-max differs. Timing: CLOCK_MONOTONIC around each call of
 * net_run; N warm-up calls (default 3), then calls until at least --runs
 * (default 11) and --min-time seconds (default 2) are done; median and min,
 * and the median of the process CPU time per call (CLOCK_PROCESS_CPUTIME_ID:
 * what the call got of a core, less disturbed by other load than wall time).
 * --threads N calls net_set_threads(N) first (threads only when net.c was
 * built with -DXNORCC_THREADS -pthread; the time line says how many took).
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net.h"

#define MAX_RUNS 100000

static float in0[net_IN0_SIZE];
static float out0[net_OUT0_SIZE];
static float ref0[net_OUT0_SIZE];
static double times[MAX_RUNS], cpu_times[MAX_RUNS];

static double clock_s(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }

/* Reads exactly n float32 values from PATH (.npy by its magic, else raw).
 * Returns 0, or prints why and returns -1. */
static int read_f32(const char *path, float *dst, long n) {
  FILE *f = fopen(path, "rb");
  unsigned char head[10];
  long body = 0, have;
  if (!f) {
    fprintf(stderr, "harness: cannot open '%s'\n", path);
    return -1;
  }
  if (fread(head, 1, 10, f) == 10 && memcmp(head, "\x93NUMPY", 6) == 0) {
    /* v1: 2-byte header length at 8; v2/v3: 4 bytes. */
    long hlen = head[8] | (long)head[9] << 8, pre = 10;
    char *hdr;
    if (head[6] >= 2) {
      unsigned char more[2];
      if (fread(more, 1, 2, f) != 2) goto short_file;
      hlen |= (long)more[0] << 16 | (long)more[1] << 24;
      pre = 12;
    }
    hdr = malloc((size_t)hlen + 1);
    if (!hdr || fread(hdr, 1, (size_t)hlen, f) != (size_t)hlen) {
      free(hdr);
      goto short_file;
    }
    hdr[hlen] = 0;
    if (!strstr(hdr, "'<f4'") || strstr(hdr, "'fortran_order': True")) {
      fprintf(stderr, "harness: '%s': need a C-order '<f4' array, header %s\n", path, hdr);
      free(hdr);
      fclose(f);
      return -1;
    }
    free(hdr);
    body = pre + hlen;
  }
  if (fseek(f, 0, SEEK_END) != 0) goto short_file;
  have = (ftell(f) - body) / 4;
  if (have != n) {
    fprintf(stderr, "harness: '%s' holds %ld floats, the network wants %ld\n", path, have, n);
    fclose(f);
    return -1;
  }
  if (fseek(f, body, SEEK_SET) != 0 || fread(dst, 4, (size_t)n, f) != (size_t)n) goto short_file;
  fclose(f);
  return 0;
short_file:
  fprintf(stderr, "harness: cannot read '%s'\n", path);
  fclose(f);
  return -1;
}

static long argmax(const float *v, long n) {
  long i, best = 0;
  for (i = 1; i < n; i++)
    if (v[i] > v[best]) best = i;
  return best;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median of n >= 1 sorted values. */
static double median(const double *v, long n) { return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]); }

int main(int argc, char **argv) {
  const char *in_path, *ref_path, *out_path = "-";
  long warmup = 3, min_runs = 11, runs = 0, i, far = 0;
  double min_time = 2.0, start, total = 0, max_abs = 0, ref_max = 0;
  int check = 0, a = 3, bad, threads = 1;
  if (argc < 3) {
    fprintf(stderr, "usage: harness IN REF [OUT] [--warmup N] [--runs N] [--min-time S] [--threads N] [--check]\n");
    return 2;
  }
  in_path = argv[1];
  ref_path = argv[2];
  if (argc > 3 && strncmp(argv[3], "--", 2) != 0) out_path = argv[a++];
  for (; a < argc; a++) {
    if (strcmp(argv[a], "--check") == 0) check = 1;
    else if (a + 1 < argc && strcmp(argv[a], "--warmup") == 0) warmup = atol(argv[++a]);
    else if (a + 1 < argc && strcmp(argv[a], "--runs") == 0) min_runs = atol(argv[++a]);
    else if (a + 1 < argc && strcmp(argv[a], "--min-time") == 0) min_time = atof(argv[++a]);
    else if (a + 1 < argc && strcmp(argv[a], "--threads") == 0) threads = net_set_threads(atoi(argv[++a]));
    else {
      fprintf(stderr, "harness: unknown argument '%s'\n", argv[a]);
      return 2;
    }
  }
  if (read_f32(in_path, in0, net_IN0_SIZE) != 0) return 1;
  if (strcmp(ref_path, "-") != 0 && read_f32(ref_path, ref0, net_OUT0_SIZE) != 0) return 1;

  if (net_run(in0, out0) != 0) {
    fprintf(stderr, "harness: net_run failed\n");
    return 1;
  }
  if (strcmp(out_path, "-") != 0) {
    FILE *f = fopen(out_path, "wb");
    if (!f || fwrite(out0, 4, net_OUT0_SIZE, f) != net_OUT0_SIZE || fclose(f) != 0) {
      fprintf(stderr, "harness: cannot write '%s'\n", out_path);
      return 1;
    }
  }
  bad = 0;
  if (strcmp(ref_path, "-") != 0) {
    for (i = 0; i < net_OUT0_SIZE; i++) {
      double d = fabs((double)out0[i] - ref0[i]);
      if (max_abs == max_abs && (d != d || d > max_abs)) max_abs = d; /* a NaN sticks */
      if (fabs(ref0[i]) > ref_max) ref_max = fabs(ref0[i]);
    }
    for (i = 0; i < net_OUT0_SIZE; i++)
      if (!(fabs((double)out0[i] - ref0[i]) <= 1e-3 * ref_max)) far++;
    printf("check n=%ld max_abs=%.3g ref_max=%.4g rel=%.3g far=%ld top1=%ld top1_ref=%ld\n",
           (long)net_OUT0_SIZE, max_abs, ref_max, ref_max > 0 ? max_abs / ref_max : max_abs, far,
           argmax(out0, net_OUT0_SIZE), argmax(ref0, net_OUT0_SIZE));
    bad = far > 0 || argmax(out0, net_OUT0_SIZE) != argmax(ref0, net_OUT0_SIZE);
  } else {
    printf("check n=%ld none\n", (long)net_OUT0_SIZE);
  }

  for (i = 0; i < warmup; i++) net_run(in0, out0);
  start = now_s();
  while (runs < MAX_RUNS && (runs < min_runs || now_s() - start < min_time)) {
    double t0 = now_s(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    net_run(in0, out0);
    times[runs] = now_s() - t0;
    cpu_times[runs++] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
  }
  for (i = 0; i < runs; i++) total += times[i];
  qsort(times, (size_t)runs, sizeof times[0], cmp_double);
  qsort(cpu_times, (size_t)runs, sizeof cpu_times[0], cmp_double);
  printf("time warmup=%ld runs=%ld median_ms=%.4f min_ms=%.4f mean_ms=%.4f total_s=%.3f cpu_median_ms=%.4f threads=%d\n",
         warmup, runs, 1e3 * median(times, runs), 1e3 * times[0], 1e3 * total / (double)runs, total,
         1e3 * median(cpu_times, runs), threads);
  return check && bad ? 1 : 0;
}
