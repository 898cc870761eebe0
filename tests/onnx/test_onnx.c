/* test_onnx.c - unit tests of the .onnx frontend (protobuf's wire format) and
 * of .pb tensor files. The models are encoded here, field by field, with a
 * small protobuf writer of the test's own (independent of the reader); the
 * checks compare the graphs built from encodings that must mean the same
 * thing (packed or not, fields in another order, unknown fields added) and
 * the exact text of errors. */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/npy.h"
#include "frontends/frontend.h"

/* ---- the writer ---- */

typedef struct Buf {
  unsigned char b[4096];
  size_t n;
} Buf;

static void put(Buf *o, const void *p, size_t n) {
  ck_assert_uint_le(o->n + n, sizeof o->b);
  memcpy(o->b + o->n, p, n);
  o->n += n;
}

static void put_varint(Buf *o, uint64_t v) {
  do {
    unsigned char c = (unsigned char)(v & 0x7f);
    v >>= 7;
    if (v)
      c |= 0x80;
    put(o, &c, 1);
  } while (v);
}

static void tag(Buf *o, unsigned num, int wire) { put_varint(o, (uint64_t)num << 3 | (unsigned)wire); }
static void f_varint(Buf *o, unsigned num, uint64_t v) { tag(o, num, 0), put_varint(o, v); }
static void f_bytes(Buf *o, unsigned num, const void *p, size_t n) { tag(o, num, 2), put_varint(o, n), put(o, p, n); }
static void f_str(Buf *o, unsigned num, const char *s) { f_bytes(o, num, s, strlen(s)); }
static void f_msg(Buf *o, unsigned num, const Buf *m) { f_bytes(o, num, m->b, m->n); }

