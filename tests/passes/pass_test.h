/* pass_test.h - helpers shared by the pass tests: hand-built graphs,
 * deterministic random inputs, running a pass between two interpreter runs. */
#ifndef XN_PASS_TEST_H
#define XN_PASS_TEST_H

#include <check.h>
#include <stdint.h>

#include "driver/pipeline.h"
#include "interp/interp.h"
#include "passes/binary.h"
#include "passes/passes.h"

/* A float32 tensor of shape dims[0..rank) holding data (NULL: computed, and
 * the shape is left to shape inference). */
int pt_tensor(Graph *g, const char *name, int rank, const int64_t *dims, float *data);
/* A graph input of the given shape. */
int pt_input(Graph *g, const char *name, int rank, const int64_t *dims);
/* A 1-D int64 constant of n values. */
int pt_ints(Graph *g, const char *name, int n, const int64_t *v);
/* A float constant of n values (shape [n], or a scalar when n == 0 means one value). */
int pt_floats(Graph *g, const char *name, int n, const float *v);
/* A node with inputs in[0..nin) and outputs out[0..nout). */
int pt_node(Graph *g, Op op, const char *name, int nin, const int *in, int nout, const int *out);
void pt_attr_int(Graph *g, int node, const char *name, int64_t v);

/* Sorts g and runs pass_shapes (both must succeed). */
void pt_shape(Graph *g);
/* Runs g (shaped) on seeded random inputs, runs pass (which must succeed,
 * with a clean graph_verify after it) and runs g again on the same inputs.
 * Returns the worst |after-before| / (1e-5 + 1e-5|before|) (<= 1 passes);
 * *exact says whether the outputs are bitwise identical. */
double pt_check_pass(Graph *g, int (*pass)(Graph *, Diag *), uint64_t seed, int *exact);
/* Number of live nodes with op op. */
int pt_count(const Graph *g, Op op);
/* The live node producing tensor t, or -1. */
int pt_producer(Graph *g, int t);

Suite *canon_suite(void);
Suite *passman_suite(void);
Suite *fold_suite(void);

#endif
