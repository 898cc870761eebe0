/* Unit tests of the C backend on hand-built graphs: the C writer's
 * indentation and constant arrays, hex float literals, comment escaping,
 * unsupported ops, determinism, and generated programs that compile
 * warning-free and compute the expected values. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/emit.h"
#include "driver/npy.h"
#include "driver/pipeline.h"
#include "passes/binary.h"

static char *hexf(Arena *a, float f) {
  StrBuf b;
  sb_init(&b, a);
  put_hexfloat(&b, f);
  return b.s;
}

START_TEST(hexfloat_exact) {
  Arena *a = arena_new();
  ck_assert_str_eq(hexf(a, 0.0f), "0x0p+0f");
  ck_assert_str_eq(hexf(a, -0.0f), "-0x0p+0f");
  ck_assert_str_eq(hexf(a, 1.0f), "0x1p+0f");
  ck_assert_str_eq(hexf(a, 3.0f), "0x1.8p+1f");
  ck_assert_str_eq(hexf(a, -2.5f), "-0x1.4p+1f");
  ck_assert_str_eq(hexf(a, 0.1f), "0x1.99999ap-4f");
  ck_assert_str_eq(hexf(a, FLT_MAX), "0x1.fffffep+127f");
  ck_assert_str_eq(hexf(a, FLT_MIN), "0x1p-126f");
  ck_assert_str_eq(hexf(a, 1.401298464e-45f), "0x1p-149f");
  ck_assert_str_eq(hexf(a, HUGE_VALF), "HUGE_VALF");
  ck_assert_str_eq(hexf(a, -HUGE_VALF), "(-HUGE_VALF)");
  ck_assert_str_eq(hexf(a, NAN), "NAN");
  /* every printed literal reads back as the same bits */
  uint32_t u = 1;
  for (int i = 0; i < 200000; i++) {
    u = u * 1664525u + 1013904223u;
    float f;
    memcpy(&f, &u, 4);
    if (!isfinite(f))
      continue;
    char *s = hexf(a, f);
    size_t n = strlen(s);
    s[n - 1] = 0; /* the f suffix */
    float g = strtof(s, NULL);
    ck_assert_msg(memcmp(&f, &g, 4) == 0, "%s", s);
  }
  arena_free(a);
}
END_TEST

START_TEST(comment_escape) {
  Arena *a = arena_new();
  StrBuf b;
  sb_init(&b, a);
  put_comment_text(&b, "a*/b/*c\n\"d\"?\?/\xc3\xa9\\");
  ck_assert_str_eq(b.s, "a\\x2a/b/\\x2ac\\x0a\"d\"\\x3f\\x3f/\\xc3\\xa9\\x5c");
  arena_free(a);
}
END_TEST

/* The writer's depth: brace-less headers end with their statement (or the
 * block that is their statement), blocks with cw_close, else re-opens. */
START_TEST(writer_depth) {
  Arena *a = arena_new();
  StrBuf b;
  sb_init(&b, a);
  CWriter w;
  cw_init(&w, &b);
  cw_raw(&w, "/* top */\n");
  cw_open(&w, "void f(void) {");
  cw_for(&w, "i", 3);
  cw_for(&w, "j", 4);
  cw_line(&w, "s += i * j;");
  cw_line(&w, "t = s;");
  cw_for(&w, "k", 2);
  cw_for_open(&w, "m", 5);
  cw_head(&w, "if (m)");
  cw_line(&w, "continue;");
  StrBuf *p = cw_begin(&w);
  sb_printf(p, "u += %d;", 7);
  cw_end(&w);
  cw_close(&w);
  cw_open(&w, "if (s) {");
  cw_line(&w, "s = 0;");
  cw_else(&w);
  cw_line(&w, "s = 1;");
  cw_close(&w);
  cw_close(&w);
  ck_assert_int_eq(w.depth, 0);
  ck_assert_str_eq(b.s, "/* top */\n"
                        "void f(void) {\n"
                        "  for (int i = 0; i < 3; i++)\n"
                        "    for (int j = 0; j < 4; j++)\n"
                        "      s += i * j;\n"
                        "  t = s;\n"
                        "  for (int k = 0; k < 2; k++)\n"
                        "    for (int m = 0; m < 5; m++) {\n"
                        "      if (m)\n"
                        "        continue;\n"
                        "      u += 7;\n"
                        "    }\n"
                        "  if (s) {\n"
                        "    s = 0;\n"
                        "  } else {\n"
                        "    s = 1;\n"
                        "  }\n"
                        "}\n");
  /* a failed layer function is dropped back to a mark, at depth 0 */
  size_t mark = b.len;
  cw_open(&w, "static void g(void) {");
  cw_for(&w, "i", 1);
  cw_reset(&w, mark);
  ck_assert_int_eq(w.depth, 0);
  ck_assert_uint_eq(b.len, mark);
  cw_line(&w, "int z;");
  ck_assert_str_eq(b.s + mark, "int z;\n");
  arena_free(a);
}
END_TEST

