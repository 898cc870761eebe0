/* main.c - the xnorcc command line. The pipeline, in one screen:
 *
 *   g = graph_new(model); pipeline_lower(g, ...);   frontend, topo, the passes
 *   pipeline_emit(g, ...);                          C backend
 *   write_atomically(out.c, out.h)                  no partial files on error
 *
 * Subcommands: `xnorcc run` (the reference interpreter; --dump DIR writes
 * every tensor, dump.c), `xnorcc compare-dumps A B`, `xnorcc check`
 * (check.c: the generated C built and run against expected outputs) and
 * `xnorcc config`.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../passes/binary.h"
#include "driver.h"
#include "dump.h"
#include "npy.h"
#include "pipeline.h"

#ifndef XNORCC_VERSION
#define XNORCC_VERSION "0.0.0"
#endif
#ifndef XNORCC_BIN_TO_INCLUDE /* the install tree's folders seen from its bin folder */
#define XNORCC_BIN_TO_INCLUDE "../include"
#define XNORCC_BIN_TO_LIB "../lib"
#endif

static const char usage[] =
    "usage: xnorcc MODEL [options]                 compile MODEL to C\n"
    "       xnorcc run MODEL --input FILE... --output FILE...\n"
    "                                              run MODEL in the reference interpreter\n"
    "       xnorcc check MODEL [--input FILE]... [--expect FILE]... [--tol T]\n"
    "                                              build MODEL's C with $CC, run it, compare\n"
    "                                              (xnorcc check --help)\n"
    "       xnorcc compare-dumps DIR_A DIR_B        the first tensor read by a Sign whose\n"
    "                                              signs differ between two run --dump folders\n"
    "       xnorcc config [--cflags] [--libs]       flags to build generated code\n"
    "\n"
    "MODEL is an ONNX model (.onnx), the same in protobuf's JSON mapping (.json), or\n"
    "xnorcc text IR (.xir).\n"
    "\n"
    "options:\n"
    "  -o FILE            write the C source to FILE and the header next to it\n"
    "                     (FILE with .c replaced by .h); default: MODEL's stem + .c\n"
    "  --name NAME        prefix of the generated API (default: MODEL's stem)\n"
    "  --main             add a main(): ./prog in0.bin ... out0.bin ...\n"
    "  --profile          generated code times every layer and prints a table of\n"
    "                     layer, op, kind, time, share and GMAC/s to stderr\n"
    "  --report           print each compute layer as xnor, bwn or float (and why),\n"
    "                     then the weight bytes; C is written only with -o\n"
    "  --dim NAME=VALUE   value of a symbolic dimension (repeatable)\n"
    "  --weight-storage=auto|bytes|lists\n"
    "                     constant arrays as string literals of their bytes (fast\n"
    "                     to compile), as initializer lists (hex floats), or\n"
    "                     bytes from 1 KiB on (auto, the default)\n"
    "  --emit=c|ir|dot    what to write: C (default), the text IR after lowering\n"
    "                     (default file MODEL's stem + .xir) or Graphviz (.dot)\n"
    "  --elide-weights    (ir) leave constant data out of the dump\n"
    "  --print-after=PASS print the IR (weights elided) to stderr after PASS:\n"
    "                     shapes, canonicalize, fold, signs, binarize,\n"
    "                     fuse or dce\n"
    "  --print-after-all  print the IR to stderr after every pass\n"
    "  --time-passes      print the wall time of each pass to stderr\n"
    "  --allow-shape-mismatch\n"
    "                     a shape the model declares that disagrees with the\n"
    "                     inferred one is a warning, and the inferred one is used\n"
    "                     (default: an error)\n"
    "  --fold-max-mib=N   constant folding leaves outputs over N MiB to run time\n"
    "                     (--report names them; default: no limit)\n"
    "  --zero-weights=float|plus1\n"
    "                     a conv/dense weight exactly 0 among +-alpha: the layer\n"
    "                     stays float, as the model computes it (default), or\n"
    "                     the 0 binarizes as +alpha (plus1: not the model's function;\n"
    "                     --report counts the zeros)\n"
    "  --exact-weights    binarize only weights exactly +-alpha per filter; weights\n"
    "                     a few ulps off (straight-through exports) stay float\n"
    "  --input FILE       (run) an input tensor, .npy, ONNX TensorProto .pb or raw\n"
    "                     .bin (float32, or the input's integer/bool type), in graph order\n"
    "  --output FILE      (run) where an output goes, .npy, .pb or .bin, in graph order\n"
    "  --dump DIR         (run) also write every tensor computed to DIR (.npy files\n"
    "                     and DIR/index.tsv), for xnorcc compare-dumps\n"
    "  --no-opt           (run) run the graph as read: shape inference and constant\n"
    "                     folding only (no canonicalize, binarize or fuse)\n"
    "  -h, --help         show this help\n"
    "  --version          show the version\n";

