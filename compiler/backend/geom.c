/* geom.c - layer geometry that the plan hooks and the emitters share. */
#include "plan.h"

int geom_window(Graph *g, Diag *d, const Node *n, Window *v) {
  Tensor *x = node_in(g, n, 0);
  if (window_params(g, n, v, d))
    return -1;
  if (x->rank != 3 && x->rank != 4) {
    node_error(d, g, n, "the C backend supports 1-D and 2-D windows, input is %s", shape_str(g, x));
    return -1;
  }
  if (v->in[0] * v->in[1] * v->C * v->N != tensor_numel(x)) {
    node_error(d, g, n, "window extents %lldx%lld do not match input %s", (long long)v->in[0], (long long)v->in[1],
               shape_str(g, x));
    return -1;
  }
  return 0;
}
