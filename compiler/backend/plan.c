/* plan.c - the plan's phase sequence and its queries (plan.h). */
#include <string.h>

#include "plan.h"

int plan_build(Plan *p, Graph *g, Diag *d) {
  int errors = d->nerrors;
  memset(p, 0, sizeof *p);
  p->g = g;
  if (plan_select(p, d))
    return -1;
  plan_layers(p, d);
  plan_merge(p);
  plan_check(p, d);
  if (d->nerrors > errors)
    return -1;
  plan_views(p);
  plan_io(p);
  plan_arena(p);
  plan_work(p);
  for (int i = 0; i < g->nn; i++)
    if (p->node[i].code) {
      p->nlayers++;
      p->needs |= p->node[i].needs;
    }
  return 0;
}

int plan_reads(const Plan *p, int ni, int i) {
  const Node *n = &p->g->n[ni];
  if (i < 0 || i >= n->nin || n->in[i] < 0)
    return 0;
  if (i < 31 && (p->node[ni].unread >> i & 1u))
    return 0;
  return (op_info[n->op].reads >> (i < 31 ? i : 31) & 1u) != 0;
}

int plan_writes(const Plan *p, int ni, int j) {
  const Node *n = &p->g->n[ni];
  return j >= 0 && j < n->nout && j < 32 && n->out[j] >= 0 && (p->node[ni].writes >> j & 1u);
}

int plan_in(const Plan *p, int ni, int i) {
  return i == 0 && p->node[ni].in0 >= 0 ? p->node[ni].in0 : p->g->n[ni].in[i];
}

int plan_out(const Plan *p, int ni, int j) { return j == 0 ? p->node[ni].out0 : p->g->n[ni].out[j]; }
