/* test_passman.c - the pass manager: names and order, --print-after,
 * --print-after-all, --time-passes, --no-opt (library and command line), the unknown
 * pass error, and every tests/models case through each pass (against the
 * interpreter before the pass) and through the whole pipeline with the
 * verifier after every pass (against the expected outputs). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cases.h"
#include "driver/npy.h"
#include "pass_test.h"

#if !defined(XN_MODELS_DIR) || !defined(XN_XNORCC) || !defined(XN_WORK_DIR)
#error "XN_MODELS_DIR, XN_XNORCC and XN_WORK_DIR must be defined"
#endif

static const char *const names[] = {"shapes", "canonicalize", "fold", "signs", "binarize", "fuse", "dce"};

START_TEST(pass_table) {
  for (int i = 0; i < 7; i++)
    ck_assert_int_eq(pass_lookup(names[i]), i);
  ck_assert_int_eq(pass_lookup("bogus"), -1);
  ck_assert_int_eq(pass_lookup(NULL), -1);
  ck_assert_str_eq(pass_names(), "shapes, canonicalize, fold, signs, binarize, fuse, dce");
}
END_TEST

/* x -> Identity -> a -> Relu -> y, sorted, not shaped. */
static Graph *small_graph(void) {
  static const int64_t dims[2] = {2, 3};
  Graph *g = graph_new("test.json");
  int x = pt_input(g, "x", 2, dims), a = pt_tensor(g, "a", 0, NULL, NULL), y = pt_tensor(g, "y", 0, NULL, NULL);
  pt_node(g, OP_Identity, "id", 1, &x, 1, &a);
  pt_node(g, OP_Relu, "relu", 1, &a, 1, &y);
  graph_add_output(g, y);
  Diag d;
  diag_init(&d, "test.json");
  ck_assert_msg(topo_sort(g, &d) == 0, "%s", d.text);
  diag_free(&d);
  return g;
}

/* Runs the passes on small_graph() with po, dump going to a temporary file;
 * returns what was written (malloc'd) and the return code in *rc. */
static char *run_dump(PassOptions po, int *rc, Diag *d) {
  Graph *g = small_graph();
  FILE *f = tmpfile();
  ck_assert(f != NULL);
  po.dump = f;
  po.verify = 1;
  *rc = run_passes(g, &po, d);
  long n = ftell(f);
  rewind(f);
  char *s = malloc((size_t)n + 1);
  ck_assert_int_eq((long)fread(s, 1, (size_t)n, f), n);
  s[n] = 0;
  fclose(f);
  graph_free(g);
  return s;
}

static int count(const char *s, const char *sub) {
  int c = 0;
  for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub))
    c++;
  return c;
}

START_TEST(print_after_one) {
  Diag d;
  diag_init(&d, "test.json");
  PassOptions po = {0};
  po.print_after = "canonicalize";
  int rc;
  char *s = run_dump(po, &rc, &d);
  ck_assert_msg(rc == 0, "%s", d.text);
  ck_assert_msg(!strncmp(s, "# IR after canonicalize\n# xnorcc IR", 35), "%s", s);
  ck_assert_int_eq(count(s, "# IR after"), 1);
  ck_assert_int_eq(count(s, "Identity"), 0);
  ck_assert_int_eq(count(s, "node Relu \"relu\" (\"x\") -> (\"y\")"), 1);
  free(s);
  diag_free(&d);
}
END_TEST

START_TEST(print_after_all) {
  Diag d;
  diag_init(&d, "test.json");
  PassOptions po = {0};
  po.print_after_all = 1;
  int rc;
  char *s = run_dump(po, &rc, &d);
  ck_assert_msg(rc == 0, "%s", d.text);
  ck_assert_int_eq(count(s, "# IR after"), 7);
  const char *p = s;
  for (int i = 0; i < 7; i++) {
    char head[64];
    snprintf(head, sizeof head, "# IR after %s\n", names[i]);
    const char *q = strstr(p, head);
    ck_assert_msg(q != NULL, "no '%s' in order in:\n%s", head, s);
    p = q + 1;
  }
  /* the Identity is there after shapes, gone after canonicalize */
  ck_assert_int_eq(count(s, "node Identity"), 1);
  free(s);
  diag_free(&d);
}
END_TEST

