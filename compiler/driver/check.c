/* check.c - `xnorcc check MODEL`: a golden-output regression test for users.
 *
 *   compile MODEL to C (with --main), build it with the system C compiler
 *   ($CC, default cc; $CFLAGS, default -O2), run the program on the inputs
 *   (--input files, or random ones), run the reference interpreter on the
 *   same inputs, and compare, per output: the program against the --expect
 *   files (and the interpreter against them too), or, without --expect,
 *   the program against the interpreter.
 *
 * Per comparison it prints the worst |a - b| with its position and both
 * values, how many elements are beyond the tolerance (|a - b| <= tol + tol
 * |b|, b the reference; NaN matches only NaN) and how many changed sign (one
 * < 0, the other > 0: for a +-1 output every wrong element, for scores the
 * ones that crossed zero). Exit status 0 when everything is within the
 * tolerance, 1 when not or when a step failed, 2 for a usage error.
 * Integer and bool inputs and outputs are read and written in their own
 * types (tensor_read_typed) and compared as floats.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"
#include "npy.h"
#include "pipeline.h"

#define MAX_FILES 64


static const char check_usage[] =
    "usage: xnorcc check MODEL [--input FILE]... [--expect FILE]... [options]\n"
    "\n"
    "Compiles MODEL to C, builds it with the system C compiler ($CC, default cc;\n"
    "$CFLAGS, default -O2), runs it and the reference interpreter on the inputs\n"
    "and compares the outputs: with the --expect files when given (the program's\n"
    "and the interpreter's), else the program's with the interpreter's. Prints the\n"
    "worst error and the sign flips per output; exit status 1 when an output is\n"
    "beyond the tolerance.\n"
    "\n"
    "options:\n"
    "  --input FILE       an input tensor (.npy, .pb or raw .bin of the input's type:\n"
    "                     float32, integer or bool), in graph order; none: random\n"
    "                     inputs, uniform in [-1, 1) (integers in [-8, 8) or [0, 16),\n"
    "                     bools 0/1)\n"
    "  --expect FILE      an expected output, in graph order (all or none)\n"
    "  --tol T            tolerance: |a - b| <= T + T |b|, b expected (default 1e-05)\n"
    "  --seed N           seed of the random inputs (default 1)\n"
    "  --no-opt           run the interpreter on the graph as read (shape inference\n"
    "                     and constant folding only), not on the optimized graph\n"
    "  --keep DIR         build in DIR and keep net.c, net.h, the program, inK.bin\n"
    "                     and outK.bin there (default: a temporary folder, removed)\n"
    "  --dim NAME=VALUE   value of a symbolic dimension (repeatable)\n"
    "  --allow-shape-mismatch\n"
    "                     as for compiling\n"
    "  -h, --help         show this help\n";

typedef struct CheckOptions {
  const char *model;
  const char *inputs[MAX_FILES]; /* --input */
  int ninputs;
  const char *expects[MAX_FILES]; /* --expect */
  int nexpects;
  double tol;           /* --tol */
  unsigned long seed;   /* --seed */
  int no_opt;           /* --no-opt */
  const char *keep;     /* --keep */
  DimBinding dims[64];  /* --dim */
  int ndims;
  int shape_warn;       /* --allow-shape-mismatch */
} CheckOptions;

static int usage_error(const char *fmt, const char *arg) {
  fputs("xnorcc: error: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\n(run 'xnorcc check --help' for usage)\n", stderr);
  return 2;
}

