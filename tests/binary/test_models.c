/* test_models.c - the PyTorch-exported binary models (tests/models/bin_*):
 * load, shapes and folding, canonicalize, fold, signs, then pass_binarize and dce as
 * pipeline_lower runs them; the layers must become
 * what tests/binary/expect/CASE.expect lists ("OP KIND" per layer, in report
 * order, then the live nodes), and the interpreter must still match PyTorch's output_0.npy within
 * |a-b| <= 1e-5 + 1e-5*|b|. Set XN_PRINT_REPORT=1 to see each --report. */
#include <stdlib.h>
#include <string.h>

#include "binary_test.h"
#include "driver/npy.h"
#include "driver/pipeline.h"

static const char *const cases[] = {
    "bin_binactive", "bin_block",          "bin_block_k",      "bin_bwn_conv",   "bin_bwn_conv_unfolded",
    "bin_conv_folded", "bin_conv_unfolded", "bin_conv_k_avgpool", "bin_conv_k_box", "bin_fc_gemm",
    "bin_fc_matmul",  "bin_fc_unfolded",    "bin_xnornet",      "bin_xnornet_unfolded",
    "bin_resnet_block", "bin_cbap",     "bin_zero_weights", "bin_bireal", "bin_reactnet", "bin_binarynet",
    "bin_weight_std", "bin_weight_pow2", "bin_weight_rotate", "bin_act_std", "bin_option_a",
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

/* The expectation file's non-comment lines, joined by '\n'. */
static char *read_expect(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.expect", XN_EXPECT_DIR, name);
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  static char buf[8192];
  size_t len = 0;
  char line[512];
  while (fgets(line, sizeof line, f))
    if (line[0] != '#' && line[0] != '\n' && len + strlen(line) < sizeof buf) {
      memcpy(buf + len, line, strlen(line));
      len += strlen(line);
    }
  buf[len] = 0;
  fclose(f);
  return buf;
}

/* "OP KIND" of every layer, in report order, then "nodes: " and the live
 * nodes' ops (which shows what was absorbed). */
static const char *layer_kinds(Graph *g) {
  StrBuf b;
  sb_init(&b, g->arena);
  for (int i = 0; i < g->nn; i++) {
    const Node *n = &g->n[i];
    if (!n->dead && (op_info[n->op].flags & OPF_LAYER))
      sb_printf(&b, "%s %s\n", op_info[n->op].name, layer_kind_name(n->kind));
  }
  sb_printf(&b, "nodes: %s\n", live_ops(g));
  return b.s;
}

/* Worst relative error of the graph's output against output_0.npy. */
static double run_against_torch(Graph *g, const char *dir, const float *in, Diag *d) {
  const Tensor *ot = &g->t[g->outputs[0]];
  int64_t n = tensor_numel(ot);
  char path[1024];
  snprintf(path, sizeof path, "%s/output_0.npy", dir);
  float *want = tensor_read(g->arena, path, ot->rank, ot->dims, n, d);
  ck_assert_msg(want != NULL, "%s", d->text);
  float *got = arena_array(g->arena, (size_t)n + 1, sizeof(float));
  const float *ins[1] = {in};
  ck_assert_msg(interp_run(g, d, ins, &got) == 0, "%s", d->text);
  return rel_err(got, want, n);
}

START_TEST(test_bin_model) {
  const char *name = cases[_i];
  char dir[1024], model[1100], inpath[1100];
  snprintf(dir, sizeof dir, "%s/%s", XN_MODELS_DIR, name);
  snprintf(model, sizeof model, "%s/model.json", dir);
  snprintf(inpath, sizeof inpath, "%s/input_0.npy", dir);
  Graph *g = graph_new(model);
  Diag d;
  diag_init(&d, model);
  LoadOptions lo = {NULL, 0};
  /* pipeline_lower's passes up to binarize, so that "before" is the float graph. */
  ck_assert_msg(frontend_load(g, &lo, &d) == 0 && topo_sort(g, &d) == 0 && pass_shapes(g, &d) == 0 &&
                    pass_canonicalize(g, &d) == 0 && pass_fold(g, &d) == 0 && pass_signs(g, &d) == 0,
                "%s", d.text);
  ck_assert_msg(strstr(live_ops(g), "Bin") == NULL, "%s", live_ops(g));
  ck_assert_int_eq(g->ninputs, 1);
  const Tensor *it = &g->t[g->inputs[0]];
  float *in = tensor_read(g->arena, inpath, it->rank, it->dims, tensor_numel(it), &d);
  ck_assert_msg(in != NULL, "%s", d.text);
  double before = run_against_torch(g, dir, in, &d);
  ck_assert_msg(before <= 1.0, "%s before pass_binarize: relative error %g", name, before);
  ck_assert_msg(pass_binarize(g, &d) == 0 && pass_dce(g, &d) == 0, "%s", d.text);
  ck_assert_msg(ir_verify(g, &d, VERIFY_PASS) == 0, "%s", d.text);
  if (getenv("XN_PRINT_REPORT")) {
    printf("== %s\nnodes: %s\n", name, live_ops(g));
    report_print(g, stdout);
  }
  ck_assert_str_eq(layer_kinds(g), read_expect(name));
  double after = run_against_torch(g, dir, in, &d);
  ck_assert_msg(after <= 1.0, "%s after pass_binarize: relative error %g", name, after);
  diag_free(&d);
  graph_free(g);
}
END_TEST

/* The same through pipeline_lower_with, which is what the command line runs
 * (without the fuse pass: these are binarize's results; tests/fuse checks
 * the fused pipeline). */
START_TEST(test_bin_model_pipeline) {
  const char *name = cases[_i];
  char dir[1024], model[1100], inpath[1100];
  snprintf(dir, sizeof dir, "%s/%s", XN_MODELS_DIR, name);
  snprintf(model, sizeof model, "%s/model.json", dir);
  snprintf(inpath, sizeof inpath, "%s/input_0.npy", dir);
  Graph *g = graph_new(model);
  Diag d;
  diag_init(&d, model);
  LoadOptions lo = {NULL, 0};
  PassOptions po = {0};
  po.fuse = -1;
  ck_assert_msg(pipeline_lower_with(g, NULL, 0, &lo, &po, &d) == 0, "%s", d.text);
  ck_assert_str_eq(layer_kinds(g), read_expect(name));
  const Tensor *it = &g->t[g->inputs[0]];
  float *in = tensor_read(g->arena, inpath, it->rank, it->dims, tensor_numel(it), &d);
  ck_assert_msg(in != NULL, "%s", d.text);
  double e = run_against_torch(g, dir, in, &d);
  ck_assert_msg(e <= 1.0, "%s: relative error %g", name, e);
  diag_free(&d);
  graph_free(g);
}
END_TEST

Suite *binary_models_suite(void) {
  Suite *s = suite_create("binary_models");
  TCase *tc = tcase_create("torch");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_bin_model, 0, NCASES);
  tcase_add_loop_test(tc, test_bin_model_pipeline, 0, NCASES);
  suite_add_tcase(s, tc);
  return s;
}