START_TEST(time_passes) {
  Diag d;
  diag_init(&d, "test.json");
  PassOptions po = {0};
  po.time_passes = 1;
  int rc;
  char *s = run_dump(po, &rc, &d);
  ck_assert_msg(rc == 0, "%s", d.text);
  ck_assert_int_eq(count(s, "# IR after"), 0);
  const char *p = strstr(s, "# pass times (wall clock)\n");
  ck_assert_msg(p != NULL, "%s", s);
  const char *rows[] = {"\nshapes ", "\ncanonicalize ", "\nfold ", "\nsigns ", "\nbinarize ", "\ndce ", "\ntotal "};
  for (int i = 0; i < 7; i++) {
    const char *q = strstr(p, rows[i]);
    ck_assert_msg(q != NULL, "no row%s in order in:\n%s", rows[i], s);
    p = q;
  }
  free(s);
  diag_free(&d);
}
END_TEST

START_TEST(unknown_pass) {
  Diag d;
  diag_init(&d, "test.json");
  PassOptions po = {0};
  po.print_after = "canonicalise";
  Graph *g = small_graph();
  ck_assert_int_eq(run_passes(g, &po, &d), -1);
  ck_assert_str_eq(d.text, "test.json: error: unknown pass 'canonicalise' in --print-after; the passes are: shapes, "
                           "canonicalize, fold, signs, binarize, fuse, dce\n");
  ck_assert_int_eq(g->t[g->outputs[0]].rank, -1); /* no pass ran */
  graph_free(g);
  diag_free(&d);
}
END_TEST

/* ---- the command line ---- */

/* Runs cmd (stdout discarded, stderr captured); returns the exit status. */
static int run_cli(const char *args, char *err, size_t cap) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "'%s' %s 2>&1 >/dev/null", XN_XNORCC, args);
  FILE *p = popen(cmd, "r");
  ck_assert(p != NULL);
  size_t n = fread(err, 1, cap - 1, p);
  err[n] = 0;
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(cli_print_after) {
  static char err[1 << 16];
  int rc = run_cli(XN_MODELS_DIR "/hand_mlp/model.json --emit=ir -o " XN_WORK_DIR
                   "/hand_mlp.xir --print-after=canonicalize --time-passes",
                   err, sizeof err);
  ck_assert_msg(rc == 0, "%s", err);
  ck_assert_msg(!strncmp(err, "# IR after canonicalize\n# xnorcc IR", 35), "%s", err);
  ck_assert_int_eq(count(err, "# IR after"), 1);
  ck_assert_msg(strstr(err, "<elided 12 floats>") != NULL, "%s", err); /* weights elided */
  ck_assert_msg(strstr(err, "\ntotal ") != NULL, "%s", err);
}
END_TEST

START_TEST(cli_unknown_pass) {
  static char err[4096];
  int rc = run_cli(XN_MODELS_DIR "/hand_mlp/model.json -o " XN_WORK_DIR "/unused.c --print-after=bogus", err,
                   sizeof err);
  ck_assert_int_eq(rc, 2);
  ck_assert_str_eq(err, "xnorcc: error: unknown pass 'bogus' in --print-after; the passes are: shapes, "
                        "canonicalize, fold, signs, binarize, fuse, dce\n(run 'xnorcc --help' for usage)\n");
}
END_TEST

/* PassOptions.no_opt: only shapes runs (the Identity stays). */
START_TEST(no_opt_shapes_only) {
  Diag d;
  diag_init(&d, "test.json");
  PassOptions po = {0};
  po.print_after_all = 1;
  po.no_opt = 1;
  int rc;
  char *s = run_dump(po, &rc, &d);
  ck_assert_msg(rc == 0, "%s", d.text);
  ck_assert_int_eq(count(s, "# IR after"), 1);
  ck_assert_msg(!strncmp(s, "# IR after shapes\n", 18), "%s", s);
  ck_assert_int_eq(count(s, "node Identity"), 1);
  free(s);
  diag_free(&d);
}
END_TEST

/* Writes n floats to path as raw little-endian float32 (.bin). */
static void write_floats(const char *path, const float *x, int n) {
  FILE *f = fopen(path, "wb");
  ck_assert_msg(f != NULL, "cannot create %s", path);
  ck_assert_int_eq((int)fwrite(x, sizeof *x, (size_t)n, f), n);
  ck_assert_int_eq(fclose(f), 0);
}

