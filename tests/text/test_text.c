/* test_text.c - the text IR: printer, parser (round trip, numbers, errors with
 * carets, recovery, hostile input, out of memory) and the Graphviz writer. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/frontend.h"

/* ---- helpers ---- */

static Diag diag;

/* Parses text as file "t.xir"; diag holds the messages (freed by the caller). */
static Graph *parse(const char *text, int *rc) {
  Graph *g = graph_new("t.xir");
  ck_assert_ptr_nonnull(g);
  diag_init(&diag, "t.xir");
  *rc = xir_load(g, text, strlen(text), NULL, &diag);
  return g;
}

static char *print(Graph *g, int elide) {
  StrBuf b;
  sb_init(&b, g->arena);
  ir_print(g, &b, elide);
  return b.s;
}

/* Parses text expecting errors; returns the messages (static copy). */
static const char *errors_of(const char *text) {
  static char buf[1 << 15];
  int rc;
  Graph *g = parse(text, &rc);
  ck_assert_int_eq(rc, -1);
  ck_assert_int_gt(diag.nerrors, 0);
  snprintf(buf, sizeof buf, "%s", diag.text ? diag.text : "");
  diag_free(&diag);
  graph_free(g);
  return buf;
}

/* print(parse(print(g))) == print(g); returns the text (in g's arena). */
static char *round_trip(Graph *g) {
  char *s1 = print(g, 0);
  int rc;
  Graph *g2 = parse(s1, &rc);
  if (rc)
    fprintf(stderr, "%s\n---\n%s", s1, diag.text);
  ck_assert_int_eq(rc, 0);
  ck_assert_int_eq(diag.nerrors, 0);
  diag_free(&diag);
  char *s2 = print(g2, 0);
  ck_assert_str_eq(s1, s2);
  graph_free(g2);
  return s1;
}

static float bits_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static int add_tensor(Graph *g, const char *name, DType dt, int rank, const int64_t *dims) {
  int ti = graph_add_tensor(g, name, "here");
  g->t[ti].dtype = dt;
  tensor_set_shape(&g->t[ti], rank, dims);
  return ti;
}

/* A graph with hostile names, every dtype, every attribute kind, omitted
 * inputs and outputs, a dead node, an unused tensor and odd float values. */
