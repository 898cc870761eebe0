/* test_interp.c - BinActiv/BinConv/BinGemm (interp_node and
 * shape_node) against independent computations: the float Conv/Gemm/
 * MatMul of the interpreter on +-1 data and +-alpha weights, with pad_value
 * made explicit by padding the input by hand and K by a box-filter conv. */
#include <math.h>
#include <string.h>

#include "binary_test.h"

typedef struct ConvCase {
  int64_t n, c, h, w, m, kh, kw; /* batch, channels, input extents, filters, kernel */
  int64_t sh, sw, dh, dw;        /* strides, dilations */
  int64_t pt, pl, pb, pr;        /* pads: top, left, bottom, right */
  int64_t group, pad_value;
  int xnor, with_a, with_b;      /* X is +-1; A given; B given */
} ConvCase;

static void set_conv_attrs(Graph *g, int ni, const ConvCase *k, int with_pads) {
  int64_t ks[2] = {k->kh, k->kw}, st[2] = {k->sh, k->sw}, dl[2] = {k->dh, k->dw};
  int64_t pads[4] = {k->pt, k->pl, k->pb, k->pr}, zero[4] = {0, 0, 0, 0};
  tb_attr_ints(g, ni, "kernel_shape", 2, ks);
  tb_attr_ints(g, ni, "strides", 2, st);
  tb_attr_ints(g, ni, "dilations", 2, dl);
  tb_attr_ints(g, ni, "pads", 4, with_pads ? pads : zero);
}