static void le(unsigned char *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t fbits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static void f_fixed32(Buf *o, unsigned num, uint32_t v) {
  unsigned char p[4];
  le(p, v, 4);
  tag(o, num, 5), put(o, p, 4);
}

static void f_fixed64(Buf *o, unsigned num, uint64_t v) {
  unsigned char p[8];
  le(p, v, 8);
  tag(o, num, 1), put(o, p, 8);
}

/* Packed floats / varints as one length-delimited field. */
static void f_packed_floats(Buf *o, unsigned num, const float *v, int n) {
  Buf p = {{0}, 0};
  for (int i = 0; i < n; i++) {
    unsigned char b[4];
    le(b, fbits(v[i]), 4);
    put(&p, b, 4);
  }
  f_msg(o, num, &p);
}

static void f_packed_varints(Buf *o, unsigned num, const int64_t *v, int n) {
  Buf p = {{0}, 0};
  for (int i = 0; i < n; i++)
    put_varint(&p, (uint64_t)v[i]);
  f_msg(o, num, &p);
}

/* Unknown fields of every wire type, which a reader must skip. */
static void unknown_fields(Buf *o) {
  f_varint(o, 900, 12345678901ull);
  f_fixed64(o, 901, 42);
  f_str(o, 902, "ignored \xff bytes");
  f_fixed32(o, 903, 7);
}

/* ---- models ---- */

/* ValueInfoProto of a float tensor with the given dims (0 = dim_param "N"). */
static void value_info(Buf *o, const char *name, const int64_t *dims, int rank, int extra) {
  Buf shape = {{0}, 0}, tt = {{0}, 0}, type = {{0}, 0}, vi = {{0}, 0};
  for (int i = 0; i < rank; i++) {
    Buf dim = {{0}, 0};
    if (extra)
      unknown_fields(&dim);
    if (dims[i])
      f_varint(&dim, 1, (uint64_t)dims[i]);
    else
      f_str(&dim, 2, "N");
    f_msg(&shape, 1, &dim);
  }
  if (extra)
    unknown_fields(&shape);
  f_varint(&tt, 1, 1);
  f_msg(&tt, 2, &shape);
  if (extra)
    unknown_fields(&tt);
  f_msg(&type, 1, &tt);
  if (extra)
    unknown_fields(&type);
  f_str(&vi, 1, name);
  f_msg(&vi, 2, &type);
  if (extra)
    unknown_fields(&vi);
  f_msg(o, 11, &vi);
}

/* Mul(x, w) -> y with x float[1, 4] and w an initializer float[4]; then a
 * LeakyRelu with attribute alpha. variant: 0 plain, 1 unknown fields
 * everywhere, 2 graph fields in reverse order, 3 w's values packed in two
 * runs and one unpacked value. */
static void mul_model(Buf *out, int variant) {
  static const float w[4] = {0.5f, -2.0f, 3.0f, 0.25f};
  static const int64_t xdims[2] = {1, 4};
  int extra = variant == 1;
  Buf init = {{0}, 0}, n1 = {{0}, 0}, n2 = {{0}, 0}, attr = {{0}, 0}, opset = {{0}, 0}, graph = {{0}, 0};
  Buf in = {{0}, 0}, outp = {{0}, 0}, vo = {{0}, 0};
  f_varint(&init, 1, 4);
  f_varint(&init, 2, 1);
  f_str(&init, 8, "w");
  if (variant == 3) {
    f_packed_floats(&init, 4, w, 2);
    f_fixed32(&init, 4, fbits(w[2]));
    f_packed_floats(&init, 4, w + 3, 1);
  } else {
    f_packed_floats(&init, 4, w, 4);
  }
  if (extra)
    unknown_fields(&init);
  f_str(&n1, 1, "x");
  f_str(&n1, 1, "w");
  f_str(&n1, 2, "m");
  f_str(&n1, 3, "mul");
  f_str(&n1, 4, "Mul");
  if (extra)
    unknown_fields(&n1);
  f_str(&attr, 1, "alpha");
  f_varint(&attr, 20, 1);
  f_fixed32(&attr, 2, fbits(0.125f));
  if (extra)
    unknown_fields(&attr);
  f_str(&n2, 1, "m");
  f_str(&n2, 2, "y");
  f_str(&n2, 4, "LeakyRelu");
  f_msg(&n2, 5, &attr);
  f_str(&n2, 7, "");
  value_info(&in, "x", xdims, 2, extra);
  f_str(&vo, 1, "y");
  if (extra)
    unknown_fields(&vo);
  f_msg(&outp, 12, &vo);
  if (variant == 2) {
    put(&graph, outp.b, outp.n);
    put(&graph, in.b, in.n);
    f_msg(&graph, 5, &init);
    f_str(&graph, 2, "net");
    f_msg(&graph, 1, &n1);
    f_msg(&graph, 1, &n2);
  } else {
    f_msg(&graph, 1, &n1);
    f_msg(&graph, 1, &n2);
    f_str(&graph, 2, "net");
    f_msg(&graph, 5, &init);
    put(&graph, in.b, in.n);
    put(&graph, outp.b, outp.n);
  }
  if (extra)
    unknown_fields(&graph);
  f_str(&opset, 1, "");
  f_varint(&opset, 2, 13);
  if (extra)
    unknown_fields(&opset);
  out->n = 0;
  if (variant == 2)
    f_msg(out, 7, &graph);
  f_varint(out, 1, 8);
  if (extra)
    unknown_fields(out);
  f_msg(out, 8, &opset);
  if (variant != 2)
    f_msg(out, 7, &graph);
}

static Graph *g;
static Diag d;

static void setup(void) {
  g = graph_new("m.onnx");
  diag_init(&d, "m.onnx");
}

static void teardown(void) {
  graph_free(g);
  diag_free(&d);
}

static int load_buf(const Buf *b, const LoadOptions *o) { return onnx_load(g, (const char *)b->b, b->n, o, &d); }
static const char *errs(void) { return d.text ? d.text : ""; }

/* The text IR of the graph as loaded (tensors, nodes, attributes, locs). */
static char *dump(Graph *gr) {
  StrBuf b;
  sb_init(&b, gr->arena);
  ir_print(gr, &b, 0);
  return strdup(b.s);
}

/* The text IR of a model loaded on its own graph; NULL when it fails. */
static char *load_dump(const Buf *b) {
  Graph *h = graph_new("m.onnx");
  Diag e;
  diag_init(&e, "m.onnx");
  char *s = NULL;
  if (onnx_load(h, (const char *)b->b, b->n, NULL, &e) == 0)
    s = dump(h);
  else
    fprintf(stderr, "%s", e.text ? e.text : "");
  diag_free(&e);
  graph_free(h);
  return s;
}

START_TEST(mul_model_graph) {
  Buf b;
  mul_model(&b, 0);
  ck_assert_int_eq(load_buf(&b, NULL), 0);
  ck_assert_str_eq(g->name, "net");
  ck_assert_int_eq(g->opset, 13);
  ck_assert_int_eq(g->nn, 2);
  ck_assert_int_eq(g->n[0].op, OP_Mul);
  ck_assert_str_eq(g->n[0].loc, "graph.node[0]");
  ck_assert_str_eq(g->n[1].loc, "graph.node[1]");
  ck_assert_float_eq(attr_float(&g->n[1], "alpha", 0), 0.125f);
  ck_assert_str_eq(node_attr(&g->n[1], "alpha")->loc, "graph.node[1].attribute[0]");
  int x = graph_find_tensor(g, "x"), w = graph_find_tensor(g, "w"), m = graph_find_tensor(g, "m");
  ck_assert_int_eq(g->ninputs, 1);
  ck_assert_int_eq(g->inputs[0], x);
  ck_assert_str_eq(g->t[x].loc, "graph.input[0]");
  ck_assert_int_eq(g->t[x].rank, 2);
  ck_assert_int_eq(g->t[x].dims[1], 4);
  ck_assert_str_eq(g->t[w].loc, "graph.initializer[0]");
  ck_assert_str_eq(g->t[m].loc, "graph.node[0].output[0]");
  const float *wd = g->t[w].data;
  ck_assert_float_eq(wd[0], 0.5f);
  ck_assert_float_eq(wd[1], -2.0f);
  ck_assert_float_eq(wd[3], 0.25f);
  ck_assert_int_eq(g->noutputs, 1);
}
END_TEST

/* Unknown fields, another field order and split packed runs change nothing. */
START_TEST(same_meaning) {
  Buf b;
  mul_model(&b, 0);
  char *ref = load_dump(&b);
  ck_assert_ptr_nonnull(ref);
  for (int v = 1; v <= 3; v++) {
    mul_model(&b, v);
    char *s = load_dump(&b);
    ck_assert_msg(s && !strcmp(s, ref), "variant %d differs:\n%s\nvs\n%s", v, s ? s : "(failed)", ref);
    free(s);
  }
  free(ref);
}
END_TEST

/* A model around graph fields given as bytes. */
static void model_of(Buf *out, const Buf *graph) {
  Buf opset = {{0}, 0};
  f_varint(&opset, 2, 13);
  out->n = 0;
  f_msg(out, 8, &opset);
  f_msg(out, 7, graph);
}

/* Identity(x) -> y with x float[1, 4] plus the node's extra fields. */
static void identity_model(Buf *out, const Buf *node_extra, const Buf *graph_extra) {
  static const int64_t xdims[2] = {1, 4};
  Buf n = {{0}, 0}, graph = {{0}, 0}, vo = {{0}, 0};
  f_str(&n, 1, "x");
  f_str(&n, 2, "y");
  f_str(&n, 4, "Identity");
  if (node_extra)
    put(&n, node_extra->b, node_extra->n);
  f_msg(&graph, 1, &n);
  if (graph_extra)
    put(&graph, graph_extra->b, graph_extra->n);
  value_info(&graph, "x", xdims, 2, 0);
  f_str(&vo, 1, "y");
  f_msg(&graph, 12, &vo);
  model_of(out, &graph);
}

/* An initializer "c" of the graph, with the tensor's fields given. */
static void with_initializer(Buf *out, const Buf *tensor) {
  Buf graph = {{0}, 0};
  f_msg(&graph, 5, tensor);
  identity_model(out, NULL, &graph);
}

static const Tensor *tensor_c(void) {
  int ti = graph_find_tensor(g, "c");
  ck_assert_int_ge(ti, 0);
  return &g->t[ti];
}

START_TEST(int_types) {
  /* INT8 in int32_data: -5 is a 10-byte varint; unpacked and packed mixed. */
  Buf t = {{0}, 0}, b;
  f_varint(&t, 1, 3);
  f_varint(&t, 2, 3);
  f_str(&t, 8, "c");
  f_varint(&t, 5, (uint64_t)(int64_t)-5);
  int64_t more[2] = {127, -128};
  f_packed_varints(&t, 5, more, 2);
  with_initializer(&b, &t);
  ck_assert_msg(load_buf(&b, NULL) == 0, "%s", errs());
  const Tensor *c = tensor_c();
  ck_assert_int_eq(c->dtype, DT_I64);
  const int64_t *v = c->data;
  ck_assert_int_eq(v[0], -5);
  ck_assert_int_eq(v[1], 127);
  ck_assert_int_eq(v[2], -128);
}
END_TEST

START_TEST(int8_out_of_range) {
  Buf t = {{0}, 0}, b;
  f_varint(&t, 1, 1);
  f_varint(&t, 2, 3);
  f_str(&t, 8, "c");
  f_varint(&t, 5, 200);
  with_initializer(&b, &t);
  ck_assert_int_eq(load_buf(&b, NULL), -1);
  ck_assert_str_eq(errs(), "m.onnx: error: graph.initializer[0].int32_data[0]: value 200 is out of the INT8 range\n");
}
END_TEST

START_TEST(double_and_bool) {
  /* DOUBLE in double_data (fixed64, unpacked) becomes float32. */
  Buf t = {{0}, 0}, b;
  double x = 0.1;
  uint64_t u;
  memcpy(&u, &x, 8);
  f_varint(&t, 2, 11);
  f_str(&t, 8, "c");
  f_fixed64(&t, 10, u);
  with_initializer(&b, &t);
  ck_assert_msg(load_buf(&b, NULL) == 0, "%s", errs());
  ck_assert_int_eq(tensor_c()->rank, 0);
  ck_assert_float_eq(*(const float *)tensor_c()->data, (float)0.1);
  teardown();
  setup();
  /* BOOL in raw_data: any nonzero byte is true. */
  Buf t2 = {{0}, 0};
  f_varint(&t2, 1, 3);
  f_varint(&t2, 2, 9);
  f_str(&t2, 8, "c");
  f_bytes(&t2, 9, "\0\2\1", 3);
  with_initializer(&b, &t2);
  ck_assert_msg(load_buf(&b, NULL) == 0, "%s", errs());
  const int64_t *v = tensor_c()->data;
  ck_assert_int_eq(v[0], 0);
  ck_assert_int_eq(v[1], 1);
  ck_assert_int_eq(v[2], 1);
}
END_TEST

/* A node of op Identity with one attribute given as bytes. */
static void with_attr(Buf *out, const Buf *attr) {
  Buf n = {{0}, 0};
  f_msg(&n, 5, attr);
  identity_model(out, &n, NULL);
}

START_TEST(attributes) {
  /* The last value of a singular field counts; type inferred from the value. */
  Buf a = {{0}, 0}, b;
  f_str(&a, 1, "first");
  f_str(&a, 1, "k");
  f_varint(&a, 3, 1);
  f_varint(&a, 3, (uint64_t)(int64_t)-7);
  with_attr(&b, &a);
  ck_assert_msg(load_buf(&b, NULL) == 0, "%s", errs());
  ck_assert_int_eq(attr_int(&g->n[0], "k", 0), -7);
  teardown();
  setup();
  /* ints unpacked then packed; floats packed; s with a NUL; g kept unread. */
  Buf n = {{0}, 0}, a1 = {{0}, 0}, a2 = {{0}, 0}, a3 = {{0}, 0}, a4 = {{0}, 0};
  int64_t ints[2] = {3, -1};
  float fl[2] = {1.5f, -0.5f};
  f_str(&a1, 1, "ints");
  f_varint(&a1, 20, 7);
  f_varint(&a1, 8, 9);
  f_packed_varints(&a1, 8, ints, 2);
  f_str(&a2, 1, "floats");
  f_packed_floats(&a2, 7, fl, 2);
  f_str(&a3, 1, "s");
  f_varint(&a3, 20, 3);
  f_bytes(&a3, 4, "a\0b", 3);
  f_str(&a4, 1, "g");
  f_varint(&a4, 20, 5);
  f_bytes(&a4, 6, "\xff\xff", 2);
  f_msg(&n, 5, &a1);
  f_msg(&n, 5, &a2);
  f_msg(&n, 5, &a3);
  f_msg(&n, 5, &a4);
  identity_model(&b, &n, NULL);
  ck_assert_msg(load_buf(&b, NULL) == 0, "%s", errs());
  const Node *nd = &g->n[0];
  const int64_t *iv;
  ck_assert_int_eq(attr_ints(nd, "ints", &iv), 3);
  ck_assert_int_eq(iv[0], 9);
  ck_assert_int_eq(iv[1], 3);
  ck_assert_int_eq(iv[2], -1);
  const Attr *f = node_attr(nd, "floats");
  ck_assert_int_eq(f->kind, AT_FLOATS);
  ck_assert_int_eq(f->n, 2);
  ck_assert_float_eq(f->floats[1], -0.5f);
  const Attr *s = node_attr(nd, "s");
  ck_assert_uint_eq(s->slen, 3);
  ck_assert_int_eq(memcmp(s->s, "a\0b", 3), 0);
  ck_assert_int_eq(node_attr(nd, "g")->kind, AT_OTHER);
}
END_TEST

START_TEST(attribute_errors) {
  Buf a = {{0}, 0}, b;
  f_str(&a, 1, "k");
  f_varint(&a, 20, 0);
  with_attr(&b, &a);
  ck_assert_int_eq(load_buf(&b, NULL), -1);
  ck_assert_str_eq(errs(), "m.onnx: error: graph.node[0].attribute[0].type: attribute 'k' has type UNDEFINED\n");
  teardown();
  setup();
  Buf a2 = {{0}, 0};
  f_str(&a2, 1, "k");
  f_varint(&a2, 20, 1);
  f_varint(&a2, 2, 1);
  with_attr(&b, &a2);
  ck_assert_int_eq(load_buf(&b, NULL), -1);
  ck_assert_str_eq(errs(), "m.onnx: error: graph.node[0].attribute[0].f: wire type 0 (varint) at byte 32, expected 5 "
                           "(fixed32)\n");
  teardown();
  setup();
  Buf a3 = {{0}, 0};
  f_str(&a3, 1, "k");
  f_varint(&a3, 20, 7);
  f_fixed64(&a3, 8, 1);
  with_attr(&b, &a3);
  ck_assert_int_eq(load_buf(&b, NULL), -1);
  ck_assert_str_eq(errs(), "m.onnx: error: graph.node[0].attribute[0].ints: wire type 1 (fixed64) at byte 32, "
                           "expected 0 (varint) or 2 (packed)\n");
}
END_TEST

START_TEST(constant_value_float) {
  Buf a = {{0}, 0}, n = {{0}, 0}, graph = {{0}, 0}, vo = {{0}, 0}, b;
  f_str(&a, 1, "value_float");
  f_varint(&a, 20, 1);
  f_fixed32(&a, 2, fbits(2.5f));
  f_str(&n, 2, "y");
  f_str(&n, 4, "Constant");
  f_msg(&n, 5, &a);
  f_msg(&graph, 1, &n);
  f_str(&vo, 1, "y");
  f_msg(&graph, 12, &vo);
  model_of(&b, &graph);
  ck_assert_msg(load_buf(&b, NULL) == 0, "%s", errs());
  const Attr *v = node_attr(&g->n[0], "value");
  ck_assert_int_eq(v->kind, AT_TENSOR);
  ck_assert_int_eq(g->t[v->tensor].rank, 0);
  ck_assert_float_eq(*(const float *)g->t[v->tensor].data, 2.5f);
}
END_TEST

START_TEST(symbolic_dim) {
  static const int64_t dims[2] = {0, 4};
  Buf graph = {{0}, 0}, n = {{0}, 0}, vo = {{0}, 0}, b;
  f_str(&n, 1, "x");
  f_str(&n, 2, "y");
  f_str(&n, 4, "Relu");
  f_msg(&graph, 1, &n);
  value_info(&graph, "x", dims, 2, 0);
  f_str(&vo, 1, "y");
  f_msg(&graph, 12, &vo);
  model_of(&b, &graph);
  DimBinding bind = {"N", 3};
  LoadOptions o = {&bind, 1};
  ck_assert_msg(load_buf(&b, &o) == 0, "%s", errs());
  ck_assert_int_eq(g->t[g->inputs[0]].dims[0], 3);
  teardown();
  setup();
  ck_assert_int_eq(load_buf(&b, NULL), -1);
  ck_assert_str_eq(errs(), "m.onnx: error: input 'x' at graph.input[0]: dimension 0 is symbolic ('N'): give its value "
                           "with --dim N=N\n");
}
END_TEST

START_TEST(varint_edges) {
  /* The largest varint (ten bytes, the last one 0x01) is -1 as an int64. */
  Buf a = {{0}, 0}, b;
  f_str(&a, 1, "k");
  tag(&a, 3, 0);
  put(&a, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
  with_attr(&b, &a);
  ck_assert_msg(load_buf(&b, NULL) == 0, "%s", errs());
  ck_assert_int_eq(attr_int(&g->n[0], "k", 0), -1);
  teardown();
  setup();
  /* A field number beyond 2^29 - 1, and a tag varint beyond 64 bits. */
  Buf a2 = {{0}, 0};
  f_str(&a2, 1, "k");
  put_varint(&a2, (uint64_t)1 << 35);
  with_attr(&b, &a2);
  ck_assert_int_eq(load_buf(&b, NULL), -1);
  ck_assert_str_eq(errs(), "m.onnx: error: graph.node[0].attribute[0]: invalid field number 4294967296 at byte 29\n");
  teardown();
  setup();
  Buf a3 = {{0}, 0};
  f_str(&a3, 1, "k");
  put(&a3, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11);
  with_attr(&b, &a3);
  ck_assert_int_eq(load_buf(&b, NULL), -1);
  ck_assert_str_eq(errs(), "m.onnx: error: graph.node[0].attribute[0]: invalid field tag at byte 29: the tag varint is "
                           "longer than 64 bits\n");
}
END_TEST

/* An error inside one node leaves its siblings readable. */
START_TEST(error_in_one_node) {
  Buf graph = {{0}, 0}, n1 = {{0}, 0}, n2 = {{0}, 0}, vo = {{0}, 0}, b;
  static const int64_t dims[1] = {2};
  f_str(&n1, 1, "x");
  f_str(&n1, 2, "m");
  f_str(&n1, 4, "Relu");
  tag(&n1, 3, 2);
  put_varint(&n1, 99); /* name: longer than the node */
  f_str(&n2, 1, "m");
  f_str(&n2, 2, "y");
  f_str(&n2, 4, "Foo");
  f_msg(&graph, 1, &n1);
  f_msg(&graph, 1, &n2);
  value_info(&graph, "x", dims, 1, 0);
  f_str(&vo, 1, "y");
  f_msg(&graph, 12, &vo);
  model_of(&b, &graph);
  ck_assert_int_eq(load_buf(&b, NULL), -1);
  ck_assert_str_eq(errs(), "m.onnx: error: graph.node[0]: truncated: field 3 at byte 20 is 99 bytes long but 0 are "
                           "left in the enclosing message\n"
                           "m.onnx: error: unsupported op 'Foo' (domain ''): 1 node, first: node '' at graph.node[1]\n");
}
END_TEST

START_TEST(dispatch_by_contents) {
  /* A file whose name says nothing: the contents pick the reader. */
  Buf b;
  mul_model(&b, 0);
  Graph *h = graph_new("model");
  ck_assert_int_eq(frontend_load_text(h, (const char *)b.b, b.n, NULL, &d), 0);
  ck_assert_int_eq(h->nn, 2);
  graph_free(h);
  const char *json = "{\"opsetImport\":[{\"version\":\"13\"}],\"graph\":{\"node\":[{\"opType\":\"Relu\",\"input\":[\"x\"],"
                     "\"output\":[\"y\"]}],\"input\":[{\"name\":\"x\",\"type\":{\"tensorType\":{\"elemType\":1,"
                     "\"shape\":{\"dim\":[{\"dimValue\":\"2\"}]}}}}],\"output\":[{\"name\":\"y\"}]}}";
  h = graph_new("model.txt");
  ck_assert_msg(frontend_load_text(h, json, strlen(json), NULL, &d) == 0, "%s", errs());
  ck_assert_int_eq(h->n[0].op, OP_Relu);
  graph_free(h);
  const char *xir = "# a comment\ngraph \"g\" opset 13;\ntensor \"x\": float32[2] @\"in\";\ninputs \"x\";\n";
  h = graph_new("model");
  frontend_load_text(h, xir, strlen(xir), NULL, &d);
  ck_assert_ptr_null(strstr(errs(), "unknown model format"));
  graph_free(h);
  diag_free(&d);
  diag_init(&d, "m");
  h = graph_new("model");
  ck_assert_int_eq(frontend_load_text(h, "hello", 5, NULL, &d), -1);
  ck_assert_str_eq(errs(), "m: error: unknown model format (expected a .json, .onnx or .xir file)\n");
  graph_free(h);
}
END_TEST

/* ---- .pb tensor files ---- */

static void write_file(const char *path, const Buf *b) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(b->b, 1, b->n, f), b->n);
  fclose(f);
}