static Graph *nasty_graph(void) {
  Graph *g = graph_new("nasty.json");
  g->name = "g \"quoted\"\n*/ \xc3\xa9\xff";
  g->opset = 13;
  g->xnor_opset = 1;
  int64_t d4[4] = {1, 3, 4, 4}, dw[4] = {2, 3, 1, 1}, d2[1] = {2}, dy[4] = {1, 2, 4, 4};
  int x = add_tensor(g, "x\"y\\z", DT_F32, 4, d4);
  g->t[x].loc = "graph.input[0]";
  int w = add_tensor(g, "w\n\t\r*/", DT_F32, 4, dw);
  float *wd = arena_array(g->arena, 6, sizeof(float));
  wd[0] = -0.0f, wd[1] = bits_float(1), wd[2] = FLT_MAX, wd[3] = FLT_MIN, wd[4] = 0.1f, wd[5] = 1.0f / 3;
  g->t[w].data = wd;
  int sp = add_tensor(g, "", DT_F32, 1, d2);
  float *sd = arena_array(g->arena, 2, sizeof(float));
  sd[0] = bits_float(0x7f800000), sd[1] = bits_float(0xffc00001);
  g->t[sp].data = sd;
  int sh = add_tensor(g, "#shape", DT_I64, 1, d2);
  int64_t *shd = arena_array(g->arena, 2, sizeof(int64_t));
  shd[0] = INT64_MIN, shd[1] = INT64_MAX;
  g->t[sh].data = shd;
  add_tensor(g, "unused", DT_F32, 1, d2);
  int bit = add_tensor(g, "_", DT_BIT, 0, NULL);
  float *bd = arena_alloc(g->arena, sizeof(float));
  bd[0] = -1;
  g->t[bit].data = bd;
  int y = add_tensor(g, "y", DT_F32, 4, dy);
  int u = add_tensor(g, "u", DT_F32, 4, dy);
  int z = add_tensor(g, "z", DT_BIT, 4, dy);
  int m = add_tensor(g, "\x01\x7f\x80", DT_F32, 4, dy);
  graph_add_input(g, x);
  graph_add_output(g, z);
  graph_add_output(g, y);

  int c = graph_add_node(g, OP_Conv, "conv \"1\"", "graph.node[0]", 3, 1);
  g->n[c].in[0] = x, g->n[c].in[1] = w, g->n[c].out[0] = y;
  Attr *a = node_add_attr(g, c, "i", AT_INT, NULL);
  a->i = INT64_MIN;
  a = node_add_attr(g, c, "f", AT_FLOAT, NULL);
  a->f = bits_float(0x7f800123);
  a = node_add_attr(g, c, "s", AT_STRING, NULL);
  a->s = "a\0b\"";
  a->slen = 4;
  a = node_add_attr(g, c, "empty ints", AT_INTS, "graph.node[0].attribute[3]");
  a = node_add_attr(g, c, "ints", AT_INTS, "graph.node[0].attribute[3]");
  static int64_t iv[3] = {-1, 0, 9000000000LL};
  a->ints = iv, a->n = 3;
  a = node_add_attr(g, c, "floats", AT_FLOATS, NULL);
  static float fv[3] = {-2.5f, 1e-40f, 0};
  a->floats = fv, a->n = 3;
  a = node_add_attr(g, c, "tensor", AT_TENSOR, NULL);
  a->tensor = sh;
  a = node_add_attr(g, c, "no tensor", AT_TENSOR, NULL);
  a = node_add_attr(g, c, "graph", AT_OTHER, NULL);
  a = node_add_attr(g, c, "inf", AT_INT, NULL);
  a = node_add_attr(g, c, "_x", AT_STRING, NULL);
  a->s = "", a->slen = 0;

  int dead = graph_add_node(g, OP_Relu, "dead", "graph.node[1]", 1, 1);
  g->n[dead].in[0] = y, g->n[dead].out[0] = u;
  g->n[dead].dead = 1;

  int dr = graph_add_node(g, OP_Dropout, "", "", 1, 2);
  g->n[dr].in[0] = y, g->n[dr].out[0] = m;
  int bc = graph_add_node(g, OP_BinConv, "bin", "graph.node[3]", 4, 1);
  g->n[bc].in[0] = m, g->n[bc].in[1] = w, g->n[bc].in[2] = -1, g->n[bc].in[3] = sp, g->n[bc].out[0] = z;
  a = node_add_attr(g, bc, "scale", AT_TENSOR, NULL);
  a->tensor = bit;
  a = node_add_attr(g, bc, "shapeless", AT_TENSOR, NULL);
  a->tensor = add_tensor(g, "unknown rank", DT_F32, -1, NULL);
  return g;
}

/* ---- round trip ---- */

