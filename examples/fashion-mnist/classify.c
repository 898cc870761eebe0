/* classify.c - Fashion-MNIST classifier on a network compiled by xnorcc.
 *
 * Built against the generated code of any model of this example, compiled with
 * `--name fmnist` (so the API is fmnist.h / fmnist_run):
 *
 *   xnorcc models/xnor.onnx --name fmnist -o out/fmnist.c
 *   cc -std=c99 -O2 -march=native -Iout classify.c out/fmnist.c \
 *      $(xnorcc config --cflags --libs) -lz -o classify
 *
 * Usage:
 *   classify [--images F] [--labels F] [--limit N] [--pytorch F.top2] [--predictions OUT]
 *       classifies the idx images (default: the Fashion-MNIST test set of Debian's
 *       dataset-fashion-mnist; gzip or plain), prints `accuracy: NN.NN%`, top-2
 *       accuracy and the median latency of one fmnist_run call (wall clock and the
 *       thread's CPU time); with --pytorch,
 *       how many top-1 classes differ from PyTorch's (train.py's expected/NAME.top2);
 *       with --predictions, writes the top-1 and top-2 class of each image (2 bytes
 *       per image, the format of expected/NAME.top2).
 *   classify --pgm IMAGE.pgm ...
 *       classifies 28x28 PGM images (P5 or P2, maxval <= 255) and prints each one's
 *       two best classes and the logits.
 *
 * The input of the network is pixel / 255 as float, exactly what train.py feeds PyTorch.
 * Exit status: 0 on success, 1 on a bad file, 2 on bad usage.
 */
#define _POSIX_C_SOURCE 199309L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "fmnist.h"

#define SIDE 28
#define PIXELS (SIDE * SIDE)
#define CLASSES 10
#define DEFAULT_DIR "/usr/share/datasets/fashion-mnist/"

#if fmnist_IN0_SIZE != PIXELS || fmnist_OUT0_SIZE != CLASSES || fmnist_NUM_INPUTS != 1 || \
    fmnist_NUM_OUTPUTS != 1
#error "the model must take one 1x1x28x28 image and return 10 logits"
#endif

static const char *const class_names[CLASSES] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

/* Reads a whole file, gzip-compressed or not (zlib reads both), into a malloc'ed
 * buffer; *len gets its size. Returns NULL (after printing why) on failure. */
static unsigned char *read_file(const char *path, size_t *len) {
  gzFile f = gzopen(path, "rb");
  size_t cap = 1 << 20, n = 0;
  unsigned char *buf;
  if (!f) {
    fprintf(stderr, "classify: cannot open '%s': %s\n", path, strerror(errno));
    return NULL;
  }
  buf = malloc(cap);
  for (;;) {
    int got;
    if (!buf) {
      fprintf(stderr, "classify: out of memory reading '%s'\n", path);
      gzclose(f);
      return NULL;
    }
    got = gzread(f, buf + n, (unsigned)(cap - n));
    if (got < 0) {
      int zerr;
      fprintf(stderr, "classify: cannot read '%s': %s\n", path, gzerror(f, &zerr));
      free(buf);
      gzclose(f);
      return NULL;
    }
    n += (size_t)got;
    if (got == 0) break;
    if (n == cap) {
      unsigned char *bigger = realloc(buf, cap * 2);
      if (!bigger) free(buf);
      buf = bigger;
      cap *= 2;
    }
  }
  gzclose(f);
  *len = n;
  return buf;
}