/* Runs one case; returns the relative error (<= 1 passes). */
static double run_conv_case(const ConvCase *k, uint64_t seed) {
  Graph *g = graph_new("conv.json");
  Diag d;
  diag_init(&d, "conv.json");
  Rng r = {seed};
  int64_t cg = k->c / k->group;
  int64_t xd[4] = {k->n, k->c, k->h, k->w}, wd[4] = {k->m, cg, k->kh, k->kw}, bd[1] = {k->m};
  int64_t ad[4] = {k->n, 1, k->h, k->w};
  int64_t nx = k->n * k->c * k->h * k->w, nw = k->m * cg * k->kh * k->kw, na = k->n * k->h * k->w;
  float *x = tb_random(g, &r, nx), *w = tb_random(g, &r, nw), *b = tb_random(g, &r, k->m);
  float *a = arena_array(g->arena, (size_t)na, sizeof(float));
  for (int64_t i = 0; i < na; i++)
    a[i] = rng_range(&r, 0.1f, 2.0f);
  if (k->xnor)
    for (int64_t i = 0; i < nx; i++)
      x[i] = x[i] < 0 ? -1.0f : 1.0f;
  int tx = tb_tensor(g, "x", 4, xd, x), tw = tb_tensor(g, "w", 4, wd, w);
  int tbias = tb_tensor(g, "b", 1, bd, b), ta = tb_tensor(g, "a", 4, ad, a), ty = tb_tensor(g, "y", -1, NULL, NULL);
  int in[4] = {tx, tw, k->with_b ? tbias : -1, k->with_a ? ta : -1};
  int bc = tb_node(g, OP_BinConv, "bconv", k->with_a ? 4 : k->with_b ? 3 : 2, in, 1, &ty);
  set_conv_attrs(g, bc, k, 1);
  tb_attr_int(g, bc, "group", k->group);
  tb_attr_int(g, bc, "pad_value", k->pad_value);
  ck_assert_int_eq(shape_node(g, &g->n[bc], &d), 0);
  const Tensor *yt = &g->t[ty];
  ck_assert_int_eq(yt->rank, 4);
  int64_t oh = yt->dims[2], ow = yt->dims[3], ny = tensor_numel(yt);
  ck_assert_int_eq(oh, (k->h + k->pt + k->pb - k->dh * (k->kh - 1) - 1) / k->sh + 1);
  ck_assert_int_eq(ow, (k->w + k->pl + k->pr - k->dw * (k->kw - 1) - 1) / k->sw + 1);
  float *y = arena_array(g->arena, (size_t)ny, sizeof(float));
  void *ins[4] = {x, w, b, a}, *outs[1] = {y};
  ck_assert_int_eq(interp_node(g, &g->n[bc], &d, ins, outs), 0);

  /* Reference: pad by hand with pad_value, float Conv with +-alpha weights. */
  int64_t hp = k->h + k->pt + k->pb, wp = k->w + k->pl + k->pr;
  float *xp = arena_array(g->arena, (size_t)(k->n * k->c * hp * wp), sizeof(float));
  for (int64_t i = 0; i < k->n * k->c; i++)
    for (int64_t yy = 0; yy < hp; yy++)
      for (int64_t xx = 0; xx < wp; xx++) {
        int64_t iy = yy - k->pt, ix = xx - k->pl;
        int inside = iy >= 0 && iy < k->h && ix >= 0 && ix < k->w;
        xp[(i * hp + yy) * wp + xx] = inside ? x[(i * k->h + iy) * k->w + ix] : (float)k->pad_value;
      }
  float *wq = arena_array(g->arena, (size_t)nw, sizeof(float));
  memcpy(wq, w, (size_t)nw * sizeof(float));
  to_pm_alpha(wq, k->m, cg * k->kh * k->kw);
  int64_t xpd[4] = {k->n, k->c, hp, wp}, rd[4] = {k->n, k->m, oh, ow}, kd[4] = {k->n, 1, oh, ow};
  int txp = tb_tensor(g, "xp", 4, xpd, xp), twq = tb_tensor(g, "wq", 4, wd, wq);
  int tr = tb_tensor(g, "ref", 4, rd, NULL);
  int cin[2] = {txp, twq};
  int cv = tb_node(g, OP_Conv, "ref_conv", 2, cin, 1, &tr);
  set_conv_attrs(g, cv, k, 0);
  tb_attr_int(g, cv, "group", k->group);
  float *ref = arena_array(g->arena, (size_t)ny, sizeof(float));
  void *rin[2] = {xp, wq}, *rout[1] = {ref};
  ck_assert_msg(interp_node(g, &g->n[cv], &d, rin, rout) == 0, "%s", d.text ? d.text : "");
  if (k->with_a) {
    /* K = A conv a box filter of 1/(kh*kw), zero padding, the same window. */
    int64_t bxd[4] = {1, 1, k->kh, k->kw};
    float *box = arena_array(g->arena, (size_t)(k->kh * k->kw), sizeof(float));
    for (int64_t i = 0; i < k->kh * k->kw; i++)
      box[i] = 1.0f / (float)(k->kh * k->kw);
    int tbox = tb_tensor(g, "box", 4, bxd, box), tk = tb_tensor(g, "k", 4, kd, NULL);
    int kin[2] = {ta, tbox};
    int kc = tb_node(g, OP_Conv, "k_conv", 2, kin, 1, &tk);
    set_conv_attrs(g, kc, k, 1);
    float *kv = arena_array(g->arena, (size_t)(k->n * oh * ow), sizeof(float));
    void *kins[2] = {a, box}, *kouts[1] = {kv};
    ck_assert_int_eq(interp_node(g, &g->n[kc], &d, kins, kouts), 0);
    for (int64_t i = 0; i < k->n; i++)
      for (int64_t mm = 0; mm < k->m; mm++)
        for (int64_t p = 0; p < oh * ow; p++)
          ref[(i * k->m + mm) * oh * ow + p] *= kv[i * oh * ow + p];
  }
  if (k->with_b)
    for (int64_t i = 0; i < k->n; i++)
      for (int64_t mm = 0; mm < k->m; mm++)
        for (int64_t p = 0; p < oh * ow; p++)
          ref[(i * k->m + mm) * oh * ow + p] += b[mm];
  double e = rel_err(y, ref, ny);
  diag_free(&d);
  graph_free(g);
  return e;
}

