/* harness.c - the differential check of one model: the reference
 * interpreter on the graph as read (`xnorcc run --no-opt`) against the C
 * that the fully optimized pipeline generates (`xnorcc MODEL --main`), built
 * with the system C compiler at -O2 -march=native (docs/difftest.md); and
 * the interpreter on the optimized graph (`xnorcc run`) against the same
 * reference. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXIO 8

const char *failure_name(Failure f) {
  static const char *const names[HF__COUNT] = {"ok", "reference", "compile", "cc", "program", "mismatch"};
  return f < HF__COUNT ? names[f] : "?";
}

/* Runs argv with stdout and stderr appended to log; returns the exit status,
 * 128 + N when killed by signal N (a timeout is SIGALRM), -1 when it cannot
 * start. */
static int run(const Harness *h, char *const *argv, const char *log) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    alarm((unsigned)(h->timeout > 0 ? h->timeout : 120));
    execvp(argv[0], argv);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  if (WIFSIGNALED(st))
    return 128 + WTERMSIG(st);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The last line(s) of log, at most n bytes, newlines as " | ". */
static void log_tail(const char *log, char *out, size_t n) {
  out[0] = 0;
  FILE *f = fopen(log, "rb");
  if (!f)
    return;
  char buf[600];
  fseek(f, 0, SEEK_END);
  long size = ftell(f), from = size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0;
  fseek(f, from, SEEK_SET);
  size_t r = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[r] = 0;
  while (r && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
    buf[--r] = 0;
  size_t k = 0;
  for (size_t i = 0; i < r && k + 4 < n; i++) {
    if (buf[i] == '\n') {
      memcpy(out + k, " | ", 3);
      k += 3;
    } else {
      out[k++] = buf[i];
    }
  }
  out[k] = 0;
}

/* Splits the output of `xnorcc config --cflags --libs` into h->rtflags. */
int harness_init(Harness *h) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "'%s' config --cflags --libs", h->xnorcc);
  FILE *p = popen(cmd, "r");
  if (!p)
    return -1;
  char line[4096] = "";
  char *ok = fgets(line, sizeof line, p);
  int st = pclose(p);
  if (!ok || st != 0)
    return -1;
  h->nrtflags = 0;
  for (char *tok = strtok(line, " \n"); tok && h->nrtflags < 8; tok = strtok(NULL, " \n"))
    h->rtflags[h->nrtflags++] = strdup(tok);
  return 0;
}

/* The C compiler's flags for the generated programs (and the precompiled header). */
static const char *const cc_flags[] = {"-std=c99", "-O2", "-march=native", "-Wall", "-Wextra", "-Werror", "-pedantic"};
enum { NCCFLAGS = sizeof cc_flags / sizeof *cc_flags };

void harness_pch(Harness *h, const char *dir) {
  h->pch[0] = 0;
  const char *inc = NULL;
  for (int i = 0; i < h->nrtflags; i++)
    if (!strncmp(h->rtflags[i], "-I", 2))
      inc = h->rtflags[i] + 2;
  if (!inc || h->no_cc)
    return;
  char pch[1000], hdr[1200], link[1100], gch[1300], log[1200];
  snprintf(pch, sizeof pch, "%s/pch", dir);
  mkdir(pch, 0755);
  snprintf(hdr, sizeof hdr, "%s/xnorcc_rt.h", inc);
  snprintf(link, sizeof link, "%s/xnorcc_rt.h", pch);
  snprintf(gch, sizeof gch, "%s.gch", link);
  snprintf(log, sizeof log, "%s/log", pch);
  remove(link);
  remove(gch);
  remove(log);
  if (symlink(hdr, link) != 0)
    return;
  char *argv[32];
  int a = 0;
  argv[a++] = (char *)h->cc;
  for (int i = 0; i < NCCFLAGS; i++)
    argv[a++] = (char *)cc_flags[i];
  for (int i = 0; i < h->nrtflags; i++)
    if (!strncmp(h->rtflags[i], "-I", 2))
      argv[a++] = h->rtflags[i];
  argv[a++] = "-x";
  argv[a++] = "c-header";
  argv[a++] = hdr;
  argv[a++] = "-o";
  argv[a++] = gch;
  argv[a] = NULL;
  if (run(h, argv, log) == 0)
    snprintf(h->pch, sizeof h->pch, "%s", link);
}

