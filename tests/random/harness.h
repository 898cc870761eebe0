/* harness.h - one model through the fully optimized pipeline and through the
 * reference interpreter on the graph as read, compared (docs/difftest.md).
 *
 * harness.c  running xnorcc, the C compiler and the program; the comparison
 * reduce.c   shrinking a failing model
 */
#ifndef XN_DIFFTEST_HARNESS_H
#define XN_DIFFTEST_HARNESS_H

#include "gen.h"

/* Float outputs: |got - want| <= TOL * (|want| + max(1, rms(want))). */
#define TOL 1e-4

/* What the passes made of the layers of the checked models (from --report). */
typedef struct LayerStats {
  char key[32][72];         /* "XnorBlock xnor", "Conv float", ... */
  long count[32];
  int n;
} LayerStats;

typedef struct Harness {
  const char *xnorcc;       /* the compiler under test */
  const char *cc;           /* C compiler for the generated code */
  char *rtflags[8];         /* `xnorcc config --cflags --libs`, split */
  int nrtflags;
  int timeout;              /* seconds per command */
  int keep_passing;         /* leave the work files of passing models */
  int no_cc;                /* check xnorcc and the interpreter only: no C compiler, no program */
  char pch[1200];           /* "" or xnorcc_rt.h beside its precompiled .gch, for -include (harness_pch) */
  LayerStats *stats;        /* NULL, or where `xnorcc --report` of each passing model is counted */
} Harness;

/* How a model failed (HF_OK: it passed). */
typedef enum Failure {
  HF_OK,
  HF_REFERENCE,  /* `xnorcc run --no-opt` failed or crashed */
  HF_COMPILE,    /* xnorcc could not compile the model to C */
  HF_CC,         /* the C compiler rejected the generated code */
  HF_PROGRAM,    /* the generated program failed or crashed */
  HF_MISMATCH,   /* outputs differ */
  HF__COUNT
} Failure;

/* A short name of f ("mismatch", ...). */
const char *failure_name(Failure f);

/* Fills h->rtflags from `xnorcc config --cflags --libs`. Returns 0 or -1. */
int harness_init(Harness *h);

/* Precompiles the runtime header xnorcc_rt.h with h->cc and the flags of
 * the generated programs into dir/pch (a build of the generated C then only
 * parses its own code). Leaves h->pch empty when that fails (e.g. cc is
 * clang): the programs are built the plain way. */
void harness_pch(Harness *h, const char *dir);

/* Frees what harness_init allocated. */
void harness_free(Harness *h);

/* Writes dir/model.xir (outputs m->out) and dir/input_K.bin, runs
 * `xnorcc run --no-opt` (dir/ref_K.bin), `xnorcc dir/model.xir --main`,
 * `xnorcc run` (the interpreter on the optimized graph, dir/opt_K.bin), the
 * C compiler (-std=c99 -O2 -march=native -Wall -Wextra -Werror -pedantic),
 * the program (dir/out_K.bin) and compares the optimized interpreter's and
 * the program's outputs with the reference (h->no_cc: no C compiler and no
 * program). dir must exist. Returns the failure kind; msg gets a one-line
 * description. */
Failure harness_check_model(const Harness *h, const Model *m, const char *dir, char *msg, size_t cap);

/* The same for a stored case: dir holds model.xir, input_K.npy and
 * expect_K.npy; both the reference and the program must match expect_K
 * (exact outputs from the model's header, the rest within TOL). work is
 * where the files go. */
Failure harness_check_case(const Harness *h, const char *dir, const char *work, char *msg, size_t cap);

/* Writes n floats as a .npy file of shape d[0..rank). Returns 0 or -1. */
int npy_write(const char *path, int rank, const int64_t *d, const float *x, int64_t n);

/* Shrinks the failing model m (failing with kind f) by dropping outputs,
 * cutting the graph at a tensor and bypassing nodes, as long as it still
 * fails the same way with the margin intact; m is replaced by the result.
 * work is a scratch directory. Returns the number of steps taken. */
int reduce_model(const Harness *h, Model *m, Failure f, const char *work);

#endif
