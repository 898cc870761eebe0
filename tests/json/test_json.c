/* test_json.c - unit tests of the JSON frontend: json_load on models carried
 * here as strings (written with ' for " to stay readable), checking the graph
 * it builds and the exact text of its errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/frontend.h"
#include "frontends/json/jsonfe.h"

/* The JSON text of s with every ' turned into ". */
static char *q(const char *s) {
  char *t = malloc(strlen(s) + 1);
  size_t i = 0;
  for (; s[i]; i++)
    t[i] = s[i] == '\'' ? '"' : s[i];
  t[i] = 0;
  return t;
}

static Graph *g;
static Diag d;

static void setup(void) {
  g = graph_new("m.json");
  diag_init(&d, "m.json");
}

static void teardown(void) {
  graph_free(g);
  diag_free(&d);
  xn_alloc_fail_at(0);
}

static int load_opts(const char *text, const LoadOptions *o) {
  char *t = q(text);
  int rc = json_load(g, t, strlen(t), o, &d);
  free(t);
  return rc;
}

static int load(const char *text) { return load_opts(text, NULL); }

static const char *errs(void) { return d.text ? d.text : ""; }

/* A model with opset 13 around a graph body. */
#define MODEL(body) "{'irVersion':'8','opsetImport':[{'version':'13'}],'graph':{" body "}}"
#define IN_X "'input':[{'name':'x','type':{'tensorType':{'elemType':1,'shape':{'dim':[{'dimValue':'1'},{'dimValue':'2'}]}}}}]"
#define OUT_Y "'output':[{'name':'y'}]"

static int find(const char *name) { return graph_find_tensor(g, name); }

START_TEST(conv_relu_camel) {
  const char *m = MODEL(
      "'name':'net','node':["
      "{'name':'c1','opType':'Conv','input':['x','w','b'],'output':['c'],"
      " 'attribute':[{'name':'strides','type':'INTS','ints':['2',2]},{'name':'group','type':'INT','i':'1'}]},"
      "{'opType':'Relu','input':['c'],'output':['y']}],"
      "'initializer':[{'name':'w','dims':['1','1','1','2'],'dataType':1,'floatData':[0.5,-1.5]},"
      " {'name':'b','dims':[1],'dataType':'FLOAT','floatData':[3]}],"
      "'input':[{'name':'x','type':{'tensorType':{'elemType':'FLOAT','shape':{'dim':["
      "{'dimValue':'1'},{'dimValue':1},{'dimValue':'4'},{'dimValue':'4'}]}}}}]," OUT_Y);
  ck_assert_int_eq(load(m), 0);
  ck_assert_str_eq(errs(), "");
  ck_assert_str_eq(g->name, "net");
  ck_assert_int_eq(g->opset, 13);
  ck_assert_int_eq(g->nn, 2);
  ck_assert_int_eq(g->n[0].op, OP_Conv);
  ck_assert_str_eq(g->n[0].name, "c1");
  ck_assert_str_eq(g->n[0].loc, "graph.node[0]");
  ck_assert_int_eq(g->n[1].op, OP_Relu);
  ck_assert_int_eq(g->n[0].nin, 3);
  ck_assert_int_eq(g->n[0].in[1], find("w"));
  const int64_t *v;
  ck_assert_int_eq(attr_ints(&g->n[0], "strides", &v), 2);
  ck_assert_int_eq(v[0], 2);
  ck_assert_int_eq(v[1], 2);
  ck_assert_int_eq(attr_int(&g->n[0], "group", 9), 1);
  ck_assert_str_eq(node_attr(&g->n[0], "strides")->loc, "graph.node[0].attribute[0]");
  Tensor *w = &g->t[find("w")];
  ck_assert_int_eq(w->dtype, DT_F32);
  ck_assert_int_eq(w->rank, 4);
  ck_assert_int_eq(w->dims[3], 2);
  ck_assert_str_eq(w->loc, "graph.initializer[0]");
  ck_assert(((float *)w->data)[1] == -1.5f);
  ck_assert(((float *)g->t[find("b")].data)[0] == 3.0f);
  ck_assert_int_eq(g->ninputs, 1);
  Tensor *x = &g->t[g->inputs[0]];
  ck_assert_str_eq(x->name, "x");
  ck_assert_str_eq(x->loc, "graph.input[0]");
  ck_assert_int_eq(x->rank, 4);
  ck_assert_int_eq(x->dims[2], 4);
  ck_assert_ptr_null(x->data);
  ck_assert_int_eq(g->noutputs, 1);
  ck_assert_int_eq(g->outputs[0], find("y"));
  ck_assert_str_eq(g->t[find("y")].loc, "graph.node[1].output[0]");
  ck_assert_int_eq(g->t[find("c")].producer, -1);
}
END_TEST

