/* difftest.c - random-model differential tests of xnorcc (docs/difftest.md).
 *
 *   difftest run --xnorcc X --work DIR [--seed S] [--first I] [--count N]
 *                [--time SEC] [--keep DIR] [--cc CC] [--big-pads] [--no-cc] [-v]
 *       models I .. I+N-1 of seed S: generate, calibrate, check; failures are
 *       kept in --keep (default DIR/failed) with a README. --no-cc checks
 *       xnorcc and the interpreter only (the reference, the compile to C and
 *       the interpreter on the optimized graph; no C compiler, no program):
 *       the sanitized builds' run, whose programs would be the same plain-cc
 *       builds as the normal build's
 *   difftest gen --seed S --index I -o DIR [--big-pads]
 *       writes model I of seed S (model.xir, input_0.npy, expect_0.npy from
 *       the interpreter on the graph as read)
 *   difftest reduce --xnorcc X --work DIR --seed S --index I -o DIR [--big-pads]
 *       shrinks failing model I and writes it like gen
 *   difftest check --xnorcc X --work DIR [--no-cc] CASEDIR...
 *       stored cases (tests/random/regress/NAME): the reference and the
 *       generated program must both match expect_K.npy
 *
 * Exit status: 0 when every model passed, 1 when any failed, 2 on usage errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "repair.h"

static const char usage[] =
    "usage: difftest run --xnorcc X --work DIR [--seed S] [--first I] [--count N] [--time SEC]\n"
    "                    [--keep DIR] [--cc CC] [--big-pads] [--no-cc] [-v]\n"
    "       difftest gen --seed S --index I -o DIR [--big-pads]\n"
    "       difftest reduce --xnorcc X --work DIR --seed S --index I -o DIR [--big-pads]\n"
    "       difftest check --xnorcc X --work DIR [--no-cc] CASEDIR...\n";

typedef struct Args {
  const char *cmd, *xnorcc, *work, *keep, *cc, *out;
  uint64_t seed;
  long first, count, index;
  double time_limit;
  int big_pads, verbose, no_cc;
  char **cases;
  int ncases;
} Args;

/* The seed of model index of run seed, attempt a (a new attempt when the
 * margin cannot be met): a hash, so neighbouring indices are unrelated. */
static uint64_t model_seed(uint64_t seed, long index, int attempt) {
  Rng r = {seed * 0x9E3779B97F4A7C15ull ^ (uint64_t)index * 0xD1B54A32D192ED03ull ^ (uint64_t)attempt << 56};
  rng_next(&r);
  return rng_next(&r);
}

static void mkdirs(const char *path) {
  char p[1100];
  snprintf(p, sizeof p, "%s", path);
  for (char *s = p + 1; *s; s++)
    if (*s == '/') {
      *s = 0;
      mkdir(p, 0755);
      *s = '/';
    }
  mkdir(p, 0755);
}

/* Generates model index (retrying when the margin cannot be met) into m.
 * Returns 0; -1 when xnorcc rejected the generated model as read (err says
 * why; m holds it); *resampled counts the retries. */
static int make_model(const Args *a, long index, Model *m, int *resampled, char *err, size_t cap) {
  GenOptions go = {a->big_pads, 0};
  for (int attempt = 0;; attempt++) {
    uint64_t s = model_seed(a->seed, index, attempt);
    gen_model(m, s, &go);
    Rng r = {s ^ 0x5DEECE66Dull};
    int rc = repair_model(m, &r, err, cap);
    if (rc == 0)
      rc = margin_check(m, err, cap);
    if (rc == 0)
      return 0;
    if ((rc < 0 && !strstr(err, "is not finite")) || attempt == 50)
      return -1; /* xnorcc rejects it, or the margin cannot be met at all */
    if (a->verbose)
      fprintf(stderr, "difftest: model %ld attempt %d resampled: %s\n", index, attempt, err);
    (*resampled)++;
    model_free(m);
  }
}

static void write_readme(const char *dir, const Args *a, long index, const Model *m, Failure f, const char *msg) {
  char path[1300];
  snprintf(path, sizeof path, "%s/README", dir);
  FILE *rf = fopen(path, "w");
  if (!rf)
    return;
  fprintf(rf, "difftest failure: model %ld of seed %llu (model seed 0x%016llx)%s\n", index,
          (unsigned long long)a->seed, (unsigned long long)m->seed, a->big_pads ? ", --big-pads" : "");
  fprintf(rf, "kind: %s\n%s\nstages: %s\n", failure_name(f), msg, m->desc);
  fprintf(rf, "reproduce: difftest gen --seed %llu --index %ld -o DIR%s\n", (unsigned long long)a->seed, index,
          a->big_pads ? " --big-pads" : "");
  fprintf(rf, "shrink:    difftest reduce --xnorcc XNORCC --work W --seed %llu --index %ld -o DIR%s\n",
          (unsigned long long)a->seed, index, a->big_pads ? " --big-pads" : "");
  fclose(rf);
}