/* The matrix of cases: channel counts around word boundaries, pad values,
 * strides, dilations, groups, odd sizes, batch, A and B on and off, X binary
 * (XNOR) or real (BWN). */
START_TEST(test_binconv_matrix) {
  static const int64_t chans[] = {1, 3, 63, 64, 65, 70};
  int ncase = 0;
  for (int ci = 0; ci < 6; ci++)
    for (int pv = -1; pv <= 1; pv++)
      for (int variant = 0; variant < 5; variant++) {
        ConvCase k;
        memset(&k, 0, sizeof k);
        k.c = chans[ci];
        k.n = variant == 1 ? 2 : 1;
        k.h = 5 + variant % 2;
        k.w = 4 + variant;
        k.m = variant == 3 ? 6 : 3;
        k.kh = 3, k.kw = variant == 2 ? 2 : 3;
        k.sh = variant == 1 ? 2 : 1, k.sw = variant == 3 ? 2 : 1;
        k.dh = variant == 2 ? 2 : 1, k.dw = 1;
        k.pt = 1, k.pl = 1, k.pb = variant == 3 ? 2 : 1, k.pr = variant == 2 ? 0 : 1;
        k.group = variant == 3 && k.c % 3 == 0 ? 3 : 1;
        k.pad_value = pv;
        k.xnor = variant != 2;
        k.with_a = variant % 2 == 1;
        k.with_b = variant >= 2;
        if (variant == 4) { /* dilated both ways, strided, grouped, with K and B */
          k.n = 2, k.h = 7, k.w = 6, k.m = 4, k.kh = 2, k.kw = 3;
          k.sh = 2, k.sw = 1, k.dh = 2, k.dw = 2;
          k.pt = 2, k.pl = 1, k.pb = 0, k.pr = 2;
          k.group = k.c % 2 == 0 ? 2 : 1;
          k.with_a = 1;
        }
        double e = run_conv_case(&k, 1000 + (uint64_t)ncase++);
        ck_assert_msg(e <= 1.0, "C=%lld pad_value=%lld variant %d: relative error %g", (long long)k.c,
                      (long long)k.pad_value, variant, e);
      }
}
END_TEST

START_TEST(test_binconv_borders) {
  /* Pads as large as the kernel allows, every output touching a border;
   * depthwise (group = C) with A and B. */
  ConvCase k = {2, 4, 3, 3, 4, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 4, 1, 1, 1, 1};
  for (int pv = -1; pv <= 1; pv++) {
    k.pad_value = pv;
    double e = run_conv_case(&k, 77 + (uint64_t)pv);
    ck_assert_msg(e <= 1.0, "pad_value %d: relative error %g", pv, e);
  }
  ConvCase bwn = {1, 65, 4, 7, 2, 1, 3, 1, 2, 1, 2, 0, 2, 0, 1, 1, 0, 0, 0, 1};
  ck_assert(run_conv_case(&bwn, 5) <= 1.0);
}
END_TEST

/* BinGemm against the interpreter's Gemm (transB) on +-alpha weights, then
 * times A and plus B by hand. */