START_TEST(snake_case_and_enum_numbers) {
  const char *m = "{'ir_version':8,'opset_import':[{'domain':'ai.onnx','version':11}],'graph':{"
                  "'node':[{'op_type':'Gemm','input':['x','w'],'output':['y'],"
                  " 'attribute':[{'name':'alpha','type':1,'f':0.25},{'name':'transB','type':2,'i':1}]}],"
                  "'initializer':[{'name':'w','dims':[3,2],'data_type':1,'raw_data':'AACAPwAAIMAAAAAAAAAAAAAAAAAAAAAA'}],"
                  "'input':[{'name':'x','type':{'tensor_type':{'elem_type':1,'shape':{'dim':[{'dim_value':1},{'dim_value':2}]}}}}],"
                  OUT_Y "}}";
  ck_assert_int_eq(load(m), 0);
  ck_assert_int_eq(g->opset, 11);
  ck_assert_int_eq(g->n[0].op, OP_Gemm);
  ck_assert(attr_float(&g->n[0], "alpha", 0) == 0.25f);
  ck_assert_int_eq(attr_int(&g->n[0], "transB", 0), 1);
  Tensor *w = &g->t[find("w")];
  ck_assert(((float *)w->data)[0] == 1.0f);
  ck_assert(((float *)w->data)[1] == -2.5f);
  ck_assert(((float *)w->data)[5] == 0.0f);
  ck_assert_int_eq(g->t[g->inputs[0]].dims[1], 2);
}
END_TEST

START_TEST(raw_ints_and_typed_fields) {
  const char *m = MODEL(
      "'node':[{'opType':'Reshape','input':['x','s'],'output':['y']}],"
      "'initializer':[{'name':'s','dims':['2'],'dataType':'INT64','rawData':'//////////8sAQAAAAAAAA=='},"
      " {'name':'i32','dims':['2'],'dataType':6,'rawData':'+f///wUAAAA='},"
      " {'name':'t32','dims':['3'],'dataType':'INT32','int32Data':[-4,'5',0]},"
      " {'name':'t64','dims':[2],'dataType':7,'int64Data':['-9223372036854775808',7]},"
      " {'name':'dbl','dims':[],'dataType':'DOUBLE','rawData':'mpmZmZmZuT8='},"
      " {'name':'dbl2','dims':[2],'dataType':11,'doubleData':[1.5,'-Infinity']},"
      " {'name':'u8','dims':[3],'dataType':'UINT8','rawData':'-_-_'},"
      " {'name':'empty','dims':[0,3],'dataType':1}],"
      IN_X "," OUT_Y);
  ck_assert_int_eq(load(m), 0);
  ck_assert_str_eq(errs(), "");
  int64_t *s = g->t[find("s")].data;
  ck_assert_int_eq(g->t[find("s")].dtype, DT_I64);
  ck_assert_int_eq(s[0], -1);
  ck_assert_int_eq(s[1], 300);
  int64_t *i32 = g->t[find("i32")].data;
  ck_assert_int_eq(i32[0], -7);
  ck_assert_int_eq(i32[1], 5);
  int64_t *t32 = g->t[find("t32")].data;
  ck_assert_int_eq(t32[0], -4);
  ck_assert_int_eq(t32[1], 5);
  ck_assert_int_eq(g->t[find("t32")].dtype, DT_I32); /* INT32 keeps its type (stored as int64_t) */
  ck_assert(((int64_t *)g->t[find("t64")].data)[0] == INT64_MIN);
  Tensor *dbl = &g->t[find("dbl")];
  ck_assert_int_eq(dbl->dtype, DT_F32);
  ck_assert_int_eq(dbl->rank, 0);
  ck_assert(((float *)dbl->data)[0] == 0.1f);
  ck_assert(((float *)g->t[find("dbl2")].data)[0] == 1.5f);
  ck_assert(((float *)g->t[find("dbl2")].data)[1] < -3.5e38);
  int64_t *u8 = g->t[find("u8")].data; /* URL-safe base64 of fb ff bf */
  ck_assert_int_eq(u8[0], 0xfb);
  ck_assert_int_eq(u8[2], 0xbf);
  Tensor *e = &g->t[find("empty")];
  ck_assert_int_eq(tensor_numel(e), 0);
  ck_assert_ptr_nonnull(e->data);
}
END_TEST