/* Constant arrays at the writer's depth: items per line by kind, the size
 * expression or the count, one zero element for an empty array. */
START_TEST(writer_const_array) {
  Arena *a = arena_new();
  StrBuf b;
  sb_init(&b, a);
  CWriter w;
  cw_init(&w, &b);
  Emit e = {0};
  e.w = &w;
  const int32_t v[13] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -13};
  const float f[2] = {0.5f, -1.0f};
  cw_open(&w, "void f(void) {");
  emit_const_array(&e, IK_I32, "q", NULL, v, 13);
  emit_const_array(&e, IK_F32, "r", "2 * 1", f, 2);
  emit_const_array(&e, IK_U64, "z", NULL, NULL, 0);
  cw_close(&w);
  ck_assert_str_eq(b.s, "void f(void) {\n"
                        "  static const int32_t q[13] = {\n"
                        "    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,\n"
                        "    -13\n"
                        "  };\n"
                        "  static const float r[2 * 1] = {\n"
                        "    0x1p-1f, -0x1p+0f\n"
                        "  };\n"
                        "  static const uint64_t z[1] = {0};\n"
                        "}\n");
  arena_free(a);
}
END_TEST

/* --weight-storage=bytes: the union of the typed array and rows of string
 * literals with the elements' little-endian bytes (printable ASCII but \ " ?
 * as itself, others 3-digit octal), the pointer under the array's name, the
 * byte-order guard once; rows of equal length up to 4088 bytes, 64 a line. */
START_TEST(writer_const_bytes) {
  Arena *a = arena_new();
  StrBuf b;
  sb_init(&b, a);
  CWriter w;
  cw_init(&w, &b);
  EmitOptions o = {"n", "n.h", 0, WS_BYTES, 0};
  Emit e = {0};
  e.w = &w;
  e.o = &o;
  const int32_t v[2] = {0x5c224241, -2};
  const float f[2] = {0.5f, -1.0f};
  emit_const_array(&e, IK_I32, "q", NULL, v, 2);
  cw_open(&w, "void f(void) {");
  emit_const_array(&e, IK_F32, "r", "2 * 1", f, 2);
  cw_close(&w);
  ck_assert_str_eq(b.s, "#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ != "
                        "__ORDER_LITTLE_ENDIAN__\n"
                        "#error \"constant data is stored as little-endian bytes: for this target generate the "
                        "file with --weight-storage=lists\"\n"
                        "#endif\n"
                        "static const union { unsigned char b[1][8]; int32_t v[2]; } q_u = {{\n"
                        "  \"AB\\042\\134\\376\\377\\377\\377\"\n"
                        "}};\n"
                        "static const int32_t *const q = q_u.v;\n"
                        "void f(void) {\n"
                        "  static const union { unsigned char b[1][8]; float v[2 * 1]; } r_u = {{\n"
                        "    \"\\000\\000\\000\\077\\000\\000\\200\\277\"\n"
                        "  }};\n"
                        "  static const float *const r = r_u.v;\n"
                        "}\n");
  /* 1100 floats = 4400 bytes: two rows of 2200, each 34 lines of 64 and one of 24 */
  sb_init(&b, a);
  cw_init(&w, &b);
  float *big = arena_array(a, 1100, sizeof(float));
  for (int i = 0; i < 1100; i++)
    big[i] = (float)i;
  emit_const_array(&e, IK_F32, "big", NULL, big, 1100);
  ck_assert_ptr_null(strstr(b.s, "#if")); /* the guard came once */
  ck_assert_ptr_nonnull(strstr(b.s, "static const union { unsigned char b[2][2200]; float v[1100]; } big_u = {{\n"));
  int lines = 0, ends = 0;
  for (const char *p = b.s; *p; p++)
    lines += *p == '\n';
  for (const char *p = b.s; (p = strstr(p, "\",\n")); p++)
    ends++;
  ck_assert_int_eq(lines, 1 + 2 * 35 + 2);
  ck_assert_int_eq(ends, 1);
  arena_free(a);
}
END_TEST

