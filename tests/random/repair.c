/* repair.c - BN calibration and the sign margin, computed with xnorcc's own
 * reference interpreter on the graph as read (docs/difftest.md). */
#include "repair.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/pipeline.h"

static void set_err(char *err, size_t cap, const char *msg) {
  if (cap)
    snprintf(err, cap, "%s", msg);
}

/* The generator's index of the tensor named s ("x", "t12", "w7"), or -1. */
static int gen_index(const Model *m, const char *s) {
  if (!strcmp(s, "x"))
    return m->in[0];
  if ((s[0] != 't' && s[0] != 'w') || !s[1])
    return -1;
  char *end;
  long i = strtol(s + 1, &end, 10);
  return *end || i < 0 || i >= m->nt ? -1 : (int)i;
}

/* Every tensor xnorcc shaped must have the shape the generator computed. */
static int check_shapes(const Model *m, Graph *g, char *err, size_t cap) {
  for (int i = 0; i < g->nt; i++) {
    const Tensor *t = &g->t[i];
    int j = gen_index(m, t->name);
    if (j < 0 || t->rank < 0)
      continue;
    const MTensor *mt = &m->t[j];
    int same = t->rank == mt->rank;
    for (int k = 0; same && k < t->rank; k++)
      same = t->dims[k] == mt->d[k];
    if (!same) {
      char a[128] = "", b[128] = "";
      for (int k = 0; k < t->rank; k++)
        snprintf(a + strlen(a), sizeof a - strlen(a), "%s%lld", k ? "x" : "", (long long)t->dims[k]);
      for (int k = 0; k < mt->rank; k++)
        snprintf(b + strlen(b), sizeof b - strlen(b), "%s%lld", k ? "x" : "", (long long)mt->d[k]);
      snprintf(err, cap, "tensor '%s': xnorcc infers shape %s (rank %d), the generator computed %s (rank %d)",
               t->name, a, t->rank, b, mt->rank);
      return -1;
    }
  }
  return 0;
}

int model_eval(const Model *m, const int *outs, int nouts, float **vals, char *err, size_t cap) {
  size_t len;
  char *text = model_xir(m, outs, nouts, &len);
  Graph *g = graph_new("difftest.xir");
  Diag d;
  diag_init(&d, "difftest.xir");
  PassOptions po;
  memset(&po, 0, sizeof po);
  po.no_opt = 1;
  LoadOptions lo = {NULL, 0};
  int rc = -1;
  for (int i = 0; i < nouts; i++)
    vals[i] = NULL;
  if (!g || !text) {
    set_err(err, cap, "out of memory");
  } else if (pipeline_lower_with(g, text, len, &lo, &po, &d) != 0) {
    snprintf(err, cap, "xnorcc rejects the model (as read): %s", d.text ? d.text : "");
  } else if (g->ninputs != m->nin || g->noutputs != nouts) {
    snprintf(err, cap, "xnorcc sees %d inputs and %d outputs, the generator wrote %d and %d", g->ninputs,
             g->noutputs, m->nin, nouts);
  } else if (check_shapes(m, g, err, cap) == 0) {
    for (int i = 0; i < nouts; i++)
      vals[i] = calloc((size_t)model_numel(m, outs[i]) + 1, sizeof(float));
    if (interp_run(g, &d, (const float *const *)m->indata, vals) != 0)
      snprintf(err, cap, "the interpreter fails: %s", d.text ? d.text : "");
    else
      rc = 0;
  }
  if (rc)
    for (int i = 0; i < nouts; i++) {
      free(vals[i]);
      vals[i] = NULL;
    }
  diag_free(&d);
  graph_free(g);
  free(text);
  return rc;
}