/* Returns 0, 1 (help printed) or 2 (usage error, reported). */
static int parse_check(CheckOptions *o, int argc, char **argv) {
  o->tol = 1e-5;
  o->seed = 1;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v;
    char *end;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(check_usage, stdout);
      return 1;
    } else if (arg_is(a, "--input")) {
      if (!(v = arg_value(argc, argv, &i, "--input")) || o->ninputs == MAX_FILES)
        return usage_error("option '%s' needs a value", a);
      o->inputs[o->ninputs++] = v;
    } else if (arg_is(a, "--expect")) {
      if (!(v = arg_value(argc, argv, &i, "--expect")) || o->nexpects == MAX_FILES)
        return usage_error("option '%s' needs a value", a);
      o->expects[o->nexpects++] = v;
    } else if (arg_is(a, "--tol")) {
      v = arg_value(argc, argv, &i, "--tol");
      errno = 0;
      o->tol = v ? strtod(v, &end) : -1;
      if (!v || !*v || *end || errno || !(o->tol >= 0) || isinf(o->tol))
        return usage_error("option --tol needs a number >= 0, got '%s'", v ? v : "");
    } else if (arg_is(a, "--seed")) {
      v = arg_value(argc, argv, &i, "--seed");
      errno = 0;
      o->seed = v ? strtoul(v, &end, 10) : 0;
      if (!v || !*v || *end || errno || *v == '-')
        return usage_error("option --seed needs a non-negative integer, got '%s'", v ? v : "");
    } else if (!strcmp(a, "--no-opt")) {
      o->no_opt = 1;
    } else if (!strcmp(a, "--allow-shape-mismatch")) {
      o->shape_warn = 1;
    } else if (arg_is(a, "--keep")) {
      if (!(o->keep = arg_value(argc, argv, &i, "--keep")) || !*o->keep)
        return usage_error("option '%s' needs a folder", a);
    } else if (arg_is(a, "--dim")) {
      v = arg_value(argc, argv, &i, "--dim");
      if (!v || o->ndims == 64 || arg_dim(v, &o->dims[o->ndims]))
        return usage_error("option --dim needs NAME=VALUE with VALUE a positive integer, got '%s'", v ? v : "");
      o->ndims++;
    } else if (a[0] == '-' && a[1]) {
      return usage_error("unknown option '%s'", a);
    } else if (o->model) {
      return usage_error("more than one model given ('%s')", a);
    } else {
      o->model = a;
    }
  }
  if (!o->model)
    return usage_error("%sno model file given", "");
  return 0;
}

/* Appends s to b in single quotes for /bin/sh. */
static void put_quoted(StrBuf *b, const char *s) {
  sb_putc(b, '\'');
  for (; *s; s++)
    if (*s == '\'')
      sb_puts(b, "'\\''");
    else
      sb_putc(b, *s);
  sb_putc(b, '\'');
}

static const char *path_in(Arena *a, const char *dir, const char *file) { return arena_printf(a, "%s/%s", dir, file); }

static int write_file(const char *path, const StrBuf *b, Diag *d) {
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(b->s, 1, b->len, f) == b->len;
  if (f && fclose(f) != 0)
    ok = 0;
  if (!ok)
    diag_error(d, "cannot write '%s': %s", path, strerror(errno));
  return ok ? 0 : -1;
}

/* Runs a shell command; 0 when it exited with status 0. */
static int run_command(const char *cmd) {
  fflush(stdout);
  return system(cmd) == 0 ? 0 : -1;
}

/* Appends tensor name s for a terminal: control bytes as \xNN. */
static void put_name(StrBuf *b, const char *s) {
  for (; s && *s; s++)
    if ((unsigned char)*s < 32 || *s == 127)
      sb_printf(b, "\\x%02x", (unsigned char)*s);
    else
      sb_putc(b, *s);
}

/* One comparison of n values a against the reference b. */
typedef struct Compare {
  int64_t worst;  /* index of the largest |a - b| (a NaN mismatch counts as infinite), -1 if n is 0 */
  double err;     /* that |a - b| */
  int64_t beyond; /* elements beyond the tolerance */
  int64_t flips;  /* elements of opposite sign */
} Compare;