START_TEST(pb_read_write) {
  char dir[] = "/tmp/xnorcc-pb-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char in[256], out[256];
  snprintf(in, sizeof in, "%s/in.pb", dir);
  snprintf(out, sizeof out, "%s/out.pb", dir);
  /* What ONNX's test data holds: dims unpacked, FLOAT, a name, float_data. */
  static const float v[6] = {1, -2, 3.5f, 0, 1e-3f, -7};
  Buf t = {{0}, 0};
  f_varint(&t, 1, 2);
  f_varint(&t, 1, 3);
  f_varint(&t, 2, 1);
  f_str(&t, 8, "x");
  f_packed_floats(&t, 4, v, 6);
  write_file(in, &t);
  int64_t dims[2] = {2, 3};
  const float *x = tensor_read(g->arena, in, 2, dims, 6, &d);
  ck_assert_msg(x != NULL, "%s", errs());
  for (int i = 0; i < 6; i++)
    ck_assert_float_eq(x[i], v[i]);
  /* tensor_write writes dims, data_type, name and raw_data, in field order. */
  ck_assert_int_eq(tensor_write(out, "y", 2, dims, v, 6, &d), 0);
  Buf want = {{0}, 0};
  unsigned char raw[24];
  for (int i = 0; i < 6; i++)
    le(raw + 4 * i, fbits(v[i]), 4);
  f_varint(&want, 1, 2);
  f_varint(&want, 1, 3);
  f_varint(&want, 2, 1);
  f_str(&want, 8, "y");
  f_bytes(&want, 9, raw, 24);
  FILE *f = fopen(out, "rb");
  unsigned char got[256];
  size_t n = fread(got, 1, sizeof got, f);
  fclose(f);
  ck_assert_uint_eq(n, want.n);
  ck_assert_int_eq(memcmp(got, want.b, n), 0);
  /* the wrong shape, the wrong type */
  int64_t other[2] = {3, 2};
  ck_assert_ptr_null(tensor_read(g->arena, in, 2, other, 6, &d));
  Buf t2 = {{0}, 0};
  static const int64_t iv[6] = {1, 2, 3, 4, 5, 6};
  f_varint(&t2, 1, 2);
  f_varint(&t2, 1, 3);
  f_varint(&t2, 2, 7);
  f_packed_varints(&t2, 7, iv, 6);
  write_file(in, &t2);
  ck_assert_ptr_null(tensor_read(g->arena, in, 2, dims, 6, &d));
  char want_err[1024];
  snprintf(want_err, sizeof want_err,
           "m.onnx: error: %s: tensor has shape (2, 3) but the model expects (3, 2)\n"
           "m.onnx: error: %s: element type is INT64, but the model takes FLOAT\n",
           in, in);
  ck_assert_str_eq(errs(), want_err);
  unlink(in);
  unlink(out);
  rmdir(dir);
}
END_TEST

