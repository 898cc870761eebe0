/* emit_profile.c - `xnorcc --profile`: generated code that times every layer.
 *
 * With EmitOptions.profile the .c file (and only then: without it nothing
 * here is called and the output is unchanged) gets
 *   - _POSIX_C_SOURCE before its includes, <time.h>, <stdio.h>, <stdlib.h>;
 *   - a table of the layers: function, node name, op, kind (xnor, bwn,
 *     float, as the plan's path), multiply-adds per run (bit-MACs for xnor
 *     layers; 0 for layers without a MAC count);
 *   - NAME_run reading CLOCK_MONOTONIC before and after each layer's call and
 *     adding the difference to that layer's total, and counting runs;
 *   - NAME_profile_print(), registered with atexit at the first run and
 *     declared in the header with NAME_profile_reset(): the table of time per
 *     run, share of the total and GMAC/s (Gbit-MAC/s for xnor), on stderr.
 * Node names are printed from string literals in which every byte but
 * letters, digits, '_', '/', '.', ':' and '-' is an octal escape, so no name
 * can end the literal or form a trigraph.
 */
#include <string.h>

#include "emit.h"

/* The layer's kind: the path the plan chose (a BinConv/BinGemm on float
 * loops is float); the activations and fused ops of the xnor domain
 * (BinActiv, BinThreshold, XnorBlock, XnorDense) are xnor. */
static const char *kind_name(const Emit *e, int i) {
  LayerPath p = e->p->node[i].path;
  int op = e->g->n[i].op;
  if (p == LP_BWN)
    return "bwn";
  if (p == LP_XNOR || op == OP_BinActiv || op == OP_BinThreshold || op == OP_XnorBlock || op == OP_XnorDense)
    return "xnor";
  return "float";
}

/* Multiply-adds of one run of layer n (binary ones count bit-MACs), 0 for
 * layers without a MAC count. */
static int64_t layer_macs(const Emit *e, const Node *n) {
  Graph *g = e->g;
  const Tensor *y = node_out(g, n, 0), *x = node_in(g, n, 0), *w = n->nin > 1 ? node_in(g, n, 1) : NULL;
  int64_t out = tensor_numel(y);
  switch (n->op) {
  case OP_Conv:
  case OP_BinConv:
  case OP_XnorBlock: {
    Window v;
    Diag d; /* the plan checked the window already */
    diag_init(&d, "");
    int bad = !w || w->rank < 3 || window_params(g, n, &v, &d);
    diag_free(&d);
    if (bad)
      return 0;
    int64_t taps = 1;
    for (int i = 1; i < w->rank; i++)
      taps *= w->dims[i]; /* C/group x kernel */
    return v.N * w->dims[0] * v.out[0] * v.out[1] * taps;
  }
  case OP_Gemm: {
    if (x->rank != 2)
      return 0;
    return out * (attr_int(n, "transA", 0) ? x->dims[0] : x->dims[1]);
  }
  case OP_MatMul:
  case OP_BinGemm:
  case OP_XnorDense:
    return x->rank >= 1 ? out * x->dims[x->rank - 1] : 0;
  default:
    return 0;
  }
}

static void put_c_string(StrBuf *b, const char *s) {
  sb_putc(b, '"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("_/.:-", c))
      sb_putc(b, (char)c);
    else
      sb_printf(b, "\\%03o", c);
  }
  sb_putc(b, '"');
}

void emit_profile_prelude(Emit *e) {
  if (!e->o->profile)
    return;
  cw_raw(e->w, "/* --profile: clock_gettime (POSIX) */\n#define _POSIX_C_SOURCE 199309L\n"
               "#include <stdio.h>\n#include <stdlib.h>\n#include <time.h>\n");
}