static Compare compare(const float *a, const float *b, int64_t n, double tol) {
  Compare c = {-1, 0, 0, 0};
  for (int64_t i = 0; i < n; i++) {
    double x = a[i], y = b[i];
    double e = isnan(x) || isnan(y) ? (isnan(x) && isnan(y) ? 0 : INFINITY) : fabs(x - y);
    if (c.worst < 0 || e > c.err)
      c.worst = i, c.err = e;
    if (!(e <= tol + tol * fabs(y)) && !(isinf(x) && x == y))
      c.beyond++;
    if ((x < 0 && y > 0) || (x > 0 && y < 0))
      c.flips++;
  }
  return c;
}

/* Prints one comparison line; returns 1 when it failed. */
static int report(Graph *g, int k, const char *what, const float *a, const float *b, double tol) {
  Tensor *t = &g->t[g->outputs[k]];
  int64_t n = tensor_numel(t);
  Compare c = compare(a, b, n, tol);
  StrBuf s;
  sb_init(&s, g->arena);
  sb_printf(&s, "  out%d '", k);
  put_name(&s, t->name);
  sb_printf(&s, "' %s, %s: worst |a - b| %.3g", shape_str(g, t), what, c.err);
  if (c.worst >= 0) {
    sb_puts(&s, " at [");
    int64_t rest = c.worst;
    int64_t idx[XN_MAX_RANK];
    for (int d = t->rank - 1; d >= 0; d--) {
      idx[d] = t->dims[d] ? rest % t->dims[d] : 0;
      rest = t->dims[d] ? rest / t->dims[d] : 0;
    }
    for (int d = 0; d < t->rank; d++)
      sb_printf(&s, "%s%lld", d ? "," : "", (long long)idx[d]);
    sb_printf(&s, "] (%.9g vs %.9g)", (double)a[c.worst], (double)b[c.worst]);
  }
  sb_printf(&s, ", %lld of %lld beyond tolerance, %lld sign flip%s: %s\n", (long long)c.beyond, (long long)n,
            (long long)c.flips, c.flips == 1 ? "" : "s", c.beyond ? "FAIL" : "ok");
  fputs(s.s, stdout);
  return c.beyond != 0;
}

/* x (n floats when is_float, else int64_t values) as floats. */
static const float *as_floats(Arena *a, const void *x, int64_t n, int is_float) {
  if (is_float)
    return x;
  float *f = arena_array(a, (size_t)n + 1, sizeof *f);
  for (int64_t i = 0; i < n; i++)
    f[i] = (float)((const int64_t *)x)[i];
  return f;
}

/* Lowers the model into a new graph (the interpreter's with no_opt); NULL after reporting. */
static Graph *lower(const CheckOptions *o, int no_opt, Diag *d) {
  LoadOptions lo = {o->dims, o->ndims};
  PassOptions po;
  memset(&po, 0, sizeof po);
  po.no_opt = no_opt;
  po.shape_warn = o->shape_warn;
  Graph *g = graph_new(o->model);
  if (!g) {
    diag_error(d, "out of memory");
    return NULL;
  }
  if (pipeline_lower_with(g, NULL, 0, &lo, &po, d)) {
    graph_free(g);
    return NULL;
  }
  return g;
}

/* The steps after lowering; files go to dir. Returns 0 (all within the
 * tolerance), 1 (beyond it) or -1 (a step failed, reported to d). */