/* ---- hand-built graphs ---- */

static int add_t(Graph *g, const char *name, int rank, const int64_t *dims) {
  int t = graph_add_tensor(g, name, "test");
  g->t[t].dtype = DT_F32;
  tensor_set_shape(&g->t[t], rank, dims);
  return t;
}

static int add_c(Graph *g, const char *name, int rank, const int64_t *dims, const float *v) {
  int t = add_t(g, name, rank, dims);
  int64_t n = tensor_numel(&g->t[t]);
  float *d = arena_array(g->arena, (size_t)n, sizeof(float));
  memcpy(d, v, (size_t)n * sizeof(float));
  g->t[t].data = d;
  return t;
}

static int add_n(Graph *g, Op op, const char *name, int nin, const int *in, int out) {
  int ni = graph_add_node(g, op, name, "test.node", nin, 1);
  for (int i = 0; i < nin; i++)
    g->n[ni].in[i] = in[i];
  g->n[ni].out[0] = out;
  g->t[out].producer = ni;
  return ni;
}

static const char *tmpdir(void) {
  const char *d = getenv("XN_TEST_TMP");
  return d ? d : ".";
}

static int write_file(const char *path, const char *s, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t w = fwrite(s, 1, n, f);
  return fclose(f) || w != n ? -1 : 0;
}

/* x[2,3] @ W[3,4] + b -> Relu (out0), Reshape to [8] (out1), Softmax of the
 * sum over the last axis (out2), Transpose of the product (out3), and x
 * itself (out4), Relu again (out5) and the bias constant (out6). Names are
 * hostile on purpose. */
static Graph *mlp_graph(void) {
  Graph *g = graph_new("dir/evil*/name.json");
  g->opset = 13;
  g->name = "g */ \n #error";
  int64_t d23[2] = {2, 3}, d34[2] = {3, 4}, d4[1] = {4}, d24[2] = {2, 4}, d8[1] = {8}, d42[2] = {4, 2};
  float w[12], bias[4] = {0.5f, -0.25f, 0.0f, 1e-3f};
  for (int i = 0; i < 12; i++)
    w[i] = (float)(i - 5) / 7.0f;
  int x = add_t(g, "x */ #include <stdio.h>", 2, d23);
  graph_add_input(g, x);
  int W = add_c(g, "W\n", 2, d34, w), b = add_c(g, "b?\?/", 1, d4, bias);
  int p = add_t(g, "p", 2, d24), s = add_t(g, "s", 2, d24), r = add_t(g, "r", 2, d24);
  int fl = add_t(g, "fl", 1, d8), sm = add_t(g, "sm", 2, d24), tr = add_t(g, "tr", 2, d42);
  int64_t shape[1] = {8};
  int sh = graph_add_tensor(g, "shape", "test");
  g->t[sh].dtype = DT_I64;
  tensor_set_shape(&g->t[sh], 1, (int64_t[]){1});
  g->t[sh].data = shape;
  add_n(g, OP_MatMul, "mm/*", 2, (int[]){x, W}, p);
  add_n(g, OP_Add, "add", 2, (int[]){p, b}, s);
  add_n(g, OP_Relu, "relu", 1, (int[]){s}, r);
  add_n(g, OP_Reshape, "reshape", 2, (int[]){r, sh}, fl);
  add_n(g, OP_Softmax, "softmax", 1, (int[]){s}, sm);
  int tn = add_n(g, OP_Transpose, "tr", 1, (int[]){p}, tr);
  (void)tn;
  graph_add_output(g, r);
  graph_add_output(g, fl);
  graph_add_output(g, sm);
  graph_add_output(g, tr);
  graph_add_output(g, x);
  graph_add_output(g, r); /* twice: copied from out0 */
  graph_add_output(g, b); /* a constant: copied from its array */
  (void)d8;
  return g;
}