void harness_free(Harness *h) {
  for (int i = 0; i < h->nrtflags; i++)
    free(h->rtflags[i]);
  h->nrtflags = 0;
}

static int write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t w = fwrite(data, 1, n, f);
  return fclose(f) == 0 && w == n ? 0 : -1;
}

/* Reads a whole file (malloc'd, NUL-terminated); *n its size. */
static char *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 65536, len = 0;
  char *s = malloc(cap);
  for (size_t r; s && (r = fread(s + len, 1, cap - len - 1, f)) > 0;) {
    len += r;
    if (cap - len < 2) {
      char *q = realloc(s, cap *= 2);
      if (!q) {
        free(s);
        s = NULL;
      }
      s = q;
    }
  }
  fclose(f);
  if (s)
    s[len] = 0;
  *n = len;
  return s;
}

/* Raw little-endian float32 (the generated program's format; x86 and every
 * machine this runs on is little-endian). */
static float *read_bin(const char *path, int64_t *n) {
  size_t len;
  char *s = read_file(path, &len);
  if (!s)
    return NULL;
  *n = (int64_t)(len / 4);
  float *x = malloc(len + 4);
  if (x)
    memcpy(x, s, len);
  free(s);
  return x;
}

/* A float32 .npy ('<f4', C order): its values, *n their count. */
static float *read_npy(const char *path, int64_t *n) {
  size_t len;
  unsigned char *s = (unsigned char *)read_file(path, &len);
  if (!s)
    return NULL;
  float *x = NULL;
  if (len >= 10 && !memcmp(s, "\x93NUMPY", 6) && s[6] == 1) {
    size_t hl = s[8] | (size_t)s[9] << 8;
    if (10 + hl <= len && strstr((char *)s + 10, "'<f4'") && (len - 10 - hl) % 4 == 0) {
      *n = (int64_t)((len - 10 - hl) / 4);
      x = malloc(len - 10 - hl + 4);
      if (x)
        memcpy(x, s + 10 + hl, len - 10 - hl);
    }
  }
  free(s);
  return x;
}

int npy_write(const char *path, int rank, const int64_t *d, const float *x, int64_t n) {
  char hdr[256], shape[128] = "";
  for (int i = 0; i < rank; i++)
    snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%lld%s", (long long)d[i],
             rank == 1 ? "," : i + 1 < rank ? ", " : "");
  int hl = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shape);
  int total = 10 + hl + 1, pad = (64 - total % 64) % 64;
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  unsigned short hlen = (unsigned short)(hl + pad + 1);
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fputc(hlen & 0xff, f);
  fputc(hlen >> 8, f);
  fwrite(hdr, 1, (size_t)hl, f);
  for (int i = 0; i < pad; i++)
    fputc(' ', f);
  fputc('\n', f);
  fwrite(x, sizeof *x, (size_t)n, f);
  return fclose(f);
}

/* Compares got with want (n values each); exact: bit for bit. Appends a
 * description of the first difference to msg. Returns 0 when they agree. */
static int compare(const char *what, int k, const float *got, int64_t ng, const float *want, int64_t nw, int exact,
                   char *msg, size_t cap) {
  if (ng != nw) {
    snprintf(msg, cap, "output %d: %s has %lld values, the reference %lld", k, what, (long long)ng, (long long)nw);
    return -1;
  }
  double ss = 0;
  for (int64_t i = 0; i < nw; i++)
    ss += (double)want[i] * want[i];
  double scale = fmax(1.0, sqrt(ss / (double)(nw ? nw : 1)));
  int64_t bad = 0, first = -1;
  double worst = 0;
  for (int64_t i = 0; i < nw; i++) {
    double a = got[i], b = want[i], err = fabs(a - b);
    int ok = exact ? !memcmp(&got[i], &want[i], sizeof(float))
                   : a == b || (isnan(a) && isnan(b)) || err <= TOL * (fabs(b) + scale);
    if (!ok) {
      if (first < 0)
        first = i;
      bad++;
      if (err > worst || isnan(err))
        worst = err;
    }
  }
  if (!bad)
    return 0;
  snprintf(msg, cap, "output %d: %s differs %s in %lld of %lld values (first at %lld: got %.9g, want %.9g; worst |err| %.3g)",
           k, what, exact ? "(bit-exact output)" : "beyond the tolerance", (long long)bad, (long long)nw,
           (long long)first, (double)got[first], (double)want[first], worst);
  return -1;
}

