/* reduce.c - shrinking a failing model: greedy, each step kept only when the
 * smaller model is still valid, keeps the sign margin, and fails in the same
 * way (docs/difftest.md). Sizes (channels, extents) are left to a human. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "repair.h"

/* Does candidate c still fail with kind f? */
static int still_fails(const Harness *h, const Model *c, Failure f, const char *work) {
  char err[2048];
  if (margin_check(c, err, sizeof err) != 0)
    return 0;
  return harness_check_model(h, c, work, err, sizeof err) == f;
}

/* dyn[t] = 1 when tensor t depends on a graph input (so it is not folded). */
static void dynamic_tensors(const Model *m, char *dyn) {
  memset(dyn, 0, (size_t)m->nt);
  for (int i = 0; i < m->nin; i++)
    dyn[m->in[i]] = 1;
  for (int i = 0; i < m->nn; i++) {
    const MNode *n = &m->n[i];
    if (n->dead)
      continue;
    for (int k = 0; k < n->nin; k++)
      if (n->in[k] >= 0 && dyn[n->in[k]])
        dyn[n->out] = 1;
  }
}

static int same_shape(const MTensor *a, const MTensor *b) {
  if (a->rank != b->rank)
    return 0;
  for (int i = 0; i < a->rank; i++)
    if (a->d[i] != b->d[i])
      return 0;
  return 1;
}

/* Tries the candidate c: on success it replaces m. */
static int try_step(const Harness *h, Model *m, Model *c, Failure f, const char *work) {
  if (still_fails(h, c, f, work)) {
    model_free(m);
    *m = *c;
    return 1;
  }
  model_free(c);
  return 0;
}

int reduce_model(const Harness *h, Model *m, Failure f, const char *work) {
  int steps = 0, progress = 1;
  char *dyn = malloc((size_t)m->nt + 1);
  if (!dyn)
    return 0;
  while (progress) {
    progress = 0;
    /* one output less */
    for (int i = 0; i < m->nout && m->nout > 1 && !progress; i++) {
      Model c;
      model_copy(&c, m);
      memmove(&c.out[i], &c.out[i + 1], (size_t)(c.nout - i - 1) * sizeof *c.out);
      c.nout--;
      progress = try_step(h, m, &c, f, work);
    }
    /* cut: one earlier tensor as the only output (the earliest that fails) */
    dynamic_tensors(m, dyn);
    for (int i = 0; i < m->nn && !progress; i++) {
      int t = m->n[i].out;
      if (m->n[i].dead || !dyn[t] || (m->nout == 1 && m->out[0] == t))
        continue;
      char *tneed = calloc((size_t)m->nt + 1, 1);
      model_needed(m, m->out, m->nout, tneed);
      int needed = tneed[t];
      free(tneed);
      if (!needed)
        continue;
      Model c;
      model_copy(&c, m);
      c.out[0] = t;
      c.nout = 1;
      progress = try_step(h, m, &c, f, work);
    }
    /* bypass: a node whose input has its output's shape is replaced by that input */
    for (int i = m->nn - 1; i >= 0 && !progress; i--) {
      const MNode *n = &m->n[i];
      if (n->dead)
        continue;
      for (int k = 0; k < n->nin && !progress; k++) {
        int x = n->in[k];
        if (x < 0 || !dyn[x] || !same_shape(&m->t[x], &m->t[n->out]))
          continue;
        Model c;
        model_copy(&c, m);
        int y = c.n[i].out;
        c.n[i].dead = 1;
        for (int j = i + 1; j < c.nn; j++)
          for (int q = 0; q < c.n[j].nin; q++)
            if (c.n[j].in[q] == y)
              c.n[j].in[q] = x;
        for (int q = 0; q < c.nout; q++)
          if (c.out[q] == y)
            c.out[q] = x;
        /* a tensor may appear once in the outputs */
        for (int q = 0; q < c.nout; q++)
          for (int r = q + 1; r < c.nout; r++)
            if (c.out[r] == c.out[q]) {
              memmove(&c.out[r], &c.out[r + 1], (size_t)(c.nout - r - 1) * sizeof *c.out);
              c.nout--;
              r--;
            }
        if (c.nout == 1 && c.out[0] == c.in[0]) {
          model_free(&c);
          continue;
        }
        progress = try_step(h, m, &c, f, work);
      }
    }
    steps += progress;
  }
  free(dyn);
  return steps;
}