static void mlp_expected(const float *x, float out[7][8]) {
  float p[2][4], s[2][4];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 4; j++) {
      float acc = 0;
      for (int k = 0; k < 3; k++)
        acc += x[i * 3 + k] * ((float)(k * 4 + j - 5) / 7.0f);
      p[i][j] = acc;
    }
  float bias[4] = {0.5f, -0.25f, 0.0f, 1e-3f};
  for (int i = 0; i < 2; i++) {
    float mx = -HUGE_VALF, sum = 0;
    for (int j = 0; j < 4; j++) {
      s[i][j] = p[i][j] + bias[j];
      out[0][i * 4 + j] = out[1][i * 4 + j] = s[i][j] > 0 ? s[i][j] : 0;
      out[3][j * 2 + i] = p[i][j];
      mx = fmaxf(mx, s[i][j]);
    }
    for (int j = 0; j < 4; j++)
      sum += expf(s[i][j] - mx);
    for (int j = 0; j < 4; j++)
      out[2][i * 4 + j] = expf(s[i][j] - mx) / sum;
  }
  for (int i = 0; i < 6; i++)
    out[4][i] = x[i];
  for (int i = 0; i < 8; i++)
    out[5][i] = out[0][i];
  for (int i = 0; i < 4; i++)
    out[6][i] = bias[i];
}

static int emit(Graph *g, int with_main, StrBuf *c, StrBuf *h, Diag *d) {
  EmitOptions o = {"mlp", "mlp.h", with_main, WS_AUTO, 0};
  sb_init(c, g->arena);
  sb_init(h, g->arena);
  return emit_c(g, d, &o, c, h);
}

START_TEST(mlp_compiles_and_runs) {
  Graph *g = mlp_graph();
  Diag d;
  diag_init(&d, g->file);
  StrBuf c, h, c2, h2;
  int rc = emit(g, 1, &c, &h, &d);
  if (rc)
    diag_print(&d, stderr);
  ck_assert_int_eq(rc, 0);
  ck_assert_int_eq(emit(g, 1, &c2, &h2, &d), 0);
  ck_assert_str_eq(c.s, c2.s);
  ck_assert_str_eq(h.s, h2.s);
  ck_assert_ptr_null(strstr(c.s, "\n #error"));
  ck_assert_ptr_nonnull(strstr(c.s, "\\x0a #error"));
  ck_assert_ptr_null(strstr(c.s, "#include <stdio.h>\n#include <string.h>\n\n#include \"mlp.h\"\n\n/* x */"));
  ck_assert_ptr_nonnull(strstr(h.s, "#define mlp_IN0_SIZE 6\n"));
  ck_assert_ptr_nonnull(strstr(c.s, "xnrt_sgemv(4, 3, wp0, x0 + r * 3, 1, y + r * 4, 1, 0, 0);"));
  ck_assert_ptr_nonnull(strstr(h.s, "int mlp_run(const float *in0, float *out0, float *out1, float *out2, "
                                    "float *out3, float *out4, float *out5, float *out6);"));
  char path[4096], cmd[16384];
  const char *dir = tmpdir();
  snprintf(path, sizeof path, "%s/mlp.c", dir);
  ck_assert_int_eq(write_file(path, c.s, c.len), 0);
  snprintf(path, sizeof path, "%s/mlp.h", dir);
  ck_assert_int_eq(write_file(path, h.s, h.len), 0);
  float x[6] = {1.0f, -2.0f, 0.5f, 3.0f, 0.25f, -1.0f};
  snprintf(path, sizeof path, "%s/mlp_in0.bin", dir);
  ck_assert_int_eq(write_file(path, (const char *)x, sizeof x), 0); /* the test host is little-endian */
  const char *ccs[2] = {"cc", "clang"};
  for (int k = 0; k < 2; k++) {
    /* the MatMul's constant W: on the runtime's xnrt_sgemv (emit_float.c) */
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null || exit 0; cd '%s' && %s -std=c99 -O2 -Wall -Wextra -Werror -pedantic "
             "-I'%s/runtime/include' mlp.c -o mlp -lm && ./mlp mlp_in0.bin o0.bin o1.bin o2.bin o3.bin o4.bin o5.bin o6.bin",
             ccs[k], dir, ccs[k], XN_SOURCE_DIR);
    ck_assert_int_eq(system(cmd), 0);
    float want[7][8];
    mlp_expected(x, want);
    int sizes[7] = {8, 8, 8, 8, 6, 8, 4};
    for (int o = 0; o < 7; o++) {
      snprintf(path, sizeof path, "%s/o%d.bin", dir, o);
      FILE *f = fopen(path, "rb");
      ck_assert_ptr_nonnull(f);
      float got[8];
      ck_assert_int_eq((int)fread(got, 4, 8, f), sizes[o]);
      fclose(f);
      for (int i = 0; i < sizes[o]; i++)
        ck_assert_msg(fabsf(got[i] - want[o][i]) <= 1e-6f + 1e-6f * fabsf(want[o][i]), "out%d[%d]: %g vs %g",
                      o, i, got[i], want[o][i]);
    }
  }
  /* wrong input size: a clear error and exit status 1 */
  snprintf(cmd, sizeof cmd, "cd '%s' && head -c 20 mlp_in0.bin > short.bin && ./mlp short.bin o0.bin o1.bin "
           "o2.bin o3.bin o4.bin o5.bin o6.bin 2>err.txt; test $? = 1 && grep -q 'has 20 bytes but must have 24' err.txt", dir);
  ck_assert_int_eq(system(cmd), 0);
  diag_free(&d);
  graph_free(g);
}
END_TEST

