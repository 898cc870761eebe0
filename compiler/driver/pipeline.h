/* pipeline.h - the whole compile as library calls, shared by the command line,
 * the fuzzers and the out-of-memory tests. Nothing here exits or prints.
 *
 * pipeline.c
 */
#ifndef XN_PIPELINE_H
#define XN_PIPELINE_H

#include "../../frontends/frontend.h"
#include "../backend/backend.h"
#include "../interp/interp.h"
#include "../passes/passes.h"

/* Frontend, topological sort, shape inference and folding, then the verifier.
 * text may be NULL (the file g->file is read) or the file's contents
 * (NUL-terminated). Out of memory becomes the error "out of memory".
 * Returns 0 on success, -1 after errors were reported to d. */
int pipeline_lower(Graph *g, const char *text, size_t len, const LoadOptions *lo, Diag *d);

/* C emission into c and h (out of memory handled as above). Returns 0 or -1. */
int pipeline_emit(Graph *g, const EmitOptions *eo, Diag *d, StrBuf *c, StrBuf *h);

#endif