START_TEST(string_attr_with_nul) {
  const char *m = MODEL("'node':[{'opType':'Pad','input':['x'],'output':['y'],"
                        "'attribute':[{'name':'mode','s':'YQBi'},{'name':'pads','ints':[]},"
                        "{'name':'value','f':'NaN'}]}]," IN_X "," OUT_Y);
  ck_assert_int_eq(load(m), 0);
  const Attr *a = node_attr(&g->n[0], "mode");
  ck_assert_int_eq(a->kind, AT_STRING);
  ck_assert_uint_eq(a->slen, 3);
  ck_assert(!memcmp(a->s, "a\0b", 4));
  ck_assert_int_eq(node_attr(&g->n[0], "pads")->kind, AT_INTS);
  ck_assert_int_eq(node_attr(&g->n[0], "pads")->n, 0);
  float f = attr_float(&g->n[0], "value", 0);
  ck_assert(f != f);
}
END_TEST

START_TEST(constant_nodes) {
  const char *m = MODEL(
      "'node':[{'opType':'Constant','output':['c'],'attribute':[{'name':'value','type':'TENSOR',"
      "  't':{'name':'c','dims':['2'],'dataType':1,'floatData':[1,2]}}]},"
      "{'opType':'Constant','output':['f'],'attribute':[{'name':'value_float','type':'FLOAT','f':0.75}]},"
      "{'opType':'Constant','output':['v'],'attribute':[{'name':'value_ints','type':'INTS','ints':['3','-1']}]},"
      "{'opType':'Add','input':['x','c'],'output':['a']},{'opType':'Mul','input':['a','f'],'output':['y']}],"
      IN_X "," OUT_Y);
  ck_assert_int_eq(load(m), 0);
  ck_assert_str_eq(errs(), "");
  ck_assert_int_eq(g->nn, 5);
  const Attr *a = node_attr(&g->n[0], "value");
  ck_assert_int_eq(g->n[0].nattr, 1);
  ck_assert_int_eq(a->kind, AT_TENSOR);
  Tensor *t = &g->t[a->tensor];
  ck_assert(((float *)t->data)[1] == 2.0f);
  ck_assert_int_eq(t->is_input, 0);
  ck_assert_str_eq(t->loc, "graph.node[0].attribute[0].t");
  /* the value tensor is not the node's output tensor */
  ck_assert_int_ne(a->tensor, g->n[0].out[0]);
  ck_assert_int_eq(g->n[3].in[1], g->n[0].out[0]);
  const Attr *f = node_attr(&g->n[1], "value");
  ck_assert_int_eq(f->kind, AT_TENSOR);
  ck_assert_int_eq(g->t[f->tensor].rank, 0);
  ck_assert(((float *)g->t[f->tensor].data)[0] == 0.75f);
  ck_assert_str_eq(f->loc, "graph.node[1].attribute[0]");
  const Attr *v = node_attr(&g->n[2], "value");
  Tensor *vt = &g->t[v->tensor];
  ck_assert_int_eq(vt->dtype, DT_I64);
  ck_assert_int_eq(vt->rank, 1);
  ck_assert_int_eq(vt->dims[0], 2);
  ck_assert_int_eq(((int64_t *)vt->data)[1], -1);
}
END_TEST

START_TEST(dims_binding) {
  const char *m = MODEL("'node':[{'opType':'Relu','input':['x'],'output':['y']}],"
                        "'input':[{'name':'x','type':{'tensorType':{'elemType':1,'shape':{'dim':["
                        "{'dimParam':'batch'},{'dimValue':'3'}]}}}}]," OUT_Y);
  DimBinding b[2] = {{"other", 7}, {"batch", 5}};
  LoadOptions o = {b, 2};
  ck_assert_int_eq(load_opts(m, &o), 0);
  ck_assert_int_eq(g->t[g->inputs[0]].dims[0], 5);
  ck_assert_int_eq(g->t[g->inputs[0]].dims[1], 3);
}
END_TEST