START_TEST(unsupported_ops_all_listed) {
  Graph *g = graph_new("m.json");
  int64_t d4[1] = {4};
  int x = add_t(g, "x", 1, d4), a = add_t(g, "a", 1, d4), b = add_t(g, "b", 1, d4), y = add_t(g, "y", 1, d4);
  graph_add_input(g, x);
  add_n(g, OP_Shape, "s1", 1, (int[]){x}, a);
  add_n(g, OP_Relu, "r", 1, (int[]){a}, b);
  add_n(g, OP_Size, "s2", 1, (int[]){b}, y);
  graph_add_output(g, y);
  Diag d;
  diag_init(&d, g->file);
  StrBuf c, h;
  ck_assert_int_eq(emit(g, 0, &c, &h, &d), -1);
  ck_assert_int_eq(d.nerrors, 2);
  ck_assert_ptr_nonnull(strstr(d.text, "node 's1' (Shape) at test.node: op Shape is not supported by the C backend"));
  ck_assert_ptr_nonnull(strstr(d.text, "op Size is not supported by the C backend"));
  diag_free(&d);
  graph_free(g);
}
END_TEST

/* The reference values of every tensor: the interpreter node by node (with
 * the xnor ops too). Returns the per-tensor data. */
static void **run_ref(Graph *g, Diag *d, const float *const *inputs) {
  void **val = arena_array(g->arena, (size_t)g->nt + 1, sizeof(void *));
  for (int t = 0; t < g->nt; t++)
    val[t] = g->t[t].data;
  for (int k = 0; k < g->ninputs; k++)
    val[g->inputs[k]] = (void *)inputs[k];
  for (int i = 0; i < g->nn; i++) {
    Node *n = &g->n[i];
    if (n->dead)
      continue;
    void *in[16] = {0}, *out[8] = {0};
    for (int j = 0; j < n->nin && j < 16; j++)
      in[j] = n->in[j] >= 0 ? val[n->in[j]] : NULL;
    int done = 1;
    for (int j = 0; j < n->nout && j < 8; j++)
      if (n->out[j] >= 0) {
        Tensor *t = &g->t[n->out[j]];
        if (!t->data)
          done = 0;
        out[j] = val[n->out[j]] = t->data ? t->data
                                           : arena_array(g->arena, (size_t)tensor_numel(t) + 1, dtype_size(t->dtype));
      }
    if (done)
      continue;
    if (interp_node(g, n, d, in, out))
      return NULL;
  }
  return val;
}

