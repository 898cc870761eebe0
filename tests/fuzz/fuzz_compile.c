/* fuzz_compile.c - libFuzzer target: the whole compile of one input, in memory.
 *
 * FUZZ_MODEL_NAME (a file name such as "fuzz.json" or "fuzz.xir") is the name
 * given to graph_new, so the frontend is chosen exactly as the command line
 * chooses it. One target is built per frontend (tests/fuzz/CMakeLists.txt).
 * With FUZZ_TENSOR_FILE (fuzz_onnx) the input is also read as a .pb tensor
 * file.
 *
 * After lowering, the reference interpreter also runs the graph once (small
 * graphs only), as `xnorcc run` would. Every input must end in a clean state: pipeline_lower/pipeline_emit return
 * 0 or -1 (anything else, a crash, a sanitizer report, a leak or an error
 * return without a message is a bug), and every byte the compile allocated
 * through xn_malloc has been given back after graph_free/diag_free.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "driver/pipeline.h"

#ifndef FUZZ_MODEL_NAME
#define FUZZ_MODEL_NAME "fuzz.json"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Symbolic dimensions some inputs use; bound as the command line's --dim would. */
static const DimBinding dims[] = {{"N", 1}, {"batch", 2}, {"batch_size", 1}};

/* Runs the reference interpreter on the lowered graph with inputs filled
 * from the fuzz data, when every tensor is known and the graph is small (the
 * interpreter also does constant folding, but only on constant inputs). Its
 * errors go to a Diag of its own; out of memory just ends the run. */
static void run_interp(Graph *g, const uint8_t *data, size_t size) {
  int64_t total = 0;
  for (int i = 0; i < g->nt; i++) {
    int64_t n = tensor_numel(&g->t[i]);
    if (n < 0 || (total += n) > (1 << 18))
      return;
  }
  Diag d;
  diag_init(&d, FUZZ_MODEL_NAME);
  jmp_buf oom;
  if (setjmp(oom))
    goto done;
  arena_set_oom(g->arena, &oom);
  const float **in = arena_array(g->arena, (size_t)g->ninputs + 1, sizeof *in);
  float **out = arena_array(g->arena, (size_t)g->noutputs + 1, sizeof *out);
  for (int i = 0; i < g->ninputs; i++) {
    size_t n = (size_t)tensor_numel(&g->t[g->inputs[i]]);
    float *x = arena_array(g->arena, n + 1, sizeof *x);
    for (size_t k = 0; k < n; k++) /* small values of both signs, zeros included */
      x[k] = size ? (float)((int)data[(k * 7 + (size_t)i) % size] % 9 - 4) * 0.25f : 0.0f;
    in[i] = x;
  }
  for (int i = 0; i < g->noutputs; i++)
    out[i] = arena_array(g->arena, (size_t)tensor_numel(&g->t[g->outputs[i]]) + 1, sizeof(float));
  if (interp_run(g, &d, in, out) != 0 && d.nerrors == 0)
    xn_unreachable("interp_run failed without reporting an error");
done:
  arena_set_oom(g->arena, NULL);
  diag_free(&d);
}

#ifdef FUZZ_TENSOR_FILE
/* The same bytes as a .pb tensor file (onnx_load_tensor), as `xnorcc run
 * --input x.pb` reads it. */
static void tensor_file(const char *text, size_t size) {
  Diag d;
  diag_init(&d, "fuzz.pb");
  Graph *g = graph_new(FUZZ_MODEL_NAME);
  jmp_buf oom;
  if (g && !setjmp(oom)) {
    arena_set_oom(g->arena, &oom);
    int dtype, ti = onnx_load_tensor(g, text, size, &dtype, &d);
    if (ti < 0 && d.nerrors == 0)
      xn_unreachable("onnx_load_tensor failed without reporting an error");
    if (ti >= 0 && (ti >= g->nt || !g->t[ti].data))
      xn_unreachable("onnx_load_tensor returned a tensor without data");
  }
  if (g)
    arena_set_oom(g->arena, NULL);
  diag_free(&d);
  graph_free(g);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* The loaders want the text followed by a NUL; the copy also lets ASan see
   * any read past the end. */
  char *text = malloc(size + 1);
  if (!text)
    return 0;
  if (size)
    memcpy(text, data, size);
  text[size] = 0;

  /* libFuzzer ends the run on any malloc over its -rss_limit_mb (2048 in
   * run_fuzz.sh): requests over 1 GiB fail instead, as on a machine without
   * that memory, so a tiny model that asks for a huge tensor must end in a
   * clean error. */
  xn_alloc_limit((size_t)1 << 30);
  long live = xn_alloc_live();
  Diag d;
  diag_init(&d, FUZZ_MODEL_NAME);
  Graph *g = graph_new(FUZZ_MODEL_NAME);
  if (g) {
    LoadOptions lo = {dims, (int)(sizeof dims / sizeof dims[0])};
    EmitOptions eo = {"fuzz", "fuzz.h", (int)(size & 1), WS_AUTO, 0};
    StrBuf c, h;
    int rc = pipeline_lower(g, text, size, &lo, &d);
    if (rc == 0)
      run_interp(g, data, size);
    if (rc == 0)
      rc = pipeline_emit(g, &eo, &d, &c, &h);
    if (rc != 0 && rc != -1)
      xn_unreachable("pipeline returned neither 0 nor -1");
    if (rc == -1 && d.nerrors == 0)
      xn_unreachable("pipeline failed without reporting an error");
    if (rc == 0 && (c.len != strlen(c.s) || h.len != strlen(h.s)))
      xn_unreachable("generated C holds a NUL byte");
  }
  diag_free(&d);
  graph_free(g);
#ifdef FUZZ_TENSOR_FILE
  tensor_file(text, size);
#endif
  if (xn_alloc_live() != live)
    xn_unreachable("memory allocated through xn_malloc was not freed");
  free(text);
  return 0;
}