START_TEST(initializer_that_is_input) {
  const char *m = MODEL("'node':[{'opType':'Add','input':['x','w'],'output':['y']}],"
                        "'initializer':[{'name':'w','dims':[1],'dataType':1,'floatData':[2]}],"
                        "'input':[{'name':'x','type':{'tensorType':{'elemType':1,'shape':{'dim':[{'dimValue':1}]}}}},"
                        "{'name':'w','type':{'tensorType':{'elemType':1,'shape':{'dim':[{'dimValue':1}]}}}}],"
                        OUT_Y);
  ck_assert_int_eq(load(m), 0);
  ck_assert_int_eq(g->ninputs, 1);
  ck_assert_str_eq(g->t[g->inputs[0]].name, "x");
  Tensor *w = &g->t[find("w")];
  ck_assert_int_eq(w->is_input, 0);
  ck_assert_ptr_nonnull(w->data);
}
END_TEST

START_TEST(optional_inputs_and_outputs) {
  const char *m = MODEL("'node':[{'opType':'Clip','input':['x','','hi'],'output':['y']},"
                        "{'opType':'Dropout','input':['y'],'output':['z','']}],"
                        "'initializer':[{'name':'hi','dataType':1,'floatData':[6]}],"
                        IN_X ",'output':[{'name':'z'}]");
  ck_assert_int_eq(load(m), 0);
  ck_assert_int_eq(g->n[0].nin, 3);
  ck_assert_int_eq(g->n[0].in[1], -1);
  ck_assert_int_eq(g->n[0].in[2], find("hi"));
  ck_assert_int_eq(g->n[1].nout, 2);
  ck_assert_int_eq(g->n[1].out[1], -1);
}
END_TEST

/* ---- errors, exact text ---- */

/* The frontend, then (when it succeeds) the verifier on the graph as read, as
 * the pipeline runs them. */
static void expect_error(const char *model, const char *text) {
  ck_assert_int_eq(load(model) || ir_verify(g, &d, VERIFY_READ) ? -1 : 0, -1);
  ck_assert_str_eq(errs(), text);
}

START_TEST(err_data_count) {
  expect_error(MODEL("'node':[{'opType':'Relu','input':['x'],'output':['y']}],"
                     "'initializer':[{'name':'a','dims':[2,3,3],'dataType':1,'floatData':[1,2,3,4,5,6,7,8,9,10,11,12]},"
                     "{'name':'b','dims':[2],'dataType':1,'rawData':'AACAPwAAIMAAAAAA'},"
                     "{'name':'c','dims':['100000','100000',100000],'dataType':1,'floatData':[1]},"
                     "{'name':'d','dims':[3],'dataType':1}]," IN_X "," OUT_Y),
               "m.json: error: graph.initializer[0] ('a'): data has 12 values but dims 2x3x3 need 18\n"
               "m.json: error: graph.initializer[1] ('b'): data has 3 values but dims 2 need 2\n"
               "m.json: error: graph.initializer[2] ('c'): data has 1 value but dims 100000x100000x100000 need 1000000000000000\n"
               "m.json: error: graph.initializer[3] ('d'): data has 0 values but dims 3 need 3\n");
}
END_TEST

START_TEST(err_numbers) {
  expect_error(MODEL("'node':[{'opType':'Relu','input':['x'],'output':['y']}],"
                     "'initializer':[{'name':'a','dims':[3.5],'dataType':1},"
                     "{'name':'b','dims':[1e30],'dataType':1},"
                     "{'name':'c','dims':['99999999999999999999'],'dataType':1},"
                     "{'name':'d','dims':[{}],'dataType':1},"
                     "{'name':'e','dims':[-2],'dataType':1},"
                     "{'name':'f','dims':[9223372036854775807, 2],'dataType':1},"
                     "{'name':'g','dims':[1],'dataType':'UINT64'}]," IN_X "," OUT_Y),
               "m.json: error: graph.initializer[0].dims[0]: expected an integer, found 3.5\n"
               "m.json: error: graph.initializer[1].dims[0]: expected an integer of at most 2^53 (larger ones must be strings), found 1e+30\n"
               "m.json: error: graph.initializer[2].dims[0]: expected an int64, found \"99999999999999999999\" (out of range)\n"
               "m.json: error: graph.initializer[3].dims[0]: expected an int64 (a number or a string), found an object\n"
               "m.json: error: graph.initializer[4].dims[0]: dimension 0 is -2 (must be >= 0)\n"
               "m.json: error: graph.initializer[5].dims[0]: expected an integer of at most 2^53 (larger ones must be strings), found 9.22337203685478e+18\n"
               "m.json: error: graph.initializer[6].dataType: unsupported data type UINT64 (13) (supported: FLOAT, DOUBLE, INT8 to INT64, UINT8, UINT16, BOOL)\n");
}
END_TEST