/* Models that pass_binarize rewrites into BinActiv/BinConv/BinGemm: the
 * generated program (gcc and clang) against the interpreter. */
START_TEST(binarized_models) {
  static const char *const cases[] = {"bin_xnornet", "bin_block_k", "bin_fc_matmul", "bin_fc_gemm",
                                      "bin_conv_k_box", "bin_binactive", "bin_bwn_conv"};
  int nbin = 0;
  for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
    char path[8192], dir[4096], cmd[16384];
    snprintf(path, sizeof path, "%s/tests/models/%s/model.json", XN_SOURCE_DIR, cases[ci]);
    Graph *g = graph_new(path);
    Diag d;
    diag_init(&d, path);
    LoadOptions lo = {NULL, 0};
    int rc = pipeline_lower(g, NULL, 0, &lo, &d);
    if (!rc)
      rc = pass_binarize(g, &d);
    if (rc)
      diag_print(&d, stderr);
    ck_assert_int_eq(rc, 0);
    for (int i = 0; i < g->nn; i++)
      if (!g->n[i].dead && (g->n[i].op == OP_BinActiv || g->n[i].op == OP_BinConv || g->n[i].op == OP_BinGemm))
        nbin++;
    ck_assert_int_eq(g->ninputs, 1);
    Tensor *xt = &g->t[g->inputs[0]];
    snprintf(path, sizeof path, "%s/tests/models/%s/input_0.npy", XN_SOURCE_DIR, cases[ci]);
    const float *x = tensor_read(g->arena, path, xt->rank, xt->dims, tensor_numel(xt), &d);
    ck_assert_ptr_nonnull(x);
    void **ref = run_ref(g, &d, &x);
    if (!ref)
      diag_print(&d, stderr);
    ck_assert_ptr_nonnull(ref);
    StrBuf c, h;
    EmitOptions o = {"net", "net.h", 1, WS_AUTO, 0};
    sb_init(&c, g->arena);
    sb_init(&h, g->arena);
    rc = emit_c(g, &d, &o, &c, &h);
    if (rc)
      diag_print(&d, stderr);
    ck_assert_int_eq(rc, 0);
    snprintf(dir, sizeof dir, "%s/%s", tmpdir(), cases[ci]);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/net.c", dir);
    ck_assert_int_eq(write_file(path, c.s, c.len), 0);
    snprintf(path, sizeof path, "%s/net.h", dir);
    ck_assert_int_eq(write_file(path, h.s, h.len), 0);
    snprintf(path, sizeof path, "%s/in0.bin", dir);
    ck_assert_int_eq(write_file(path, (const char *)x, (size_t)tensor_numel(xt) * 4), 0);
    const char *ccs[2] = {"cc", "clang"};
    for (int k = 0; k < 2; k++) {
      snprintf(cmd, sizeof cmd, "command -v %s >/dev/null || exit 0; cd '%s' && %s -std=c99 -O2 -Wall -Wextra "
               "-Werror -pedantic -I'%s/runtime/include' net.c -o net -lm && ./net in0.bin", ccs[k], dir, ccs[k],
               XN_SOURCE_DIR);
      for (int j = 0; j < g->noutputs; j++)
        snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), " out%d.bin", j);
      ck_assert_int_eq(system(cmd), 0);
      for (int j = 0; j < g->noutputs; j++) {
        Tensor *yt = &g->t[g->outputs[j]];
        int64_t ny = tensor_numel(yt);
        snprintf(path, sizeof path, "%s/out%d.bin", dir, j);
        const float *got = tensor_read(g->arena, path, yt->rank, yt->dims, ny, &d);
        ck_assert_ptr_nonnull(got);
        const float *want = ref[g->outputs[j]];
        for (int64_t i = 0; i < ny; i++)
          ck_assert_msg(fabsf(got[i] - want[i]) <= 1e-5f + 1e-5f * fabsf(want[i]), "%s out%d[%lld]: %g vs %g",
                        cases[ci], j, (long long)i, got[i], want[i]);
      }
    }
    diag_free(&d);
    graph_free(g);
  }
  ck_assert_int_gt(nbin, 0);
}
END_TEST

