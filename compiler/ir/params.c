/* STUB: replaced by shape inference work. */
#include "ir.h"
int window_params(Graph *g, const Node *n, Window *w, Diag *d) {
  (void)w;
  node_error(d, g, n, "window_params not implemented yet");
  return -1;
}