/* A .npy file of version 1 with header dict h and data (n bytes). */
static void write_npy(const char *path, const char *h, const void *data, size_t n) {
  char hdr[128];
  size_t hl = strlen(h), total = 10 + hl + 1, pad = (64 - total % 64) % 64;
  ck_assert_uint_lt(hl + pad + 1, sizeof hdr);
  memcpy(hdr, h, hl);
  memset(hdr + hl, ' ', pad);
  hdr[hl + pad] = '\n';
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)((hl + pad + 1) & 0xff),
                           (unsigned char)((hl + pad + 1) >> 8)};
  fwrite(pre, 1, 10, f);
  fwrite(hdr, 1, hl + pad + 1, f);
  fwrite(data, 1, n, f);
  fclose(f);
}

/* The bytes of file path after its first skip bytes, into got; their count. */
static size_t file_tail(const char *path, size_t skip, unsigned char *got, size_t cap) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  unsigned char all[512];
  size_t n = fread(all, 1, sizeof all, f);
  fclose(f);
  ck_assert_uint_ge(n, skip);
  ck_assert_uint_le(n - skip, cap);
  memcpy(got, all + skip, n - skip);
  return n - skip;
}

/* tensor_read_typed / tensor_write_typed: graph inputs and outputs of integer
 * and bool types in .npy, .bin and .pb files (expected bytes written here). */