/* The values of channel c (axis 1) of tensor t (data v) into u; returns how many. */
static int64_t channel_values(const Model *m, int t, const float *v, int64_t c, double *u) {
  const MTensor *mt = &m->t[t];
  int64_t N = mt->d[0], C = mt->d[1], per = model_numel(m, t) / (N * C), k = 0;
  for (int64_t n = 0; n < N; n++)
    for (int64_t j = 0; j < per; j++)
      u[k++] = v[(n * C + c) * per + j];
  return k;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Where to put the zero crossing of values u[0..n) (sorted here): the middle
 * of a gap wide enough for the margin, near a random quantile, so both signs
 * occur; else (or now and then) a point beyond all of them. rms is the RMS
 * of the whole tensor (all channels): the margin is relative to it too. */
static double pick_threshold(double *u, int64_t n, double rms, Rng *r) {
  qsort(u, (size_t)n, sizeof *u, cmp_double);
  double mag = fmax(fabs(u[0]), fabs(u[n - 1]));
  double ref = fmax(mag, 2 * rms); /* v = u - t may have a larger RMS than u */
  if (ref == 0)
    return rng_chance(r, 0.5) ? 1.0 : -1.0;
  if (!rng_chance(r, 0.1)) {
    double q = (0.2 + 0.6 * rng_unif(r)) * (double)n, bestd = INFINITY, best = NAN;
    for (int64_t i = 1; i < n; i++) {
      double h = (u[i] - u[i - 1]) / 2, mid = (u[i] + u[i - 1]) / 2;
      if (h >= MARGIN_AIM * (ref + fabs(mid)) && fabs((double)i - q) < bestd) {
        bestd = fabs((double)i - q);
        best = mid;
      }
    }
    if (!isnan(best))
      return best;
  }
  /* Half the magnitude beyond the extreme value: a shift that left only a
   * few percent of it (0.05 once) made v - t a cancellation that magnified
   * the rounding errors v carries (scale ref) 20 times, and a K computed
   * from |v - t| carried them on (seed 1000, model 3861). */
  double delta = 0.5 * ref + 0.25 * (u[n - 1] - u[0]);
  return rng_chance(r, 0.5) ? u[0] - delta : u[n - 1] + delta;
}

/* RMS of n values. */
static double rms_of(const float *v, int64_t n) {
  double ss = 0;
  for (int64_t i = 0; i < n; i++)
    ss += (double)v[i] * v[i];
  return sqrt(ss / (double)(n ? n : 1));
}

int repair_model(Model *m, Rng *r, char *err, size_t cap) {
  for (int i = 0; i < m->ncal; i++) {
    Cal *c = &m->cal[i];
    if (c->kind == CAL_SIGN && c->shift < 0)
      continue; /* a graph input, drawn away from 0 */
    float *v;
    if (model_eval(m, &c->probe, 1, &v, err, cap))
      return -1;
    const MTensor *t = &m->t[c->probe];
    int64_t C = t->d[1], n = model_numel(m, c->probe) / C;
    double *u = malloc((size_t)n * sizeof *u);
    if (!u) {
      free(v);
      set_err(err, cap, "out of memory");
      return -1;
    }
    /* the tensor's RMS: a scale for the rounding errors it carries */
    double rms = rms_of(v, model_numel(m, c->probe));
    if (c->kind == CAL_SIGN) { /* of u = v - shift */
      double ss = 0;
      for (int64_t ch = 0; ch < C; ch++) {
        channel_values(m, c->probe, v, ch, u);
        for (int64_t k = 0; k < n; k++) {
          double x = u[k] - m->t[c->shift].data[ch];
          ss += x * x;
        }
      }
      rms = sqrt(ss / (double)(n * C));
    }
    for (int64_t ch = 0; ch < C; ch++) {
      channel_values(m, c->probe, v, ch, u);
      int finite = 1;
      for (int64_t k = 0; k < n; k++)
        finite &= isfinite(u[k]);
      if (!finite) {
        snprintf(err, cap, "tensor '%s' channel %lld is not finite", t->name, (long long)ch);
        free(u);
        free(v);
        return -1;
      }
      if (c->kind == CAL_BN) {
        /* mean and var near the channel's own: a trained BN. The floor on
         * the denominator (a tenth of the channel's mean plus half the
         * tensor's RMS) keeps BN from magnifying the rounding errors its
         * input carries, which scale with the whole tensor (and with the
         * channel's mean), by more than about 2: a channel with one value
         * (N = 1, 1 x 1) has no spread to normalize by. */
        double mu = 0, s2 = 0;
        for (int64_t k = 0; k < n; k++)
          mu += u[k];
        mu /= (double)n;
        for (int64_t k = 0; k < n; k++)
          s2 += (u[k] - mu) * (u[k] - mu);
        s2 /= (double)n;
        double sd = sqrt(s2), floor = 0.1 * fabs(mu) + 0.5 * rms + 1e-6;
        double var = (s2 + floor * floor) * (0.5 + 1.5 * rng_unif(r));
        /* where var exceeds the spread (always for a channel of one value),
         * the mean moves by up to the difference, so that (x - mean) / den
         * has unit scale and does not cancel to 0 */
        double off = sqrt(fmax(0, var - s2)) * 0.7;
        m->t[c->mean].data[ch] = (float)(mu + 0.1 * sd * rng_normal(r) + off * rng_normal(r));
        m->t[c->var].data[ch] = (float)var;
      } else {
        /* v = u + shift: u is what the shift is added to */
        float *sh = m->t[c->shift].data;
        for (int64_t k = 0; k < n; k++)
          u[k] -= sh[ch];
        sh[ch] = (float)-pick_threshold(u, n, rms, r);
      }
    }
    free(u);
    free(v);
  }
  return 0;
}

/* Whether cal entry c still matters: its probe feeds the outputs (the
 * reducer drops parts of the graph). */
static int live_cal(const Cal *c, const char *tneed) { return tneed[c->probe]; }

int margin_check(const Model *m, char *err, size_t cap) {
  int probes[M_MAXCAL], np = 0;
  char *tneed = calloc((size_t)m->nt + 1, 1);
  if (!tneed) {
    set_err(err, cap, "out of memory");
    return -1;
  }
  model_needed(m, m->out, m->nout, tneed);
  for (int i = 0; i < m->ncal; i++) {
    const Cal *c = &m->cal[i];
    if (!live_cal(c, tneed))
      continue;
    int dup = 0;
    for (int k = 0; k < np; k++)
      dup |= probes[k] == c->probe;
    if (c->kind == CAL_SIGN && !m->t[c->probe].is_input && !dup)
      probes[np++] = c->probe;
  }
  float *vals[M_MAXCAL];
  if (np && model_eval(m, probes, np, vals, err, cap)) {
    free(tneed);
    return -1;
  }
  int bad = 0;
  for (int i = 0; i < m->ncal; i++) {
    const Cal *c = &m->cal[i];
    if (c->kind != CAL_SIGN || !live_cal(c, tneed))
      continue;
    const float *v = NULL;
    if (m->t[c->probe].is_input)
      v = m->indata[0];
    for (int k = 0; k < np && !v; k++)
      if (probes[k] == c->probe)
        v = vals[k];
    const MTensor *t = &m->t[c->probe];
    int64_t C = t->d[1], n = model_numel(m, c->probe) / C;
    double *u = malloc((size_t)n * sizeof *u), rms = rms_of(v, model_numel(m, c->probe));
    for (int64_t ch = 0; u && ch < C; ch++) {
      channel_values(m, c->probe, v, ch, u);
      double mag = 0, lo = INFINITY;
      for (int64_t k = 0; k < n; k++) {
        mag = fmax(mag, fabs(u[k]));
        lo = fmin(lo, fabs(u[k]));
      }
      double ref = fmax(mag, rms);
      if (!(lo >= MARGIN * ref) || !(ref > 0) || !isfinite(ref)) {
        if (!bad)
          snprintf(err, cap, "Sign input '%s' channel %lld: min |v| = %g, below the margin %g of max(max |v| = %g, "
                   "RMS %g)", t->name, (long long)ch, lo, MARGIN, mag, rms);
        bad++;
      }
    }
    free(u);
  }
  for (int k = 0; k < np; k++)
    free(vals[k]);
  free(tneed);
  return bad;
}