static float read_float(const char *path) {
  float v = -99;
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  ck_assert_int_eq((int)fread(&v, sizeof v, 1, f), 1);
  fclose(f);
  return v;
}

/* `xnorcc run --no-opt` runs the graph as read: ONNX Sign(0) = 0 feeding a
 * conv with +-alpha weights gives 0.5 * 0 + 0.5 * 1; without --no-opt the
 * Sign is a BinActiv (sign(0) = +1, docs/binary.md) and the result is 1. */
START_TEST(cli_run_no_opt) {
  static char err[4096];
  const char *xir = XN_WORK_DIR "/no_opt.xir";
  FILE *f = fopen(xir, "w");
  ck_assert(f != NULL);
  fputs("graph \"no_opt\" opset 13;\n"
        "tensor \"w\": float32[1, 1, 1, 2] = [0.5, 0.5];\n"
        "tensor \"x\": float32[1, 1, 1, 2];\n"
        "tensor \"s\": float32[1, 1, 1, 2];\n"
        "tensor \"y\": float32[1, 1, 1, 1];\n"
        "inputs \"x\";\noutputs \"y\";\n"
        "node Sign \"sign\" (\"x\") -> (\"s\");\n"
        "node Conv \"conv\" (\"s\", \"w\") -> (\"y\") {kernel_shape: ints [1, 2]};\n",
        f);
  ck_assert_int_eq(fclose(f), 0);
  const float x[2] = {0.0f, 1.0f};
  write_floats(XN_WORK_DIR "/no_opt_in.bin", x, 2);
  int rc = run_cli("run " XN_WORK_DIR "/no_opt.xir --no-opt --input " XN_WORK_DIR "/no_opt_in.bin --output " XN_WORK_DIR
                   "/no_opt_out0.bin",
                   err, sizeof err);
  ck_assert_msg(rc == 0, "%s", err);
  ck_assert_float_eq(read_float(XN_WORK_DIR "/no_opt_out0.bin"), 0.5f);
  rc = run_cli("run " XN_WORK_DIR "/no_opt.xir --input " XN_WORK_DIR "/no_opt_in.bin --output " XN_WORK_DIR
               "/no_opt_out1.bin",
               err, sizeof err);
  ck_assert_msg(rc == 0, "%s", err);
  ck_assert_float_eq(read_float(XN_WORK_DIR "/no_opt_out1.bin"), 1.0f);
  /* compiling has no --no-opt */
  rc = run_cli(XN_WORK_DIR "/no_opt.xir --no-opt -o " XN_WORK_DIR "/unused.c", err, sizeof err);
  ck_assert_int_eq(rc, 2);
  ck_assert_str_eq(err, "xnorcc: error: unknown option '--no-opt'\n(run 'xnorcc --help' for usage)\n");
}
END_TEST

static char *cases[1024];
static int ncases;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void find_cases(void) {
  if (ncases)
    return;
  DIR *dir = opendir(XN_MODELS_DIR);
  ck_assert_msg(dir != NULL, "cannot open %s", XN_MODELS_DIR);
  struct dirent *e;
  while ((e = readdir(dir)) && ncases < 1024) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s/model.json", XN_MODELS_DIR, e->d_name);
    if (e->d_name[0] != '.' && case_file_exists(path))
      cases[ncases++] = strdup(e->d_name);
  }
  closedir(dir);
  qsort(cases, (size_t)ncases, sizeof *cases, cmp_str);
}

/* Each pass on its own, on random inputs: canonicalize and dce must not
 * change a single bit; binarize may (Sign(0)), so it is only run. */
START_TEST(models_each_pass) {
  find_cases();
  ck_assert_int_gt(ncases, 0);
  for (int c = 0; c < ncases; c++) {
    char dir[1100], path[1200];
    snprintf(dir, sizeof dir, "%s/%s", XN_MODELS_DIR, cases[c]);
    snprintf(path, sizeof path, "%s/model.json", dir);
    DimBinding dims[8];
    char nm[8][64];
    LoadOptions lo = {dims, case_dims(dir, dims, nm)};
    Diag d;
    diag_init(&d, path);
    Graph *g = graph_new(path);
    ck_assert_msg(frontend_load(g, &lo, &d) == 0 && topo_sort(g, &d) == 0, "%s", d.text);
    pt_shape(g);
    int exact;
    double err = pt_check_pass(g, pass_canonicalize, 100 + (uint64_t)c, &exact);
    ck_assert_msg(exact, "%s: canonicalize changed the outputs (relative error %g)", cases[c], err);
    pt_check_pass(g, pass_binarize, 200 + (uint64_t)c, &exact);
    err = pt_check_pass(g, pass_dce, 300 + (uint64_t)c, &exact);
    ck_assert_msg(exact, "%s: dce changed the outputs (relative error %g)", cases[c], err);
    diag_free(&d);
    graph_free(g);
  }
}
END_TEST