START_TEST(roundtrip_nasty) {
  Graph *g = nasty_graph();
  char *s = round_trip(g);
  if (getenv("XIR_SHOW"))
    fputs(s, stderr);
  /* Spot checks of the form. */
  ck_assert_ptr_nonnull(strstr(s, "graph \"g \\\"quoted\\\"\\n*/ \\xc3\\xa9\\xff\" opset 13, xnor 1;\n"));
  ck_assert_ptr_nonnull(strstr(s, "tensor \"x\\\"y\\\\z\": float32[1, 3, 4, 4] @\"graph.input[0]\";\n"));
  ck_assert_ptr_nonnull(strstr(s, "= [-0x0p+0, 0x1p-149, 0x1.fffffep+127, 0x1p-126, 0x1.99999ap-4, 0x1.555556p-2]"));
  ck_assert_ptr_nonnull(strstr(s, "tensor \"\": float32[2] = [+inf, -nan(0x400001)] @\"here\";"));
  ck_assert_ptr_nonnull(strstr(s, "= [-9223372036854775808, 9223372036854775807]"));
  ck_assert_ptr_nonnull(strstr(s, "tensor \"_\": bit[] = [-0x1p+0] @\"here\";"));
  ck_assert_ptr_nonnull(strstr(s, "tensor \"unknown rank\": float32[*] @\"here\";"));
  ck_assert_ptr_null(strstr(s, "\"u\""));
  ck_assert_ptr_null(strstr(s, "unused"));
  ck_assert_ptr_null(strstr(s, "dead"));
  ck_assert_ptr_nonnull(strstr(s, "inputs \"x\\\"y\\\\z\";\noutputs \"z\", \"y\";\n"));
  ck_assert_ptr_nonnull(strstr(
      s, "node Conv \"conv \\\"1\\\"\" (\"x\\\"y\\\\z\", \"w\\n\\t\\r*/\", _) -> (\"y\") {i: int -9223372036854775808 "
         "@\"graph.node[0]\", f: float +nan(0x123) @\"graph.node[0]\", s: string \"a\\x00b\\\"\" @\"graph.node[0]\", "
         "\"empty ints\": ints [], ints: ints [-1, 0, 9000000000] @\"graph.node[0].attribute[3]\", floats: floats "
         "[-0x1.4p+1, 0x1.16c2p-133, 0x0p+0] @\"graph.node[0]\", tensor: tensor \"#shape\" @\"graph.node[0]\", "
         "\"no tensor\": tensor _ @\"graph.node[0]\", graph: other @\"graph.node[0]\", inf: int 0 @\"graph.node[0]\", "
         "\"_x\": string \"\" @\"graph.node[0]\"} @\"graph.node[0]\";\n"));
  ck_assert_ptr_nonnull(strstr(s, "node Dropout \"\" (\"y\") -> (\"\\x01\\x7f\\x80\", _) @\"\";\n"));
  ck_assert_ptr_nonnull(strstr(s, "node xnor.BinConv \"bin\" (\"\\x01\\x7f\\x80\", \"w\\n\\t\\r*/\", _, \"\") -> "
                                  "(\"z\") {scale: tensor \"_\" @\"graph.node[3]\", shapeless: tensor \"unknown rank\" @\"graph.node[3]\"} @\"graph.node[3]\";\n"));
  graph_free(g);
}
END_TEST

START_TEST(roundtrip_values_kept) {
  Graph *g = nasty_graph();
  int rc;
  Graph *g2 = parse(print(g, 0), &rc);
  ck_assert_int_eq(rc, 0);
  diag_free(&diag);
  int w = graph_find_tensor(g2, "w\n\t\r*/");
  ck_assert_int_ge(w, 0);
  ck_assert_int_eq(memcmp(g2->t[w].data, g->t[graph_find_tensor(g, "w\n\t\r*/")].data, 6 * sizeof(float)), 0);
  const Node *c = &g2->n[0];
  ck_assert_int_eq(c->op, OP_Conv);
  ck_assert_str_eq(c->loc, "graph.node[0]");
  ck_assert_str_eq(c->attr[3].loc, "graph.node[0].attribute[3]");
  ck_assert_str_eq(c->attr[4].loc, "graph.node[0].attribute[3]");
  ck_assert_str_eq(c->attr[5].loc, "graph.node[0]");
  ck_assert_int_eq(c->attr[2].slen, 4);
  ck_assert_int_eq(memcmp(c->attr[2].s, "a\0b\"", 5), 0);
  ck_assert_int_eq(float_bits(c->attr[1].f), 0x7f800123);
  ck_assert_int_eq(c->in[2], -1);
  ck_assert_int_eq(g2->n[1].out[1], -1);
  ck_assert_int_eq(g2->ninputs, 1);
  ck_assert_int_eq(g2->noutputs, 2);
  ck_assert_int_eq(g2->t[g2->outputs[0]].dtype, DT_BIT);
  ck_assert_int_eq(topo_sort(g2, &diag), 0);
  graph_free(g);
  graph_free(g2);
}
END_TEST

START_TEST(roundtrip_empty_graph) {
  Graph *g = graph_new("e.json");
  char *s = round_trip(g);
  ck_assert_str_eq(s, "# xnorcc IR (text form, see docs/ir.md)\ngraph \"\" opset 0;\n\n\ninputs;\noutputs;\n\n");
  graph_free(g);
}
END_TEST