enum { EMIT_C, EMIT_IR, EMIT_DOT };

typedef struct Options {
  const char *model;      /* the model file */
  const char *out;        /* -o */
  const char *name;       /* --name */
  int with_main;          /* --main */
  int profile;            /* --profile */
  int storage;            /* --weight-storage: WS_AUTO, WS_BYTES, WS_LISTS */
  int report;             /* --report */
  int emit;               /* --emit: EMIT_C, EMIT_IR or EMIT_DOT */
  int elide;              /* --elide-weights */
  DimBinding dims[64];    /* --dim */
  int ndims;
  const char *inputs[64]; /* run: --input */
  int ninputs;
  const char *outputs[64]; /* run: --output */
  int noutputs;
  PassOptions passes;      /* --print-after, --print-after-all, --time-passes, --no-opt */
  const char *dump;        /* run: --dump DIR */
} Options;

static int fail(const char *fmt, const char *arg) {
  fputs("xnorcc: error: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\n(run 'xnorcc --help' for usage)\n", stderr);
  return 2;
}

static int parse_dim(Options *o, const char *s) {
  if (o->ndims == 64 || arg_dim(s, &o->dims[o->ndims]))
    return -1;
  o->ndims++;
  return 0;
}

/* Parses argv from index first; returns 0, 1 (help/version printed) or 2 (usage error). */
static int parse_args(Options *o, int argc, char **argv, int first, int is_run) {
  for (int i = first; i < argc; i++) {
    const char *a = argv[i], *v;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(usage, stdout);
      return 1;
    } else if (!strcmp(a, "--version")) {
      printf("xnorcc %s\n", XNORCC_VERSION);
      return 1;
    } else if (!strcmp(a, "-o") || (a[0] == '-' && a[1] == 'o' && a[2])) {
      if (a[2])
        o->out = a + 2;
      else if (i + 1 < argc)
        o->out = argv[++i];
      else
        return fail("option '%s' needs a value", a);
    } else if (arg_is(a, "--name")) {
      if (!(o->name = arg_value(argc, argv, &i, "--name")))
        return fail("option '%s' needs a value", a);
    } else if (!strcmp(a, "--allow-shape-mismatch")) {
      o->passes.shape_warn = 1;
    } else if (arg_is(a, "--fold-max-mib")) {
      v = arg_value(argc, argv, &i, "--fold-max-mib");
      char *end = NULL;
      long long mib = v ? strtoll(v, &end, 10) : 0;
      if (!v || !*v || *end || mib < 1 || mib > ((long long)1 << 40))
        return fail("option --fold-max-mib needs a positive number of MiB, got '%s'", v ? v : "");
      o->passes.fold_max_bytes = (int64_t)mib << 20;
    } else if (arg_is(a, "--zero-weights")) {
      v = arg_value(argc, argv, &i, "--zero-weights");
      if (!v || (strcmp(v, "float") && strcmp(v, "plus1")))
        return fail("option --zero-weights needs float or plus1, got '%s'", v ? v : "");
      o->passes.zero_plus1 = !strcmp(v, "plus1");
    } else if (!strcmp(a, "--exact-weights")) {
      o->passes.exact_weights = 1;
    } else if (!strcmp(a, "--report")) {
      o->report = 1;
    } else if (!is_run && arg_is(a, "--weight-storage")) {
      v = arg_value(argc, argv, &i, "--weight-storage");
      if (!v || (strcmp(v, "auto") && strcmp(v, "bytes") && strcmp(v, "lists")))
        return fail("option --weight-storage needs auto, bytes or lists, got '%s'", v ? v : "");
      o->storage = !strcmp(v, "auto") ? WS_AUTO : !strcmp(v, "bytes") ? WS_BYTES : WS_LISTS;
    } else if (!strcmp(a, "--main")) {
      o->with_main = 1;
    } else if (!is_run && !strcmp(a, "--profile")) {
      o->profile = 1;
    } else if (!is_run && arg_is(a, "--emit")) {
      v = arg_value(argc, argv, &i, "--emit");
      if (!v || (strcmp(v, "c") && strcmp(v, "ir") && strcmp(v, "dot")))
        return fail("option --emit needs c, ir or dot, got '%s'", v ? v : "");
      o->emit = !strcmp(v, "c") ? EMIT_C : !strcmp(v, "ir") ? EMIT_IR : EMIT_DOT;
    } else if (!is_run && !strcmp(a, "--elide-weights")) {
      o->elide = 1;
    } else if (arg_is(a, "--print-after")) {
      if (!(v = arg_value(argc, argv, &i, "--print-after")))
        return fail("option '%s' needs a value", a);
      if (pass_lookup(v) < 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "unknown pass '%s' in --print-after; the passes are: %s", v, pass_names());
        return fail("%s", msg);
      }
      o->passes.print_after = v;
    } else if (!strcmp(a, "--print-after-all")) {
      o->passes.print_after_all = 1;
    } else if (!strcmp(a, "--time-passes")) {
      o->passes.time_passes = 1;
    } else if (is_run && !strcmp(a, "--no-opt")) {
      o->passes.no_opt = 1;
    } else if (arg_is(a, "--dim")) {
      if (!(v = arg_value(argc, argv, &i, "--dim")) || parse_dim(o, v))
        return fail("option --dim needs NAME=VALUE with VALUE a positive integer, got '%s'", v ? v : "");
    } else if (is_run && arg_is(a, "--input")) {
      if (!(v = arg_value(argc, argv, &i, "--input")) || o->ninputs == 64)
        return fail("option '%s' needs a value", a);
      o->inputs[o->ninputs++] = v;
    } else if (is_run && arg_is(a, "--dump")) {
      if (!(o->dump = arg_value(argc, argv, &i, "--dump")))
        return fail("option '%s' needs a value", a);
    } else if (is_run && arg_is(a, "--output")) {
      if (!(v = arg_value(argc, argv, &i, "--output")) || o->noutputs == 64)
        return fail("option '%s' needs a value", a);
      o->outputs[o->noutputs++] = v;
    } else if (a[0] == '-' && a[1]) {
      return fail("unknown option '%s'", a);
    } else if (o->model) {
      return fail("more than one model given ('%s')", a);
    } else {
      o->model = a;
    }
  }
  if (!o->model)
    return fail("%sno model file given", "");
  return 0;
}