/* Counts the layers of `xnorcc model --report` (lines "'NAME' OP KIND[: ...]"). */
static void count_layers(const Harness *h, const char *model, const char *dir) {
  char path[1200];
  snprintf(path, sizeof path, "%s/report", dir);
  remove(path);
  char *argv[] = {(char *)h->xnorcc, (char *)model, "--report", NULL};
  if (run(h, argv, path) != 0)
    return;
  FILE *f = fopen(path, "r");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    char *q = line[0] == '\'' ? strchr(line + 1, '\'') : NULL, op[32], kind[32];
    if (!q || sscanf(q + 1, " %31s %31[a-z]", op, kind) != 2)
      continue;
    char key[72];
    snprintf(key, sizeof key, "%s %s", op, kind);
    LayerStats *st = h->stats;
    int k = 0;
    while (k < st->n && strcmp(st->key[k], key))
      k++;
    if (k == st->n && st->n < 32)
      snprintf(st->key[st->n++], sizeof st->key[0], "%s", key);
    if (k < st->n)
      st->count[k]++;
  }
  if (f)
    fclose(f);
  remove(path);
}

/* The output indices that the model header lists as exact. */
static void exact_outputs(const char *xir, int *exact, int nout) {
  for (int i = 0; i < nout; i++)
    exact[i] = 0;
  const char *p = strstr(xir, "# exact outputs (+-1, compared bit for bit):");
  if (!p)
    return;
  p = strchr(p, ':') + 1;
  while (*p == ' ') {
    char *end;
    long k = strtol(p, &end, 10);
    if (end == p)
      break;
    if (k >= 0 && k < nout)
      exact[k] = 1;
    p = end;
  }
}

/* Whether the generated file includes the runtime header. */
static int uses_runtime(const char *netc) {
  size_t len;
  char *s = read_file(netc, &len);
  int yes = s && strstr(s, "#include \"xnorcc_rt.h\"") != NULL;
  free(s);
  return yes;
}

/* The core of both checks. model: the .xir; inputs: nin files the
 * interpreter reads; bins: the same as raw .bin for the program; expect:
 * NULL or nout stored expected outputs (with counts). */