START_TEST(err_overflow) {
  expect_error(MODEL("'node':[{'opType':'Relu','input':['x'],'output':['y']}],"
                     "'initializer':[{'name':'a','dims':['9223372036854775807','2'],'dataType':1}]," IN_X "," OUT_Y),
               "m.json: error: graph.initializer[0] ('a'): the element count of dims 9223372036854775807x2 overflows\n");
}
END_TEST

START_TEST(err_symbolic_dim) {
  expect_error(MODEL("'node':[{'opType':'Relu','input':['x'],'output':['y']}],"
                     "'input':[{'name':'x','type':{'tensorType':{'elemType':1,'shape':{'dim':["
                     "{'dimParam':'batch'},{'dimValue':'0'},{'dimValue':'-0'},{}]}}}}]," OUT_Y),
               "m.json: error: input 'x' at graph.input[0]: dimension 0 is symbolic ('batch'): give its value with --dim batch=N\n"
               "m.json: error: input 'x' at graph.input[0]: dimension 3 is unknown (neither dimValue nor dimParam)\n");
  /* Extents < 1 are the verifier's (after a clean load): the first one. */
  graph_free(g);
  diag_free(&d);
  g = graph_new("m.json");
  diag_init(&d, "m.json");
  expect_error(MODEL("'node':[{'opType':'Relu','input':['x'],'output':['y']}],"
                     "'input':[{'name':'x','type':{'tensorType':{'elemType':1,'shape':{'dim':["
                     "{'dimValue':'1'},{'dimValue':'0'},{'dimValue':'-0'}]}}}}]," OUT_Y),
               "m.json: error: input 'x' at graph.input[0]: dimension 1 is 0 (must be >= 1)\n");
}
END_TEST

START_TEST(err_unknown_ops) {
  expect_error(MODEL("'node':[{'name':'a','opType':'Foo','input':['x'],'output':['t']},"
                     "{'name':'b','opType':'Bar','input':['t'],'output':['u']},"
                     "{'name':'f1','opType':'Foo','input':['u'],'output':['v']},"
                     "{'name':'m','domain':'com.microsoft','opType':'FusedConv','input':['v'],'output':['w']},"
                     "{'name':'q','domain':'xnor','opType':'BinActiv','input':['w'],'output':['y']}],"
                     IN_X "," OUT_Y),
               "m.json: error: unsupported op 'Foo' (domain ''): 2 nodes, first: node 'a' at graph.node[0]\n"
               "m.json: error: unsupported op 'Bar' (domain ''): 1 node, first: node 'b' at graph.node[1]\n"
               "m.json: error: unsupported domain 'com.microsoft': 1 node, first: node 'm' (FusedConv) at graph.node[3]\n"
               "m.json: error: domain 'xnor' is used by 1 node but opsetImport does not import it; first: node 'q' (BinActiv) at graph.node[4]\n");
}
END_TEST

START_TEST(err_arity) {
  expect_error(MODEL("'node':[{'name':'c','opType':'Conv','input':['x'],'output':['y']},"
                     "{'name':'r','opType':'Relu','input':['y','y'],'output':[]}]," IN_X "," OUT_Y),
               "m.json: error: node 'c' (Conv) at graph.node[0]: has 1 input but Conv takes 2 to 3\n"
               "m.json: error: node 'r' (Relu) at graph.node[1]: has 2 inputs but Relu takes 1\n"
               "m.json: error: node 'r' (Relu) at graph.node[1]: has 0 outputs but Relu gives 1\n");
}
END_TEST

START_TEST(err_opsets) {
  expect_error("{'opsetImport':[{'version':'28'},{'domain':'xnor','version':2}],'graph':{'node':[],'output':[{'name':'x'}]}}",
               "m.json: error: opsetImport[0]: unsupported opset version 28 (supported: 1 to 27)\n"
               "m.json: error: opsetImport[1]: unsupported version 2 of domain 'xnor' (supported: 1)\n"
               "m.json: error: graph.output[0]: output 'x' is not produced by any node, graph input or initializer\n");
}
END_TEST