static int check_steps(const CheckOptions *o, Graph *g, Graph *gi, const char *dir, Diag *d) {
  Arena *a = g->arena;
  int nin = g->ninputs, nout = g->noutputs;
  if (o->ninputs && o->ninputs != nin) {
    diag_error(d, "the model has %d input(s) but %d --input were given", nin, o->ninputs);
    return -1;
  }
  if (o->nexpects && o->nexpects != nout) {
    diag_error(d, "the model has %d output(s) but %d --expect were given", nout, o->nexpects);
    return -1;
  }
  if (gi->ninputs != nin || gi->noutputs != nout)
    xn_unreachable("the graph as read and the optimized graph differ in inputs or outputs");

  /* inputs, in each one's own element type (tensor_io_elem): floats, or
   * int64_t for the integer and bool types (Tensor.data's storage) */
  const void **in = arena_array(a, (size_t)nin + 1, sizeof *in);
  uint64_t x = 0x9e3779b97f4a7c15u ^ (uint64_t)o->seed;
  for (int k = 0; k < nin; k++) {
    Tensor *t = &g->t[g->inputs[k]];
    int64_t n = tensor_numel(t);
    int elem = tensor_io_elem(t);
    if (o->ninputs) {
      if (!(in[k] = tensor_read_typed(a, o->inputs[k], t->rank, t->dims, n, elem, d)))
        return -1;
    } else if (elem == 1) {
      float *v = arena_array(a, (size_t)n + 1, sizeof *v);
      for (int64_t i = 0; i < n; i++) { /* xorshift64*, 24 bits: [-1, 1) in steps of 2^-23 */
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        v[i] = (float)((int32_t)((x * 0x2545f4914f6cdd1du) >> 40) - (1 << 23)) / (float)(1 << 23);
      }
      in[k] = v;
    } else { /* bool: 0 or 1; unsigned: [0, 16); signed: [-8, 8) */
      int64_t *v = arena_array(a, (size_t)n + 1, sizeof *v);
      for (int64_t i = 0; i < n; i++) {
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        int64_t r = (int64_t)((x * 0x2545f4914f6cdd1du) >> 60);
        v[i] = elem == 9 ? r & 1 : elem == 2 || elem == 4 ? r : r - 8;
      }
      in[k] = v;
    }
    if (tensor_numel(&gi->t[gi->inputs[k]]) != n)
      xn_unreachable("input sizes differ between the graph as read and the optimized one");
    if (tensor_write_typed(path_in(a, dir, arena_printf(a, "in%d.bin", k)), NULL, t->rank, t->dims, in[k], n, elem,
                           d))
      return -1;
  }

  /* the interpreter */
  void **ref = arena_array(a, (size_t)nout + 1, sizeof *ref);
  for (int k = 0; k < nout; k++)
    ref[k] = arena_array(a, (size_t)tensor_numel(&gi->t[gi->outputs[k]]) + 1, dtype_size(gi->t[gi->outputs[k]].dtype));
  if (interp_run_with(gi, d, in, ref, NULL, NULL))
    return -1;

  /* the C program */
  EmitOptions eo = {"net", "net.h", 1, WS_AUTO, 0};
  StrBuf c, h;
  if (pipeline_emit(g, &eo, d, &c, &h) || write_file(path_in(a, dir, "net.c"), &c, d) ||
      write_file(path_in(a, dir, "net.h"), &h, d))
    return -1;
  char inc[4200], lib[4200];
  runtime_dirs(inc, sizeof inc, lib, sizeof lib);
  const char *cc = getenv("CC"), *cflags = getenv("CFLAGS");
  cc = cc && *cc ? cc : "cc";
  cflags = cflags ? cflags : "-O2";
  StrBuf cmd;
  sb_init(&cmd, a);
  sb_printf(&cmd, "%s -std=c99 %s ", cc, cflags);
  put_quoted(&cmd, path_in(a, dir, "net.c"));
  sb_puts(&cmd, " -I");
  put_quoted(&cmd, inc);
  sb_puts(&cmd, " -o ");
  put_quoted(&cmd, path_in(a, dir, "net"));
  sb_puts(&cmd, " -lm");
  printf("check: %s: built by: %s -std=c99 %s\n", o->model, cc, cflags);
  if (run_command(cmd.s)) {
    diag_error(d, "the C compiler failed: %s", cmd.s);
    return -1;
  }
  sb_init(&cmd, a);
  put_quoted(&cmd, path_in(a, dir, "net"));
  for (int k = 0; k < nin; k++) {
    sb_putc(&cmd, ' ');
    put_quoted(&cmd, path_in(a, dir, arena_printf(a, "in%d.bin", k)));
  }
  for (int k = 0; k < nout; k++) {
    sb_putc(&cmd, ' ');
    put_quoted(&cmd, path_in(a, dir, arena_printf(a, "out%d.bin", k)));
  }
  if (run_command(cmd.s)) {
    diag_error(d, "the compiled program failed: %s", cmd.s);
    return -1;
  }

  /* compare */
  printf("check: %d input%s %s, tolerance |a - b| <= %g + %g |b|\n", nin, nin == 1 ? "" : "s",
         o->ninputs ? "from the files" : arena_printf(a, "random in [-1, 1) (seed %lu)", o->seed), o->tol, o->tol);
  int failed = 0;
  for (int k = 0; k < nout; k++) {
    Tensor *t = &g->t[g->outputs[k]];
    int64_t n = tensor_numel(t);
    int elem = tensor_io_elem(t);
    const void *prog = tensor_read_typed(a, path_in(a, dir, arena_printf(a, "out%d.bin", k)), t->rank, t->dims, n,
                                         elem, d);
    if (!prog)
      return -1;
    const float *pf = as_floats(a, prog, n, elem == 1),
                *rf = as_floats(a, ref[k], n, dtype_is_float(gi->t[gi->outputs[k]].dtype));
    if (o->nexpects) {
      const void *want = tensor_read_typed(a, o->expects[k], t->rank, t->dims, n, elem, d);
      if (!want)
        return -1;
      const float *wf = as_floats(a, want, n, elem == 1);
      failed |= report(g, k, "C vs expected", pf, wf, o->tol);
      failed |= report(g, k, "interpreter vs expected", rf, wf, o->tol);
    } else {
      failed |= report(g, k, "C vs interpreter", pf, rf, o->tol);
    }
  }
  return failed;
}