/* The model file's stem made a valid C identifier. */
static char *default_name(const char *model) {
  const char *base = strrchr(model, '/');
  base = base ? base + 1 : model;
  size_t n = strcspn(base, ".");
  char *s = malloc(n + 3);
  if (!s)
    return NULL;
  size_t k = 0;
  if (n == 0 || isdigit((unsigned char)base[0]))
    s[k++] = 'm', s[k++] = '_';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)base[i];
    s[k++] = (char)((isalnum(c) && c < 128) || c == '_' ? c : '_');
  }
  s[k] = 0;
  return s;
}

static int valid_ident(const char *s) {
  if (!*s || isdigit((unsigned char)*s))
    return 0;
  for (; *s; s++)
    if (!(isalnum((unsigned char)*s) || *s == '_') || (unsigned char)*s >= 128)
      return 0;
  return 1;
}

/* Writes the n (at most 2) files through temporaries and renames them into
 * place at the end, so that an error never leaves a partial output. */
static int write_outputs(int n, const char *const *paths, const StrBuf *const *bufs) {
  char tmp[2][4096];
  int made = 0, ok = 1;
  for (int i = 0; i < n && ok; i++) {
    snprintf(tmp[i], sizeof tmp[i], "%s.tmp%ld", paths[i], (long)getpid());
    FILE *f = fopen(tmp[i], "wb");
    if (!f) {
      fprintf(stderr, "xnorcc: error: cannot create '%s': %s\n", paths[i], strerror(errno));
      ok = 0;
      break;
    }
    made++;
    if (fwrite(bufs[i]->s, 1, bufs[i]->len, f) != bufs[i]->len)
      ok = 0;
    if (fclose(f) != 0)
      ok = 0;
    if (!ok)
      fprintf(stderr, "xnorcc: error: cannot write '%s'\n", paths[i]);
  }
  for (int i = 0; ok && i < n; i++)
    if (rename(tmp[i], paths[i]) != 0) {
      fprintf(stderr, "xnorcc: error: cannot write '%s': %s\n", paths[i], strerror(errno));
      ok = 0;
    }
  if (!ok)
    for (int i = 0; i < made; i++)
      remove(tmp[i]);
  return ok ? 0 : -1;
}