/* The whole pipeline, verifier after every pass, against the expected
 * outputs: |a - b| <= 1e-5 + 1e-5 |b| (docs/test-models.md). */
START_TEST(models_pipeline) {
  find_cases();
  for (int c = 0; c < ncases; c++) {
    char dir[1100], path[1200];
    snprintf(dir, sizeof dir, "%s/%s", XN_MODELS_DIR, cases[c]);
    snprintf(path, sizeof path, "%s/model.json", dir);
    DimBinding dims[8];
    char nm[8][64];
    LoadOptions lo = {dims, case_dims(dir, dims, nm)};
    PassOptions po = {0};
    po.verify = 1;
    Diag d;
    diag_init(&d, path);
    Graph *g = graph_new(path);
    ck_assert_msg(pipeline_lower_with(g, NULL, 0, &lo, &po, &d) == 0, "%s", d.text);
    for (int i = 0; i < g->nn; i++) {
      const Node *n = &g->n[i];
      if (n->op != OP_Identity && n->op != OP_Dropout)
        continue;
      /* kept only as a copy between interface tensors */
      const Tensor *x = &g->t[n->in[0]], *y = &g->t[n->out[0]];
      ck_assert_msg(y->is_output && (x->is_input || x->is_output || x->producer < 0),
                    "%s: %s '%s' was not removed", cases[c], op_info[n->op].name, n->name);
    }
    const void **in = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof *in);
    for (int i = 0; i < g->ninputs; i++) {
      Tensor *t = &g->t[g->inputs[i]];
      snprintf(path, sizeof path, "%s/input_%d.npy", dir, i);
      in[i] = case_read(g->arena, path, t, t->rank, t->dims, &d);
      ck_assert_msg(in[i] != NULL, "%s", d.text);
    }
    float **out = case_interp(g, in, &d);
    ck_assert_msg(out != NULL, "%s", d.text);
    for (int i = 0; i < g->noutputs; i++) {
      Tensor *t = &g->t[g->outputs[i]];
      int64_t one = 1, cnt = tensor_numel(t);
      snprintf(path, sizeof path, "%s/output_%d.npy", dir, i);
      const void *wv = case_read(g->arena, path, t, t->rank ? t->rank : 1, t->rank ? t->dims : &one, &d);
      ck_assert_msg(wv != NULL, "%s", d.text);
      const float *want = case_floats(g->arena, t, wv);
      for (int64_t k = 0; k < cnt; k++) {
        float a = out[i][k], b = want[k];
        ck_assert_msg((isnan(a) && isnan(b)) || fabsf(a - b) <= 1e-5f + 1e-5f * fabsf(b),
                      "%s: output %d '%s' element %lld: got %.9g, want %.9g", cases[c], i, t->name, (long long)k,
                      (double)a, (double)b);
      }
    }
    diag_free(&d);
    graph_free(g);
  }
}
END_TEST

Suite *passman_suite(void) {
  Suite *s = suite_create("passman");
  TCase *tc = tcase_create("options");
  tcase_add_test(tc, pass_table);
  tcase_add_test(tc, print_after_one);
  tcase_add_test(tc, print_after_all);
  tcase_add_test(tc, time_passes);
  tcase_add_test(tc, unknown_pass);
  tcase_add_test(tc, cli_print_after);
  tcase_add_test(tc, cli_unknown_pass);
  tcase_add_test(tc, no_opt_shapes_only);
  tcase_add_test(tc, cli_run_no_opt);
  suite_add_tcase(s, tc);
  TCase *tm = tcase_create("models");
  tcase_set_timeout(tm, 300);
  tcase_add_test(tm, models_each_pass);
  tcase_add_test(tm, models_pipeline);
  suite_add_tcase(s, tm);
  return s;
}
