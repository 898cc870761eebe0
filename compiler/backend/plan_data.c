/* plan_data.c - the plan hook of Split: every output it has is written (a
 * node's outputs beyond the first are written only when a hook says so). */
#include "plan.h"

int plan_split(Plan *p, Diag *d, int ni) {
  const Node *n = &p->g->n[ni];
  if (n->nout > 32) {
    node_error(d, p->g, n, "Split into %d outputs; the C backend supports up to 32", n->nout);
    return -1;
  }
  for (int j = 0; j < n->nout; j++)
    if (n->out[j] >= 0)
      p->node[ni].writes |= 1u << j;
  return 0;
}