void emit_profile_data(Emit *e) {
  if (!e->o->profile)
    return;
  const Plan *p = e->p;
  Graph *g = e->g;
  CWriter *w = e->w;
  const char *nm = e->o->name;
  cw_raw(w, "/* --profile: per layer its function, node, op, kind, multiply-adds per run (bit-MACs for xnor) */\n");
  cw_raw(w, "#define %s_PROF_LAYERS %d\n", nm, p->nlayers ? p->nlayers : 1);
  cw_open(w, "typedef struct {");
  cw_line(w, "const char *fn, *node, *op, *kind;");
  cw_line(w, "double macs;");
  cw_close_with(w, arena_printf(g->arena, "} %s_prof_row;", nm));
  cw_open(w, "static const %s_prof_row %s_prof_layer[%s_PROF_LAYERS] = {", nm, nm, nm);
  int k = 0;
  for (int i = 0; i < g->nn; i++) {
    if (!p->node[i].code)
      continue;
    const Node *n = &g->n[i];
    StrBuf *b = cw_begin(w);
    sb_puts(b, "{\"");
    put_fn_name(e, b, i);
    sb_puts(b, "\", ");
    put_c_string(b, n->name);
    sb_printf(b, ", \"%s\", \"%s\", %lld.0}%s", op_info[n->op].name, kind_name(e, i),
              (long long)layer_macs(e, n), ++k < p->nlayers ? "," : "");
    cw_end(w);
  }
  if (!p->nlayers)
    cw_line(w, "{\"-\", \"-\", \"-\", \"-\", 0.0}");
  cw_close_with(w, "};");
  cw_raw(w, "static double %s_prof_s[%s_PROF_LAYERS];\nstatic long %s_prof_runs;\n\n", nm, nm, nm);
  cw_open(w, "static double %s_prof_now(void) {", nm);
  cw_line(w, "struct timespec t;");
  cw_line(w, "clock_gettime(CLOCK_MONOTONIC, &t);");
  cw_line(w, "return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;");
  cw_close(w);
  cw_raw(w, "\n");
  cw_open(w, "void %s_profile_reset(void) {", nm);
  cw_for(w, "i", p->nlayers ? p->nlayers : 1);
  cw_line(w, "%s_prof_s[i] = 0.0;", nm);
  cw_line(w, "%s_prof_runs = 0;", nm);
  cw_close(w);
  cw_raw(w, "\n");
  cw_open(w, "void %s_profile_print(void) {", nm);
  cw_line(w, "double total = 0.0, runs = %s_prof_runs > 0 ? (double)%s_prof_runs : 1.0;", nm, nm);
  cw_for(w, "i", p->nlayers);
  cw_line(w, "total += %s_prof_s[i];", nm);
  cw_line(w, "fprintf(stderr, \"xnorcc profile of %s: %%ld run(s), %%.3f ms per run\\n\", %s_prof_runs, total / runs * 1e3);",
          nm, nm);
  cw_line(w, "fprintf(stderr, \"%%-22s %%-32s %%-18s %%-5s %%10s %%7s %%10s\\n\", \"layer\", \"node\", \"op\", \"kind\", "
             "\"ms/run\", \"share\", \"rate\");");
  cw_for_open(w, "i", p->nlayers);
  cw_line(w, "double s = %s_prof_s[i] / runs;", nm);
  cw_line(w, "fprintf(stderr, \"%%-22s %%-32s %%-18s %%-5s %%10.4f %%6.1f%%%%\", %s_prof_layer[i].fn, %s_prof_layer[i].node, "
             "%s_prof_layer[i].op, %s_prof_layer[i].kind, s * 1e3, total > 0.0 ? %s_prof_s[i] / total * 100.0 : 0.0);",
          nm, nm, nm, nm, nm);
  cw_open(w, "if (%s_prof_layer[i].macs > 0.0 && s > 0.0) {", nm);
  cw_line(w, "fprintf(stderr, \" %%10.2f %%s\\n\", %s_prof_layer[i].macs / s * 1e-9, %s_prof_layer[i].kind[0] == 'x' ? "
             "\"Gbit-MAC/s\" : \"GMAC/s\");",
          nm, nm);
  cw_else(w);
  cw_line(w, "fprintf(stderr, \" %%10s\\n\", \"-\");");
  cw_close(w);
  cw_close(w);
  cw_open(w, "{");
  cw_line(w, "static const char *const kinds[3] = {\"float\", \"xnor\", \"bwn\"};");
  cw_line(w, "double by[3] = {0.0, 0.0, 0.0};");
  cw_for(w, "i", p->nlayers);
  cw_line(w, "by[%s_prof_layer[i].kind[0] == 'x' ? 1 : %s_prof_layer[i].kind[0] == 'b' ? 2 : 0] += %s_prof_s[i];", nm,
          nm, nm);
  cw_line(w, "fprintf(stderr, \"by kind:\");");
  cw_for(w, "i", 3);
  cw_line(w, "fprintf(stderr, \" %%s %%.4f ms (%%.1f%%%%)\", kinds[i], by[i] / runs * 1e3, total > 0.0 ? by[i] / total * 100.0 : 0.0);");
  cw_line(w, "fprintf(stderr, \"\\n\");");
  cw_close(w);
  cw_close(w);
  cw_raw(w, "\n");
}

void emit_profile_run_begin(Emit *e) {
  if (!e->o->profile)
    return;
  const char *nm = e->o->name;
  cw_line(e->w, "double t0, t1;");
  cw_head(e->w, "if (%s_prof_runs++ == 0)", nm);
  cw_line(e->w, "atexit(%s_profile_print);", nm);
  cw_line(e->w, "t0 = %s_prof_now();", nm);
}

void emit_profile_after(Emit *e, int k) {
  if (!e->o->profile)
    return;
  const char *nm = e->o->name;
  cw_line(e->w, "t1 = %s_prof_now();", nm);
  cw_line(e->w, "%s_prof_s[%d] += t1 - t0;", nm, k);
  cw_line(e->w, "t0 = t1;");
}

void emit_profile_header(const Emit *e, StrBuf *h) {
  if (!e->o->profile)
    return;
  const char *nm = e->o->name;
  sb_printf(h, "/* --profile: the layer table on stderr (also at exit, after the first run), and its reset */\n"
               "void %s_profile_print(void);\nvoid %s_profile_reset(void);\n\n",
            nm, nm);
}