static double run_gemm_case(int64_t n, int64_t f, int64_t m, int xnor, int with_a, int with_b, uint64_t seed) {
  Graph *g = graph_new("gemm.json");
  Diag d;
  diag_init(&d, "gemm.json");
  Rng r = {seed};
  int64_t xd[2] = {n, f}, wd[2] = {m, f}, bd[1] = {m}, ad[2] = {n, 1}, yd[2] = {n, m};
  float *x = tb_random(g, &r, n * f), *w = tb_random(g, &r, m * f), *b = tb_random(g, &r, m);
  float *a = arena_array(g->arena, (size_t)n, sizeof(float));
  for (int64_t i = 0; i < n; i++)
    a[i] = rng_range(&r, 0.1f, 2.0f);
  if (xnor)
    for (int64_t i = 0; i < n * f; i++)
      x[i] = x[i] < 0 ? -1.0f : 1.0f;
  int tx = tb_tensor(g, "x", 2, xd, x), tw = tb_tensor(g, "w", 2, wd, w), tb = tb_tensor(g, "b", 1, bd, b);
  int ta = tb_tensor(g, "a", 2, ad, a), ty = tb_tensor(g, "y", -1, NULL, NULL);
  int in[4] = {tx, tw, with_b ? tb : -1, with_a ? ta : -1};
  int bg = tb_node(g, OP_BinGemm, "bgemm", with_a ? 4 : with_b ? 3 : 2, in, 1, &ty);
  ck_assert_int_eq(shape_node(g, &g->n[bg], &d), 0);
  ck_assert_int_eq(g->t[ty].rank, 2);
  ck_assert_int_eq(g->t[ty].dims[0], n);
  ck_assert_int_eq(g->t[ty].dims[1], m);
  float *y = arena_array(g->arena, (size_t)(n * m), sizeof(float));
  void *ins[4] = {x, w, b, a}, *outs[1] = {y};
  ck_assert_int_eq(interp_node(g, &g->n[bg], &d, ins, outs), 0);

  float *wq = arena_array(g->arena, (size_t)(m * f), sizeof(float));
  memcpy(wq, w, (size_t)(m * f) * sizeof(float));
  to_pm_alpha(wq, m, f);
  int twq = tb_tensor(g, "wq", 2, wd, wq), tr = tb_tensor(g, "ref", 2, yd, NULL);
  int gin[2] = {tx, twq};
  int gm = tb_node(g, OP_Gemm, "ref_gemm", 2, gin, 1, &tr);
  tb_attr_int(g, gm, "transB", 1);
  float *ref = arena_array(g->arena, (size_t)(n * m), sizeof(float));
  void *rin[2] = {x, wq}, *rout[1] = {ref};
  ck_assert_msg(interp_node(g, &g->n[gm], &d, rin, rout) == 0, "%s", d.text ? d.text : "");
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < m; j++)
      ref[i * m + j] = ref[i * m + j] * (with_a ? a[i] : 1.0f) + (with_b ? b[j] : 0.0f);
  double e = rel_err(y, ref, n * m);
  diag_free(&d);
  graph_free(g);
  return e;
}

START_TEST(test_bingemm) {
  static const int64_t feats[] = {1, 3, 63, 64, 65, 70, 200};
  for (int i = 0; i < 7; i++)
    for (int v = 0; v < 4; v++) {
      double e = run_gemm_case(v == 1 ? 1 : 3, feats[i], v == 3 ? 9 : 5, v != 2, v & 1, v >= 2, 300 + (uint64_t)(i * 4 + v));
      ck_assert_msg(e <= 1.0, "F=%lld variant %d: relative error %g", (long long)feats[i], v, e);
    }
}
END_TEST