static unsigned long be32(const unsigned char *p) {
  return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

/* Reads an idx file of unsigned bytes with `ndim` dimensions (3: images, 1: labels).
 * Returns the data (pointer into a malloc'ed buffer whose start goes to *base) and the
 * first dimension in *count; for images each must be 28 x 28. NULL on failure. */
static const unsigned char *read_idx(const char *path, int ndim, unsigned long *count,
                                     unsigned char **base) {
  size_t len, need;
  unsigned char *buf = read_file(path, &len);
  unsigned long n;
  int i;
  if (!buf) return NULL;
  if (len < 4 + 4 * (size_t)ndim || buf[0] || buf[1] || buf[2] != 0x08 || buf[3] != ndim) {
    fprintf(stderr, "classify: '%s': not an idx file of bytes with %d dimension%s\n", path,
            ndim, ndim == 1 ? "" : "s");
    free(buf);
    return NULL;
  }
  n = be32(buf + 4);
  need = n;
  for (i = 1; i < ndim; i++) {
    unsigned long d = be32(buf + 4 + 4 * i);
    if (d != SIDE) {
      fprintf(stderr, "classify: '%s': images are %lux%lu, the model takes %dx%d\n", path,
              be32(buf + 8), be32(buf + 12), SIDE, SIDE);
      free(buf);
      return NULL;
    }
    need *= d;
  }
  if (len - 4 - 4 * (size_t)ndim < need) {
    fprintf(stderr, "classify: '%s': %lu entries declared but the file holds %lu bytes of data\n",
            path, n, (unsigned long)(len - 4 - 4 * (size_t)ndim));
    free(buf);
    return NULL;
  }
  *count = n;
  *base = buf;
  return buf + 4 + 4 * ndim;
}

/* The network's input: pixel / 255, as train.py computes it. */
static void to_input(const unsigned char *pixels, float *in) {
  int i;
  for (i = 0; i < PIXELS; i++) in[i] = (float)pixels[i] / 255.0f;
}

/* The two largest logits' classes (ties: the lower class first, as train.py's top2). */
static void top2(const float *logits, int *first, int *second) {
  int i, a = 0, b = -1;
  for (i = 1; i < CLASSES; i++)
    if (logits[i] > logits[a]) a = i;
  for (i = 0; i < CLASSES; i++)
    if (i != a && (b < 0 || logits[i] > logits[b])) b = i;
  *first = a;
  *second = b;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Microseconds on a clock: CLOCK_MONOTONIC (wall) or CLOCK_THREAD_CPUTIME_ID (this
 * thread's CPU time, which time spent waiting for a shared core does not inflate). */
static double now_us(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

/* Median of n values (sorts them). */
static double median(double *v, unsigned long n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Skips whitespace and '#' comments in a PGM header. */
static size_t pgm_skip(const unsigned char *p, size_t i, size_t len) {
  while (i < len) {
    if (p[i] == '#') {
      while (i < len && p[i] != '\n') i++;
    } else if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n') {
      i++;
    } else {
      break;
    }
  }
  return i;
}

/* Reads a decimal number of a PGM header at p[*i]; -1 when there is none. */
static long pgm_number(const unsigned char *p, size_t *i, size_t len) {
  long v = 0;
  size_t j = pgm_skip(p, *i, len), start = j;
  while (j < len && p[j] >= '0' && p[j] <= '9' && v < 100000) v = v * 10 + (p[j++] - '0');
  if (j == start) return -1;
  *i = j;
  return v;
}

/* Reads a 28x28 PGM (P5 binary or P2 text, maxval 1..255) scaled to 0..255 pixels. */
static int read_pgm(const char *path, unsigned char *pixels) {
  size_t len, i = 2;
  unsigned char *p = read_file(path, &len);
  long w, h, maxval;
  int k, ok = 0;
  if (!p) return 0;
  if (len < 2 || p[0] != 'P' || (p[1] != '5' && p[1] != '2')) {
    fprintf(stderr, "classify: '%s': not a PGM image (P5 or P2)\n", path);
  } else if ((w = pgm_number(p, &i, len)) < 0 || (h = pgm_number(p, &i, len)) < 0 ||
             (maxval = pgm_number(p, &i, len)) < 1 || maxval > 255) {
    fprintf(stderr, "classify: '%s': bad PGM header (width, height, maxval 1..255)\n", path);
  } else if (w != SIDE || h != SIDE) {
    fprintf(stderr, "classify: '%s': image is %ldx%ld, the model takes %dx%d\n", path, w, h,
            SIDE, SIDE);
  } else {
    ok = 1;
    if (p[1] == '5') {
      i++; /* the single whitespace after maxval */
      if (len < i + PIXELS) {
        fprintf(stderr, "classify: '%s': %d pixels expected, %lu bytes found\n", path, PIXELS,
                (unsigned long)(len > i ? len - i : 0));
        ok = 0;
      }
    }
    for (k = 0; ok && k < PIXELS; k++) {
      long v = p[1] == '5' ? p[i + k] : pgm_number(p, &i, len);
      if (v < 0 || v > maxval) {
        fprintf(stderr, "classify: '%s': pixel %d is missing or above maxval %ld\n", path, k,
                maxval);
        ok = 0;
      } else {
        pixels[k] = (unsigned char)((v * 255 + maxval / 2) / maxval);
      }
    }
  }
  free(p);
  return ok;
}

static int classify_pgms(int argc, char **argv, int first) {
  int a;
  for (a = first; a < argc; a++) {
    unsigned char pixels[PIXELS];
    float in[PIXELS], logits[CLASSES];
    int c1, c2, c;
    if (!read_pgm(argv[a], pixels)) return 1;
    to_input(pixels, in);
    fmnist_run(in, logits);
    top2(logits, &c1, &c2);
    printf("%s: %d %s (then %d %s); logits", argv[a], c1, class_names[c1], c2, class_names[c2]);
    for (c = 0; c < CLASSES; c++) printf(" %.4f", logits[c]);
    printf("\n");
  }
  return 0;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: classify [--images IDX] [--labels IDX] [--limit N] [--pytorch F.top2]\n"
          "                [--predictions OUT]\n"
          "       classify --pgm IMAGE.pgm...\n"
          "Defaults: the test set in " DEFAULT_DIR "\n");
}

int main(int argc, char **argv) {
  const char *images_path = DEFAULT_DIR "t10k-images-idx3-ubyte.gz";
  const char *labels_path = DEFAULT_DIR "t10k-labels-idx1-ubyte.gz";
  const char *pytorch_path = NULL, *pred_path = NULL;
  unsigned long limit = 0, n, nlabels, i, right1 = 0, right2 = 0, differ = 0, pt1 = 0, pt2 = 0;
  unsigned char *ibase = NULL, *lbase = NULL, *pt = NULL, *pred;
  const unsigned char *images, *labels;
  double *lat, *cpu;
  int a, status = 1;

  for (a = 1; a < argc; a++) {
    const char *opt = argv[a];
    if (!strcmp(opt, "--pgm")) {
      if (a + 1 == argc) break;
      return classify_pgms(argc, argv, a + 1);
    }
    if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
      usage(stdout);
      return 0;
    }
    if (a + 1 == argc) break;
    if (!strcmp(opt, "--images")) images_path = argv[++a];
    else if (!strcmp(opt, "--labels")) labels_path = argv[++a];
    else if (!strcmp(opt, "--pytorch")) pytorch_path = argv[++a];
    else if (!strcmp(opt, "--predictions")) pred_path = argv[++a];
    else if (!strcmp(opt, "--limit")) {
      char *end;
      limit = strtoul(argv[++a], &end, 10);
      if (*end || !limit) break;
    } else break;
  }
  if (a < argc) {
    usage(stderr);
    return 2;
  }

  images = read_idx(images_path, 3, &n, &ibase);
  labels = images ? read_idx(labels_path, 1, &nlabels, &lbase) : NULL;
  if (!labels) goto done;
  if (nlabels != n) {
    fprintf(stderr, "classify: %lu images in '%s' but %lu labels in '%s'\n", n, images_path,
            nlabels, labels_path);
    goto done;
  }
  if (limit && limit < n) n = limit;
  if (pytorch_path) {
    size_t len;
    pt = read_file(pytorch_path, &len);
    if (!pt) goto done;
    if (len < 2 * n) {
      fprintf(stderr, "classify: '%s' has PyTorch's classes of %lu images, %lu needed\n",
              pytorch_path, (unsigned long)(len / 2), n);
      goto done;
    }
  }
  lat = malloc(n * sizeof *lat);
  cpu = malloc(n * sizeof *cpu);
  pred = malloc(2 * n);
  if (!lat || !cpu || !pred) {
    fprintf(stderr, "classify: out of memory\n");
    free(lat);
    free(cpu);
    free(pred);
    goto done;
  }

  for (i = 0; i < n; i++) {
    float in[PIXELS], logits[CLASSES];
    double t0, c0;
    int c1, c2;
    to_input(images + i * PIXELS, in);
    c0 = now_us(CLOCK_THREAD_CPUTIME_ID);
    t0 = now_us(CLOCK_MONOTONIC);
    fmnist_run(in, logits);
    lat[i] = now_us(CLOCK_MONOTONIC) - t0;
    cpu[i] = now_us(CLOCK_THREAD_CPUTIME_ID) - c0;
    top2(logits, &c1, &c2);
    pred[2 * i] = (unsigned char)c1;
    pred[2 * i + 1] = (unsigned char)c2;
    right1 += c1 == labels[i];
    right2 += c1 == labels[i] || c2 == labels[i];
    if (pt) {
      differ += pt[2 * i] != c1;
      pt1 += pt[2 * i] == labels[i];
      pt2 += pt[2 * i] == labels[i] || pt[2 * i + 1] == labels[i];
    }
  }

  printf("images: %lu from %s\n", n, images_path);
  printf("accuracy: %.2f%% (top-2: %.2f%%)\n", 100.0 * right1 / n, 100.0 * right2 / n);
  {
    double wall = median(lat, n), cpu_med = median(cpu, n);
    printf("latency: median %.1f us per image (min %.1f us; CPU time median %.1f us; one "
           "fmnist_run call, one thread)\n", wall, lat[0], cpu_med);
  }
  if (pt)
    printf("PyTorch: accuracy %.2f%% (top-2: %.2f%%); top-1 class differs on %lu of %lu images\n",
           100.0 * pt1 / n, 100.0 * pt2 / n, differ, n);
  status = 0;
  if (pred_path) {
    FILE *f = fopen(pred_path, "wb");
    int ok = f && fwrite(pred, 2, n, f) == n;
    if (f && fclose(f)) ok = 0;
    if (!ok) {
      fprintf(stderr, "classify: cannot write '%s': %s\n", pred_path, strerror(errno));
      status = 1;
    }
  }
  free(lat);
  free(cpu);
  free(pred);
done:
  free(pt);
  free(lbase);
  free(ibase);
  return status;
}