static Failure check_files(const Harness *h, const char *dir, const char *model, int nin, char inputs[][1100],
                           char bins[][1100], int nout, const int *exact, float **expect, const int64_t *nexpect,
                           char *msg, size_t cap) {
  char log[1100], tail[600], refs[MAXIO][1100], opts[MAXIO][1100], outs[MAXIO][1100], netc[1100], net[1100];
  snprintf(log, sizeof log, "%s/log", dir);
  snprintf(netc, sizeof netc, "%s/net.c", dir);
  snprintf(net, sizeof net, "%s/net", dir);
  for (int i = 0; i < nout; i++) {
    snprintf(refs[i], sizeof refs[i], "%s/ref_%d.bin", dir, i);
    snprintf(opts[i], sizeof opts[i], "%s/opt_%d.bin", dir, i);
    snprintf(outs[i], sizeof outs[i], "%s/out_%d.bin", dir, i);
  }
  remove(log);
  char *argv[64];
  int a = 0;
  /* 1. the reference: the graph as read */
  argv[a++] = (char *)h->xnorcc;
  argv[a++] = "run";
  argv[a++] = "--no-opt";
  argv[a++] = (char *)model;
  for (int i = 0; i < nin; i++) {
    argv[a++] = "--input";
    argv[a++] = inputs[i];
  }
  for (int i = 0; i < nout; i++) {
    argv[a++] = "--output";
    argv[a++] = refs[i];
  }
  argv[a] = NULL;
  int st = run(h, argv, log);
  if (st != 0) {
    log_tail(log, tail, sizeof tail);
    snprintf(msg, cap, "xnorcc run --no-opt exits with %d: %s", st, tail);
    return HF_REFERENCE;
  }
  float *ref[MAXIO] = {0}, *got[MAXIO] = {0};
  int64_t nref[MAXIO], ngot[MAXIO];
  Failure f = HF_OK;
  for (int i = 0; i < nout && f == HF_OK; i++) {
    if (!(ref[i] = read_bin(refs[i], &nref[i]))) {
      snprintf(msg, cap, "cannot read %s", refs[i]);
      f = HF_REFERENCE;
    } else if (expect && compare("the reference (xnorcc run --no-opt)", i, ref[i], nref[i], expect[i], nexpect[i],
                                 exact[i], msg, cap)) {
      f = HF_MISMATCH;
    }
  }
  /* 2. the optimized pipeline to C */
  if (f == HF_OK) {
    char *cargv[] = {(char *)h->xnorcc, (char *)model, "--name", "net", "--main", "-o", netc, NULL};
    if ((st = run(h, cargv, log)) != 0) {
      log_tail(log, tail, sizeof tail);
      snprintf(msg, cap, "xnorcc (compile to C) exits with %d: %s", st, tail);
      f = HF_COMPILE;
    }
  }
  /* 3. the interpreter on the optimized graph (the passes' output), against the reference */
  if (f == HF_OK) {
    a = 0;
    argv[a++] = (char *)h->xnorcc;
    argv[a++] = "run";
    argv[a++] = (char *)model;
    for (int i = 0; i < nin; i++) {
      argv[a++] = "--input";
      argv[a++] = inputs[i];
    }
    for (int i = 0; i < nout; i++) {
      argv[a++] = "--output";
      argv[a++] = opts[i];
    }
    argv[a] = NULL;
    if ((st = run(h, argv, log)) != 0) {
      log_tail(log, tail, sizeof tail);
      snprintf(msg, cap, "xnorcc run (optimized graph) exits with %d: %s", st, tail);
      f = HF_COMPILE;
    }
    for (int i = 0; i < nout && f == HF_OK; i++) {
      if (!(got[i] = read_bin(opts[i], &ngot[i]))) {
        snprintf(msg, cap, "cannot read %s", opts[i]);
        f = HF_COMPILE;
      } else if (compare("the interpreter on the optimized graph (xnorcc run)", i, got[i], ngot[i], ref[i], nref[i],
                         exact[i], msg, cap)) {
        f = HF_MISMATCH;
      }
      free(got[i]);
      got[i] = NULL;
    }
  }
  /* 4. the C compiler; the runtime header precompiled when harness_pch made it
   * (-include it first: net.c's own #include of it is then skipped by its guard) */
  if (f == HF_OK && !h->no_cc) {
    a = 0;
    argv[a++] = (char *)h->cc;
    for (int i = 0; i < NCCFLAGS; i++)
      argv[a++] = (char *)cc_flags[i];
    if (h->pch[0] && uses_runtime(netc)) {
      argv[a++] = "-include";
      argv[a++] = (char *)h->pch;
    }
    argv[a++] = netc;
    argv[a++] = "-o";
    argv[a++] = net;
    for (int i = 0; i < h->nrtflags; i++)
      argv[a++] = h->rtflags[i];
    argv[a] = NULL;
    if ((st = run(h, argv, log)) != 0) {
      log_tail(log, tail, sizeof tail);
      snprintf(msg, cap, "%s rejects the generated C (exit %d): %s", h->cc, st, tail);
      f = HF_CC;
    }
  }
  /* 5. the program */
  if (f == HF_OK && !h->no_cc) {
    a = 0;
    argv[a++] = net;
    for (int i = 0; i < nin; i++)
      argv[a++] = bins[i];
    for (int i = 0; i < nout; i++) {
      argv[a++] = outs[i];
    }
    argv[a] = NULL;
    if ((st = run(h, argv, log)) != 0) {
      log_tail(log, tail, sizeof tail);
      snprintf(msg, cap, "the generated program exits with %d%s: %s", st, st > 128 ? " (signal)" : "", tail);
      f = HF_PROGRAM;
    }
  }
  /* 6. compare */
  for (int i = 0; i < nout && f == HF_OK && !h->no_cc; i++) {
    if (!(got[i] = read_bin(outs[i], &ngot[i]))) {
      snprintf(msg, cap, "cannot read %s", outs[i]);
      f = HF_PROGRAM;
    } else if (compare("the generated program", i, got[i], ngot[i], ref[i], nref[i], exact[i], msg, cap)) {
      f = HF_MISMATCH;
    } else if (expect &&
               compare("the generated program", i, got[i], ngot[i], expect[i], nexpect[i], exact[i], msg, cap)) {
      f = HF_MISMATCH;
    }
  }
  for (int i = 0; i < nout; i++) {
    free(ref[i]);
    free(got[i]);
  }
  if (f == HF_OK && h->stats)
    count_layers(h, model, dir);
  if (f == HF_OK && !h->keep_passing) {
    remove(netc);
    snprintf(netc + strlen(netc) - 1, 2, "h");
    remove(netc);
    remove(net);
    remove(log);
    for (int i = 0; i < nout; i++) {
      remove(refs[i]);
      remove(opts[i]);
      remove(outs[i]);
    }
  }
  return f;
}