/* Copies dir's files into keep/mINDEX (the failure's record). */
static void keep_failure(const char *dir, const char *keep, long index) {
  char cmd[8000];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s' && rm -rf '%s/m%ld' && cp -r '%s' '%s/m%ld'", keep, keep, index, dir, keep,
           index);
  if (system(cmd) != 0)
    fprintf(stderr, "difftest: cannot keep %s in %s\n", dir, keep);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_run(const Args *a, Harness *h) {
  char keep[1100], dir[1200], err[4096], msg[8192];
  snprintf(keep, sizeof keep, "%s", a->keep ? a->keep : "");
  if (!a->keep)
    snprintf(keep, sizeof keep, "%s/failed", a->work);
  mkdirs(a->work);
  long passed = 0, failed = 0, counts[HF__COUNT] = {0};
  int resampled = 0;
  double t0 = now_s();
  long i = a->first;
  for (; a->count <= 0 || i < a->first + a->count; i++) {
    if (a->time_limit > 0 && now_s() - t0 > a->time_limit)
      break;
    Model m;
    snprintf(dir, sizeof dir, "%s/m%ld", a->work, i);
    mkdirs(dir);
    Failure f;
    if (make_model(a, i, &m, &resampled, err, sizeof err) != 0) {
      f = HF_REFERENCE;
      snprintf(msg, sizeof msg, "the generated model: %s", err);
      size_t len;
      char *text = model_xir(&m, NULL, 0, &len), path[1300];
      snprintf(path, sizeof path, "%s/model.xir", dir);
      FILE *mf = fopen(path, "w");
      if (mf && text)
        fwrite(text, 1, len, mf);
      if (mf)
        fclose(mf);
      free(text);
    } else {
      f = harness_check_model(h, &m, dir, msg, sizeof msg);
    }
    counts[f]++;
    if (f == HF_OK) {
      passed++;
      if (!h->keep_passing)
        rmdir(dir);
      if (a->verbose)
        fprintf(stderr, "difftest: model %ld ok: %s\n", i, m.desc);
    } else {
      failed++;
      write_readme(dir, a, i, &m, f, msg);
      keep_failure(dir, keep, i);
      fprintf(stderr, "difftest: FAIL model %ld (seed %llu; %s): %s: %s\n  kept in %s/m%ld\n", i,
              (unsigned long long)a->seed, m.desc, failure_name(f), msg, keep, i);
    }
    model_free(&m);
  }
  printf("difftest: seed %llu, models %ld..%ld: %ld passed, %ld failed", (unsigned long long)a->seed, a->first,
         i - 1, passed, failed);
  for (int k = 1; k < HF__COUNT; k++)
    if (counts[k])
      printf(" (%s %ld)", failure_name((Failure)k), counts[k]);
  printf("; %d resampled for the margin; %.1f s\n", resampled, now_s() - t0);
  if (h->stats && h->stats->n) {
    printf("difftest: layers after the passes (xnorcc --report):");
    for (int k = 0; k < h->stats->n; k++)
      printf("%s %ld %s", k ? "," : "", h->stats->count[k], h->stats->key[k]);
    printf("\n");
  }
  return failed ? 1 : 0;
}

/* Writes m to dir as a case: model.xir, input_K.npy, expect_K.npy (the
 * interpreter on the graph as read). */
static int write_case(const Model *m, const char *dir) {
  char path[1200], err[4096];
  mkdirs(dir);
  snprintf(path, sizeof path, "%s/model.xir", dir);
  size_t len;
  char *text = model_xir(m, NULL, 0, &len);
  FILE *f = fopen(path, "w");
  if (!f || !text) {
    fprintf(stderr, "difftest: cannot write %s\n", path);
    return -1;
  }
  fwrite(text, 1, len, f);
  fclose(f);
  free(text);
  for (int i = 0; i < m->nin; i++) {
    snprintf(path, sizeof path, "%s/input_%d.npy", dir, i);
    const MTensor *t = &m->t[m->in[i]];
    npy_write(path, t->rank, t->d, m->indata[i], model_numel(m, m->in[i]));
  }
  float *vals[M_MAXOUTPUTS];
  if (model_eval(m, m->out, m->nout, vals, err, sizeof err)) {
    fprintf(stderr, "difftest: %s\n", err);
    return -1;
  }
  for (int i = 0; i < m->nout; i++) {
    snprintf(path, sizeof path, "%s/expect_%d.npy", dir, i);
    const MTensor *t = &m->t[m->out[i]];
    npy_write(path, t->rank, t->d, vals[i], model_numel(m, m->out[i]));
    free(vals[i]);
  }
  printf("difftest: wrote %s (%s)\n", dir, m->desc);
  fflush(stdout);
  return 0;
}