START_TEST(typed_files) {
  char dir[] = "/tmp/xnorcc-typed-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char p[256];
  int64_t dims[2] = {2, 2};
  /* int8 .npy: 0xff is -1, 0x80 is -128 */
  snprintf(p, sizeof p, "%s/a.npy", dir);
  static const unsigned char i8[4] = {0xff, 0x80, 0x7f, 0x00};
  write_npy(p, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2), }", i8, 4);
  const int64_t *x = tensor_read_typed(g->arena, p, 2, dims, 4, 3, &d);
  ck_assert_msg(x != NULL, "%s", errs());
  ck_assert(x[0] == -1 && x[1] == -128 && x[2] == 127 && x[3] == 0);
  /* the same bytes as uint8 ('|u1'): 255, 128 */
  write_npy(p, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", i8, 4);
  x = tensor_read_typed(g->arena, p, 2, dims, 4, 2, &d);
  ck_assert_msg(x != NULL, "%s", errs());
  ck_assert(x[0] == 255 && x[1] == 128 && x[2] == 127 && x[3] == 0);
  /* int64 .bin, little-endian two's complement */
  snprintf(p, sizeof p, "%s/b.bin", dir);
  unsigned char i64[32];
  static const int64_t v64[4] = {-2, 1, (int64_t)1 << 40, INT64_MIN};
  for (int i = 0; i < 4; i++)
    le(i64 + 8 * i, (uint64_t)v64[i], 8);
  Buf bb = {{0}, 0};
  memcpy(bb.b, i64, 32);
  bb.n = 32;
  write_file(p, &bb);
  x = tensor_read_typed(g->arena, p, 2, dims, 4, 7, &d);
  ck_assert_msg(x != NULL, "%s", errs());
  for (int i = 0; i < 4; i++)
    ck_assert(x[i] == v64[i]);
  /* int32 written as .npy '<i4': the header (padded to 64 bytes), then the values */
  static const int64_t w[4] = {-3, 70000, 0, -2147483648LL};
  snprintf(p, sizeof p, "%s/c.npy", dir);
  ck_assert_int_eq(tensor_write_typed(p, "y", 2, dims, w, 4, 6, &d), 0);
  unsigned char got[256], want[16];
  for (int i = 0; i < 4; i++)
    le(want + 4 * i, (uint64_t)w[i] & 0xffffffffu, 4);
  size_t n = file_tail(p, 0, got, sizeof got), start = 10 + (size_t)(got[8] | got[9] << 8);
  ck_assert_uint_eq(start % 64, 0);
  ck_assert_uint_eq(n, start + 16);
  ck_assert_int_eq(memcmp(got + start, want, 16), 0);
  static const char dict[] = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }";
  got[start - 1] = 0;
  ck_assert_msg(!strncmp((const char *)got + 10, dict, sizeof dict - 1), "%s", (const char *)got + 10);
  /* bool .bin: one byte each, nonzero is true (read as 1) */
  static const int64_t bv[4] = {1, 0, 0, 1};
  snprintf(p, sizeof p, "%s/d.bin", dir);
  ck_assert_int_eq(tensor_write_typed(p, NULL, 2, dims, bv, 4, 9, &d), 0);
  ck_assert_uint_eq(file_tail(p, 0, got, sizeof got), 4);
  ck_assert(got[0] == 1 && got[1] == 0 && got[2] == 0 && got[3] == 1);
  static const unsigned char b2[4] = {0, 7, 1, 0};
  memcpy(bb.b, b2, 4);
  bb.n = 4;
  write_file(p, &bb);
  x = tensor_read_typed(g->arena, p, 2, dims, 4, 9, &d);
  ck_assert_msg(x != NULL, "%s", errs());
  ck_assert(x[0] == 0 && x[1] == 1 && x[2] == 1 && x[3] == 0);
  /* .pb: INT16 data type and its name in the TensorProto */
  snprintf(p, sizeof p, "%s/e.pb", dir);
  static const int64_t s16[4] = {-1, 2, -32768, 32767};
  ck_assert_int_eq(tensor_write_typed(p, "s", 2, dims, s16, 4, 5, &d), 0);
  Buf wantpb = {{0}, 0};
  unsigned char raw[8];
  for (int i = 0; i < 4; i++)
    le(raw + 2 * i, (uint64_t)s16[i] & 0xffff, 2);
  f_varint(&wantpb, 1, 2);
  f_varint(&wantpb, 1, 2);
  f_varint(&wantpb, 2, 5);
  f_str(&wantpb, 8, "s");
  f_bytes(&wantpb, 9, raw, 8);
  ck_assert_uint_eq(file_tail(p, 0, got, sizeof got), wantpb.n);
  ck_assert_int_eq(memcmp(got, wantpb.b, wantpb.n), 0);
  x = tensor_read_typed(g->arena, p, 2, dims, 4, 5, &d);
  ck_assert_msg(x != NULL, "%s", errs());
  for (int i = 0; i < 4; i++)
    ck_assert(x[i] == s16[i]);
  /* the wrong type: a float32 .npy for an INT64 input, an INT16 .pb for INT32, a short .bin */
  snprintf(p, sizeof p, "%s/f.npy", dir);
  write_npy(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", i64, 16);
  ck_assert_ptr_null(tensor_read_typed(g->arena, p, 2, dims, 4, 7, &d));
  char e[256];
  snprintf(e, sizeof e, "%s/e.pb", dir);
  ck_assert_ptr_null(tensor_read_typed(g->arena, e, 2, dims, 4, 6, &d));
  char b[256];
  snprintf(b, sizeof b, "%s/d.bin", dir);
  ck_assert_ptr_null(tensor_read_typed(g->arena, b, 2, dims, 4, 5, &d));
  char want_err[2048];
  snprintf(want_err, sizeof want_err,
           "m.onnx: error: %s: element type must be INT64 ('<i8'), as the model's input is\n"
           "m.onnx: error: %s: element type is INT16, but the model takes INT32\n"
           "m.onnx: error: %s: holds 4 bytes of data but the model expects 8 (4 INT16 values)\n",
           p, e, b);
  ck_assert_str_eq(errs(), want_err);
  for (const char *n = "a.npy\0b.bin\0c.npy\0d.bin\0e.pb\0f.npy\0"; *n; n += strlen(n) + 1) {
    snprintf(p, sizeof p, "%s/%s", dir, n);
    unlink(p);
  }
  rmdir(dir);
}
END_TEST

