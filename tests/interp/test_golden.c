/* test_golden.c - every case under tests/models (found at run time) through
 * the pipeline and the reference interpreter, against the outputs PyTorch or
 * numpy computed: |a - b| <= 1e-5 + 1e-5 |b| per element (docs/test-models.md).
 * A case's README may say "--dim NAME=VALUE" for symbolic dims. Fails when no
 * case is found. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "driver/npy.h"
#include "driver/pipeline.h"

#ifndef XN_MODELS_DIR
#error "XN_MODELS_DIR must name tests/models"
#endif

/* Runs one case; returns 0 if it passes, else prints why and returns 1. */
static int run_case(const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/model.json", dir);
  DimBinding dims[8];
  char names[8][64];
  LoadOptions lo = {dims, case_dims(dir, dims, names)};
  Diag d;
  diag_init(&d, path);
  Graph *g = graph_new(path);
  int fail = 1;
  jmp_buf oom;
  if (!g || pipeline_lower(g, NULL, 0, &lo, &d))
    goto done;
  if (setjmp(oom)) {
    diag_error(&d, "out of memory");
    goto done;
  }
  arena_set_oom(g->arena, &oom);
  /* inputs and outputs in their own element types (case_read; io_typed) */
  const void **in = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof *in);
  for (int i = 0; i < g->ninputs; i++) {
    Tensor *t = &g->t[g->inputs[i]];
    snprintf(path, sizeof path, "%s/input_%d.npy", dir, i);
    if (!(in[i] = case_read(g->arena, path, t, t->rank, t->dims, &d)))
      goto done;
  }
  float **out = case_interp(g, in, &d);
  if (!out)
    goto done;
  snprintf(path, sizeof path, "%s/output_%d.npy", dir, g->noutputs);
  if (case_file_exists(path)) {
    diag_error(&d, "the model has %d outputs but %s exists", g->noutputs, path);
    goto done;
  }
  int bad = 0;
  for (int i = 0; i < g->noutputs && !bad; i++) {
    Tensor *t = &g->t[g->outputs[i]];
    int64_t one = 1, cnt = tensor_numel(t);
    snprintf(path, sizeof path, "%s/output_%d.npy", dir, i);
    /* numpy saves a 0-d result as shape (1,) */
    const void *wv = case_read(g->arena, path, t, t->rank ? t->rank : 1, t->rank ? t->dims : &one, &d);
    const float *want = wv ? case_floats(g->arena, t, wv) : NULL;
    if (!want) {
      bad = 1;
      break;
    }
    for (int64_t k = 0; k < cnt; k++) {
      float a = out[i][k], b = want[k];
      if (isnan(a) && isnan(b))
        continue;
      if (!(fabsf(a - b) <= 1e-5f + 1e-5f * fabsf(b))) {
        diag_error(&d, "output %d '%s' element %lld: got %.9g, want %.9g", i, t->name, (long long)k, (double)a,
                   (double)b);
        bad = 1;
        break;
      }
    }
  }
  fail = bad;
done:
  if (g)
    arena_set_oom(g->arena, NULL);
  if (fail || d.nerrors) {
    fprintf(stderr, "FAIL %s\n", name);
    diag_print(&d, stderr);
    fail = 1;
  }
  diag_free(&d);
  graph_free(g);
  return fail;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

START_TEST(golden_models) {
  DIR *dir = opendir(XN_MODELS_DIR);
  ck_assert_msg(dir != NULL, "cannot open %s", XN_MODELS_DIR);
  char *cases[1024];
  int ncases = 0;
  struct dirent *e;
  while ((e = readdir(dir)) && ncases < 1024) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/model.json", XN_MODELS_DIR, e->d_name);
    if (e->d_name[0] != '.' && case_file_exists(path))
      cases[ncases++] = strdup(e->d_name);
  }
  closedir(dir);
  qsort(cases, (size_t)ncases, sizeof *cases, cmp_str);
  int failed = 0;
  for (int i = 0; i < ncases; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", XN_MODELS_DIR, cases[i]);
    failed += run_case(path, cases[i]);
  }
  for (int i = 0; i < ncases; i++)
    free(cases[i]);
  ck_assert_msg(ncases > 0, "no model cases found in %s", XN_MODELS_DIR);
  ck_assert_msg(failed == 0, "%d of %d model cases failed (see stderr)", failed, ncases);
}
END_TEST

int main(void) {
  Suite *s = suite_create("golden");
  TCase *tc = tcase_create("models");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, golden_models);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