static int cmd_gen(const Args *a, Harness *h, int reduce) {
  char err[4096], msg[4096];
  Model m;
  int resampled = 0;
  if (make_model(a, a->index, &m, &resampled, err, sizeof err)) {
    char path[1200];
    size_t len;
    char *text = model_xir(&m, NULL, 0, &len);
    mkdirs(a->out);
    snprintf(path, sizeof path, "%s/model.xir", a->out);
    FILE *f = fopen(path, "w");
    if (f && text)
      fwrite(text, 1, len, f);
    if (f)
      fclose(f);
    free(text);
    fprintf(stderr, "difftest: model %ld (written to %s): %s\n", a->index, path, err);
    model_free(&m);
    return 1;
  }
  if (reduce) {
    mkdirs(a->work);
    Failure f = harness_check_model(h, &m, a->work, msg, sizeof msg);
    if (f == HF_OK) {
      fprintf(stderr, "difftest: model %ld passes; nothing to reduce\n", a->index);
      model_free(&m);
      return 1;
    }
    fprintf(stderr, "difftest: model %ld fails (%s): %s\n", a->index, failure_name(f), msg);
    int steps = reduce_model(h, &m, f, a->work);
    f = harness_check_model(h, &m, a->work, msg, sizeof msg);
    fprintf(stderr, "difftest: after %d reduction steps (%s): %s\n", steps, failure_name(f), msg);
  }
  int rc = write_case(&m, a->out) ? 1 : 0;
  model_free(&m);
  return rc;
}

static int cmd_check(const Args *a, Harness *h) {
  int failed = 0;
  for (int i = 0; i < a->ncases; i++) {
    char work[1200], msg[4096];
    const char *base = strrchr(a->cases[i], '/');
    snprintf(work, sizeof work, "%s/%s", a->work, base ? base + 1 : a->cases[i]);
    mkdirs(work);
    Failure f = harness_check_case(h, a->cases[i], work, msg, sizeof msg);
    if (f != HF_OK) {
      fprintf(stderr, "difftest: FAIL %s: %s: %s\n", a->cases[i], failure_name(f), msg);
      failed++;
    }
  }
  printf("difftest: %d of %d stored cases passed\n", a->ncases - failed, a->ncases);
  return failed ? 1 : 0;
}

static int parse(Args *a, int argc, char **argv) {
  memset(a, 0, sizeof *a);
  a->seed = 1;
  a->count = 100;
  a->index = -1;
  a->cc = getenv("DIFFTEST_CC") ? getenv("DIFFTEST_CC") : "cc";
  if (argc < 2)
    return -1;
  a->cmd = argv[1];
  a->cases = argv + 2;
  for (int i = 2; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (!strcmp(o, "--big-pads")) {
      a->big_pads = 1;
      continue;
    }
    if (!strcmp(o, "-v")) {
      a->verbose = 1;
      continue;
    }
    if (!strcmp(o, "--no-cc")) {
      a->no_cc = 1;
      continue;
    }
    if (o[0] != '-') {
      a->cases[a->ncases++] = argv[i];
      continue;
    }
    if (!v)
      return -1;
    i++;
    errno = 0;
    if (!strcmp(o, "--xnorcc"))
      a->xnorcc = v;
    else if (!strcmp(o, "--work"))
      a->work = v;
    else if (!strcmp(o, "--keep"))
      a->keep = v;
    else if (!strcmp(o, "--cc"))
      a->cc = v;
    else if (!strcmp(o, "-o"))
      a->out = v;
    else if (!strcmp(o, "--seed"))
      a->seed = strtoull(v, &end, 0);
    else if (!strcmp(o, "--first"))
      a->first = strtol(v, &end, 0);
    else if (!strcmp(o, "--count"))
      a->count = strtol(v, &end, 0);
    else if (!strcmp(o, "--index"))
      a->index = strtol(v, &end, 0);
    else if (!strcmp(o, "--time"))
      a->time_limit = strtod(v, &end);
    else
      return -1;
    if (end && (*end || errno))
      return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  Args a;
  if (parse(&a, argc, argv)) {
    fputs(usage, stderr);
    return 2;
  }
  Harness h;
  memset(&h, 0, sizeof h);
  h.xnorcc = a.xnorcc;
  h.cc = a.cc;
  h.timeout = 120;
  h.keep_passing = getenv("DIFFTEST_KEEP") != NULL;
  h.no_cc = a.no_cc;
  LayerStats stats;
  memset(&stats, 0, sizeof stats);
  if (!strcmp(a.cmd, "run"))
    h.stats = &stats;
  int needs_xnorcc = strcmp(a.cmd, "gen") != 0;
  if (needs_xnorcc && (!a.xnorcc || !a.work)) {
    fputs(usage, stderr);
    return 2;
  }
  if (needs_xnorcc && harness_init(&h)) {
    fprintf(stderr, "difftest: '%s config --cflags --libs' failed\n", a.xnorcc);
    return 2;
  }
  if (needs_xnorcc) {
    mkdirs(a.work);
    harness_pch(&h, a.work);
  }
  int rc = 2;
  if (!strcmp(a.cmd, "run"))
    rc = cmd_run(&a, &h);
  else if (!strcmp(a.cmd, "gen") || !strcmp(a.cmd, "reduce"))
    rc = a.index < 0 || !a.out ? (fputs(usage, stderr), 2) : cmd_gen(&a, &h, !strcmp(a.cmd, "reduce"));
  else if (!strcmp(a.cmd, "check"))
    rc = cmd_check(&a, &h);
  else
    fputs(usage, stderr);
  harness_free(&h);
  return rc;
}