START_TEST(pb_errors) {
  Buf t = {{0}, 0};
  f_varint(&t, 1, 2);
  f_varint(&t, 2, 1);
  f_bytes(&t, 9, "\0\0\0\0", 4);
  int dtype = 0;
  ck_assert_int_eq(onnx_load_tensor(g, (const char *)t.b, t.n, &dtype, &d), -1);
  ck_assert_int_eq(dtype, 1);
  ck_assert_str_eq(errs(), "m.onnx: error: tensor: data has 1 value but dims 2 need 2\n");
}
END_TEST

int main(void) {
  Suite *s = suite_create("onnx");
  TCase *tc = tcase_create("onnx");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, mul_model_graph);
  tcase_add_test(tc, same_meaning);
  tcase_add_test(tc, int_types);
  tcase_add_test(tc, int8_out_of_range);
  tcase_add_test(tc, double_and_bool);
  tcase_add_test(tc, attributes);
  tcase_add_test(tc, attribute_errors);
  tcase_add_test(tc, constant_value_float);
  tcase_add_test(tc, symbolic_dim);
  tcase_add_test(tc, varint_edges);
  tcase_add_test(tc, error_in_one_node);
  tcase_add_test(tc, dispatch_by_contents);
  tcase_add_test(tc, pb_read_write);
  tcase_add_test(tc, pb_errors);
  tcase_add_test(tc, typed_files);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
