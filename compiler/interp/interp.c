/* STUB: replaced by the interpreter. */
#include "interp.h"
int interp_node(Graph *g, const Node *n, Diag *d, void *const *in, void **out) {
  (void)in, (void)out;
  node_error(d, g, n, "interpreter not implemented yet");
  return -1;
}
int interp_run(Graph *g, Diag *d, const float *const *inputs, float **outputs) {
  (void)g, (void)inputs, (void)outputs;
  diag_error(d, "interpreter not implemented yet");
  return -1;
}