/* Every op in the table prints and parses without printer changes. */
START_TEST(roundtrip_every_op) {
  Graph *g = graph_new("ops.json");
  int64_t d1[1] = {1};
  for (int op = 0; op < OP__COUNT; op++) {
    const OpDef *oi = &op_info[op];
    int nin = oi->min_in, nout = oi->max_out;
    int ni = graph_add_node(g, (Op)op, oi->name, "loc", nin, nout);
    for (int j = 0; j < nin; j++)
      g->n[ni].in[j] = add_tensor(g, arena_printf(g->arena, "%s.in%d", oi->name, j), DT_F32, 1, d1);
    for (int j = 0; j < nout; j++)
      g->n[ni].out[j] = add_tensor(g, arena_printf(g->arena, "%s.out%d", oi->name, j), DT_F32, 1, d1);
  }
  char *s = round_trip(g);
  ck_assert_ptr_nonnull(strstr(s, "node xnor.BinGemm \"BinGemm\""));
  graph_free(g);
}
END_TEST

/* ---- numbers ---- */

START_TEST(hexfloat_format) {
  static const struct {
    uint32_t bits;
    const char *text;
  } cases[] = {
      {0x3f800000, "0x1p+0"},        {0xbfc00000, "-0x1.8p+0"},     {0x3dcccccd, "0x1.99999ap-4"},
      {0x00800000, "0x1p-126"},      {0x00000001, "0x1p-149"},      {0x007fffff, "0x1.fffffcp-127"},
      {0x7f7fffff, "0x1.fffffep+127"}, {0x80000000, "-0x0p+0"},     {0x00000000, "0x0p+0"},
      {0x7f800000, "+inf"},          {0xff800000, "-inf"},          {0x7fc00000, "+nan"},
      {0xffc00000, "-nan"},          {0x7f800001, "+nan(0x1)"},     {0x41200000, "0x1.4p+3"},
  };
  Arena *a = arena_new();
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    StrBuf b;
    sb_init(&b, a);
    ir_put_hexfloat(&b, bits_float(cases[i].bits));
    ck_assert_str_eq(b.s, cases[i].text);
  }
  arena_free(a);
}
END_TEST

/* Parses "tensor ... = [v]" and returns the bits of the value. */
static uint32_t parse_float(const char *v) {
  char text[256];
  snprintf(text, sizeof text, "graph \"\" opset 1;\ntensor \"t\": float32[1] = [%s];\n", v);
  int rc;
  Graph *g = parse(text, &rc);
  if (rc)
    fprintf(stderr, "%s", diag.text);
  ck_assert_int_eq(rc, 0);
  diag_free(&diag);
  uint32_t u = float_bits(*(float *)g->t[0].data);
  graph_free(g);
  return u;
}

START_TEST(hexfloat_parse_rounding) {
  ck_assert_uint_eq(parse_float("0x1.0000011p+0"), 0x3f800001);  /* above half: up */
  ck_assert_uint_eq(parse_float("0x1.000001p+0"), 0x3f800000);   /* tie, even: down */
  ck_assert_uint_eq(parse_float("0x1.000003p+0"), 0x3f800002);   /* tie, odd: up */
  ck_assert_uint_eq(parse_float("0x1.00000100000000000000001p+0"), 0x3f800001); /* sticky */
  ck_assert_uint_eq(parse_float("0x1p-150"), 0);                 /* tie to zero */
  ck_assert_uint_eq(parse_float("-0x1.0000000001p-150"), 0x80000001);
  ck_assert_uint_eq(parse_float("0x1.fffffep-127"), 0x00800000); /* subnormal rounds to normal */
  ck_assert_uint_eq(parse_float("0x0.000000000000000000000001p+96"), 0x3f800000);
  ck_assert_uint_eq(parse_float("0x8p-3"), 0x3f800000);
  ck_assert_uint_eq(parse_float("0x.8p1"), 0x3f800000);
  ck_assert_uint_eq(parse_float("0x1p-99999999999"), 0);
  ck_assert_uint_eq(parse_float("0.1"), 0x3dcccccd);
  ck_assert_uint_eq(parse_float("-2.5e-1"), 0xbe800000);
  ck_assert_uint_eq(parse_float("3"), 0x40400000);
  ck_assert_uint_eq(parse_float("-nan"), 0xffc00000);
}
END_TEST

