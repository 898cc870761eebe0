/* binary_test.h - helpers shared by the xnor domain tests: building graphs by
 * hand, deterministic random data, comparisons. */
#ifndef XN_BINARY_TEST_H
#define XN_BINARY_TEST_H

#include <check.h>
#include <stdint.h>

#include "interp/interp.h"
#include "passes/binary.h"
#include "passes/passes.h"

/* Deterministic xorshift generator. */
typedef struct Rng {
  uint64_t s;
} Rng;
/* Uniform in [-1, 1), never closer to 0 than 1e-3 (so no sign is ambiguous). */
float rng_val(Rng *r);
/* Uniform in [lo, hi). */
float rng_range(Rng *r, float lo, float hi);

/* A tensor of the given shape (rank dims), float32, with data (NULL: computed). */
int tb_tensor(Graph *g, const char *name, int rank, const int64_t *dims, float *data);
/* An int64 constant of n values. */
int tb_ints(Graph *g, const char *name, int n, const int64_t *v);
/* A node with inputs in[0..nin) (-1: omitted) and outputs out[0..nout). */
int tb_node(Graph *g, Op op, const char *name, int nin, const int *in, int nout, const int *out);
void tb_attr_int(Graph *g, int node, const char *name, int64_t v);
void tb_attr_ints(Graph *g, int node, const char *name, int n, const int64_t *v);
void tb_attr_float(Graph *g, int node, const char *name, float v);
/* n random floats (rng_val) in g's arena. */
float *tb_random(Graph *g, Rng *r, int64_t n);

/* Max over i of |a-b| / (1e-5 + 1e-5*|b|) -- passes when <= 1. */
double rel_err(const float *a, const float *b, int64_t n);

/* The sign-then-alpha weight: every filter k of fs weights becomes +-alpha_k,
 * alpha_k = mean |w_k| (computed here in long double, independently). */
void to_pm_alpha(float *w, int64_t m, int64_t fs);

/* The ops of the live nodes in order, space-separated. */
const char *live_ops(Graph *g);
/* Sorts g, runs it on random inputs, runs pass_binarize (which must succeed,
 * and the verifier after it), runs it again: *err = worst relative error of
 * the outputs after against before (<= 1 passes). Returns live_ops(g). */
const char *check_equiv(Graph *g, uint64_t seed, double *err);

Suite *binary_interp_suite(void);
Suite *binarize_suite(void);
Suite *binary_models_suite(void);

#endif