Failure harness_check_model(const Harness *h, const Model *m, const char *dir, char *msg, size_t cap) {
  char model[1100], inputs[MAXIO][1100];
  snprintf(model, sizeof model, "%s/model.xir", dir);
  size_t len;
  char *text = model_xir(m, NULL, 0, &len);
  if (!text || write_file(model, text, len)) {
    free(text);
    snprintf(msg, cap, "cannot write %s", model);
    return HF_REFERENCE;
  }
  free(text);
  for (int i = 0; i < m->nin; i++) {
    snprintf(inputs[i], sizeof inputs[i], "%s/input_%d.bin", dir, i);
    if (write_file(inputs[i], m->indata[i], (size_t)model_numel(m, m->in[i]) * sizeof(float))) {
      snprintf(msg, cap, "cannot write %s", inputs[i]);
      return HF_REFERENCE;
    }
  }
  int exact[MAXIO];
  for (int i = 0; i < m->nout; i++)
    exact[i] = m->t[m->out[i]].pm1;
  Failure f = check_files(h, dir, model, m->nin, inputs, inputs, m->nout, exact, NULL, NULL, msg, cap);
  if (f == HF_OK && !h->keep_passing) {
    remove(model);
    for (int i = 0; i < m->nin; i++)
      remove(inputs[i]);
  }
  return f;
}

Failure harness_check_case(const Harness *h, const char *dir, const char *work, char *msg, size_t cap) {
  char model[1100], inputs[MAXIO][1100], bins[MAXIO][1100], path[1100];
  snprintf(model, sizeof model, "%s/model.xir", dir);
  size_t len;
  char *text = read_file(model, &len);
  if (!text) {
    snprintf(msg, cap, "cannot read %s", model);
    return HF_REFERENCE;
  }
  mkdir(work, 0755);
  int nin = 0, nout = 0;
  float *expect[MAXIO];
  int64_t nexpect[MAXIO];
  Failure f = HF_OK;
  for (; nin < MAXIO && f == HF_OK; nin++) {
    snprintf(inputs[nin], sizeof inputs[nin], "%s/input_%d.npy", dir, nin);
    int64_t n;
    float *x = read_npy(inputs[nin], &n);
    if (!x)
      break;
    snprintf(bins[nin], sizeof bins[nin], "%s/input_%d.bin", work, nin);
    if (write_file(bins[nin], x, (size_t)n * sizeof(float))) {
      snprintf(msg, cap, "cannot write %s", bins[nin]);
      f = HF_REFERENCE;
    }
    free(x);
  }
  for (; nout < MAXIO; nout++) {
    snprintf(path, sizeof path, "%s/expect_%d.npy", dir, nout);
    if (!(expect[nout] = read_npy(path, &nexpect[nout])))
      break;
  }
  if (f == HF_OK && (nin == 0 || nout == 0)) {
    snprintf(msg, cap, "%s: no input_0.npy or expect_0.npy", dir);
    f = HF_REFERENCE;
  }
  int exact[MAXIO];
  exact_outputs(text, exact, nout);
  free(text);
  if (f == HF_OK)
    f = check_files(h, work, model, nin, inputs, bins, nout, exact, expect, nexpect, msg, cap);
  for (int i = 0; i < nout; i++)
    free(expect[i]);
  return f;
}