START_TEST(err_no_opset) {
  expect_error("{'graph':{'node':[{'opType':7}]}}",
               "m.json: error: opsetImport is missing: the model must import an opset of the default domain ('' or 'ai.onnx')\n"
               "m.json: error: graph.node[0].opType: expected a string, found a number\n"
               "m.json: error: the graph has no outputs\n");
}
END_TEST

START_TEST(err_base64_and_names) {
  expect_error(MODEL("'node':[{'name':'n\\u0000x','opType':'Relu','input':['x'],'output':['y']}],"
                     "'initializer':[{'name':'a','dims':[1],'dataType':1,'rawData':'AA!A'},"
                     "{'name':'a','dims':[1],'dataType':1,'floatData':[1]},"
                     "{'name':'a','dims':[1],'dataType':1,'floatData':[1]},"
                     "{'name':'b\\u0000','dims':[1],'dataType':1,'floatData':[1]}]," IN_X "," OUT_Y),
               "m.json: error: graph.initializer[0].rawData: invalid base64 character '!' at offset 2\n"
               "m.json: error: graph.initializer[2]: duplicate initializer name 'a' (first at graph.initializer[1])\n"
               "m.json: error: graph.initializer[3].name: 'b\\x00' contains a NUL character (\\u0000), which names cannot hold\n"
               "m.json: error: graph.node[0].name: 'n\\x00x' contains a NUL character (\\u0000), which names cannot hold\n");
}
END_TEST

/* jbase64_len and jbase64_decode against an encoder written here (RFC 4648),
 * on every length from 0 to 70 (all three tails), with and without padding,
 * in both alphabets, and with a bad digit in each group position. */
static void b64_encode(const unsigned char *in, size_t n, int url, int pad, char *out) {
  const char *abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
    size_t k = n - i >= 3 ? 4 : n - i + 1;
    for (size_t j = 0; j < 4; j++)
      if (j < k)
        out[o++] = abc[(v >> (18 - 6 * j)) & 63];
      else if (pad)
        out[o++] = '=';
  }
  out[o] = 0;
}

START_TEST(base64_roundtrip) {
  OmCtx c;
  om_init(&c, g, NULL, &d, 0);
  unsigned char in[70], out[72];
  char text[100];
  uint32_t x = 12345;
  for (int i = 0; i < 70; i++)
    in[i] = (unsigned char)((x = x * 1103515245u + 12345u) >> 24);
  for (size_t n = 0; n <= 70; n++)
    for (int form = 0; form < 4; form++) {
      b64_encode(in, n, form & 1, form >> 1, text);
      ck_assert_int_eq(jbase64_len(&c, text, "t"), (long long)n);
      memset(out, 0xAA, sizeof out);
      jbase64_decode(text, out);
      ck_assert_msg(!memcmp(out, in, n), "length %zu form %d: %s", n, form, text);
      ck_assert_int_eq(out[n], 0xAA); /* nothing written past the bytes */
      for (size_t k = 0; n && k < 4 && k < strlen(text); k++) {
        char bad[100];
        strcpy(bad, text);
        bad[strlen(text) > 8 ? 4 + k : k] = '*';
        ck_assert_int_lt(jbase64_len(&c, bad, "t"), 0);
      }
    }
  ck_assert_int_gt(d.nerrors, 0);
}
END_TEST

START_TEST(err_json_syntax) {
  expect_error("{'graph':\n {'node': [1,}",
               "m.json: error: invalid JSON at line 2, column 14 (byte 23): unexpected character '}'\n");
}
END_TEST

START_TEST(err_json_truncated) {
  expect_error("{'graph':\n {'node': [1", "m.json: error: invalid JSON at line 2, column 13 (byte 22): unexpected end of input\n");
}
END_TEST

START_TEST(err_json_depth) {
  char buf[200];
  memset(buf, '[', 70);
  buf[70] = 0;
  expect_error(buf, "m.json: error: invalid JSON at line 1, column 65 (byte 64): nesting deeper than 64 levels\n");
}
END_TEST

START_TEST(err_json_utf8_and_trailing) {
  expect_error("{'a':'\xc3('}", "m.json: error: invalid JSON at line 1, column 7 (byte 6): invalid UTF-8 (JSON text must be UTF-8)\n");
  diag_free(&d);
  diag_init(&d, "m.json");
  expect_error("{} x", "m.json: error: invalid JSON at line 1, column 4 (byte 3): unexpected text after the JSON value\n");
}
END_TEST

