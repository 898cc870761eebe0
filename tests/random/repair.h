/* repair.h - values from xnorcc's interpreter on the graph as read, the BN
 * calibration and the sign margin of the differential tests (docs/difftest.md).
 *
 * repair.c
 */
#ifndef XN_DIFFTEST_REPAIR_H
#define XN_DIFFTEST_REPAIR_H

#include "gen.h"

/* The margin: every value v that reaches a Sign must satisfy
 * |v| >= MARGIN * max(max |v| over its channel (axis 1), RMS of the whole
 * Sign input). The repair step aims for MARGIN_AIM, four times that, so that
 * rounding cannot undo it. */
#define MARGIN 1e-3
#define MARGIN_AIM 4e-3

/* Runs m, with the graph outputs outs[0..nouts), in xnorcc's interpreter on
 * the graph as read (the text IR through pipeline_lower_with with no_opt:
 * shape inference and constant folding only, what `xnorcc run --no-opt`
 * does). vals[i] gets output i (malloc'd). Returns 0, or -1 with xnorcc's
 * messages in err. */
int model_eval(const Model *m, const int *outs, int nouts, float **vals, char *err, size_t cap);

/* Sets every BN's mean and var from its input's per-channel statistics
 * (a trained BN: outputs of unit scale) and every shift before a Sign so that
 * each channel's values lie at least MARGIN_AIM (relative) away from 0, with
 * the zero crossing in a gap between values (both signs occur) in most
 * channels. One interpreter run per calibration, in topological order; r
 * draws the choices. Returns 0, or -1 with the reason in err. */
int repair_model(Model *m, Rng *r, char *err, size_t cap);

/* Checks the margin at every Sign of m on the interpreter's values. Returns
 * the number of values inside it (0: the model is good), or -1 with the
 * reason in err; msg describes the first violation. */
int margin_check(const Model *m, char *err, size_t cap);

#endif