/* Non-finite and subnormal weights, an unused graph input, a graph with no
 * arena: still warning-free C. */
START_TEST(special_weights_compile) {
  Graph *g = graph_new("special.json");
  g->opset = 13;
  int64_t d5[1] = {5};
  float w[5] = {HUGE_VALF, -HUGE_VALF, NAN, -0.0f, 1e-40f};
  int x = add_t(g, "x", 1, d5), unused = add_t(g, "unused", 1, d5), y = add_t(g, "y", 1, d5);
  int c = add_c(g, "w", 1, d5, w);
  graph_add_input(g, x);
  graph_add_input(g, unused);
  add_n(g, OP_Add, "add", 2, (int[]){x, c}, y);
  graph_add_output(g, y);
  Diag d;
  diag_init(&d, g->file);
  StrBuf cs, h;
  EmitOptions o = {"sp", "sp.h", 0, WS_AUTO, 0};
  sb_init(&cs, g->arena);
  sb_init(&h, g->arena);
  ck_assert_int_eq(emit_c(g, &d, &o, &cs, &h), 0);
  ck_assert_ptr_nonnull(strstr(cs.s, "HUGE_VALF, (-HUGE_VALF), NAN, -0x0p+0f, 0x1.16c2p-133f"));
  ck_assert_ptr_nonnull(strstr(cs.s, "(void)in1;"));
  ck_assert_ptr_nonnull(strstr(h.s, "#define sp_ARENA_BYTES 0\n"));
  char path[4096], cmd[8192];
  snprintf(path, sizeof path, "%s/sp.c", tmpdir());
  ck_assert_int_eq(write_file(path, cs.s, cs.len), 0);
  snprintf(path, sizeof path, "%s/sp.h", tmpdir());
  ck_assert_int_eq(write_file(path, h.s, h.len), 0);
  /* the Add is on the runtime's xnrt_binary (emit_float.c) */
  snprintf(cmd, sizeof cmd, "cd '%s' && cc -std=c99 -O0 -Wall -Wextra -Werror -pedantic -I'%s/runtime/include' -c sp.c && "
           "(! command -v clang >/dev/null || clang -std=c11 -O2 -Wall -Wextra -Werror -pedantic -I'%s/runtime/include' "
           "-c sp.c) && (! command -v c++ >/dev/null || c++ -x c++ -Wall -Wextra -Werror -fsyntax-only sp.h)",
           tmpdir(), XN_SOURCE_DIR, XN_SOURCE_DIR);
  ck_assert_int_eq(system(cmd), 0);
  /* the same as bytes: NaN, infinities, -0.0 and the subnormal as their bits */
  o.storage = WS_BYTES;
  sb_init(&cs, g->arena);
  sb_init(&h, g->arena);
  ck_assert_int_eq(emit_c(g, &d, &o, &cs, &h), 0);
  ck_assert_ptr_nonnull(strstr(cs.s, "static const union { unsigned char b[1][24]; float v[5]; } w3_u = {{"));
  snprintf(path, sizeof path, "%s/sp.c", tmpdir());
  ck_assert_int_eq(write_file(path, cs.s, cs.len), 0);
  ck_assert_int_eq(system(cmd), 0);
  diag_free(&d);
  graph_free(g);
}
END_TEST

static Suite *backend_suite(void) {
  Suite *s = suite_create("backend");
  TCase *tc = tcase_create("emit");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, hexfloat_exact);
  tcase_add_test(tc, comment_escape);
  tcase_add_test(tc, mlp_compiles_and_runs);
  tcase_add_test(tc, writer_depth);
  tcase_add_test(tc, writer_const_array);
  tcase_add_test(tc, writer_const_bytes);
  tcase_add_test(tc, unsupported_ops_all_listed);
  tcase_add_test(tc, binarized_models);
  tcase_add_test(tc, special_weights_compile);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(backend_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