/* Random bit patterns (NaN payloads included) survive print and parse exactly. */
START_TEST(hexfloat_random_bits) {
  enum { N = 200000 };
  Graph *g = graph_new("r.json");
  int64_t d[1] = {N};
  int t = add_tensor(g, "r", DT_F32, 1, d);
  uint32_t *v = arena_array(g->arena, N, sizeof *v);
  uint64_t s = 88172645463325252ULL;
  for (int i = 0; i < N; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    v[i] = (uint32_t)(s >> 11);
    if (i < 64) /* the edges of every range */
      v[i] = (uint32_t[]){0, 1, 2, 0x7fffff, 0x800000, 0x800001, 0x7f7fffff, 0x7f800000, 0x7f800001,
                          0x7fffffff, 0x3f800000, 0x3f7fffff}[i % 12] | (i & 32 ? 0x80000000u : 0);
  }
  g->t[t].data = v;
  graph_add_input(g, t);
  round_trip(g);
  int rc;
  Graph *g2 = parse(print(g, 0), &rc);
  diag_free(&diag);
  ck_assert_int_eq(memcmp(g2->t[0].data, v, N * sizeof *v), 0);
  graph_free(g2);
  graph_free(g);
}
END_TEST

/* ---- errors ---- */

START_TEST(error_syntax_caret) {
  ck_assert_str_eq(errors_of("graph \"g\" opset 13;\n"
                             "tensor \"x\" float32[1];\n"),
                   "t.xir:2:12: error: syntax error, unexpected identifier, expecting ':'\n"
                   "tensor \"x\" float32[1];\n"
                   "           ^\n");
}
END_TEST

START_TEST(error_two_in_one_file) {
  ck_assert_str_eq(errors_of("graph \"g\" opset 13;\n"
                             "tensor \"x\": float32[1 2];\n"
                             "\ttensor \"y\": float32[2] = [1, 2, 3];\n"
                             "tensor \"z\": float32[1];\n"
                             "node Relu \"r\" (\"z\") -> (\"q\");\n"),
                   "t.xir:2:23: error: syntax error, unexpected integer, expecting ',' or ']'\n"
                   "tensor \"x\": float32[1 2];\n"
                   "                      ^\n"
                   "t.xir:3:25: error: tensor \"y\" has shape 2 (2 values) but 3 values are given\n"
                   "\ttensor \"y\": float32[2] = [1, 2, 3];\n"
                   "\t                       ^\n"
                   "t.xir:5:25: error: undefined tensor \"q\"\n"
                   "node Relu \"r\" (\"z\") -> (\"q\");\n"
                   "                        ^\n");
}
END_TEST

