/* pipeline.c - the phases in order; the driver and the fuzzers call these. */
#include "pipeline.h"

int pipeline_lower(Graph *g, const char *text, size_t len, const LoadOptions *lo, Diag *d) {
  return pipeline_lower_with(g, text, len, lo, NULL, d);
}

int pipeline_lower_with(Graph *g, const char *text, size_t len, const LoadOptions *lo, const PassOptions *po,
                        Diag *d) {
  jmp_buf oom;
  if (setjmp(oom)) {
    arena_set_oom(g->arena, NULL);
    diag_error(d, "out of memory");
    return -1;
  }
  arena_set_oom(g->arena, &oom);
  int rc = -1;
  int loaded = text ? frontend_load_text(g, text, len, lo, d) : frontend_load(g, lo, d);
  if (loaded == 0 && d->nerrors == 0 && ir_verify(g, d, VERIFY_READ) == 0 && run_passes(g, po, d) == 0 &&
      ir_verify(g, d, VERIFY_PASS) == 0)
    rc = d->nerrors ? -1 : 0;
  arena_set_oom(g->arena, NULL);
  return rc;
}

int pipeline_emit(Graph *g, const EmitOptions *eo, Diag *d, StrBuf *c, StrBuf *h) {
  jmp_buf oom;
  if (setjmp(oom)) {
    arena_set_oom(g->arena, NULL);
    diag_error(d, "out of memory");
    return -1;
  }
  arena_set_oom(g->arena, &oom);
  sb_init(c, g->arena);
  sb_init(h, g->arena);
  int rc = emit_c(g, d, eo, c, h);
  arena_set_oom(g->arena, NULL);
  return rc || d->nerrors ? -1 : 0;
}
