/* passman.c - the pass manager: pipeline_lower's passes in a fixed order, each
 * with a name for --print-after, the verifier after each one (debug builds,
 * XNORCC_VERIFY=1 or PassOptions.verify) and wall times for --time-passes. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "binary.h"
#include "passes.h"

typedef struct Pass {
  const char *name;             /* for --print-after and --time-passes */
  int (*run)(Graph *, Diag *);  /* 0 ok, -1 after reporting to the Diag */
} Pass;

static const Pass passes[] = {
    {"shapes", pass_shapes},             /* shape inference + constant folding */
    {"canonicalize", pass_canonicalize}, /* canon.c */
    {"fold", pass_fold},                 /* fold.c: constant subgraphs, to a fixed point */
    {"signs", pass_signs},               /* signs.c: signs through positive factors */
    {"binarize", pass_binarize},         /* binarize.c: XNOR/BWN layers -> xnor ops */
    {"fuse", pass_fuse},                 /* fuse.c: B-A-C-P blocks, thresholds */
    {"dce", pass_dce},                   /* canon.c: what binarize left unused */
};
#define NPASSES ((int)(sizeof passes / sizeof passes[0]))

int pass_shapes(Graph *g, Diag *d) {
  return opset_upgrade(g, d) || infer_and_fold(g, d) || topo_sort(g, d) ? -1 : 0;
}

int pass_lookup(const char *name) {
  for (int i = 0; i < NPASSES; i++)
    if (name && !strcmp(passes[i].name, name))
      return i;
  return -1;
}

const char *pass_names(void) { return "shapes, canonicalize, fold, signs, binarize, fuse, dce"; }

/* Run the fuse pass? The option, else XNORCC_FUSE (0 off, anything else
 * on), else on. */
static int want_fuse(const PassOptions *po) {
  const char *e = getenv("XNORCC_FUSE");
  if (po && po->fuse)
    return po->fuse > 0;
  if (e && *e)
    return strcmp(e, "0") != 0;
  return 1;
}

/* Verify after every pass? The option, else XNORCC_VERIFY (0 or 1), else
 * whether assertions are on. */
static int want_verify(const PassOptions *po) {
  const char *e = getenv("XNORCC_VERIFY");
  if (po && po->verify)
    return 1;
  if (e && *e)
    return strcmp(e, "0") != 0;
#ifdef NDEBUG
  return 0;
#else
  return 1;
#endif
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The IR after pass p, headed by "# IR after NAME" (a .xir comment). */
static void print_ir(Graph *g, const char *name, FILE *f) {
  StrBuf b;
  sb_init(&b, g->arena);
  ir_print(g, &b, 1);
  fprintf(f, "# IR after %s\n", name);
  fwrite(b.s, 1, b.len, f);
  if (b.len && b.s[b.len - 1] != '\n')
    fputc('\n', f);
  fflush(f);
}

static void print_times(const double *ms, int ran, FILE *f) {
  double total = 0;
  for (int i = 0; i < ran; i++)
    total += ms[i];
  fprintf(f, "# pass times (wall clock)\n");
  fprintf(f, "%-14s %10s %7s\n", "pass", "ms", "%");
  for (int i = 0; i < ran; i++)
    fprintf(f, "%-14s %10.3f %6.1f%%\n", passes[i].name, ms[i], total > 0 ? 100.0 * ms[i] / total : 0.0);
  fprintf(f, "%-14s %10.3f %6.1f%%\n", "total", total, total > 0 ? 100.0 : 0.0);
  fflush(f);
}

int run_passes(Graph *g, const PassOptions *po, Diag *d) {
  static const PassOptions none;
  if (!po)
    po = &none;
  if (po->print_after && pass_lookup(po->print_after) < 0) {
    diag_error(d, "unknown pass '%s' in --print-after; the passes are: %s", po->print_after, pass_names());
    return -1;
  }
  FILE *f = po->dump ? po->dump : stderr;
  if (po->shape_warn)
    g->shape_warn = 1;
  if (po->zero_plus1)
    g->zero_plus1 = 1;
  if (po->exact_weights)
    g->exact_weights = 1;
  if (po->fold_max_bytes > 0)
    g->fold_max_bytes = po->fold_max_bytes;
  int verify = want_verify(po), fuse = want_fuse(po), rc = 0, ran = 0;
  int npasses = po->no_opt ? 1 : NPASSES; /* --no-opt: shapes only */
  double ms[NPASSES];
  for (int i = 0; i < npasses && rc == 0; i++) {
    int errors = d->nerrors;
    double t0 = now_ms();
    if (passes[i].run != pass_fuse || fuse)
      rc = passes[i].run(g, d) || d->nerrors > errors ? -1 : 0;
    ms[ran++] = now_ms() - t0;
    if (rc == 0 && verify && ir_verify(g, d, VERIFY_PASS)) {
      diag_error(d, "internal error: the IR is broken after pass '%s'", passes[i].name);
      rc = -1;
    }
    if (rc == 0 && (po->print_after_all || (po->print_after && !strcmp(po->print_after, passes[i].name))))
      print_ir(g, passes[i].name, f);
  }
  if (po->time_passes)
    print_times(ms, ran, f);
  return rc;
}