START_TEST(error_semantic) {
  const char *head = "graph \"g\" opset 13;\ntensor \"x\": float32[2] @\"graph.input[0]\";\n";
  static const struct {
    const char *body, *msg;
  } cases[] = {
      {"node Frob \"f\" (\"x\") -> (\"x\");", "3:6: error: unknown op 'Frob'"},
      {"node xnor.Conv \"f\" (\"x\") -> (\"x\");", "3:6: error: unknown op 'xnor.Conv'"},
      {"node Relu \"r\" (\"x\") -> (\"x\") {a: int 1.5};", "3:38: error: attribute \"a\" of kind int needs an integer"},
      {"node Relu \"r\" (\"x\") -> (\"x\") {a: ints [1, 2.0]};",
       "3:39: error: attribute \"a\" of kind ints needs a list of integers"},
      {"node Relu \"r\" (\"x\") -> (\"x\") {a: blob 1};",
       "3:34: error: unknown attribute kind 'blob' (expected int, float, string, ints, floats, tensor or other)"},
      {"node Relu \"r\" (\"x\") -> (\"x\") {a: int 1, a: int 2};", "3:41: error: attribute \"a\" is given twice"},
      {"node Relu \"r\" (\"x\") -> (\"x\") {a: tensor \"nope\"};", "3:41: error: undefined tensor \"nope\""},
      {"node Relu \"r\" (\"x\") -> (\"x\") {a: other 3};", "3:40: error: attribute \"a\" of kind other needs no value"},
      {"tensor \"x\": float32[1];", "3:8: error: tensor \"x\" is already declared on line 2"},
      {"tensor \"i\": int64[2] = [1, 0x1p+0];", "3:22: error: tensor \"i\" is int64 but value 1 is a float"},
      {"tensor \"w\": float32[2, 3] = <elided 6 floats>;",
       "3:29: error: the data was left out (--elide-weights); this dump cannot be loaded"},
      {"tensor \"w\": half[1];", "3:13: error: unknown element type 'half' (expected float32, int64, bit, int32 or bool)"},
      {"tensor \"w\": float32[1, -1];", "3:24: error: dimension -1 is negative"},
      {"tensor \"w\": float32[1,1,1,1,1,1,1,1,1,1];", "3:37: error: a tensor has at most 8 dimensions"},
      {"tensor \"w\": float32[*] = [1];", "3:24: error: tensor \"w\" has data but no shape"},
      {"tensor \"a\\x00b\": float32[1];", "3:8: error: name \"a\\x00b\" contains a NUL byte"},
      {"tensor \"w\": float32[1] = [0x1p+128];", "3:27: error: float out of range"},
      {"tensor \"w\": float32[1] = [1e39];", "3:27: error: float out of range"},
      {"tensor \"w\": float32[1] = [1.00000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "000000000000000000000000000000000000000000000000000000000000000000000000000e5];",
       "3:27: error: decimal float too long (write it as a hex float)"},
      {"tensor \"w\": int64[1] = [9223372036854775808];", "3:25: error: integer out of range"},
      {"tensor \"w\": float32[1] = [+nan(0x800000)];",
       "3:27: error: NaN payload must be between 0x1 and 0x7fffff"},
      {"tensor \"w\\q\": float32[1];", "3:10: error: unknown escape '\\q' in string"},
      {"tensor \"w\\x4\": float32[1];", "3:10: error: \\x needs two hex digits"},
      {"tensor \"w: float32[1];", "3:8: error: unterminated string"},
      {"tensor \"w\": float32[1] $;", "3:24: error: unexpected character '$'"},
      {"tensor \"w\": float32[1] \x01;", "3:24: error: unexpected byte 0x01"},
      {"inputs \"x\", _;", "3:1: error: '_' cannot be a graph input"},
      {"graph \"h\" opset 13;", "3:1: error: syntax error, unexpected graph"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char text[512], want[512];
    snprintf(text, sizeof text, "%s%s\n", head, cases[i].body);
    snprintf(want, sizeof want, "t.xir:%s\n", cases[i].msg);
    const char *got = errors_of(text);
    if (getenv("XIR_SHOW"))
      fprintf(stderr, "%s", got);
    if (strncmp(got, want, strlen(want)))
      ck_abort_msg("case %zu: %s\ngot:  %s\nwant: %s", i, cases[i].body, got, want);
  }
}
END_TEST

START_TEST(error_opset_and_header) {
  ck_assert_str_eq(errors_of("graph \"g\" opset 13, foo 2;\n"),
                   "t.xir:1:21: error: unknown opset domain 'foo' (expected ai.onnx or xnor)\n"
                   "graph \"g\" opset 13, foo 2;\n"
                   "                    ^\n");
  ck_assert_str_eq(errors_of("tensor \"x\": float32[1];\n"
                             "tensor \"y\": float32[1;\n"),
                   "t.xir:1:1: error: syntax error, unexpected tensor, expecting graph\n"
                   "tensor \"x\": float32[1];\n"
                   "^\n"
                   "t.xir:2:22: error: syntax error, unexpected ';', expecting ',' or ']'\n"
                   "tensor \"y\": float32[1;\n"
                   "                     ^\n");
  ck_assert_str_eq(errors_of("graph \"g\" opset 13;\ninputs \"x\""),
                   "t.xir:2:8: error: undefined tensor \"x\"\n"
                   "inputs \"x\"\n"
                   "       ^\n"
                   "t.xir:2:11: error: syntax error, unexpected end of file, expecting ';'\n"
                   "inputs \"x\"\n"
                   "          ^\n");
}
END_TEST