START_TEST(err_both_spellings) {
  expect_error(MODEL("'node':[{'opType':'Relu','op_type':'Relu','input':['x'],'output':['y']}]," IN_X "," OUT_Y),
               "m.json: error: graph.node[0]: both 'opType' and 'op_type' are given (they are the same field)\n");
}
END_TEST

/* Every allocation failure must be reported (no crash, no leak under ASan). */
START_TEST(out_of_memory) {
  const char *m = MODEL("'node':[{'opType':'Constant','output':['c'],'attribute':[{'name':'value_floats','floats':[1,2]}]},"
                        "{'opType':'Add','input':['x','c'],'output':['y']}],"
                        "'initializer':[{'name':'w','dims':[2],'dataType':1,'rawData':'AACAPwAAIMA='}]," IN_X "," OUT_Y);
  int ok = 0;
  for (long n = 1; n < 2000 && !ok; n++) {
    graph_free(g);
    diag_free(&d);
    diag_init(&d, "m.json");
    xn_alloc_fail_at(0);
    g = graph_new("m.json");
    ck_assert_ptr_nonnull(g);
    xn_alloc_fail_at(n);
    int rc = load(m);
    xn_alloc_fail_at(0);
    if (rc == 0)
      ok = 1;
    else
      ck_assert_msg(d.nerrors > 0, "failure %ld returned -1 without an error", n);
  }
  ck_assert(ok);
}
END_TEST

/* With a caller's handler installed (as the pipeline does), an arena failure
 * frees the cJSON tree and jumps on to it. */
START_TEST(out_of_memory_jumps_to_caller) {
  /* 80000 bytes of rawData: the arena must grow beyond its first block. */
  static char m[120000];
  char *p = m + sprintf(m, "%s", "{'opsetImport':[{'version':13}],'graph':{'node':[{'opType':'Add','input':['x','w'],"
                                  "'output':['y']}],'initializer':[{'name':'w','dims':[20000],'dataType':1,'rawData':'");
  memset(p, 'A', 106667);
  sprintf(p + 106667, "%s", "'}]," IN_X "," OUT_Y "}}");
  for (p = m; *p; p++)
    if (*p == '\'')
      *p = '"';
  volatile int jumps = 0, ok = 0;
  for (volatile long n = 1; n < 2000 && !ok; n++) {
    graph_free(g);
    diag_free(&d);
    diag_init(&d, "m.json");
    xn_alloc_fail_at(0);
    g = graph_new("m.json");
    jmp_buf env;
    if (setjmp(env)) {
      xn_alloc_fail_at(0);
      jumps++;
      continue;
    }
    arena_set_oom(g->arena, &env);
    xn_alloc_fail_at(n);
    if (json_load(g, m, strlen(m), NULL, &d) == 0)
      ok = 1;
    xn_alloc_fail_at(0);
    ck_assert_ptr_eq(arena_get_oom(g->arena), &env);
    arena_set_oom(g->arena, NULL);
  }
  ck_assert(ok);
  ck_assert_int_gt(jumps, 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("json");
  TCase *t = tcase_create("load");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, conv_relu_camel);
  tcase_add_test(t, snake_case_and_enum_numbers);
  tcase_add_test(t, raw_ints_and_typed_fields);
  tcase_add_test(t, string_attr_with_nul);
  tcase_add_test(t, constant_nodes);
  tcase_add_test(t, dims_binding);
  tcase_add_test(t, initializer_that_is_input);
  tcase_add_test(t, optional_inputs_and_outputs);
  tcase_add_test(t, err_data_count);
  tcase_add_test(t, err_numbers);
  tcase_add_test(t, err_overflow);
  tcase_add_test(t, err_symbolic_dim);
  tcase_add_test(t, err_unknown_ops);
  tcase_add_test(t, err_arity);
  tcase_add_test(t, err_opsets);
  tcase_add_test(t, err_no_opset);
  tcase_add_test(t, err_base64_and_names);
  tcase_add_test(t, base64_roundtrip);
  tcase_add_test(t, err_json_syntax);
  tcase_add_test(t, err_json_truncated);
  tcase_add_test(t, err_json_depth);
  tcase_add_test(t, err_json_utf8_and_trailing);
  tcase_add_test(t, err_both_spellings);
  tcase_add_test(t, out_of_memory);
  tcase_add_test(t, out_of_memory_jumps_to_caller);
  suite_add_tcase(s, t);
  SRunner *r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  int failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