/* Removes what check_steps may have written into the temporary folder dir. */
static void remove_files(Arena *a, const char *dir, int nin, int nout) {
  remove(path_in(a, dir, "net.c"));
  remove(path_in(a, dir, "net.h"));
  remove(path_in(a, dir, "net"));
  for (int k = 0; k < nin; k++)
    remove(path_in(a, dir, arena_printf(a, "in%d.bin", k)));
  for (int k = 0; k < nout; k++)
    remove(path_in(a, dir, arena_printf(a, "out%d.bin", k)));
  rmdir(dir);
}

int cmd_check(int argc, char **argv) {
  CheckOptions o;
  memset(&o, 0, sizeof o);
  int rc = parse_check(&o, argc, argv);
  if (rc) {
    for (int i = 0; i < o.ndims; i++)
      free((char *)o.dims[i].name);
    return rc == 1 ? 0 : rc;
  }
  Diag d;
  diag_init(&d, o.model);
  volatile int status = 1;
  Graph *g = lower(&o, 0, &d), *gi = NULL;
  if (g)
    gi = o.no_opt ? lower(&o, 1, &d) : g;
  if (g && gi) {
    jmp_buf oom;
    char tmp[4200] = "";
    const char *volatile dir = o.keep;
    if (setjmp(oom)) {
      diag_error(&d, "out of memory");
    } else {
      arena_set_oom(g->arena, &oom);
      if (!dir) {
        const char *t = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/xnorcc-check-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmp))
          diag_error(&d, "cannot create a temporary folder '%s': %s", tmp, strerror(errno));
        else
          dir = tmp;
      } else if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        diag_error(&d, "cannot create '%s': %s", dir, strerror(errno));
        dir = NULL;
      }
      if (dir) {
        int r = check_steps(&o, g, gi, dir, &d);
        if (r >= 0) {
          printf("check: %s\n", r ? "FAIL: outputs beyond the tolerance" : "ok");
          status = r;
        }
        if (!o.keep)
          remove_files(g->arena, dir, g->ninputs, g->noutputs);
      }
    }
    arena_set_oom(g->arena, NULL);
  }
  diag_print(&d, stderr);
  diag_free(&d);
  if (gi && gi != g)
    graph_free(gi);
  graph_free(g);
  for (int i = 0; i < o.ndims; i++)
    free((char *)o.dims[i].name);
  return status;
}