START_TEST(test_bingemm_rows) {
  /* X of rank 3: every leading index is a row, A one value per row; checked
   * against the interpreter's MatMul with the transposed +-alpha weight. */
  Graph *g = graph_new("mm.json");
  Diag d;
  diag_init(&d, "mm.json");
  Rng r = {9};
  int64_t xd[3] = {2, 3, 70}, wd[2] = {4, 70}, wtd[2] = {70, 4}, ad[3] = {2, 3, 1}, yd[3] = {2, 3, 4};
  float *x = tb_random(g, &r, 420), *w = tb_random(g, &r, 280), *a = tb_random(g, &r, 6);
  for (int i = 0; i < 420; i++)
    x[i] = x[i] < 0 ? -1.0f : 1.0f;
  int tx = tb_tensor(g, "x", 3, xd, x), tw = tb_tensor(g, "w", 2, wd, w), ta = tb_tensor(g, "a", 3, ad, a);
  int ty = tb_tensor(g, "y", -1, NULL, NULL);
  int in[4] = {tx, tw, -1, ta};
  int bg = tb_node(g, OP_BinGemm, "bgemm", 4, in, 1, &ty);
  ck_assert_int_eq(shape_node(g, &g->n[bg], &d), 0);
  ck_assert_str_eq(shape_str(g, &g->t[ty]), "2x3x4");
  float y[24], ref[24];
  void *ins[4] = {x, w, NULL, a}, *outs[1] = {y};
  ck_assert_int_eq(interp_node(g, &g->n[bg], &d, ins, outs), 0);
  float *wq = arena_array(g->arena, 280, sizeof(float)), *wt = arena_array(g->arena, 280, sizeof(float));
  memcpy(wq, w, 280 * sizeof(float));
  to_pm_alpha(wq, 4, 70);
  for (int mm = 0; mm < 4; mm++)
    for (int f = 0; f < 70; f++)
      wt[f * 4 + mm] = wq[mm * 70 + f];
  int twt = tb_tensor(g, "wt", 2, wtd, wt), tr = tb_tensor(g, "r", 3, yd, NULL);
  int min[2] = {tx, twt};
  int mmn = tb_node(g, OP_MatMul, "ref", 2, min, 1, &tr);
  void *rin[2] = {x, wt}, *rout[1] = {ref};
  ck_assert_int_eq(interp_node(g, &g->n[mmn], &d, rin, rout), 0);
  for (int i = 0; i < 24; i++)
    ref[i] *= a[i / 4];
  ck_assert(rel_err(y, ref, 24) <= 1.0);
  diag_free(&d);
  graph_free(g);
}
END_TEST

START_TEST(test_binactiv) {
  Graph *g = graph_new("act.json");
  Diag d;
  diag_init(&d, "act.json");
  Rng r = {3};
  int64_t xd[4] = {2, 5, 3, 2};
  float *x = tb_random(g, &r, 60);
  x[0] = 0.0f, x[1] = -0.0f, x[2] = -1e-30f, x[3] = 1e-30f;
  int tx = tb_tensor(g, "x", 4, xd, x), ty = tb_tensor(g, "y", -1, NULL, NULL), ta = tb_tensor(g, "a", -1, NULL, NULL);
  int outs_t[2] = {ty, ta};
  int ba = tb_node(g, OP_BinActiv, "act", 1, &tx, 2, outs_t);
  ck_assert_int_eq(shape_node(g, &g->n[ba], &d), 0);
  ck_assert_str_eq(shape_str(g, &g->t[ty]), "2x5x3x2");
  ck_assert_str_eq(shape_str(g, &g->t[ta]), "2x1x3x2");
  ck_assert_int_eq(g->t[ty].dtype, DT_F32);
  float y[60], a[12];
  void *ins[1] = {x}, *outs[2] = {y, a};
  ck_assert_int_eq(interp_node(g, &g->n[ba], &d, ins, outs), 0);
  ck_assert(y[0] == 1.0f && y[1] == 1.0f && y[2] == -1.0f && y[3] == 1.0f);
  for (int i = 0; i < 60; i++)
    ck_assert(y[i] == (x[i] < 0 ? -1.0f : 1.0f));
  for (int n = 0; n < 2; n++)
    for (int p = 0; p < 6; p++) {
      double s = 0;
      for (int c = 0; c < 5; c++)
        s += fabs(x[(n * 5 + c) * 6 + p]);
      ck_assert(fabs(a[n * 6 + p] - s / 5) <= 1e-6 * (1 + s));
    }
  /* 2-D input: A is N x 1. */
  int64_t x2d[2] = {3, 7};
  int tx2 = tb_tensor(g, "x2", 2, x2d, tb_random(g, &r, 21)), ty2 = tb_tensor(g, "y2", -1, NULL, NULL);
  int ta2 = tb_tensor(g, "a2", -1, NULL, NULL);
  int o2[2] = {ty2, ta2};
  int ba2 = tb_node(g, OP_BinActiv, "act2", 1, &tx2, 2, o2);
  ck_assert_int_eq(shape_node(g, &g->n[ba2], &d), 0);
  ck_assert_str_eq(shape_str(g, &g->t[ta2]), "3x1");
  diag_free(&d);
  graph_free(g);
}
END_TEST