START_TEST(error_limit) {
  StrBuf b;
  Arena *a = arena_new();
  sb_init(&b, a);
  sb_puts(&b, "graph \"g\" opset 13;\n");
  for (int i = 0; i < 100; i++)
    sb_puts(&b, "tensor ;\n");
  int rc;
  Graph *g = parse(b.s, &rc);
  ck_assert_int_eq(rc, -1);
  ck_assert_int_eq(diag.nerrors, 21);
  ck_assert_ptr_nonnull(strstr(diag.text, "t.xir: error: too many errors (20), giving up\n"));
  diag_free(&diag);
  graph_free(g);
  arena_free(a);
}
END_TEST

/* Locations: '@' wins, else line:col of the statement. */
START_TEST(locations) {
  int rc;
  Graph *g = parse("graph \"g\" opset 13;\n"
                   "  tensor \"x\": float32[1];\n"
                   "tensor \"y\": float32[1] @\"graph.node[7].output[0]\";\n"
                   "node Relu \"r\" (\"x\") -> (\"y\") {alpha: float 1 @\"a\", beta: int 2};\n"
                   "node Relu \"s\" (\"x\") -> (\"y\") {alpha: float 1, beta: int 2} @\"graph.node[3]\";\n",
                   &rc);
  ck_assert_int_eq(rc, 0);
  ck_assert_str_eq(g->t[0].loc, "2:3");
  ck_assert_str_eq(g->t[1].loc, "graph.node[7].output[0]");
  ck_assert_str_eq(g->n[0].loc, "4:1");
  ck_assert_str_eq(g->n[0].attr[0].loc, "a");
  ck_assert_uint_eq(float_bits(g->n[0].attr[0].f), 0x3f800000);
  ck_assert_str_eq(g->n[0].attr[1].loc, "4:52");
  ck_assert_str_eq(g->n[1].loc, "graph.node[3]");
  ck_assert_str_eq(g->n[1].attr[0].loc, "graph.node[3].attribute[0]");
  ck_assert_str_eq(g->n[1].attr[1].loc, "graph.node[3].attribute[1]");
  diag_free(&diag);
  graph_free(g);
}
END_TEST

/* ---- hostile input ---- */

/* Mutated and truncated copies of a valid file: errors, never a crash. */
START_TEST(mutations) {
  Graph *src = nasty_graph();
  const char *text = print(src, 0);
  size_t n = strlen(text);
  char *buf = malloc(n + 64);
  uint64_t s = 12345;
  static const char junk[] = "\"\\[]{}(),;:=<>@*_-#\n\x00\xff" "0x1p";
  for (int iter = 0; iter < 3000; iter++) {
    memcpy(buf, text, n + 1);
    size_t len = n;
    int edits = 1 + iter % 4;
    for (int e = 0; e < edits; e++) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      size_t pos = (size_t)(s % len);
      switch ((s >> 32) % 3) {
      case 0: buf[pos] = junk[(s >> 40) % (sizeof junk - 1)]; break;
      case 1: len = pos; break;
      default: memmove(buf + pos, buf + pos + 1, len - pos), len--; break;
      }
      if (len == 0)
        break;
    }
    buf[len] = 0;
    Graph *g = graph_new("m.xir");
    Diag d;
    diag_init(&d, "m.xir");
    int rc = xir_load(g, buf, len, NULL, &d);
    ck_assert(rc == 0 || d.nerrors > 0);
    if (rc == 0) { /* whatever parsed must print and parse again identically */
      char *s1 = print(g, 0);
      Graph *g2 = graph_new("m2.xir");
      Diag d2;
      diag_init(&d2, "m2.xir");
      ck_assert_int_eq(xir_load(g2, s1, strlen(s1), NULL, &d2), 0);
      ck_assert_str_eq(print(g2, 0), s1);
      diag_free(&d2);
      graph_free(g2);
    }
    diag_free(&d);
    graph_free(g);
  }
  free(buf);
  graph_free(src);
}
END_TEST

