/* STUB: replaced by the C backend. */
#include "backend.h"
int emit_c(Graph *g, Diag *d, const EmitOptions *o, StrBuf *c, StrBuf *h) {
  (void)g, (void)o, (void)c, (void)h;
  diag_error(d, "C backend not implemented yet");
  return -1;
}