/* --emit=ir|dot: the lowered graph as text IR or Graphviz into one file. */
static int cmd_dump(Options *o) {
  char *name = default_name(o->model), *path = NULL;
  const char *out = o->out;
  if (!out && name) {
    path = malloc(strlen(name) + 5);
    if (path)
      sprintf(path, "%s.%s", name, o->emit == EMIT_IR ? "xir" : "dot");
    out = path;
  }
  Diag d;
  diag_init(&d, o->model);
  LoadOptions lo = {o->dims, o->ndims};
  int rc = 1;
  Graph *g = graph_new(o->model);
  if (!g || !out) {
    diag_error(&d, "out of memory");
  } else if (pipeline_lower_with(g, NULL, 0, &lo, &o->passes, &d) == 0) {
    jmp_buf oom;
    StrBuf b;
    if (setjmp(oom)) {
      diag_error(&d, "out of memory");
    } else {
      arena_set_oom(g->arena, &oom);
      sb_init(&b, g->arena);
      if (o->emit == EMIT_IR)
        ir_print(g, &b, o->elide);
      else
        ir_dot(g, &b);
      const StrBuf *bufs[1] = {&b};
      rc = write_outputs(1, &out, bufs) ? 1 : 0;
    }
    arena_set_oom(g->arena, NULL);
  }
  diag_print(&d, stderr);
  diag_free(&d);
  graph_free(g);
  free(name);
  free(path);
  return rc;
}

/* --report: the layer report on stdout. Returns 0, or 1 when out of memory. */
static int print_report(Graph *g, Diag *d) {
  jmp_buf oom;
  StrBuf b;
  volatile int rc = 0;
  if (setjmp(oom)) {
    diag_error(d, "out of memory");
    rc = 1;
  } else {
    arena_set_oom(g->arena, &oom);
    sb_init(&b, g->arena);
    report_text(g, &b);
    fputs(b.s, stdout);
  }
  arena_set_oom(g->arena, NULL);
  return rc;
}

static int cmd_compile(Options *o) {
  if (o->emit != EMIT_C)
    return cmd_dump(o);
  char *name = o->name ? NULL : default_name(o->model);
  const char *ident = o->name ? o->name : name;
  if (!ident || !valid_ident(ident)) {
    free(name);
    return fail("--name must be a valid C identifier, got '%s'", ident ? ident : "");
  }
  char *cpath = NULL, *hpath = NULL;
  const char *out = o->out;
  if (!out) {
    cpath = malloc(strlen(ident) + 3);
    sprintf(cpath, "%s.c", ident);
  } else {
    cpath = malloc(strlen(out) + 1);
    strcpy(cpath, out);
  }
  size_t n = strlen(cpath);
  hpath = malloc(n + 3);
  strcpy(hpath, cpath);
  if (n > 2 && !strcmp(cpath + n - 2, ".c"))
    hpath[n - 1] = 'h';
  else
    strcat(hpath, ".h");
  const char *hbase = strrchr(hpath, '/');
  hbase = hbase ? hbase + 1 : hpath;

  Diag d;
  diag_init(&d, o->model);
  LoadOptions lo = {o->dims, o->ndims};
  EmitOptions eo = {ident, hbase, o->with_main, o->storage, o->profile};
  int rc = 1;
  Graph *g = graph_new(o->model);
  if (!g) {
    diag_error(&d, "out of memory");
  } else {
    StrBuf c, h;
    const char *paths[2] = {hpath, cpath};
    const StrBuf *bufs[2] = {&h, &c};
    if (pipeline_lower_with(g, NULL, 0, &lo, &o->passes, &d) == 0) {
      if (o->report)
        rc = print_report(g, &d);
      if ((!o->report || o->out) && pipeline_emit(g, &eo, &d, &c, &h) == 0)
        rc = write_outputs(2, paths, bufs) ? 1 : 0;
    }
  }
  diag_print(&d, stderr);
  diag_free(&d);
  graph_free(g);
  free(name);
  free(cpath);
  free(hpath);
  return rc;
}