/* Deep brackets and long inputs do not grow the parser stack. */
START_TEST(deep_nesting) {
  enum { N = 100000 };
  char *buf = malloc(N + 64);
  strcpy(buf, "graph \"g\" opset 1;\ntensor \"x\": float32");
  size_t k = strlen(buf);
  memset(buf + k, '[', N);
  buf[k + N] = 0;
  const char *e = errors_of(buf);
  ck_assert_ptr_nonnull(strstr(e, "t.xir:2:21: error: syntax error, unexpected '[', expecting integer or '*' or ']'"));
  free(buf);
}
END_TEST

/* Out of memory at every allocation: a clean jump, nothing leaked. */
START_TEST(out_of_memory) {
  Graph *src = nasty_graph();
  const char *text = print(src, 0);
  char *copy = strdup(text);
  graph_free(src);
  long live = xn_alloc_live();
  for (long n = 1;; n++) {
    xn_alloc_fail_at(n);
    Graph *volatile g = graph_new("o.xir");
    if (!g)
      continue;
    Diag d;
    diag_init(&d, "o.xir");
    jmp_buf oom;
    volatile int done = 0;
    if (!setjmp(oom)) {
      arena_set_oom(g->arena, &oom);
      int rc = xir_load(g, copy, strlen(copy), NULL, &d);
      done = rc == 0;
    }
    xn_alloc_fail_at(0);
    diag_free(&d);
    graph_free(g);
    ck_assert_int_eq(xn_alloc_live(), live);
    if (done)
      break;
    if (n >= 100000)
      ck_abort_msg("no run completed within 100000 allocations");
  }
  free(copy);
}
END_TEST

/* ---- Graphviz ---- */

START_TEST(dot_output) {
  Graph *g = nasty_graph();
  StrBuf b;
  sb_init(&b, g->arena);
  ir_dot(g, &b);
  const char *s = b.s;
  ck_assert_ptr_nonnull(strstr(s, "digraph "));
  ck_assert_ptr_nonnull(strstr(s, "subgraph cluster_"));  /* the binary block */
  ck_assert_ptr_nonnull(strstr(s, "xnor.BinConv"));
  ck_assert_ptr_nonnull(strstr(s, "x\\\"y\\\\z"));       /* escaped for dot */
  ck_assert_ptr_null(strstr(s, "dead"));
  ck_assert_ptr_null(strstr(s, "\n\t\r"));
  /* Balanced braces: nothing in a name broke the structure. */
  int depth = 0, in_str = 0;
  for (const char *p = s; *p; p++) {
    if (in_str && *p == '\\' && p[1])
      p++;
    else if (*p == '"')
      in_str = !in_str;
    else if (!in_str && *p == '{')
      depth++;
    else if (!in_str && *p == '}')
      depth--;
    ck_assert_int_ge(depth, 0);
  }
  ck_assert_int_eq(depth, 0);
  ck_assert_int_eq(in_str, 0);
  graph_free(g);
}
END_TEST

int main(void) {
  Suite *s = suite_create("text");
  TCase *tc = tcase_create("text");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, roundtrip_nasty);
  tcase_add_test(tc, roundtrip_values_kept);
  tcase_add_test(tc, roundtrip_empty_graph);
  tcase_add_test(tc, roundtrip_every_op);
  tcase_add_test(tc, hexfloat_format);
  tcase_add_test(tc, hexfloat_parse_rounding);
  tcase_add_test(tc, hexfloat_random_bits);
  tcase_add_test(tc, error_syntax_caret);
  tcase_add_test(tc, error_two_in_one_file);
  tcase_add_test(tc, error_semantic);
  tcase_add_test(tc, error_opset_and_header);
  tcase_add_test(tc, error_limit);
  tcase_add_test(tc, locations);
  tcase_add_test(tc, mutations);
  tcase_add_test(tc, deep_nesting);
  tcase_add_test(tc, out_of_memory);
  tcase_add_test(tc, dot_output);
  suite_add_tcase(s, tc);
  SRunner *r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? 1 : 0;
}
