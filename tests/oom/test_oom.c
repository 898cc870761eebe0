/* test_oom.c - out of memory at every allocation of a whole compile.
 *
 * For each model, a reference compile (pipeline_lower + pipeline_emit, in
 * memory; the models below and every tests/bad and tests/bad/onnx model) is followed by compiles where the N-th xn_malloc/xn_realloc call
 * fails, for N = 1, 2, 3, ... (every N up to XN_OOM_DENSE, default 5000, then
 * growing geometrically) until a run makes fewer than N calls; then again
 * with tiny arena blocks (arena_test_block_size), where nearly every arena
 * allocation is an xn_malloc call of its own. Each run with
 * an injected failure must
 *   - return -1 with "out of memory" in the diagnostics (or the diagnostics
 *     marked truncated, when the failure hit the message buffer itself), or
 *     succeed with output byte-identical to the reference (a failure the
 *     compiler may absorb, e.g. a lost warning);
 *   - give back every block it got from xn_malloc (xn_alloc_live());
 *   - not crash (Check runs each test in its own process; the sanitized build
 *     adds ASan/LSan/UBSan).
 */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/pipeline.h"

typedef struct Model {
  const char *path;  /* relative to the source tree */
  DimBinding dims[2]; /* --dim bindings it needs */
  int ndims;
} Model;

static const Model models[] = {
    {"examples/cnn/model.json", {{NULL, 0}}, 0},
    {"tests/models/hand_min/model.json", {{NULL, 0}}, 0},
    {"tests/models/hand_mlp/model.json", {{NULL, 0}}, 0},
    {"tests/models/bin_block/model.json", {{NULL, 0}}, 0},
    {"tests/models/bin_xnornet/model.json", {{NULL, 0}}, 0},
    {"tests/models/fmt_symbolic_batch/model.json", {{"batch", 2}}, 1},
    {"tests/models/op_constant/model.json", {{NULL, 0}}, 0},
    {"tests/text/golden/hand_mlp.xir", {{NULL, 0}}, 0},
    {"tests/models/hand_mlp/model.onnx", {{NULL, 0}}, 0},
    {"tests/models/bin_block/model.onnx", {{NULL, 0}}, 0},
    {"tests/onnx/external/model.onnx", {{NULL, 0}}, 0},
};
enum { NMODELS = sizeof models / sizeof models[0] };

/* The outcome of one compile. */
typedef struct Run {
  int rc;        /* 0 or -1 */
  char *c, *h;   /* generated files (malloc'd), NULL unless rc == 0 */
  char *diag;    /* diagnostics (malloc'd, may be "") */
  int truncated; /* Diag.truncated */
  long calls;    /* allocation calls made */
} Run;

static char *dup_or_empty(const char *s, size_t n) {
  char *p = malloc(n + 1);
  ck_assert_ptr_nonnull(p);
  if (n)
    memcpy(p, s, n);
  p[n] = 0;
  return p;
}