static int cmd_run(Options *o) {
  Diag d;
  diag_init(&d, o->model);
  LoadOptions lo = {o->dims, o->ndims};
  Graph *g = graph_new(o->model);
  int rc = 1;
  if (!g) {
    diag_error(&d, "out of memory");
    goto done;
  }
  if (pipeline_lower_with(g, NULL, 0, &lo, &o->passes, &d))
    goto done;
  if (o->ninputs != g->ninputs || o->noutputs != g->noutputs) {
    diag_error(&d, "the model has %d input(s) and %d output(s) but %d --input and %d --output were given",
               g->ninputs, g->noutputs, o->ninputs, o->noutputs);
    goto done;
  }
  jmp_buf oom;
  if (setjmp(oom)) {
    diag_error(&d, "out of memory");
    goto done;
  }
  arena_set_oom(g->arena, &oom);
  /* Files in each input's and output's own element type (Tensor.elem),
   * buffers in its storage type (float, or int64_t). */
  const void **in = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof *in);
  void **out = arena_array(g->arena, (size_t)g->noutputs + 1, sizeof *out);
  for (int i = 0; i < g->ninputs; i++) {
    Tensor *t = &g->t[g->inputs[i]];
    if (!(in[i] = tensor_read_typed(g->arena, o->inputs[i], t->rank, t->dims, tensor_numel(t), tensor_io_elem(t),
                                    &d)))
      goto done;
  }
  for (int i = 0; i < g->noutputs; i++) {
    const Tensor *t = &g->t[g->outputs[i]];
    out[i] = arena_array(g->arena, (size_t)tensor_numel(t) + 1, dtype_size(t->dtype));
  }
  if (o->dump ? dump_run(g, &d, o->dump, in, out) : interp_run_with(g, &d, in, out, NULL, NULL))
    goto done;
  rc = 0;
  for (int i = 0; i < g->noutputs; i++) {
    Tensor *t = &g->t[g->outputs[i]];
    if (tensor_write_typed(o->outputs[i], t->name, t->rank, t->dims, out[i], tensor_numel(t), tensor_io_elem(t), &d))
      rc = 1;
  }
done:
  diag_print(&d, stderr);
  diag_free(&d);
  graph_free(g);
  return rc;
}

void runtime_dirs(char *inc, size_t ninc, char *lib, size_t nlib) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  snprintf(inc, ninc, "%s", XNORCC_RT_INCLUDE_DIR);
  snprintf(lib, nlib, "%s", XNORCC_RT_LIB_DIR);
  if (n > 0) {
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = 0;
      char probe[4300];
      snprintf(probe, sizeof probe, "%s/" XNORCC_BIN_TO_INCLUDE "/xnorcc_rt.h", exe);
      if (access(probe, R_OK) == 0) {
        snprintf(inc, ninc, "%s/" XNORCC_BIN_TO_INCLUDE, exe);
        snprintf(lib, nlib, "%s/" XNORCC_BIN_TO_LIB, exe);
      }
    }
  }
}

/* Include and library directories (runtime_dirs). */
static int cmd_config(int argc, char **argv) {
  int cflags = 0, libs = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--cflags"))
      cflags = 1;
    else if (!strcmp(argv[i], "--libs"))
      libs = 1;
    else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fputs("usage: xnorcc config [--cflags] [--libs]\n", stdout);
      return 0;
    } else
      return fail("unknown config option '%s'", argv[i]);
  }
  if (!cflags && !libs)
    cflags = libs = 1;
  char inc[4200], lib[4200];
  runtime_dirs(inc, sizeof inc, lib, sizeof lib);
  if (cflags)
    printf("-I%s%s", inc, libs ? " " : "\n");
  if (libs)
    printf("-L%s -lxnorcc_rt -lm\n", lib);
  return 0;
}

int main(int argc, char **argv) {
  Options o;
  memset(&o, 0, sizeof o);
  if (argc > 1 && !strcmp(argv[1], "config"))
    return cmd_config(argc, argv);
  if (argc > 1 && !strcmp(argv[1], "check"))
    return cmd_check(argc, argv);
  if (argc > 1 && !strcmp(argv[1], "compare-dumps")) {
    if (argc != 4)
      return fail("%s", "compare-dumps needs two dump folders: xnorcc compare-dumps DIR_A DIR_B");
    Diag d;
    diag_init(&d, "compare-dumps");
    int rc = dump_compare(argv[2], argv[3], stdout, &d);
    diag_print(&d, stderr);
    diag_free(&d);
    return rc;
  }
  int is_run = argc > 1 && !strcmp(argv[1], "run");
  int rc = parse_args(&o, argc, argv, is_run ? 2 : 1, is_run);
  if (!rc)
    rc = is_run ? cmd_run(&o) : cmd_compile(&o);
  else if (rc == 1)
    rc = 0;
  for (int i = 0; i < o.ndims; i++)
    free((char *)o.dims[i].name);
  return rc;
}
