/* dump.h - `xnorcc run --dump DIR` and `xnorcc compare-dumps A B` (dump.c,
 * docs/dumps.md). */
#ifndef XN_DUMP_H
#define XN_DUMP_H

#include <stdio.h>

#include "../ir/ir.h"

/* interp_run, writing every float tensor it reads or computes (graph inputs
 * first, then each node's outputs in order) to DIR/NNNNN.npy and listing them
 * in DIR/index.tsv. DIR is created when missing. Returns 0 or -1. */
int dump_run(Graph *g, Diag *d, const char *dir, const void *const *inputs, void **outputs);

/* Compares two dumps tensor by tensor (by name, in A's order), over the
 * tensors a Sign or BinActiv reads in either; prints the first whose signs
 * differ (how many elements, the first one in both, how close to zero they
 * were) to out. Returns 0 when no sign differs, 1 when one does, 2 after
 * reporting an error to d. */
int dump_compare(const char *a, const char *b, FILE *out, Diag *d);

#endif
