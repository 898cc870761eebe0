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

/* Frontend, the verifier on the graph as read (ir_verify: the rules every
 * frontend's graph must meet, then the topological sort), the passes
 * (run_passes: shapes, canonicalize, fold, signs, binarize, fuse, dce; docs/passes.md) and
 * the verifier once more. text may be
 * NULL (the file g->file is read) or the file's contents (NUL-terminated).
 * Out of memory becomes the error "out of memory". Returns 0 on success, -1
 * after errors were reported to d. Same as pipeline_lower_with(..., NULL, d). */
int pipeline_lower(Graph *g, const char *text, size_t len, const LoadOptions *lo, Diag *d);
/* pipeline_lower with pass manager options (--print-after, --time-passes...;
 * po may be NULL). */
int pipeline_lower_with(Graph *g, const char *text, size_t len, const LoadOptions *lo, const PassOptions *po,
                        Diag *d);

/* C emission into c and h (out of memory handled as above). Returns 0 or -1. */
int pipeline_emit(Graph *g, const EmitOptions *eo, Diag *d, StrBuf *c, StrBuf *h);

#endif