static char *slurp(const char *path, size_t *len) {
  char full[4096];
  snprintf(full, sizeof full, "%s/%s", XN_SOURCE_DIR, path);
  FILE *f = fopen(full, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", full);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  s[n] = 0;
  *len = (size_t)n;
  return s;
}

/* One compile of text with the fail_at-th allocation failing (0: none). */
static Run compile(const Model *m, const char *text, size_t len, long fail_at) {
  Run r = {-1, NULL, NULL, NULL, 0, 0};
  long live = xn_alloc_live();
  xn_alloc_fail_at(fail_at);
  /* The full path: external data is looked for beside the model. */
  char full[4096];
  snprintf(full, sizeof full, "%s/%s", XN_SOURCE_DIR, m->path);
  Diag d;
  diag_init(&d, m->path);
  Graph *g = graph_new(full);
  if (!g) {
    r.diag = dup_or_empty("graph_new: out of memory", 24);
  } else {
    LoadOptions lo = {m->dims, m->ndims};
    EmitOptions eo = {"net", "net.h", 1, WS_AUTO, 0};
    StrBuf c, h;
    r.rc = pipeline_lower(g, text, len, &lo, &d);
    if (r.rc == 0)
      r.rc = pipeline_emit(g, &eo, &d, &c, &h);
    if (r.rc == 0) {
      r.c = dup_or_empty(c.s, c.len);
      r.h = dup_or_empty(h.s, h.len);
    }
    r.diag = dup_or_empty(d.text ? d.text : "", d.len);
    r.truncated = d.truncated;
  }
  r.calls = xn_alloc_calls();
  xn_alloc_fail_at(0);
  diag_free(&d);
  graph_free(g);
  ck_assert_msg(r.rc == 0 || r.rc == -1, "%s: fail_at=%ld: rc %d", m->path, fail_at, r.rc);
  ck_assert_msg(xn_alloc_live() == live, "%s: fail_at=%ld: %ld block(s) leaked", m->path, fail_at,
                xn_alloc_live() - live);
  return r;
}

static void run_free(Run *r) {
  free(r->c);
  free(r->h);
  free(r->diag);
}

static void sweep(const Model *m);

/* Each model twice: with the arena's normal 64 KiB blocks, and with tiny
 * blocks so that (nearly) every arena allocation can fail on its own. */
static void sweep_both(const Model *m) {
  sweep(m);
  arena_test_block_size(1);
  sweep(m);
  arena_test_block_size(0);
}

START_TEST(oom_sweep) { sweep_both(&models[_i]); }
END_TEST

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the models (.json, .onnx, .xir) of the source folder sub to names. */
static void list_models(const char *sub, char **names, int *n, int max) {
  char full[4096];
  snprintf(full, sizeof full, "%s/%s", XN_SOURCE_DIR, sub);
  DIR *dir = opendir(full);
  if (!dir)
    return;
  for (struct dirent *e; (e = readdir(dir)) && *n < max;) {
    size_t l = strlen(e->d_name);
    if ((l > 5 && !strcmp(e->d_name + l - 5, ".json")) || (l > 5 && !strcmp(e->d_name + l - 5, ".onnx")) ||
        (l > 4 && !strcmp(e->d_name + l - 4, ".xir"))) {
      char path[1024];
      snprintf(path, sizeof path, "%s/%s", sub, e->d_name);
      names[(*n)++] = strdup(path);
    }
  }
  closedir(dir);
}

/* Every bad model of tests/bad and tests/bad/onnx: the error paths under out
 * of memory. */
START_TEST(oom_bad) {
  char *names[1024];
  int n = 0;
  list_models("tests/bad", names, &n, 1024);
  list_models("tests/bad/onnx", names, &n, 1024);
  qsort(names, (size_t)n, sizeof *names, cmp_str);
  for (int i = 0; i < n; i++) {
    Model m = {names[i], {{NULL, 0}}, 0};
    sweep_both(&m);
    free(names[i]);
  }
}
END_TEST

static long total_runs; /* runs in this process, for the summary */

static void sweep(const Model *m) {
  size_t len;
  char *text = slurp(m->path, &len);
  Run ref = compile(m, text, len, 0);
  if (ref.rc && strncmp(m->path, "tests/bad/", 10))
    fprintf(stderr, "test_oom: note: %s does not compile (yet?):\n%s", m->path, ref.diag);
  const char *env = getenv("XN_OOM_DENSE");
  long dense = env ? atol(env) : 5000;
  long runs = 0, failed = 0;
  for (long n = 1;; n = n < dense ? n + 1 : n + n / 16) {
    Run r = compile(m, text, len, n);
    runs++;
    if (r.calls < n) { /* nothing failed: the sweep is over */
      ck_assert_msg(r.rc == ref.rc, "%s: fail_at=%ld beyond the end changed the result", m->path, n);
      run_free(&r);
      break;
    }
    if (r.rc == -1) {
      failed++;
      ck_assert_msg(strstr(r.diag, "out of memory") || r.truncated,
                    "%s: allocation %ld failed, but the diagnostics do not say out of memory:\n%s",
                    m->path, n, r.diag);
    } else {
      ck_assert_msg(ref.rc == 0 && !strcmp(r.c, ref.c) && !strcmp(r.h, ref.h),
                    "%s: allocation %ld failed, yet the compile succeeded with different output",
                    m->path, n);
    }
    run_free(&r);
  }
  fprintf(stderr, "test_oom: %s: %ld allocation calls, %ld runs, %ld clean out-of-memory errors\n",
          m->path, ref.calls, runs, failed);
  total_runs += runs;
  run_free(&ref);
  free(text);
}

int main(void) {
  Suite *s = suite_create("oom");
  TCase *tc = tcase_create("sweep");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, oom_sweep, 0, NMODELS);
  tcase_add_test(tc, oom_bad);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