/* The error text of shape_node on a BinConv built from the given
 * shapes (weight dims w, bias dims b or NULL, pad_value pv). */
static char *conv_error(const int64_t *w, const int64_t *b, const int64_t *a, int64_t pv, int64_t group) {
  static char buf[1024];
  Graph *g = graph_new("bad.json");
  Diag d;
  diag_init(&d, "bad.json");
  int64_t xd[4] = {1, 4, 5, 5};
  int tx = tb_tensor(g, "x", 4, xd, NULL), tw = tb_tensor(g, "w", 4, w, NULL);
  int tb = b ? tb_tensor(g, "b", 1, b, NULL) : -1, ta = a ? tb_tensor(g, "a", 4, a, NULL) : -1;
  int ty = tb_tensor(g, "y", -1, NULL, NULL);
  int in[4] = {tx, tw, tb, ta};
  int ni = tb_node(g, OP_BinConv, "bc", 4, in, 1, &ty);
  tb_attr_int(g, ni, "pad_value", pv);
  tb_attr_int(g, ni, "group", group);
  int rc = shape_node(g, &g->n[ni], &d);
  snprintf(buf, sizeof buf, "%s", rc ? (d.text ? d.text : "(no text)") : "");
  diag_free(&d);
  graph_free(g);
  return buf;
}

START_TEST(test_infer_errors) {
  int64_t w_ok[4] = {6, 4, 3, 3}, w_bad[4] = {6, 3, 3, 3}, b_bad[1] = {5}, a_bad[4] = {1, 2, 5, 5};
  ck_assert_str_eq(conv_error(w_ok, NULL, NULL, 0, 1), "");
  ck_assert_str_eq(conv_error(w_bad, NULL, NULL, 0, 1),
                   "bad.json: error: node 'bc' (BinConv) at graph.node[0]: weight 'w' of shape 6x3x3x3 has 3 "
                   "input channels per group (group 1) but input 'x' of shape 1x4x5x5 has 4 channels\n");
  ck_assert_str_eq(conv_error(w_ok, b_bad, NULL, 0, 1),
                   "bad.json: error: node 'bc' (BinConv) at graph.node[0]: bias 'b' has shape 5 but weight 'w' "
                   "of shape 6x4x3x3 has 6 output channels; expected a bias of shape 6\n");
  ck_assert_str_eq(conv_error(w_ok, NULL, a_bad, 0, 1),
                   "bad.json: error: node 'bc' (BinConv) at graph.node[0]: A 'a' has shape 1x2x5x5 but input 'x' "
                   "has shape 1x4x5x5; expected A of shape 1x1x5x5\n");
  ck_assert_str_eq(conv_error(w_ok, NULL, NULL, 2, 1),
                   "bad.json: error: node 'bc' (BinConv) at graph.node[0]: pad_value is 2; expected 0, 1 or -1\n");
  int64_t w_g[4] = {5, 2, 3, 3};
  ck_assert_str_eq(conv_error(w_g, NULL, NULL, 0, 2),
                   "bad.json: error: node 'bc' (BinConv) at graph.node[0]: group 2 does not divide the 4 input "
                   "channels of 'x' (shape 1x4x5x5) and the 5 filters of weight 'w' (shape 5x2x3x3)\n");
}
END_TEST

Suite *binary_interp_suite(void) {
  Suite *s = suite_create("binary_interp");
  TCase *tc = tcase_create("ops");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_binconv_matrix);
  tcase_add_test(tc, test_binconv_borders);
  tcase_add_test(tc, test_bingemm);
  tcase_add_test(tc, test_bingemm_rows);
  tcase_add_test(tc, test_binactiv);
  tcase_add_test(tc, test_infer_errors);
  suite_add_tcase(s, tc);
  return s;
}
